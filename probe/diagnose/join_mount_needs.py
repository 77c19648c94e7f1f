"""What a mount of another site's script needs in the VirtualHost of the URL beyond being
the alias that matches (``alias_order``: moving it above the shorter one), and why a URL
routed to a script whose endpoint answers elsewhere in the sweep got no answer of it.

Two things of the VirtualHost decide whether the moved line runs: its daemon process group
(lint's ``undefined_daemon`` at that line: a group defined in another VirtualHost, mod_wsgi
answers 500) and httpd's access to the script's file (a ``<Directory>``/``<Files>`` that
grants it only inside the script's own VirtualHost, while the server level denies it:
403, AH01630 in the error log of the URL's VirtualHost, its ``ErrorLog`` named with its
``file:line`` (:mod:`probe.apache.error_log`); :mod:`probe.apache.script_access`). Each is
said with the ``file:line`` it comes from; where the sections read do not decide access, the
error log's AH01630 is named as the check. The VirtualHost is cited by its ``<VirtualHost>``
line, not the ServerName that chose it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from probe.apache.error_log import listens_elsewhere
from probe.apache.group_placement import out_of_reach_fix
from probe.apache.route import ApacheRoutes
from probe.apache.script_access import Access
from probe.diagnose.identify import SweepContext
from probe.diagnose.server_errors import APACHE_LOG
from probe.diagnose.wording import FILE_GROUP_FIX, UNREADABLE_FILE_LOG, Diagnosis
from probe.front import FrontConfig, PredictedRoute, RouteStep, Source
from probe.model import Observation

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin

_ASK_ROUTE = re.compile(r"\s*Sweep with --config PATH \(the front's configuration\) to have "
                        r"the route of this URL named\.")
"""The answers-alone advice to give the configuration: spent once it was given."""


def apache_log(front: FrontConfig, route: PredictedRoute, server: str | None = None) -> str:
    """The error log of ``route``'s VirtualHost with the line that sets it, where the
    configuration decides it; else :data:`APACHE_LOG`. ``server``: the fleet's server the
    failing answer came from (:func:`fleet_server`), on which the log is to be read."""
    found = front.error_log(route) if isinstance(front, ApacheRoutes) else None
    if found is None:
        return APACHE_LOG
    if server is None or not isinstance(front, ApacheRoutes):
        return found.named()
    return found.named(server, listens_elsewhere(front.site, server))


def fleet_server(obs: Observation, context: SweepContext) -> str | None:
    """The address ``obs`` was probed at where the sweep probes each URL at several servers
    (a fleet given one configuration: the log to read is on that server); else None."""
    probe = context.manifest.probe
    return obs.target.address if len(probe.connects) > 1 or probe.all_addresses else None


def ah01630(front: ApacheRoutes, route: PredictedRoute, server: str | None = None) -> str:
    """The error log line that tells a refusal, in the log of ``route``'s VirtualHost (on
    the fleet's ``server`` that answered)."""
    return (f"AH01630 ('client denied by server configuration') in "
            f"{apache_log(front, route, server)} names the file httpd refused")


def daemon_fix(front: ApacheRoutes, group: str, naming: Source,
               names: tuple[str, ...] = ()) -> str:
    """lint's fix for the group named at ``naming`` (its own idle group leads, if any);
    ``names``: the host names of the instance's URLs, which tell a misspelt ServerName."""
    site = front.site
    use = next((u for u in site.group_uses
                if (u.directive.file, u.directive.line) == (naming.file, naming.line)), None)
    daemon = site.daemon(group)
    assert daemon is not None  # lint's undefined_daemon names a defined group
    if use is None:
        return f"Move WSGIDaemonProcess {group} ({daemon.directive.where}) outside the " \
               f"VirtualHost."
    fix = out_of_reach_fix(site, use.directive, use.server, daemon, names)
    return fix[0].upper() + fix[1:] + "."


def moved_mount_needs(front: FrontConfig, route: PredictedRoute, meant: RouteStep,
                      findings: Mapping[tuple[str, int], tuple[str, str]]) -> str:
    """Sentences for the alias_order fix: what the line at ``meant`` needs in ``route``'s
    VirtualHost besides coming first ("" where the configuration shows nothing);
    ``findings``: lint's, by ``(file, line)``."""
    if not isinstance(front, ApacheRoutes) or meant.source is None:
        return ""
    at = meant.source
    app = next((a for a in front.site.apps
                if (a.directive.file, a.directive.line) == (at.file, at.line)), None)
    said = [lint_words(front, at, findings)]
    if app is not None and not app.is_match:
        said.append(access_words(front, route, app.target, moved=True))
    return " ".join(s for s in said if s)


def lint_words(front: ApacheRoutes, at: Source,
               findings: Mapping[tuple[str, int], tuple[str, str]]) -> str:
    """lint's finding at the mount line ``at`` (other than its order), with the fix of a
    daemon group this VirtualHost cannot use; "" where there is none."""
    app = next((a for a in front.site.apps
                if (a.directive.file, a.directive.line) == (at.file, at.line)), None)
    code, _message = findings.get((at.file, at.line), ("", ""))
    if code == "undefined_daemon" and app is not None and app.process_group and \
            front.site.daemon(app.process_group) is not None:
        return (f"The line at {at} also names daemon process group {app.process_group!r}, "
                f"which this VirtualHost cannot use (probe lint's undefined_daemon there; "
                f"mod_wsgi answers 500): {daemon_fix(front, app.process_group, at)}")
    if code and code != "alias_order":
        return f"probe lint reports {code} at {at} too: apply its fix as well."
    return ""


def access_words(front: ApacheRoutes, route: PredictedRoute, script: str, *,
                 moved: bool, server: str | None = None) -> str:
    """Whether this VirtualHost lets requests reach ``script``: the grant found only in
    another VirtualHost, the denial in force here, or the check where not decided ("" where
    it is granted here)."""
    found = front.script_access(route, script)
    if found is not None and found.here is not None and found.here.granted:
        return ""
    at = front.vhost_at(route)  # the <VirtualHost> line, not the name that chose it
    vhost = "this URL's VirtualHost" + (f" ({at})" if at else "")
    refused = ah01630(front, route, server)
    if found is not None and found.elsewhere is not None and found.here is not None:
        other = found.elsewhere
        return (f"httpd grants access to {script} only inside {other.server.describe()}: "
                f"{other.there.said()}; for {vhost} {found.here.said()} is in force, so "
                f"httpd answers 403 ({refused}): copy {_section(other.there)} into {vhost}.")
    if found is not None and found.here is not None:
        return (f"For {vhost}, {found.here.said()} denies {script}, so httpd answers 403 "
                f"({refused}): grant it there (a <Directory> of its directory with Require "
                f"all granted).")
    mounted = "If the moved mount answers 403" if moved else "For a 403"
    return (f"The sections read do not decide whether httpd lets {vhost} reach {script} "
            f"(only Require all granted/denied are read, .htaccess files are not). "
            f"{mounted}, {refused}: grant its directory in {vhost}.")


def reached_fix(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
                 config: ConfigJoin, route: PredictedRoute) -> str:
    """The fix where the route reaches the script: the answers-alone advice less what the
    configuration given decided (it was given; the route reaches that script), and where the
    expected instance's endpoint answered from that very script in this sweep, not the
    advice to install it: the status is the server's or the application's."""
    fix = _ASK_ROUTE.sub("", diagnosis.fix)
    answered = _answered_from(obs, context)
    if answered is None or route.script_file is None:
        return fix.replace(f"If it reaches {obs.target.expected}'s script: ",
                           f"If {route.script_file} is {obs.target.expected}'s script: ")
    script, url = answered
    last = obs.samples[-1] if obs.samples else None
    status = last.status_code if last is not None else None
    said = (f"{obs.target.expected}'s endpoint answered from {script} at {url} in this "
            f"sweep, and the configuration given routes this URL to that script: the "
            f"endpoint is installed, so the HTTP {status} here is not a missing endpoint.")
    if status in (401, 403) and isinstance(config.front, ApacheRoutes):
        mount = route.step("mount")
        then = "" if mount is None or mount.source is None else \
            lint_words(config.front, mount.source, config.findings)
        access = access_words(config.front, route, route.script_file, moved=False,
                              server=fleet_server(obs, context))
        return " ".join(w for w in (said, access, then) if w)
    return (f"{said} The server or the application answered it before the endpoint (the "
            f"error log for this request tells which); the endpoint answers only a request "
            f"whose X-Probe-Token is its own token: compare the token the daemon that runs "
            f"it here reads with the probe's (where that daemon's log has "
            f"{UNREADABLE_FILE_LOG}, its user cannot read the token file: {FILE_GROUP_FIX}).")


def _answered_from(obs: Observation, context: SweepContext) -> tuple[str, str] | None:
    """(script_file, URL) of a right answer of the expected instance in this sweep."""
    name = obs.target.expected or ""
    if name not in context.manifest.instances:
        return None
    for other, answer in context.answers_of(name):
        script = answer.raw.get("script_file")
        if other.target.expected == name and isinstance(script, str) and script:
            return script, other.target.url
    return None


def _section(grant: Access) -> str:
    if grant.outermost is grant.section:
        return "that section"
    outer = grant.outermost
    return f"<{outer.name} {' '.join(outer.args)}> ({outer.where}), which holds it,"
