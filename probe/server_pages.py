"""The error pages an application server writes itself, read from a failed answer's body:
what the server refused the request for, before any application ran.

gunicorn answers a request it refuses with ``util.write_error``, a page of one fixed shape
(``<title>REASON</title>`` ... ``<h1><p>REASON</p></h1>`` and the message, HTML-escaped).
A ``ConfigurationProblem`` (a ``SCRIPT_NAME`` the request's path does not start with,
``gunicorn/http/wsgi.py``) is written so with status 500 and logged as a WARNING "Invalid
request from ip=...": no traceback exists, and the application never ran. nginx passes that
page on unchanged (``proxy_intercept_errors`` off) but puts its own Server header in place of
gunicorn's, so the body is the one sign of who refused.

HAProxy answers its own errors (a backend that closed the connection or sent no valid answer:
502; no server up: 503; a timeout: 504; ``http-request deny``: 403) with a fixed page and no
Server header (``http_err_msgs``, HAProxy 2.6.12: ``<html><body><h1>502 Bad Gateway</h1>``, a
newline, "The server returned an invalid or incomplete response.", ``</body></html>``): that
body is what names HAProxy as the front that answered, where no header does.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from probe.safe_text import one_line


@dataclass(frozen=True, slots=True)
class ServerPage:
    """An application server's own error page: the server that writes pages of that shape,
    and the reason and message as written."""

    server: str
    reason: str
    message: str


# gunicorn/util.py write_error, after textwrap.dedent: the reason written twice and nothing
# else there, which a Django error page or another server's does not match.
_GUNICORN = re.compile(
    r"<html>\n  <head>\n    <title>([^<\n]{1,80})</title>\n  </head>\n  <body>\n"
    r"    <h1><p>\1</p></h1>\n    ([^<]{0,2000})\n  </body>\n</html>\n?")
# HAProxy's http_err_msgs: the status line's code and reason in <h1>, one line of message;
# an nginx, Apache or Django page has another shape.
_HAPROXY = re.compile(r"<html><body><h1>([1-5][0-9]{2} [A-Za-z -]{1,40})</h1>\n"
                      r"([^<\n]{1,200})\n</body></html>\n?")
_SCRIPT_NAME = re.compile(
    r"Configuration problem: Request path (.+) does not start with SCRIPT_NAME (.+)")


def read_page(status: int, content_type: str, body: bytes) -> ServerPage | None:
    """An answer's body of ``status`` 400 or more, when it is an application server's own
    error page, or HAProxy's; else None (read only for error answers: never for the
    endpoint's)."""
    if status < 400 or not content_type.lower().startswith("text/html") or len(body) > 4096:
        return None
    text = body.decode("latin-1")
    haproxy = _HAPROXY.fullmatch(text)
    if haproxy is not None and haproxy.group(1).startswith(str(status)):
        return ServerPage("HAProxy", haproxy.group(1), haproxy.group(2))
    found = _GUNICORN.fullmatch(text)
    if found is None:
        return None
    return ServerPage("gunicorn", one_line(found.group(1), limit=80),
                      one_line(html.unescape(found.group(2).strip()), limit=300))


def script_name_refused(page: ServerPage | None) -> tuple[str, str] | None:
    """(the path, the SCRIPT_NAME) as gunicorn quoted them (``'/hello/'``, ``'/app1'``)
    where it refused a request whose path does not start with the SCRIPT_NAME given it."""
    if page is None or page.server != "gunicorn":
        return None
    found = _SCRIPT_NAME.fullmatch(page.message)
    return (found.group(1), found.group(2)) if found else None


def haproxy_page(page: ServerPage) -> str:
    """The words quoting HAProxy's own error page as the answer's body (observed)."""
    return (f"The answer's body is HAProxy's own error page ('<h1>{page.reason}</h1>', then "
            f"\"{page.message}\"), sent with no Server header")
