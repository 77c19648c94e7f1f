"""What a URL's answer shows of its mount (``mount_mismatch``'s and ``mount_undecided``'s
shared reading): the mount the URL is served at, and whether the front took it off the path,
passed it twice, or passed the whole path on.

The mount is decided by the answer where something was taken off (the path sent less
PATH_INFO) or passed twice (SCRIPT_NAME and the start of PATH_INFO); where the whole path
arrived, only the manifest gives one: the instance's declared ``script_name``, else the
shortest path it lists on the host above the URL. That last one is a guess about the
application's URL patterns, not evidence: a whole path with SCRIPT_NAME '' is right for an
application whose patterns carry the prefix (a tester's Taiga: ``location /api`` passing
``/api/v1/...`` to patterns ``api/v1/...``), so it is :func:`undecided`, not a problem. So is
the path split at a shorter prefix than the listed mount (SCRIPT_NAME ``/api``, PATH_INFO
``/v1/...`` for URLs listed under ``/api/v1/``: right for patterns ``v1/...``), unless
another listed URL of the instance on the host was told another mount below that prefix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

from probe.diagnose import force_script
from probe.diagnose.fronts import mod_wsgi
from probe.diagnose.identify import SweepContext
from probe.diagnose.proxy_seen import mod_wsgi_proxied, proxy_seen
from probe.endpoint_answer import EndpointAnswer
from probe.model import FrontKind, Observation


@dataclass(frozen=True)
class Shape:
    """A URL's mount as its answer and the manifest show it."""

    mount: str
    stripped: bool  # the front took ``mount`` off the path
    doubled: bool  # SCRIPT_NAME the mount, and PATH_INFO still starts with it


def proxied(front: FrontKind, answer: EndpointAnswer, obs: Observation) -> bool:
    """Whether a proxy in front may have set the answer's mount: mod_wsgi sets SCRIPT_NAME
    from its own mount (other verdicts judge that) unless the answer shows a proxy before it
    (a mod_wsgi-express backend behind mod_proxy: a forwarded Host arrived); nginx, Apache's
    mod_proxy, or any proxy the answer shows (:mod:`.proxy_seen`: Apache passes its
    backend's Server header on, so the front is not always named) can strip a prefix."""
    if front is FrontKind.NGINX:
        return True
    # Asked of every answer (None for all but mod_wsgi's): the check server's warm-up, whose
    # loopback is no mod_wsgi, then runs it before any child does (tests/integration/
    # test_check_server_apache.py).
    behind = mod_wsgi_proxied(obs, answer)
    if mod_wsgi(answer):
        return behind is not None
    return front is FrontKind.APACHE or proxy_seen(obs, answer) is not None


def mount_of(path: str, sent: str, script: str, info: str, own: set[str]) -> Shape:
    """The shape of a URL at ``path`` whose probe request went out as ``sent``: the prefix
    the front took off (``sent`` less ``info``); SCRIPT_NAME passed and the prefix left on
    PATH_INFO too, SCRIPT_NAME; else the shortest path the instance lists on this host above
    the URL (a tester's /blog/admin/ is a page of the mount /blog)."""
    doubled = bool(script) and script + info != sent and (
        info == script or info.startswith(script + "/")) and (
        script in own or sent.startswith(script + "/"))
    if doubled:
        return Shape(script, False, True)
    if script + info != sent and info != sent and sent.endswith(info):
        return Shape(sent[:-len(info)].rstrip("/"), True, False)
    above = [m for m in own if (path + "/").startswith(m + "/")]
    # PATH_INFO the whole path with a SCRIPT_NAME before it: nothing was taken off, a prefix
    # was put before the path (tester T30's uWSGI mount /shop took '.../shop/app/'); read
    # together, not as a prefix taken off
    return Shape(min(above, key=len, default=path), script + info != sent and info != sent,
                 False)


def declared(context: SweepContext, expected: str | None, path: str) -> str | None:
    """The instance's declared ``script_name``, where it applies to a URL at ``path`` (the
    path starts with it): one value cannot describe an instance served at / on one host
    and at /blog on another, so a URL outside it is judged as without it."""
    instance = context.manifest.instances.get(expected or "")
    value = instance.script_name if instance is not None else None
    if value is None or not (path + "/").startswith(value + "/"):
        return None
    return value


@dataclass(frozen=True)
class Undecided:
    """A whole path passed with SCRIPT_NAME '' whose mount only the manifest's URLs give."""

    url: str
    sent: str  # the probe request's path, as the front received it
    mount: str
    script: str = ""  # the SCRIPT_NAME received: '', or a prefix of ``mount`` (/api of /api/v1)


def undecided(obs: Observation, answers: Sequence[EndpointAnswer], context: SweepContext,
              front: FrontKind) -> Undecided | None:
    """The URL's every answer received the whole path with SCRIPT_NAME '' below a mount the
    manifest's URLs give (none declared), and Django believes it is mounted at / (no
    FORCE_SCRIPT_NAME, which would decide it wrong either way): right if the application's
    URL patterns carry the mount, wrong otherwise; the answers cannot tell. Asked of a URL
    by the verdict and again by the finding: decided once (a 10,000-URL sweep's diagnosis
    took 8 % longer with it asked twice)."""
    key = ("mount_undecided", f"{obs.target.url} {obs.target.address} {front.value}")
    if key not in context.memo:
        context.memo[key] = _undecided(obs, answers, context, front)
    return cast("Undecided | None", context.memo[key])


def _undecided(obs: Observation, answers: Sequence[EndpointAnswer], context: SweepContext,
               front: FrontKind) -> Undecided | None:
    # The answers' own fields first: most URLs (mod_wsgi's own mounts) end here, before
    # any URL is split.
    script = answers[0].script_name if answers else None
    if script is None or any(a.script_name != script or not proxied(front, a, obs)
                             or _believes_other(a, script) for a in answers):
        return None
    url = obs.target.url
    path = (urlsplit(url).path or "/").rstrip("/")
    if declared(context, obs.target.expected, path) is not None:
        return None
    sent = urlsplit(obs.target.probe_url(context.manifest.probe.segment)).path
    if any(script + (a.path_info or "") != sent for a in answers):
        return None  # something was taken off, or passed twice: the answer decides
    netloc = urlsplit(url).netloc.lower()
    own = own_mounts(context, obs.target.expected, netloc)
    if script in own:  # the instance lists SCRIPT_NAME's path on this host: it is its mount
        return None
    shape = mount_of(path, sent, "", sent, own)
    if not shape.mount or not shape.mount.startswith(script + "/"):
        return None
    if script and told_elsewhere(context, obs.target.expected, netloc, script) is not None:
        return None  # the front mounts it elsewhere below the prefix: the answers decide
    return Undecided(url, sent, shape.mount, script)


def _believes_other(answer: EndpointAnswer, script: str) -> bool:
    """Django's FORCE_SCRIPT_NAME is another mount than SCRIPT_NAME: wrong either way."""
    forced = force_script.forced(answer)
    return forced is not None and forced.rstrip("/") != script


@dataclass(frozen=True)
class Elsewhere:
    """Another listed URL of the instance on the host, told another mount below a prefix."""

    url: str
    script: str
    path_info: str


def told_elsewhere(context: SweepContext, expected: str | None, netloc: str,
                   script: str) -> Elsewhere | None:
    """A URL of ``expected`` on ``netloc`` below ``script`` whose answer received another
    SCRIPT_NAME: the front tells the application two mounts there, so a split at ``script``
    is not what every URL of it gets. Once per instance, host and prefix, not per URL."""
    key = ("told_elsewhere", f"{expected or ''} {netloc} {script}")
    if key not in context.memo:
        found = None
        for o in context.observations:
            parts = urlsplit(o.target.url)
            if (o.target.expected != expected or parts.netloc.lower() != netloc
                    or not parts.path.startswith(script + "/")):
                continue
            found = next((Elsewhere(o.target.url, a.script_name, a.path_info or "")
                          for s in o.samples if (a := s.trusted_answer) is not None
                          and a.script_name is not None and a.script_name != script), None)
            if found is not None:
                break
        context.memo[key] = found
    return cast("Elsewhere | None", context.memo[key])


def own_mounts(context: SweepContext, expected: str | None, netloc: str) -> set[str]:
    """The paths of the sweep's URLs on ``netloc`` expecting ``expected``: once per instance
    and host, not per URL. Only the same host's: a mount at / on another host says nothing
    of where the application is mounted on this one (a tester's nginx stripped /wiki/)."""
    key = ("own_mounts", f"{expected or ''} {netloc}")
    if key not in context.memo:
        by_host: dict[str, set[str]] = {}
        for o in context.observations:
            if o.target.expected == expected:
                parts = urlsplit(o.target.url)
                by_host.setdefault(parts.netloc.lower(), set()).add(
                    (parts.path or "/").rstrip("/"))
        for host, paths in by_host.items():
            context.memo[("own_mounts", f"{expected or ''} {host}")] = paths
    return cast("set[str]", context.memo.get(key, set()))
