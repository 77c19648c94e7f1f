"""What removing the line that shares an application group does, decided from the answers
of the applications that share it (``shared_interpreter``'s fix).

mod_wsgi's default application group, ``%{RESOURCE}``, is the VirtualHost's ServerName (and
port) and the mount, ``host|SCRIPT_NAME``; ``%{SERVER}`` is the ServerName alone. Every host
name one VirtualHost answers for (its ServerAlias names, each host of a
``VirtualDocumentRoot``) gets the same one: re-tester R33 removed ``WSGIApplicationGroup
%{GLOBAL}`` from a mass-hosting VirtualHost as lint said, and real Apache 2.4.71 + mod_wsgi
6.1.1 loaded all three hosts' ``app.wsgi`` "into sub-interpreter 'mass.test|/app.wsgi'".
``WSGIApplicationGroup %{ENV:VAR}`` with ``SetEnvIfNoCase Host "^([^:]+)" VAR=$1`` gave each
host a sub interpreter named for it on the same server
(``tests/integration/test_mass_group_applied.py``), so that is the line this fix prints.

From the answers alone: a shared group written ``host|mount`` that applications of different
Hosts answer from is that default already, and removing a line gains nothing; a shared
``%{GLOBAL}`` ('') of applications at one mount but different Hosts is separated by the
default only where their VirtualHosts' ServerNames differ, which no answer shows: the words
say so and name the check.
"""

from __future__ import annotations

from collections.abc import Sequence

from probe.apache.names import PER_HOST
from probe.endpoint_answer import EndpointAnswer

DEFAULT_REMOVED = ("'WSGIApplicationGroup %{GLOBAL}' (or application-group=%{GLOBAL} / the "
                   "shared name)")
_SHARE_PROCESS = (
    "they still share one process and its os.environ: a DJANGO_SETTINGS_MODULE set with "
    "os.environ.setdefault() (Django's startproject wsgi.py) keeps the value of the "
    "application loaded first, unless each WSGI script assigns it "
    "(os.environ['DJANGO_SETTINGS_MODULE'] = ...)")


def _hosts(answers: Sequence[EndpointAnswer]) -> list[str]:
    return sorted({a.host.rsplit(":", 1)[0].lower() for a in answers if a.host})


def removal_words(group: str | None, answers: Sequence[EndpointAnswer],
                  removed: str = DEFAULT_REMOVED) -> str:
    """The sentence of the fix about removing the shared group, for the answers of the
    applications that share ``group`` (their ``request.host`` and ``script_name``)."""
    hosts = _hosts(answers)
    mounts = {a.script_name for a in answers}
    if group and "|" in group and len(hosts) > 1:
        named = ", ".join(hosts)
        return (
            f"Their application group {group!r} is mod_wsgi's default form (%{{RESOURCE}}: "
            f"the VirtualHost's ServerName and the mount), the same for Hosts {named}: every "
            f"host name of one VirtualHost (ServerAlias, VirtualDocumentRoot) gets it, so "
            f"removing a WSGIApplicationGroup line does not separate them. A sub interpreter "
            f"per host name takes {PER_HOST}; {_SHARE_PROCESS}.")
    if group == "" and len(hosts) > 1 and len(mounts) == 1:
        mount = next(iter(mounts)) or "/"
        return (
            f"Removing {removed} gives each application its own sub interpreter (%{{RESOURCE}}"
            f": the VirtualHost's ServerName and the mount) only where their VirtualHosts' "
            f"ServerNames differ: their mount is the same ({mount!r}), and the host names of "
            f"one VirtualHost (ServerAlias, VirtualDocumentRoot) share one; the answers do not "
            f"show which VirtualHost took each Host (the check: sweep with --config PATH, or "
            f"the error log's \"Loading WSGI script ... into sub-interpreter\" line of each "
            f"host after the change). A sub interpreter per host name takes {PER_HOST}; "
            f"{_SHARE_PROCESS}.")
    return (f"Removing {removed} alone gives each application its own sub interpreter "
            f"(%{{RESOURCE}}) but {_SHARE_PROCESS}.")
