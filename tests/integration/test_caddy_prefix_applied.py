"""The mount fix behind a real Caddy (Debian's caddy, 2.6.2 when written), applied as printed
(re-tester R35's apps.test/shop/): one gunicorn serves shop.test at / and apps.test/shop/
behind ``handle_path /shop/*``, which strips the prefix. The fix names Caddy's
``header_up X-Forwarded-Prefix /shop`` and prints a middleware; the line written into that
route's reverse_proxy and the printed lines pasted at the end of the project's wsgi.py,
literally, make every URL ok (the fix once named a PrefixMiddleware defined nowhere)."""

from __future__ import annotations

import re
import shutil

import pytest

from .apache import ApacheError, free_port
from .conftest import unavailable
from .endpoint_sites import AppServers, app_servers
from .nginx import TOKEN, sweep_report
from .wsgi_servers import WsgiServer

pytestmark = pytest.mark.apache

SITE = """{{
    admin off
    auto_https off
}}
http://shop.test:{port} {{
    reverse_proxy 127.0.0.1:{app}
}}
http://apps.test:{port} {{
    handle_path /shop/* {{
        {route}
    }}
}}
"""


def _caddy(servers: AppServers, caddy: str, port: int, text: str) -> WsgiServer:
    config = servers.workdir / "Caddyfile"
    config.write_text(text, encoding="utf-8")
    home = servers.workdir / "xdg"
    home.mkdir(exist_ok=True)
    try:
        return servers.start("caddy", [caddy, "run", "--config", str(config), "--adapter",
                                       "caddyfile"], servers.workdir, port=port, token=TOKEN,
                             env={"XDG_DATA_HOME": str(home), "XDG_CONFIG_HOME": str(home),
                                  "HOME": str(home)})
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)


def test_the_printed_caddy_line_and_middleware_make_the_prefixed_url_ok() -> None:
    caddy = shutil.which("caddy")
    if caddy is None:
        unavailable("caddy is not installed (Debian package caddy)")
    with app_servers() as servers:
        project = servers.site("shop", '\nALLOWED_HOSTS = ["*"]\n')
        app = servers.gunicorn("gunicorn", project, workers=2, token=TOKEN)
        port = free_port()
        shop, apps = f"http://shop.test:{port}/", f"http://apps.test:{port}/shop/"
        manifest = servers.workdir / "manifest.toml"
        manifest.write_text(f'[probe]\nconnect = "127.0.0.1:{port}"\nsamples = 2\n\n'
                            f'[instances.shop]\nlabel = "shop"\nsettings = "mysite.settings"\n'
                            f'urls = ["{shop}", "{apps}"]\n', encoding="utf-8")
        route = f"reverse_proxy 127.0.0.1:{app.port}"
        front = _caddy(servers, caddy, port, SITE.format(port=port, app=app.port, route=route))
        got = {t["url"]: t for t in sweep_report(manifest)["targets"]}
        assert got[shop]["verdict"] == "ok", got[shop]
        sub = got[apps]
        assert sub["verdict"] == "mount_mismatch", sub
        fix = sub["fix"]
        assert "PrefixMiddleware" not in fix, fix
        words, _, code = fix.partition("\n")
        (line,) = re.findall(r"add the line '(header_up X-Forwarded-Prefix /shop)'", words)
        assert "restart Caddy" in words, words
        # applied literally: the line in that route's reverse_proxy, the code pasted at the
        # end of wsgi.py (after the endpoint's block), both servers started again
        front.stop()
        app.stop()
        wsgi = project / "mysite" / "wsgi.py"
        wsgi.write_text(wsgi.read_text(encoding="utf-8") + "\n" + code + "\n", encoding="utf-8")
        app = servers.gunicorn("gunicorn-fixed", project, workers=2, token=TOKEN)
        route = f"reverse_proxy 127.0.0.1:{app.port} {{\n            {line}\n        }}"
        _caddy(servers, caddy, port, SITE.format(port=port, app=app.port, route=route))
        got = {t["url"]: t for t in sweep_report(manifest)["targets"]}
        assert [got[url]["verdict"] for url in (shop, apps)] == ["ok", "ok"], got
        seen = got[apps]["observed"]["request"]
        assert (seen["script_name"], seen["path_info"]) == ("/shop", "/__probe__"), seen
