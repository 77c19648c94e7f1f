"""A balancer member running old code, with ``--config`` (probe/diagnose/stale_members.py): a
tester's two uWSGI members behind ``mod_proxy_uwsgi`` (``<Proxy balancer://mycluster>``, one
member at r1 where the manifest declares r2) were named in the stale fix by server.listen
only; the configuration given writes the member's line, named after its address: Apache's
``BalancerMember at FILE:LINE``, nginx's ``server at FILE:LINE in upstream NAME``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from probe.apache import load_site
from probe.apache.route import ApacheRoutes
from probe.diagnose import ConfigJoin, diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target, parse
from probe.model import Observation, Sample, TargetResult, Verdict
from probe.nginx import load_nginx
from tests.test_diagnose import ep

FRONT, NEW, OLD = "127.0.0.1:41810", "127.0.0.1:41814", "127.0.0.1:41815"
URL = "http://shop.test/cart/"
MANIFEST = f"""\
[probe]
connect = "{FRONT}"

[instances.shop]
label = "shop"
code_version = "r2"
urls = ["{URL}"]
"""
SHOP = f"""\
<VirtualHost {FRONT}>
    ServerName shop.test
    ProxyPreserveHost On

<Proxy "balancer://mycluster">
   BalancerMember "uwsgi://{NEW}"
   BalancerMember "uwsgi://{OLD}"
</Proxy>

ProxyPass        "/" "balancer://mycluster/"
ProxyPassReverse "/" "balancer://mycluster/"
</VirtualHost>
"""
NGINX = f"""\
events {{}}
http {{
  upstream shop {{
    server {NEW};
    server {OLD};
  }}
  server {{
    listen {FRONT};
    server_name shop.test;
    location / {{ proxy_set_header Host $host; proxy_pass http://shop; }}
  }}
}}
"""


def uwsgi(at: str, version: str, pid: int) -> EndpointAnswer:
    data: dict[str, Any] = ep("shop", host="shop.test", path_info="/cart/__probe__", pid=pid,
                              application_group="", settings=None)
    data["process_group"] = data["application_group"] = None
    data["script_file"] = f"proxy:uwsgi://{at}/cart/__probe__"
    # mod_proxy_uwsgi passes Apache's SERVER_SOFTWARE in the uwsgi vars
    data["server"] = {"software": "Apache/2.4.71 (Debian)", "mod_wsgi_version": None,
                      "listen": at, "multithread": False, "multiprocess": True}
    data["code"] = {"version": version, "version_source": "wrap", "script_mtime": None}
    return EndpointAnswer.from_json(data)


def sweep(config: ConfigJoin | None, server: str | None = None) -> TargetResult:
    answers = [uwsgi(NEW, "r2", 8440), uwsgi(OLD, "r1", 8466), uwsgi(NEW, "r2", 8441),
               uwsgi(OLD, "r1", 8467)]
    observed = Observation(Target(URL, "shop", FRONT), tuple(
        Sample(elapsed_ms=2.0, status_code=200, endpoint=a, address=FRONT, server=server)
        for a in answers))
    [found] = diagnose(parse(MANIFEST), [observed], config=config).targets
    assert found.verdict is Verdict.STALE, found.explanation
    return found


def apache(tmp: Path) -> ConfigJoin:
    conf = tmp / "30-shop.conf"
    conf.write_text(SHOP)
    main = tmp / "httpd.conf"
    main.write_text(f"Listen {FRONT}\nInclude {conf}\n")
    front = ApacheRoutes(load_site([main]))
    return ConfigJoin(front, {}, front.divergence, front.intended, front.refuse_block)


def test_the_stale_balancermember_is_named_by_its_line(tmp_path: Path) -> None:
    found = sweep(apache(tmp_path))
    tag = f"server.listen {OLD} (BalancerMember at {tmp_path}/30-shop.conf:7)"
    assert tag in found.fix, found.fix
    assert found.fix.count("BalancerMember at") == 1, found.fix  # once, not per process
    assert tag in found.explanation, found.explanation
    assert f"{tmp_path}/30-shop.conf:6" not in found.fix, found.fix  # the member at r2: none


def test_without_config_the_member_is_named_by_its_address_only() -> None:
    found = sweep(None)
    assert f"server.listen {OLD}" in found.fix and "BalancerMember" not in found.fix, found.fix


def test_the_stale_nginx_upstream_server_is_named_by_its_line_and_group(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text(NGINX)
    found = sweep(ConfigJoin(load_nginx(str(path))), server="nginx/1.22.1")
    tag = f"server.listen {OLD} (server at {path}:5 in upstream shop)"
    assert tag in found.fix, found.fix
    assert f"{path}:4" not in found.fix, found.fix
