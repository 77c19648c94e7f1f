"""Tester T32's chain nginx -> Apache mod_proxy -> mod_wsgi (tests/t32_chain_answers.py):
the Host was rewritten by the inner proxy, so the fix is Apache's ``ProxyPreserveHost``,
never nginx's Host line, which already passes it (no fix replacing a line by itself)."""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.front_config import load_front
from probe.manifest import parse
from probe.model import Cause, EvidenceKind, TargetResult, Verdict
from probe.nginx import load_nginx
from tests import t32_chain_answers as t32


def _swept(config: ConfigJoin | None = None) -> dict[str, TargetResult]:
    report = diagnose(parse(t32.MANIFEST), t32.chain(), config=config)
    return {t.url.split("/")[2]: t for t in report.targets}


def _both(found: TargetResult) -> str:
    return f"{found.explanation} {found.fix}"


def test_two_forwarded_values_put_the_fix_at_the_inner_proxy_without_config() -> None:
    found = _swept()
    site1, site2 = found["site1.example.com"], found["site2.example.com"]
    assert site1.verdict is Verdict.HOST_MISMATCH, _both(site1)
    assert site2.verdict is Verdict.WRONG_INSTANCE and site2.cause is Cause.HOST_REWRITTEN, \
        _both(site2)
    for target in (site1, site2):
        said = _both(target)
        assert "X-Forwarded-Host holds 2 values (request.forwarded_host " in said, said
        assert "2 proxies passed the request on" in said, said
        assert "the last of them (the inner one) passed the request on with a Host of its " \
            "own" in said, said
        assert target.fix is not None
        assert target.fix.startswith("At the inner proxy (the one after the first), pass the "
                                     "client's Host on where it passes the request to "
                                     "'127.0.0.1:18123'"), target.fix
        assert "'ProxyPreserveHost On'" in target.fix, target.fix
        # the false words T32 got: nginx's location said to lack the line it has
        assert "In the nginx location that proxies this URL add" not in said, said
        assert "nginx passed it on with a Host of its own" not in said, said
        # re-tester R32: who added what is said only where configured
        assert "each adding" not in said, said
        assert "the first value is the first proxy's, and the second was appended by a later " \
            "proxy" in said, said
        assert any(e.kind is EvidenceKind.OBSERVED and e.claim.startswith(
            "request.forwarded_host = ") for e in target.evidence), target.evidence


def test_nginxs_config_given_is_not_blamed_for_the_host_it_passes(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text(t32.NGINX_CONF)
    found = _swept(ConfigJoin(load_nginx(str(path))))
    lines = t32.NGINX_CONF.splitlines()
    host = f"{path}:{lines.index('            proxy_set_header Host $host;') + 1}"
    site1, site2 = found["site1.example.com"], found["site2.example.com"]
    assert site2.verdict is Verdict.WRONG_INSTANCE and site2.cause is Cause.HOST_REWRITTEN, \
        _both(site2)  # T32 got url_mapping: a location of its own for /
    for target in (site1, site2):
        said = _both(target)
        assert target.fix is not None
        # never a no-op: the replacement is the line itself
        assert "by 'proxy_set_header Host $host;'" not in target.fix, target.fix
        assert target.fix.startswith(f"Leave nginx's lines as they are: proxy_set_header Host "
                                     f"$host ({host}) passes the URL's Host already. The fix "
                                     f"is at the server it passes to, 127.0.0.1:18122"), \
            target.fix
        assert "so nginx's Host line is not the cause; it passes the request to " \
            "127.0.0.1:18122" in said, said
        assert "The configuration given says why" not in said, said
        # re-tester R32: nginx sets X-Forwarded-Host (its line), a later proxy appended
        xfh = lines.index("            proxy_set_header X-Forwarded-Host $host;") + 1
        assert f"nginx set the first ('proxy_set_header X-Forwarded-Host $host;', {path}:{xfh}; " \
            f"it sets the header, it does not append), and the second was appended by a later " \
            f"proxy" in said, said
        assert "each adding" not in said, said
        assert "Give / a location of its own" not in said, said
    # the hop nginx passed site2's URL to, not the application behind it (re-tester R32)
    upstream = lines.index("            proxy_pass http://127.0.0.1:18122;") + 1
    assert site2.explanation.startswith(
        f"http://site2.example.com/ should be served by site2, but nginx (Server: nginx/1.22.1) "
        f"passed it to 127.0.0.1:18122 (proxy_pass http://127.0.0.1:18122, {path}:{upstream}), "
        f"and site1 answered."), site2.explanation


def test_the_inner_apaches_config_names_its_preserve_host_line(tmp_path: Path) -> None:
    path = tmp_path / "httpd.conf"
    path.write_text(t32.HTTPD_CONF)
    lines = t32.HTTPD_CONF.splitlines()
    off = f"{path}:{lines.index('    ProxyPreserveHost Off') + 1}"
    rule = f"{path}:{lines.index('    ProxyPass / http://127.0.0.1:18123/') + 1}"
    found = _swept(load_front(str(path), {}))
    for target in found.values():
        said = _both(target)
        assert target.fix is not None and target.fix.startswith(
            f"At {off}, write 'ProxyPreserveHost On' (it says 'ProxyPreserveHost Off'): "
            f"mod_proxy then passes the client's Host to the backend of {rule}."), target.fix
        assert f"probe lint reports proxy_host at {rule}." in target.explanation, said
        assert "The front in between" not in target.fix and "nginx" not in target.fix, \
            target.fix
        assert "ppid 12815" in target.fix, target.fix  # the graceful restart of that Apache
