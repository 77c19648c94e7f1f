"""Real Apache + mod_wsgi, embedded mode: a deploy, then ``touch wsgi.py`` (the daemon-mode
habit). mod_wsgi runs the changed script again inside the same Apache child ("Reloading WSGI
script ... in embedded mode"): ``wrap()`` runs again, so ``code.version`` is the new one and
``started_at`` after the deploy, while the module the script imported the first time stays
the old one (a tester's sweep said ok there, probe check OK). The endpoint's
``code.script_loads`` and ``code.first_loaded_at`` decide it: ``stale`` (cause
``stale_code``) with the restart of this Apache as its fix, never a touch of the script;
after that restart, ``ok``.

One Apache child (``ServerLimit 1``), so that every request reaches the process that loaded
the script before the deploy.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from probe.install_block import render_block

from .apache import ENDPOINT_SRC, ApacheServer
from .conftest import ApacheFactory
from .test_scenarios import sweep

pytestmark = pytest.mark.apache

HOST = "reload.example.org"

CONFIG = """\
StartServers 1
ServerLimit 1
ThreadsPerChild 4
MaxRequestWorkers 4
MinSpareThreads 1
MaxSpareThreads 4
<VirtualHost 127.0.0.1:@PORT@>
    ServerName reload.example.org
    WSGIScriptAlias / @SITES@/reload/wsgi.py application-group=%{GLOBAL}
</VirtualHost>
"""

SCRIPT = (
    "import os\nimport sys\n\n"
    "HERE = os.path.dirname(os.path.abspath(__file__))\n"
    "if HERE not in sys.path:\n    sys.path.insert(0, HERE)\n\n"
    "import reload_views  # noqa: E402 - once per process, as a project's modules\n\n\n"
    "def application(environ, start_response):\n"
    "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
    "    return [reload_views.VERSION.encode() + b'\\n']\n\n\n"
) + render_block("reload").decode("ascii")

FILES = {
    "reload/wsgi.py": SCRIPT,
    "reload/wsgi_endpoint.py": ENDPOINT_SRC.read_text(encoding="utf-8"),
    "reload/reload_views.py": 'VERSION = "view-r1"\n',
    "reload/REVISION": "r1\n",
}


def manifest(server: ApacheServer, deployed: str) -> Path:
    path = server.server_root / "manifest.toml"
    path.write_text(f'[probe]\nsamples = 4\n\n[instances.reload]\nlabel = "reload"\n'
                    f'code_version = "r2"\nrestarted_after = "{deployed}"\n'
                    f'urls = ["http://{HOST}/"]\n', encoding="utf-8")
    return path


def views(server: ApacheServer) -> set[str]:
    return {server.get("/", HOST).text.strip() for _ in range(6)}


def judged(server: ApacheServer, path: Path, deployed: str) -> dict[str, Any]:
    _status, report, context = sweep(server, path, "--restarted-after", deployed)
    [target] = report["targets"]
    target["context"] = context
    return dict(target)


def test_a_touched_script_in_embedded_mode_is_stale_until_apache_restarts(
        apache: ApacheFactory) -> None:
    server = apache(CONFIG, files=FILES)
    assert views(server) == {"view-r1"}  # the child loaded the script: r1 imported

    time.sleep(1.1)  # the deploy after the load, to the millisecond stamps' eye
    deployed = datetime.now(UTC).isoformat(timespec="milliseconds")
    site = server.sites / "reload"
    (site / "REVISION").write_text("r2\n", encoding="utf-8")
    (site / "reload_views.py").write_text('VERSION = "view-r2"\n', encoding="utf-8")
    (site / "wsgi.py").touch()

    # What mod_wsgi did: the script again, in the same child, with the old module.
    assert views(server) == {"view-r1"}
    assert "Reloading WSGI script" in server.error_log()
    path = manifest(server, deployed)
    target = judged(server, path, deployed)
    context = target["context"]
    answer = target["observed"]
    assert answer["code"]["version"] == "r2" and answer["started_at"] > deployed, context
    assert answer["code"]["script_loads"] >= 2, context  # kept on sys across the re-run
    assert answer["code"]["first_loaded_at"] < deployed < answer["started_at"], context
    assert answer["process_started_at"] < answer["code"]["first_loaded_at"], context

    assert (target["verdict"], target["cause"]) == ("stale", "stale_code"), context
    assert f"code.script_loads {answer['code']['script_loads']}" in target["explanation"]
    assert f"code.first_loaded_at {answer['code']['first_loaded_at']}" in \
        target["explanation"]
    # Never the daemon-mode fix (touch the script): that is what left the old modules.
    assert target["fix"].startswith("Restart Apache, not the script"), target["fix"]
    assert "touch its WSGI script" not in target["fix"], target["fix"]
    ppid = answer["ppid"]
    assert f"ps -ww -o args= -p {ppid}" in target["fix"], target["fix"]
    # The printed fix, followed as a user would: its one line, run by a shell (it reads this
    # Apache's command line from ps and puts '-k graceful' in place of its '-k start'; tester
    # R23 appended it as worded before, "-k start -k graceful", and apache2 refused it).
    line = re.search(r"in one line: '(.+?)'; where it shows no -f", target["fix"])
    assert line is not None, target["fix"]
    assert f"ps -ww -o args= -p {ppid}" in line.group(1), line.group(1)
    shown = subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(ppid)], capture_output=True,
                           text=True, check=True).stdout
    assert f"-f {server.conf_path} -k start" in shown, shown  # an Apache of its own, as R23's
    done = subprocess.run(["sh", "-c", line.group(1)], capture_output=True, text=True,
                          timeout=30, check=False, env={"LANG": "C", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, (line.group(1), shown, done.stdout, done.stderr)
    deadline = time.monotonic() + 30
    while views(server) != {"view-r2"} and time.monotonic() < deadline:
        time.sleep(0.5)
    assert views(server) == {"view-r2"}

    after = judged(server, path, deployed)
    assert (after["verdict"], after["cause"]) == ("ok", None), after["context"]
    assert after["observed"]["code"]["script_loads"] == 1, json.dumps(after["observed"])
