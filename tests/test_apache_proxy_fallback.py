"""Apache as a reverse proxy in front of gunicorn/waitress, a tester's NetBox + locuszoom set-up
(NetBox's contrib/apache.conf first, locuszoom-hosted's VirtualHost second, on one address):

* ``ServerName lz.tset`` (a typo): lz.test matches no name and falls to the first VirtualHost,
  NetBox's, whose ProxyPass is right for NetBox: the cause is the fallback, the fix the name
  line, never NetBox's ProxyPass (applied, that broke NetBox);
* without --config: the fallback is a candidate (the .invalid request reached the same
  application), and the fix speaks of the front that passed the name on, not "this address";
* NetBox's ProxyPass to lz's port: wrong_upstream names the ProxyPassReverse beside it too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from probe.apache import load_site
from probe.apache.route import ApacheRoutes
from probe.diagnose import ConfigJoin, diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target, parse
from probe.model import Observation, Report, Sample, TargetResult
from tests.test_diagnose import ep

FRONT = "127.0.0.1:41810"
NETBOX, LZ, FLOWER = "127.0.0.1:41811", "127.0.0.1:41812", "127.0.0.1:41813"
MANIFEST = f"""\
[probe]
connect = "{FRONT}"

[instances.netbox]
label = "netbox"
urls = ["http://netbox.test/", "http://netbox.test/dcim/devices/"]

[instances.lz]
label = "lz"
urls = ["http://lz.test/", "http://lz.test/accounts/login/"]

[instances.flower]
label = "flower"
script_name = "/celery-flower"
urls = ["http://lz.test/celery-flower/"]
"""

NETBOX_CONF = """\
<VirtualHost 127.0.0.1:41810>
    ProxyPreserveHost On

    # CHANGE THIS TO YOUR SERVER'S NAME
    ServerName netbox.test

    <Location /static>
        ProxyPass !
    </Location>

    RequestHeader set "X-Forwarded-Proto" expr=%{{REQUEST_SCHEME}}
    ProxyPass / http://{netbox}/
    ProxyPassReverse / http://{netbox}/
</VirtualHost>
"""
LZ_CONF = """\
<VirtualHost 127.0.0.1:41810>
        ServerName {name}
        ProxyPreserveHost On
        ProxyPass /celery-flower http://127.0.0.1:41813/celery-flower keepalive=On
        ProxyPassReverse /celery-flower http://127.0.0.1:41813/celery-flower
        ProxyPass / http://127.0.0.1:41812/ keepalive=On
        ProxyPassReverse / http://127.0.0.1:41812/
</VirtualHost>
"""


def routes(tmp: Path, netbox: str = NETBOX, name: str = "lz.test") -> ConfigJoin:
    """The tester's files: httpd.conf reads sites/*.conf (NetBox's first)."""
    (tmp / "sites").mkdir(exist_ok=True)
    (tmp / "sites" / "10-netbox.conf").write_text(NETBOX_CONF.format(netbox=netbox))
    (tmp / "sites" / "20-lz.conf").write_text(LZ_CONF.format(name=name))
    main = tmp / "httpd.conf"
    main.write_text(f"Listen {FRONT}\nIncludeOptional {tmp}/sites/*.conf\n")
    front = ApacheRoutes(load_site([main]))
    return ConfigJoin(front, {}, front.divergence, front.intended, front.refuse_block)


def gunicorn(label: str, listen: str, host: str, *, mount: str = "",
             path_info: str = "/__probe__", pid: int = 100) -> EndpointAnswer:
    data: dict[str, Any] = ep(label, host=host, mount=mount, path_info=path_info, pid=pid,
                              application_group="", settings=None)
    data["script_file"] = None
    data["process_group"] = None
    data["server"] = {"software": "gunicorn/27.0.1", "mod_wsgi_version": None,
                      "listen": listen, "multithread": False, "multiprocess": True}
    data["request"].update({"server_port": listen.rsplit(":")[1]})
    return EndpointAnswer.from_json(data)


def through(url: str, expected: str, answer: EndpointAnswer) -> Observation:
    return Observation(Target(url, expected, FRONT), tuple(
        Sample(elapsed_ms=2.0, status_code=200, endpoint=answer, address=FRONT)
        for _ in range(2)))


def invalid(answer: EndpointAnswer) -> dict[str, Sample]:
    """The .invalid request's answer at the front (the extra request a sweep sends)."""
    return {f"http:80@{FRONT}": Sample(elapsed_ms=1.0, status_code=200, endpoint=answer,
                                       address=FRONT)}


def typo_sweep(config: ConfigJoin | None) -> Report:
    """lz.test and its flower fall to NetBox's VirtualHost (the tester's m5)."""
    nb = gunicorn("netbox", NETBOX, "netbox.test")
    observations = [
        through("http://netbox.test/", "netbox", nb),
        through("http://netbox.test/dcim/devices/", "netbox",
                gunicorn("netbox", NETBOX, "netbox.test", path_info="/dcim/devices/__probe__")),
        through("http://lz.test/", "lz", gunicorn("netbox", NETBOX, "lz.test")),
        through("http://lz.test/accounts/login/", "lz",
                gunicorn("netbox", NETBOX, "lz.test", path_info="/accounts/login/__probe__")),
        through("http://lz.test/celery-flower/", "flower",
                gunicorn("netbox", NETBOX, "lz.test", path_info="/celery-flower/__probe__")),
    ]
    return diagnose(parse(MANIFEST), observations, config=config,
                    probed=invalid(gunicorn("netbox", NETBOX, "wsgi-probe-check.invalid")))


def one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


def test_a_servername_typo_behind_mod_proxy_is_the_fallback_not_the_default_proxypass(
        tmp_path: Path) -> None:
    report = typo_sweep(routes(tmp_path, name="lz.tset"))
    for url in ("http://lz.test/", "http://lz.test/celery-flower/"):
        found = one(report, url)
        assert found.verdict.value == "wrong_instance", found.explanation
        assert found.cause is not None and found.cause.value == "vhost_fallback", \
            (found.cause, found.explanation)
        # NetBox's own ProxyPass is where its URLs go: never the line to change
        assert "10-netbox.conf:12" not in found.fix, found.fix
        typo = f"{tmp_path}/sites/20-lz.conf:2"
        assert f"ServerName lz.tset ({typo}) is one edit from lz.test" in found.fix, found.fix
        assert f"write ServerName lz.test at {typo}" in found.fix, found.fix
        assert "no ServerName or ServerAlias" in found.explanation, found.explanation
        assert "netbox answers its own URL" in found.explanation, found.explanation
    assert {one(report, u).verdict.value for u in ("http://netbox.test/",
                                                   "http://netbox.test/dcim/devices/")} == {"ok"}



def test_a_name_no_virtualhost_is_told_for_still_blames_the_fallback_not_the_proxypass(
        tmp_path: Path) -> None:
    found = one(typo_sweep(routes(tmp_path, name="locuszoom.example")), "http://lz.test/")
    assert found.cause is not None and found.cause.value == "vhost_fallback", found.explanation
    assert found.fix.startswith("Add 'ServerAlias lz.test' inside the VirtualHost meant for "
                                "lz: the configuration read does not tell which"), found.fix
    assert "Require all denied" in found.fix, found.fix


def other_port_sweep(config: ConfigJoin | None) -> Report:
    """NetBox's ProxyPass points at lz's port (the tester's m3): lz answers everything."""
    return diagnose(parse(MANIFEST), [
        through("http://netbox.test/", "netbox", gunicorn("lz", LZ, "netbox.test")),
        through("http://lz.test/", "lz", gunicorn("lz", LZ, "lz.test")),
    ], config=config, probed=invalid(gunicorn("lz", LZ, "wsgi-probe-check.invalid")))


def test_the_first_virtualhost_named_by_its_host_keeps_wrong_upstream(tmp_path: Path) -> None:
    found = one(other_port_sweep(routes(tmp_path, netbox=LZ)), "http://netbox.test/")
    assert found.cause is not None and found.cause.value == "wrong_upstream", found.explanation
    assert found.fix.startswith(f"At {tmp_path}/sites/10-netbox.conf:12, replace "
                                f"127.0.0.1:41812 with"), found.fix


def test_without_config_the_fronts_fallback_is_a_candidate_and_the_fix_the_fronts() -> None:
    found = one(typo_sweep(None), "http://lz.test/")
    assert found.verdict.value == "wrong_instance", found.explanation
    causes = {c.cause.value: c.check for c in found.candidates}
    assert set(causes) == {"vhost_fallback", "wrong_upstream"}, found.candidates
    assert f"no site of the front at {FRONT} claims 'lz.test'" in causes["vhost_fallback"]
    assert any(e.kind.value == "probed" and "same application" in e.claim
               for e in found.evidence), found.evidence
    # the connect is Apache's address already: the fix is that front's, not "this address"
    assert "this address" not in found.fix and "manifest's connect" not in found.fix, found.fix
    assert found.fix.startswith(f"The front at {FRONT} passed 'lz.test' to gunicorn at "
                                f"{NETBOX} (server.listen)"), found.fix


def test_gunicorn_reached_directly_keeps_the_connect_fix() -> None:
    """No front: server.listen is the address probed; the manifest's connect may be it."""
    direct = Observation(Target("http://lz.test/", "lz", NETBOX), tuple(
        Sample(elapsed_ms=2.0, status_code=200, address=NETBOX,
               endpoint=gunicorn("netbox", NETBOX, "lz.test")) for _ in range(2)))
    found = one(diagnose(parse(MANIFEST), [direct]), "http://lz.test/")
    assert "in the manifest's connect" in found.fix, found.fix
    assert not found.candidates, found.candidates


def test_wrong_upstream_names_the_proxypassreverse_beside_it(tmp_path: Path) -> None:
    found = one(other_port_sweep(routes(tmp_path, netbox=LZ)), "http://netbox.test/")
    assert f", and the same at {tmp_path}/sites/10-netbox.conf:13 (its ProxyPassReverse / " \
           f"http://{LZ}/)" in found.fix, found.fix


def test_a_500_from_apache_beside_proxied_urls_names_mod_proxys_codes_not_mod_wsgis() -> None:
    """The tester's m0: shop's ProxyPass to 'balancer://mycluster' (no '/') answers 500 and
    logs AH01144; the other URLs of the same Apache came from gunicorn (observed)."""
    manifest = MANIFEST + '\n[instances.shop]\nlabel = "shop"\nurls = ["http://shop.test/cart/"]\n'
    failed = Observation(Target("http://shop.test/cart/", "shop", FRONT), tuple(
        Sample(elapsed_ms=1.0, status_code=500, server="Apache/2.4.71 (Debian)",
               address=FRONT) for _ in range(2)))
    report = diagnose(parse(manifest), [
        through("http://netbox.test/", "netbox", gunicorn("netbox", NETBOX, "netbox.test")),
        failed])
    found = one(report, "http://shop.test/cart/")
    assert found.verdict.value == "http_error", found.explanation
    assert "WSGI0152" not in found.fix and "AH01144" in found.fix, found.fix
    assert f"gunicorn/27.0.1 (server.software) listening on {NETBOX}" in found.explanation, \
        found.explanation
    assert "the answers do not tell" in found.explanation, found.explanation
