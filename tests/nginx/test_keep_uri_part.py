"""Re-tester R28's sub-URL mounts behind nginx 1.22 and gunicorn 27 (cases
m4-swapped and m5-missing-app2: the answers' fields as out-*-sweep*.json hold them).

* m4, app1's and app2's ports swapped: the wrong_upstream fix at ``proxy_pass
  http://127.0.0.1:38101/;`` printed 'proxy_pass http://127.0.0.1:38102;', dropping the URI
  part: applied, /app2/ went mount_mismatch and its real page 404'd; with the '/' kept
  (nginx.conf.keepuri) every URL was ok. The line keeps its URI part; unread, the fix says
  to keep it. Lint's ``nginx_mount_not_told`` about the old address is not quoted there.
* after that literal fix (m4) and after m5's added location: app2's answers show
  ``request.force_script_name = '/app2'`` with SCRIPT_NAME '' and the whole path: the fix
  leaves FORCE_SCRIPT_NAME and gives the location's proxy_pass the URI part '/'.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from probe.diagnose import diagnose
from probe.front_config import load_front
from probe.manifest import parse
from probe.model import EvidenceKind, Observation, TargetResult, Verdict
from tests.nginx.sub_mounts import H, sub_mount_manifest, through_nginx

APP1, APP2, ROOT = "127.0.0.1:38101", "127.0.0.1:38102", "127.0.0.1:38103"
MANIFEST = sub_mount_manifest()
# m4-swapped/nginx.conf.before as R28 ran it: proxy_pass at :18 and :24
M4 = """error_log error.log info;
worker_processes 1;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path tmp-body;
    proxy_temp_path tmp-proxy;
    uwsgi_temp_path tmp-uwsgi;
    fastcgi_temp_path tmp-fastcgi;
    scgi_temp_path tmp-scgi;

    server {
        listen 127.0.0.1:38180;
        server_name sub.example.test;

        # gunicorn: whole path kept, SCRIPT_NAME header (gunicorn strips it from PATH_INFO)
        location /app1/ {
            proxy_pass http://127.0.0.1:38102;
            proxy_set_header Host $host;
            proxy_set_header SCRIPT_NAME /app1;
        }
        # albertoconnor.ca style: prefix stripped by the URI part, Django told by FORCE_SCRIPT_NAME
        location /app2/ {
            proxy_pass http://127.0.0.1:38101/;
            proxy_set_header Host $host;
        }
        location / {
            proxy_pass http://127.0.0.1:38103;
            proxy_set_header Host $host;
        }
    }
}
"""
# what every URL was ok with (m4-swapped/nginx.conf.keepuri)
KEEP_URI = M4.replace("38102;", "38101;", 1).replace("38101/;", "38102/;")
# the m4 fix as printed before (nginx.conf.literal-fix)
LITERAL = M4.replace("38102;", "38101;", 1).replace("38101/;", "38102;")
# m5-missing-app2/nginx.conf.fix1: the location added, without the URI part
M5_FIX1 = re.sub(r"        # albertoconnor[^\n]*\n        location /app2/ \{[^}]*\}\n",
                 "        location /app2/ { proxy_pass http://127.0.0.1:38102; "
                 "proxy_set_header Host $host; }\n", M4.replace("38102;", "38101;", 1))


def _real(label: str, pid: int, listen: str, script_name: str, path_info: str,
          force: str | None) -> dict[str, Any]:
    """An answer as R28's gunicorn 27 + Django 5.2 endpoints gave it (out-*-sweep*.json)."""
    return {
        "schema": 1, "label": label, "instance_id": f"{label}-{pid}", "pid": pid,
        "ppid": pid - 3, "process_group": None, "application_group": None,
        "settings_module": {"environ": "mysite.settings", "loaded": "mysite.settings",
                            "file": f"/tmp/r28-sites/{label}/mysite/mysite/settings.py"},
        "request": {"host": "sub.example.test", "server_name": "127.0.0.1",
                    "server_port": listen.rpartition(":")[2], "scheme": "http",
                    "script_name": script_name, "path_info": path_info,
                    "request_uri": None, "script_url": None, "forwarded_host": None,
                    "host_allowed": True, "forwarded_prefix": None,
                    "force_script_name": force, "forwarded_proto": None,
                    "is_secure": False},
        "script_file": None,
        "server": {"software": "gunicorn/27.0.1", "mod_wsgi_version": None,
                   "multithread": False, "multiprocess": False, "worker_id": None,
                   "uwsgi": None, "listen": listen, "hostname": "vm"},
        "python": {"version": "3.11.2", "implementation": "cpython",
                   "django_version": "5.2.20"},
        "started_at": "2026-12-07T15:55:33.327+00:00", "uptime_s": 12.4, "hits": 30,
    }


def _seen(url: str, expected: str, data: dict[str, Any]) -> Observation:
    return through_nginx(url, expected, data, "127.0.0.1:38180")


def _app1(path: str, script: str = "/app1") -> dict[str, Any]:
    return _real("app1", 13030, APP1, script, path, None)


def _app2(path: str, script: str = "") -> dict[str, Any]:
    return _real("app2", 13038, APP2, script, path, "/app2")


def _root(path: str) -> dict[str, Any]:
    return _real("root", 13052, ROOT, "", path, None)


def _swapped() -> list[Observation]:
    """m4 before: app2 behind location /app1/ (SCRIPT_NAME header), app1 behind /app2/
    (prefix stripped)."""
    return [_seen(f"{H}/app1/", "app1", _app2("/__probe__", "/app1")),
            _seen(f"{H}/app1/hello/", "app1", _app2("/hello/__probe__", "/app1")),
            _seen(f"{H}/app2/", "app2", _app1("/__probe__", "")),
            _seen(f"{H}/app2/hello/", "app2", _app1("/hello/__probe__", "")),
            _seen(f"{H}/", "root", _root("/__probe__")),
            _seen(f"{H}/hello/", "root", _root("/hello/__probe__"))]


def _whole_path() -> list[Observation]:
    """After the literal m4 fix, and after m5's fix1: app2 receives the whole path."""
    return [_seen(f"{H}/app1/", "app1", _app1("/__probe__")),
            _seen(f"{H}/app1/hello/", "app1", _app1("/hello/__probe__")),
            _seen(f"{H}/app2/", "app2", _app2("/app2/__probe__")),
            _seen(f"{H}/app2/hello/", "app2", _app2("/app2/hello/__probe__")),
            _seen(f"{H}/", "root", _root("/__probe__")),
            _seen(f"{H}/hello/", "root", _root("/hello/__probe__"))]


def _results(answers: list[Observation], conf: Path | None) -> dict[str, TargetResult]:
    config = load_front(str(conf), {}) if conf is not None else None
    report = diagnose(parse(MANIFEST), answers, config=config)
    return {t.url: t for t in report.targets}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "nginx.conf"
    path.write_text(text)
    return path


def _apply(conf: Path, fixes: list[str]) -> str:
    """Each printed "At FILE:LINE, pass to 'LINE;'" applied as written: the line replaced,
    its indentation kept."""
    lines = conf.read_text().splitlines()
    for fix in fixes:
        found = re.match(rf"At {re.escape(str(conf))}:(\d+), pass to '([^']+)'", fix)
        assert found is not None, fix
        number, written = int(found.group(1)), found.group(2)
        old = lines[number - 1]
        lines[number - 1] = old[:len(old) - len(old.lstrip())] + written
    return "\n".join(lines) + "\n"


def test_m4_the_repointed_line_keeps_its_uri_part(tmp_path: Path) -> None:
    conf = _write(tmp_path, M4)
    found = _results(_swapped(), conf)
    app1, app2 = found[f"{H}/app1/"], found[f"{H}/app2/"]
    assert app2.fix.startswith(f"At {conf}:24, pass to 'proxy_pass http://{APP2}/;'"), app2.fix
    assert "the line's URI part '/' kept" in app2.fix, app2.fix
    # :18 has no URI part: nothing added, nothing said
    assert app1.fix.startswith(f"At {conf}:18, pass to 'proxy_pass http://{APP1};'"), app1.fix
    assert "URI part" not in app1.fix, app1.fix
    # applied as printed, the configuration is the one every URL was ok with
    assert _apply(conf, [app1.fix, app2.fix]) == KEEP_URI


def test_m4_lint_about_the_old_address_is_not_quoted_at_the_line_rewritten(
        tmp_path: Path) -> None:
    conf = _write(tmp_path, M4)
    app2 = _results(_swapped(), conf)[f"{H}/app2/hello/"]
    assert "nginx_mount_not_told" not in app2.fix and APP1 + "/" not in app2.fix, app2.fix


def test_m4_without_the_configuration_the_uri_part_is_told_to_stay() -> None:
    app2 = _results(_swapped(), None)[f"{H}/app2/"]
    assert f"point its proxy_pass at 'proxy_pass http://{APP2};'" in app2.fix, app2.fix
    assert "on that line change only the address and keep what follows it (its URI part" \
        in app2.fix, app2.fix


def test_a_forced_mount_with_the_whole_path_is_the_prefix_arriving(tmp_path: Path) -> None:
    for text, location, line in ((LITERAL, 23, 24), (M5_FIX1, 22, 22)):
        conf = _write(tmp_path, text)
        found = _results(_whole_path(), conf)
        for url in (f"{H}/app2/", f"{H}/app2/hello/"):
            app2 = found[url]
            assert app2.verdict is Verdict.MOUNT_MISMATCH, (app2.verdict, app2.explanation)
            assert "set FORCE_SCRIPT_NAME" not in app2.fix, app2.fix
            assert "(request.force_script_name = '/app2')" in app2.fix, app2.fix
            assert (f"in the nginx 'location /app2/' ({conf}:{location}), write 'proxy_pass "
                    f"http://{APP2}/;' in place of 'proxy_pass http://{APP2};' "
                    f"({conf}:{line})") in app2.fix, app2.fix
            assert ("observed", "request.force_script_name = '/app2'") in [
                (e.kind.value, e.claim) for e in app2.evidence], app2.evidence
        ok = [u for u, t in found.items() if t.verdict is Verdict.OK]
        assert len(ok) == 4, ok
    # applied, it is the configuration every URL was ok with
    conf = _write(tmp_path, LITERAL)
    assert conf.read_text().replace(f"proxy_pass http://{APP2};", f"proxy_pass http://{APP2}/;") \
        == KEEP_URI


def test_a_forced_mount_unread_says_the_setting_stays() -> None:
    app2 = _results(_whole_path(), None)[f"{H}/app2/"]
    assert app2.fix.startswith("Leave FORCE_SCRIPT_NAME as it is: the answer shows it set to "
                               "the mount (request.force_script_name = '/app2')"), app2.fix
    assert "set FORCE_SCRIPT_NAME" not in app2.fix, app2.fix
    assert "let proxy_pass strip the prefix (a URI part such as '/')" in app2.fix, app2.fix
    kinds = {e.claim: e.kind for e in app2.evidence}
    assert kinds.get("request.force_script_name = '/app2'") is EvidenceKind.OBSERVED, kinds
