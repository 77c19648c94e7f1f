"""nginx in front of Apache + mod_wsgi with three name-based VirtualHosts (a tester's T22
chained fronts, answers as recorded there): where the choice of site was Apache's, nginx's
``proxy_pass`` line is never blamed.

* no ``proxy_set_header Host $host``: Apache received Host '127.0.0.1:APORT' (nginx's
  ``$proxy_host``) and its first VirtualHost answered every site: ``host_rewritten``, fixed at
  the location's line, with ``--config`` and from the answer alone;
* ``ServerName site2.exmaple``: the Host arrived intact and site1/site3 answered through the
  same hand-over: Apache's name matching chose (``vhost_fallback`` or ``vhost_shadowed``,
  Apache's configuration the check).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe.diagnose import diagnose
from probe.manifest import parse
from probe.model import Cause, EvidenceKind, Observation, Report, TargetResult, Verdict
from tests.nginx.test_route_fixes import _conf
from tests.test_diagnose import ep, thrice

APACHE = "127.0.0.1:47489"
HTTP, HTTPS = 42357, 45419
SITES = ("site1", "site2", "site3")
MANIFEST = "\n".join(
    f'[instances.{n}]\nlabel = "{n}"\nprocess_group = "{n}"\nsettings = "chain.settings_{n}"\n'
    f'urls = ["http://{n}.example:{HTTP}/", "https://{n}.example:{HTTPS}/"]\n' for n in SITES)
SOFTWARE = "Apache/2.4.71 (Debian) mod_wsgi/6.1.1 Python/3.11"
HOST_LINE = "            proxy_set_header   Host             $host;\n"
FORWARDED = "            proxy_set_header   X-Forwarded-For  $proxy_add_x_forwarded_for;\n"


def _nginx(*, host_line: bool) -> str:
    """The tester's three server blocks (HTTP and TLS on each), Apache behind them all."""
    return "".join(f"""    server {{
        listen       127.0.0.1:{HTTP};
        listen       127.0.0.1:{HTTPS} ssl;
        server_name  {n}.example www.{n}.example;
        location / {{
            proxy_pass         http://{APACHE}/;
            proxy_redirect     off;
{HOST_LINE if host_line else ''}{FORWARDED}            proxy_set_header   X-Forwarded-Proto $scheme;
        }}
    }}
""" for n in SITES)


def _answer(url: str, expected: str, label: str, host: str) -> Observation:
    data = ep(label, host=host, process_group=label, application_group="",
              settings=f"chain.settings_{label}")
    data["server"] = {"software": SOFTWARE, "mod_wsgi_version": "6.1.1", "listen": None}
    data["request"].update(host_allowed=True)
    data["ppid"] = 4386
    observed = thrice(url, expected, data)
    port = url.split(":")[2].split("/")[0]
    return dataclasses.replace(observed, target=dataclasses.replace(
        observed.target, address=f"127.0.0.1:{port}"), samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address=f"127.0.0.1:{port}")
        for s in observed.samples))


def _sweep(*, intact: bool, typo: bool = False) -> list[Observation]:
    found = []
    for n in SITES:
        for scheme, port in (("http", HTTP), ("https", HTTPS)):
            url = f"{scheme}://{n}.example:{port}/"
            label = "site1" if (not intact or (typo and n == "site2")) else n
            found.append(_answer(url, n, label, f"{n}.example" if intact else APACHE))
    return found


def _one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


def _line(tmp_path: Path, text: str, after: int = 0) -> str:
    path = tmp_path / "nginx.conf"
    number = next(n for n, line in enumerate(path.read_text().splitlines(), 1)
                  if text in line and n > after)
    return f"{path}:{number}"


def test_no_host_passed_is_the_location_line_not_the_hand_over(tmp_path: Path) -> None:
    config = _conf(tmp_path, _nginx(host_line=False))
    report = diagnose(parse(MANIFEST), _sweep(intact=False), config=config)
    site2 = _line(tmp_path, "server_name  site2.example")
    location = _line(tmp_path, "location /", after=int(site2.rsplit(":", 1)[1]))
    for url in (f"http://site2.example:{HTTP}/", f"https://site3.example:{HTTPS}/"):
        found = _one(report, url)
        assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE,
                                                Cause.HOST_REWRITTEN), found
        assert "pass to site" not in found.fix, found.fix
        assert "add 'proxy_set_header Host $host;'" in found.fix, found.fix
        assert f"'{APACHE}' (request.host)" in found.explanation
        assert "Apache/2.4.71" in found.explanation
        assert any(e.kind is EvidenceKind.OBSERVED and e.claim == f"request.host = '{APACHE}'"
                   for e in found.evidence)
        assert any(e.kind is EvidenceKind.CONFIGURED for e in found.evidence)
    assert f"nginx 'location /' at {location}," in \
        _one(report, f"http://site2.example:{HTTP}/").fix
    # site1's own URL: the right application, the Host not passed (as before)
    assert _one(report, f"http://site1.example:{HTTP}/").verdict is Verdict.HOST_MISMATCH


def test_no_host_passed_from_the_answer_alone_leads(tmp_path: Path) -> None:
    report = diagnose(parse(MANIFEST), _sweep(intact=False))
    found = _one(report, f"http://site2.example:{HTTP}/")
    assert found.cause is Cause.HOST_REWRITTEN, found
    assert "default_server" not in str(found.candidates)
    assert "$proxy_host" in found.explanation and "'proxy_set_header Host $host;'" in found.fix
    assert "pass line" not in found.fix


def test_a_servername_typo_behind_nginx_is_apaches_choice(tmp_path: Path) -> None:
    config = _conf(tmp_path, _nginx(host_line=True))
    report = diagnose(parse(MANIFEST), _sweep(intact=True, typo=True), config=config)
    assert _one(report, f"http://site1.example:{HTTP}/").ok
    proxy = _line(tmp_path, "proxy_pass", after=int(
        _line(tmp_path, "server_name  site2.example").rsplit(":", 1)[1]))
    for url in (f"http://site2.example:{HTTP}/", f"https://site2.example:{HTTPS}/"):
        found = _one(report, url)
        assert found.verdict is Verdict.WRONG_INSTANCE and found.cause is None, found
        assert [c.cause for c in found.candidates] == [Cause.VHOST_FALLBACK,
                                                       Cause.VHOST_SHADOWED]
        assert all("Apache's configuration" in c.check for c in found.candidates)
        # re-tester R30: the answering Apache's own command line with -S (its ppid), not a
        # bare 'apachectl -S', which reads the system's configuration, not one given with -f
        assert "; '$(ps -ww -o args= -p 4386 | sed \"s/ -k [a-z-]*//g\") -S' (the command " \
               "line of the Apache pid 4386" in found.fix, found.fix
        assert proxy not in found.fix and "pass to" not in found.fix, found.fix
        assert "Leave nginx's lines as they are" in found.fix
        assert "ServerName or ServerAlias" in found.fix
        assert "site1 (" in found.explanation and "'site2.example' (request.host)" in \
            found.explanation
