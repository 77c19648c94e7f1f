"""Directives that hold for the whole server.

``server_only``: a mod_wsgi directive of the whole server written inside a
``<VirtualHost>``: httpd refuses to start ("WSGISocketPrefix cannot occur within
<VirtualHost> section", each one of :data:`SERVER_ONLY` checked with ``apache2 -t``).

``duplicate_directive``: a server-wide directive given twice, where only one can hold
(two ``mod_wsgi-express module-config`` blocks pasted one after the other, one per project).

``LoadModule`` of a module already loaded is skipped by httpd ("module wsgi_module is
already loaded, skipping"): the first file is the one that runs. ``WSGIPythonHome`` and
``WSGIPythonPath`` keep their last value: every application in the server gets the later
one. When the values differ an application runs on another Python or path than its lines
say: a warning; the same value twice changes nothing, a note."""

from __future__ import annotations

from probe.apache.config import Directive
from probe.apache.model import Site
from probe.apache.reread import read_twice, reread_fix
from probe.lint.findings import ConfigFinding, Severity

_LAST_WINS = ("wsgipythonhome", "wsgipythonpath")
SERVER_ONLY = frozenset({
    "wsgisocketprefix", "wsgipythonhome", "wsgipythonpath", "wsgipythonoptimize",
    "wsgipythoneggs", "wsgipythonhashseed", "wsgirestrictembedded", "wsgirestrictstdin",
    "wsgirestrictstdout", "wsgirestrictsignal", "wsgiacceptmutex", "wsgiverbosedebugging",
    "wsgidestroyinterpreter"})


def server_only(site: Site) -> list[ConfigFinding]:
    return [ConfigFinding(
        "config", Severity.ERROR, d.file, d.line,
        f"{d.name} cannot occur within <VirtualHost> section: it sets the whole server, "
        f"httpd will not start",
        f"move {d.name} outside the VirtualHost ({vhost.where})")
        for vhost in site.vhosts for d in vhost.directives if d.key in SERVER_ONLY]


def duplicate_directive(site: Site) -> list[ConfigFinding]:
    findings: list[ConfigFinding] = []
    first: dict[tuple[str, str], Directive] = {}
    for d in _main_scope(site):
        if d.key == "loadmodule" and len(d.args) >= 2:
            key = (d.key, d.args[0])
        elif d.key in _LAST_WINS and d.args:
            key = (d.key, "")
        else:
            continue
        earlier = first.setdefault(key, d)
        if earlier is d:
            continue
        twice = read_twice(site.config, d.file, d.line, earlier.where)
        findings.append(_finding(earlier, d) if twice is None else ConfigFinding(
            "duplicate_directive", Severity.NOTE, d.file, d.line,
            f"{d.name} is given twice by the same line: {twice}; the same value twice "
            f"changes nothing", reread_fix(site.config, d.file)))
    return findings


def _main_scope(site: Site) -> list[Directive]:
    return [d for d in site.config.directives if d.key != "virtualhost"]


def _finding(earlier: Directive, d: Directive) -> ConfigFinding:
    same = earlier.args == d.args
    if d.key == "loadmodule":
        what = (f"LoadModule {d.args[0]} is given again (first at {earlier.where}): httpd "
                f"skips this one")
        effect = ("" if same else f", so {earlier.args[1]} runs, not {d.args[1]}, and the "
                  f"Python it was built for is the one every application gets")
        fix = "keep one LoadModule for it (one mod_wsgi serves the whole server)"
    else:
        what = f"{d.name} is given again (first at {earlier.where}): the last one holds"
        effect = ("" if same else f", so every application gets {' '.join(d.args)}, not "
                  f"{' '.join(earlier.args)}")
        fix = (f"keep one {d.name}; give each application its own Python with "
               f"WSGIDaemonProcess ... python-home= (python-path=) where daemon mode exists")
    return ConfigFinding("duplicate_directive", Severity.NOTE if same else Severity.WARNING,
                         d.file, d.line, what + effect, fix)
