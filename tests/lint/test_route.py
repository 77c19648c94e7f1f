"""The route prediction (probe.apache.route) on small configurations: which VirtualHost,
which mapping step, which groups, each with the line that decided it."""

from __future__ import annotations

import textwrap

from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.front import PredictedRoute

AT = "127.0.0.1:8080"


def routes(text: str) -> ApacheRoutes:
    return ApacheRoutes(build_site(parse_text(textwrap.dedent(text), "t.conf"),
                                   read_scripts=False))


def route(text: str, url: str, address: str | None = AT) -> PredictedRoute:
    return routes(text).route(url, address)


def where(found: PredictedRoute, stage: str) -> int | None:
    step = found.step(stage)
    assert step is not None, found
    return step.source.line if step.source else None


TWO_SITES = """\
    <VirtualHost *:8080>
        ServerName site-1.example.com
        ServerAlias *.example.com
        WSGIScriptAlias / /srv/one/wsgi.py
    </VirtualHost>
    <VirtualHost *:8080>
        ServerName site-2.example.com
        WSGIScriptAlias / /srv/two/wsgi.py
    </VirtualHost>
"""


def test_server_name_of_the_first_vhost() -> None:
    found = route(TWO_SITES, "http://site-1.example.com/")
    assert found.script_file == "/srv/one/wsgi.py"
    assert where(found, "site") == 2


def test_wildcard_alias_of_an_earlier_vhost_wins_over_a_later_server_name() -> None:
    found = route(TWO_SITES, "http://site-2.example.com/")
    assert found.script_file == "/srv/one/wsgi.py"
    assert where(found, "site") == 3  # the ServerAlias line
    step = found.step("site")
    assert step is not None and "ServerAlias *.example.com" in step.rule


def test_near_miss_outside_the_wildcard_falls_back_to_the_first() -> None:
    found = route(TWO_SITES, "http://site-2.example.org/")
    assert found.script_file == "/srv/one/wsgi.py"
    step = found.step("site")
    assert step is not None and "the first one answers" in step.rule
    assert where(found, "site") == 1


def test_plain_alias_before_wildcard_within_one_vhost_and_order_across_vhosts() -> None:
    text = """\
        <VirtualHost *:8080>
            ServerName a.example.com
            WSGIScriptAlias / /srv/a.py
        </VirtualHost>
        <VirtualHost *:8080>
            ServerName b.example.com
            ServerAlias x?.example.com
            WSGIScriptAlias / /srv/b.py
        </VirtualHost>
    """
    assert route(text, "http://x1.example.com/").script_file == "/srv/b.py"
    assert route(text, "http://x12.example.com/").script_file == "/srv/a.py"  # ? is one char


def test_exact_ip_address_set_beats_wildcard() -> None:
    text = """\
        <VirtualHost *:8080>
            ServerName site.example.com
            WSGIScriptAlias / /srv/wild.py
        </VirtualHost>
        <VirtualHost 127.0.0.1:8080>
            ServerName other.example.com
            WSGIScriptAlias / /srv/exact.py
        </VirtualHost>
    """
    found = route(text, "http://site.example.com/")
    assert found.script_file == "/srv/exact.py"  # the only vhost for the IP: names unused
    assert route(text, "http://site.example.com/", "127.0.0.2:8080").script_file == \
        "/srv/wild.py"
    assert route(text, "http://site.example.com:8080/", None).undecided is not None


def test_exact_port_beats_any_port_and_no_match_is_the_main_server() -> None:
    text = """\
        WSGIScriptAlias / /srv/main.py
        <VirtualHost *>
            ServerName a.example.com
            WSGIScriptAlias /x /srv/any.py
        </VirtualHost>
        <VirtualHost *:8080>
            ServerName a.example.com
            WSGIScriptAlias /x /srv/port.py
        </VirtualHost>
        <VirtualHost *:8080>
            ServerName b.example.com
        </VirtualHost>
    """
    assert route(text, "http://a.example.com/x").script_file == "/srv/port.py"
    assert route(text, "http://a.example.com/x", "127.0.0.1:9").script_file == "/srv/any.py"
    main_only = "WSGIScriptAlias / /srv/main.py\n<VirtualHost *:81>\n</VirtualHost>\n"
    found = route(main_only, "http://a.example.com/")
    assert found.site == "the main server" and found.script_file == "/srv/main.py"


def test_duplicate_server_name_earlier_file_wins() -> None:
    text = """\
        <VirtualHost *:8080>
            ServerName old.example.com
            WSGIScriptAlias / /srv/old.py
        </VirtualHost>
        <VirtualHost *:8080>
            ServerName site.example.com
            WSGIScriptAlias / /srv/forgotten.py
        </VirtualHost>
        <VirtualHost *:8080>
            ServerName site.example.com
            WSGIScriptAlias / /srv/new.py
        </VirtualHost>
    """
    found = route(text, "http://site.example.com/")
    assert found.script_file == "/srv/forgotten.py"
    assert where(found, "site") == 6


def test_alias_order_first_match_wins_and_main_aliases_come_after() -> None:
    text = """\
        WSGIScriptAlias /late /srv/main.py
        <VirtualHost *:8080>
            ServerName s.example.com
            WSGIScriptAlias / /srv/root.py
            WSGIScriptAlias /suburl /srv/sub.py
        </VirtualHost>
    """
    found = route(text, "http://s.example.com/suburl/x")
    assert found.script_file == "/srv/root.py" and found.script_name == ""
    assert where(found, "mount") == 4
    fixed = text.replace("WSGIScriptAlias / /srv/root.py\n            WSGIScriptAlias /suburl "
                         "/srv/sub.py", "WSGIScriptAlias /suburl /srv/sub.py\n"
                         "            WSGIScriptAlias / /srv/root.py")
    assert route(fixed, "http://s.example.com/suburl/x").script_name == "/suburl"
    assert route(fixed, "http://s.example.com/suburlx").script_name == ""  # whole segments
    assert route(fixed, "http://s.example.com/late").script_file == "/srv/root.py"


def test_alias_match_takes_the_matched_prefix() -> None:
    text = """\
        <VirtualHost *:8080>
            WSGIScriptAliasMatch ^/app([0-9]+) /srv/app$1.py
        </VirtualHost>
    """
    found = route(text, "http://any/app12/x")
    assert found.script_name == "/app12"
    assert route(text, "http://any/x/app12").script_file is None


def test_rewrite_pt_hands_a_new_path_to_the_aliases() -> None:
    text = """\
        <VirtualHost *:8080>
            RewriteEngine On
            RewriteRule ^/suburl/(.*)$ /$1 [PT]
            WSGIScriptAlias /suburl /srv/sub.py
            WSGIScriptAlias / /srv/root.py
        </VirtualHost>
    """
    found = route(text, "http://any/suburl/page")
    assert found.script_file == "/srv/root.py" and found.script_name == ""
    assert where(found, "mapping") == 3
    assert route(text, "http://any/suburlx").script_file == "/srv/root.py"
    assert route(text, "http://any/suburlx").step("mapping") is None
    off = text.replace("RewriteEngine On", "RewriteEngine Off")
    assert route(off, "http://any/suburl/page").script_name == "/suburl"


def test_rewrite_the_model_cannot_follow_is_undecided() -> None:
    text = """\
        <VirtualHost *:8080>
            RewriteEngine On
            RewriteCond %{HTTP_HOST} ^www
            RewriteRule ^/a(.*)$ /b$1 [PT]
            RewriteRule ^/c /var/www/c.html
            WSGIScriptAlias / /srv/root.py
        </VirtualHost>
    """
    assert route(text, "http://any/a1").undecided is not None
    assert route(text, "http://any/c").undecided is not None
    found = route(text, "http://any/d")
    assert found.undecided is None and found.script_file == "/srv/root.py"


def test_rewrite_redirect_forbidden_and_proxy() -> None:
    text = """\
        <VirtualHost *:8080>
            RewriteEngine On
            RewriteRule ^/old(.*)$ /new$1 [R=301,L]
            RewriteRule ^/secret - [F]
            ProxyPass /api http://127.0.0.1:9000/api
            ProxyPass /api/local !
            WSGIScriptAlias / /srv/root.py
        </VirtualHost>
    """
    assert route(text, "http://any/old/x").step("mapping") is not None
    assert route(text, "http://any/old/x").script_file is None
    assert route(text, "http://any/secret").refused
    assert route(text, "http://any/api/v1").upstream == "http://127.0.0.1:9000/api"
    assert route(text, "http://any/apx").script_file == "/srv/root.py"


def test_mod_alias_runs_before_mod_wsgi() -> None:
    text = """\
        <VirtualHost *:8080>
            Alias /static /srv/static
            Redirect /gone http://elsewhere/
            WSGIScriptAlias / /srv/root.py
        </VirtualHost>
    """
    found = route(text, "http://any/static/app.css")
    assert found.script_file is None and where(found, "mapping") == 2
    assert route(text, "http://any/gone/x").script_file is None
    assert route(text, "http://any/staticx").script_file == "/srv/root.py"


def test_process_group_section_merge_order() -> None:
    text = """\
        WSGIDaemonProcess one
        WSGIDaemonProcess two
        <VirtualHost *:8080>
            WSGIScriptAlias /suburl /srv/sub/wsgi.py
            WSGIScriptAlias / /srv/root/wsgi.py
            WSGIProcessGroup one
            <Location /suburl>
                WSGIProcessGroup two
            </Location>
            <Directory /srv/sub>
                WSGIProcessGroup one
            </Directory>
        </VirtualHost>
    """
    sub = route(text, "http://any/suburl/x")
    assert sub.process_group == "two" and where(sub, "process_group") == 8  # Location last
    root = route(text, "http://any/")
    assert root.process_group == "one" and where(root, "process_group") == 6
    later = text.replace("<Location /suburl>", "<Location />")
    assert route(later, "http://any/").process_group == "two"


def test_alias_option_beats_sections_and_application_group_is_resource() -> None:
    text = """\
        <VirtualHost *:8080>
            ServerName s.example.com
            WSGIScriptAlias /suburl /srv/sub.py process-group=sub
            WSGIScriptAlias / /srv/root.py
            WSGIApplicationGroup %{GLOBAL}
            <Location /suburl>
                WSGIProcessGroup other
                WSGIApplicationGroup %{RESOURCE}
            </Location>
        </VirtualHost>
    """
    sub = route(text, "http://s.example.com/suburl/")
    assert sub.process_group == "sub" and where(sub, "process_group") == 3
    assert sub.application_group == "s.example.com|/suburl"
    root = route(text, "http://s.example.com:8080/")
    assert root.application_group == "" and root.process_group == ""
    assert where(root, "process_group") is None  # embedded: mod_wsgi's default, no line


def test_the_host_setting_of_a_route_reads_the_proxy_section_of_its_backend() -> None:
    # httpd merges the <Proxy> sections matching the URL the request is passed to: the one
    # for the backend says On over the VirtualHost's Off; another backend's does not apply.
    config = routes("""\
        <VirtualHost *:8080>
            ServerName a.test
            ProxyPreserveHost Off
            ProxyPass /b/ http://127.0.0.1:9002/
            ProxyPass / http://127.0.0.1:9001/
            <Proxy "http://127.0.0.1:9001/">
                ProxyPreserveHost On
            </Proxy>
        </VirtualHost>
        """)
    root = config.preserve_host(config.route("http://a.test/x", AT))
    assert root is not None and root.on and root.directive.line == 7
    other = config.preserve_host(config.route("http://a.test/b/x", AT))
    assert other is not None and not other.on and other.directive.line == 3
