"""Another copy of the answering application (a tester's uWSGI emperor, set-up B
``wrong-module``): the vassal on blog.sock loads shop's module, while shop answers its own URL
from shop.sock. nginx's ``upstream blog`` already names blog.sock: the fix is that uWSGI
server's module, never the ``server`` line (the same on a real nginx and two uWSGI servers:
tests/integration/test_nginx_wrong_module.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.diagnose.discriminate import key_of
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import parse
from probe.model import Cause, Observation, Sample, TargetResult, Verdict
from probe.nginx import load_nginx
from tests.test_diagnose import ep, thrice

BLOG, SHOP = "unix:/run/uwsgi/blog.sock", "unix:/run/uwsgi/shop.sock"
MANIFEST = """
[instances.blog]
label = "blog"
settings = "blogsite.settings"
urls = ["http://blog.example.com/"]

[instances.shop]
label = "shop"
urls = ["http://shop.example.com/"]
"""


def site(name: str, member: str) -> str:
    return f"""    upstream {name} {{
        server {member};
    }}
    server {{
        listen 127.0.0.1:18080;
        server_name {name}.example.com;
        error_page 500 502 503 504 /50x.html;
        location / {{
            uwsgi_pass {name};
            include uwsgi_params;
        }}
    }}
"""


def conf(tmp_path: Path, body: str) -> ConfigJoin:
    (tmp_path / "uwsgi_params").write_text("uwsgi_param QUERY_STRING $query_string;\n")
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n    server { listen 127.0.0.1:18080 default_server; "
                    "return 444; }\n" + body + "}\n")
    return ConfigJoin(load_nginx(str(path)))


def answer(url: str, expected: str, label: str, listen: str, pid: int) -> Observation:
    data = ep(label, host=url.split("/")[2], pid=pid, process_group="", application_group="")
    data["server"] = {"software": "uWSGI/2.0.31", "mod_wsgi_version": None, "listen": listen}
    data["request"].update(host_allowed=label == expected)
    observed = thrice(url, expected, data)
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18080")
        for s in observed.samples))


WRONG = answer("http://blog.example.com/", "blog", "shop", BLOG, 31338)
OWN = answer("http://shop.example.com/", "shop", "shop", SHOP, 31336)


def emperor(observed: Observation, master: int, ini: str) -> Observation:
    """The answer as the tester's uWSGI 2.0.31 vassal gave it: its master, its
    --touch-reload (the vassal's .ini), the DJANGO_SETTINGS_MODULE shop's wsgi.py set."""
    def told(sample: Sample) -> Sample:
        assert sample.endpoint is not None
        raw = dict(sample.endpoint.raw)
        raw["server"] = {**raw["server"], "uwsgi": {
            "version": "2.0.31", "master_pid": master, "pidfile": [], "touch_reload": [ini],
            "master_fifo": []}}
        raw["settings_module"] = {"environ": "shopsite.settings", "loaded": "shopsite.settings"}
        return dataclasses.replace(sample, endpoint=EndpointAnswer.from_json(raw))
    return dataclasses.replace(observed, samples=tuple(told(s) for s in observed.samples))


def one(config: ConfigJoin | None, *observations: Observation) -> TargetResult:
    report = diagnose(parse(MANIFEST), list(observations), config=config)
    return next(t for t in report.targets if t.url == "http://blog.example.com/")


def line(tmp_path: Path, text: str) -> str:
    lines = (tmp_path / "nginx.conf").read_text().splitlines()
    return f"{tmp_path / 'nginx.conf'}:{next(n for n, t in enumerate(lines, 1) if text in t)}"


def test_the_server_behind_the_right_socket_loading_the_other_app_is_the_fix(
        tmp_path: Path) -> None:
    config = conf(tmp_path, site("blog", BLOG) + site("shop", SHOP))
    found = one(config, WRONG, OWN)
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, Cause.WRONG_MODULE), found
    assert "replace 'server" not in found.fix, found.fix
    # blog answered nowhere: two servers on blog.sock's path are checked for first
    assert found.fix.startswith("First check whether two servers are configured with "
                                "/run/uwsgi/blog.sock: "), found.fix
    assert (f"Where one alone is: make the application server listening on {BLOG} (pid 31338) "
            f"load blog's application, not shop's: uWSGI's configuration that binds "
            f"{BLOG}") in found.fix, found.fix
    assert "module= (or wsgi-file=), chdir=" in found.fix
    assert f"{SHOP} (pid 31336), while this answer came from {BLOG} (pid 31338)" \
        in found.explanation, found.explanation
    assert f"at {line(tmp_path, 'uwsgi_pass blog')}, stays as it is" in found.fix
    claims = [e.claim for e in found.evidence]
    assert f"shop answers its own URL from server.listen {SHOP!r}, pid 31336" in claims, claims


def test_one_server_answering_both_names_keeps_wrong_upstream(tmp_path: Path) -> None:
    """shop's own URL answered from blog.sock too: the member line is shop's address."""
    config = conf(tmp_path, site("blog", BLOG) + site("shop", SHOP))
    same = answer("http://shop.example.com/", "shop", "shop", BLOG, 31338)
    found = one(config, WRONG, same)
    assert found.cause is Cause.WRONG_UPSTREAM, found
    assert found.fix.startswith(f"At {line(tmp_path, BLOG)}, replace 'server {BLOG}'"), found.fix


def test_a_pool_member_of_the_other_site_keeps_wrong_upstream(tmp_path: Path) -> None:
    """shop's own upstream lists blog.sock too: by configuration it is one of shop's servers,
    and blog's hand-over to it is the mistake."""
    config = conf(tmp_path, site("blog", BLOG)
                  + site("shop", SHOP).replace(f"server {SHOP};",
                                               f"server {SHOP};\n        server {BLOG};"))
    found = one(config, WRONG, OWN)
    assert found.cause is Cause.WRONG_UPSTREAM, found


def test_without_the_configuration_the_module_is_a_candidate() -> None:
    found = one(None, WRONG, OWN)
    assert found.cause is None, found
    causes = [c.cause for c in found.candidates]
    assert Cause.WRONG_MODULE in causes, found.candidates
    module = next(c for c in found.candidates if c.cause is Cause.WRONG_MODULE)
    assert module.check.startswith(f"the application server at {BLOG} loads shop's "
                                   f"application where blog's is meant"), module.check
    assert "proxy_pass to it" not in found.explanation, found.explanation
    assert "pass line (proxy_pass or uwsgi_pass)" in found.explanation, found.explanation
    assert "the application server listening there loads shop's application" \
        in found.explanation, found.explanation


def test_without_the_configuration_one_server_gets_no_module_candidate() -> None:
    same = answer("http://shop.example.com/", "shop", "shop", BLOG, 31338)
    found = one(None, WRONG, same)
    assert Cause.WRONG_MODULE not in [c.cause for c in found.candidates], found.candidates


def test_a_refused_invalid_name_leaves_the_pass_line_or_the_server() -> None:
    """The .invalid name is refused: a block claims blog.example.com and leads to blog.sock.
    Whether blog.sock is the wrong address or blog's server with shop's module the answers
    do not show: both candidates, no cause."""
    key, _ = key_of(WRONG)
    refused = {key: Sample(1.0, None, error="server closed the connection without answering")}
    found = next(t for t in diagnose(parse(MANIFEST), [WRONG, OWN], probed=refused).targets
                 if t.url == "http://blog.example.com/")
    assert found.cause is None, found
    assert [c.cause for c in found.candidates] == [Cause.WRONG_UPSTREAM, Cause.WRONG_MODULE]
    assert f"If {BLOG} is where blog's application server is meant to listen, the pass line " \
           f"stays" in found.fix, found.fix
    assert "proxy_pass at" not in found.fix, found.fix


def test_the_fix_reloads_the_master_and_keeps_the_old_settings_out(tmp_path: Path) -> None:
    """Tester T19: 'then restart it' named worker pid 20743; the vassal's master is 20713
    (server.uwsgi.master_pid), its .ini its --touch-reload. Applied literally (module=
    changed, the emperor reloaded the vassal), blog ran shopsite.settings: a reload keeps the
    environment, where shop's wsgi.py had set DJANGO_SETTINGS_MODULE."""
    config = conf(tmp_path, site("blog", BLOG) + site("shop", SHOP))
    ini = "/srv/blog/uwsgi_config.ini"
    found = one(config, emperor(WRONG, 20713, ini), emperor(OWN, 20714, "/srv/shop/x.ini"))
    assert found.cause is Cause.WRONG_MODULE, found
    assert "then restart it" not in found.fix, found.fix
    assert ("env = DJANGO_SETTINGS_MODULE=; then reload uWSGI: send HUP to its master, pid "
            "20713 (server.uwsgi.master_pid) or touch /srv/blog/uwsgi_config.ini (its "
            "--touch-reload, server.uwsgi.touch_reload)") in found.fix, found.fix
    assert ("A reload keeps the process environment, and this answer's holds "
            "DJANGO_SETTINGS_MODULE 'shopsite.settings' (settings_module.environ)") \
        in found.fix, found.fix
    assert ("also set 'env = DJANGO_SETTINGS_MODULE=blogsite.settings' in that configuration "
            "(or assign it in the WSGI file: os.environ['DJANGO_SETTINGS_MODULE'] = "
            "'blogsite.settings'), or stop and start that uWSGI rather than reload it") \
        in found.fix, found.fix


def test_without_the_configuration_the_module_reading_reloads_the_master_too() -> None:
    found = one(None, emperor(WRONG, 20713, "/srv/blog/uwsgi_config.ini"),
                emperor(OWN, 20714, "/srv/shop/x.ini"))
    assert "correct uWSGI's configuration" in found.fix, found.fix
    assert "then reload uWSGI: send HUP to its master, pid 20713" in found.fix, found.fix
    assert "os.environ['DJANGO_SETTINGS_MODULE'] = 'blogsite.settings'" in found.fix, found.fix
