"""Whether uWSGI made an answer, told by the fields that say so, and how it says it reloads.

``server.software`` alone does not tell: the endpoint takes it from ``SERVER_SOFTWARE``,
which uWSGI does not set, but a front may pass its own in the uwsgi variables (Apache's
mod_proxy_uwsgi does: a uWSGI worker behind it says ``Apache/2.4.71 (Debian)``). The endpoint
says uWSGI in ``server.uwsgi`` (its version, its master's pid, its reload options as it was
started with them); an older endpoint only in ``server.worker_id``, uWSGI's worker number,
null under every other server (docs/endpoint-protocol.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from probe.endpoint_answer import EndpointAnswer, mapping
from probe.safe_text import one_line, quoted


@dataclass(frozen=True, slots=True)
class UwsgiSeen:
    """What an answer says of the uWSGI that made it."""

    told_by: str
    """The field and value that say uWSGI (``server.uwsgi.version '2.0.31'``)."""
    front_software: str | None
    """``server.software`` where it names another server: the front's, passed to uWSGI."""
    master_pid: int | None
    """``server.uwsgi.master_pid``: 0 where uWSGI runs without a master; None: not said."""
    pidfiles: tuple[str, ...] = ()
    touch_reload: tuple[str, ...] = ()
    master_fifo: tuple[str, ...] = ()

    def why(self, pid: int | None) -> str:
        """`` (pid 7 is uWSGI's: ...)`` where ``server.software`` names another server,
        else empty: the words that say uWSGI where the answer's software does not."""
        if self.front_software is None:
            return ""
        return (f" (pid {pid} is uWSGI's: {self.told_by}; its server.software "
                f"{self.front_software!r} is the SERVER_SOFTWARE its front passed to uWSGI "
                f"with the request, which uWSGI itself does not set)")


def _texts(value: object) -> tuple[str, ...]:
    # Paths a fix names (touch, kill): one printable line each, as a typed field.
    return tuple(one_line(v, limit=None) for v in value if isinstance(v, str) and v) \
        if isinstance(value, list) else ()


def _pid(value: object) -> int | None:
    return value if type(value) is int and value >= 0 else None


def uwsgi_seen(answer: EndpointAnswer) -> UwsgiSeen | None:
    """uWSGI as ``answer`` shows it; None where no field says uWSGI made it."""
    server = mapping(answer.raw.get("server"))
    software = server.get("software")
    software = one_line(software) if isinstance(software, str) and software else None
    own = software is not None and software.lower().startswith("uwsgi")
    front = None if own or software is None else software
    table = server.get("uwsgi")
    if isinstance(table, Mapping):
        version = table.get("version")
        told = (f"server.uwsgi.version {quoted(version)}" if isinstance(version, str) and version
                else "server.uwsgi")
        return UwsgiSeen(told, front, _pid(table.get("master_pid")),
                         _texts(table.get("pidfile")), _texts(table.get("touch_reload")),
                         _texts(table.get("master_fifo")))
    worker = server.get("worker_id")
    if type(worker) is int:
        return UwsgiSeen(f"server.worker_id {worker}, uWSGI's worker number", front, None)
    if own:
        return UwsgiSeen(f"server.software {quoted(software)}", None, None)
    return None


def uwsgi_field(answer: EndpointAnswer | None) -> str:
    """The field that says ``answer`` is uWSGI's, for words that name uWSGI by it:
    ``server.uwsgi``, an older endpoint's ``server.worker_id``, else ``server.software``."""
    seen = uwsgi_seen(answer) if answer is not None else None
    return seen.told_by.split(" ")[0] if seen is not None else "server.software"
