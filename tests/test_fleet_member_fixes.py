"""Fleet fixes aimed at the member that differs, from tester T38's real fleet: Apache 2.4 +
mod_wsgi 6.1.1 members on 127.0.0.2-.5:18480 (each started with ``-f
/tmp/t-real38/run/mN/httpd.conf``), alpha, gamma and beta on each, an nginx balancer on
127.0.0.1:18480. The answers below are the fields of the sweeps' JSON (pids, ppids, scripts);
the configurations are the members' httpd.conf files as the cases hold them.

* not-reloaded: ``ServerAlias www.beta.example.com`` written on every member, m3 not
  reloaded: its reload by the Apache its answer names (ppid 12192), never the system's
  ``apachectl``/``systemctl``, which would start another Apache;
* lb-wrong-member: a stray member m5 with alpha's VirtualHost alone: beta's site added there
  (as the members that serve it) or m5 out of the balancer, never "stop claiming";
* settings-drift: m4's beta on ``beta.settings_staging`` through the balancer: the answers
  that differ from the manifest's settings named, and their restart alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from probe import manifest
from probe.diagnose import diagnose
from probe.front_config import load_front
from probe.manifest import Target
from probe.model import Observation, Report, TargetResult

from .test_diagnose import answered

RUN = "/tmp/t-real38/run"  # the paths the answers and files name; nothing is read there
HEAD = """\
ServerRoot "{run}/{m}"
ServerName {m}.fleet.test
Listen 127.0.0.{n}:18480
LoadModule mpm_event_module "/usr/lib/apache2/modules/mod_mpm_event.so"
LoadModule authz_core_module "/usr/lib/apache2/modules/mod_authz_core.so"
LoadModule authz_host_module "/usr/lib/apache2/modules/mod_authz_host.so"
LoadModule alias_module "/usr/lib/apache2/modules/mod_alias.so"
User www-data
Group www-data
PidFile "{run}/{m}/httpd.pid"
DefaultRuntimeDir "{run}/{m}/run"
Mutex file:{run}/{m}/run default
ErrorLog "{run}/{m}/error.log"
LogLevel warn wsgi:info
LogFormat "%v:%p %h \\"%r\\" %>s %b pid=%P" vhost
CustomLog "{run}/{m}/access.log" vhost
Timeout 30
KeepAliveTimeout 2
LoadModule wsgi_module \
"/var/tmp/wsgi-probe-apache-venv/lib/python3.11/site-packages/mod_wsgi/server/mod_wsgi-py311.cpython-311-x86_64-linux-gnu.so"
WSGIPythonHome "/var/tmp/wsgi-probe-apache-venv"
WSGISocketPrefix "{run}/{m}/run/wsgi"
WSGIRestrictEmbedded On

<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "{run}/{m}/sites">
    Require all granted
</Directory>

<VirtualHost *:18480>
    ServerName alpha.example.com
    ServerAlias www.alpha.example.com
    WSGIDaemonProcess gamma processes=2 threads=4 python-path={run}/{m}/sites/gamma
    WSGIScriptAlias /blog "{run}/{m}/sites/gamma/gamma/wsgi.py" process-group=gamma \
application-group=%{{GLOBAL}}
    WSGIDaemonProcess alpha processes=2 threads=4 python-path={run}/{m}/sites/alpha
    WSGIScriptAlias / "{run}/{m}/sites/alpha/alpha/wsgi.py" process-group=alpha \
application-group=%{{GLOBAL}}
</VirtualHost>
"""
BETA = """
<VirtualHost *:18480>
    ServerName beta.example.com
    WSGIDaemonProcess beta processes=2 threads=4 python-path={run}/{m}/sites/beta
    WSGIProcessGroup beta
    WSGIApplicationGroup %{{GLOBAL}}
    ServerAlias www.beta.example.com
    WSGIScriptAlias / "{run}/{m}/sites/beta/beta/wsgi.py"
</VirtualHost>
"""
INSTANCES = """
[instances.alpha]
label = "alpha"
settings = "alpha.settings"
process_group = "alpha"
urls = ["http://alpha.example.com/"]

[instances.beta]
label = "beta"
settings = "beta.settings"
process_group = "beta"
urls = ["http://beta.example.com/", "http://www.beta.example.com/"]
"""
BETA_URL, WWW_BETA = "http://beta.example.com/", "http://www.beta.example.com/"


def real(label: str, member: int, pid: int, ppid: int, host: str,
         settings: str | None = None) -> dict[str, Any]:
    """One answer as the fleet's endpoint gave it (T38's JSON, the fields diagnosis reads)."""
    return {
        "schema": 1, "label": label, "instance_id": f"{label}-{pid}", "pid": pid,
        "ppid": ppid, "process_group": label, "application_group": "",
        "settings_module": {"environ": settings or f"{label}.settings",
                            "loaded": settings or f"{label}.settings"},
        "request": {"host": host, "server_name": host, "server_port": "80",
                    "scheme": "http", "script_name": "", "path_info": "/__probe__"},
        "script_file": f"{RUN}/m{member}/sites/{label}/{label}/wsgi.py",
        "server": {"software": "Apache/2.4.71 (Debian) mod_wsgi/6.1.1 Python/3.11",
                   "mod_wsgi_version": "6.1.1", "multithread": True,
                   "multiprocess": True, "hostname": "vm"},
        "python": {"version": "3.11.2", "implementation": "cpython",
                   "executable": "/var/tmp/wsgi-probe-apache-venv/bin/python"},
        "started_at": "2026-12-08T00:25:18.965+00:00", "uptime_s": 69.4,
    }


def conf(tmp_path: Path, member: int, *, beta: bool = True) -> Path:
    """Member ``member``'s httpd.conf (alpha's VirtualHost at line 32, beta's at 41)."""
    values = {"run": RUN, "m": f"m{member}", "n": member}
    path = tmp_path / f"m{member}-httpd.conf"
    path.write_text(HEAD.format(**values) + (BETA.format(**values) if beta else ""),
                    encoding="utf-8")
    return path


def _at(report: Report, url: str, address: str | None = None) -> TargetResult:
    return next(t for t in report.targets if t.url == url and t.address == address)


# not-reloaded/sweep-config-m3.json: www.beta.example.com at each member, m3's answer alpha's.
NOT_RELOADED = {2: (real("beta", 2, 17452, 12009, "www.beta.example.com"),
                    real("beta", 2, 12022, 12009, "beta.example.com")),
                3: (real("alpha", 3, 15565, 12192, "www.beta.example.com"),
                    real("beta", 3, 15566, 12192, "beta.example.com")),
                4: (real("beta", 4, 17547, 16128, "www.beta.example.com"),
                    real("beta", 4, 17546, 16128, "beta.example.com"))}


def test_a_member_not_reloaded_is_reloaded_by_the_apache_its_answer_names(
        tmp_path: Path) -> None:
    members = ", ".join(f'"127.0.0.{n}:18480"' for n in NOT_RELOADED)
    fleet = manifest.parse(f"[probe]\nconnect = [{members}]\n{INSTANCES}", "m.toml")
    observations = [Observation(Target(url, "beta", f"127.0.0.{n}:18480"), (answered(a),))
                    for n, (www, bare) in NOT_RELOADED.items()
                    for url, a in ((WWW_BETA, www), (BETA_URL, bare))]
    m3 = conf(tmp_path, 3)
    report = diagnose(fleet, observations, config=load_front(str(m3), {}))
    found = _at(report, WWW_BETA, "127.0.0.3:18480")
    assert found.verdict.value == "wrong_instance", found
    assert "not running this configuration as read" in found.explanation, found.explanation
    assert found.fix.startswith("Reload the server at 127.0.0.3:18480: "), found.fix
    # The Apache that answered was started with -f m3's file: the system's apachectl or
    # systemctl would act on (or start) another one.
    assert "apachectl -k graceful" not in found.fix, found.fix
    assert "systemctl" not in found.fix, found.fix
    assert ("the answer of this URL (pid 15565, ppid 12192) names its Apache; "
            in found.fix), found.fix
    assert ("in one line: '$(ps -ww -o args= -p 12192 | sed \"s/ -k [a-z-]*//g\") -k "
            "graceful'") in found.fix, found.fix
    assert "'ps -ww -o args= -p 12192' shows the command line of the Apache that answered" \
        in found.fix, found.fix
    assert "127.0.0.2:18480 and 127.0.0.4:18480 answered it as the configuration predicts" \
        in found.fix, found.fix


# lb-wrong-member/sweep-members.json: beta.example.com at the four members; m5 has alpha's
# VirtualHost alone (its httpd.conf, the stray member's).
STRAY = {2: real("beta", 2, 12022, 12009, "beta.example.com"),
         3: real("beta", 3, 15566, 12192, "beta.example.com"),
         4: real("beta", 4, 16133, 16128, "beta.example.com"),
         5: real("alpha", 5, 16434, 16430, "beta.example.com")}


def test_a_member_without_the_site_gets_it_added_not_a_name_narrowed(tmp_path: Path) -> None:
    members = ", ".join(f'"127.0.0.{n}:18480"' for n in STRAY)
    fleet = manifest.parse(f"[probe]\nconnect = [{members}]\n{INSTANCES}", "m.toml")
    observations = [Observation(Target(BETA_URL, "beta", f"127.0.0.{n}:18480"),
                                (answered(a),)) for n, a in STRAY.items()]
    m5 = conf(tmp_path, 5, beta=False)
    report = diagnose(fleet, observations, config=load_front(str(m5), {}))
    found = _at(report, BETA_URL, "127.0.0.5:18480")
    assert found.verdict.value == "wrong_instance", found
    assert (f"<VirtualHost *:18480> is the only VirtualHost for *:18480: names are not "
            f"compared ({m5}:32)") in found.explanation, found.explanation
    assert ("No VirtualHost of this configuration claims beta.example.com or runs beta's "
            "application: there is no name line to narrow, and no site meant for it here; "
            "127.0.0.2:18480, 127.0.0.3:18480 and 127.0.0.4:18480 serve it: at "
            "127.0.0.2:18480, script_file '/tmp/t-real38/run/m2/sites/beta/beta/wsgi.py', "
            "process_group 'beta';") in found.explanation, found.explanation
    # no name claims beta there, and removing that VirtualHost would remove alpha
    assert "stop claiming" not in found.fix and "forgotten VirtualHost" not in found.fix, \
        found.fix
    assert found.fix.startswith(f"At {m5}:32, add beta's VirtualHost after that VirtualHost "
                                f"(the only one for its address, which stays the site of "
                                f"every name no other VirtualHost claims): this server has no "
                                f"site for beta.example.com"), found.fix
    assert ("127.0.0.2:18480's configuration was not read in this sweep: sweep it with "
            "--config and the file its Apache reads ('ps -ww -o args= -p 12009', its answer's "
            "ppid, shows its -f)") in found.fix, found.fix
    assert "Or take 127.0.0.5:18480 out of the balancer that passes beta.example.com's " \
        "requests to it" in found.fix, found.fix
    # the graceful restart of m5's own Apache (ppid 16430) after the edit, then the lines
    assert "'$(ps -ww -o args= -p 16430 | sed" in found.fix, found.fix
    assert found.fix.endswith("\n<VirtualHost *:18480>\n    ServerName beta.example.com\n"
                              "    # beta's WSGI lines (WSGIDaemonProcess, WSGIScriptAlias, "
                              "its process group) as 127.0.0.2:18480 runs them,\n    # with "
                              "this server's own copy of its script (there: "
                              "/tmp/t-real38/run/m2/sites/beta/beta/wsgi.py)\n"
                              "</VirtualHost>"), found.fix


# settings-drift/sweep-lb.txt: ten samples of beta.example.com through the balancer; m4's
# beta (its wsgi.py's setdefault changed) on beta.settings_staging.
M2, M3 = (12009, 2), (12192, 3)
DRIFT = [(12198, *M3, None), (14910, 12457, 4, "beta.settings_staging"), (12022, *M2, None),
         (12198, *M3, None), (12023, *M2, None), (14910, 12457, 4, "beta.settings_staging"),
         (12199, *M3, None), (12022, *M2, None), (12198, *M3, None),
         (14909, 12457, 4, "beta.settings_staging")]


def test_settings_that_differ_through_a_balancer_name_the_member_that_differs() -> None:
    lb = manifest.parse(f'[probe]\nconnect = "127.0.0.1:18480"\n{INSTANCES}', "m.toml")
    samples = tuple(answered(real("beta", member, pid, ppid, "beta.example.com", settings))
                    for pid, ppid, member, settings in DRIFT)
    report = diagnose(lb, [Observation(Target(BETA_URL, "beta", "127.0.0.1:18480"), samples)])
    found = _at(report, BETA_URL, "127.0.0.1:18480")
    assert found.verdict.value == "inconsistent", found
    assert ("The manifest expects 'beta.settings': pid 14910 on host vm and pid 14909 on host "
            "vm answered with 'beta.settings_staging' (script_file "
            "'/tmp/t-real38/run/m4/sites/beta/beta/wsgi.py'; ppid 12457), which backend of "
            "this address that is the answers do not say (server.listen is null)") \
        in found.fix, found.fix
    assert "On that server only, set 'beta.settings'" in found.fix, found.fix
    # its restart alone, by its script and its Apache (ppid 12457), as stale_code words it
    assert ("restart the whole daemon group 'beta': touch its WSGI script "
            "(/tmp/t-real38/run/m4/sites/beta/beta/wsgi.py)") in found.fix, found.fix
    assert "'$(ps -ww -o args= -p 12457 | sed" in found.fix, found.fix
    for other in ("12192", "12009", "/m2/", "/m3/"):
        assert other not in found.fix, (other, found.fix)
    assert "restart the ones that differ" not in found.fix, found.fix
