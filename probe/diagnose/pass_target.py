"""Where nginx should pass a URL meant for an instance: a ``proxy_pass`` target, each said
with what shows it.

An answer's ``server.listen`` is where the application server says it listens, as that
server writes it: gunicorn ``127.0.0.1:8001``, waitress ``*:8001`` (its port only), uWSGI its
option as given (``:8001``, ``0.0.0.0:8001``) or ``unix:/path``. A wildcard is no address to
connect to (``proxy_pass http://*:8001`` makes ``nginx -t`` fail), so it is never pasted into
a fix as it stands. In order of evidence:

* the configuration read passes the instance's own URL to an upstream that reached it: that
  ``proxy_pass`` as written, with its ``file:line`` (configured);
* a concrete address (``127.0.0.1:8001``, ``[::1]:8001``): that address (observed); a socket
  ``unix:/path``: ``http://unix:/path:`` (nginx's form, the path enclosed in colons);
* a wildcard and the probe reached the instance directly on that port: that address (probed);
* a wildcard otherwise: the host the probe reached nginx at, with the port, said to be an
  inference (it holds when the application server runs on nginx's machine).

Where uWSGI made the answer (``server.uwsgi``, :mod:`.uwsgi_seen`) and the probe did not reach
it over HTTP itself, the line offered is ``uwsgi_pass``: uWSGI's ``socket=`` speaks its own
protocol, and a ``proxy_pass`` to it gets 502 (a tester's Emperor vassal on ``socket=``: nginx
"upstream prematurely closed connection", uWSGI "invalid request block size"). The endpoint's
``server.listen`` is uWSGI's ``http-socket=`` where it has one, else its ``socket=``, so the
answer does not say which: the ``proxy_pass`` form is said too, with the line that decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from probe.diagnose.fronts import WILDCARD_HOSTS as WILDCARDS
from probe.diagnose.fronts import Listening, listening, same_listen, software
from probe.diagnose.identify import SweepContext
from probe.diagnose.pass_keep import UNREAD_NOTE, Kept, kept_by, split_written
from probe.diagnose.pass_mount import Mounted, UnreadMount
from probe.diagnose.uwsgi_seen import uwsgi_seen
from probe.endpoint_answer import EndpointAnswer
from probe.front import FrontConfig, PredictedRoute, RouteStep

LISTEN_OPTIONS = ("its server's own listening option gives it (gunicorn's --bind, uWSGI's "
                  "socket= or http-socket=, waitress's --listen, mod_wsgi-express's --host and "
                  "--port)")
"""What gives an address no answer showed: each server's own option, none assumed."""

PASSES = ("proxy_pass", "uwsgi_pass", "fastcgi_pass", "scgi_pass", "grpc_pass")


@dataclass(frozen=True)
class OwnAnswer:
    """An instance answering one of its own URLs: where it says it listens, and where the
    probe connected for that answer."""

    listen: str
    url: str
    address: str | None
    software: str | None
    meant: str | None = None
    """The instance ``url`` is meant for, when the answer was to another instance's URL
    (:func:`seen_answer`): its address is seen there all the same."""
    uwsgi: str | None = None
    """The field that says uWSGI made the answer (``server.uwsgi.version '2.0.31'``)."""
    told: str | None = None
    """The field ``listen`` was read from and its value, where not ``server.listen``: a
    mod_wsgi-express daemon group's ``HOST:PORT`` (:attr:`probe.diagnose.fronts.Listening.said`)."""

    @property
    def shown(self) -> str:
        """The field and value that show where it listens."""
        return self.told or f"server.listen {self.listen!r}"

    def said(self, instance: str) -> str:
        """Where the answer was seen, as an observation."""
        if self.meant is None:
            return f"{instance} answers its own URL {self.url} on {self.shown}"
        return f"{instance} answered {self.url}, a URL of {self.meant}, on {self.shown}"


@dataclass(frozen=True)
class Configured:
    """The ``proxy_pass`` (or ``uwsgi_pass``...) that passes the instance's own URL, as read."""

    url: str  # as written: http://blog_upstream, http://127.0.0.1:8001/
    where: str
    own_url: str
    directive: str = "proxy_pass"


def own_answer(context: SweepContext, instance: str | None) -> OwnAnswer | None:
    """The first answer of ``instance`` to one of its own URLs that says where it listens;
    once per instance (asked for every wrong URL)."""
    if instance is None:
        return None
    key = ("own_answer", instance)
    if key not in context.memo:
        found = None
        for obs, answer in context.answers_of(instance):
            at = listening(answer)  # an express daemon group's HOST:PORT too
            if obs.target.expected == instance and at:
                address = obs.target.address or next(
                    (s.address for s in obs.samples if s.address), None)
                found = OwnAnswer(at.address, obs.target.url, address, software(answer),
                                  uwsgi=_uwsgi_told(answer), told=_told(at))
                break
        context.memo[key] = found
    own = context.memo[key]
    return own if isinstance(own, OwnAnswer) else None


def seen_answer(context: SweepContext, instance: str | None) -> OwnAnswer | None:
    """Where ``instance`` is seen to listen: its answer to one of its own URLs, else its
    answer to any URL (a swapped pass sends it another instance's URLs; its server.listen
    is its address all the same). Only for naming the address: a route of ``url`` is not
    the instance's own."""
    own = own_answer(context, instance)
    if own is not None or instance is None:
        return own
    for obs, answer in context.answers_of(instance):
        at = listening(answer)
        if at:
            address = obs.target.address or next(
                (s.address for s in obs.samples if s.address), None)
            return OwnAnswer(at.address, obs.target.url, address, software(answer),
                             obs.target.expected or "another instance", _uwsgi_told(answer),
                             _told(at))
    return None


def _told(at: Listening) -> str | None:
    return None if at.field == "server.listen" else at.said


def _uwsgi_told(answer: EndpointAnswer) -> str | None:
    seen = uwsgi_seen(answer)
    return seen.told_by if seen is not None else None


def _uwsgi_line(address: str) -> str:
    """nginx's uwsgi_pass to ``address`` (``unix:/path`` as it stands: no scheme, no colon
    after the path), with the parameters it needs before it."""
    return f"'uwsgi_pass {address};', with 'include uwsgi_params;' before it"


def _http_too(own: OwnAnswer, kept: Kept, address: str, note: str) -> str:
    """Why uwsgi_pass leads, and the proxy_pass form where uWSGI listens with http-socket=."""
    return (f"; uWSGI made that answer ({own.uwsgi}), and uWSGI's socket= speaks its own "
            f"protocol, which nginx reaches with uwsgi_pass (proxy_pass to it gets 502); "
            f"server.listen is uWSGI's http-socket= where it has one, else its socket=, so the "
            f"answer does not say which: where the line that binds {own.listen} in uWSGI's "
            f"configuration (the vassal .ini, or 'uwsgi --show-config') is http-socket=, write "
            f"'{kept.line(address)}' instead{note}")


def split_listen(value: str) -> tuple[str, str] | None:
    """(host, port) of a ``host:port`` listen; None for a socket or anything else."""
    host, colon, port = value.rpartition(":")
    if not colon or not port.isdigit() or value.startswith("unix:"):
        return None
    return host, port


def _reached_host(address: str | None) -> str | None:
    parsed = split_listen(address or "")
    return parsed[0] if parsed and parsed[0] not in WILDCARDS else None


def pass_target(instance: str, own: OwnAnswer | None, nginx_address: str | None,
                configured: Configured | None = None, line: RouteStep | None = None,
                unread: bool = False, mount: Mounted | None = None,
                unread_mount: UnreadMount | None = None) -> str:
    """Words naming where to pass, each with its evidence (for "point proxy_pass at ...").
    ``line``: the read hand-over the fix rewrites, whose scheme and URI part stay
    (:mod:`.pass_keep`) unless ``mount``, the mount the target answers under, needs a URI
    part the line lacks (:mod:`.pass_mount`); ``unread``: a line not read, told to keep them
    unless ``unread_mount`` (a line not read): the mount its target answers under."""
    keep = kept_by(line)
    kept = keep or Kept("http", "", "")
    note = keep.said() if keep is not None else UNREAD_NOTE if unread else ""
    if keep is None and unread_mount is not None:
        kept = Kept("http", unread_mount.tail or "", "")
        note = unread_mount.said()
    if keep is not None and mount is not None and (tail := mount.tail(keep.tail)) is not None:
        kept = Kept(keep.scheme, tail, keep.where)
        note = mount.said(tail) + (f"; its scheme {keep.scheme} kept"
                                   if keep.scheme != "http" else "")
    if configured is not None:
        parts = split_written(configured.url) if keep is not None \
            and configured.directive == "proxy_pass" else None
        if parts is not None and kept.line(parts[1]) != f"proxy_pass {configured.url};":
            # the line keeps its own URI part, not the one of the line that reached it
            return (f"'{kept.line(parts[1])}' ({instance}'s upstream as at "
                    f"{configured.where}, which passes {instance}'s own URL "
                    f"{configured.own_url} and reached it{note})")
        return (f"{instance}'s upstream: '{configured.directive} {configured.url};' as at "
                f"{configured.where}, which passes {instance}'s own URL {configured.own_url} "
                f"and reached it")
    if own is None:
        # No answer of its own shows where it listens: no upstream is named that nobody saw.
        return (f"{instance}'s address, which this sweep did not see (no URL of {instance} "
                f"was answered by {instance}): {LISTEN_OPTIONS}")
    seen = own.said(instance)
    parsed = split_listen(own.listen)
    if parsed is None and not own.listen.startswith("unix:"):
        return f"the address {instance} listens on ({seen}, not an address nginx can use)"
    if parsed is None or parsed[0] not in WILDCARDS:
        if own.uwsgi is None:
            return f"'{kept.line(own.listen)}' ({seen}{note})"
        if same_listen(own.address, own.listen):
            # the probe reached it there over HTTP itself: an HTTP socket, probed
            return f"'{kept.line(own.listen)}' ({seen}; the probe reached it there over HTTP{note})"
        return f"{_uwsgi_line(own.listen)} ({seen}{_http_too(own, kept, own.listen, note)})"
    host, port = parsed
    every = f"{seen}, every address of its machine, port {port}"
    direct = split_listen(own.address or "")
    if direct is not None and direct[1] == port and direct[0] not in WILDCARDS:
        # the probe reached it there over HTTP itself: an HTTP socket, probed
        return (f"'{kept.line(own.address or '')}' ({every}; the probe reached it at "
                f"{own.address} over HTTP{note})")
    host = _reached_host(nginx_address) or "127.0.0.1"
    whence = (f"the host the probe reached nginx at ({nginx_address})"
              if _reached_host(nginx_address) else "nginx's own machine")
    address = f"{host}:{port}"
    written = _uwsgi_line(address) if own.uwsgi is not None else f"'{kept.line(address)}'"
    return (f"its address ({every}): if it runs on nginx's machine, {written} reaches it; an "
            f"inference from that field and {whence}, not probed"
            + (_http_too(own, kept, address, note) if own.uwsgi is not None else note))


def upstreams(route: PredictedRoute) -> list[str]:
    """The upstream servers of a predicted route (its ``upstream``: comma-separated)."""
    return [m.strip() for m in (route.upstream or "").split(",") if m.strip()]


def configured_pass(context: SweepContext, front: FrontConfig | None,
                     instance: str | None, own: OwnAnswer | None) -> Configured | None:
    """The proxy_pass the configuration read passes the instance's own URL to, when it leads
    where that URL's answer came from; once per instance."""
    if front is None or instance is None or own is None or own.meant is not None:
        return None
    key = ("configured_pass", instance)
    if key not in context.memo:
        route = front.route(own.url, own.address)
        step = route.step("upstream")
        leads = route.undecided is None and step is not None and step.source is not None \
            and step.rule.split()[0] in PASSES \
            and any(same_listen(own.listen, m) for m in upstreams(route))
        context.memo[key] = (Configured(step.rule.split()[1], str(step.source), own.url,
                                        step.rule.split()[0])
                             if leads and step is not None else None)
    found = context.memo[key]
    return found if isinstance(found, Configured) else None
