"""``--config`` given a mod_wsgi-express server's own httpd.conf while the URLs go through a
front (re-tester R31, apache-front swept with shop's express httpd.conf on 127.0.0.1:18101):
that file does not route them, so each URL is judged as without --config, said once, with the
front's configuration as the check; never a VirtualHost for the front's port, a name to stop
claiming at express's _default_ VirtualHost, or shop's handler.wsgi as wiki's route.
"""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import diagnose
from probe.diagnose.join_not_running import unlistened
from probe.manifest import parse
from probe.model import Observation, Report, Sample
from probe.sweep_config import load_config
from tests import t31_express_answers as t31
from tests.t31_answers import APACHE_FRONT, BLOG, SHOP
from tests.test_express_fronts import MANIFEST, _answer, _seen

# express-18101-httpd.conf:16-21, its Listen lines as written (the one read without -D, its
# line 20, is line 6 of the copy)
LISTENS = """<IfDefine MOD_WSGI_WITH_LISTENER_HOST>
Listen 127.0.0.1:18101
</IfDefine>
<IfDefine !MOD_WSGI_WITH_LISTENER_HOST>
Listen 18101
</IfDefine>
"""
SAID = "So that file does not route this URL"


def _conf(tmp: Path) -> Path:
    root = tmp / "mod_wsgi-127.0.0.1:18101:0"
    (root / "htdocs").mkdir(parents=True)
    (root / "handler.wsgi").write_text("")
    conf = root / "httpd.conf"
    conf.write_text(t31.express_conf(str(root), 18101).replace("Listen 127.0.0.1:18101\n",
                                                               LISTENS))
    return conf


def _apache_front() -> list[Observation]:
    """R31's apache-front rows: mod_proxy adds X-Forwarded-Host (request.forwarded_host)."""
    server = "Apache"  # express's ServerTokens ProductOnly, passed on by mod_proxy
    return [
        _seen("http://shop.example.test/", "shop", APACHE_FRONT, server,
              _answer(SHOP, forwarded_host="shop.example.test")),
        _seen("http://blog.example.test/app/", "blog", APACHE_FRONT, server,
              _answer(BLOG, forwarded_host="blog.example.test")),
        _seen("http://blog2.example.test/app/", "blog", APACHE_FRONT, server, status=404),
        _seen("http://blog-old.example.test/", "blog", APACHE_FRONT, server, _answer(
            SHOP, host="blog-old.example.test", server_name="blog-old.example.test",
            forwarded_host="blog-old.example.test", host_allowed=False)),
        _seen("http://wiki.example.test/", "wiki", APACHE_FRONT, server, status=403)]


def _sweep(conf: Path | None) -> Report:
    probed = {f"http:80@{APACHE_FRONT}": Sample(elapsed_ms=1.0, status_code=403,
                                                address=APACHE_FRONT,
                                                server="Apache/2.4.71 (Debian)")}
    config = load_config(str(conf), {}, lambda site: []) if conf is not None else None
    return diagnose(parse(MANIFEST.replace("{front}", APACHE_FRONT)), _apache_front(),
                    config=config, probed=probed)


def test_express_conf_behind_apache_front_is_judged_as_without_config(tmp_path: Path) -> None:
    conf = _conf(tmp_path)
    given, alone = _sweep(conf), _sweep(None)
    for found, bare in zip(given.targets, alone.targets, strict=True):
        assert (found.verdict, found.cause, found.fix, found.candidates) == \
            (bare.verdict, bare.cause, bare.fix, bare.candidates), found.url
        if found.verdict.value == "ok":
            assert SAID not in found.explanation, found.explanation
            continue
        said = found.explanation.removeprefix(bare.explanation)
        assert said != found.explanation, (found.url, found.explanation)
        assert said.count(SAID) == 1, said
        assert f"which listens at 18101 ({conf}:6) only; this URL was sent to " \
               f"{APACHE_FRONT} (the address probed)" in said, said
        assert f"sweep with --config on the configuration of the server at {APACHE_FRONT}" \
            in said, said
        # re-tester R31: the front ran with -f; a bare 'apachectl -S' reads the system's file
        assert "('ss -ltnp sport = :18190' names the process listening there, and 'ps -ww -o " \
               "args= -p PID' its command line, whose -f (Apache) or -c (nginx) names that " \
               "file; where it shows none, the system's: 'apachectl -S' or 'nginx -T')" in said
        assert "'apachectl -S' or 'nginx -T' there names its file" not in said, said
        assert any(e.source == f"{conf}:6" for e in found.evidence), found.evidence
    rows = {t.url: t for t in given.targets}
    assert "<VirtualHost *:18190>" not in rows["http://blog2.example.test/app/"].fix
    old = rows["http://blog-old.example.test/"]
    assert "stop claiming" not in old.fix and "names are not compared" not in old.explanation
    assert "request.forwarded_host is 'blog-old.example.test': a front passed it on" in \
        old.explanation, old.explanation
    wiki = rows["http://wiki.example.test/"]
    assert "the endpoint must answer from that script" not in wiki.explanation


def test_express_conf_behind_nginx_front_is_judged_as_without_config(tmp_path: Path) -> None:
    conf = _conf(tmp_path)
    manifest = parse(t31.NGINX_MANIFEST)
    given = diagnose(manifest, t31.nginx_front(),
                     config=load_config(str(conf), {}, lambda site: []))
    alone = diagnose(manifest, t31.nginx_front())
    old = next(t for t in given.targets if t.url == "http://blog-old.example.test/")
    bare = next(t for t in alone.targets if t.url == "http://blog-old.example.test/")
    assert (old.verdict, old.cause, old.fix) == (bare.verdict, bare.cause, bare.fix)
    assert "its Server header is 'nginx/1.22.1': a front passed it on" in old.explanation
    assert old.explanation.count(SAID) == 1, old.explanation


def test_the_fronts_file_is_found_by_its_command_line_not_apachectl(tmp_path: Path) -> None:
    """R31 (18103's express httpd.conf given): "sweep 127.0.0.1:18190 with the file that server
    reads ('apache2ctl -S' on it names it)", of a front started with -f."""
    config = load_config(str(_conf(tmp_path)), {}, lambda site: [])
    said, _ = unlistened(config.front, APACHE_FRONT)
    assert "sweep 127.0.0.1:18190 with the file that server reads ('ss -ltnp sport = :18190' " \
           "names the process listening there and 'ps -ww -o args= -p PID' its command line, " \
           "whose -f names that file" in said, said
    assert "apache2ctl -S" not in said, said
