"""Edge cases of the lint rules: unanchored regex mounts, handler mounts, process groups chosen
per request, the case of names. Each is a configuration people write whose finding (or its
absence) a small change to a rule would flip; ``scripts/mutants`` plants those changes."""

from __future__ import annotations

from pathlib import Path

from tests.lint.test_rules import codes, lint


def test_root_alias_swallows_a_later_unanchored_regex_mount(tmp_path: Path) -> None:
    """``WSGIScriptAlias /`` matches every path, so a later ``WSGIScriptAliasMatch`` is never
    reached, even one whose pattern has no literal prefix to compare."""
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName api.example.com
    WSGIScriptAlias / @ROOT@/site.wsgi
    WSGIScriptAliasMatch /v[0-9]+/ @ROOT@/api.wsgi
</VirtualHost>
""", {"site.wsgi": "", "api.wsgi": ""})
    [finding] = codes(result, "alias_order")
    assert finding.line == 4
    assert "/v[0-9]+/" in finding.message


def test_an_unanchored_regex_mount_matches_anywhere_in_the_path(tmp_path: Path) -> None:
    """httpd searches a WSGIScriptAliasMatch pattern anywhere in the URL path: ``/api(/|$)``
    also matches ``/partner/api``, so the later alias for it is never reached."""
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName shop.example.com
    WSGIScriptAliasMatch /api(/|$) @ROOT@/api.wsgi
    WSGIScriptAlias /partner/api @ROOT@/partner.wsgi
</VirtualHost>
""", {"api.wsgi": "", "partner.wsgi": ""})
    [finding] = codes(result, "alias_order")
    assert finding.line == 4 and "/partner/api" in finding.message


def test_a_sethandler_mount_after_the_root_alias_is_not_out_of_order(tmp_path: Path) -> None:
    """An application mounted by ``Alias`` + ``SetHandler wsgi-script`` is chosen by
    mod_alias before mod_wsgi looks at its aliases: listed after ``WSGIScriptAlias /`` it
    is still reached (the keystone layout), so there is no alias_order."""
    result = lint(tmp_path, """\
WSGIDaemonProcess site
WSGIDaemonProcess keystone
<VirtualHost *:80>
    ServerName id.example.com
    WSGIScriptAlias / @ROOT@/site.wsgi process-group=site
    Alias /identity @ROOT@/keystone/keystone-wsgi-public
    <Location /identity>
        SetHandler wsgi-script
        Options +ExecCGI
        WSGIProcessGroup keystone
    </Location>
</VirtualHost>
""", {"site.wsgi": "", "keystone/keystone-wsgi-public": ""})
    assert codes(result, "alias_order") == []
    assert result.findings == ()


def test_a_regex_mount_only_partly_under_an_earlier_alias_is_reached(tmp_path: Path) -> None:
    """``^/shop(-eu|-us)/`` serves /shop-eu/ and /shop-us/, which ``/shop`` does not take
    (mounts match whole segments): not shadowed."""
    result = lint(tmp_path, """\
WSGIScriptAlias /shop @ROOT@/shop.wsgi
WSGIScriptAliasMatch ^/shop(-eu|-us)/(.*) @ROOT@/regional.wsgi
""", {"shop.wsgi": "", "regional.wsgi": ""})
    assert codes(result, "alias_order") == []


PER_REQUEST = """\
WSGIDaemonProcess site-a
WSGIDaemonProcess site-b
<VirtualHost *:80>
    ServerName apps.example.com
    SetEnvIf Host ^a\\. GROUP=site-a
    SetEnvIf Host ^b\\. GROUP=site-b
    WSGIScriptAlias / @ROOT@/app.wsgi
    WSGIProcessGroup %{ENV:GROUP}
</VirtualHost>
"""


def test_groups_chosen_per_request_are_not_unused(tmp_path: Path) -> None:
    """``WSGIProcessGroup %{ENV:GROUP}`` picks the daemon group per request: which groups it
    reaches is not in the configuration, so none of them is called unused."""
    result = lint(tmp_path, PER_REQUEST, {"app.wsgi": ""})
    assert codes(result, "unused_daemon") == []


def test_a_group_of_another_server_name_spelled_differently_is_out_of_reach(
        tmp_path: Path) -> None:
    """mod_wsgi lets a VirtualHost use a daemon group defined in another VirtualHost only
    when their ServerNames are the same string: ``Shop.example.com`` is not
    ``shop.example.com`` there."""
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName Shop.example.com
    WSGIDaemonProcess shop
    WSGIScriptAlias / @ROOT@/shop.wsgi process-group=shop
</VirtualHost>
<VirtualHost *:443>
    ServerName shop.example.com
    WSGIScriptAlias / @ROOT@/shop.wsgi process-group=shop
</VirtualHost>
""", {"shop.wsgi": ""})
    [finding] = codes(result, "undefined_daemon")
    assert finding.line == 8
    assert "defined inside" in finding.message


def test_the_same_server_name_in_two_virtual_hosts_shares_the_group(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName shop.example.com
    WSGIDaemonProcess shop
    WSGIScriptAlias / @ROOT@/shop.wsgi process-group=shop
</VirtualHost>
<VirtualHost *:443>
    ServerName shop.example.com
    WSGIScriptAlias / @ROOT@/shop.wsgi process-group=shop
</VirtualHost>
""", {"shop.wsgi": ""})
    assert codes(result, "undefined_daemon") == []


def test_a_wildcard_alias_of_an_earlier_vhost_shadows_a_later_name(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName www.example.com
    ServerAlias *.example.com
    WSGIScriptAlias / @ROOT@/www.wsgi
</VirtualHost>
<VirtualHost *:80>
    ServerName shop.example.com
    WSGIScriptAlias / @ROOT@/shop.wsgi
</VirtualHost>
""", {"www.wsgi": "", "shop.wsgi": ""})
    [finding] = codes(result, "vhost_shadowed")
    assert finding.line == 6 and "shop.example.com" in finding.message


def test_one_application_under_a_server_wide_process_group_is_not_broad(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
WSGIDaemonProcess site
<VirtualHost *:80>
    ServerName site.example.com
    WSGIProcessGroup site
    WSGIScriptAlias / @ROOT@/site.wsgi
    WSGIScriptAlias /admin @ROOT@/site.wsgi
</VirtualHost>
""", {"site.wsgi": ""})
    assert codes(result, "broad_process_group") == []


def test_http_and_https_both_embedded_are_not_an_ssl_twin(tmp_path: Path) -> None:
    """The twin finding is about a copy that lost its daemon group; a site embedded on both
    schemes runs the same way on both."""
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName site.example.com
    WSGIScriptAlias / @ROOT@/site.wsgi
</VirtualHost>
<VirtualHost *:443>
    ServerName site.example.com
    SSLEngine on
    WSGIScriptAlias / @ROOT@/site.wsgi
</VirtualHost>
""", {"site.wsgi": ""})
    assert codes(result, "ssl_twin") == []


def test_server_names_differing_only_in_case_shadow_each_other(tmp_path: Path) -> None:
    """httpd compares the Host with ServerName and ServerAlias case-insensitively, so the
    second VirtualHost is never reached (unlike daemon groups' ServerName check above)."""
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName Shop.Example.com
    WSGIScriptAlias / @ROOT@/old.wsgi
</VirtualHost>
<VirtualHost *:80>
    ServerName shop.example.com
    WSGIScriptAlias / @ROOT@/new.wsgi
</VirtualHost>
""", {"old.wsgi": "", "new.wsgi": ""})
    [finding] = codes(result, "vhost_shadowed")
    assert finding.line == 5 and "never reached" in finding.message
