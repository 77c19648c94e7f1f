"""Routes that leave the plain path, swept through a real nginx 1.22 with --config and the
words checked against what nginx really did: a ``rewrite`` inside an ``if`` (the fix names
the rewrite line, and applying it makes the URL ok), ``error_page ... = @named`` (a file
missing under the root, an upstream down), and an upstream group with a ``backup`` member
(the primary answering, then down). The applications are the labelled whoami servers of
test_nginx_fidelity.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from probe.diagnose.config_reload import nginx_reload

from .apache import free_port
from .nginx import NGINX, TOKEN, Nginx
from .test_nginx_fidelity import Apps, _run
from .test_nginx_fidelity import apps as apps  # re-exported: pytest finds the fixture here
from .test_nginx_fidelity import nginx as nginx  # re-exported, as apps

MANIFEST = """[probe]
connect = "127.0.0.1:{port}"
token_env = "WSGI_PROBE_TOKEN"
samples = 2

"""
INSTANCE = """
[instances.{label}]
label = "{label}"
urls = {urls}
"""


def _sweep(tmp_path: Path, port: int, conf: Path, one: list[str],
           two: list[str]) -> dict[str, dict[str, Any]]:
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(MANIFEST.format(port=port) + "".join(
        INSTANCE.format(label=label, urls=json.dumps(urls))
        for label, urls in (("one", one), ("two", two)) if urls))
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
    server.reload()  # the new workers take over; the old ones finish


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


BACKUP = """
upstream grp {
    server @PRIMARY@;
    server @BACKUP@ backup;
}
server { listen 127.0.0.1:@P@; server_name one.test;
    proxy_set_header Host $host;
    location / { proxy_pass http://grp; }
    location /own/ { proxy_pass http://127.0.0.1:@ONE@; }
}
"""
ONE_URLS = ["http://one.test/", "http://one.test/own/"]


def test_a_live_primary_is_blamed_not_its_backup(apps: Apps, nginx: list[Nginx],
                                                 tmp_path: Path) -> None:
    """The primary (two's address) answers one's URL; the backup is one's own address and
    answered nothing: the primary's line is the fix, and the backup is what to keep."""
    two, one = f"127.0.0.1:{apps['two'].port}", f"127.0.0.1:{apps['one'].port}"
    _, port = _run(BACKUP.replace("@PRIMARY@", two).replace("@BACKUP@", one), apps, nginx,
                   tmp_path)
    conf = nginx[0].conf
    wrong = _sweep(tmp_path, port, conf, ONE_URLS, [])["http://one.test/"]
    assert (wrong["verdict"], wrong["cause"]) == ("wrong_instance", "wrong_upstream"), wrong
    assert wrong["observed"]["label"] == "two"
    primary, backup = _line(conf, f"server {two};"), _line(conf, f"server {one} backup;")
    text = wrong["explanation"]
    assert f"The answering server.listen {two} is a member of upstream grp: 'server {two}' " \
           f"at {conf}:{primary}; {one} ({conf}:{backup}) is backup only: nginx uses it when " \
           f"the primary servers fail, and one answers its own URL http://one.test/own/ " \
           f"there" in text, text
    assert "a backup of upstream" not in text and "did not answer this request" not in text
    assert wrong["fix"] == (f"At {conf}:{primary}, remove 'server {two}' (two's address) from "
                            f"upstream grp, and at {conf}:{backup} drop 'backup' from 'server "
                            f"{one}' so that nginx sends one's requests there. "
                            f"{nginx_reload(str(conf))}"), wrong["fix"]
    _apply(nginx[0], f"    server {two};\n    server {one} backup;", f"    server {one};")
    after = _sweep(tmp_path, port, conf, ONE_URLS, [])["http://one.test/"]
    assert (after["verdict"], after["observed"]["label"]) == ("ok", "one"), after


def test_a_backup_answering_for_a_dead_primary_points_at_the_primary(
        apps: Apps, nginx: list[Nginx], tmp_path: Path) -> None:
    """Nothing listens at the primary: nginx's error log says so, the backup (two's
    address) answered; the fix is the primary's address, and the backup stays."""
    dead, two = f"127.0.0.1:{free_port()}", f"127.0.0.1:{apps['two'].port}"
    one = f"127.0.0.1:{apps['one'].port}"
    _, port = _run(BACKUP.replace("@PRIMARY@", dead).replace("@BACKUP@", two), apps, nginx,
                   tmp_path)
    conf = nginx[0].conf
    wrong = _sweep(tmp_path, port, conf, ONE_URLS, [])["http://one.test/"]
    assert (wrong["verdict"], wrong["cause"]) == ("wrong_instance", "wrong_upstream"), wrong
    assert wrong["observed"]["label"] == "two"
    primary, backup = _line(conf, f"server {dead};"), _line(conf, f"server {two} backup;")
    assert f"The answering server.listen {two} is 'server {two}' at {conf}:{backup}, a backup " \
           f"of upstream grp: nginx sends a request there only when the primary servers " \
           f"fail, so 'server {dead}' ({conf}:{primary}) did not answer this request" \
        in wrong["explanation"], wrong["explanation"]
    fix = wrong["fix"]
    assert fix.startswith(f"Make the primary of upstream grp answer: start one's application "
                          f"server on 'server {dead}' ({conf}:{primary}), or correct that "
                          f"address to where one listens (one answers its own URL "
                          f"http://one.test/own/ on server.listen '{one}')"), fix
    # what the words send the reader to read is there: nginx's own error log line
    assert "connect() failed (111: Connection refused) while connecting to upstream" in \
        nginx[0].error_log() and f'upstream: "http://{dead}/' in nginx[0].error_log()
    assert "'(111: Connection refused)'" in fix
    _apply(nginx[0], f"server {dead};", f"server {one};")
    after = _sweep(tmp_path, port, conf, ONE_URLS, [])["http://one.test/"]
    assert (after["verdict"], after["observed"]["label"]) == ("ok", "one"), after


FALLBACK = """
server { listen 127.0.0.1:@P@; server_name one.test;
    proxy_set_header Host $host;
    location / {
        proxy_pass http://@PRIMARY@;
        error_page 502 503 = @fallback;
    }
    location @fallback { proxy_pass http://127.0.0.1:@TWO@; }
    location /own/ { proxy_pass http://127.0.0.1:@ONE@; }
}
"""


def test_an_error_page_fallback_answering_for_a_dead_hand_over(
        apps: Apps, nginx: list[Nginx], tmp_path: Path) -> None:
    """Nothing listens at the proxy_pass: nginx's 502 goes to @fallback (two), which
    answers. The configuration does send it there: the error_page line is named, not a
    reload, and the fix is the hand-over that failed."""
    dead, one = f"127.0.0.1:{free_port()}", f"127.0.0.1:{apps['one'].port}"
    two = f"127.0.0.1:{apps['two'].port}"
    _, port = _run(FALLBACK.replace("@PRIMARY@", dead), apps, nginx, tmp_path)
    conf = nginx[0].conf
    wrong = _sweep(tmp_path, port, conf, ONE_URLS, [])["http://one.test/"]
    assert (wrong["verdict"], wrong["observed"]["label"]) == ("wrong_instance", "two"), wrong
    text, fix = wrong["explanation"], wrong["fix"]
    assert "not running this configuration" not in text, text
    page, named = _line(conf, "error_page 502 503"), _line(conf, "location @fallback")
    passes = _line(conf, f"proxy_pass http://{dead};")
    assert f"The answering server.listen {two} is where error_page 502 503 = @fallback at " \
           f"{conf}:{page} sends the request: location @fallback ({conf}:{named}) passes to " \
           f"{two}. nginx goes there only when the hand-over at {conf}:{passes} ({dead}) " \
           f"fails with one of those codes" in text, text
    assert fix.startswith(f"Make the hand-over at {conf}:{passes} answer: start one's "
                          f"application server on {dead}, or correct that address to where "
                          f"one listens (one answers its own URL http://one.test/own/ on "
                          f"server.listen '{one}')"), fix
    assert "connect() failed (111: Connection refused) while connecting to upstream" in \
        nginx[0].error_log()
    _apply(nginx[0], f"proxy_pass http://{dead};", f"proxy_pass http://{one};")
    after = _sweep(tmp_path, port, conf, ONE_URLS, [])["http://one.test/"]
    assert (after["verdict"], after["observed"]["label"]) == ("ok", "one"), after
