"""Real Apache + mod_wsgi, daemon mode: two projects both made with ``startproject mysite``
(settings ``mysite.settings`` in both), and same-2's ``python-path=`` naming same-1's
directory (a copy-paste; tester T26's case d2). same-2's daemon imports same-1's
mysite/settings.py: its host is rejected by same-1's ALLOWED_HOSTS, and a sweep said
``host_rejected`` "served by the right application" with a fix that changed nothing. The
endpoint's ``settings_module.file`` names the file; the sweep with ``--config`` says
``settings_path`` and prints the python-path= to write; written, Apache restarted by its own
control, the sweep says ``ok``. And the rename fix applied alone (re-tester R26): the alias
left naming the moved wsgi.py, a 404 (WSGI0135) said at its line, not as a VirtualHost's name.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from probe.install_block import render_block

from .apache import ENDPOINT_SRC, ApacheServer, apache_binary
from .conftest import ApacheFactory
from .test_scenarios import sweep

pytestmark = pytest.mark.apache

CONFIG = """\
WSGIDaemonProcess same-1 processes=1 threads=2 python-path=@SITES@/same-1
WSGIDaemonProcess same-2 processes=1 threads=2 python-path=@SITES@/same-1
<VirtualHost 127.0.0.1:@PORT@>
    ServerName one.example.org
    WSGIScriptAlias / @SITES@/same-1/mysite/wsgi.py process-group=same-1 application-group=%{GLOBAL}
</VirtualHost>
<VirtualHost 127.0.0.1:@PORT@>
    ServerName two.example.org
    WSGIScriptAlias / @SITES@/same-2/mysite/wsgi.py process-group=same-2 application-group=%{GLOBAL}
</VirtualHost>
"""


def project(name: str, host: str) -> dict[str, str]:
    """``startproject mysite``'s shape: the script assigns mysite.settings, no sys.path edit."""
    script = ("import os\n\nos.environ['DJANGO_SETTINGS_MODULE'] = 'mysite.settings'\n\n"
              "from django.core.wsgi import get_wsgi_application  # noqa: E402\n\n"
              "application = get_wsgi_application()\n\n\n") + \
        render_block(name).decode("ascii")
    return {
        f"{name}/mysite/__init__.py": "",
        f"{name}/mysite/settings.py": (
            f"SECRET_KEY = 'not-a-secret-{name}'\nDEBUG = False\nALLOWED_HOSTS = [{host!r}]\n"
            "ROOT_URLCONF = 'mysite.urls'\nDATABASES = {}\nINSTALLED_APPS = []\n"
            "MIDDLEWARE = []\nUSE_TZ = True\n"),
        f"{name}/mysite/urls.py": "urlpatterns = []\n",
        f"{name}/mysite/wsgi.py": script,
        f"{name}/mysite/wsgi_endpoint.py": ENDPOINT_SRC.read_text(encoding="utf-8"),
    }


def manifest(server: ApacheServer) -> Path:
    path = server.server_root / "manifest.toml"
    path.write_text(
        '[probe]\nsamples = 2\n\n'
        '[instances.same-1]\nlabel = "same-1"\nsettings = "mysite.settings"\n'
        'urls = ["http://one.example.org/"]\n\n'
        '[instances.same-2]\nlabel = "same-2"\nsettings = "mysite.settings"\n'
        'urls = ["http://two.example.org/"]\n', encoding="utf-8")
    return path


def judged(server: ApacheServer, path: Path) -> dict[str, dict[str, Any]]:
    _status, report, context = sweep(server, path, "--config", str(server.conf_path))
    return {t["url"]: dict(t, context=context) for t in report["targets"]}


def test_another_projects_settings_file_then_the_printed_python_path(
        apache: ApacheFactory) -> None:
    server = apache(CONFIG, files={**project("same-1", "one.example.org"),
                                   **project("same-2", "two.example.org")})
    path = manifest(server)
    targets = judged(server, path)
    mine = targets["http://one.example.org/"]
    assert (mine["verdict"], mine["cause"]) == ("ok", None), mine["context"]
    two = targets["http://two.example.org/"]
    context = two["context"]
    sites = server.sites
    assert two["observed"]["settings_module"]["file"] == \
        f"{sites}/same-1/mysite/settings.py", context
    assert (two["verdict"], two["cause"]) == ("settings_mismatch", "settings_path"), context
    assert "served by the right application" not in two["explanation"]
    assert "by the ALLOWED_HOSTS of that file, same-1's" in two["explanation"], context
    conf = server.conf_path.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(conf, 1) if text.startswith(
        "WSGIDaemonProcess same-2"))
    wanted = f"python-path={sites}/same-2:{sites}/same-1"
    assert f"python-path={sites}/same-1 of WSGIDaemonProcess same-2 at " \
           f"{server.conf_path}:{line} ({wanted})" in two["fix"], two["fix"]

    # The printed fix, followed: the line, then this Apache's own graceful restart.
    printed = re.search(r"\((python-path=\S+)\)", two["fix"])
    assert printed is not None and printed.group(1) == wanted
    conf[line - 1] = conf[line - 1].replace(f"python-path={sites}/same-1", printed.group(1))
    server.conf_path.write_text("\n".join(conf) + "\n", encoding="utf-8")
    ppid = two["observed"]["ppid"]
    assert f"'ps -ww -o args= -p {ppid}'" in two["fix"], two["fix"]
    shown = subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(ppid)], capture_output=True,
                           text=True, check=True).stdout
    started = re.search(r"-f\s+(\S+)", shown)
    assert started is not None and started.group(1) == str(server.conf_path), shown
    binary = apache_binary()
    assert binary is not None
    subprocess.run([str(binary), "-f", started.group(1), "-k", "graceful"], check=True,
                   capture_output=True, timeout=30, env={"LANG": "C", "PATH": "/usr/bin:/bin"})
    deadline = time.monotonic() + 30
    while server.get("/", "two.example.org").status_code != 404 and \
            time.monotonic() < deadline:  # 400 (DisallowedHost) until its own settings load
        time.sleep(0.5)
    after = judged(server, path)["http://two.example.org/"]
    assert (after["verdict"], after["cause"]) == ("ok", None), after["context"]
    assert after["observed"]["settings_module"]["file"] == \
        f"{sites}/same-2/mysite/settings.py", after["context"]


def test_a_renamed_package_whose_alias_was_left_then_the_printed_alias(
        apache: ApacheFactory) -> None:
    """Re-tester R26 renamed project-2's 'mysite' (the rename fix applied alone): its
    WSGIScriptAlias named a missing wsgi.py, mod_wsgi answered 404 (WSGI0135), and the sweep
    said "Check which VirtualHost takes" the name. With --config: the missing file at its
    alias line, WSGI0135 the check, no candidate; the printed alias, written and Apache
    restarted by its own control, reaches the script (its endpoint answers from it)."""
    server = apache(CONFIG, files={**project("same-1", "one.example.org"),
                                   **project("same-2", "two.example.org")})
    path = manifest(server)
    sites = server.sites
    (sites / "same-2" / "mysite").rename(sites / "same-2" / "mysite2")
    two = judged(server, path)["http://two.example.org/"]
    context = two["context"]
    assert (two["verdict"], two["cause"], two["candidates"]) == ("no_endpoint", None, []), \
        context
    assert "WSGI0135: Target WSGI script not found" in server.error_log(), context
    conf = server.conf_path.read_text(encoding="utf-8").splitlines()
    old = f"{sites}/same-2/mysite/wsgi.py"
    line = next(n for n, text in enumerate(conf, 1) if old in text)
    at = f"{server.conf_path}:{line}"
    assert f"routes / to {old} (WSGIScriptAlias /, {at}), and that file does not exist" \
        in two["explanation"], context
    assert two["fix"].startswith(f"Point WSGIScriptAlias / at {at} at same-2's WSGI script "
                                 f"where it is now"), context
    assert "'WSGI0135: Target WSGI script not found or unable to stat'" in two["fix"]
    assert "Check which VirtualHost" not in two["fix"], context

    # The printed fix, followed: the alias at the script where it is, this Apache restarted.
    new = f"{sites}/same-2/mysite2/wsgi.py"
    conf[line - 1] = conf[line - 1].replace(old, new)
    server.conf_path.write_text("\n".join(conf) + "\n", encoding="utf-8")
    ppid = re.search(r"'ps -ww -o args= -p (\d+)'", two["fix"])
    assert ppid is not None, two["fix"]
    shown = subprocess.run(["ps", "-ww", "-o", "args=", "-p", ppid.group(1)],
                           capture_output=True, text=True, check=True).stdout
    started = re.search(r"-f\s+(\S+)", shown)
    assert started is not None and started.group(1) == str(server.conf_path), shown
    binary = apache_binary()
    assert binary is not None
    subprocess.run([str(binary), "-f", started.group(1), "-k", "graceful"], check=True,
                   capture_output=True, timeout=30, env={"LANG": "C", "PATH": "/usr/bin:/bin"})
    deadline = time.monotonic() + 30
    while server.get("/", "two.example.org").status_code == 404 and \
            time.monotonic() < deadline:  # WSGI0135 until the restart's children read it
        time.sleep(0.5)
    after = judged(server, path)["http://two.example.org/"]
    assert after["verdict"] != "no_endpoint", after["context"]
    assert after["observed"]["script_file"] == new, after["context"]
