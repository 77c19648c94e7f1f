"""A Host nginx does not pass while X-Forwarded-Host carries the URL's name, through a real
nginx 1.22 in front of a real gunicorn serving a stock Django project (``startproject``:
DEBUG, empty ALLOWED_HOSTS, no USE_X_FORWARDED_HOST): a tester's Seahub block without
``proxy_set_header Host``, where the sweep said ``ok``.

Django then uses the Host nginx sends (``127.0.0.1:PORT``, which DEBUG's empty ALLOWED_HOSTS
accepts: ``request.host_allowed`` true), and its pages name it; the answers cannot tell that
from USE_X_FORWARDED_HOST = True. The URL stays ``ok`` and the ``forwarded_host_undecided``
warning says so, names the check, and with ``--config`` the location and lint's
``nginx_host_not_forwarded`` line; with ``proxy_set_header Host $host;`` added, it is gone
(and the stock ALLOWED_HOSTS refusing seafile.test shows: ``host_rejected``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .apache import ApacheUnavailable, free_port
from .conftest import unavailable
from .endpoint_sites import app_servers
from .nginx import start_nginx, sweep_report
from .wsgi_servers import WsgiServer

TOKEN = "nginx-forwarded-host-token-0123456789"
URL = "http://seafile.test/"
CODE = "forwarded_host_undecided"
MANIFEST = f"""[probe]
connect = "127.0.0.1:{{port}}"
token_env = "WSGI_PROBE_TOKEN"
samples = 2

[instances.seahub]
label = "seahub"
urls = ["{URL}"]
"""
BODY = """
    server {{
        listen 127.0.0.1:{port};
        server_name seafile.test;
        location / {{
            proxy_pass http://127.0.0.1:{app};{host}
            proxy_set_header X-Forwarded-Host $host;
        }}
    }}
"""


@pytest.fixture(scope="module")
def django() -> Iterator[WsgiServer]:
    with app_servers() as servers:
        project = servers.site("seahub", "")  # startproject's settings, as they come
        settings = (project / "mysite" / "settings.py").read_text()
        assert "USE_X_FORWARDED_HOST" not in settings and "DEBUG = True" in settings
        yield servers.gunicorn("gunicorn-seahub", project, workers=2, token=TOKEN)


def _found(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["code"] == CODE]


def test_a_host_not_passed_is_undecided_until_nginx_passes_it(django: WsgiServer,
                                                             tmp_path: Path) -> None:
    port = free_port()
    try:
        nginx = start_nginx(BODY.format(port=port, app=django.port, host=""), [port],
                            workdir=tmp_path / "nginx")
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    try:
        manifest = tmp_path / "manifest.toml"
        manifest.write_text(MANIFEST.format(port=port))
        # What is true: Django uses the Host nginx sent; its DEBUG 404 page's absolute URL
        # (request.build_absolute_uri) names it, not seafile.test.
        page = requests.get(f"http://127.0.0.1:{port}/no-such-page/", timeout=10,
                            headers={"Host": "seafile.test"})
        assert page.status_code == 404 and f"127.0.0.1:{django.port}/no-such-page/" in \
            page.text and "seafile.test/no-such-page/" not in page.text, page.text[:2000]
        conf = nginx.conf
        lines = conf.read_text().splitlines()
        location = 1 + next(i for i, t in enumerate(lines) if "location / {" in t)
        proxy = 1 + next(i for i, t in enumerate(lines) if "proxy_pass" in t)
        report = sweep_report(manifest, "--config", str(conf), token=TOKEN)
        [target] = report["targets"]
        assert target["verdict"] == "ok", target
        assert target["observed"]["request"]["host_allowed"] is True, target["observed"]
        [found] = _found(report)
        text = found["explanation"]
        assert found["severity"] == "warning", found
        for said in (f"Host '127.0.0.1:{django.port}' (request.host)",
                     "X-Forwarded-Host 'seafile.test' (request.forwarded_host)",
                     "USE_X_FORWARDED_HOST = True (False by default)",
                     "USE_X_FORWARDED_HOST in the settings module mysite.settings",
                     f"In the nginx 'location /' at {conf}:{location}, add "
                     f"'proxy_set_header Host $host;'",
                     f"probe lint reports it too: nginx_host_not_forwarded at "
                     f"{conf}:{proxy}."):
            assert said in text, (said, text)
        assert _found(sweep_report(manifest, token=TOKEN)), "without --config too"
        # The fix it gives, applied: Django gets seafile.test and the finding is gone; DEBUG's
        # empty ALLOWED_HOSTS refuses that name (a real page answers 400): host_rejected.
        conf.write_text(conf.read_text().replace(
            f"proxy_pass http://127.0.0.1:{django.port};",
            f"proxy_pass http://127.0.0.1:{django.port}; proxy_set_header Host $host;"))
        nginx.reload()
        fixed = sweep_report(manifest, "--config", str(conf), token=TOKEN)
        assert fixed["targets"][0]["verdict"] == "host_rejected" and not _found(fixed), fixed
        assert requests.get(f"http://127.0.0.1:{port}/admin/", timeout=10,
                            headers={"Host": "seafile.test"}).status_code == 400
    finally:
        nginx.stop()
