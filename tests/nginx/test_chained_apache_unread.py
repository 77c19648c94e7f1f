"""nginx in front of Apache + mod_wsgi, swept without ``--config`` (the re-tester R22's
``servername_typo``: ``ServerName site2.exmaple`` behind a correct nginx, answers as
recorded there): the Host arrived intact, and site1 and site3 answered their own URLs from
the same Apache (parent pid 4386, host 'vm', the same server.software) through the same
address, so Apache's name matching is a reading beside nginx's, never nginx's fix alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from probe.diagnose import diagnose
from probe.diagnose.discriminate import INVALID_HOST, key_of
from probe.manifest import parse
from probe.model import Cause, EvidenceKind, Observation, Report, Sample, TargetResult, Verdict
from tests.test_diagnose import answered, ep, thrice

HTTP, HTTPS = 36157, 36967
SITES = ("site1", "site2", "site3")
PIDS = {"site1": 4387, "site2": 4388, "site3": 4389}
MANIFEST = "[probe]\nconnect = \"127.0.0.1\"\n" + "\n".join(
    f'[instances.{n}]\nlabel = "{n}"\nprocess_group = "{n}"\nsettings = "chain.settings_{n}"\n'
    f'urls = ["http://{n}.example:{HTTP}/", "https://{n}.example:{HTTPS}/"]\n' for n in SITES)
SOFTWARE = "Apache/2.4.71 (Debian) mod_wsgi/6.1.1 Python/3.11"


def _data(label: str, host: str, ppid: int | None) -> dict[str, object]:
    data = ep(label, host=host, process_group=label, application_group="", pid=PIDS[label],
              settings=f"chain.settings_{label}")
    data["ppid"] = ppid
    data["server"] = {"software": SOFTWARE, "mod_wsgi_version": "6.1.1", "listen": None,
                      "hostname": "vm"}
    return data


def _answer(url: str, expected: str, label: str, ppid: int | None) -> Observation:
    observed = thrice(url, expected, _data(label, url.split("/")[2].split(":")[0], ppid))
    port = url.split(":")[2].split("/")[0]
    return dataclasses.replace(observed, target=dataclasses.replace(
        observed.target, address=f"127.0.0.1:{port}"), samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address=f"127.0.0.1:{port}")
        for s in observed.samples))


def _sweep(ppids: Mapping[str, int | None]) -> list[Observation]:
    return [_answer(f"{scheme}://{n}.example:{port}/", n, "site1" if n == "site2" else n,
                    ppids[n])
            for n in SITES for scheme, port in (("http", HTTP), ("https", HTTPS))]


def _probed(observations: list[Observation]) -> dict[str, Sample]:
    """The .invalid request at each address, answered by site1 as in the re-tester's run
    (nginx's default block passes it to Apache, whose first VirtualHost answers)."""
    invalid = answered(_data("site1", INVALID_HOST, 4386))
    return {key_of(o)[0]: dataclasses.replace(invalid, server="nginx/1.22.1")
            for o in observations}


def _one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


SAME = dict.fromkeys(SITES, 4386)


def test_a_servername_typo_without_config_keeps_apaches_name_matching_open() -> None:
    seen = _sweep(SAME)
    for probed in (None, _probed(seen)):
        report = diagnose(parse(MANIFEST), seen, probed=probed)
        assert _one(report, f"http://site1.example:{HTTP}/").ok
        for url in (f"http://site2.example:{HTTP}/", f"https://site2.example:{HTTPS}/"):
            found = _one(report, url)
            assert found.verdict is Verdict.WRONG_INSTANCE and found.cause is None, found
            causes = [c.cause for c in found.candidates]
            assert causes[:4] == [Cause.DEFAULT_SERVER, Cause.WRONG_UPSTREAM,
                                  Cause.VHOST_FALLBACK, Cause.VHOST_SHADOWED], causes
            apache = [c for c in found.candidates if c.cause in (Cause.VHOST_FALLBACK,
                                                                 Cause.VHOST_SHADOWED)]
            # re-tester R30: that Apache's own command line with -S, not a bare
            # 'apachectl -S' (the system's configuration, not a file given with -f)
            assert all("--config with Apache's configuration ('$(ps -ww -o args= -p 4386 | "
                       "sed \"s/ -k [a-z-]*//g\") -S' (the command line of the Apache pid "
                       "4386, the answers' ppid, with -S in place of its -k; 'apachectl -S' "
                       "where it shows no -f) lists each address's VirtualHosts and names)"
                       in c.check for c in apache), apache
            assert "'site2.example' (request.host), the URL's" in found.explanation
            assert "parent pid 4386 (ppid)" in found.explanation, found.explanation
            assert f"site1 ({url.split('//')[0]}//site1.example" in found.explanation
            assert "site3 (" in found.explanation
            # nginx's fix is one reading, never the only one nor the first
            assert found.fix.startswith("Find first which server chose site1's site"), found.fix
            assert "leave nginx's lines as they are" in found.fix
            assert "nginx's part is the reading left: find which: 'nginx -T'" in found.fix
            assert found.fix.index("ServerName or ServerAlias") < found.fix.index("pass line")
            assert any(e.kind is EvidenceKind.OBSERVED and e.claim == "ppid = 4386"
                       for e in found.evidence)


def test_another_apache_answering_the_others_leaves_nginxs_readings() -> None:
    """site1 and site3 answered by another parent: nothing shows one Apache choosing by name."""
    for ppids in ({**SAME, "site1": 5000, "site3": 5000}, dict.fromkeys(SITES)):
        found = _one(diagnose(parse(MANIFEST), _sweep(ppids)), f"http://site2.example:{HTTP}/")
        assert [c.cause for c in found.candidates] == [Cause.DEFAULT_SERVER,
                                                       Cause.WRONG_UPSTREAM], found
        assert found.fix.startswith("Find which: 'nginx -T'"), found.fix
