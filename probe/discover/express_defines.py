"""What ``probe discover`` says of a mod_wsgi-express ``httpd.conf``: the start its
``apachectl`` gives it (:mod:`probe.apache.express_start`), or, where no such script was read,
that the file was read without the ``-D`` names it runs with.

Tester T31's wiki (``--server-name wiki.example.test``) runs with ``-DMOD_WSGI_VIRTUAL_HOST``:
a ``_wsgi_`` catch-all refusing every request (403), then the VirtualHost of the name. Read
without it, discover wrote "the only site and answers every host name", no ``[refuse]``, and
``http://127.0.0.1:18103/``, all false. The file holds both readings in ``<IfDefine>``
sections; which one runs is decided by the command line, said here with its line or its check.
"""

from __future__ import annotations

from probe.apache.config import Httpd
from probe.apache.express_start import ExpressStart
from probe.apache.model import Site
from probe.discover.discovery import Discovery

VIRTUAL_HOST = "MOD_WSGI_VIRTUAL_HOST"


def express_said(found: Discovery, site: Site, start: ExpressStart | None,
                 httpd: Httpd | None) -> None:
    if start is not None:
        defines = " ".join(f"-D{d}" for d in start.defines) or "no -D name"
        found.started.append(
            f"Read as mod_wsgi-express's apachectl starts it: with {defines} "
            f"({start.args_where}, its HTTPD_ARGS line) and the variables it exports there")
        found.apachectl = start.apachectl
        return
    hidden = next((h.section for h in site.config.hidden
                   if h.section.key == "ifdefine" and h.section.arg(0) == VIRTUAL_HOST), None)
    if hidden is None or VIRTUAL_HOST in (httpd.defines if httpd else ()):
        return
    said = (f"This is mod_wsgi-express's configuration (<IfDefine {VIRTUAL_HOST}> at "
            f"{hidden.where}), read without -D{VIRTUAL_HOST}: no apachectl beside it names it "
            f"with -f. mod_wsgi-express passes that name when started with --server-name, and "
            f"then a _wsgi_ catch-all refuses unknown host names (403) and only the names "
            f"given are served; what this manifest says of host names holds only without it. "
            f"The check: the HTTPD_ARGS line of the apachectl in its server root, or the "
            f"running httpd's command line (probe ps names its -f file); where it has "
            f"-D{VIRTUAL_HOST}, discover that server root's httpd.conf in place, or give each "
            f"-D name it has with -D")
    found.started.append(said)
    found.warnings.append(said)
