"""``nginx_real_ip`` (docs/lint.md, "nginx"): nginx's realip module takes the client's address
from what the client sends, where a ``uwsgi_pass`` location hands that address on as
``REMOTE_ADDR`` (``uwsgi_param REMOTE_ADDR $remote_addr``, in Debian's ``uwsgi_params``) and
the probe endpoint without a token decides by it.

A token-less endpoint answers only loopback requests without a proxy header. With
``set_real_ip_from`` in force (realip does nothing without it), nginx replaces
``$remote_addr`` by the address in ``real_ip_header`` (X-Real-IP when not written) of the
requests from those addresses: one that sends ``127.0.0.1`` there is loopback to the
endpoint. nginx does not remove the header: passed on (``uwsgi_pass_request_headers`` is on
unless written off) as ``HTTP_X_REAL_IP`` or ``HTTP_X_FORWARDED_FOR``, the endpoint sees a
proxy header and refuses, which has not been measured with real nginx here; with
``proxy_protocol``, a header the endpoint does not know as a proxy header, or request
headers off, nothing closes it. Which clients the trusted lines cover, and whether an
endpoint runs without a token, the configuration does not say: a note, as Apache's
``remoteip_header``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from probe.lint.client_unseen import PROXY_HEADER
from probe.lint.findings import ConfigFinding, Severity
from probe.nginx.model import NginxModel
from probe.nginx.text import Directive
from probe.nginx.uwsgi_params import levels_of, params_of

_PROXY_HEADER = PROXY_HEADER  # the header names the endpoint takes for a proxy's


def _in_force(levels: tuple[Directive, ...], name: str) -> list[Directive]:
    """The lines of ``name`` in force: the innermost level that writes any (nginx's merge of
    both ``real_ip_header`` and the ``set_real_ip_from`` list)."""
    for level in reversed(levels):
        own = [d for d in level.children(name) if d.args]
        if own:
            return own
    return []


@dataclass
class _Seen:
    """One realip header line and the locations it reaches."""

    header: Directive  # real_ip_header, or the first set_real_ip_from where none is written
    trusted: list[Directive]
    locations: list[str] = field(default_factory=list)
    headers_off: bool = False  # uwsgi_pass_request_headers off at one of them


def real_ip(model: NginxModel) -> list[ConfigFinding]:
    """A note at each ``real_ip_header`` (or, none written, the first ``set_real_ip_from``)
    in force at a ``uwsgi_pass`` location that passes ``REMOTE_ADDR $remote_addr``."""
    found: dict[str, _Seen] = {}
    for _server, loc in model.locations():
        handed = loc.other_pass
        if handed is None or handed.name != "uwsgi_pass":
            continue
        levels = levels_of(model, loc)
        trusted = _in_force(levels, "set_real_ip_from")
        params = params_of(model, loc)
        remote = params.named("REMOTE_ADDR") if params is not None else None
        if params is None or not trusted or remote is None or \
                "$remote_addr" not in remote.value:
            continue
        header = (_in_force(levels, "real_ip_header") or trusted)[-1]
        seen = found.setdefault(header.where, _Seen(header, trusted))
        off = params.no_headers
        seen.locations.append(f"{loc.describe()} at {loc.where} ({remote.quoted}"
                              + (f", uwsgi_pass_request_headers off at {off.where}" if off
                                 else "") + ")")
        seen.headers_off = seen.headers_off or off is not None
    return [_note(seen) for seen in found.values()]


def _note(seen: _Seen) -> ConfigFinding:
    d = seen.header
    header = d.args[0] if d.name == "real_ip_header" else "X-Real-IP"
    written = "" if d.name == "real_ip_header" else " (not written: nginx's default)"
    lines = ", ".join(f"set_real_ip_from {t.args[0]} ({t.where})" for t in seen.trusted)
    if header == "proxy_protocol":
        closes = ("the address comes in the PROXY protocol line, no header arrives with it "
                  "to close the endpoint")
    elif seen.headers_off:
        closes = ("uwsgi_pass_request_headers off keeps the header from the application, so "
                  "no proxy header closes the endpoint")
    elif _PROXY_HEADER.fullmatch(header):
        closes = (f"nginx passes the {header} header on too, which the endpoint refuses as a "
                  f"proxy header (not measured with real nginx)")
    else:
        closes = f"{header} is no header the endpoint knows as a proxy's, so nothing closes it"
    return ConfigFinding.at(
        "nginx_real_ip", Severity.NOTE, d.where,
        f"real_ip_header {header}{written}: nginx's realip module sets $remote_addr from "
        f"{header} of the requests from {lines}, and {'; '.join(seen.locations[:3])} "
        f"hand{'s' if len(seen.locations) == 1 else ''} it to the application as "
        f"REMOTE_ADDR, which the probe endpoint without a token trusts: such a request "
        f"claiming 127.0.0.1 is loopback to the endpoint; {closes}; "
        f"which clients those lines cover is not checked",
        "install the endpoint with a token (probe endpoint --install WSGI_PY, without "
        "--no-token), or keep set_real_ip_from to the proxies' own addresses")
