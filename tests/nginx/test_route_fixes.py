"""The route nginx takes, read from the configuration, as the diagnosis words it: a proxy_pass
with variables resolved through the ``map`` blocks read, a regular expression location that
takes a prefix's URL, an upstream group holding the wrong member, ``uwsgi_pass``, nginx's own
502, and the Host lines (a tester's findings with nginx 1.22; the same with real servers in
tests/integration/test_nginx_routes.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.diagnose.config_reload import nginx_reload
from probe.manifest import Target, parse
from probe.model import EvidenceKind, Observation, Sample, TargetResult
from probe.nginx import load_nginx
from tests.test_diagnose import ep, thrice

MANIFEST = """
[instances.alpha]
label = "alpha"
urls = ["http://alpha.test/"]

[instances.beta]
label = "beta"
urls = ["http://beta.test/h/"]

[instances.gamma]
label = "gamma"
urls = ["http://other.test/"]
"""
ALPHA, BETA, GAMMA = "127.0.0.1:18101", "127.0.0.1:18103", "127.0.0.1:18104"
APACHE = ("VirtualHost", "ServerAlias", "vhost_", "Apache")


def _conf(tmp_path: Path, body: str) -> ConfigJoin:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + body + "}\n")
    return ConfigJoin(load_nginx(str(path)))


def _answer(url: str, expected: str, label: str, listen: str | None, *, host: str | None = None,
            allowed: bool = True) -> Observation:
    """An answer of ``label`` at ``listen`` through nginx, with the Host it received."""
    data = ep(label, host=host or url.split("/")[2], mount="", process_group="",
              application_group="")
    data["server"] = {"software": "gunicorn/23.0.0", "mod_wsgi_version": None,
                      "listen": listen}
    data["request"].update(host_allowed=allowed)
    observed = thrice(url, expected, data)
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18080")
        for s in observed.samples))


def _target(config: ConfigJoin, *observations: Observation, url: str,
            manifest: str = MANIFEST) -> TargetResult:
    report = diagnose(parse(manifest), list(observations), config=config)
    found = next(t for t in report.targets if t.url == url)
    words = (found.explanation or "") + (found.fix or "")
    assert not [w for w in APACHE if w in words], found
    assert all(c.cause.value.startswith(("default_server", "wrong_upstream"))
               for c in found.candidates), found
    return found


MAP = """    map $host $backend {{
        default 127.0.0.1:18104;
        alpha.test 127.0.0.1:18101;
        other.test {other};
    }}
    server {{ listen 127.0.0.1:18080; server_name alpha.test other.test;
        location / {{ proxy_set_header Host $host; proxy_pass http://$backend; }} }}
"""


def test_a_proxy_pass_variable_is_resolved_through_the_map_read(tmp_path: Path) -> None:
    """other.test is mapped to alpha's address: the map line is blamed, not a reload."""
    config = _conf(tmp_path, MAP.format(other=ALPHA))
    wrong = _answer("http://other.test/", "gamma", "alpha", ALPHA, host="other.test", allowed=True)
    found = _target(config, _answer("http://alpha.test/", "alpha", "alpha", ALPHA), wrong,
                    url="http://other.test/")
    path = tmp_path / "nginx.conf"
    assert found.cause is not None and found.cause.value == "wrong_upstream", found
    text = found.explanation
    reload = f" {nginx_reload(str(path))}"  # the edit's, said once at the end
    assert "not running this configuration" not in text and \
        "reload" not in found.fix.removesuffix(reload)
    assert f"$backend = {ALPHA} (map $host $backend at {path}:3: $host = 'other.test', " \
           f"other.test at {path}:6)" in text, text
    assert found.candidates == ()
    assert found.fix == (f"At {path}:6, 'other.test {ALPHA};' in map $host $backend ({path}:3) "
                         f"sends other.test to alpha: give it gamma's address.{reload}"), \
        found.fix


def test_a_map_on_a_source_only_a_request_has_leaves_the_step_undecided(
        tmp_path: Path) -> None:
    config = _conf(tmp_path, MAP.format(other=ALPHA).replace("map $host", "map $cookie_b"))
    wrong = _answer("http://other.test/", "gamma", "alpha", ALPHA, host="other.test", allowed=True)
    found = _target(config, wrong, url="http://other.test/")
    path = tmp_path / "nginx.conf"
    text = found.explanation + found.fix.removesuffix(f" {nginx_reload(str(path))}")
    assert found.fix.endswith(nginx_reload(str(path))), found.fix
    assert "not running this configuration" not in text and "reload" not in text, text
    assert f"$backend comes from map $cookie_b $backend at {path}:3" in text, text
    assert f"At {path}:9, 'proxy_pass http://$backend;' takes its address at request " \
           f"time" in text, text


REGEX = """    upstream gamma_up { server 127.0.0.1:18104; }
    upstream beta_http { server 127.0.0.1:18103; }
    server { listen 127.0.0.1:18080; server_name beta.test;
        location ~ /h/ { proxy_set_header Host $host; proxy_pass http://gamma_up; }
        location /h/v2/ { proxy_set_header Host $host; proxy_pass http://beta_http; }
        location /h/own/ { proxy_set_header Host $host; proxy_pass http://beta_http; } }
"""


def test_a_regex_location_that_takes_the_prefixs_url_is_fixed_with_caret_tilde(
        tmp_path: Path) -> None:
    body = REGEX.replace("location /h/own/", "location = /own/")
    config = _conf(tmp_path, body)
    manifest_url = "http://beta.test/h/v2/"
    own = _answer("http://beta.test/own/", "beta", "beta", BETA, host="beta.test", allowed=True)
    wrong = _answer(manifest_url, "beta", "gamma", GAMMA, host="beta.test", allowed=True)
    wrong = dataclasses.replace(wrong, target=Target(manifest_url, "beta"))
    own = dataclasses.replace(own, target=Target("http://beta.test/own/", "beta"))
    report = diagnose(parse(MANIFEST.replace('"http://beta.test/h/"',
                                             f'"{manifest_url}", "http://beta.test/own/"')),
                      [own, wrong], config=config)
    found = next(t for t in report.targets if t.url == manifest_url)
    path = tmp_path / "nginx.conf"
    assert found.fix == (f"Write 'location ^~ /h/v2/' in place of 'location /h/v2/' at "
                         f"{path}:7: a ^~ longest prefix stops nginx's search of the regular "
                         f"expressions, so location ~ /h/ at {path}:6 no longer takes it. "
                         f"{nginx_reload(str(path))}"), found.fix
    assert f"location ~ /h/ ({path}:6) takes it before the prefix location /h/v2/ " \
           f"({path}:7)" in found.explanation


SENTRY = """    server { listen 127.0.0.1:18080; server_name beta.test;
        proxy_set_header Host $host;
        location / { proxy_pass http://@ROOT@; }
        location ~* /h/(?P<projectid>\\d+/)?store/ { proxy_pass http://127.0.0.1:18104; } }
"""


def _sentry_fix(tmp_path: Path, root: str) -> tuple[str, str, Path]:
    """Sentry's documented layout (docs/quickstart/nginx.rst) as a tester broke it: the
    store location's proxy_pass leads to another application (gamma)."""
    config = _conf(tmp_path, SENTRY.replace("@ROOT@", root))
    url = "http://beta.test/h/1/store/"
    own = _answer("http://beta.test/", "beta", "beta", BETA, host="beta.test")
    own = dataclasses.replace(own, target=Target("http://beta.test/", "beta"))
    wrong = dataclasses.replace(_answer(url, "beta", "gamma", GAMMA, host="beta.test"),
                                target=Target(url, "beta"))
    report = diagnose(parse(MANIFEST.replace('"http://beta.test/h/"',
                                             f'"{url}", "http://beta.test/"')),
                      [own, wrong], config=config)
    found = next(t for t in report.targets if t.url == url)
    return found.explanation or "", found.fix or "", tmp_path / "nginx.conf"


def test_a_regex_location_over_location_slash_is_fixed_at_its_own_proxy_pass(
        tmp_path: Path) -> None:
    """'location ^~ /' would stop every regular expression location of the block: never
    proposed. The store location's own proxy_pass leads, whether location / is seen to pass
    to beta (127.0.0.1) or not (localhost, which the answers do not tie to beta)."""
    for root in (BETA, "localhost:18103"):
        explanation, fix, path = _sentry_fix(tmp_path, root)
        assert "^~ /'" not in fix and "^~ / " not in fix, fix
        regex = "location ~* /h/(?P<projectid>\\d+/)?store/"
        assert f"{regex} ({path}:6) takes it before the prefix location / ({path}:5)" in \
            explanation, explanation
        assert fix.startswith(f"The location ~* /h/(?P<projectid>\\d+/)?store/ ({path}:6) takes "
                              f"/h/1/store/: at {path}:6, pass to "), fix
        assert f"'proxy_pass http://{BETA};'" in fix, fix
        assert "If that location is meant for another application, narrow its regular " \
               "expression so that it no longer matches /h/1/store/ (location / at " \
               f"{path}:5 then takes it); a ^~ on location / is no fix: it would stop every " \
               "regular expression location of this server block." in fix, fix


def test_a_regex_location_passing_elsewhere_by_its_target_is_fixed_there_first(
        tmp_path: Path) -> None:
    """A longer prefix not seen to pass to beta: the regular expression location's own
    proxy_pass first, ^~ on the prefix as the other way."""
    body = REGEX.replace("location /h/own/", "location = /own/").replace(
        "location /h/v2/ { proxy_set_header Host $host; proxy_pass http://beta_http; }",
        "location /h/v2/ { proxy_set_header Host $host; proxy_pass http://localhost:18103; }")
    config = _conf(tmp_path, body)
    url = "http://beta.test/h/v2/"
    own = dataclasses.replace(_answer("http://beta.test/own/", "beta", "beta", BETA,
                                      host="beta.test"),
                              target=Target("http://beta.test/own/", "beta"))
    wrong = dataclasses.replace(_answer(url, "beta", "gamma", GAMMA, host="beta.test"),
                                target=Target(url, "beta"))
    report = diagnose(parse(MANIFEST.replace('"http://beta.test/h/"',
                                             f'"{url}", "http://beta.test/own/"')),
                      [own, wrong], config=config)
    fix = next(t for t in report.targets if t.url == url).fix or ""
    path = tmp_path / "nginx.conf"
    assert fix.startswith(f"The location ~ /h/ ({path}:6) takes it: at {path}:6, pass to beta's "
                          f"upstream: 'proxy_pass http://beta_http;' as at {path}:8"), fix
    assert f"reached it. If location /h/v2/ ({path}:7) is the location meant for beta " \
           f"instead, write 'location ^~ /h/v2/' in place of 'location /h/v2/' at {path}:7" \
           in fix, fix


def test_a_member_of_the_named_upstream_is_blamed_at_its_server_line(tmp_path: Path) -> None:
    config = _conf(tmp_path, """    upstream gamma_up {
        server 127.0.0.1:18101;
        server 127.0.0.1:18104 backup;
    }
    server { listen 127.0.0.1:18080; server_name other.test;
        location / { proxy_set_header Host $host; proxy_pass http://gamma_up; } }
""")
    wrong = _answer("http://other.test/", "gamma", "alpha", ALPHA, host="other.test", allowed=True)
    found = _target(config, wrong, url="http://other.test/")
    path = tmp_path / "nginx.conf"
    text = found.explanation
    assert f"The answering server.listen {ALPHA} is a member of upstream gamma_up: 'server " \
           f"{ALPHA}' at {path}:4; {GAMMA} ({path}:5) is backup only: nginx uses it when the " \
           f"primary servers fail." in text, text
    assert found.fix.startswith(f"At {path}:4, 'server {ALPHA}' of upstream gamma_up is "
                                f"alpha's address: replace it by gamma's"), found.fix
    assert f"At {path}:8" not in found.fix


def test_a_uwsgi_pass_is_quoted_and_fixed_in_its_own_terms(tmp_path: Path) -> None:
    config = _conf(tmp_path, """    upstream beta_http { server 127.0.0.1:18103; }
    server { listen 127.0.0.1:18080; server_name beta.test;
        location / { include uwsgi_params; uwsgi_pass 127.0.0.1:18105; }
        location /h/ { proxy_set_header Host $host; proxy_pass http://beta_http; } }
""".replace("include uwsgi_params; ", ""))
    own = _answer("http://beta.test/h/", "beta", "beta", BETA, host="beta.test", allowed=True)
    wrong = _answer("http://beta.test/", "beta", "gamma", "127.0.0.1:18105",
                            host="beta.test", allowed=True)
    wrong = dataclasses.replace(wrong, target=Target("http://beta.test/", "beta"))
    report = diagnose(parse(MANIFEST.replace('"http://beta.test/h/"',
                                             '"http://beta.test/h/", "http://beta.test/"')),
                      [own, wrong], config=config)
    found = next(t for t in report.targets if t.url == "http://beta.test/")
    path = tmp_path / "nginx.conf"
    assert "None" not in found.explanation + found.fix, found
    assert f"passes it to 127.0.0.1:18105: uwsgi_pass 127.0.0.1:18105 ({path}:5)" in \
        found.explanation, found.explanation
    assert found.fix.startswith(f"At {path}:5, 'uwsgi_pass 127.0.0.1:18105;' passes with "
                                f"uwsgi_pass; beta answers its own URL http://beta.test/h/ "
                                f"through 'proxy_pass http://beta_http;' at {path}:6"), found.fix


def _502(config: ConfigJoin) -> TargetResult:
    failed = Observation(Target("http://beta.test/h/", "beta"), tuple(
        Sample(elapsed_ms=1.0, status_code=502, server="nginx/1.22.1",
               address="127.0.0.1:18080") for _ in range(3)))
    found = diagnose(parse(MANIFEST), [failed], config=config).targets[0]
    assert found.cause is not None and found.cause.value == "upstream_down"
    return found


def test_nginxs_502_names_the_candidates_and_the_directive(tmp_path: Path) -> None:
    (tmp_path / "uwsgi_params").write_text("uwsgi_param REQUEST_METHOD $request_method;\n")
    found = _502(_conf(tmp_path, """    server { listen 127.0.0.1:18080; server_name beta.test;
        location / { include uwsgi_params; uwsgi_pass 127.0.0.1:18102; } }
"""))
    text = found.explanation + found.fix
    assert "speaks another protocol than uwsgi_pass" in text, text
    assert "upstream prematurely closed connection" in found.fix
    assert "correct the proxy_pass" not in text and "(not running, not listening" not in text
    # uWSGI's own log tells its two cases apart (the lines in force are read here)
    assert "KeyError: 'REQUEST_METHOD', the uwsgi_param lines are missing" in found.fix


def test_a_502_of_a_uwsgi_pass_without_uwsgi_params_names_them(tmp_path: Path) -> None:
    found = _502(_conf(tmp_path, """    server { listen 127.0.0.1:18080; server_name beta.test;
        location / {
            uwsgi_pass 127.0.0.1:18102; } }
"""))
    conf = tmp_path / "nginx.conf"
    assert (f"location / at {conf}:4 passes with uwsgi_pass 127.0.0.1:18102 at {conf}:5 and no "
            f"uwsgi_param line in force") in found.explanation, found.explanation
    assert "That is the likely cause" in found.explanation
    assert found.fix.startswith(f"In the location at {conf}:4, add 'include uwsgi_params;' "
                                f"before 'uwsgi_pass 127.0.0.1:18102;' ({conf}:5)"), found.fix
    # never the other protocol: that sent an operator round in a circle
    assert "proxy_pass" not in found.fix, found.fix
    configured = {e.source for e in found.evidence if e.kind is EvidenceKind.CONFIGURED}
    assert configured == {f"{conf}:4", f"{conf}:5"}, found.evidence


def test_every_502_fix_that_proposes_uwsgi_pass_includes_its_params(tmp_path: Path) -> None:
    proxied = _502(_conf(tmp_path, """    server { listen 127.0.0.1:18080; server_name beta.test;
        location / { proxy_pass http://127.0.0.1:18102; } }
"""))
    assert "pass with uwsgi_pass, with 'include uwsgi_params;' before it" in proxied.fix, \
        proxied.fix
    assert "'invalid request block size'" in proxied.fix
    assert "uwsgi_pass (with 'include uwsgi_params;')" in proxied.explanation
    failed = Observation(Target("http://beta.test/h/", "beta"), tuple(
        Sample(elapsed_ms=1.0, status_code=502, server="nginx/1.22.1",
               address="127.0.0.1:18080") for _ in range(3)))
    alone = diagnose(parse(MANIFEST), [failed]).targets[0]  # no configuration read
    assert "pass with uwsgi_pass and 'include uwsgi_params;' in its place" in alone.fix, \
        alone.fix
    assert "KeyError: 'REQUEST_METHOD' is a uwsgi_pass without 'include uwsgi_params;'" in \
        alone.fix


def test_a_502_without_the_configuration_names_either_pass_line() -> None:
    """Tester T19 (a uWSGI emperor behind uwsgi_pass, a gunicorn socket mistyped): without
    --config the 502's words said "another protocol than proxy_pass" and "the address of the
    proxy_pass", which the answers do not show; and the socket-typo fix offered only starting
    a server there, not correcting the pass line's address."""
    failed = Observation(Target("http://beta.test/h/", "beta"), tuple(
        Sample(elapsed_ms=1.0, status_code=502, server="nginx/1.22.1",
               address="127.0.0.1:18080") for _ in range(3)))
    alone = diagnose(parse(MANIFEST), [failed]).targets[0]
    text = alone.explanation + alone.fix
    assert "than proxy_pass" not in text and "of the proxy_pass" not in text, text
    assert ("it speaks another protocol than the pass line (proxy_pass or uwsgi_pass) expects "
            "(uWSGI's socket option wants uwsgi_pass") in alone.explanation, alone.explanation
    assert ("start the application server listening on the address of the pass line "
            "(proxy_pass or uwsgi_pass), or correct the pass line's address to where the "
            "server binds (gunicorn --bind, systemd ListenStream=, uWSGI socket=/http-socket=)"
            ) in alone.fix, alone.fix


def test_host_lines_are_cited_where_they_are(tmp_path: Path) -> None:
    config = _conf(tmp_path, """    upstream beta_http { server 127.0.0.1:18103; }
    server { listen 127.0.0.1:18080; server_name beta.test;
        proxy_set_header Host $host;
        location /h/ {
            proxy_set_header SCRIPT_NAME /h;
            proxy_pass http://beta_http;
        }
    }
    server { listen 127.0.0.1:18080; server_name alpha.test;
        location / {
            proxy_pass http://127.0.0.1:18101;
        }
    }
""")
    path = tmp_path / "nginx.conf"
    dropped = _answer("http://beta.test/h/", "beta", "beta", BETA,
                              host="beta_http", allowed=False)
    bare = _answer("http://alpha.test/", "alpha", "alpha", ALPHA, host="127.0.0.1:18101",
                   allowed=False)
    report = diagnose(parse(MANIFEST), [bare, dropped], config=config)
    by_url = {t.url: t for t in report.targets}
    beta = by_url["http://beta.test/h/"]
    assert beta.verdict.value == "host_mismatch", beta
    assert f"the proxy_set_header lines at {path}:7 (of the block at {path}:6)" in \
        beta.explanation, beta.explanation
    assert beta.fix.startswith(f"Repeat 'proxy_set_header Host $host;' with the "
                               f"proxy_set_header lines at {path}:7"), beta.fix
    alpha = by_url["http://alpha.test/"]
    assert alpha.verdict.value == "host_mismatch", alpha
    assert alpha.fix == (f"In the nginx 'location /' at {path}:12, add 'proxy_set_header Host "
                         f"$host;' beside 'proxy_pass http://127.0.0.1:18101;' ({path}:13). "
                         f"{nginx_reload(str(path))}"), alpha.fix
    assert f"({path}:12)" in alpha.explanation


def test_a_route_the_answer_contradicts_has_no_apache_candidates(tmp_path: Path) -> None:
    config = _conf(tmp_path, """    server { listen 127.0.0.1:18080; server_name other.test;
        location / { proxy_set_header Host $host; proxy_pass http://127.0.0.1:18109; } }
""")
    wrong = _answer("http://other.test/", "gamma", "alpha", ALPHA)
    found = _target(config, wrong, url="http://other.test/")
    assert found.cause is None and found.candidates == (), found
    assert "no line of it is blamed" in found.explanation


def test_a_route_an_if_leaves_undecided_names_the_check_that_decides(tmp_path: Path) -> None:
    from tests.nginx.test_fix_words import _obs

    config = _conf(tmp_path, """    server { listen 127.0.0.1:18080; server_name blog.test;
        location / {
            if ($http_x_beta) { proxy_pass http://127.0.0.1:8105; }
            proxy_pass http://127.0.0.1:8104; } }
""")
    manifest = parse('[instances.blog]\nlabel = "blog"\nurls = ["http://blog.test/"]\n')
    wrong = _obs("http://blog.test/", "blog", "wiki", "127.0.0.1:8104")
    target = diagnose(manifest, [wrong], config=config).targets[0]
    conf = tmp_path / "nginx.conf"
    assert f"if ($http_x_beta) at {conf}:5" in target.explanation, target.explanation
    assert target.candidates, target
    # the whole configuration was read: only the request decides, not another --config
    for candidate in target.candidates:
        assert "whole configuration" not in candidate.check and "--config" not in \
            candidate.check, candidate.check
        assert candidate.check == (
            "nginx's access log line for this request with $upstream_addr (where nginx sent "
            f"it), or what the request carries for the variables of if ($http_x_beta) at "
            f"{conf}:5"), candidate.check


BACKUP = """    upstream alpha_up {
        server unix:/tmp/alpha-new.sock fail_timeout=0;
        server 127.0.0.1:18104 backup;
    }
    server { listen 127.0.0.1:18080; server_name alpha.test;
        location / { proxy_set_header Host $host; proxy_pass http://alpha_up; } }
"""


def test_a_backup_that_answered_points_at_the_primary_not_at_the_backup(
        tmp_path: Path) -> None:
    """A tester's upstream cstock: the primary socket missing, the backup (another
    application) answered; replacing the backup was the fix given."""
    config = _conf(tmp_path, BACKUP)
    wrong = _answer("http://alpha.test/", "alpha", "gamma", GAMMA, host="alpha.test")
    found = _target(config, wrong, url="http://alpha.test/")
    path = tmp_path / "nginx.conf"
    assert f"a backup of upstream alpha_up: nginx sends a request there only when the " \
           f"primary servers fail, so 'server unix:/tmp/alpha-new.sock' ({path}:4) did not " \
           f"answer this request (nginx's error log for upstream alpha_up" in found.explanation
    assert found.fix.startswith("Make the primary of upstream alpha_up answer: start alpha's "
                                "application server on 'server unix:/tmp/alpha-new.sock'"), \
        found.fix
    assert "replace it by" not in found.fix


def test_an_answer_without_server_listen_names_no_member(tmp_path: Path) -> None:
    """waitress trusting proxy headers reports server.listen null: the members are not
    equals to pick from, and the proxy_pass already leads there."""
    config = _conf(tmp_path, BACKUP.replace("unix:/tmp/alpha-new.sock", ALPHA))
    wrong = _answer("http://alpha.test/", "alpha", "gamma", None, host="alpha.test")
    found = _target(config, wrong, url="http://alpha.test/")
    assert "no server.listen (null), so which member of upstream alpha_up answered is not " \
           "known" in found.explanation, found.explanation
    assert found.fix.startswith("Find the member that answered: nginx's access log line for "
                                "this request with $upstream_addr"), found.fix
    assert "pass to" not in found.fix


def test_a_pass_already_leading_to_the_own_address_is_not_the_fix_without_listen(
        tmp_path: Path) -> None:
    """server.listen null (waitress trusting proxy headers): 'pass to gamma's address' at a
    proxy_pass that already does was the fix given."""
    config = _conf(tmp_path, f"""    server {{ listen 127.0.0.1:18080; server_name other.test;
        location / {{ proxy_set_header Host $host; proxy_pass http://{GAMMA}; }} }}
""")
    manifest = MANIFEST.replace('urls = ["http://other.test/"]',
                                'urls = ["http://other.test/", "http://other.test/x/"]')
    own = _answer("http://other.test/x/", "gamma", "gamma", GAMMA, host="other.test")
    wrong = _answer("http://other.test/", "gamma", "alpha", None, host="other.test")
    found = _target(config, own, wrong, url="http://other.test/", manifest=manifest)
    assert "carries no server.listen (null), so where it came from is not known" \
        in found.explanation, found.explanation
    assert found.fix.startswith("Find where this request went: nginx's access log line for "
                                "it with $upstream_addr"), found.fix
