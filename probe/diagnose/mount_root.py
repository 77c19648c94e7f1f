"""``mount_mismatch`` of a URL at / whose application answers under a mount: the front put
the mount before the path (``location / { proxy_pass http://B/app/; }``, ``ProxyPass /
http://B/app/``) to reach an application server that serves only that mount (a
mod_wsgi-express ``--mount-point /app``), so SCRIPT_NAME is ``/app`` at a URL whose own
mount is /.

Re-tester R31 repointed blog-old.example.test so and was told to "add 'proxy_set_header
X-Forwarded-Prefix ;'" (the URL's mount, empty: ``nginx -t`` rejects it; Apache's
``RequestHeader`` alike), "--mount-point ''", and to let proxy_pass strip the prefix, which
undoes the repoint (the server serves only /app). Its page answered 200: the harm is in its
links, which Django builds under SCRIPT_NAME, and which come back through the same front with
the mount put before them again (/admin/ redirected to /app/admin/login/, a 404 there). So
the words say what was observed, the check that shows the harm, and the fixes that fit:
serve the name under the mount, run the application without it for this name, or redirect
the name to the mounted URL; never a fix with an empty mount.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.force_script import other_mounts
from probe.diagnose.fronts import express_address, listening
from probe.diagnose.identify import SweepContext
from probe.endpoint_answer import EndpointAnswer
from probe.model import Evidence, EvidenceKind, FrontKind, Observation
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.front import PredictedRoute


@dataclass(frozen=True)
class Rooted:
    """What the answer shows, and the fix, for a URL at / answered under a mount."""

    what: str
    fix: str
    evidence: tuple[Evidence, ...]


def rooted(obs: Observation, answer: EndpointAnswer, context: SweepContext, front: FrontKind,
           route: PredictedRoute | None, sent: str) -> Rooted | None:
    """The words for a URL whose path is / and whose answer's SCRIPT_NAME is a mount with the
    whole path sent after it (PATH_INFO); None for any other shape."""
    url = obs.target.url
    script = (answer.script_name or "").rstrip("/")
    if (urlsplit(url).path or "/") != "/" or not script or answer.path_info != sent:
        return None
    parts = urlsplit(url)
    inner = script.lstrip("/")
    other = next((o for o in other_mounts(context, obs, answer, "") if o.mount == script), None)
    elsewhere = (f" ({other.url} is served there by the same processes: {other.seen})"
                 if other is not None else "")
    what = (f"it received SCRIPT_NAME {quoted(script)} and PATH_INFO {quoted(answer.path_info)}"
            f" at a URL whose path is / ({sent} arrived under {script}): it answers mounted at "
            f"{script}{elsewhere}, so Django builds its links and redirects under {script}/, "
            f"and under this name a link to {script}/x comes back through this front, which "
            f"puts {script} before the path it passes, as {script}{script}/x, where unless its "
            f"URL patterns start with {inner}/ it answers 404. The probe, answered before "
            f"Django runs, shows no page's links: the check is a page that redirects (where "
            f"Django's admin is installed, {parts.scheme}://{parts.netloc}/admin/ redirects to "
            f"{script}/admin/login/; that Location fetched under this name answers 404 if so)")
    evidence: tuple[Evidence, ...] = (Evidence(
        EvidenceKind.OBSERVED, f"request.script_name = {quoted(script)}, "
        f"request.path_info = {quoted(answer.path_info)}", f"GET {url}"),)
    if other is not None:
        evidence += (Evidence(EvidenceKind.OBSERVED, other.seen, f"GET {other.url}"),)
    return Rooted(what, _fix(front, route, answer, script, f"{parts.scheme}://{parts.netloc}",
                             other.url if other is not None else None), evidence)


def _fix(front: FrontKind, route: PredictedRoute | None, answer: EndpointAnswer, script: str,
         base: str, mounted_url: str | None) -> str:
    at = listening(answer)
    address = at.address if at is not None else "HOST:PORT"
    step = None if route is None or route.undecided is not None else \
        route.step("upstream" if front is FrontKind.NGINX else "proxy")
    line = f" (the line at {step.source})" if step is not None and step.source else ""
    if express_address(answer) is not None:
        served = (f", and {mounted_url} is served at {script} by this one" if mounted_url
                  else "")
        alone, own = (f"a mod_wsgi-express of its own for this name, started without "
                      f"--mount-point (--mount-point mounts every request of a server{served})",
                      "HOST:PORT")
    else:
        alone, own = "its application server told no mount (SCRIPT_NAME '')", address
    parts = urlsplit(mounted_url or "")
    target = f"{parts.scheme}://{parts.netloc}{script}"
    if front is FrontKind.APACHE:
        under = (f"'ProxyPass {script}/ http://{address}{script}/' in place of the ProxyPass "
                 f"of /{line}")
        plain = f"'ProxyPass / http://{own}/'"
        redirect = (f" Or redirect the name to the mounted URL: 'Redirect permanent / "
                    f"{target}/' in place of that ProxyPass (mod_proxy takes the path before "
                    f"mod_alias's Redirect).")
    else:
        under = (f"a 'location {script}/' whose proxy_pass has no URI part ('proxy_pass "
                 f"http://{address};', the whole path {script}/... passed on) in place of the "
                 f"location /{line}")
        plain = f"'proxy_pass http://{own};' (no URI part) in the location /"
        redirect = (f" Or redirect the name to the mounted URL: 'return 301 {target}"
                    f"$request_uri;' in its server block in place of the location /.")
    return (f"Serve this name's pages under the application's mount: list the URL as "
            f"{base}{script}/ and pass it with {under}, so that a link to {script}/x arrives "
            f"as {script}/x. Or run the application for this name without the mount: {alone}, "
            f"passed to with {plain}" + (" (HOST:PORT its --host and --port)" if own ==
                                        "HOST:PORT" else "") + "."
            + (redirect if mounted_url else ""))
