"""Tester T31's mod_wsgi-express servers (tests/t31_express_answers.py): an express port
serves one application to every Host, so neither a name behind nginx nor a VirtualHost of
its own chose what answered, and its --setenv is not the process environment.

* nginx's blog-old.example.test block passes to shop's express port: the pass line is the
  fix (blog answers its own URL on its daemon group 127.0.0.1:18102), never Apache's names;
* blog's express started on shop's port 18201 exited (AH00072): shop answered; no front and no
  ServerName, the check its start and 'ss -ltnp', both instances labelled shop named;
* 18204 started with --setenv DJANGO_SETTINGS_MODULE: SetEnv, a request's environ; with
  express's httpd.conf the line is named, and the handler.wsgi it mounts is not a mismatch.
"""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.diagnose.discriminate import key_of
from probe.errors import ErrorKind
from probe.manifest import parse
from probe.model import Cause, Sample, TargetResult
from probe.nginx import load_nginx
from probe.sweep_config import load_config
from tests import t31_express_answers as t31
from tests.test_diagnose import obs

BLOG_OLD = "http://blog-old.example.test/"


def _nginx(config: ConfigJoin | None = None) -> TargetResult:
    observations = t31.nginx_front()
    key, _ = key_of(observations[0])  # nginx's return 444 for the .invalid name
    closed = {key: Sample(1.0, error="server closed the connection without answering",
                          error_kind=ErrorKind.CLOSED, address=t31.FRONT)}
    report = diagnose(parse(t31.NGINX_MANIFEST), observations, probed=closed, config=config)
    return next(t for t in report.targets if t.url == BLOG_OLD)


def test_an_express_port_behind_nginx_is_the_pass_lines_choice(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text(t31.NGINX_CONF)
    found = _nginx(ConfigJoin(load_nginx(str(path))))
    assert found.cause is Cause.WRONG_UPSTREAM and not found.candidates, found
    line = next(n for n, t in enumerate(t31.NGINX_CONF.splitlines(), 1)
                if "18101" in t and n > 20)
    blog = next(n for n, t in enumerate(t31.NGINX_CONF.splitlines(), 1) if "18102" in t)
    location = line - 1
    # blog's own block is location /app/, whose paths carry /app; behind location / they
    # would not: the line carries blog's mount (T31 applied it without and got blog's 404)
    assert found.fix.startswith(
        f"At {path}:{line}, pass to 'proxy_pass http://127.0.0.1:18102/app/;' (blog's upstream "
        f"as at {path}:{blog}, which passes blog's own URL http://blog.example.test/app/ and "
        f"reached it; blog's answer to http://blog.example.test/app/ shows it mounted at "
        f"'/app' (request.script_name), and location / ({path}:{location}) hands over this "
        f"URL's path / unchanged, without /app: the URI part '/app/' is put in place of the "
        f"location's prefix /, so blog receives /app/; the address alone would hand it /, "
        f"which an application mounted at /app does not serve; "), found.fix
    # what the URI part leaves: blog's links under /app/ come back doubled under this name
    assert "a link to /app/ reaches it through this line as /app/app/, where unless its URL " \
           "patterns start with app/ its pages answer 404" in found.fix, found.fix
    assert "process_group '127.0.0.1:18101' is mod_wsgi-express's HOST:PORT too" \
        in found.explanation, found.explanation
    assert "blog answers its own URLs on process_group '127.0.0.1:18102'" in found.explanation
    for wrong in ("VirtualHost", "apachectl", "Leave nginx's lines", "ServerName"):
        assert wrong not in found.explanation + found.fix, wrong


def _blog_old_line(tail: str) -> str:
    """T31's nginx.conf with blog-old's pass line given the URI part ``tail``."""
    return t31.NGINX_CONF.replace("""server_name blog-old.example.test;
        location / {
            proxy_pass http://127.0.0.1:18101;""", f"""server_name blog-old.example.test;
        location / {{
            proxy_pass http://127.0.0.1:18101{tail};""")


def test_a_pass_line_whose_path_is_under_the_mount_already_keeps_its_own_uri_part(
        tmp_path: Path) -> None:
    # blog-old's line already hands over /app/ (a URI part copied with the wrong port): the
    # address alone changes; a second /app would make blog receive /app/app/
    path = tmp_path / "nginx.conf"
    path.write_text(_blog_old_line("/app/"))
    found = _nginx(ConfigJoin(load_nginx(str(path))))
    assert "pass to 'proxy_pass http://127.0.0.1:18102/app/;' (blog's upstream as at " \
        in found.fix and "the line's URI part '/app/' kept" in found.fix, found.fix
    assert "request.script_name" not in found.fix and "/app/app" not in found.fix, found.fix


def test_a_mount_the_line_copied_from_carries_is_written_as_that_line(tmp_path: Path) -> None:
    # blog's own block passes location /blog/ to its mount: that line, as it is, is the fix
    path = tmp_path / "nginx.conf"
    conf = t31.NGINX_CONF.replace("""location /app/ {
            proxy_pass http://127.0.0.1:18102;""", """location /blog/ {
            proxy_pass http://127.0.0.1:18102/app/;""")
    path.write_text(conf)
    observations = [o if o.target.expected != "blog" or "blog-old" in o.target.url else
                    t31.through("http://blog.example.test/blog/", "blog", t31.BLOG_18102)
                    for o in t31.nginx_front()]
    manifest = t31.NGINX_MANIFEST.replace("http://blog.example.test/app/",
                                          "http://blog.example.test/blog/")
    key, _ = key_of(observations[0])
    closed = {key: Sample(1.0, error="server closed the connection without answering",
                          error_kind=ErrorKind.CLOSED, address=t31.FRONT)}
    report = diagnose(parse(manifest), observations, probed=closed,
                      config=ConfigJoin(load_nginx(str(path))))
    found = next(t for t in report.targets if t.url == BLOG_OLD)
    blog = next(n for n, t in enumerate(conf.splitlines(), 1) if "18102" in t)
    assert f"pass to blog's upstream: 'proxy_pass http://127.0.0.1:18102/app/;' as at " \
           f"{path}:{blog}" in found.fix, found.fix


def test_without_nginxs_configuration_the_express_address_seen_is_the_target() -> None:
    found = _nginx()
    assert "'proxy_pass http://127.0.0.1:18102/app/;' (blog answers its own URL " \
           "http://blog.example.test/app/ on process_group '127.0.0.1:18102'" in found.fix, \
        found.fix
    # the mount blog's own answer shows is carried, the location not read said so
    for said in ("shows it mounted at '/app' (request.script_name), and this URL's path / "
                 "lacks /app", "the location that takes / was not read (no --config)",
                 "a regular-expression location (location ~) takes no URI part"):
        assert said in found.fix, said
    for wrong in ("did not see", "bind or socket", "VirtualHost", "Apache chosen",
                  "apachectl"):
        assert wrong not in found.explanation + found.fix, wrong


def _alone(config: ConfigJoin | None = None) -> dict[str, TargetResult]:
    report = diagnose(parse(t31.ALONE_MANIFEST), t31.express_alone(), config=config)
    return {t.url: t for t in report.targets}


def test_a_second_express_on_one_port_is_said_with_its_start_and_no_front() -> None:
    found = _alone()["http://127.0.0.1:18201/"]
    assert found.cause is None and not found.candidates, found
    assert "declares for shop-prod-exported and shop-prod-setenv: an application with that " \
           "label answered this URL, not blog-18201's (the label matched" in found.explanation, \
        found.explanation
    assert "serves one application to every Host it accepts on its port" in found.explanation
    assert "AH00072: make_sock: could not bind to address 127.0.0.1:18201" in found.fix
    assert "'ss -ltnp sport = :18201'" in found.fix and "'ps -ww -o args= -p 30907'" \
        in found.fix, found.fix
    for wrong in ("ServerName or ServerAlias", "--config", "default site"):
        assert wrong not in found.explanation + found.fix, wrong


def test_express_settings_are_worded_in_its_own_terms() -> None:
    found = _alone()
    setenv, exported = found["http://localhost:18204/"], found["http://127.0.0.1:18203/"]
    for result in (setenv, exported):
        assert "gunicorn" not in result.fix and "already holds" not in result.fix, result.fix
        assert "mod_wsgi-express's --setenv is not where: it writes SetEnv" in result.fix
    assert "export DJANGO_SETTINGS_MODULE=shop.settings_prod in the environment " \
           "mod_wsgi-express starts with" in setenv.fix, setenv.fix
    assert "/proc/31949/environ" in setenv.fix


def test_with_express_httpd_conf_its_setenv_line_is_named(tmp_path: Path) -> None:
    root = tmp_path / "mod_wsgi-127.0.0.1:18204:0"
    (root / "htdocs").mkdir(parents=True)
    (root / "handler.wsgi").write_text("")
    path = root / "httpd.conf"
    path.write_text(t31.express_conf(str(root), 18204, "shop.settings_prod"))
    found = _alone(load_config(str(path), {}, lambda site: []))["http://localhost:18204/"]
    line = len(path.read_text().splitlines())
    assert f"'SetEnv DJANGO_SETTINGS_MODULE shop.settings_prod' ({path}:{line}) " \
           f"(mod_wsgi-express writes its --setenv so)" in found.explanation, found.explanation
    assert f"The line at {path}:{line} cannot set it for Django: drop --setenv " \
           f"DJANGO_SETTINGS_MODULE" in found.fix, found.fix
    assert "not running this configuration" not in found.explanation
    assert "handler.wsgi" not in found.explanation


def test_the_pass_line_without_the_mount_is_fixed_with_nginxs_reload(tmp_path: Path) -> None:
    # R31 applied the port alone (proxy_pass http://127.0.0.1:18102; in location /): blog's 404
    path = tmp_path / "nginx.conf"
    conf = t31.NGINX_CONF.replace("""server_name blog-old.example.test;
        location / {
            proxy_pass http://127.0.0.1:18101;""", """server_name blog-old.example.test;
        location / {
            proxy_pass http://127.0.0.1:18102;""")
    path.write_text(conf)
    observations = [o if "blog-old" not in o.target.url else obs(
        BLOG_OLD, "blog", *(Sample(2.0, 404, address=t31.FRONT, server=t31.NGINX)
                            for _ in range(10))) for o in t31.nginx_front()]
    report = diagnose(parse(t31.NGINX_MANIFEST), observations,
                      config=ConfigJoin(load_nginx(str(path))))
    found = next(t for t in report.targets if t.url == BLOG_OLD)
    line = next(n for n, t in enumerate(conf.splitlines(), 1) if "18102" in t)
    assert found.cause is Cause.URL_MAPPING, (found.cause, found.explanation)
    assert found.fix.startswith(f"At {path}:{line}, keep the mount in the path passed on: "
                                f"'proxy_pass http://127.0.0.1:18102/app/;'. "), found.fix
    assert f"'nginx -t -c {path}', then 'nginx -s reload -c {path}'" in found.fix, found.fix
    assert "reload the front so it reads the line" not in found.fix, found.fix


def test_a_url_at_root_answered_under_the_mount_prints_no_empty_mount(tmp_path: Path) -> None:
    # R31's repoint applied: location / { proxy_pass http://127.0.0.1:18102/app/; }; blog
    # answers SCRIPT_NAME '/app' at a URL whose path is /
    path = tmp_path / "nginx.conf"
    path.write_text(_blog_old_line("/app/").replace("18101/app/", "18102/app/"))
    observations = [o if "blog-old" not in o.target.url else t31.through(
        BLOG_OLD, "blog", t31.express("blog", 20393, 18501, 18102, "blog-old.example.test",
                                      script_name="/app")) for o in t31.nginx_front()]
    for config in (ConfigJoin(load_nginx(str(path))), None):
        report = diagnose(parse(t31.NGINX_MANIFEST), observations, config=config)
        found = next(t for t in report.targets if t.url == BLOG_OLD)
        assert found.verdict.value == "mount_mismatch", found
        text = found.explanation + found.fix
        for empty in ("X-Forwarded-Prefix ;", "--mount-point '", "start with / its pages",
                      "let proxy_pass strip"):
            assert empty not in text, (empty, text)
        assert "it received SCRIPT_NAME '/app' and PATH_INFO '/__probe__' at a URL whose " \
               "path is /" in found.explanation, found.explanation
        assert "as /app/app/x, where unless its URL patterns start with app/ it answers 404" \
            in found.explanation and "/admin/ redirects to /app/admin/login/" \
            in found.explanation, found.explanation
        assert "list the URL as http://blog-old.example.test/app/ and pass it with a " \
               "'location /app/' whose proxy_pass has no URI part ('proxy_pass " \
               "http://127.0.0.1:18102;'" in found.fix, found.fix
        assert "started without --mount-point" in found.fix and "'proxy_pass " \
               "http://HOST:PORT;' (no URI part) in the location / (HOST:PORT its --host" \
            in found.fix, found.fix
        assert "'return 301 http://blog.example.test/app$request_uri;'" in found.fix, found.fix
