"""contrib/nagios: the Nagios and Icinga 2 definitions name real options and really run.

With ``nagios4`` / ``icinga2`` on PATH (Debian packages ``nagios4-core``, ``icinga2-bin``), or
``$WSGI_PROBE_NAGIOS4`` / ``$WSGI_PROBE_ICINGA2`` naming the binaries, the files are also
validated by the real tools; otherwise those tests skip (and fail where ``$CI`` is set).
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.monitoring_helpers import NAGIOS_SITE_OBJECTS, PROBE, closed_port

CONTRIB = Path(__file__).resolve().parents[1] / "contrib" / "nagios"
NAGIOS_CFG = CONTRIB / "wsgi-probe.cfg"
ICINGA_CONF = CONTRIB / "wsgi-probe.conf"
INSTALLED_PROBE = "/usr/local/bin/probe"

MANIFEST = """
[instances.project-1]
label = "project-1"
urls = ["http://site-1.example.com/", "http://www.site-1.example.com/"]
"""


def required() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def tool(env: str, *names: str) -> str:
    found = os.environ.get(env) or next(filter(None, map(shutil.which, names)), None)
    if found:
        return found
    message = f"{' / '.join(names)} not installed (or set ${env})"
    if required():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def check_options() -> set[str]:
    done = subprocess.run([*PROBE, "check", "--help"], capture_output=True, text=True,
                          check=False, timeout=60)
    return set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", done.stdout))


def nagios_directive(kind: str, name: str) -> str:
    """``name``'s value in the first ``define kind { ... }`` block."""
    block = re.search(rf"define {kind} \{{(.*?)\}}", NAGIOS_CFG.read_text(), re.S)
    assert block, kind
    match = re.search(rf"^\s*{name}\s+(.+?)\s*$", block.group(1), re.M)
    assert match, (kind, name)
    return match.group(1)


def nagios_command(manifest: Path) -> str:
    """The command line Nagios would run for the shipped service, macros expanded."""
    line = nagios_directive("command", "command_line")
    _name, *args = nagios_directive("service", "check_command").split("!")
    args[0] = str(manifest)
    for number, value in enumerate(args, start=1):
        line = line.replace(f"$ARG{number}$", value)
    assert "$" not in line
    return line.replace(INSTALLED_PROBE, PROBE[0])


def test_nagios_command_uses_real_options() -> None:
    line = nagios_directive("command", "command_line")
    extra = nagios_directive("service", "check_command").split("!")[2]
    used = {tok for tok in shlex.split(line) + shlex.split(extra) if tok.startswith("-")}
    assert used and used <= check_options(), used - check_options()


def test_icinga_arguments_are_real_options() -> None:
    used = set(re.findall(r'^\s*"(-[^"]+)" = ', ICINGA_CONF.read_text(), re.M))
    assert {"-m", "-w", "-c", "-t"} <= used
    assert used <= check_options(), used - check_options()


def test_icinga_timeout_above_plugin_timeout() -> None:
    text = ICINGA_CONF.read_text()
    plugin = int(re.search(r"^\s*vars\.wsgi_probe_timeout = (\d+)", text, re.M).group(1))  # type: ignore[union-attr]
    icinga = int(re.search(r"^\s*timeout = (\d+)s", text, re.M).group(1))  # type: ignore[union-attr]
    assert icinga > plugin


def test_nagios_command_line_runs(tmp_path: Path) -> None:
    """The shipped command, run through /bin/sh as Nagios does: a plugin answer, exit 2."""
    manifest = tmp_path / "site.toml"
    manifest.write_text(f'[probe]\nconnect = "127.0.0.1:{closed_port()}"\nsamples = 1\n'
                        + MANIFEST)
    done = subprocess.run(["/bin/sh", "-c", nagios_command(manifest)], capture_output=True,
                          text=True, check=False, timeout=60)
    assert done.returncode == 2, done
    first = done.stdout.splitlines()[0]
    assert first.startswith("WSGI-PROBE CRITICAL - 2 of 2 URLs failing: ")
    assert "'site-1.example.com/'=U;;;0" in first  # --perfdata-urls from the service


def test_nagios4_validates(tmp_path: Path) -> None:
    nagios = tool("WSGI_PROBE_NAGIOS4", "nagios4", "nagios")
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    (tmp_path / "minimal.cfg").write_text("""
define timeperiod {
    timeperiod_name always
    alias always
    monday 00:00-24:00
}
""" + NAGIOS_SITE_OBJECTS)
    main = tmp_path / "nagios.cfg"
    main.write_text("\n".join([
        f"log_file={tmp_path}/nagios.log", f"cfg_file={tmp_path}/minimal.cfg",
        f"cfg_file={NAGIOS_CFG}", f"check_result_path={tmp_path}",
        f"lock_file={tmp_path}/nagios.lock", f"temp_file={tmp_path}/nagios.tmp",
        f"status_file={tmp_path}/status.dat", f"object_cache_file={tmp_path}/objects.cache",
        f"precached_object_file={tmp_path}/objects.precache",
        f"nagios_user={user}", f"nagios_group={group}", ""]))
    done = subprocess.run([nagios, "-v", str(main)], capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Checked 1 services." in done.stdout
    assert "Total Errors:   0" in done.stdout


def test_icinga2_validates(tmp_path: Path) -> None:
    icinga2 = tool("WSGI_PROBE_ICINGA2", "icinga2")
    for sub in ("data", "log", "cache", "spool", "run", "etc"):
        (tmp_path / sub).mkdir()
    config = tmp_path / "icinga2.conf"
    config.write_text(f"""
include "{ICINGA_CONF}"
object CheckCommand "dummy" {{ command = [ "/bin/true" ] }}
object Host "web-1" {{
  check_command = "dummy"
  vars.wsgi_probe_manifest = "/etc/wsgi-probe/site.toml"
}}
object Host "db-1" {{
  check_command = "dummy"
}}
object Host "web-2" {{
  check_command = "dummy"
  vars.wsgi_probe_manifest = "/etc/wsgi-probe/site.toml"
  vars.wsgi_probe_timeout = 40
}}
""")
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    constants = {"DataDir": "data", "LogDir": "log", "CacheDir": "cache", "SpoolDir": "spool",
                 "InitRunDir": "run", "ConfigDir": "etc"}
    args = [f"-D{k}={tmp_path / v}" for k, v in constants.items()]
    done = subprocess.run([icinga2, "daemon", "-C", "-c", str(config), *args,
                           f"-DRunAsUser={user}", f"-DRunAsGroup={group}"],
                          capture_output=True, text=True, check=False, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # The apply rule gives the hosts with a manifest the service, and only those.
    assert "Instantiated 2 Services." in output
    assert "Instantiated 2 CheckCommands." in output
    # Icinga waits 10 s longer than the -t each host asks for (default 20): a host with 40
    # is not killed at the command's 30 s.
    listed = subprocess.run([icinga2, "object", "list", "--type", "Service", *args,
                             f"-DRunAsUser={user}", f"-DRunAsGroup={group}"],
                            capture_output=True, text=True, check=True, timeout=60).stdout
    timeouts: dict[str, str] = {}
    host = ""
    for line in listed.splitlines():
        if named := re.match(r"Object '([^!']+)!wsgi-routing'", line):
            host = named.group(1)
        elif value := re.match(r"\s*\* check_timeout = (\d+)$", line):
            timeouts[host] = value.group(1)
    assert timeouts == {"web-1": "30", "web-2": "50"}, listed
