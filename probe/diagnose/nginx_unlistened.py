"""A URL answered through nginx at an address where the configuration given has no server
block listening (:func:`probe.nginx.select.choose_server`: "no server block listens on"):
that file is not the one the nginx there runs, so it says nothing about the URL, and no line
of it is blamed. Said with the address the answer came from (observed) and the ``listen``
lines the file does have (configured), and the check that finds the file nginx runs.

The site step of such a route has no line (``source`` None): words that quote a site step's
rule and line print it through :func:`step_said`, never a bare ``None``.
"""

from __future__ import annotations

import dataclasses

from probe.diagnose.nginx_names import nginx_model
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig, PredictedRoute, RouteStep
from probe.model import Evidence, EvidenceKind

NONE_LISTENS = "no server block listens on "  # probe.nginx.select's words for it

RUNS = ("the file the nginx there runs is the -c of its master ('ps -ww -o pid=,args= -C "
        "nginx': after 'nginx: master process'; without -c, the one 'nginx -V' names as "
        "--conf-path), and 'nginx -T' with that master's options prints what it reads")


def step_said(step: RouteStep | None) -> str:
    """A step's rule and its line, as said in parentheses: the rule alone where no line
    decided it."""
    if step is None:
        return "?"
    return f"{step.rule}, {step.source}" if step.source is not None else step.rule


def unlistened(route: PredictedRoute) -> str | None:
    """The address no block of the configuration listens on, where ``route`` met none."""
    site = route.step("site")
    if site is None or site.source is not None or not site.rule.startswith(NONE_LISTENS):
        return None
    return site.rule.removeprefix(NONE_LISTENS)


def not_this_file(diagnosis: Diagnosis, head: str, route: PredictedRoute,
                  front: FrontConfig | None, observed: tuple[Evidence, ...]) -> Diagnosis | None:
    """``diagnosis`` where nginx answered at an address its configuration given has no block
    for; None where a block listens there."""
    address = unlistened(route)
    if address is None:
        return None
    model = nginx_model(front)
    listens = list(dict.fromkeys(
        (lst.address, lst.where) for s in (model.servers if model is not None else ())
        for lst in s.listens))
    opened = (", ".join(f"{a} ({w})" for a, w in listens) if listens else "no address")
    return dataclasses.replace(
        diagnosis, cause=None, candidates=(),
        explanation=f"{head} The configuration given has no server block listening on "
                    f"{address}, where this answer came from: it listens on {opened}. So it "
                    f"is not the configuration of the nginx that answered there, and says "
                    f"nothing about this URL; no line of it is blamed.",
        fix=f"Sweep with the configuration the nginx at {address} reads ({RUNS}).",
        evidence=(*observed, *(Evidence(EvidenceKind.CONFIGURED, f"listen {a}", w)
                               for a, w in listens)))
