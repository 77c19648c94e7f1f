"""The lab's router against the cases of the real Apache scenarios (tests/integration/scenarios).

Each configuration below mirrors one ``httpd.conf.in`` there; what Apache really does with
them is checked by tests/integration/test_scenarios.py and test_lab_fidelity.py.
"""

from __future__ import annotations

import pytest

from probe.apache.hostnames import MatchedBy
from probe.apache.names import (
    EMBEDDED,
    GLOBAL,
    SERVER,
    alias_match_length,
    application_group,
)
from probe.lab.router import (
    BadHost,
    HostHeader,
    Mount,
    Route,
    RoutingConfig,
    ScriptAlias,
    VirtualHost,
    name_matches,
    parse_host,
    route,
)

P1 = "/srv/project-1/wsgi.py"
P2 = "/srv/project-2/wsgi.py"

CATCH_ALL = VirtualHost("default.invalid", deny_all=True)
SITE1_RIGHT = VirtualHost(
    "site-1.example.com",
    server_aliases=("www.site-1.example.com",),
    script_aliases=(ScriptAlias("/suburl", P2, "project-2"), ScriptAlias("/", P1, "project-1")),
)
SITE1_WRONG = VirtualHost(
    "site-1.example.com",
    server_aliases=("www.site-1.example.com",),
    script_aliases=(ScriptAlias("/", P1, "project-1"), ScriptAlias("/suburl", P2, "project-2")),
)
SITE2 = VirtualHost("site-2.example.com", script_aliases=(ScriptAlias("/", P2, "project-2"),))
DAEMONS = ("project-1", "project-2")

HEALTHY = RoutingConfig((CATCH_ALL, SITE1_RIGHT, SITE2), DAEMONS)
ORDERING = RoutingConfig((CATCH_ALL, SITE1_WRONG, SITE2), DAEMONS)
FALLBACK = RoutingConfig((SITE1_RIGHT, SITE2), DAEMONS)
ENVLEAK = RoutingConfig((
    CATCH_ALL,
    VirtualHost("site-1.example.com", server_aliases=("www.site-1.example.com",),
                script_aliases=(ScriptAlias("/suburl", P2), ScriptAlias("/", P1))),
    VirtualHost("site-2.example.com", script_aliases=(ScriptAlias("/", P2),)),
))


# -- which VirtualHost ------------------------------------------------------------------------

def mount_of(route: Route) -> Mount:
    """The mount a route chose; failing here means no WSGIScriptAlias matched."""
    assert route.mount is not None, route
    return route.mount


def test_unknown_host_falls_back_to_the_first_vhost() -> None:
    chosen = route(FALLBACK, "unknown.invalid", "/__probe__")
    assert chosen.vhost is SITE1_RIGHT
    assert chosen.matched_by is MatchedBy.DEFAULT
    assert chosen.mount is not None and chosen.mount.alias.script == P1
    # The interpreter is named after the vhost's ServerName, the Host only reaches SERVER_NAME.
    assert mount_of(chosen).application_group == "site-1.example.com|"
    assert chosen.server_name == "unknown.invalid"


def test_missing_server_alias_falls_back_to_the_first_vhost_not_the_similar_one() -> None:
    chosen = route(FALLBACK, "www.site-2.example.com", "/__probe__")
    assert chosen.vhost is SITE1_RIGHT
    assert chosen.matched_by is MatchedBy.DEFAULT
    assert mount_of(chosen).process_group == "project-1"


def test_catch_all_first_vhost_refuses_unknown_hosts() -> None:
    for config in (HEALTHY, ORDERING, ENVLEAK):
        chosen = route(config, "www.site-2.example.com", "/__probe__")
        assert chosen.vhost is CATCH_ALL
        assert chosen.mount is None


def test_server_alias_shares_the_server_names_interpreter() -> None:
    chosen = route(HEALTHY, "www.site-1.example.com", "/__probe__")
    assert chosen.vhost is SITE1_RIGHT
    assert chosen.matched_by is MatchedBy.SERVER_ALIAS
    assert mount_of(chosen).application_group == "site-1.example.com|"
    assert chosen.server_name == "www.site-1.example.com"


def test_server_name_match() -> None:
    chosen = route(HEALTHY, "site-2.example.com", "/")
    assert (chosen.vhost, chosen.matched_by) == (SITE2, MatchedBy.SERVER_NAME)


def test_host_is_case_insensitive_and_loses_a_trailing_dot() -> None:
    chosen = route(HEALTHY, "WWW.Site-1.Example.COM.", "/")
    assert chosen.vhost is SITE1_RIGHT
    assert chosen.matched_by is MatchedBy.SERVER_ALIAS
    assert chosen.server_name == "www.site-1.example.com"


def test_port_in_host_does_not_choose_the_vhost_but_names_the_interpreter() -> None:
    chosen = route(HEALTHY, "site-1.example.com:8080", "/suburl/__probe__")
    assert chosen.vhost is SITE1_RIGHT
    assert chosen.server_port == 8080
    assert mount_of(chosen).application_group == "site-1.example.com:8080|/suburl"
    for default in ("80", "443"):
        again = route(HEALTHY, f"site-1.example.com:{default}", "/suburl/__probe__")
        assert mount_of(again).application_group == "site-1.example.com|/suburl"


def test_no_host_header_gets_the_first_vhost() -> None:
    chosen = route(FALLBACK, None, "/")
    assert chosen.vhost is SITE1_RIGHT
    assert chosen.matched_by is MatchedBy.DEFAULT
    assert chosen.server_name == "site-1.example.com"


def test_first_vhost_claiming_a_name_wins() -> None:
    first = VirtualHost("a.example.com", server_aliases=("*.example.com",))
    second = VirtualHost("b.example.com")
    chosen = route(RoutingConfig((first, second)), "b.example.com", "/")
    assert chosen.vhost is first


def test_server_alias_wildcards() -> None:
    wild = VirtualHost("site-3.example.com",
                       server_aliases=("*.site-3.example.com", "web?.example.org"))
    config = RoutingConfig((SITE1_RIGHT, wild), DAEMONS)
    assert route(config, "a.b.site-3.example.com", "/").vhost is wild
    assert route(config, "web1.example.org", "/").vhost is wild
    assert route(config, "web12.example.org", "/").vhost is SITE1_RIGHT
    assert route(config, "xsite-3.example.com", "/").vhost is SITE1_RIGHT


@pytest.mark.parametrize("value", ["a/b", "a..b", "site:port", "site:0", "[::1", "[::1]x"])
def test_malformed_host_is_a_bad_request(value: str) -> None:
    with pytest.raises(BadHost):
        parse_host(value)


def test_ipv6_host() -> None:
    assert parse_host("[::1]:8080") == HostHeader("[::1]", 8080)


# -- which WSGIScriptAlias --------------------------------------------------------------------

def test_shorter_mount_listed_first_swallows_the_sub_url() -> None:
    chosen = route(ORDERING, "site-1.example.com", "/suburl/x/__probe__")
    assert chosen.mount is not None
    assert chosen.mount.alias.script == P1
    assert (chosen.mount.script_name, chosen.mount.path_info) == ("", "/suburl/x/__probe__")
    assert mount_of(chosen).application_group == "site-1.example.com|"
    assert mount_of(chosen).process_group == "project-1"


def test_longer_mount_listed_first_routes_correctly() -> None:
    chosen = route(HEALTHY, "site-1.example.com", "/suburl/x/__probe__")
    assert chosen.mount is not None
    assert chosen.mount.alias.script == P2
    assert (chosen.mount.script_name, chosen.mount.path_info) == ("/suburl", "/x/__probe__")
    assert mount_of(chosen).application_group == "site-1.example.com|/suburl"
    assert mount_of(chosen).process_group == "project-2"


def test_mount_matches_whole_segments_only() -> None:
    chosen = route(HEALTHY, "site-1.example.com", "/suburlx/__probe__")
    assert chosen.mount is not None
    assert chosen.mount.alias.script == P1
    assert chosen.mount.path_info == "/suburlx/__probe__"


def test_mount_itself_without_trailing_slash() -> None:
    chosen = route(HEALTHY, "site-1.example.com", "/suburl")
    assert chosen.mount is not None
    assert (chosen.mount.script_name, chosen.mount.path_info) == ("/suburl", "")


def test_repeated_slashes_match_and_are_collapsed() -> None:
    chosen = route(HEALTHY, "site-1.example.com", "//suburl//__probe__")
    assert chosen.mount is not None
    assert (chosen.mount.script_name, chosen.mount.path_info) == ("/suburl", "/__probe__")


def test_embedded_mode_is_the_empty_process_group() -> None:
    chosen = route(ENVLEAK, "site-2.example.com", "/__probe__")
    assert mount_of(chosen).process_group == EMBEDDED == ""
    assert mount_of(chosen).application_group == "site-2.example.com|"


def test_no_matching_alias_is_no_mount() -> None:
    vhost = VirtualHost("s.example.com", script_aliases=(ScriptAlias("/app", P1),))
    config = RoutingConfig((vhost,))
    assert route(config, "s.example.com", "/other").mount is None


@pytest.mark.parametrize(("uri", "alias", "length"), [
    ("/suburl", "/suburl", 7),
    ("/suburl/x", "/suburl", 7),
    ("/suburlx", "/suburl", 0),
    ("/Suburl/x", "/suburl", 0),  # case-sensitive
    ("//suburl//x", "/suburl", 8),
    ("/anything", "/", 1),
    ("/", "/", 1),
    ("/sub", "/suburl", 0),
])
def test_alias_match_length(uri: str, alias: str, length: int) -> None:
    assert alias_match_length(uri, alias) == length


# -- application groups and configuration ----------------------------------------------------

def test_application_group_settings() -> None:
    assert application_group("%{RESOURCE}", "h.example.com", 80, "") == "h.example.com|"
    assert application_group("%{RESOURCE}", "h.example.com", 443, "/a") == "h.example.com|/a"
    assert application_group("%{RESOURCE}", "h.example.com", 8000, "/a") == "h.example.com:8000|/a"
    assert application_group(SERVER, "h.example.com", 8000, "/a") == "h.example.com:8000"
    assert application_group(GLOBAL, "h.example.com", 80, "/a") == ""
    assert application_group("shared", "h.example.com", 80, "/a") == "shared"


def test_explicit_application_group_on_the_mount() -> None:
    alias = ScriptAlias("/", P1, application_group=GLOBAL)
    vhost = VirtualHost("s.example.com", script_aliases=(alias,))
    assert mount_of(route(RoutingConfig((vhost,)), "s.example.com", "/")).application_group == ""


def test_undeclared_daemon_process_group_is_rejected() -> None:
    with pytest.raises(ValueError, match="WSGIDaemonProcess"):
        RoutingConfig((SITE1_RIGHT,))


def test_trailing_slash_mount_is_rejected() -> None:
    with pytest.raises(ValueError, match="trailing-slash"):
        ScriptAlias("/suburl/", P2)


def test_a_bracket_in_a_server_alias_is_a_plain_character_as_in_httpd() -> None:
    # ap_strcasecmp_match() knows only '*' and '?': '[ab]' is three literal characters,
    # not fnmatch's character class, in the lab and in lint alike.
    vhost = VirtualHost("site.example.com", server_aliases=("x[ab].example.com",))
    assert name_matches(vhost, "xa.example.com") is None
    assert name_matches(vhost, "x[ab].example.com") is MatchedBy.SERVER_ALIAS
    assert name_matches(vhost, "X[AB].EXAMPLE.COM") is MatchedBy.SERVER_ALIAS
