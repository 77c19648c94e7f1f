"""``shared_interpreter`` of a mass-hosting VirtualHost: ``VirtualDocumentRoot`` and a
``wsgi-script`` handler serving one script per host name, with one application group for
all of them (``WSGIApplicationGroup %{GLOBAL}``, or one fixed name).

mod_wsgi loads each host's script into that one interpreter of whichever process takes the
request: in embedded mode every Apache child process loads them in the order its requests
came (T33 b-mass-macro, real Apache 2.4.71 + mod_wsgi 6.1.1: "Loading WSGI script
'.../vhosts/beta.mass.test/app.wsgi' into main interpreter in embedded mode" after alpha's in
the same pid). Django is set up once per interpreter, so the scripts loaded after the first
run with its settings. mod_wsgi's default application group, ``%{RESOURCE}``, is no way out
here: it is the VirtualHost's ServerName and the mount, the same for every host (re-tester
R33 removed the ``%{GLOBAL}`` line as this rule said and every host's script was loaded "into
sub-interpreter 'mass.test|/app.wsgi'"); ``%{SERVER}`` likewise. ``WSGIApplicationGroup
%{ENV:VAR}`` with ``SetEnvIfNoCase Host "^([^:]+)" VAR=$1`` gave each host its own, seen on
real Apache (``tests/integration/test_mass_group_applied.py``): the fix prints that.
No ``WSGIScriptAlias`` is written, so the rule of
:mod:`probe.lint.interpreter_rules` does not see these applications: the sites come from
:mod:`probe.apache.mass_hosts`.
"""

from __future__ import annotations

from probe.apache.mass_hosts import MassSite, mass_sites
from probe.apache.model import Site
from probe.apache.names import GLOBAL, PER_HOST, RESOURCE, SERVER, is_per_request
from probe.apache.scripts import ScriptInfo, read_script
from probe.lint.findings import ConfigFinding, Severity
from probe.lint.interpreter_rules import interpreter_words


def mass_shared_interpreter(site: Site) -> list[ConfigFinding]:
    """A finding at the application group's line of each mass-hosting VirtualHost whose
    several scripts share one interpreter and may want different settings."""
    findings = []
    for mass in mass_sites(site):
        spec = mass.application_group_spec
        group = mass.process_group_name
        if is_per_request(spec) or is_per_request(group) or \
                "%{" in spec.replace(GLOBAL, "").replace(RESOURCE, "").replace(SERVER, ""):
            continue  # chosen per request: the hosts may each have their own
        scripts = [read_script(h.script) for h in mass.hosts]
        values = {s.settings for s in scripts}
        if len(scripts) < 2 or (len(values) == 1 and None not in values):
            continue
        known = None not in values
        loaded = any(d.key == "loadmodule" and d.arg(0) == "setenvif_module"
                     for d in site.config.directives)
        findings.append(_finding(mass, scripts, group, known, loaded))
    return findings


def _finding(mass: MassSite, scripts: list[ScriptInfo], group: str,
             known: bool, setenvif: bool) -> ConfigFinding:
    line = mass.application_group or mass.root
    spec = mass.application_group_spec
    paths = {h.url_path for h in mass.hosts}
    default = (f"{mass.server.server_hostname or 'its ServerName'}|"
               f"{paths.pop() if len(paths) == 1 else '/SCRIPT'}")
    interpreter = "" if spec == GLOBAL else default if spec == RESOURCE else \
        (mass.server.server_hostname or "its ServerName") if spec == SERVER else spec
    written = (f"{line.name} {spec} at {line.where} puts" if mass.application_group
               else f"no WSGIApplicationGroup applies, and mod_wsgi's default {RESOURCE} (the "
                    f"VirtualHost's ServerName and the script's URL path) puts")
    listed = "; ".join(f"{h.host}: {s.path} ({_settings(s)})"
                       for h, s in zip(mass.hosts, scripts, strict=True))
    setdefault = [f"{s.path}:{s.settings_line}" for s in scripts if s.uses_setdefault]
    where = ("Each Apache child process" if group == ""
             else f"Each process of daemon process group {group!r}")
    return ConfigFinding(
        code="shared_interpreter",
        severity=Severity.ERROR if known else Severity.WARNING,
        file=line.file,
        line=line.line,
        message=(
            f"{mass.server.describe()} serves one WSGI script per host name ({mass.describe()}"
            f"), and {written} every one of them in the same "
            f"{interpreter_words(interpreter, group)}: {listed}. {where} loads "
            f"each script the first time one of its requests reaches it, into that one "
            f"interpreter; Django is set up once per interpreter and a module is imported "
            f"once, so the scripts loaded after the first run with the first one's settings, "
            f"in an order that depends on which host was requested first"),
        fix=(
            f"{_edit(mass, spec)} {PER_HOST}; each host's script then loads into a sub "
            f"interpreter named for its host, still in one process per child, so each script "
            f"must assign os.environ['DJANGO_SETTINGS_MODULE'] rather than setdefault()"
            + (f" ({', '.join(setdefault)} use setdefault(), which keeps the value of the "
               f"script loaded first)" if setdefault else "")
            + ("" if setenvif else "; no LoadModule setenvif_module is read: add one (unless "
                                   "'apache2 -l' lists mod_setenvif.c)")
            + "; better, run each site in a daemon process group of its own (a "
              "WSGIDaemonProcess per site, chosen per host name with SetEnvIfNoCase Host and "
              "WSGIProcessGroup %{ENV:NAME})"),
    )


def _edit(mass: MassSite, spec: str) -> str:
    line = mass.application_group
    if line is not None:
        return f"replace {line.name} {spec} at {line.where} by"
    return f"add to <VirtualHost> at {mass.server.where} (no WSGIApplicationGroup there)"


def _settings(script: ScriptInfo) -> str:
    if script.settings_how is None:
        return "settings not read"
    return f"{script.settings_how} {script.settings or '<not a literal>'}"
