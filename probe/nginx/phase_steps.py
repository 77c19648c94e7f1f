"""The steps the rewrite phase adds to a route (:mod:`probe.nginx.route`): an ``if`` that
holds or may (:mod:`probe.nginx.flow`), and the ``rewrite`` lines of a level
(:func:`probe.nginx.rewrites.apply_rewrites`), each with its ``file:line``; what the lines
read do not decide is said in :attr:`Trip.undecided`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from probe.front import FrontKind, Member, PredictedRoute, RouteStep, Shadowed
from probe.nginx.flow import IfTaken, Vars
from probe.nginx.model import APP_PASSES, Location, Server, parse_proxy_pass
from probe.nginx.passes import source
from probe.nginx.rewrites import Rewrite, apply_rewrites

PASSES = (*APP_PASSES, "grpc_pass")


@dataclass
class Trip:
    """One request on its way through a server block: the steps so far, the variables,
    what the route depends on that the lines read do not decide."""

    base: PredictedRoute
    server: Server
    steps: list[RouteStep]
    vars: Vars
    undecided: str | None = None
    shadow: Shadowed | None = None
    via: str | None = None  # the try_files that led to the location passing, and its assumption

    def end(self, *, refused: bool = False, upstream: str | None = None,
            host_sent: str | None = None, members: tuple[Member, ...] = ()) -> PredictedRoute:
        return PredictedRoute(FrontKind.NGINX, self.base.url, self.base.address,
                              tuple(self.steps), refused=refused,
                              site=self.server.describe(), upstream=upstream,
                              host_sent=host_sent, undecided=self.undecided, members=members,
                              shadowed=self.shadow)



def take_if(trip: Trip, taken: IfTaken,
             loc: Location | None) -> tuple[bool, Location | None]:
    """An ``if`` that holds, or may: (True, None) when its return ends the route (the
    step added); (False, a copy of ``loc`` with its *_pass) when that takes the request;
    else (False, None): the route goes on, saying what it depends on."""
    said = taken.said(trip.vars)
    if not taken.holds:
        trip.undecided = trip.undecided or said
        return False, None
    routing = taken.block.routing
    ret = next((d for d in routing if d.name == "return" and d.args), None)
    if ret is not None:
        trip.steps.append(RouteStep("mapping", f"return {' '.join(ret.args)}", said,
                                    source(ret.where)))
        return True, None
    rewrite = next((d for d in routing if d.name == "rewrite"), None)
    passing = next((d for d in routing if d.name in ("proxy_pass", *PASSES) and d.args),
                   None)
    if rewrite is not None:
        trip.undecided = trip.undecided or (
            f"{said}, and rewrite {' '.join(rewrite.args)} at {rewrite.where} in it "
            f"changes the URI, which the route does not follow")
    elif passing is not None and loc is not None:
        trip.steps.append(RouteStep("mapping", taken.block.written(),
                                    f"{said}: its {passing.name} takes the request",
                                    source(taken.block.where)))
        return False, dataclasses.replace(
            loc, proxy_pass=parse_proxy_pass(passing.args[0], passing.where)
            if passing.name == "proxy_pass" else None,
            other_pass=None if passing.name == "proxy_pass" else passing)
    return False, None



def take_rewrites(trip: Trip, rewrites: tuple[Rewrite, ...], path: str) -> tuple[bool, str, str]:
    """A level's rewrite lines on ``path``: (ended, the path nginx goes on with, the flag
    of the last line applied). Ended: nginx answers a redirect (the step added). A URI
    only the request decides leaves ``path`` as it was, said in ``trip.undecided``."""
    done = apply_rewrites(rewrites, path, trip.vars.known)
    if done is None:
        return False, path, ""
    for rule, uri in done.applied:
        trip.steps.append(RouteStep(
            "mapping", f"rewrite to {uri}" if uri is not None else "rewrite",
            f"{rule.written()} at {rule.where}: the path matches", source(rule.where)))
    if done.redirect is not None:
        trip.steps[-1] = dataclasses.replace(
            trip.steps[-1], decision=f"return {done.redirect}",
            rule=f"{trip.steps[-1].rule}, and nginx answers with a redirect")
        return True, path, done.flag
    if done.uri is None:
        rule = done.applied[-1][0]
        trip.undecided = trip.undecided or (
            f"{rule.written()} at {rule.where} matches the path and makes a URI of values only "
            f"a request has: the steps read are the route of the path as it was")
        return False, path, done.flag
    trip.vars.known["$uri"] = done.uri
    return False, done.uri, done.flag
