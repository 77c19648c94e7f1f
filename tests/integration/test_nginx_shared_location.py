"""T34's d-locations with a real nginx 1.22 and two gunicorns: one ``location ~
^/(?<app>shop|blog)`` strips the prefix with ``rewrite ... break`` and passes each to its own
unix socket, under the server level's ``proxy_set_header Host $host;``. The fix printed for
shop is applied as written (its gunicorn way: the rewrite at its line removed, one
``proxy_set_header SCRIPT_NAME /$app;``, the server level's Host line copied in at the line
named), nginx -t passes, nginx reloads, and both URLs sweep ok with their Host kept. The
words on the tester's own answers: tests/nginx/test_t34_shared_location.py."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import requests

from .apache import free_port
from .endpoint_sites import app_servers
from .nginx import NGINX, TOKEN, WHOAMI, Nginx, start_kept, sweep_report
from .wsgi_servers import make_workdir

HOST = "portal.example.test"
BODY = """server {{ listen 127.0.0.1:{port} default_server; return 444; }}
server {{
    listen 127.0.0.1:{port};
    server_name {host};
    proxy_set_header Host $host;
    location ~ ^/(?<app>shop|blog) {{
        rewrite ^/[^/]+/(.*)$ /$1 break;
        proxy_pass http://unix:{run}/$app.sock;
    }}
}}
"""


def _manifest(path: Path, port: int) -> Path:
    path.write_text(f'[probe]\nconnect = "127.0.0.1:{port}"\ntoken_env = "WSGI_PROBE_TOKEN"\n'
                    f'samples = 2\n' + "".join(
                        f'\n[instances.{name}]\nlabel = "{name}"\nurls = ["http://{HOST}/{name}/"]\n'
                        for name in ("shop", "blog")))
    return path


def _targets(manifest: Path, conf: Path) -> dict[str, dict[str, Any]]:
    return {t["url"]: t for t in sweep_report(manifest, "--config", str(conf))["targets"]}


def _apply(conf: Path, fix: str) -> None:
    """The gunicorn way of the fix, as written: the rewrite at its line removed, the
    SCRIPT_NAME line and every line named to copy written into the location."""
    removed = re.search(r"with the rewrite at (\S+):(\d+) removed", fix)
    header = re.search(r"'(proxy_set_header SCRIPT_NAME [^']+;)'", fix)
    copied = re.findall(r"'(proxy_set_header [^']+;)' \((\S+):(\d+)\)", fix)
    assert removed is not None and header is not None and copied, fix
    assert removed.group(1) == str(conf), fix
    lines = conf.read_text().splitlines()
    for _, file, line in copied:  # the lines named are the ones there
        assert file == str(conf) and "proxy_set_header" in lines[int(line) - 1], (fix, line)
    at = int(removed.group(2)) - 1
    assert lines[at].strip().startswith("rewrite "), lines[at]
    lines[at:at + 1] = [f"        {header.group(1)}"] + [f"        {text}" for text, _, _ in copied]
    conf.write_text("\n".join(lines) + "\n")


def test_the_printed_fix_for_a_shared_location_applied_sweeps_ok(tmp_path: Path) -> None:
    run = make_workdir()
    running: list[Nginx] = []
    try:
        with app_servers() as servers:
            for name in ("shop", "blog"):
                appdir = servers.workdir / name
                appdir.mkdir()
                shutil.copy(Path(__file__).resolve().parents[2] / "contrib" /
                            "wsgi_endpoint.py", appdir)
                (appdir / "whoami.py").write_text(WHOAMI.format(label=name, token=TOKEN))
                port = free_port()
                servers.start(f"gunicorn-{name}", [
                    str(servers.venv / "bin/gunicorn"), "--bind", f"127.0.0.1:{port}",
                    "--bind", f"unix:{run}/{name}.sock", "--workers", "1", "whoami:application"],
                    appdir, port=port, token=TOKEN)
            port = free_port()
            nginx = start_kept(BODY.format(port=port, host=HOST, run=run), port, running,
                               tmp_path)
            manifest = _manifest(tmp_path / "manifest.toml", port)
            before = _targets(manifest, nginx.conf)
            shop, blog = (before[f"http://{HOST}/{n}/"] for n in ("shop", "blog"))
            assert shop["verdict"] == blog["verdict"] == "mount_mismatch", before
            for target in (shop, blog):
                assert "'proxy_set_header X-Forwarded-Prefix /$app;'" in target["fix"], target
                assert "X-Forwarded-Prefix /shop;" not in target["fix"], target["fix"]
                assert "X-Forwarded-Prefix /blog;" not in target["fix"], target["fix"]
            _apply(nginx.conf, shop["fix"])
            checked = subprocess.run([NGINX, "-t", "-p", str(nginx.prefix), "-c",
                                      str(nginx.conf)], capture_output=True, text=True,
                                     timeout=60, check=False)
            assert checked.returncode == 0, checked.stderr
            nginx.reload()
            after = _targets(manifest, nginx.conf)
            assert {t["verdict"] for t in after.values()} == {"ok"}, after
            seen = requests.get(f"http://127.0.0.1:{port}/blog/__probe__", timeout=10,
                                headers={"Host": HOST, "X-Probe-Token": TOKEN}).json()
            assert seen["request"]["host"] == HOST, seen["request"]
            assert seen["request"]["script_name"] == "/blog", seen["request"]
    finally:
        for each in running:
            each.stop()
        subprocess.run(["rm", "-rf", str(run)], check=False, timeout=60)
