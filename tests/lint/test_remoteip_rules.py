"""``remoteip_header`` without a server (tests/integration/test_remoteip_apache.py shows it
against real Apache): a note at each RemoteIPHeader, naming every trusting line, only where
an application is mounted."""

from __future__ import annotations

from pathlib import Path

from tests.lint.test_rules import codes, lint

MOUNTED = """<VirtualHost *:80>
    ServerName a.test
    RemoteIPHeader X-Real-IP
    WSGIScriptAlias / @ROOT@/wsgi.py
</VirtualHost>
"""


def test_a_header_without_trusted_lines_is_noted_as_such(tmp_path: Path) -> None:
    (note,) = codes(lint(tmp_path, MOUNTED, {"wsgi.py": "application = None\n"}),
                    "remoteip_header")
    assert (note.line, note.severity.value) == (3, "note")
    assert note.message.startswith(
        "RemoteIPHeader X-Real-IP: mod_remoteip sets REMOTE_ADDR from the X-Real-IP header "
        "of the requests it trusts (no RemoteIPInternalProxy or RemoteIPTrustedProxy line)")
    assert "'X-Real-IP: 127.0.0.1' is loopback" in note.message


def test_nothing_to_say_without_an_application(tmp_path: Path) -> None:
    config = "RemoteIPHeader X-Forwarded-For\nRemoteIPTrustedProxy 10.0.0.0/8\n"
    assert codes(lint(tmp_path, config), "remoteip_header") == []
