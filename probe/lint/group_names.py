"""``application_group``: a ``WSGIApplicationGroup`` (or ``application-group=``) value that
looks like one of mod_wsgi's variables but is not one, such as ``%GLOBAL`` or ``GLOBAL`` for
``%{GLOBAL}``. mod_wsgi expands only ``%{GLOBAL}``, ``%{RESOURCE}``, ``%{SERVER}``,
``%{HOST}`` and ``%{ENV:NAME}`` (``wsgi_application_group()`` returns any value not starting
with ``%`` as it is); anything else is a literal name, so the application runs in a sub
interpreter called ``%GLOBAL`` or ``GLOBAL`` instead of the main interpreter (checked with
real Apache: ``mod_wsgi.application_group`` is ``%GLOBAL``, ``GLOBAL``). C extensions that
need the main interpreter then fail at run time.

Quotes change nothing: httpd's ``ap_getword_conf()`` strips them before mod_wsgi sees the
argument, so ``"GLOBAL"`` is ``GLOBAL`` (the configuration reader strips them the same way)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from probe.apache.config import Directive
from probe.apache.model import Site
from probe.lint.findings import ConfigFinding, Severity

_KNOWN = re.compile(r"%\{(GLOBAL|RESOURCE|SERVER|HOST|ENV:[^}]+)\}")
# A variable's name without its "%": written in capitals as the variables are, it means the
# variable; "shop" or "global" may well be a group named on purpose.
_BARE = re.compile(r"\{?(GLOBAL|RESOURCE|SERVER|HOST)\}?")
_WITH_OPTION = {"wsgiscriptalias": 2, "wsgiscriptaliasmatch": 2, "wsgiimportscript": 1,
                "wsgihandlerscript": 2, "wsgidispatchscript": 1, "wsgiaccessscript": 1,
                "wsgiauthuserscript": 1, "wsgiauthgroupscript": 1}


def application_group(site: Site) -> list[ConfigFinding]:
    findings = []
    for d, value in _values(site.config.directives):
        if not (value.startswith("%") or _BARE.fullmatch(value)) or _KNOWN.fullmatch(value):
            continue
        meant = re.sub(r"^%?\{?([A-Za-z]+)\}?$", r"%{\1}", value).upper()
        findings.append(ConfigFinding(
            "application_group", Severity.WARNING, d.file, d.line,
            f"application group {value!r} at {d.where} is not a mod_wsgi variable (those are "
            f"%{{GLOBAL}}, %{{RESOURCE}}, %{{SERVER}}, %{{HOST}}, %{{ENV:NAME}}): it is taken "
            f"literally, so the application runs in a sub interpreter named {value}, not "
            f"the one the variable names",
            f"write {meant}" if _KNOWN.fullmatch(meant) else
            "write one of mod_wsgi's variables, or a name without %"))
    return findings


def _values(directives: tuple[Directive, ...]) -> Iterator[tuple[Directive, str]]:
    for d in directives:
        if d.key == "wsgiapplicationgroup" and d.args:
            yield d, d.args[0]
        elif d.key in _WITH_OPTION:
            for arg in d.args[_WITH_OPTION[d.key]:]:
                name, _, value = arg.partition("=")
                if name == "application-group":
                    yield d, value.strip("'\"")
        yield from _values(d.body())
