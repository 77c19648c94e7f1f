"""``shared_interpreter`` of a mass-hosting VirtualHost: ``VirtualDocumentRoot`` and a
``wsgi-script`` handler serving one script per host name, with one application group for
all of them (``WSGIApplicationGroup %{GLOBAL}``, or one fixed name).

mod_wsgi loads each host's script into that one interpreter of whichever process takes the
request: in embedded mode every Apache child process loads them in the order its requests
came (T33 b-mass-macro, real Apache 2.4.71 + mod_wsgi 6.1.1: "Loading WSGI script
'.../vhosts/beta.mass.test/app.wsgi' into main interpreter in embedded mode" after alpha's in
the same pid). Django is set up once per interpreter, so the scripts loaded after the first
run with its settings. No ``WSGIScriptAlias`` is written, so the rule of
:mod:`probe.lint.interpreter_rules` does not see these applications: the sites come from
:mod:`probe.apache.mass_hosts`.
"""

from __future__ import annotations

from probe.apache.mass_hosts import MassSite, mass_sites
from probe.apache.model import Site
from probe.apache.names import GLOBAL, RESOURCE, SERVER, is_per_request
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
        if spec in (RESOURCE, SERVER) or "%{" in spec.replace(GLOBAL, "") or \
                is_per_request(group) or mass.application_group is None:
            continue  # one interpreter per host (or per request): nothing shared by name
        scripts = [read_script(h.script) for h in mass.hosts]
        values = {s.settings for s in scripts}
        if len(scripts) < 2 or (len(values) == 1 and None not in values):
            continue
        known = None not in values
        findings.append(_finding(mass, scripts, group, known))
    return findings


def _finding(mass: MassSite, scripts: list[ScriptInfo], group: str,
             known: bool) -> ConfigFinding:
    line = mass.application_group
    assert line is not None  # checked by the caller
    spec = line.arg(0)
    interpreter = "" if spec == GLOBAL else spec
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
            f"), and {line.name} {spec} at {line.where} puts every one of them in the same "
            f"{interpreter_words(interpreter, group)}: {listed}. {where} loads "
            f"each script the first time one of its requests reaches it, into that one "
            f"interpreter; Django is set up once per interpreter and a module is imported "
            f"once, so the scripts loaded after the first run with the first one's settings, "
            f"in an order that depends on which host was requested first"),
        fix=(
            f"remove {line.name} {spec} at {line.where}: each host's script then gets a sub "
            f"interpreter of its own (%{{RESOURCE}}), still in one process per child, so each "
            f"script must assign os.environ['DJANGO_SETTINGS_MODULE'] rather than "
            f"setdefault()"
            + (f" ({', '.join(setdefault)} use setdefault(), which keeps the value of the "
               f"script loaded first)" if setdefault else "")
            + "; better, run each site in a daemon process group of its own (a "
              "WSGIDaemonProcess per site, chosen per host name with SetEnvIfNoCase Host and "
              "WSGIProcessGroup %{ENV:NAME})"),
    )


def _settings(script: ScriptInfo) -> str:
    if script.settings_how is None:
        return "settings not read"
    return f"{script.settings_how} {script.settings or '<not a literal>'}"
