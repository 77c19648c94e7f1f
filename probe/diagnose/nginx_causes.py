"""Diagnosis in nginx's terms, for a URL whose answer came through nginx (and in an application
server's terms when one was reached directly).

* another application answered (``wrong_instance``, ``served_unmapped``): the endpoint's
  ``server.listen`` names the upstream that answered. With the configuration (``--config``)
  the predicted route says why: no ``server_name`` matched and the default server proxied
  (``default_server``), or the block that matched proxies to another application's
  upstream (``wrong_upstream``), each with ``file:line``; a route that does not lead to the
  upstream that answered blames no line. A default block meant for the expected instance that
  passes to another block's application is ``wrong_upstream`` (:mod:`.nginx_default_pass`).
  Without it both stay candidates;
* nginx answered 502/503/504 itself (``upstream_down``): the upstream gave no usable answer
  (down, another protocol, too slow: the error log line tells); the configuration names it;
* the special routes (``map``, regex location, upstream member, ``uwsgi_pass``):
  :mod:`.nginx_fixes`; a 500: that server's log (:mod:`.nginx_errors`).

Why this module is longer than 300 lines: ``_misroute`` joins one misrouted answer to the
predicted route, and its branches (the default server, a hand-over other URLs use, a copy of
the other application, the special routes) read the same dozen values of that join; each
branch's words live in modules of their own, and split further, the join would be passed
around as a bag of arguments.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from urllib.parse import urlsplit

from probe.diagnose import other_copy as copies
from probe.diagnose.disagreement import through_nginx
from probe.diagnose.fronts import listen, same_listen, server_header
from probe.diagnose.identify import SweepContext
from probe.diagnose.label_unmatched import label_unmatched
from probe.diagnose.nginx_behind import (
    apache_may_choose,
    chosen_behind,
    host_not_passed,
    one_application,
)
from probe.diagnose.nginx_default_pass import default_pass, sole_block
from probe.diagnose.nginx_errors import front_error
from probe.diagnose.nginx_fallback import fallback_answered, fallback_unknown
from probe.diagnose.nginx_fixes import rewritten_words, upstream_words
from probe.diagnose.nginx_lint_fit import with_lint
from probe.diagnose.nginx_listens import listened_member
from probe.diagnose.nginx_map_entry import default_words
from probe.diagnose.nginx_member import backup_answered, listen_unknown, only_member
from probe.diagnose.nginx_names import default_only, duplicate, meant_for, name_first
from probe.diagnose.nginx_near_name import manifest_hosts, typo_first
from probe.diagnose.nginx_own_404 import own_404
from probe.diagnose.nginx_pattern import claimed_fix, name_out, pattern_fix
from probe.diagnose.nginx_refuse import refuse_at
from probe.diagnose.nginx_shared_pass import shared_pass
from probe.diagnose.nginx_shared_words import unconfigured
from probe.diagnose.nginx_unlistened import not_this_file, step_said
from probe.diagnose.nginx_unread import (
    capital,
    duplicate_hint,
    is_sub_path,
    not_decided,
    probed_invalid,
    same_server_hint,
    sub_path,
    undecided,
)
from probe.diagnose.pass_mount import mounted, unread_mount
from probe.diagnose.pass_target import (
    configured_pass,
    own_answer,
    pass_target,
    seen_answer,
    upstreams,
)
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig, FrontKind, PredictedRoute, RouteStep
from probe.model import Candidate, Cause, Evidence, EvidenceKind, Observation, Verdict

MISROUTES = (Verdict.WRONG_INSTANCE, Verdict.SERVED_UNMAPPED)
AT = "an address decided at request time"
UNANSWERED = (Verdict.NO_ENDPOINT, Verdict.UNREACHABLE)  # the route says why: nginx_unanswered


def _configured(*steps: RouteStep | None) -> tuple[Evidence, ...]:
    return tuple(Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source))
                 for s in steps if s is not None and s.source is not None)


def _route(obs: Observation, front: FrontConfig | None) -> PredictedRoute | None:
    if front is None or front.front is not FrontKind.NGINX:
        return None
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    return front.route(obs.target.url, address)


def nginx_diagnosis(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
                    front: FrontConfig | None,
                    lint: Mapping[tuple[str, int], tuple[str, str]] | None = None) -> Diagnosis:
    """``diagnosis`` worded for nginx: misroutes and nginx's own errors. ``lint``: the
    configuration's lint findings by (file, line), named where the route passes them."""
    route = _route(obs, front)
    if route is not None and route.undecided is not None:
        # An include that was not read may change the route: worded as without the
        # configuration, and said why (probe.nginx.unread).
        return not_decided(nginx_diagnosis(obs, diagnosis, context, None), diagnosis, route)
    if front is not None and route is not None and diagnosis.verdict in UNANSWERED:
        from probe.diagnose.nginx_no_endpoint import unanswered, url_route

        return unanswered(obs, diagnosis, context, url_route(obs, context, front), front)
    if route is None and diagnosis.verdict is Verdict.NO_ENDPOINT:
        return own_404(obs, diagnosis)  # nginx's page or the application's: both said
    if diagnosis.verdict in MISROUTES:
        found = label_unmatched(obs, apache_may_choose(
            obs, _misroute(obs, diagnosis, context, route, front), context, route), context, route)
        return with_lint(found, route, lint or {}) if found.cause else found
    if diagnosis.verdict is Verdict.HTTP_ERROR:
        own = own_answer(context, obs.target.expected)
        return front_error(obs, diagnosis, route, "nginx", front, own.listen if own else None,
                           context)
    if diagnosis.verdict is Verdict.INCONSISTENT:
        return through_nginx(obs, diagnosis, route, context, lambda o: _route(o, front))
    return diagnosis


def _misroute(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
              route: PredictedRoute | None, front: FrontConfig | None) -> Diagnosis:
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    if answer is None:
        return diagnosis
    url, expected = obs.target.url, obs.target.expected
    host = (urlsplit(url).hostname or "").lower()
    address = obs.target.address or next((s.address for s in obs.samples if s.address), "")
    who = diagnosis.answered_by or answer.label or "another application"
    at = listen(answer)
    own = own_answer(context, expected)
    wanted_at = own.listen if own is not None else None
    configured = configured_pass(context, front, expected, own)
    # its address is seen wherever it answered, on any instance's URL
    seen = own or seen_answer(context, expected)
    target = pass_target(expected or "the right application", seen, address or None, configured)
    header = server_header(obs) or "nginx"
    head = (f"{url} should be {'served by ' + expected if expected else 'refused'}, but "
            f"nginx (Server: {header}) passed it to {who}"
            + (f", the application listening on {at} (server.listen)" if at else "") + ".")
    also = ("" if not wanted_at or not expected or own is None else
            f" {expected} answers its own URLs on {own.told}." if own.told else
            f" {expected} answers its own URLs from {wanted_at} (server.listen).")
    also += one_application(answer, who, named=own is not None and bool(own.told))
    observed = [e for e in diagnosis.evidence if e.kind is not EvidenceKind.CONFIGURED]
    observed.append(Evidence(EvidenceKind.OBSERVED, f"Server: {header}", f"GET {url}"))
    if at:
        observed.append(Evidence(EvidenceKind.OBSERVED, f"server.listen = {at!r}",
                                 f"GET {url}"))
    said = (head + also, tuple(observed))  # the server behind nginx chose: not its hand-over
    if route is not None and (gone := not_this_file(diagnosis, *said[:1], route, front,
                                                    said[1])):
        return gone  # no block of the file given listens where the answer came from
    if (behind := host_not_passed(url, diagnosis, answer, route, *said) or chosen_behind(
            obs, diagnosis, answer, route, context, lambda o: _route(o, front), *said)):
        return behind
    refuse = refuse_at(url, address or None, front)
    if route is None:
        decided = probed_invalid(obs, context, at, answer.label)
        line = copies.pass_line(answer)  # not read: its URI part is told to stay
        repoint = pass_target(expected or "the right application", seen, address or None,
                              configured, unread=line == "proxy_pass", unread_mount=unread_mount(
                                  context, expected, own.url if own else None, url))
        if expected and (shared := unconfigured(diagnosis, head + also, obs, context, answer,
                                                expected, who, at, target, own, decided,
                                                tuple(observed))):
            return shared  # the hand-over is right for other URLs: never repointed
        hint = same_server_hint(context, at, address) if expected is None else ""
        copy = copies.other_copy(obs, context, context.identify(answer), at) if expected else None
        if decided is not None and decided[0] is None:
            return undecided(diagnosis, head + also, host, expected, who, at, repoint,
                              refuse, (*observed, decided[1]), probed=True, hint=hint,
                              copy=copy, pass_line=line)
        if decided is not None and decided[0] is Cause.WRONG_UPSTREAM and expected \
                and is_sub_path(url):
            # a block claims the host; which of its locations takes the path is not seen
            return sub_path(diagnosis, head + also, url, expected, who, repoint,
                            tuple(observed), decided[1])
        if decided is not None and decided[0] is Cause.WRONG_UPSTREAM and expected and copy:
            # a block claims the host: its pass line, or the server it leads to, is wrong
            return copies.probed_claim(diagnosis, f"{head}{also}", (*observed, decided[1]),
                                       copy, expected, line, repoint, duplicate_hint(host))
        if decided is not None and decided[0] is not None:
            probed, evidence = decided[0], decided[1]
            return dataclasses.replace(
                diagnosis, cause=probed, candidates=(),
                explanation=f"{head}{also} {capital(evidence.claim)}.",
                fix=(f"Add {host} to the server_name of the block meant for "
                     f"{expected or 'it'} and let unknown names be refused: {refuse}"
                     + (f".{hint}" if hint else "")
                     if probed is Cause.DEFAULT_SERVER else
                     f"In the server block whose server_name matches {host} ('nginx -T' "
                     f"shows it; probe sweep --config names the line), point its pass at "
                     f"{repoint}." + duplicate_hint(host) if expected else
                     # a URL to refuse has no right application: the claimed name is the fix
                     claimed_fix(host, who)),
                evidence=(*observed, evidence))
        return undecided(diagnosis, head + also, host, expected, who, at, repoint, refuse,
                          tuple(observed), probed=False, address=address, hint=hint,
                          copy=copy, pass_line=line)
    site, upstream = route.step("site"), route.step("upstream")
    members = upstreams(route)
    fell = (fallback_answered(route, upstream, expected, who, at, own)
            if expected and at else None)
    if fell is not None:
        # an error_page took the request from a failing hand-over: configured, not a reload
        taken, page = fell
        return dataclasses.replace(
            diagnosis, cause=Cause.WRONG_UPSTREAM, candidates=(),
            explanation=f"{head}{also}{taken.why}", fix=taken.fix,
            evidence=(*observed, *_configured(site, upstream), Evidence(
                EvidenceKind.CONFIGURED, page.page, str(page.source))))
    several = (listened_member(answer, route, upstream, url, expected, who, at, own)
               if expected and upstream is not None else None)
    if several is not None:  # a member at another of its sockets: not a reload
        return dataclasses.replace(
            diagnosis, cause=several.cause, candidates=several.candidates,
            explanation=f"{head}{also}{several.why}", fix=several.fix,
            evidence=(*observed, *_configured(site, upstream), *several.evidence))
    if at and members and not any(same_listen(at, m) for m in members):
        # Apache's candidates (the generic diagnosis's) never stand behind nginx
        return dataclasses.replace(
            diagnosis, cause=None, candidates=(),
            explanation=f"{head} The configuration given does not send it there: it predicts "
                        f"{route.site or 'no server block'} and upstream {route.upstream} "
                        f"({upstream.source if upstream else '?'}), the answer came from {at}. "
                        f"So nginx is not running this configuration as read (changed and not "
                        f"reloaded, another server on this address), or the model is wrong; no "
                        f"line of it is blamed.",
            fix="Compare with what nginx runs: 'nginx -T'; reload it ('nginx -s reload') after "
                "checking it with 'nginx -t'.", evidence=(*observed, *_configured(upstream)))
    named = (duplicate(front, url, address or None, expected, own, configured)
             if site is not None and site.by == "name" else None)
    if named is not None:
        # Two blocks name the host: the block nginx uses passes its own names right, so its
        # hand-over is not the line to change.
        return dataclasses.replace(
            diagnosis, cause=named.cause, explanation=f"{head}{also}{named.why}",
            fix=named.fix, candidates=(), evidence=(*observed, *named.evidence,
                                                    *_configured(upstream)))
    named_at: tuple[Evidence, ...] = ()  # the server_name line the fix names
    took = (default_pass(context, front, route, url, address or None, expected,
                         context.identify(answer), at)
            if site is not None and site.by == "default" and expected and at else None)
    candidates: tuple[Candidate, ...] = ()
    cause: Cause | None
    if site is not None and site.by == "default" and (took is None or not took.decided):
        cause = Cause.DEFAULT_SERVER
        why = (f" The configuration given says why: {site.rule} ({site.source}); that "
               f"block passes it to {route.upstream or (upstream.rule if upstream else AT)} "
               f"({upstream.source if upstream else '?'}).")
        # A block already marked default_server must lose the mark: two on one address and
        # nginx does not start ("a duplicate default server").
        marked = (f" (and remove default_server from {site.source})"
                  if "the default_server of" in site.rule and site.source else "")
        found = default_only(context, front, address or None, site.decision)
        first = name_first(found) if found is not None else ""
        # The default block's own names first: a URL it serves only as the default would
        # be refused with the unknown names (probe.diagnose.nginx_names).
        refusing = (f"ake the default server of this address refuse unknown names: "
                    f"{refuse}{marked}")
        block = (meant_for(context, front, host, expected, address or None)
                 or sole_block(context, front, url, address or None, expected, site.decision)
                 if expected else None)
        block = typo_first(context, front, url, address or None, expected, site.decision,
                           block) or block if expected else block
        named_at = block.evidence if block is not None else ()
        lead = block.lead if block is not None else \
            f"Add {host} to the server_name of the block meant for {expected}" if expected else ""
        fix = ((f"{lead}. " if lead else "") + f"{first}m{refusing}" if first else
               f"{lead}; and m{refusing}" if lead else f"M{refusing}")
        if took is not None:  # another block could be the one meant: both stay open
            cause, why, fix = None, why + took.why, f"{took.after} Either way, m{refusing}"
            candidates = (Candidate(Cause.WRONG_UPSTREAM, f"whether {site.decision}, which "
                                    f"took it, is the block meant for {expected}"),
                          Candidate(Cause.DEFAULT_SERVER, f"whether {' or '.join(took.others)}"
                                    f" is the block meant for {expected}"))
    else:
        cause = Cause.WRONG_UPSTREAM
        proxy = (f"{upstream.rule} ({upstream.source})" if upstream else "no hand-over read")
        why = (f" The server block that takes {host!r} ({step_said(site)}) passes it "
               + (f"to {route.upstream}: {proxy}." if route.upstream else f"with {proxy}."))
        shadow = route.shadowed is not None and bool(route.shadowed.upstream)
        copy = (copies.other_copy(obs, context, context.identify(answer), at)
                if expected and upstream is not None and not shadow
                and any(same_listen(at, m) for m in members) else None)
        kept = pass_target(expected or "the right application", seen, address or None,
                           configured, line=upstream,  # its URI part stays, not a rewrite's
                           mount=mounted(context, route, expected, configured.own_url
                                         if configured else own.url if own else None))
        if copy is not None and upstream is not None \
                and not copies.own_route_passes_there(copy, front):
            # the hand-over leads where it should; the server there loads the other app
            told, fix = copies.decided(copy, expected or "", f"{upstream.rule} at "
                                       f"{upstream.source}", str(upstream.source), kept)
            return dataclasses.replace(
                diagnosis, cause=Cause.WRONG_MODULE, candidates=(),
                explanation=f"{head}{also}{why}{told}", fix=fix, evidence=(
                    *observed, *copies.copy_evidence(copy), *_configured(site, upstream)))
        guard = shared_pass(obs, context, front, route, expected, who, target, own, answer) \
            if expected and front is not None else None
        if guard is not None:  # its hand-over is right for other URLs: the location is not
            return dataclasses.replace(
                diagnosis, cause=guard.cause, candidates=(), fix=guard.fix,
                explanation=f"{head}{also}{why}{guard.why}", evidence=(
                    *observed, *_configured(site, upstream), *guard.evidence))
        # the shadowing regular expression first (its fix is ^~), then a one-member group
        member = (rewritten_words(route, upstream, expected, who, target)
                  or default_words(route, expected, who, manifest_hosts(context))
                  or only_member(front, route, upstream, expected, who, at, kept, own)
                  or backup_answered(route, upstream, expected, who, at, own)
                  or fallback_unknown(route, upstream, expected, at)
                  or listen_unknown(route, upstream, expected, at, own)
                  if expected and upstream is not None and not shadow else None)
        words = (member or upstream_words(route, upstream, expected, who, at, kept, own,
                                          configured)
                 if expected and upstream is not None else None)
        if words is not None and own is not None and route.shadowed is not None and shadow \
                and route.step("mapping") is not None \
                and any(same_listen(own.listen, m.strip())
                        for m in (route.shadowed.upstream or "").split(",")):
            # the prefix location passes to the right application: the regular expression
            # location took the path (the fix is ^~ there, probe.diagnose.nginx_fixes)
            cause = Cause.URL_MAPPING
        why += words.why if words is not None else ""
        fix = (words.fix if words is not None else
               f"At {upstream.source if upstream else 'that proxy_pass'}, pass to {kept}."
               if expected else
               # A URL to refuse has no application to pass to: the name is what is claimed
               # (a regular expression or wildcard narrowed, keeping the manifest's hosts).
               pattern_fix(context, front, site, host, refuse)
               or name_out(front, site, host, refuse))
        if took is not None:  # the default block is the one meant: its hand-over is wrong
            why, fix, named_at = why + took.why, fix + took.after, took.evidence
    return dataclasses.replace(
        diagnosis, cause=cause, explanation=f"{head}{also}{why}", fix=fix,
        candidates=candidates, evidence=(
            *observed, *_configured(site, route.step("mapping"), upstream), *named_at))
