"""``nginx_include_unread`` for an absolute path that is not on this machine (the lint
tester's n10: ``include /etc/nginx/uswgi_params;``): where it is missing nginx refuses to
start, in nginx -t's own words (checked against real nginx where installed), and a name one
typo away from nginx's own ``uwsgi_params`` is named."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from probe.lint import lint_nginx

SITE = """server {{
    listen 127.0.0.1:18931;
    location / {{
        uwsgi_pass 127.0.0.1:9;
        include {include};
    }}
}}
"""


def _note(tmp_path: Path, include: str) -> tuple[str, str]:
    site = tmp_path / "site.conf"
    site.write_text(SITE.format(include=include))
    [f] = [f for f in lint_nginx(str(site)).findings if f.code == "nginx_include_unread"]
    return f.message, f.fix or ""


def test_a_missing_absolute_include_stops_nginx_and_a_typo_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nginx" / "uswgi_params"
    message, fix = _note(tmp_path, str(missing))
    refusal = f'open() "{missing}" failed (2: No such file or directory)'
    assert message.endswith(
        f". {missing} does not exist on this machine: where it is missing nginx refuses to "
        f"start (nginx -t: {refusal}); uwsgi_params is nginx's file of that kind, the name "
        f"is probably mistyped"), message
    assert fix.startswith(f"write include {tmp_path / 'nginx' / 'uwsgi_params'}; at "
                          f"{tmp_path / 'site.conf'}:5 if that is the file meant; "), fix
    if shutil.which("nginx"):
        conf = tmp_path / "nginx.conf"
        conf.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
                        f"events {{}}\nhttp {{\ninclude {tmp_path / 'site.conf'};\n}}\n")
        done = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(conf)],
                              capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode != 0 and refusal in done.stderr, done.stderr


def test_a_relative_or_other_include_says_no_more(tmp_path: Path) -> None:
    message, fix = _note(tmp_path, "uswgi_params")  # where nginx looks depends on its prefix
    assert "does not exist on this machine" not in message and fix.startswith("lint the whole")
    message, fix = _note(tmp_path, str(tmp_path / "snippets" / "ssl-site.conf"))
    assert "nginx refuses to start" in message and "probably mistyped" not in message, message
    assert fix.startswith("lint the whole"), fix
