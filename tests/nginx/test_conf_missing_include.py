"""A whole nginx.conf whose relative ``include`` names a file not beside it (the lint tester
t-lint20's ryuichiroshibuya nginx.conf: ``include uwsgi_params;`` in ``location /``, no
uwsgi_params in its directory). nginx resolves a relative include in its conf prefix, the
directory of the nginx.conf given with -c, and does not start without the file; lint used to
stop with one line naming neither the include nor its line, and an empty ``--format json``.
Now: an ``nginx_include_unread`` error at the include's line, saying where nginx looks, the
rest read, valid JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from click.testing import CliRunner

from probe.cli import main
from probe.lint import Severity, lint_nginx

# the corpus file's server block (its include at line 30 there, line 10 here)
CONF = """events {
    worker_connections  1024;
}
http {
    server {
        listen       127.0.0.1:18932;
        server_name  app.example.jp;

        location / {
            include     uwsgi_params;
            uwsgi_pass  127.0.0.1:3031;
        }
    }
}
"""


def _conf(tmp_path: Path) -> Path:
    conf = tmp_path / "nginx.conf"
    conf.write_text(CONF)
    return conf


def test_a_missing_relative_include_is_an_error_at_its_line(tmp_path: Path) -> None:
    conf = _conf(tmp_path)
    result = lint_nginx(str(conf))
    [finding] = result.findings
    assert (finding.code, finding.severity, finding.line) == (
        "nginx_include_unread", Severity.ERROR, 10)
    beside = tmp_path / "uwsgi_params"
    assert f"nginx looks for it at {beside}" in finding.message
    refusal = f'open() "{beside}" failed (2: No such file or directory) in {conf}:10'
    assert refusal in finding.message, finding.message
    assert "site file read alone" not in finding.message
    # the rest is read, and uwsgi_params_missing says nothing of a location whose params
    # the include may hold
    assert str(conf) in result.files and result.exit_status == 1
    assert (finding.fix or "").startswith(f"put uwsgi_params at {beside} (nginx's packages")
    if shutil.which("nginx"):  # nginx's own words, and where it looks
        real = tmp_path / "real.conf"
        real.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n{CONF}")
        done = subprocess.run(["nginx", "-t", "-p", "/nonexistent/", "-c", str(real),
                               "-e", str(tmp_path / "error.log")],
                              capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode != 0
        assert f'open() "{beside}" failed (2: No such file or directory)' in done.stderr


def test_json_output_carries_the_finding(tmp_path: Path) -> None:
    conf = _conf(tmp_path)
    done = CliRunner().invoke(main, ["lint", "--format", "json", str(conf)])
    assert done.exit_code == 1, done.output
    [finding] = json.loads(done.output)["findings"]
    assert (finding["code"], finding["line"], finding["severity"]) == (
        "nginx_include_unread", 10, "error")


def test_with_the_file_beside_it_nothing_is_said(tmp_path: Path) -> None:
    conf = _conf(tmp_path)
    (tmp_path / "uwsgi_params").write_text("uwsgi_param REQUEST_METHOD $request_method;\n")
    assert not lint_nginx(str(conf)).findings
