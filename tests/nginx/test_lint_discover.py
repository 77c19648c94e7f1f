"""``probe lint`` and ``probe discover`` on nginx configurations: each rule on the mistake it
is for (file:line, severity, fix) and silent on the correct configuration; the manifest
discover writes; the front read from the file, and one line for the wrong one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from probe.cli import main
from probe.discover import discover_nginx, render
from probe.lint import lint_nginx
from probe.lint.findings import ConfigFinding
from probe.manifest import parse

GOOD = """events {}
http {
    upstream one { server 127.0.0.1:8001; }
    upstream two { server 127.0.0.1:8002; }
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    server { listen 127.0.0.1:18080 default_server; return 444; }
    server {
        listen 127.0.0.1:18080;
        server_name site-1.example.com www.site-1.example.com;
        location / { proxy_pass http://one; }
    }
    server {
        listen 127.0.0.1:18080;
        server_name site-2.example.com;
        location / { proxy_pass http://two; }
        location /blog/ {
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Prefix /blog;
            proxy_pass http://127.0.0.1:8003/;
        }
    }
}
"""

MISTAKES = {
    # (old, new): the correct configuration with one mistake, and the finding it must give
    "nginx_no_refusing_default": (
        "server { listen 127.0.0.1:18080 default_server; return 444; }", "", 9),
    "nginx_duplicate_server_name": (
        "server_name site-2.example.com;", "server_name site-2.example.com site-1.example.com;",
        15),
    "nginx_host_not_forwarded": (
        "location / { proxy_pass http://two; }",
        "location / { proxy_set_header X-Forwarded-Proto $scheme; proxy_pass http://two; }", 16),
    "nginx_mount_not_told": ("            proxy_set_header X-Forwarded-Prefix /blog;\n", "", 19),
    "nginx_shared_upstream": ("proxy_pass http://two;", "proxy_pass http://one;", 16),
}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "nginx.conf"
    path.write_text(text)
    return path


def _failing(findings: Sequence[ConfigFinding]) -> list[ConfigFinding]:
    """Without the note on its proxy_pass lines that name no proxy header: whether an endpoint
    runs there without a token is not its to say (tests/lint/test_client_unseen.py)."""
    return [f for f in findings if f.code != "nginx_client_not_forwarded"]


def test_the_correct_configuration_is_clean(tmp_path: Path) -> None:
    result = lint_nginx(str(_write(tmp_path, GOOD)))
    assert _failing(result.findings) == []
    assert result.exit_status == 0


@pytest.mark.parametrize("code", sorted(MISTAKES))
def test_each_mistake_gives_its_finding(tmp_path: Path, code: str) -> None:
    old, new, line = MISTAKES[code]
    assert old in GOOD
    result = lint_nginx(str(_write(tmp_path, GOOD.replace(old, new))))
    assert [(f.code, f.line) for f in _failing(result.findings)] == [(code, line)]
    finding = _failing(result.findings)[0]
    assert finding.severity.fails and finding.fix
    assert result.exit_status == 1
    for word in ("VirtualHost", "ServerAlias", "WSGIScriptAlias", "Apache"):
        assert word not in finding.message + finding.fix


def test_discover_writes_a_manifest_the_sweep_reads(tmp_path: Path) -> None:
    found = discover_nginx(str(_write(tmp_path, GOOD)))
    manifest = parse(render(found))
    assert manifest.probe.connect == "127.0.0.1:18080"
    assert found.config is not None and found.config.endswith("nginx.conf")
    urls = {name: [t.url for t in manifest.targets() if t.expected == name]
            for name in ("one", "two", "app-8003")}
    assert urls == {
        "one": ["http://site-1.example.com:18080/", "http://www.site-1.example.com:18080/"],
        "two": ["http://site-2.example.com:18080/"],
        "app-8003": ["http://site-2.example.com:18080/blog/"]}
    refused = [t.url for t in manifest.targets() if t.expected is None]
    assert refused == ["http://unknown.invalid:18080/"]
    text = render(found)
    assert "VirtualHost" not in text and "server_name" in text


def test_discover_says_its_labels_are_placeholders_to_set(tmp_path: Path) -> None:
    """nginx names no label: the proposed one is the instance's name, and an application
    already wrapped with its own label reads as a misroute on every URL (tester T19's
    gunicorn-socket: 'pass to gunicorn-gunicorn's address' for a working site). The comment
    says to set the label to the application's where the endpoint is installed already."""
    text = render(discover_nginx(str(_write(tmp_path, GOOD))))
    comment = next(line for line in text.splitlines() if "--label one" in line)
    assert comment.endswith(
        "--label one; or, where the endpoint is installed already, set label to the one its "
        "wrap(label=...) gives (the label field of its answer, which probe sweep shows as "
        "'answered by'): a label the application does not give makes each of its URLs read "
        "as another application's"), comment


def test_cli_reads_the_front_from_the_file(tmp_path: Path) -> None:
    nginx_conf = _write(tmp_path, GOOD)
    apache_conf = tmp_path / "httpd.conf"
    apache_conf.write_text("Listen 8080\n<VirtualHost *:8080>\n  ServerName a.test\n"
                           "</VirtualHost>\n")
    runner = CliRunner()
    assert runner.invoke(main, ["lint", str(nginx_conf)]).exit_code == 0
    discovered = runner.invoke(main, ["discover", str(nginx_conf)])
    assert discovered.exit_code == 0 and 'connect = "127.0.0.1:18080"' in discovered.output
    for command in ("lint", "discover"):
        wrong = runner.invoke(main, [command, "--front", "nginx", str(apache_conf)])
        assert wrong.exit_code == 2
        assert wrong.output.strip().count("\n") == 0 and "not an nginx configuration" \
            in wrong.output
        wrong = runner.invoke(main, [command, "--front", "apache", str(nginx_conf)])
        assert wrong.exit_code == 2 and "not an apache configuration" in wrong.output


def test_unreadable_nginx_is_one_line(tmp_path: Path) -> None:
    broken = _write(tmp_path, "http {\n  server {\n    listen 80\n")
    result = CliRunner().invoke(main, ["lint", "--front", "nginx", str(broken)])
    assert result.exit_code == 2 and result.output.strip().count("\n") == 0


def test_discover_comments_name_every_listen_line(tmp_path: Path) -> None:
    """Four blocks on one address and two on another port: each comment lists all its lines
    (a tester saw the fourth block's line and the second port's lines left out)."""
    blocks = "".join(f"    server {{ listen 127.0.0.1:{port}; server_name s{n}.test; "
                     f"location / {{ proxy_pass http://127.0.0.1:8001; }} }}\n"
                     for n, port in enumerate([18180] * 4 + [18181] * 2))
    path = _write(tmp_path, f"events {{}}\nhttp {{\n{blocks}}}\n")
    text = render(discover_nginx(str(path)))
    lines = [f"{path}:{n}" for n in range(3, 9)]
    assert (f"listen at port 18180: {', '.join(lines[:4])}; port 18181: "
            f"{', '.join(lines[4:])}: several ports") in text, text
    assert f"4 server blocks listen on 127.0.0.1:18180 ({', '.join(lines[:4])})" in text, text
    assert f"2 server blocks listen on 127.0.0.1:18181 ({', '.join(lines[4:])})" in text, text
