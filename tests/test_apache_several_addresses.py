"""Apache with several addresses and ports, as tester T24 ran it (Debian layout: ports.conf,
sites-available, sites-enabled links; four Django sites on 127.0.0.1, 127.0.0.2 and ::1,
ports 31781 and 31782). Each test is one of the tester's mistakes, read with ``--config``:

* m5: b.conf not enabled. ``ServerName a.example.test`` is one edit from b.example.test,
  but that VirtualHost runs project-1: not a typo (renaming it broke a.example.test, an
  alias made project-1 answer b.example.test); b.conf is not read;
* m2: d.conf's VirtualHost written for 127.0.0.1:31782, meant for [::1]: d.example.test at
  [::1] is told d.conf's line, not a.conf's near name;
* m1: a.conf's VirtualHost written for :31781 only: the port goes on its line, never a
  mount in ``<VirtualHost _default_:31782>`` (no name: it would answer every name of the
  port), and that catch-all is no "twin" of a.conf's;
* m2 after the alias was applied: a VirtualHost of the same port on another address is no
  twin either.

The real-Apache check is tests/integration/test_applied_several_addresses.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from probe import manifest
from probe.apache import load_site
from probe.apache.twin_mount import twin_mount
from probe.diagnose import diagnose
from probe.front_config import load_front
from probe.manifest import Target
from probe.model import Cause, Observation, Report, Sample, TargetResult, Verdict

from .test_diagnose import answered, ep, status

DEFAULT = """\
<VirtualHost *:31781>
    DocumentRoot /var/www/html
</VirtualHost>
<VirtualHost _default_:31782>
    DocumentRoot /var/www/html
</VirtualHost>
"""

A = """\
WSGIDaemonProcess project-1 processes=1 threads=2
<VirtualHost *:31781 *:31782>
    ServerName a.example.test
    ServerAlias www.a.example.test
    WSGIScriptAlias / {root}/project-1/wsgi.py process-group=project-1 application-group=%{GLOBAL}
</VirtualHost>
"""


def _own(label: str, at: str, name: str) -> str:
    return f"""\
<VirtualHost {at}>
    ServerName {name}
    WSGIDaemonProcess {label} processes=1 threads=2
    WSGIProcessGroup {label}
    WSGIApplicationGroup %{{GLOBAL}}
    WSGIScriptAlias / {{root}}/{label}/wsgi.py
</VirtualHost>
"""


SITES = {"000-default.conf": DEFAULT, "a.conf": A,
         "b.conf": _own("project-2", "*:31781", "b.example.test"),
         "c.conf": _own("project-3", "127.0.0.2:31781", "c.example.test"),
         "d.conf": _own("project-4", "[::1]:31782", "d.example.test")}

MANIFEST = """\
[probe]
connect = "127.0.0.1"
[instances.project-1]
label = "project-1"
process_group = "project-1"
urls = ["http://a.example.test:31781/", "http://a.example.test:31782/"]
[instances.project-2]
label = "project-2"
process_group = "project-2"
urls = ["http://b.example.test:31781/"]
[instances.project-3]
label = "project-3"
process_group = "project-3"
connect = "127.0.0.2"
urls = ["http://c.example.test:31781/"]
[instances.project-4]
label = "project-4"
process_group = "project-4"
connect = "[::1]"
urls = ["http://d.example.test:31782/"]
"""


def layout(root: Path, edits: dict[str, tuple[str, str]] | None = None,
           disabled: tuple[str, ...] = ()) -> Path:
    """The healthy layout under ``root`` with ``edits`` (file -> (old, new)) applied and
    the ``disabled`` sites' links removed; the httpd.conf to read."""
    (root / "sites-available").mkdir(parents=True)
    (root / "sites-enabled").mkdir()
    for label in ("project-1", "project-2", "project-3", "project-4"):
        (root / label).mkdir()
        (root / label / "wsgi.py").write_text("application = None\n")
    for name, text in SITES.items():
        old, new = (edits or {}).get(name, ("", ""))
        (root / "sites-available" / name).write_text(
            text.replace("{root}", str(root)).replace(old, new) if old else
            text.replace("{root}", str(root)))
        if name not in disabled:
            (root / "sites-enabled" / name).symlink_to(f"../sites-available/{name}")
    (root / "ports.conf").write_text("Listen 127.0.0.1:31781\nListen 127.0.0.2:31781\n"
                                     "Listen 127.0.0.1:31782\nListen [::1]:31782\n")
    conf = root / "httpd.conf"
    conf.write_text(f"ServerRoot {root}\nServerName localhost\n"
                    f"Include {root}/ports.conf\n"
                    f"IncludeOptional {root}/sites-enabled/*.conf\n")
    return conf


APACHE_PARENT = 31700  # the Apache parent (ppid) of the answers at 127.0.0.1:31781


def _answer(root: Path, label: str, host: str) -> Sample:
    data: dict[str, Any] = ep(label, host=host, application_group="")
    data["script_file"] = f"{root}/{label}/wsgi.py"
    data["ppid"] = APACHE_PARENT
    return answered(data)


def _at(url: str, expected: str, address: str, *samples: Sample) -> Observation:
    return Observation(Target(url, expected, address), samples)


def _sweep(conf: Path, *seen: Observation) -> Report:
    root = conf.parent
    right = [_at("http://a.example.test:31781/", "project-1", "127.0.0.1:31781",
                 _answer(root, "project-1", "a.example.test")),
             _at("http://c.example.test:31781/", "project-3", "127.0.0.2:31781",
                 _answer(root, "project-3", "c.example.test"))]
    return diagnose(manifest.parse(MANIFEST, "m.toml"), [*right, *seen],
                    config=load_front(str(conf), {}))


def _one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


def test_a_near_name_of_a_vhost_running_another_instance_is_no_typo(tmp_path: Path) -> None:
    """m5: b.conf not enabled; a.conf's ServerName is one edit from b.example.test."""
    conf = layout(tmp_path, disabled=("b.conf",))
    url = "http://b.example.test:31781/"
    found = _one(_sweep(conf, _at(url, "project-2", "127.0.0.1:31781", status(403))), url)
    assert found.verdict is Verdict.NO_ENDPOINT, found
    fix = found.fix or ""
    assert "if that is a typo" not in fix and "add 'ServerAlias" not in fix, fix
    assert "ServerName a.example.test" in fix and "runs project-1" in fix, fix
    assert "not a typo of b.example.test" in fix, fix
    assert "its site is not in the configuration read" in fix, fix
    assert f"are read by the Include at {conf}:4 (000-default.conf, a.conf)" in fix, fix
    # re-tester R31: not a bare 'apachectl -S', which reads the system's configuration; the
    # command line of the Apache whose daemon answered project-1 at this address, with -S
    assert f"Check which VirtualHosts httpd loaded with '$(ps -ww -o args= -p {APACHE_PARENT} " \
           f"| sed \"s/ -k [a-z-]*//g\") -S' (the command line of the Apache pid " \
           f"{APACHE_PARENT}, the answers' ppid" in fix, fix
    assert "Check with `apachectl -S`" not in fix, fix
    # the route names the cause: the answers' candidates are decided (R24's m5 JSON)
    assert found.cause is Cause.VHOST_FALLBACK and not found.candidates, found.candidates


def test_the_near_name_stays_a_typo_in_the_instance_s_own_vhost(tmp_path: Path) -> None:
    """The same layout with b.conf's own ServerName misspelt: its daemon group is
    project-2's, so the line is the fix."""
    conf = layout(tmp_path, {"b.conf": ("ServerName b.example.test",
                                        "ServerName b.exmaple.test")})
    url = "http://b.example.test:31781/"
    fix = _one(_sweep(conf, _at(url, "project-2", "127.0.0.1:31781", status(403))),
               url).fix or ""
    assert fix.startswith("ServerName b.exmaple.test"), fix
    assert "if that is a typo, write ServerName b.example.test" in fix, fix


def test_an_ip_vhost_of_another_address_is_told_not_a_near_name(tmp_path: Path) -> None:
    """m2 [3]: d.conf on 127.0.0.1:31782, d.example.test sent to [::1]:31782."""
    conf = layout(tmp_path, {"d.conf": ("[::1]:31782", "127.0.0.1:31782")})
    url = "http://d.example.test:31782/"
    fix = _one(_sweep(conf, _at(url, "project-4", "[::1]:31782", status(403))), url).fix or ""
    assert "if that is a typo" not in fix and "add 'ServerAlias" not in fix, fix
    assert "runs project-1" in fix, fix
    assert (f"At {tmp_path}/sites-enabled/d.conf:1, write <VirtualHost *:31782> instead of "
            f"<VirtualHost 127.0.0.1:31782>") in fix, fix


def test_the_port_goes_on_the_site_s_line_not_a_mount_in_the_catch_all(
        tmp_path: Path) -> None:
    """m1: a.conf written for :31781 only; _default_:31782 is the only VirtualHost there."""
    conf = layout(tmp_path, {"a.conf": ("<VirtualHost *:31781 *:31782>",
                                        "<VirtualHost *:31781>")})
    url = "http://a.example.test:31782/"
    found = _one(_sweep(conf, _at(url, "project-1", "127.0.0.1:31782", status(403))), url)
    fix = found.fix or ""
    assert "twin" not in fix and "same name on another port" not in fix, fix
    assert "WSGIScriptAlias" not in fix, fix
    assert (f"At {tmp_path}/sites-enabled/a.conf:2, write <VirtualHost *:31781 *:31782> "
            f"instead of <VirtualHost *:31781>") in fix, fix
    assert "a <VirtualHost *:31782> of its own with ServerName a.example.test" in fix, fix


def test_a_vhost_of_the_same_port_on_another_address_is_no_twin(tmp_path: Path) -> None:
    """m2 after its printed alias: a.conf claims d.example.test on *:31782, d.conf mounts
    project-4 on 127.0.0.1:31782: the same port, so not the same name on another port (the
    fix replaced project-1's mount in a.conf)."""
    conf = layout(tmp_path, {"d.conf": ("[::1]:31782", "127.0.0.1:31782"),
                             "a.conf": ("ServerAlias www.a.example.test",
                                        "ServerAlias www.a.example.test\n"
                                        "    ServerAlias d.example.test")})
    url = "http://d.example.test:31782/"
    found = _one(_sweep(conf, _at(url, "project-4", "[::1]:31782",
                                  _answer(tmp_path, "project-1", "d.example.test"))), url)
    assert found.verdict is Verdict.WRONG_INSTANCE, found
    said = f"{found.explanation} {found.fix}"
    assert "twin" not in said and "same name on another port" not in said, said
    assert "in place of 'WSGIScriptAlias" not in said, said
    fix = found.fix or ""
    assert "add *:31782 (the address of <VirtualHost *:31781 *:31782>" in fix, fix
    assert (f"also stop claiming d.example.test at {tmp_path}/sites-enabled/a.conf:5"
            in fix), fix


def test_a_catch_all_without_the_name_has_no_twin(tmp_path: Path) -> None:
    """m1 at the model: ``<VirtualHost _default_:31782>`` claims no name, so a.conf's
    VirtualHost of a.example.test is no twin of it, whatever it mounts."""
    conf = layout(tmp_path, {"a.conf": ("<VirtualHost *:31781 *:31782>",
                                        "<VirtualHost *:31781>")})
    site = load_site([str(conf)], environ={})
    catch_all = next(v for v in site.vhosts if str(v.addresses[0]) == "_default_:31782")
    assert twin_mount(site, catch_all, "a.example.test", "/", "project-1", None) is None
    named = next(v for v in site.vhosts if v.server_name == "a.example.test")
    assert twin_mount(site, named, "a.example.test", "/", "project-1", None) is None
