"""A 404 through nginx without the configuration: nginx's own page, or the application's.

nginx writes its own Server header on the answers it passes on as well (``proxy_hide_header``
hides the upstream's by default; ``uwsgi_pass`` alike), so ``Server: nginx`` does not say who
made a 404. Where nothing in the sweep shows the application answered this URL, two readings
stay: the application answered it without the endpoint (not installed, another token), or
nginx answered itself: no location passes the path, or ``error_page 502 503 504 /50x.html``
stood in for an upstream that failed and the page's file is missing (a tester's uWSGI socket
that nginx's worker could not open: ``connect() ... failed (13: Permission denied)``, seen
as this 404). Installing the endpoint does not lead; nginx's error log line for the request
(or ``--config``) decides.
"""

from __future__ import annotations

import dataclasses

from probe.diagnose.fronts import server_header
from probe.diagnose.wording import Diagnosis
from probe.model import Observation

INSTALL = "Install the endpoint"  # wording.no_endpoint's first words
SOCKET_DENIED = ("'(13: Permission denied)' for a socket nginx's worker user may not open "
                 "(the socket's mode and owner: uWSGI chmod-socket=/chown-socket=, gunicorn "
                 "--umask, systemd SocketUser=/SocketMode=, which apply only to a socket made "
                 "anew: stop and start the server that binds it, since a reload keeps the "
                 "socket it has (uWSGI: under an emperor, move the vassal's .ini out of its "
                 "directory and back, or restart the emperor; gunicorn: a restart, not HUP; "
                 "a systemd .socket unit: stop its service, then restart the .socket unit); "
                 "or nginx's user line)")
"""The commonest failure of a unix socket, beside '(2: No such file or directory)' (nothing
created it) and '(111: Connection refused)' (nothing listens): shared by every fix that names
nginx's connect() failures (:mod:`.nginx_fixes`, :mod:`.nginx_fallback`,
:mod:`.nginx_member`). The new owner or mode needs a new socket: tester T19 added
chown-socket= to a vassal, the emperor reloaded it, and the socket stayed root's."""


def own_404(obs: Observation, diagnosis: Diagnosis) -> Diagnosis:
    """``diagnosis`` with both readings, where it would lead with installing the endpoint."""
    header = server_header(obs) or ""
    statuses = {s.status_code for s in obs.samples}
    if statuses != {404} or not header.lower().startswith("nginx") \
            or any(s.endpoint is not None for s in obs.samples) \
            or not diagnosis.fix.startswith(INSTALL):
        return diagnosis
    install = diagnosis.fix[0].lower() + diagnosis.fix[1:]
    return dataclasses.replace(
        diagnosis,
        explanation=f"{diagnosis.explanation} The Server header ({header}) is nginx's on the "
                    f"answers it passes on too, and no answer of this sweep shows the "
                    f"application answered this URL: either the application answered 404 "
                    f"without the endpoint, or nginx answered itself (no location passes the "
                    f"path to an application, or an 'error_page 502 503 504 /50x.html' stood "
                    f"in for an upstream that failed and the page's file is missing, which "
                    f"nginx answers 404).",
        fix=f"Find which first: nginx's error log line for this request ('connect() ... "
            f"failed' or 'upstream prematurely closed connection' before an 'open() "
            f"\".../50x.html\" failed (2: No such file or directory)': the upstream failed, "
            f"and its words say why: '(111: Connection refused)', '(2: No such file or "
            f"directory)' for a socket nothing has created, {SOCKET_DENIED}), or probe "
            f"sweep --config on nginx's configuration, which "
            f"names the location and any error_page in force. If the application answered: "
            f"{install}")
