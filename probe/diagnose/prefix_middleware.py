"""The middleware a ``mount_mismatch`` fix asks for, printed whole (its last lines), and the
front's line that sends the header it reads.

A fix that named a ``PrefixMiddleware`` defined nowhere raised NameError when pasted
(re-tester R35). The one printed here is a function of a few lines that takes
X-Forwarded-Prefix (``HTTP_X_FORWARDED_PREFIX``) only from the front's address, its
``REMOTE_ADDR`` (else a client reaching the application server directly would set
SCRIPT_NAME), moves the prefix off ``PATH_INFO`` where it is still there and sets
``SCRIPT_NAME``. The front's address is what the answer shows: ``server.listen`` on a
loopback address is reached from this host only, so from 127.0.0.1 or ::1; anywhere else the
answer does not show it, and the line to edit and the check that finds it are said.

The front's line is in the words of the front the Server header names
(:mod:`.front_words`): Caddy's ``header_up`` inside that route's ``reverse_proxy``.
"""

from __future__ import annotations

import dataclasses
import ipaddress

from probe.diagnose.fronts import listen
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.model import Observation

NAME = "prefix_from_proxy"
CALL = f"'application = {NAME}(application)'"
"""The last line of the printed middleware, named where the fix says where it goes."""

_LOOPBACK = '"127.0.0.1", "::1"'
_PLACEHOLDER = '"FRONT_ADDRESS",'


def trusted(answer: EndpointAnswer | None) -> tuple[str, str]:
    """The addresses the middleware takes the header from (as Python), and why."""
    at = listen(answer) if answer is not None else None
    host = (at or "").rpartition(":")[0].strip("[]") if at and not at.startswith("unix:") \
        else ""
    try:
        loopback = bool(host) and ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback:
        return _LOOPBACK, (f"server.listen {at!r} is a loopback address, so the front connects "
                           f"from this host: REMOTE_ADDR 127.0.0.1 or ::1")
    shown = f"server.listen {at!r}" if at else "no server.listen"
    return _PLACEHOLDER, (f"the answer does not show the front's address ({shown}): put it "
                          f"in place of FRONT_ADDRESS; the application server's access log "
                          f"line for a request through the front shows it (the client "
                          f"address it logs is REMOTE_ADDR)")


def code(proxies: str) -> str:
    """The lines to paste, each at the left margin of the WSGI script."""
    return "\n".join((
        f"def {NAME}(app, proxies=({proxies})):",
        "    # SCRIPT_NAME from X-Forwarded-Prefix, only on requests from the front's address",
        "    def with_prefix(environ, start_response):",
        '        prefix = environ.get("HTTP_X_FORWARDED_PREFIX", "").rstrip("/")',
        '        if prefix.startswith("/") and environ.get("REMOTE_ADDR") in proxies:',
        '            path = environ.get("PATH_INFO", "")',
        '            if path == prefix or path.startswith(prefix + "/"):',
        '                environ["PATH_INFO"] = path[len(prefix):]',
        '            environ["SCRIPT_NAME"] = prefix',
        "        return app(environ, start_response)",
        "    return with_prefix",
        f"application = {NAME}(application)"))


def with_code(diagnosis: Diagnosis, obs: Observation) -> Diagnosis:
    """``diagnosis`` with the middleware its fix names printed after it (once, last)."""
    fix = diagnosis.fix
    if CALL not in fix or f"def {NAME}(" in fix:
        return diagnosis
    answer = next((s.trusted_answer for s in reversed(obs.samples)
                   if s.trusted_answer is not None), None)
    proxies, why = trusted(answer)
    head, newline, block = fix.partition("\n")
    said = (f"{head} The middleware, each line below at the left margin of the WSGI script, "
            f"after the probe endpoint's lines ({why}):")
    lines = code(proxies)
    if newline:  # a block of the front's lines already ends the fix: the script's after it
        said = said.replace("each line below", "each line after the blank line below")
        return dataclasses.replace(diagnosis, fix=f"{said}\n{block}\n\n{lines}")
    return dataclasses.replace(diagnosis, fix=f"{said}\n{lines}")
