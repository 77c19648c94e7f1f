"""Apache's routes for requests another front passed on: what arrived at Apache, not the URL.

Behind nginx (or any front), the probe connects to the front's address, and the URL's port
is the front's listen port, not Apache's: httpd picks its VirtualHost by the address the
request arrived on (one of its own ``Listen`` sockets) and the Host the front sent. Read
with the URL's port, the configuration predicted "no VirtualHost address matches port
55051" and a fix moving a VirtualHost to the front's port, which broke routing (tester
t-real22: nginx -> Apache + mod_wsgi).

A URL went through another front where the configuration given opens no ``Listen`` for the
address probed (configured) and the answers show a front: a Server header of a front that
is not Apache (Apache passes on its own), or a forwarded header that arrived
(``request.forwarded_host``, ``request.forwarded_proto``). Then the route is Apache's for:

* the Host that arrived (``request.host``, observed);
* the port it arrived on: ``request.server_port`` where a ``Listen`` opens it, else the one
  port the configuration listens on (its ``Listen`` line); mod_wsgi's SERVER_PORT is the
  Host header's port or the scheme's default (UseCanonicalName Off), not the socket's.

Where either is not known (no answer, several ports), the route is undecided, saying the
URL's address is a front's and naming ``--config`` on that front's configuration, whose
``proxy_pass`` says where it passes and with which Host.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from probe.apache.error_log import unopened
from probe.apache.model import Listen, Site
from probe.apache.route import ApacheRoutes
from probe.diagnose.config_join import ConfigJoin
from probe.diagnose.fronts import server_header
from probe.diagnose.proxy_seen import FRONT_PRODUCTS
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer, mapping
from probe.front import FrontConfig, PredictedRoute
from probe.model import Cause, Evidence, EvidenceKind, Observation
from probe.safe_text import quoted

_FRONTS = FRONT_PRODUCTS - {"apache"}
"""Fronts' Server header products other than Apache's (httpd's own header is its own)."""


@dataclass(frozen=True, slots=True)
class Arrival:
    """How one URL's request reached Apache through another front."""

    front: str
    """What showed the front, as said: ``Server: nginx/1.22.1`` and the Listen lines."""
    url: str | None = None  # the URL as Apache saw it (Host that arrived, the path)
    address: str | None = None  # the Listen address it arrived on
    said: str = ""  # how, for the site step: the fields and lines it was read from


def _request(answer: EndpointAnswer, key: str) -> str | None:
    value = mapping(answer.raw.get("request")).get(key)
    return value if isinstance(value, str) and value else None


def front_shown(obs: Observation, answer: EndpointAnswer | None) -> str | None:
    """What the answers show of a front before Apache; None: nothing."""
    header = server_header(obs)
    if header and header.split("/")[0].split(" ")[0].lower() in _FRONTS:
        return f"its Server header is {header!r}"
    for key in ("forwarded_host", "forwarded_proto"):
        value = _request(answer, key) if answer is not None else None
        if value is not None:
            return f"request.{key} is {value!r}"
    return None


def _port(listens: Sequence[Listen], answer: EndpointAnswer | None) -> Listen | None:
    said = _request(answer, "server_port") if answer is not None else None
    ports = {lst.port for lst in listens}
    if said is not None and said.isdigit() and int(said) in ports:
        return next(lst for lst in listens if lst.port == int(said))
    return listens[0] if len(ports) == 1 else None


def arrival(obs: Observation, site: Site) -> Arrival | None:
    """How ``obs``'s request reached Apache, where another front passed it on; else None."""
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    listens = unopened(site, address) if address is not None else ()
    if not listens:
        return None
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    shown = front_shown(obs, answer)
    if shown is None:
        return None
    opened = ", ".join(f"Listen {lst.directive.arg(0)} at {lst.directive.where}"
                       for lst in listens)
    front = (f"{address} is a front's address, not Apache's: {shown}, and the configuration "
             f"given opens no Listen for it ({opened})")
    listen = _port(listens, answer)
    host = answer.host if answer is not None else None
    if listen is None or not host:
        return Arrival(front)
    parts = urlsplit(obs.target.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    at = f"{listen.host or '0.0.0.0'}:{listen.port}"  # noqa: S104 (an address compared)
    said = (f"the request came through another front ({shown}) with Host {host!r} "
            f"(request.host) to {listen.directive.arg(0)}, the configuration's Listen at "
            f"{listen.directive.where}")
    return Arrival(front, f"http://{host}{path or '/'}", at, said)


class ArrivedRoutes(ApacheRoutes):
    """Apache's routes, each URL another front passed on routed by what arrived."""

    def __init__(self, site: Site, arrivals: Mapping[tuple[str, str | None], Arrival]) -> None:
        super().__init__(site)
        self.arrivals = arrivals

    def unjoined(self, url: str, address: str | None) -> bool:
        """Whether ``url`` came through another front and what arrived is not known."""
        came = self.arrivals.get((urlsplit(url).netloc, address))
        return came is not None and came.url is None

    def joined(self, url: str, address: str | None) -> bool:
        """Whether ``url`` came through another front and is routed by what arrived."""
        came = self.arrivals.get((urlsplit(url).netloc, address))
        return came is not None and came.url is not None

    def route(self, url: str, address: str | None) -> PredictedRoute:
        came = self.arrivals.get((urlsplit(url).netloc, address))
        if came is None:
            return super().route(url, address)
        if came.url is None:
            return PredictedRoute(self.front, url, address, (), undecided=unjoined(came))
        arrived = urlsplit(came.url)
        route = super().route(arrived._replace(path=urlsplit(url).path,
                                               query=urlsplit(url).query).geturl(),
                              came.address)
        steps = tuple(replace(s, rule=f"{s.rule}; {came.said}") if s.stage == "site" else s
                      for s in route.steps)
        return replace(route, steps=steps)


def unjoined(came: Arrival) -> str:
    """Why a URL's route through another front cannot be joined, and the check that would."""
    return (f"{came.front}; the Host and port that front passes to Apache are not known from "
            f"the answers, so Apache's route cannot be joined to this URL (a fix moving a "
            f"VirtualHost to the URL's port would break it); probe sweep --config on that "
            f"front's configuration names where it passes and with which Host")


def arrived(front: ApacheRoutes, observations: Sequence[Observation]) -> ApacheRoutes:
    """``front``, routing the URLs another front passed on by what arrived at Apache."""
    found: dict[tuple[str, str | None], Arrival] = {}
    for obs in observations:
        came = arrival(obs, front.site)
        if came is not None:
            # keyed by the URL's netloc: the probe URL and the URL share it, not the path
            found[(urlsplit(obs.target.url).netloc, obs.target.address)] = came
            for sample in obs.samples:
                if sample.address and sample.address != obs.target.address:
                    found[(urlsplit(obs.target.url).netloc, sample.address)] = came
    return ArrivedRoutes(front.site, found) if found else front


def through_fronts(config: ConfigJoin, observations: Sequence[Observation]) -> ConfigJoin:
    """``config`` with its Apache routes taken by what arrived (:func:`arrived`)."""
    if not isinstance(config.front, ApacheRoutes):
        return config
    front = arrived(config.front, observations)
    return config if front is config.front else replace(config, front=front)


def host_not_passed(obs: Observation, diagnosis: Diagnosis, front: FrontConfig) -> Diagnosis:
    """A VirtualHost chosen by a Host the front in between sent instead of the URL's: the
    cause is ``host_rewritten`` (as nginx's configuration, or the answers alone, say it), the
    VirtualHost that Host reached its evidence (file:line), and the fix that front passing
    the URL's Host, not a ServerAlias for the one it sent."""
    if diagnosis.cause not in (Cause.VHOST_FALLBACK, Cause.VHOST_SHADOWED) \
            or not isinstance(front, ArrivedRoutes):
        return diagnosis
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    came = front.arrivals.get((urlsplit(obs.target.url).netloc, address))
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    if came is None or came.url is None or answer is None or not answer.host:
        return diagnosis
    wanted = (urlsplit(obs.target.url).hostname or "").lower()
    sent = (urlsplit(f"//{answer.host}").hostname or "").lower()
    if not wanted or sent == wanted:
        return diagnosis
    meant = ApacheRoutes.route(front, f"http://{wanted}/", came.address).step("site")
    reach = (f" With Host {wanted!r} the configuration given routes it to {meant.decision} "
             f"({meant.rule}, {meant.source})." if meant is not None and meant.by == "name"
             else "")
    fix = (f"The front in between sent Host {quoted(answer.host)} (request.host), not the URL's "
           f"{wanted!r}: have it pass the URL's Host on (nginx: 'proxy_set_header Host $host;' "
           f"in the location that proxies this URL; Apache's mod_proxy: 'ProxyPreserveHost "
           f"On'), not a ServerAlias for {sent!r}.{reach}")
    took = front.route(obs.target.url, address).step("site")
    reached = ""
    if took is not None and took.source is not None:
        at = "" if str(took.source) in took.decision else f" ({took.source})"
        reached = f"; with it Apache's configuration routes the request to {took.decision}{at}"
    why = (f" The Host is not the URL's: the front in between sent {quoted(answer.host)} "
           f"(request.host), not {wanted!r}, and Apache chose its VirtualHost by the Host "
           f"that arrived{reached}. So the cause is the front's Host, not Apache's names.")
    evidence = (Evidence(EvidenceKind.OBSERVED, f"request.host = {quoted(answer.host)}",
                         f"GET {obs.target.url}"),
                *((Evidence(EvidenceKind.CONFIGURED, took.decision, str(took.source)),)
                  if took is not None and took.source is not None else ()))
    return replace(diagnosis, cause=Cause.HOST_REWRITTEN, candidates=(), fix=fix,
                   explanation=f"{diagnosis.explanation}{why}",
                   evidence=(*diagnosis.evidence, *evidence))
