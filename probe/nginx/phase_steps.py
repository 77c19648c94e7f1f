"""The steps the rewrite phase adds to a route (:mod:`probe.nginx.route`): a level's
rewrite-module lines run as nginx runs them (ngx_http_rewrite_module), one after the other
in configuration order:

* ``set`` gives its variable (:mod:`probe.nginx.flow`);
* ``rewrite`` on the current URI: no flag goes on to the next line, ``last`` and ``break``
  stop the lines (``last``: in a location, the locations are searched again with the new
  URI; ``break``: the request stays where it is), a redirect answers;
* ``return`` answers, ``break`` stops the lines;
* ``if (condition) { ... }``: when it holds, its own lines run where it stands and the lines
  after it go on; in a location, the request takes the ``if``'s configuration from then
  on: its own ``*_pass``, else its location's, and never the location's ``try_files``
  (nginx does not inherit it into an ``if``). An ``if`` only a request decides is taken as
  not holding, said in :attr:`Trip.undecided` with its line when it would change the route.

Each step carries its ``file:line``; a line inside an ``if`` names the ``if`` too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from probe.front import (
    Fallback,
    FrontKind,
    Member,
    PredictedRoute,
    RouteStep,
    Shadowed,
    VariableChoice,
)
from probe.nginx.flow import IfTaken, Vars, apply_set, forget_sets, holds_for
from probe.nginx.model import APP_PASSES, Location, Server, parse_proxy_pass
from probe.nginx.passes import source
from probe.nginx.rewrites import OPS, if_block, rewrite_of, rewrite_once, set_var
from probe.nginx.text import Directive
from probe.nginx.variables import Map

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
    # the last rewrite line that changed the URI (as written, its file:line): the path the
    # application receives is that line's, not the request's
    rewrote: tuple[str, str] | None = None
    # an error_page's target followed: its own error_page lines are not (nginx's
    # recursive_error_pages is off by default), nor its fallbacks computed again
    following: bool = False
    passing: Location | None = None  # the location whose hand-over the request took

    def end(self, *, refused: bool = False, upstream: str | None = None,
            host_sent: str | None = None, members: tuple[Member, ...] = (),
            fallbacks: tuple[Fallback, ...] = (),
            variables: tuple[VariableChoice, ...] = ()) -> PredictedRoute:
        return PredictedRoute(FrontKind.NGINX, self.base.url, self.base.address,
                              tuple(self.steps), refused=refused,
                              site=self.server.describe(), upstream=upstream,
                              host_sent=host_sent, undecided=self.undecided, members=members,
                              shadowed=self.shadow, fallbacks=fallbacks, variables=variables)


@dataclass
class LevelRun:
    """How a level's rewrite-module lines leave the request."""

    uri: str  # the URI nginx goes on with
    rewritten: bool = False  # a rewrite line replaced the URI
    flag: str = ""  # what stopped the lines: "last", "break"; "": they ran to the end
    ended: bool = False  # a return or a redirect answered (its step added)
    inside: Location | None = None  # the location as an if that holds configures it


def run_level(trip: Trip, ops: tuple[Directive, ...], path: str, loc: Location | None,
              maps: dict[str, Map]) -> LevelRun:
    """The rewrite-module lines of a server block (``loc`` None) or of a location."""
    run = LevelRun(path)
    _lines(trip, ops, run, loc, maps, None)
    return run


def _lines(trip: Trip, ops: tuple[Directive, ...], run: LevelRun, loc: Location | None,
           maps: dict[str, Map], within: tuple[str, str] | None) -> bool:
    """True when a line stops the rest (return, redirect, last, break). ``within``: the if
    whose lines these are, as said, and its line."""
    for d in ops:
        if d.name == "set" and (var := set_var(d)) is not None:
            apply_set(var, maps, trip.vars)
        elif d.name == "break":
            run.flag = "break"
            return True
        elif d.name == "return" and d.args:
            code = d.args[0] if d.args[0].isdigit() else "302"
            rule = within[0] if within else ("the server block returns before any location"
                                             if loc is None else "the location returns")
            trip.steps.append(RouteStep(
                "mapping", f"return {' '.join(d.args)}" if within else f"return {code}", rule,
                source(d.where)))
            run.ended = True
            return True
        elif (d.name == "rewrite" and _rewrite(trip, d, run, within)) or (
                d.name == "if" and d.block is not None and _if(trip, d, run, loc, maps)):
            return True
    return False


def _rewrite(trip: Trip, d: Directive, run: LevelRun,
             within: tuple[str, str] | None) -> bool:
    rule = rewrite_of(d)
    if rule is None:
        return False
    trip.vars.known["$uri"] = run.uri
    done = rewrite_once(rule, run.uri, trip.vars.known)
    if done is None:
        return False
    said = (f"{rule.written()} at {rule.where}, inside the if at {within[1]}: the path "
            f"matches, and {within[0]}" if within else
            f"{rule.written()} at {rule.where}: the path matches")
    if done.redirect is not None:
        trip.steps.append(RouteStep("mapping", f"return {done.redirect}",
                                    f"{said}, and nginx answers with a redirect",
                                    source(rule.where)))
        run.ended = True
        return True
    trip.steps.append(RouteStep("mapping", f"rewrite to {done.uri}" if done.uri is not None
                                else "rewrite", said, source(rule.where)))
    if done.uri is None:
        trip.undecided = trip.undecided or (
            f"{rule.written()} at {rule.where} matches the path and makes a URI of values only "
            f"a request has: the steps read are the route of the path as it was")
        return True
    run.uri, run.rewritten = done.uri, True
    trip.rewrote = (rule.written(), rule.where)
    trip.vars.known["$uri"] = done.uri
    if rule.flag in ("last", "break"):
        run.flag = rule.flag
        return True
    return False


def _if(trip: Trip, d: Directive, run: LevelRun, loc: Location | None,
        maps: dict[str, Map]) -> bool:
    block = if_block(d)
    trip.vars.known["$uri"] = run.uri
    condition = holds_for(block, trip.vars)
    if condition is False:
        return False
    if condition is None:
        sets = [s for c in d.children("set") if (s := set_var(c, d.where)) is not None]
        forget_sets(block, sets, trip.vars)
        if any(c.name != "set" for c in block.routing):
            trip.undecided = trip.undecided or IfTaken(block, None).said(trip.vars)
        return False
    said = IfTaken(block, True).said(trip.vars)
    if loc is not None:
        run.inside = _configured(trip, d, loc, said)
    return _lines(trip, tuple(c for c in d.block or () if c.name in OPS), run, loc, maps,
                  (said, block.where))


def _configured(trip: Trip, d: Directive, loc: Location, said: str) -> Location:
    """The location as the configuration of its ``if`` makes it: the if's own *_pass, or
    the location's (nginx merges it into the if), and no try_files (nginx does not)."""
    plain = dataclasses.replace(loc, phase=dataclasses.replace(loc.phase, try_files=None))
    if any(c.name == "error_page" for c in d.block or ()):
        # the if's own error_page lines replace the location's, and are not followed here
        # (probe.nginx.fallbacks says so): none of the location's is claimed in force
        plain = dataclasses.replace(plain, error_pages=())
    passing = next((c for c in d.block or () if c.name in ("proxy_pass", *PASSES) and c.args),
                   None)
    if passing is None:
        return plain
    trip.steps.append(RouteStep("mapping", f"if ({' '.join(d.args)})",
                                f"{said}: its {passing.name} takes the request",
                                source(d.where)))
    return dataclasses.replace(
        plain, proxy_pass=parse_proxy_pass(passing.args[0], passing.where)
        if passing.name == "proxy_pass" else None,
        other_pass=None if passing.name == "proxy_pass" else passing)
