"""``scheme_not_passed``: https URLs whose application received the request as plain HTTP.

The endpoint reports ``request.scheme`` (the environ's ``wsgi.url_scheme``): ``http`` for an
``https`` URL means something in between ended TLS and passed the request on without the
application server making it https (a proxy header it trusts: gunicorn's
``--forwarded-allow-ips``, waitress's ``--trusted-proxy-headers``). Django's
``request.is_secure()`` is then true only if ``SECURE_PROXY_SSL_HEADER`` names a header the
front sends with ``https``. The endpoint reports it (``request.is_secure``, with the
``X-Forwarded-Proto`` that arrived): false is a warning that says so, true is no finding (the
set-up Django documents). Endpoints older than that field do not say; there what follows if it
is false is said as a condition. Either way the consequences (the ``SECURE_SSL_REDIRECT`` loop,
CSRF's Origin check) are said where each setting is in force: the endpoint reports neither. A
finding, not a verdict: the instance that answered is the right one, and the URL's verdict
keeps its meaning.

Without ``request.is_secure``, with nginx's configuration read, the ``proxy_set_header``
lines in force at the URL's location say whether nginx sends any header naming the scheme
(``file:line``): where none does, nothing can tell Django, and the finding is a warning;
elsewhere (a header is sent, or no configuration was read) it is a note of severity ok:
Django's documented setup (the front sends X-Forwarded-Proto, SECURE_PROXY_SSL_HEADER reads
it, the application server does not) looks the same in the answers and is right.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from probe.diagnose.fronts import software
from probe.endpoint_answer import EndpointAnswer, mapping
from probe.model import Finding, Observation, Status, TargetResult
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.front import FrontConfig

SCHEME_NOT_PASSED = "scheme_not_passed"
SHOWN = 3


def received_http(answer: EndpointAnswer) -> bool:
    return mapping(answer.raw.get("request")).get("scheme") == "http"


def is_secure(answer: EndpointAnswer) -> bool | None:
    """Django's request.is_secure() as the endpoint reports it (``request.is_secure``);
    None where it does not (an older endpoint, Django not configured)."""
    value = mapping(answer.raw.get("request")).get("is_secure")
    return value if isinstance(value, bool) else None


def scheme_findings(observations: Sequence[Observation], results: Sequence[TargetResult],
                    front: FrontConfig | None) -> tuple[Finding, ...]:
    """One finding per instance whose answers to https URLs report scheme http."""
    seen: dict[str, list[tuple[Observation, EndpointAnswer]]] = defaultdict(list)
    for obs, result in zip(observations, results, strict=True):
        if obs.target.url[:6].lower() != "https:":  # (urlsplit per URL costs a sweep)
            continue
        answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer),
                      None)
        # Django knowing the request secure (SECURE_PROXY_SSL_HEADER read) is the right set-up.
        if answer is not None and received_http(answer) and is_secure(answer) is not True:
            seen[result.answered_by or answer.label or "?"].append((obs, answer))
    return tuple(_finding(name, found, front) for name, found in seen.items())


def _finding(name: str, found: list[tuple[Observation, EndpointAnswer]],
             front: FrontConfig | None) -> Finding:
    urls = [obs.target.url for obs, _ in found]
    shown = ", ".join(urls[:SHOWN]) + (f" and {len(urls) - SHOWN} more"
                                       if len(urls) > SHOWN else "")
    obs, answer = found[0]
    server = software(answer)
    by = f" ({server}, server.software)" if server else ""
    nginx = any((s.server or "").lower().startswith("nginx") for s in obs.samples)
    apache = not nginx and any((s.server or "").lower().startswith("apache")
                               for s in obs.samples)
    head = (f"{len(urls)} https URL{'s' if len(urls) > 1 else ''} of {name} reached the "
            f"application as plain HTTP: its answers report request.scheme 'http' for "
            f"{shown}. Something in between ended TLS, and the application server{by} did "
            f"not take the scheme from a proxy header.")
    # The endpoint reports neither setting: what follows is said where each is in force.
    loop = ("where SECURE_SSL_REDIRECT is on, every page redirects to its https URL, which "
            "arrives as http again (a loop); where CsrfViewMiddleware runs, Django compares a "
            "posted form's Origin (https) with the scheme it sees (http) and refuses it (403) "
            "unless CSRF_TRUSTED_ORIGINS lists that origin. The answers report neither "
            "setting: the project's settings (SECURE_SSL_REDIRECT, MIDDLEWARE) tell which "
            "applies.")
    told = mapping(answer.raw.get("request")).get("forwarded_proto")
    arrived = (f"X-Forwarded-Proto {quoted(told)} arrived (request.forwarded_proto)"
               if isinstance(told, str) and told
               else "no X-Forwarded-Proto arrived (request.forwarded_proto null)")
    known_false = any(is_secure(a) is False for _, a in found)
    if known_false:
        text = (f"{head} Django's request.is_secure() is false for them (request.is_secure; "
                f"{arrived}): {loop}")
    else:
        text = (f"{head} Django's request.is_secure() is then true only if "
                f"SECURE_PROXY_SSL_HEADER names a header the front sends with 'https'; the "
                f"answers do not say (this endpoint reports no request.is_secure). If it is "
                f"false: {loop}")
    from probe.diagnose.scheme_fix import Seen, scheme_fix

    proto = told if isinstance(told, str) else None
    fix, sent = scheme_fix(obs, server, nginx, front, Seen(proto, is_secure(answer)),
                           apache=apache)
    # A warning only where the configuration read shows that no header names the scheme:
    # else a front that sends it to a Django reading it (SECURE_PROXY_SSL_HEADER, the setup
    # Django documents) is right, and the answers cannot tell it from one that is not.
    severity = Status.WARNING if sent is False or known_false else Status.OK
    return Finding(SCHEME_NOT_PASSED, severity, (name,), f"{text} {fix}")
