"""The ``name=value`` options each mod_wsgi directive accepts, as mod_wsgi's own parser
decides (``wsgi_parse_option`` and the ``strcmp`` chains of ``wsgi_config.c`` and
``wsgi_daemon.c``, mod_wsgi 6.1): names are case-sensitive, a value may not be empty, and
anything else makes httpd refuse to start ("Invalid option to WSGI script alias
definition."), checked with ``apache2 -t``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from probe.apache.config import Directive
from probe.lint.findings import ConfigFinding, Severity

_GROUPS = frozenset({"process-group", "application-group"})
_DAEMON = frozenset({
    "user", "group", "supplementary-groups", "processes", "threads", "umask", "chroot",
    "home", "lang", "locale", "python-home", "python-path", "python-eggs",
    "switch-interval", "stack-size", "maximum-requests", "startup-timeout",
    "shutdown-timeout", "deadlock-timeout", "inactivity-timeout", "request-timeout",
    "interrupt-timeout", "graceful-timeout", "eviction-timeout", "restart-interval",
    "connect-timeout", "socket-timeout", "queue-timeout", "listen-backlog", "display-name",
    "send-buffer-size", "receive-buffer-size", "header-buffer-size", "response-buffer-size",
    "response-socket-timeout", "response-flush-delay", "socket-user", "script-user",
    "script-group", "cpu-time-limit", "cpu-priority", "memory-limit", "virtual-memory-limit",
    "server-metrics"})

# directive key -> (positional arguments before the options, accepted options, what httpd
# calls the definition in its error message)
OPTIONS: dict[str, tuple[int, frozenset[str], str]] = {
    "wsgiscriptalias": (2, _GROUPS | {"callable-object", "pass-authorization"},
                        "WSGI script alias"),
    "wsgiscriptaliasmatch": (2, _GROUPS | {"callable-object", "pass-authorization"},
                             "WSGI script alias"),
    "wsgiimportscript": (1, _GROUPS, "WSGI import script"),
    "wsgihandlerscript": (2, _GROUPS | {"pass-authorization"}, "WSGI handler script"),
    "wsgidispatchscript": (1, frozenset({"application-group"}), "WSGI dispatch script"),
    "wsgiaccessscript": (1, frozenset({"application-group"}), "WSGI access script"),
    "wsgiauthuserscript": (1, frozenset({"application-group"}), "WSGI auth user script"),
    "wsgiauthgroupscript": (1, frozenset({"application-group"}), "WSGI auth group script"),
    "wsgidaemonprocess": (1, _DAEMON, "WSGI daemon process"),
}


def walk(directives: Sequence[Directive]) -> Iterator[Directive]:
    """Every directive, sections and what they hold, in configuration order."""
    for d in directives:
        yield d
        if d.children:
            yield from walk(d.children)


def wsgi_options(directives: Sequence[Directive]) -> list[ConfigFinding]:
    findings: list[ConfigFinding] = []
    for d in walk(directives):
        spec = OPTIONS.get(d.key)
        if spec is None:
            continue
        positional, accepted, what = spec
        if d.key == "wsgiimportscript" and not any(
                a.startswith("application-group=") for a in d.args[positional:]):
            findings.append(ConfigFinding(
                "config", Severity.ERROR, d.file, d.line,
                f"{d.name} without application-group=: httpd will not start (\"Name of "
                f"WSGI application group required.\")",
                "add application-group= naming the interpreter the script is to be loaded "
                "in (application-group=%{GLOBAL} for most Django setups)"))
        for arg in d.args[positional:]:
            problem = _problem(arg, accepted)
            if problem is None:
                continue
            name = arg.partition("=")[0]
            hint = ""
            if name in _DAEMON and d.key != "wsgidaemonprocess":
                hint = f"; {name}= is an option of WSGIDaemonProcess: move it there"
            elif name in OPTIONS["wsgiscriptalias"][1] and name not in accepted:
                hint = f"; {d.name} takes only {', '.join(sorted(accepted))}"
            said = (f"Invalid option to {what} definition." if problem != "empty value for"
                    else "an option's value may not be empty")
            findings.append(ConfigFinding(
                "config", Severity.ERROR, d.file, d.line,
                f"{d.name}: {problem} {arg!r}: httpd will not start ({said})",
                f"remove {arg!r}{hint}" if hint else
                f"use one of {', '.join(sorted(accepted))} (names are case-sensitive)"))
    return findings


def _problem(arg: str, accepted: frozenset[str]) -> str | None:
    name, sep, value = arg.partition("=")
    if not sep or not name:
        return "not a name=value option"
    if name not in accepted:
        return "unknown option"
    if not value:
        return "empty value for"
    return None
