"""Which front answered a URL, told from the answers (and the configuration when given), so
every explanation and fix is worded in that front's terms.

* ``Server: nginx/...`` on the answer: nginx (it hides its upstream's Server header);
* ``Server: Apache...`` or ``server.mod_wsgi_version`` in the endpoint's answer: Apache with
  mod_wsgi (mod_wsgi-express included: it is httpd);
* the endpoint's ``server.software`` gunicorn, uWSGI or waitress without a front's header: the
  application server reached directly;
* else the configuration given (``--config``), else unknown.

Also the endpoint fields this needs, read from the answer's raw JSON at one place:
``server.software``, ``server.listen``, ``server.listens``, ``request.host_allowed``; and
where an answer's server listens (:func:`listening`): ``server.listen``, else the address
mod_wsgi-express names its daemon group after (its ``process_group``, ``HOST:PORT``), with
the field it was read from.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from probe.endpoint_answer import EndpointAnswer, mapping
from probe.model import FrontKind, Observation
from probe.safe_text import one_line, quoted
from probe.unix_sockets import PREFIX, normal_unix

APP_SERVERS = ("gunicorn", "uwsgi", "waitress")


def _table(answer: EndpointAnswer, key: str) -> Mapping[str, object]:
    return mapping(answer.raw.get(key))  # an answer's objects: Mappings


def software(answer: EndpointAnswer) -> str | None:
    value = _table(answer, "server").get("software")
    return one_line(value) if isinstance(value, str) and value else None  # words quote it


def listen(answer: EndpointAnswer) -> str | None:
    """Where the answering application server listens (``server.listen``)."""
    value = _table(answer, "server").get("listen")
    # Quoted in explanations and evidence as it is: one printable line, as a typed field.
    return one_line(value) if isinstance(value, str) and value else None


def listens(answer: EndpointAnswer) -> tuple[str, ...]:
    """Every address the answering server listens on (``server.listens``, uWSGI's); empty
    where the answer does not say (an older endpoint, another server) or says it in another
    type (probe.answer_types reads it as absent)."""
    value = _table(answer, "server").get("listens")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return ()
    return tuple(one_line(v) for v in value[:64] if v)


_EXPRESS_GROUP = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*|[A-Za-z0-9._-]+)"
                            r":([0-9]{1,5})")
"""mod_wsgi-express's daemon group: '%s:%s' % (host, port), its --host ('localhost' without
one) and --port, unless --process-name names it otherwise."""

EXPRESS_NAMING = ("mod_wsgi-express names its daemon group after its --host and --port, "
                  "HOST:PORT")
"""What makes a mod_wsgi process_group an address: said wherever one is read as such."""


@dataclass(frozen=True, slots=True)
class Listening:
    """Where an answer's server listens, and what says so."""

    address: str
    """As listen addresses are compared (:func:`same_listen`)."""
    field: str
    """``server.listen``, or ``process_group`` (mod_wsgi-express's, server.listen null)."""
    value: str
    """The field's value as the answer gives it."""

    @property
    def said(self) -> str:
        """The field and its value, as an explanation names them."""
        if self.field == "server.listen":
            return f"server.listen {self.value}"
        every = (", 'localhost' when started without --host, which then listens on every "
                 "address" if self.address.startswith("*:") else "")
        return (f"process_group {quoted(self.value)} (server.listen is null; {EXPRESS_NAMING}"
                f"{every})")


def express_address(answer: EndpointAnswer) -> str | None:
    """The ``HOST:PORT`` a mod_wsgi answer's process_group is, as mod_wsgi-express names its
    daemon group; None for any other answer or group name (a WSGIDaemonProcess named 'site'
    is no address)."""
    group = answer.process_group
    if not group or not mod_wsgi(answer):
        return None
    found = _EXPRESS_GROUP.fullmatch(group)
    if found is None or not 0 < int(found.group(2)) < 65536:
        return None
    host, port = found.groups()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 --host, written bare by mod_wsgi-express
    return f"{host}:{port}"


def express_group(group: str) -> bool:
    """Whether a daemon group's name is one mod_wsgi-express gives (``HOST:PORT``)."""
    found = _EXPRESS_GROUP.fullmatch(group)
    return found is not None and 0 < int(found.group(2)) < 65536


def listening(answer: EndpointAnswer) -> Listening | None:
    """Where the answering server listens: ``server.listen``; where that is null, the
    address of a mod_wsgi-express daemon group (its process_group, ``HOST:PORT``): without
    --host it is 'localhost' and the server listens on every address, so any host on that
    port is it."""
    said = listen(answer)
    if said is not None:
        return Listening(said, "server.listen", said)
    address = express_address(answer)
    if address is None:
        return None
    host, _, port = address.rpartition(":")
    return Listening(f"*:{port}" if host == "localhost" else address, "process_group",
                     answer.process_group or address)


def host_allowed(answer: EndpointAnswer) -> bool | None:
    """Whether Django accepts the Host it received (``request.host_allowed``)."""
    value = _table(answer, "request").get("host_allowed")
    return value if isinstance(value, bool) else None


def mod_wsgi(answer: EndpointAnswer) -> bool:
    version = _table(answer, "server").get("mod_wsgi_version")
    return isinstance(version, str) and bool(version)  # another type is read as absent


def front_of(obs: Observation, configured: FrontKind | None) -> FrontKind:
    """The front of one URL's answers."""
    for sample in reversed(obs.samples):
        header = (sample.server or "").lower()
        if header.startswith("nginx"):
            return FrontKind.NGINX
        if header.startswith("apache") or (sample.endpoint and mod_wsgi(sample.endpoint)):
            return FrontKind.APACHE
    if configured is not None:
        return configured
    for sample in reversed(obs.samples):
        answer = sample.endpoint
        seen = (software(answer) or "").lower() if answer else ""
        header = (sample.server or "").lower()
        if seen.startswith(APP_SERVERS) or header.startswith(APP_SERVERS):
            return FrontKind.APP_SERVER
    return FrontKind.UNKNOWN


def fronts(observations: Sequence[Observation],
           configured: FrontKind | None) -> list[FrontKind]:
    """Each URL's front; a URL that says nothing (no answer) takes the sweep's usual one."""
    kinds = [front_of(obs, configured) for obs in observations]
    known: Counter[FrontKind] = Counter(k for k in kinds if k is not FrontKind.UNKNOWN)
    # most_common(1) is this max (heapq.nlargest's own n == 1 case), without importing heapq.
    usual = max(known, key=known.__getitem__) if known else FrontKind.UNKNOWN
    return [usual if k is FrontKind.UNKNOWN else k for k in kinds]


def server_header(obs: Observation) -> str | None:
    return next((s.server for s in reversed(obs.samples) if s.server), None)


WILDCARD_HOSTS = ("*", "0.0.0.0", "[::]", "")  # noqa: S104 - reads listen addresses, binds none
"""The hosts of a listen on every address, as application servers write them."""


def same_listen(a: str | None, b: str | None) -> bool:
    """Whether two listen addresses are one: a wildcard host (waitress's ``*:PORT``,
    ``0.0.0.0:PORT``, ``[::]:PORT``, uWSGI's ``:PORT``) is any host on that port."""
    if not a or not b:
        return False
    if a == b:
        return True
    if a.startswith(PREFIX) and b.startswith(PREFIX):
        # nginx's unix:///x (the uWSGI tutorial's) is the socket an endpoint reports unix:/x
        return normal_unix(a) == normal_unix(b)
    (host_a, _, port_a), (host_b, _, port_b) = a.rpartition(":"), b.rpartition(":")
    wild = host_a in WILDCARD_HOSTS or host_b in WILDCARD_HOSTS
    if wild and port_a.isdigit() and port_a == port_b:
        return not a.startswith("unix:") and not b.startswith("unix:")
    return False
