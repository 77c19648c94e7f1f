"""Routes that leave the plain path, swept through a real nginx 1.22 with --config and the
words checked against what nginx really did: a ``rewrite`` inside an ``if`` (the fix names
the rewrite line, and applying it makes the URL ok), ``error_page ... = @named`` (a file
missing under the root, an upstream down), and an upstream group with a ``backup`` member
(the primary answering, then down). The applications are the labelled whoami servers of
test_nginx_fidelity.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .nginx import NGINX, TOKEN, Nginx
from .test_nginx_fidelity import Apps, _run
from .test_nginx_fidelity import apps as apps  # re-exported: pytest finds the fixture here
from .test_nginx_fidelity import nginx as nginx  # re-exported, as apps

MANIFEST = """[probe]
connect = "127.0.0.1:{port}"
token_env = "WSGI_PROBE_TOKEN"
samples = 2

[instances.one]
label = "one"
urls = {one}

[instances.two]
label = "two"
urls = {two}
"""


def _sweep(tmp_path: Path, port: int, conf: Path, one: list[str],
           two: list[str]) -> dict[str, dict[str, Any]]:
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(MANIFEST.format(port=port, one=json.dumps(one), two=json.dumps(two)))
    done = subprocess.run([sys.executable, "-m", "probe", "sweep", "-m", str(manifest),
                           "--format", "json", "--config", str(conf)], capture_output=True,
                          text=True, timeout=300, check=False,
                          env={**os.environ, "WSGI_PROBE_TOKEN": TOKEN})
    assert done.returncode in (0, 1), done.stderr
    return {t["url"]: t for t in json.loads(done.stdout)["targets"]}


def _line(conf: Path, needle: str) -> int:
    lines = conf.read_text().splitlines()
    return next(n for n, text in enumerate(lines, 1) if needle in text)


def _apply(server: Nginx, old: str, new: str) -> None:
    """A fix written into the running configuration: nginx -t, then a reload."""
    text = server.conf.read_text()
    assert text.count(old) == 1, (old, text)
    server.conf.write_text(text.replace(old, new))
    done = subprocess.run([NGINX, "-t", "-p", str(server.prefix), "-c", str(server.conf)],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    os.kill(server.pid, signal.SIGHUP)
    time.sleep(2.0)  # the new workers take over; the old ones finish


REWRITE_IN_IF = """
server { listen 127.0.0.1:@P@; server_name one.test two.test;
    proxy_set_header Host $host;
    location / {
        if ($host = two.test) {
            rewrite ^/old/(.*)$ /a/$1 last;
        }
        proxy_pass http://127.0.0.1:@TWO@;
    }
    location /a/ { proxy_pass http://127.0.0.1:@ONE@; }
}
"""


def test_a_rewrite_in_an_if_is_the_line_fixed(apps: Apps, nginx: list[Nginx],
                                              tmp_path: Path) -> None:
    _, port = _run(REWRITE_IN_IF, apps, nginx, tmp_path)
    conf = nginx[0].conf
    old = "http://two.test/old/"
    found = _sweep(tmp_path, port, conf, ["http://one.test/a/"], ["http://two.test/", old])
    assert found["http://two.test/"]["verdict"] == "ok", found["http://two.test/"]
    wrong = found[old]
    assert (wrong["verdict"], wrong["cause"]) == ("wrong_instance", "wrong_upstream"), wrong
    rewrite, cond = _line(conf, "rewrite ^/old/"), _line(conf, "if ($host = two.test)")
    assert f"inside the if at {conf}:{cond}: the path matches, and if ($host = two.test) at " \
           f"{conf}:{cond} holds for this request" in wrong["explanation"], wrong["explanation"]
    assert wrong["fix"].startswith(f"At {conf}:{rewrite}, keep this URL out of that rewrite"), \
        wrong["fix"]
    passes = _line(conf, "location /a/")
    assert f"The hand-over at {conf}:{passes} serves location /a/'s own URLs and stays as it " \
           f"is." in wrong["fix"], wrong["fix"]
    _apply(nginx[0], "rewrite ^/old/(.*)$ /a/$1 last;", "")
    after = _sweep(tmp_path, port, conf, ["http://one.test/a/"], ["http://two.test/", old])
    assert (after[old]["verdict"], after[old]["observed"]["label"]) == ("ok", "two"), after[old]
    # the location the rewrite led to serves one as before (mounted at /: not this test's)
    assert after["http://one.test/a/"]["observed"]["label"] == "one"
