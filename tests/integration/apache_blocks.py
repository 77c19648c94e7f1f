"""Apache configuration blocks that several integration tests write alike.

A test's site is its own template (``@PORT@``, ``@SITES@``: see ``apache.py``), written
out where it is read; these are the parts of it that stay the same from test to test, so
that a change to how the tests run a daemon group or refuse an unknown host is made once.
The text is what the tests wrote inline: ``file:line`` in their assertions (``line_of``)
point into the same configuration as before.
"""

from __future__ import annotations

CATCH_ALL = """\
<VirtualHost *:@PORT@>
    ServerName default.invalid
    <Location />
        Require all denied
    </Location>
</VirtualHost>
"""
"""The first VirtualHost of the port, which httpd gives every Host no other one names: it
refuses, so that such a request is not answered by whichever test site comes first."""


def daemons(*groups: str) -> str:
    """One ``WSGIDaemonProcess`` line per group, in the main server: one process of four
    threads with the test sites on its path, named in ``ps`` for its group
    (``display-name=%{GROUP}``)."""
    return "".join(f"WSGIDaemonProcess {group} processes=1 threads=4 python-path=@SITES@ "
                   "display-name=%{GROUP}\n" for group in groups)


ONE_CHILD = """\
StartServers 1
ServerLimit 1
ThreadsPerChild 16
ThreadLimit 16
MinSpareThreads 1
MaxSpareThreads 16
MaxRequestWorkers 16
MaxConnectionsPerChild 0
"""
"""The MPM kept to one Apache child, as the lab's httpd.conf says: embedded applications
share its interpreters, so which one loads first decides what the other is given."""

SUBURL_PAIR = """\
<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias /suburl @SITES@/project-2/wsgi.py
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName site-2.example.com
    WSGIScriptAlias / @SITES@/project-2/wsgi.py
</VirtualHost>
"""
"""site-1 with project-2 at /suburl before project-1 at /, and site-2 all project-2 (the
classic scenario), each mount in no daemon group: where they run is the text before it."""
