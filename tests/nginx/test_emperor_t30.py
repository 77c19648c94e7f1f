"""Tester T30's uWSGI Emperor behind nginx (tests/t30_answers.py): every vassal listens with
``socket=``, uWSGI's own protocol.

* without --config, site3.test/ and www.site3.test/ were told to point their pass at 'proxy_pass
  http://unix:.../site3.sock:;': applied, nginx answered 502 ("upstream prematurely closed
  connection"; uWSGI "invalid request block size"). The answers say uWSGI (server.uwsgi): the
  line offered is uwsgi_pass, the proxy_pass form said for an http-socket= with its check.
* with --config, site3.test/ passes to site4.sock, whose vassal runs site1 (copied from site1.ini
  with its chdir/module left) while site1 answers its own URLs from site1.sock with other pids,
  and no route of site1's URLs passes to site4.sock: docs/verdicts.md's ``wrong_module``.
  www.site3.test/ passes to 127.0.0.1:18402, where site2 answers its own URLs (one server):
  ``wrong_upstream``.
"""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.diagnose.discriminate import key_of
from probe.manifest import parse
from probe.model import Cause, Sample, TargetResult, Verdict
from probe.nginx import load_nginx
from tests import t30_answers as t30

SITE3 = "http://site3.test/"
WWW3 = "http://www.site3.test/"


def sweep(config: ConfigJoin | None = None) -> dict[str, TargetResult]:
    observations = t30.observations()
    # the .invalid name the sweep sends to decide: nginx's default server answered 404
    key, _ = key_of(observations[0])
    refused = {key: Sample(1.0, 404, address=t30.FRONT, server=t30.NGINX)}
    report = diagnose(parse(t30.MANIFEST), observations, probed=refused, config=config)
    return {t.url: t for t in report.targets}


def loaded(tmp_path: Path) -> tuple[ConfigJoin, Path]:
    (tmp_path / "uwsgi_params").write_text("uwsgi_param QUERY_STRING $query_string;\n")
    path = tmp_path / "nginx.conf"
    path.write_text(t30.nginx_conf())
    return ConfigJoin(load_nginx(str(path))), path


def line(path: Path, text: str) -> int:
    return next(n for n, t in enumerate(path.read_text().splitlines(), 1) if text in t)


def test_without_the_configuration_uwsgis_answers_lead_with_uwsgi_pass() -> None:
    found = sweep()
    # site4.sock runs site1 too: which of the two is wrong, the answers alone do not say
    assert found[SITE3].cause is None, found[SITE3]
    assert [c.cause for c in found[SITE3].candidates] == [Cause.WRONG_UPSTREAM,
                                                          Cause.WRONG_MODULE]
    assert found[WWW3].cause is Cause.WRONG_UPSTREAM, found[WWW3]
    for url in (SITE3, WWW3):
        fix = found[url].fix
        assert f" at 'uwsgi_pass {t30.SITE3_SOCK};', with 'include uwsgi_params;' before it " \
               f"(site3 answers its own URL http://site1.test/app/" in fix, fix
        assert "uWSGI made that answer (server.uwsgi.version '2.0.31')" in fix, fix
        # the other protocol, and the line that decides between them
        assert ("where the line that binds " + t30.SITE3_SOCK + " in uWSGI's configuration "
                "(the vassal .ini, or 'uwsgi --show-config') is http-socket=, write "
                "'proxy_pass http://" + t30.SITE3_SOCK + ":;' instead") in fix, fix
        assert fix.index("'uwsgi_pass") < fix.index("'proxy_pass"), fix


def test_with_the_configuration_the_copied_vassal_is_the_fix(tmp_path: Path) -> None:
    config, path = loaded(tmp_path)
    found = sweep(config)
    site3 = found[SITE3]
    assert (site3.verdict, site3.cause) == (Verdict.WRONG_INSTANCE, Cause.WRONG_MODULE), site3
    assert site3.fix.startswith(
        f"Make the application server listening on {t30.SITE4_SOCK} (pids 10203, 10204) load "
        f"site3's application, not site1's: uWSGI's configuration that binds "
        f"{t30.SITE4_SOCK} (the vassal .ini or command line whose socket= is it)"), site3.fix
    passed = f"{path}:{line(path, 'uwsgi_pass unix:' + t30.RUN + '/site4')}"
    own = f"{path}:{line(path, 'uwsgi_pass unix:' + t30.RUN + '/site3')}"
    assert f"at {passed}, stays as it is" in site3.fix, site3.fix
    # site3 is seen elsewhere: said, with the re-point as the other reading, never as the lead
    assert "no answer of this sweep shows site3 running at another address" not in site3.fix
    assert (f"If {t30.SITE4_SOCK} is not meant for site3 at all, the hand-over is what is "
            f"wrong: at {passed}, pass to site3's upstream: 'uwsgi_pass {t30.SITE3_SOCK};' as "
            f"at {own}") in site3.fix, site3.fix
    www = found[WWW3]
    assert (www.verdict, www.cause) == (Verdict.WRONG_INSTANCE, Cause.WRONG_UPSTREAM), www
    at = line(path, "server_name www.site3.test") + 3
    assert www.fix.startswith(f"At {path}:{at}, pass to site3's upstream: 'uwsgi_pass "
                              f"{t30.SITE3_SOCK};' as at {own}"), www.fix
