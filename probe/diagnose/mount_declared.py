"""``mount_mismatch`` where the application was told a longer mount than the instance's
declared ``script_name`` (docs/manifest.md): SCRIPT_NAME ``/api/v1`` and PATH_INFO
``/__probe__`` for an instance that declares ``script_name = ""``.

Without the declaration that answer is right (SCRIPT_NAME is the mount its URLs give); with
it, the application's URL patterns carry the path below the declared mount, the told part
included, so it resolves what is left of PATH_INFO against patterns that start with the part
taken into SCRIPT_NAME: its pages answer 404. A tester's Taiga (patterns ``api/v1/...``)
was told to set gunicorn's SCRIPT_NAME header to ``/api/v1``: the sweep turned ok and every
real API page answered 404. The fix takes the told part back out of SCRIPT_NAME.
"""

from __future__ import annotations

from probe.diagnose.mount_told import request_field
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.model import Evidence, EvidenceKind, FrontKind, Observation, Verdict

WAYS = ("gunicorn's SCRIPT_NAME header ('proxy_set_header SCRIPT_NAME ...;' in nginx, "
        "'RequestHeader set SCRIPT_NAME ...' in Apache), 'uwsgi_param SCRIPT_NAME', uWSGI's "
        "--mount with --manage-script-name, waitress's --url-prefix, mod_wsgi-express's "
        "--mount-point, or a middleware that sets it from X-Forwarded-Prefix")
"""Every way an application server behind a proxy is told a SCRIPT_NAME (docs/verdicts.md,
``mount_mismatch``): the answer does not say which one set it."""


def longer(obs: Observation, diagnosis: Diagnosis, answer: EndpointAnswer, meant: str,
           front: FrontKind) -> Diagnosis:
    """The verdict for an answer whose SCRIPT_NAME extends the declared ``meant``."""
    url = obs.target.url
    script, info = answer.script_name or "", answer.path_info or ""
    rest = script[len(meant):].lstrip("/")
    shown = repr(meant) if meant else "''"
    evidence = [Evidence(EvidenceKind.OBSERVED,
                         f"request.script_name = {script!r}, request.path_info = {info!r}",
                         f"GET {url}")]
    prefix = request_field(answer, "forwarded_prefix")[1]
    header = ""
    if prefix is not None and prefix.rstrip("/") == script:
        evidence.append(Evidence(EvidenceKind.OBSERVED, f"request.forwarded_prefix = "
                                 f"{prefix!r}", f"GET {url}"))
        header = (f"; an X-Forwarded-Prefix {prefix} arrived (request.forwarded_prefix): "
                  f"remove it, or the middleware that reads it")
    front_words = (" (in nginx's location that passes the URL, or in the application server)"
                   if front is FrontKind.NGINX else "")
    return Diagnosis(
        Verdict.MOUNT_MISMATCH, None,
        explanation=(f"{url} is served by the right application, but it received SCRIPT_NAME "
                     f"{script!r} and PATH_INFO {info!r}, while the manifest declares "
                     f"script_name {shown} (its URL patterns carry the path below "
                     f"{meant or '/'}, {rest}/ included): it resolves {info} against patterns "
                     f"that start with {rest}/, so its pages answer 404."),
        fix=(f"Pass the requests with SCRIPT_NAME {shown} and the rest of the path in "
             f"PATH_INFO, as declared: remove what sets SCRIPT_NAME to {script!r}"
             f"{front_words}: one of {WAYS}{header}. If the application's URL patterns do "
             f"not start with {rest}/, the declaration is what is wrong: script_name = "
             f"\"{script}\" for {obs.target.expected}."),
        answered_by=diagnosis.answered_by, evidence=(*diagnosis.evidence, *evidence))
