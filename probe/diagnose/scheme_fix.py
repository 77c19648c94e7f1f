"""The fix of ``scheme_not_passed`` (:mod:`.scheme`): what the front must send, written at
the location's lines when nginx's configuration was read, and what must read it (the
application server named by ``server.software``, or Django)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from probe.diagnose.fronts import listen
from probe.model import Observation

if TYPE_CHECKING:
    from probe.front import FrontConfig

DJANGO = ("SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https') in its settings "
          "(only behind a front that always sets that header, so that no client can)")
MOD_WSGI = ("mod_wsgi: 'WSGITrustedProxyHeaders X-Forwarded-Proto' with 'WSGITrustedProxies "
            "ADDRESS' (the front's address) where the WSGIScriptAlias is, which sets "
            "wsgi.url_scheme from that header when the front sent it (mod_wsgi-express: "
            "--trust-proxy ADDRESS --trust-proxy-header X-Forwarded-Proto), or 'SetEnvIf "
            "X-Forwarded-Proto https HTTPS=on' (mod_setenvif; it trusts any client that "
            "reaches Apache directly too)")
"""mod_wsgi's own ways behind a proxy (its guide "Running Behind A Reverse Proxy")."""
ADD = "proxy_set_header X-Forwarded-Proto $scheme;"
APACHE_ADD = 'RequestHeader set X-Forwarded-Proto "https"'


class Seen(NamedTuple):
    """What an answer says of the scheme header and of Django (``request.forwarded_proto``,
    ``request.is_secure``; None where the endpoint does not report it)."""

    forwarded_proto: str | None
    is_secure: bool | None


SCHEME_HEADERS = ("x-forwarded-proto", "x-forwarded-protocol", "x-forwarded-ssl",
                  "x-forwarded-scheme", "x-scheme", "forwarded")
"""Headers a front names the scheme with, as Django's SECURE_PROXY_SSL_HEADER may read one."""


def _reader(server: str | None, at: str | None = None, arrived: bool = False) -> str:
    """What makes the application see https, for the server that answered (listening at
    ``at``, its server.listen; ``arrived``: the header reached it)."""
    name = (server or "").lower()
    if name.startswith("gunicorn") and at is not None and at.startswith("unix:"):
        return _gunicorn_socket(at, arrived)
    if name.startswith("waitress"):
        own = ("waitress: --trusted-proxy=ADDRESS (the front's address) "
               "--trusted-proxy-headers=x-forwarded-proto")
    elif name.startswith("gunicorn"):
        own = ("gunicorn: --forwarded-allow-ips=ADDRESS (it trusts the header only from "
               "those addresses, 127.0.0.1 by default)")
    elif "mod_wsgi" in name or name.startswith("apache"):
        own = MOD_WSGI
    else:
        return f"Then have Django read it: {DJANGO}."
    return f"Then have the application server read it ({own}), or Django: {DJANGO}."


def _gunicorn_socket(at: str, arrived: bool) -> str:
    """gunicorn on a unix socket trusts the scheme header from every client of it
    (benoitc/gunicorn#1767, 19.8.1; 27.0.1's http/message.py: a peer whose address is no
    (IP, port) pair is a trusted proxy): --forwarded-allow-ips, IP addresses, is no part of
    it. Tester T36's alpha reported https after the RequestHeader line alone."""
    trusted = (f"gunicorn listens on a unix socket ({at}, server.listen) and takes the "
               f"scheme headers of its secure_scheme_headers setting from every client of a "
               f"unix socket, X-Forwarded-Proto 'https' among them by default "
               f"(--forwarded-allow-ips lists IP addresses: it applies to TCP clients only)")
    if arrived:
        return (f"Yet {trusted}: that it did not make the request https means its "
                f"secure_scheme_headers setting (its configuration file or command line) "
                f"leaves that header out; or have Django read it: {DJANGO}.")
    return f"Once the front sends it, {trusted}: nothing more is needed of it."


def scheme_fix(obs: Observation, server: str | None, nginx: bool,
               front: FrontConfig | None, seen: Seen | None = None, *,
               apache: bool = False) -> tuple[str, bool | None]:
    """The fix, and whether the configuration read sends a header naming the scheme (None:
    not read, or the route not decided). ``seen``: what the answer says of the header and of
    Django (endpoints that report it). ``nginx``, ``apache``: the answer's Server header
    names that front, so the fix is worded for it alone; neither: both fronts' words."""
    at = next((listen(a) for s in reversed(obs.samples) if (a := s.trusted_answer)), None)
    read = _configured(obs, front, server, seen) if front is not None and nginx else None
    if front is not None and not nginx and read is None:
        from probe.diagnose.scheme_apache import apache_scheme

        read = apache_scheme(obs, front, _taken(server, seen))
    if read is not None:
        return f"{read[0]} {_reader(server, at)}", read[1]
    if seen is not None and (seen.forwarded_proto or "").lower() == "https":
        # the header arrived: asking the front to send it again would change nothing
        read_by = ("neither the application server nor Django reads it: request.is_secure() "
                   "is false (request.is_secure)" if seen.is_secure is False else
                   "whether Django reads it the answers do not show (no request.is_secure)")
        return (f"X-Forwarded-Proto {seen.forwarded_proto!r} arrived (request.forwarded_proto):"
                f" the front sends it, and {read_by}; no header is to be added at the front. "
                f"{_reader(server, at, arrived=True)}"), None
    if nginx:
        front_words = (f"nginx sends it with '{ADD}' where the proxy_pass that passes these "
                       f"URLs is (whether it does now, the configuration tells: probe sweep "
                       f"--config names the lines)")
    elif apache:
        front_words = (f"Apache sends it with '{APACHE_ADD}' (mod_headers) in the TLS "
                       f"VirtualHost whose ProxyPass passes these URLs (whether it does now, "
                       f"the configuration tells)")
    else:
        front_words = (f"The front must send the scheme (nginx: '{ADD}'; Apache mod_proxy: "
                       f"'{APACHE_ADD}' in the TLS VirtualHost)")
    return f"{front_words}. {_reader(server, at)}", None


def _taken(server: str | None, seen: Seen | None) -> str:
    """What became of a header nginx sends, as far as the answers show."""
    if seen is None or seen.is_secure is None:
        return "the application server does not take it, and whether Django reads it the " \
               "answers do not show"
    if seen.forwarded_proto is None:
        dropped = (" (waitress, server.software, removes proxy headers it does not trust)"
                   if (server or "").lower().startswith("waitress") else "")
        return (f"it did not reach the application (request.forwarded_proto null): something "
                f"in between removed it{dropped}, and Django's request.is_secure() is false "
                f"(request.is_secure)")
    return (f"it arrived (request.forwarded_proto {seen.forwarded_proto!r}) and Django does "
            f"not read it: request.is_secure() is false (request.is_secure)")


def _configured(obs: Observation, front: FrontConfig, server: str | None,
                seen: Seen | None) -> tuple[str, bool] | None:
    """The lines in force at the URL's location, as read; None where the route is not
    decided or passes without proxy_pass."""

    address = obs.target.address or next((s.address for s in obs.samples if s.address), None)
    route = front.route(obs.target.url, address)
    mapping = route.step("mapping")
    model = getattr(front, "model", None)
    if route.undecided is not None or mapping is None or mapping.source is None or \
            model is None:
        return None
    from probe.nginx.select import location_at  # nginx's model: with its config only

    location = location_at(model, mapping.source)
    if location is None or location.proxy_pass is None:
        return None
    sent = [h for h in location.headers if h.where and h.name.lower() in SCHEME_HEADERS]
    if sent:
        lines = "; ".join(f"'proxy_set_header {h.name} {h.value}' ({h.where})" for h in sent)
        return (f"nginx sends the scheme to it for {obs.target.url}: {lines}, at "
                f"{location.describe()} ({location.where}); {_taken(server, seen)}.", True)
    level = location.header_set.source
    where = (f"beside the proxy_set_header lines in force there, at {level} (a level with "
             f"lines of its own replaces every inherited one)" if level else
             f"in {location.describe()} at {location.where}")
    return (f"nginx sends no header naming the scheme for {obs.target.url}: "
            f"{location.describe()} ({location.where}) passes with proxy_pass "
            f"{location.proxy_pass.url} ({location.proxy_pass.where}) and no such "
            f"proxy_set_header is in force, so nothing tells the application the request was "
            f"https: Django's request.is_secure() is false for it (a SECURE_PROXY_SSL_HEADER "
            f"setting, where the project has one, finds no header to read). Add '{ADD}' "
            f"{where}.", False)
