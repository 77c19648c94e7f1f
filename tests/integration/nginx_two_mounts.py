"""Two Django sites behind one nginx server block (tester T28's and re-tester R28's sub-URL
cases), each under gunicorn: the manifest, the two servers, the front and its sweep by URL,
as tests/integration/test_nginx_shared_pass.py and test_nginx_swapped_uri.py set them up."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .endpoint_sites import app_servers
from .nginx import Nginx, start_kept, sweep_report
from .wsgi_servers import WsgiServer

HOST = "sub.example.test"
H = f"http://{HOST}"


def manifest_template(*instances: tuple[str, str, tuple[str, ...]]) -> str:
    """The manifest with ``{port}`` left for the front's; ``instances``: each one's label (its
    name too), script_name and the paths of its URLs."""
    text = ('[probe]\nconnect = "127.0.0.1:{port}"\ntoken_env = "WSGI_PROBE_TOKEN"\n'
            'samples = 2\n')
    for label, script_name, paths in instances:
        urls = ", ".join(f'"{H}{path}"' for path in paths)
        text += (f'\n[instances.{label}]\nlabel = "{label}"\nscript_name = "{script_name}"\n'
                 f'urls = [{urls}]\n')
    return text


@contextmanager
def two_gunicorns(first: str, second: str, token: str,
                  second_settings: str = "") -> Iterator[tuple[WsgiServer, WsgiServer]]:
    """A gunicorn of one worker for each of two sites named ``first`` and ``second`` (Django
    with DEBUG off and HOST allowed; ``second_settings`` added to the second's settings),
    stopped at the end."""
    with app_servers() as servers:
        settings = f"\nDEBUG = False\nALLOWED_HOSTS = [{HOST!r}]\n"
        one = servers.site(first, settings, top=servers.workdir / first)
        two = servers.site(second, settings + second_settings, top=servers.workdir / second)
        yield (servers.gunicorn(f"gunicorn-{first}", one, workers=1, token=token),
               servers.gunicorn(f"gunicorn-{second}", two, workers=1, token=token))


def front_body(port: int, *locations: tuple[str, str, str | None]) -> str:
    """nginx's http body: a default server that closes the connection, and HOST's server with
    ``locations``, each (its prefix, the proxy_pass target, the SCRIPT_NAME header or None)."""
    body = (f"server {{ listen 127.0.0.1:{port} default_server; return 444; }}\n"
            f"server {{\n    listen 127.0.0.1:{port};\n    server_name {HOST};\n")
    for prefix, target, script_name in locations:
        body += (f"    location {prefix} {{\n        proxy_pass http://{target};\n"
                 f"        proxy_set_header Host $host;\n")
        if script_name is not None:
            body += f"        proxy_set_header SCRIPT_NAME {script_name};\n"
        body += "    }\n"
    return body + "}\n"


@contextmanager
def nginx_front(tmp_path: Path, port: int, body: str,
                template: str) -> Iterator[tuple[Nginx, Path]]:
    """nginx with ``body`` on ``port`` and the manifest of ``template`` for it, stopped at the
    end."""
    running: list[Nginx] = []
    try:
        server = start_kept(body, port, running, tmp_path)
        manifest = tmp_path / "manifest.toml"
        manifest.write_text(template.format(port=port))
        yield server, manifest
    finally:
        for each in running:
            each.stop()


def by_url(manifest: Path, *extra: str, token: str) -> dict[str, dict[str, Any]]:
    """The JSON report's targets of ``probe sweep -m MANIFEST EXTRA...``, by URL."""
    return {t["url"]: t for t in sweep_report(manifest, *extra, token=token)["targets"]}
