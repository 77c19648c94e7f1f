"""``probe ps``: classification of process facts (pure), and one real Apache."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from probe.cli import main
from probe.procs import ProcessFacts, Role, classify
from probe.procs_config import Configured, ConfiguredGroup
from probe.procs_read import _with_sockets
from probe.procs_table import human_age, human_bytes, render_table
from tests import reaper

NOW = 1_000_000.0
APACHE = ("/usr/sbin/apache2", "-k", "start")  # runs /etc/apache2/apache2.conf (Debian)


def configured(*names: str, file: str = "/etc/apache2/apache2.conf",
               display: tuple[str | None, ...] = ()) -> Configured:
    """What --config FILE read: these WSGIDaemonProcess groups, in this order."""
    return Configured((file,), tuple(
        ConfiguredGroup(name, display[i] if i < len(display) else None, f"{file}:{i + 10}")
        for i, name in enumerate(names)))


def facts(pid: int, ppid: int, *, cmdline: tuple[str, ...] = APACHE, name: str = "apache2",
          sockets: tuple[str, ...] | None = (), user: str = "www-data",
          age: float = 60.0, zombie: bool = False, cmdline_readable: bool = True) -> ProcessFacts:
    return ProcessFacts(pid=pid, ppid=ppid, name=name, cmdline=cmdline, username=user,
                        rss=10 * 1024 * 1024, create_time=NOW - age, sockets=sockets,
                        zombie=zombie, cmdline_readable=cmdline_readable)


def test_parent_workers_and_titled_daemons() -> None:
    rows = classify([
        facts(1, 0, name="systemd", cmdline=("/sbin/init",), user="root"),
        facts(100, 1, user="root", sockets=("/run/wsgi.100.0.1.sock",), age=3600),
        facts(101, 100, cmdline=("(wsgi:project-1) ", "-k", "start"),
              sockets=("/run/wsgi.100.0.1.sock",)),
        facts(102, 100),
        facts(200, 1, name="bash", cmdline=("bash",)),
    ], now=NOW)
    assert [(r.pid, r.role, r.process_group) for r in rows] == [
        (100, Role.PARENT, None),
        (101, Role.DAEMON, "project-1"),
        (102, Role.WORKER, None),
    ]
    assert rows[0].user == "root" and rows[0].age_s == 3600
    assert rows[1].group_source == "process title"
    assert rows[1].daemon_id == 1


def test_daemon_without_display_name_is_found_by_its_socket() -> None:
    processes = [
        facts(100, 1),
        facts(101, 100, sockets=("/etc/apache2/run/wsgi.100.3.2.sock",)),
        # A socket named after another parent (an old generation's leftover) proves nothing.
        facts(102, 100, sockets=("/etc/apache2/run/wsgi.99.0.1.sock",)),
    ]
    rows = {r.pid: r for r in classify(processes, now=NOW)}
    assert rows[101].role is Role.DAEMON and rows[101].process_group is None
    assert rows[101].daemon_id == 2 and "2nd WSGIDaemonProcess" in rows[101].group_source
    assert rows[102].role is Role.WORKER
    named = {r.pid: r for r in classify(processes, now=NOW, configured=configured("a", "b"))}
    assert named[101].process_group == "b"
    assert named[101].group_source == ("daemon socket #2 and the 2nd WSGIDaemonProcess of "
                                       "--config (/etc/apache2/apache2.conf:11)")
    assert named[100].config_applied is True


EXPRESS = ("apache2 (mod_wsgi-express)", "-f", "/tmp/express/httpd.conf",
           "-DMOD_WSGI_MULTIPROCESS", "-k", "start", "-DFOREGROUND")


def test_mod_wsgi_express_daemons_are_named_by_their_real_group() -> None:
    # express: WSGIDaemonProcess '127.0.0.1:8000' display-name='(wsgi:127.0.0.1:8000:0)'
    title = ("(wsgi:127.0.0.1:8000:0)   ", *EXPRESS[1:])
    rows = classify([facts(300, 1, cmdline=EXPRESS, user="root"),
                     facts(301, 300, cmdline=title, sockets=("/tmp/express/wsgi.300.u33.1.sock",)),
                     facts(302, 300, cmdline=EXPRESS)], now=NOW)
    assert [(r.pid, r.role, r.process_group) for r in rows] == [
        (300, Role.PARENT, None), (301, Role.DAEMON, "127.0.0.1:8000"), (302, Role.WORKER, None)]
    assert rows[1].daemon_id == 1  # mod_wsgi 5+ socket name, uid in the middle
    # a plain Apache's group that merely ends in digits keeps them
    plain = classify([facts(400, 1, user="root"),
                      facts(401, 400, cmdline=("(wsgi:shop:8000)", "-k", "start"))], now=NOW)
    assert plain[1].process_group == "shop:8000"


# T31's wiki (pid 18503): apachectl's HTTPD_ARGS as ps showed them, exec -a'd by its apachectl
T31_WIKI = ("apache2 (mod_wsgi-express)", "-f", "/tmp/mod_wsgi-127.0.0.1:18103:0/httpd.conf",
            "-DMOD_WSGI_IMPORT_HANDLER_SCRIPT", "-DMOD_WSGI_VIRTUAL_HOST",
            "-DMOD_WSGI_KEEP_ALIVE", "-DMOD_WSGI_MULTIPROCESS", "-DMOD_WSGI_WITH_LISTENER_HOST",
            "-DMOD_WSGI_MPM_ENABLE_EVENT_MODULE", "-k", "start")


def test_express_workers_hand_requests_to_its_daemons_and_run_no_application() -> None:
    """Tester T31: ps said "(embedded): workers serve requests and run embedded-mode WSGI
    applications" of express's workers (20376, 22553), which only hand requests to its
    daemons (20374, 20375); with --embedded-mode (-DEMBEDDED_MODE) they do run it."""
    title = ("(wsgi:127.0.0.1:18103:0)", *T31_WIKI[1:])
    sock = "/tmp/mod_wsgi-127.0.0.1:18103:0/wsgi.18503.u33.1.sock"
    found = [facts(18503, 1, cmdline=T31_WIKI, user="root"),
             facts(20374, 18503, cmdline=title, sockets=(sock,)),
             facts(20375, 18503, cmdline=title, sockets=(sock,)),
             facts(20376, 18503, cmdline=T31_WIKI), facts(22553, 18503, cmdline=T31_WIKI),
             facts(7907, 1, user="root"), facts(7914, 7907)]
    # 7907's /etc/apache2/apache2.conf loads mod_wsgi (as read by probe.procs_read)
    rows = {r.pid: r for r in classify(found, now=NOW, loads_wsgi=lambda config: True)}
    assert [rows[p].hands_off for p in (20376, 22553, 7914)] == [True, True, False]
    assert rows[20374].process_group == "127.0.0.1:18103" and not rows[20374].hands_off
    text = render_table(list(rows.values()), terminal=False)
    lines = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    assert "(to daemons)" in lines["20376"] and "(embedded)" in lines["7914"], text
    assert "(to daemons): workers of a mod_wsgi-express httpd" in text
    assert "hand them to its wsgi daemon processes, which run the application; they run " \
        "none." in text
    assert "they serve requests and run embedded-mode WSGI" in text  # 7907's
    assert rows[20376].as_json()["runs_application"] is False
    express_only = render_table([r for p, r in rows.items() if p > 10000], terminal=False)
    assert "embedded" not in express_only, express_only
    embedded = classify([facts(500, 1, cmdline=(*T31_WIKI, "-DEMBEDDED_MODE"), user="root"),
                         facts(501, 500, cmdline=T31_WIKI)], now=NOW)  # express: loaded
    assert not embedded[1].hands_off
    assert "(embedded)" in render_table(embedded, terminal=False)


def test_config_names_only_the_daemons_of_the_parents_that_run_its_file(
        tmp_path: Path) -> None:
    """Two servers, each started with -f: --config A names A's daemons only (a tester saw
    another server's blog/blogapi daemons shown as A's wsgi-djangostack and wiki)."""
    one, two = tmp_path / "one.conf", tmp_path / "two.conf"
    one.write_text("")
    two.write_text("")
    link = tmp_path / "link.conf"
    link.symlink_to(one)  # the same file by another name is the same file
    rows = {r.pid: r for r in classify([
        facts(10, 1, cmdline=("/usr/sbin/apache2", "-f", str(link), "-k", "start")),
        facts(11, 10, sockets=("/r/wsgi.10.0.1.sock",)),
        facts(20, 1, cmdline=("/usr/sbin/apache2", "-f", str(two), "-k", "start")),
        facts(21, 20, sockets=("/r/wsgi.20.0.1.sock",)),
        facts(22, 20, cmdline=("(wsgi:blogapi)",), sockets=("/r/wsgi.20.0.2.sock",)),
        facts(30, 1, name="httpd", cmdline=("/usr/sbin/httpd", "-DFOREGROUND")),
        facts(31, 30, name="httpd", sockets=("/r/wsgi.30.0.1.sock",)),
    ], now=NOW, configured=configured("wsgi-djangostack", "wiki", file=str(one)))}
    assert rows[11].process_group == "wsgi-djangostack"
    assert (rows[10].config_applied, rows[20].config_applied, rows[30].config_applied) == (
        True, False, False)
    assert rows[21].process_group is None and rows[21].daemon_id == 1
    assert "pid 20's configuration, not --config's" in rows[21].group_source
    assert rows[22].process_group == "blogapi"  # its title says so, whichever file
    assert rows[31].process_group is None  # which file httpd runs is not on its command line
    text = render_table(list(rows.values()), terminal=False)
    assert f"pid 20 runs {two} (-f on the command line); not --config's file" in text
    assert ("pid 30 runs its compiled-in configuration file (no -f: 'httpd -V' shows the "
            "file); --config's names are not applied") in text
    [line] = [line for line in text.splitlines() if line.split()[:1] == ["21"]]
    assert "#1 (unnamed)" in line and "wsgi-djangostack" not in line


def test_a_zombie_runs_no_configuration_and_an_unread_command_line_is_no_default() -> None:
    rows = {r.pid: r for r in classify([
        facts(5, 3, cmdline=(), zombie=True, cmdline_readable=False, user="root"),
        facts(10, 1, cmdline=(), cmdline_readable=False, user="root"),
        facts(11, 10),
        facts(12, 10, cmdline=(), zombie=True, cmdline_readable=False),
    ], now=NOW)}
    assert [(pid, r.role) for pid, r in rows.items()] == [
        (5, Role.ZOMBIE), (10, Role.PARENT), (11, Role.WORKER), (12, Role.ZOMBIE)]
    assert rows[5].config is None and rows[12].config is None
    config = rows[10].config
    assert config is not None and config.config_file is None
    text = render_table(list(rows.values()), terminal=False)
    assert "Debian" not in text and "pid 5 runs" not in text
    assert "pid 10 runs an unknown configuration file (its command line could not be read" in text
    assert "zombie: an Apache process that has exited" in text


def test_a_real_zombie_apache2_is_listed_as_one(tmp_path: Path) -> None:
    """What a failed 'apache2ctl start' briefly leaves: a child called apache2 that exited and
    was not reaped (tester t-disc21 saw it listed as a parent running Debian's default)."""
    from probe.procs_read import snapshot

    true = shutil.which("true")
    assert true is not None
    (tmp_path / "apache2").symlink_to(true)  # the kernel names the process after the link
    child = subprocess.Popen([str(tmp_path / "apache2")])
    try:
        deadline = time.monotonic() + 10
        while psutil.Process(child.pid).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        [row] = [r for r in classify(snapshot()[0], now=time.time()) if r.pid == child.pid]
        assert row.role is Role.ZOMBIE and row.config is None
    finally:
        child.wait()


def test_title_cut_short_is_a_daemon_without_a_trusted_name() -> None:
    rows = classify([facts(100, 1),
                     facts(101, 100, cmdline=("(wsgi:a-very-long-gr",))], now=NOW)
    daemon = rows[1]
    assert daemon.role is Role.DAEMON and daemon.process_group is None
    assert "a-very-long-gr..." in daemon.group_source


BITNAMI = ("/usr/sbin/apache2", "-f", "/opt/bitnami/apache2/conf/httpd.conf")


def test_a_title_cut_short_is_shown_so_and_matched_against_the_configuration() -> None:
    """Bitnami's display-name=%{GROUP}: '(wsgi:wsgi-djangostack)' is cut to the length of
    '/usr/sbin/apache2' (tester t-disc21 saw '#1 (unnamed)' and advice to add display-name)."""
    processes = [facts(10, 1, cmdline=BITNAMI),
                 facts(11, 10, cmdline=("(wsgi:wsgi-django", "-f", BITNAMI[2]), sockets=None),
                 facts(12, 10, cmdline=("(wsgi:wiki)     ", "-f", BITNAMI[2]), sockets=None)]
    plain = classify(processes, now=NOW)
    assert (plain[1].role, plain[1].process_group, plain[1].title_hint) == (
        Role.DAEMON, None, "wsgi-django… (cut short)")
    text = render_table(plain, terminal=False)
    [line] = [line for line in text.splitlines() if line.split()[:1] == ["11"]]
    assert "wsgi-django… (cut short)" in line
    assert "display-name=%{GROUP}" not in text and "#N (unnamed)" not in text
    assert "… (cut short): mod_wsgi cuts a (wsgi:GROUP) title" in text

    both = configured("wsgi-djangostack", "wiki", file=BITNAMI[2],
                      display=("%{GROUP}", "%{GROUP}"))
    named = classify(processes, now=NOW, configured=both)
    assert named[1].process_group == "wsgi-djangostack"
    assert named[1].group_source == (
        f"process title '(wsgi:wsgi-django': cut short: the only --config group whose title "
        f"starts so ({BITNAMI[2]}:10)")
    # two groups the cut title could be: none is chosen, both are named
    twins = configured("wsgi-djangostack", "wsgi-djangoapi", file=BITNAMI[2],
                       display=("%{GROUP}", "%{GROUP}"))
    undecided = classify(processes, now=NOW, configured=twins)[1]
    assert undecided.process_group is None
    assert "any of --config's wsgi-djangostack, wsgi-djangoapi" in undecided.group_source


def test_a_plain_display_name_title_names_its_group_from_the_configuration() -> None:
    """Fedora's display-name=fas: the title is 'fas', no '(wsgi:'."""
    processes = [facts(10, 1, cmdline=("/usr/sbin/httpd", "-f", "/etc/httpd/conf/httpd.conf")),
                 facts(11, 10, cmdline=("fas              ",), sockets=("/r/wsgi.10.0.1.sock",)),
                 facts(12, 10, cmdline=("pkgdb",), sockets=None),
                 facts(13, 10, cmdline=("/usr/sbin/httpd", "-f", "/etc/httpd/conf/httpd.conf"))]
    plain = {r.pid: r for r in classify(processes, now=NOW)}
    assert (plain[11].role, plain[11].title_hint) == (Role.DAEMON, "title 'fas'")
    assert (plain[12].role, plain[12].title_hint) == (Role.CHILD, "title 'pkgdb'")
    assert plain[13].role is Role.WORKER and plain[13].title_hint == ""
    text = render_table(list(plain.values()), terminal=False)
    assert "display-name=%{GROUP}" not in text and "title 'X': the title a display-name" in text
    fedora = configured("fas", "pkgdb", file="/etc/httpd/conf/httpd.conf",
                        display=("fas", "pkgdb"))
    # socket #1 alone would also say fas; the sockets of 12 cannot be read, its title says
    named = {r.pid: r for r in classify(processes, now=NOW, configured=fedora)}
    assert (named[12].role, named[12].process_group) == (Role.DAEMON, "pkgdb")
    assert named[12].group_source == ("process title 'pkgdb': display-name=pkgdb of --config's "
                                      "pkgdb (/etc/httpd/conf/httpd.conf:11)")


def test_title_beats_configuration() -> None:
    rows = classify([facts(100, 1),
                     facts(101, 100, cmdline=("(wsgi:live)",),
                           sockets=("/run/wsgi.100.0.1.sock",))],
                    now=NOW, configured=configured("from-config"))
    assert rows[1].process_group == "live"


def test_unreadable_sockets_make_an_unknown_child() -> None:
    rows = classify([facts(100, 1), facts(101, 100, sockets=None)], now=NOW)
    assert rows[1].role is Role.CHILD and "root" in rows[1].group_source


def test_httpd_by_command_line_and_two_servers() -> None:
    rows = classify([
        facts(10, 1, name="httpd", cmdline=("/usr/sbin/httpd", "-DFOREGROUND")),
        facts(11, 10, name="httpd", cmdline=("/usr/sbin/httpd", "-DFOREGROUND")),
        facts(20, 1),
        facts(21, 20),
    ], now=NOW)
    assert [(r.pid, r.role) for r in rows] == [(10, Role.PARENT), (11, Role.WORKER),
                                               (20, Role.PARENT), (21, Role.WORKER)]


@pytest.mark.parametrize(("cmdline", "name", "file", "root", "source"), [
    (("/usr/sbin/apache2", "-k", "start"), "apache2", "/etc/apache2/apache2.conf",
     "/etc/apache2", "Debian's default: no -f or -d on the command line"),
    # Debian's apache2@two: apache2ctl passes -d /etc/apache2-two
    (("/usr/sbin/apache2", "-d", "/etc/apache2-two", "-k", "start"), "apache2",
     "/etc/apache2-two/apache2.conf", "/etc/apache2-two",
     "ServerRoot /etc/apache2-two: -d on the command line; Debian's default file"),
    (("/usr/sbin/apache2", "-f", "/srv/t/httpd.conf", "-k", "start"), "apache2",
     "/srv/t/httpd.conf", None, "-f on the command line"),
    (("/usr/sbin/apache2", "-f/srv/t/httpd.conf", "-d", "/srv/t"), "apache2",
     "/srv/t/httpd.conf", "/srv/t", "-f on the command line; ServerRoot /srv/t: -d on the "
     "command line"),
    (("/usr/sbin/apache2", "-f", "conf/other.conf"), "apache2", "/etc/apache2/conf/other.conf",
     "/etc/apache2", "-f on the command line; under Debian's default ServerRoot /etc/apache2"),
    (("httpd (mod_wsgi-express)", "-f", "/tmp/mod_wsgi-localhost:8000:0/httpd.conf",
      "-DMOD_WSGI_MPM_ENABLE_EVENT_MODULE"), "httpd", "/tmp/mod_wsgi-localhost:8000:0/httpd.conf",
     None, "-f on the command line"),
    # another build: its compiled-in defaults are not guessed
    (("/usr/sbin/httpd", "-DFOREGROUND"), "httpd", None, None,
     "no -f: 'httpd -V' shows the file"),
])
def test_which_configuration_each_parent_runs(cmdline: tuple[str, ...], name: str,
                                              file: str | None, root: str | None,
                                              source: str) -> None:
    rows = classify([facts(10, 1, name=name, cmdline=cmdline), facts(11, 10)], now=NOW)
    config = rows[0].config
    assert config is not None and rows[1].config is None
    assert (config.config_file, config.server_root, config.source) == (file, root, source)


def test_render_plain_and_empty() -> None:
    rows = classify([facts(100, 1, user="root"),
                     facts(101, 100, cmdline=("(wsgi:shop)",)),
                     facts(102, 100, sockets=("/r/wsgi.100.0.4.sock",))], now=NOW)
    text = render_table(rows, terminal=False)
    assert "\x1b[" not in text and "─" not in text  # no colour, no box off a terminal
    lines = text.splitlines()
    assert lines[0].split() == ["PID", "PPID", "ROLE", "PROCESS", "GROUP", "USER", "RSS", "AGE"]
    assert "shop" in lines[2] and "10.0 MiB" in lines[2] and "1m00s" in lines[2]
    assert "#4 (unnamed)" in lines[3]
    assert any("probe ps --config" in line for line in lines)
    assert render_table([], terminal=False) == "no Apache (apache2/httpd) processes found\n"


@pytest.mark.parametrize(("value", "text"), [(512, "512 B"), (1536, "1.5 KiB"),
                                             (3 * 1024**3, "3.0 GiB"), (None, "?")])
def test_human_bytes(value: int | None, text: str) -> None:
    assert human_bytes(value) == text


class _Connection:
    def __init__(self, laddr: object) -> None:
        self.laddr = laddr


class _Process:
    """What _with_sockets uses of a psutil (>= 6.0) Process."""

    def net_connections(self, kind: str = "inet") -> list[_Connection]:
        assert kind == "unix"
        return [_Connection("/run/wsgi.100.0.1.sock"), _Connection(""),
                _Connection(("127.0.0.1", 80))]


def test_sockets_are_the_named_unix_sockets() -> None:
    # A stand-in for psutil.Process: only net_connections() is used.
    read = _with_sockets(_Process(), facts(101, 100))  # type: ignore[arg-type]
    assert read.sockets == ("/run/wsgi.100.0.1.sock",)


def test_human_age() -> None:
    assert (human_age(59), human_age(3 * 3600 + 5 * 60), human_age(2 * 86400 + 3600)) == \
        ("0m59s", "3h05m", "2d01h")


# --------------------------------------------------------------------------------------------
# one real Apache


def _required() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    if _required():
        pytest.fail(f"cannot start a real Apache: {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


MODULES = Path("/usr/lib/apache2/modules")


@pytest.fixture
def real_apache(tmp_path: Path) -> Iterator[int]:
    binary = shutil.which("apache2") or shutil.which("apache2", path="/usr/sbin")
    if binary is None:
        _unavailable("apache2 is not installed (Debian package apache2)")
    if os.geteuid() != 0:
        _unavailable("needs root: the config drops privileges with 'User www-data'")
    for name in ("mpm_event", "authz_core"):
        if not (MODULES / f"mod_{name}.so").is_file():
            _unavailable(f"{MODULES}/mod_{name}.so is missing")
    (tmp_path / "run").mkdir()
    conf = tmp_path / "httpd.conf"
    # mod_unixd (User/Group) is built into Debian's apache2: loading it again is an error.
    conf.write_text(f"""\
ServerRoot "{tmp_path}"
ServerName localhost
Listen 127.0.0.1:{_free_port()}
LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
User www-data
Group www-data
PidFile "{tmp_path}/httpd.pid"
DefaultRuntimeDir "{tmp_path}/run"
ErrorLog "{tmp_path}/error.log"
StartServers 1
<Directory />
    Require all denied
</Directory>
""")
    assert binary is not None
    done = subprocess.run([binary, "-f", str(conf), "-k", "start"], capture_output=True,
                          text=True, timeout=30, check=False)
    if done.returncode != 0:
        log = tmp_path / "error.log"
        pytest.fail(f"apache2 -k start failed: {done.stdout}{done.stderr}"
                    f"{log.read_text() if log.exists() else ''}")
    pid_file = tmp_path / "httpd.pid"
    deadline = time.monotonic() + 15
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = int(pid_file.read_text().strip())
    reaper.remember(pid, f"apache {tmp_path}")
    tree = [pid]
    try:
        # Until a worker exists and has dropped privileges (a fresh fork is still root).
        while time.monotonic() < deadline and not _workers_ready(pid):
            time.sleep(0.05)
        tree += [c.pid for c in psutil.Process(pid).children()]
        yield pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        stop = time.monotonic() + 15
        while time.monotonic() < stop and any(psutil.pid_exists(p) and psutil.Process(p)
                                              .status() != psutil.STATUS_ZOMBIE for p in tree):
            time.sleep(0.05)
        for leftover in tree:
            with contextlib.suppress(ProcessLookupError, psutil.NoSuchProcess):
                if psutil.Process(leftover).status() != psutil.STATUS_ZOMBIE:
                    os.kill(leftover, signal.SIGKILL)
        reaper.forget(pid)


def _workers_ready(pid: int) -> bool:
    try:
        children = psutil.Process(pid).children()
        return bool(children) and all(c.username() == "www-data" for c in children)
    except psutil.NoSuchProcess:
        return False


def test_probe_ps_lists_a_real_apache(real_apache: int) -> None:
    result = CliRunner().invoke(main, ["ps", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {p["pid"]: p for p in json.loads(result.stdout)["processes"]}
    assert rows[real_apache]["role"] == "parent"
    assert rows[real_apache]["user"] == "root"
    workers = [p for p in rows.values() if p["ppid"] == real_apache]
    assert workers and all(p["role"] == "worker" and p["user"] == "www-data" for p in workers)

    # which configuration it runs, from its command line (apache2 -f CONF -k start)
    conf = psutil.Process(real_apache).cmdline()[2]
    assert (rows[real_apache]["config_file"], rows[real_apache]["config_source"]) == (
        conf, "-f on the command line")
    table = CliRunner().invoke(main, ["ps"])
    assert table.exit_code == 0
    assert f"pid {real_apache} runs {conf} (-f on the command line)" in table.output
    [line] = [line for line in table.output.splitlines()
              if line.split()[:1] == [str(real_apache)]]
    assert "parent" in line.split()

    # --config applies to the parent that runs that file (given as its directory too) only
    other = Path(conf).parent / "other.conf"
    other.write_text("WSGIDaemonProcess elsewhere\n")
    for given, applied in ((conf, True), (str(Path(conf).parent), True), (str(other), False)):
        done = CliRunner().invoke(main, ["ps", "--config", given, "--format", "json"])
        assert done.exit_code == 0, done.output
        rows = {p["pid"]: p for p in json.loads(done.stdout)["processes"]}
        assert rows[real_apache]["config_applied"] is applied, given


def test_daemon_groups_are_numbered_in_the_order_httpd_reads_them(tmp_path: Path) -> None:
    """mod_wsgi numbers its daemon groups (the socket, the process) in reading order: a group
    in a VirtualHost read first is number 1 even though a main-server one comes later (a
    tester's `probe ps --config` named every daemon row wrongly)."""
    from probe.apache import load_site

    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "a.conf").write_text(
        "<VirtualHost *:80>\n  ServerName a.example\n  WSGIDaemonProcess api\n"
        "</VirtualHost>\n")
    (tmp_path / "apache2.conf").write_text(
        f"IncludeOptional {tmp_path}/sites/*.conf\n"
        "<VirtualHost *:80>\n  ServerName b.example\n  WSGIDaemonProcess secure\n"
        "</VirtualHost>\n"
        "WSGIDaemonProcess shop\nWSGIDaemonProcess appgrp\n")
    site = load_site([tmp_path / "apache2.conf"])
    read = Configured((str(tmp_path / "apache2.conf"),),
                      tuple(ConfiguredGroup(d.name, None, "") for d in site.daemons))
    assert [(i, group.name) for i in range(1, 6) if (group := read.by_socket(i))] == [
        (1, "api"), (2, "secure"), (3, "shop"), (4, "appgrp")]


def test_a_front_that_loads_no_mod_wsgi_has_no_embedded_workers(tmp_path: Path) -> None:
    """Re-tester R31: ps said "(embedded) ... run embedded-mode WSGI applications" of an
    Apache front's mod_proxy workers (23412, its httpd.conf loading mod_proxy alone); only a
    configuration with LoadModule wsgi_module (or express's -D) makes a worker embedded."""
    from probe.procs_read import loads_wsgi

    front = tmp_path / "front" / "httpd.conf"
    front.parent.mkdir()
    front.write_text("LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so\n"
                     "Listen 127.0.0.1:18190\nProxyPass / http://127.0.0.1:18101/\n")
    wsgi = tmp_path / "wsgi" / "httpd.conf"
    wsgi.parent.mkdir()
    (wsgi.parent / "mods.conf").write_text(
        "LoadModule wsgi_module /usr/lib/apache2/modules/mod_wsgi.so\n")
    wsgi.write_text(f"Include {wsgi.parent}/mods.conf\nListen 127.0.0.1:18191\n")

    def apache(conf: Path) -> tuple[str, ...]:
        return ("/usr/sbin/apache2", "-f", str(conf), "-k", "start")

    found = [facts(23412, 1, cmdline=apache(front), user="root"),
             facts(26394, 23412, cmdline=apache(front)),
             facts(600, 1, cmdline=apache(wsgi), user="root"),
             facts(601, 600, cmdline=apache(wsgi)),
             facts(700, 1, cmdline=apache(tmp_path / "gone.conf"), user="root"),
             facts(701, 700, cmdline=apache(tmp_path / "gone.conf"))]
    rows = classify(found, now=NOW, loads_wsgi=loads_wsgi)
    by_pid = {r.pid: r for r in rows}
    assert [by_pid[p].wsgi_loaded for p in (26394, 601, 701)] == [False, True, None]
    text = render_table(rows, terminal=False)
    lines = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    assert "(no mod_wsgi)" in lines["26394"] and "embedded" not in lines["26394"], text
    assert "(embedded)" in lines["601"] and "(mod_wsgi?)" in lines["701"], text
    assert "(no mod_wsgi): workers of a parent whose configuration" in text
    assert by_pid[26394].as_json()["runs_application"] is False
