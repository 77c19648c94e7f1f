"""``--config`` given a mod_wsgi-express server's own ``httpd.conf`` while the URL was sent to
another address (a front): that file does not route the URL, and nothing of it is joined.

mod_wsgi-express writes a configuration for one port and one application: its ``Listen`` lines
open the express port only, and every route ends in its ``handler.wsgi``
(``WSGIHandlerScript``, run by ``RewriteRule .* - [H=wsgi-handler]``). Re-tester R31 swept
URLs that go through an Apache front on 127.0.0.1:18190 with shop's express ``httpd.conf``
(127.0.0.1:18101) as ``--config``: read with the URL's port, it told to "Write a <VirtualHost
*:18190> for blog" (the front's port); read with what arrived, to "stop claiming
blog-old.example.test" at express's ``_default_`` VirtualHost (which compares no names; the
front's ProxyPass sent the name there); and that wiki's route "ends in .../handler.wsgi" of
shop's server (wiki's front passes to 18103). Which express server a URL reaches is the
front's pass line, which that file does not hold.

So where the configuration's applications are all express's handler mounts and the address
the probe connected to is on a port none of its ``Listen`` lines opens, the URL is judged as
without ``--config``: said once (its Listen lines at file:line, the address probed), with the
check that decides (the front's configuration as ``--config``). Which file that is, is the
command line of the server at the address (``-f``, ``-c``), not a bare ``apachectl -S`` that
reads the system's (re-tester R31): found with ``ss -ltnp`` and ``ps``; where the express server
that answered listens at the address itself (R31's 18201 swept with blog's server root moved to
18206), no front passed it on, and its own Apache (the answer's ``ppid``) shows its file.
"""

from __future__ import annotations

import dataclasses
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from probe.apache.addresses import split_host_port
from probe.apache.error_log import opened
from probe.apache.model import Site, WsgiApp
from probe.apache.route import ApacheRoutes
from probe.diagnose.arrived import front_shown
from probe.diagnose.fronts import express_address
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig
from probe.model import Evidence, EvidenceKind, Observation, Verdict

NOT_ROUTED = "So that file does not route this URL"
"""What is said once per URL; a rewording after the join (nginx's terms) keeps it
(:func:`kept`)."""
HANDLER = "handler.wsgi"
"""The script mod_wsgi-express writes in its server root and mounts for every URL."""


def express_handlers(site: Site) -> tuple[WsgiApp, ...]:
    """The handler mounts of ``site`` where it is a mod_wsgi-express server's configuration
    (every application it mounts is express's ``handler.wsgi``); empty otherwise."""
    apps = site.apps
    if apps and all(a.handler and PurePosixPath(a.target).name == HANDLER for a in apps):
        return apps
    return ()


def _address(obs: Observation) -> str | None:
    """The address the probe connected to: the manifest's, a sample's, else the URL's."""
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    if address:
        return address
    parts = urlsplit(obs.target.url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}" if parts.hostname else None


def not_routed(obs: Observation, diagnosis: Diagnosis, front: FrontConfig) -> Diagnosis | None:
    """``diagnosis`` (the answers' alone) with why the express configuration given does not
    route this URL and the check that would decide; None where it may route it."""
    if not isinstance(front, ApacheRoutes) or diagnosis.verdict is Verdict.OK:
        return None  # an ok URL: nothing to judge, nothing to say of the file
    site = front.site
    handlers = express_handlers(site)
    address = _address(obs)
    port = split_host_port(address)[1] if address else None
    if not handlers or not site.listens or port is None or not port.isdigit() or \
            int(port) in {lst.port for lst in site.listens}:
        return None
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    handler = handlers[0]
    given = (f"The configuration given is a mod_wsgi-express server's (its route ends in "
             f"{handler.target}, {handler.where}), which listens at {opened(site.listens)} "
             f"only; this URL was sent to {address} (the address probed)")
    here = express_address(answer) if answer is not None else None
    if answer is not None and here is not None and here == address:
        # No front: the express server that answered listens at the address itself (re-tester
        # R31's 18201), so no pass line chose it, and its own command line names its file.
        parent = answer.ppid if answer.ppid not in (None, 0, 1) else None
        shows = (f"'ps -ww -o args= -p {parent}' (its Apache, the answer's ppid)" if parent
                 else f"'ps -ww -o args= -p $(ps -o ppid= -p {answer.pid})' (its Apache)")
        sentence = (
            f"{given}, where the mod_wsgi-express server that answered listens (its "
            f"process_group '{answer.process_group}'). {NOT_ROUTED}, and the URL is judged as "
            f"without --config: {shows} shows after -f the httpd.conf that server runs; sweep "
            f"with --config on it to have the line that decides named.")
    else:
        shown = front_shown(obs, answer)
        took = (f"; {shown}: a front passed it on" if shown else
                "; what listens there (a front, or another server) is not this file's")
        # re-tester R31: a bare 'apachectl -S' or 'nginx -T' reads the system's configuration,
        # not a file the front was started with (-f, -c): its command line names that file
        sentence = (
            f"{given}{took}. {NOT_ROUTED} (which express server gets it is the pass line of the "
            f"server at {address}), and the URL is judged as without --config: sweep with "
            f"--config on the configuration of the server at {address} to have the line that "
            f"decides named ('ss -ltnp sport = :{port}' names the process listening there, and "
            f"'ps -ww -o args= -p PID' its command line, whose -f (Apache) or -c (nginx) names "
            f"that file; where it shows none, the system's: 'apachectl -S' or 'nginx -T').")
    evidence = tuple(e for e in (
        Evidence(EvidenceKind.OBSERVED, f"address probed = {address}", f"GET {obs.target.url}"),
        *(Evidence(EvidenceKind.CONFIGURED, f"Listen {lst.directive.arg(0)}",
                   lst.directive.where) for lst in site.listens)) if e not in diagnosis.evidence)
    return dataclasses.replace(diagnosis, explanation=f"{diagnosis.explanation} {sentence}",
                               evidence=(*diagnosis.evidence, *evidence))


def kept(obs: Observation, before: Diagnosis, after: Diagnosis,
         front: FrontConfig) -> Diagnosis:
    """``after``, a rewording of ``before`` (the front's own terms, which word the URL anew),
    still saying what ``before`` said of the express file given; once."""
    if NOT_ROUTED in after.explanation or NOT_ROUTED not in before.explanation:
        return after
    said = not_routed(obs, after, front)
    return after if said is None else said
