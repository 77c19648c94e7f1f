"""``setenv_settings``: ``SetEnv DJANGO_SETTINGS_MODULE``, a line Django's settings never read.

mod_wsgi puts ``SetEnv`` variables in each request's WSGI environ, not in ``os.environ``;
Django reads ``DJANGO_SETTINGS_MODULE`` from ``os.environ`` once per process, so the line
changes nothing and the settings run are what the process environment or the WSGI script
gives (``setdefault()`` in Django's startproject ``wsgi.py``). mod_wsgi-express writes its
``--setenv NAME VALUE`` this way: re-tester R31's 18204, started with ``--setenv
DJANGO_SETTINGS_MODULE shop.settings_prod``, ran ``shop.settings`` (its httpd.conf:721 the
line), and the sweep's ``settings_mismatch`` named it; lint did not.
"""

from __future__ import annotations

from probe.apache.model import Site
from probe.lint.findings import ConfigFinding, Severity
from probe.lint.wsgi_options import walk

_NAME = "DJANGO_SETTINGS_MODULE"


def _bare(arg: str) -> str:
    # express quotes its SetEnv arguments ('DJANGO_SETTINGS_MODULE' 'shop.settings_prod')
    return arg.strip("'\"")


def setenv_settings(site: Site) -> list[ConfigFinding]:
    """A warning at each ``SetEnv DJANGO_SETTINGS_MODULE`` line."""
    found = []
    for d in walk(site.config.directives):
        if d.key != "setenv" or not d.args or _bare(d.args[0]) != _NAME:
            continue
        value = _bare(d.args[1]) if len(d.args) > 1 else ""
        found.append(ConfigFinding(
            "setenv_settings", Severity.WARNING, d.file, d.line,
            f"SetEnv {_NAME} {value}: SetEnv sets a request's WSGI environ, which Django's "
            f"settings never read (Django reads os.environ, once per process), so this line "
            f"does not choose the settings run; mod_wsgi-express writes its --setenv this way",
            f"export {_NAME}={value or '...'} where the server starts (Apache's envvars or "
            f"its unit's Environment=; for mod_wsgi-express the shell or unit that runs "
            f"start-server, without --setenv), and start it again; or assign it in the WSGI "
            f"script (os.environ['{_NAME}'] = '{value or '...'}')"))
    return found
