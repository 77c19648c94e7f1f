"""``http_error``: a URL whose probe request got a 5xx, worded from what answered it.

The endpoint answers before the application runs, so a 5xx instead of its answer was made
by something else: the server failing to run the application (a 500 with a traceback in the
log of the server that answered), or a proxy or balancer in front that got no answer from a
backend (502, 503, 504: the gateway statuses, nginx's, HAProxy's, Apache mod_proxy's; cause
``upstream_down``). What says which: the status, the answer's Server header (absent on some
balancers' own pages: then nothing names the front, and the words say so), and whether other
samples of the URL reached the endpoint (then some backends answer and some do not). nginx's
own 502/503/504 is worded with its configuration in :mod:`.nginx_causes`; a 503 no header
names and no sample escaped, HAProxy's for a name it routes nowhere as much as for a backend
down, in :mod:`.unrouted`, without a cause.
"""

from __future__ import annotations

import re

from probe.diagnose import unrouted
from probe.diagnose.answer_names import place, places, server_kind
from probe.diagnose.fronts import (
    EXPRESS_NAMING,
    express_address,
    express_group,
    listen,
    same_listen,
    software,
)
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.model import Cause, Evidence, EvidenceKind, Observation, Sample, Verdict
from probe.server_pages import haproxy_page

GATEWAY = (502, 503, 504)
CONFIG_HINT = (" Sweep with --config PATH (the front's configuration) to have a configuration "
               "cause named.")
"""Said of a 500 without --config; a join that read it and found no cause takes it off."""
UNREAD = ("; no configuration was read, so what Apache passes this URL to, and why that gave "
          "no answer, is not known from the answers.")
ASK_CONFIG = ("Sweep again with --config PATH (Apache's configuration): the ProxyPass or WSGI "
              "mount that takes this URL is then named with its file:line, and the backend "
              "address it passes to. ")
"""Said of Apache's gateway status without --config; a join that read it takes them off."""
APACHE_LOG = "Apache's error log for this URL's VirtualHost (its ErrorLog, else the server's)"
"""Where Apache logs a request's lines, said where no configuration decides which file: a
join that read the configuration names the file instead (:func:`with_log`)."""


def with_log(text: str, log: str) -> str:
    """``text`` with :data:`APACHE_LOG` replaced by ``log`` (a noun phrase in lower case,
    ``the server's ErrorLog, ...``), capitalised where it starts a sentence: a fix whose
    first words were taken off (the ask for --config) starts with the log."""
    first, *rest = text.split(APACHE_LOG)
    out = first
    for part in rest:
        starts = not out.strip() or out.rstrip().endswith((".", "!", "?"))
        out += (log[:1].upper() + log[1:] if starts else log) + part
    return out


# Only the neighbour's answer is observed: this URL got none, so whether it runs embedded
# beside it (and in which process) is said as unknown, with what decides it (re-tester R26).
_LEAK_HINT = (" A likely cause (not certain): {name} runs embedded in Apache (its answer, "
              "{place}: process_group '') with DJANGO_SETTINGS_MODULE={settings!r}; no answer "
              "of this URL shows whether it runs embedded beside it. Where it does and its "
              "WSGI script uses os.environ.setdefault(), it can inherit that value and fail "
              "when that settings module does not exist in its code base: --config PATH (the "
              "mount and process group that take this URL) or the module named in the error "
              "log's traceback for this request decides it.")
_LEAK_FIX = (f"Read {APACHE_LOG}. If the settings module was not found, assign "
             "os.environ['DJANGO_SETTINGS_MODULE'] in the WSGI script instead of "
             "setdefault(), or run each instance in its own daemon process group.")
_LEAK_SAID = re.compile(re.escape(_LEAK_HINT).replace(r"\{name\}", ".*?").replace(
    r"\{settings!r\}", ".*?").replace(r"\{place\}", ".*?"))


def without_leak_hint(explanation: str) -> str:
    """``explanation`` without the answers-alone guess that a settings module leaked from an
    embedded instance: taken off where the configuration decides that the 500 comes before
    any Python runs for the URL in Apache (mod_wsgi refusing a daemon group, mod_proxy), so
    that the guess is false; the join that decides it writes the fix."""
    return _LEAK_SAID.sub("", explanation)


def _header(sample: Sample) -> str:
    return f"Server: {sample.server}" if sample.server else "no Server header"


def http_error(obs: Observation, sample: Sample, leak_suspect: EndpointAnswer | None,
               suspect_name: str, context: SweepContext | None = None) -> Diagnosis:
    url, status = obs.target.url, sample.status_code
    failed = [s for s in obs.samples if s.status_code == status and s.endpoint is None]
    reached = [a for s in obs.samples if (a := s.trusted_answer) is not None]
    share = "" if len(failed) == len(obs.samples) else \
        f" ({len(failed)} of {len(obs.samples)} samples)"
    evidence: tuple[Evidence, ...] = (Evidence(
        EvidenceKind.OBSERVED, f"status {status}, {_header(sample)}", f"GET {url}"),)
    if status == unrouted.STATUS and not sample.server and not reached \
            and leak_suspect is None and context is not None:
        return unrouted.unrouted_or_down(obs, context, share, evidence)
    if status in GATEWAY and leak_suspect is None:
        return _gateway(url, status, sample, share, reached, evidence)
    explanation = f"{url} answered HTTP {status}{share} ({_header(sample)})."
    fix = _read_log(sample, reached)
    express = _express_at(obs, sample, reached, context)
    if express is not None:  # its own server root and error_log, not the system Apache's
        explanation, fix = explanation + express[0], express[1]
    proxied = _proxied_here(obs, sample, reached, context)
    if proxied is not None:  # Apache here runs a proxy: mod_proxy's codes, not mod_wsgi's
        other, answer, at = proxied
        explanation += (f" This Apache passes other URLs on through a proxy: "
                        f"{other.target.url} was answered by {software(answer)} "
                        f"(server.software) listening on {at} (server.listen), not at "
                        f"{sample.address}; no sample of this URL reached the endpoint, so "
                        f"whether its route is mod_proxy too the answers do not tell.")
        evidence += (Evidence(EvidenceKind.OBSERVED, f"server.software = "
                              f"{software(answer)!r}, server.listen = {at!r}",
                              f"GET {other.target.url}"),)
        fix = (f"Read {APACHE_LOG} at the time of this request: where the route is mod_proxy "
               f"(as for {other.target.url}), it names mod_proxy's reason (AH01144: no "
               f"balancer or worker for the URL, e.g. 'balancer://name' without its '/'; "
               f"AH00957/AH01114: the backend refused or failed), not a Python traceback; "
               f"else a traceback or mod_wsgi's own message.{CONFIG_HINT}")
    if leak_suspect is not None:
        explanation += _LEAK_HINT.format(name=suspect_name, settings=leak_suspect.settings,
                                         place=place(leak_suspect))
        fix = _LEAK_FIX
    return Diagnosis(Verdict.HTTP_ERROR, explanation=explanation, fix=fix, evidence=evidence)


def _proxied_here(obs: Observation, sample: Sample, reached: list[EndpointAnswer],
                  context: SweepContext | None
                  ) -> tuple[Observation, EndpointAnswer, str] | None:
    """Another URL at the same address that Apache passed to an application server (its
    answer not mod_wsgi's, its server.listen not the address), where this URL reached no
    endpoint and Apache answered."""
    if context is None or reached or sample.address is None or \
            not (sample.server or "").lower().startswith("apache"):
        return None
    for other in context.observations:
        for each in other.samples:
            answer = each.trusted_answer
            at = listen(answer) if answer is not None else None
            if answer is not None and at and each.address == sample.address and \
                    server_kind(answer) != "mod_wsgi" and software(answer) and \
                    not same_listen(at, sample.address):
                return other, answer, at
    return None


def _express_at(obs: Observation, sample: Sample, reached: list[EndpointAnswer],
                context: SweepContext | None) -> tuple[str, str] | None:
    """(what says so, the fix) where a mod_wsgi-express server answered the 500: an answer's
    daemon group, or the group the manifest declares, is the URL's own ``HOST:PORT`` (tester
    T31's 18202, started with another project's wsgi.py, was told to read "Apache's error
    log for this URL's VirtualHost" with a WSGI0152 example that did not apply)."""
    address = sample.address or obs.target.address
    # reached directly: behind a front (a balancer of express members) the 500 may be the
    # front's, and its own words name the member lines
    seen = next((a for a in reached if (group := express_address(a))
                 and address is not None and same_listen(group, address)), None)
    instance = context.manifest.instances.get(obs.target.expected or "") \
        if context is not None else None
    declared = instance.process_group if instance is not None else None
    if seen is not None:
        group = seen.process_group or ""
        said = f" Its answers name process_group {group!r} ({EXPRESS_NAMING})."
    elif declared and express_group(declared) and same_listen(declared, address):
        group = declared
        said = (f" The manifest declares process_group {group!r} for {obs.target.expected}, "
                f"this URL's own address ({EXPRESS_NAMING}): a mod_wsgi-express server.")
    else:
        return None
    return said, (
        f"Read the error_log of the mod_wsgi-express server at {group} at the time of this "
        f"request, not the system Apache's: it writes its own, SERVER_ROOT/error_log, "
        f"SERVER_ROOT being the directory of the httpd.conf that its Apache's command line "
        f"shows after -f ('ps -ww -o pid=,args= -C httpd,apache2' lists them; for a process "
        f"of it, 'ps -ww -o args= -p PPID'), /tmp/mod_wsgi-{group}:UID/error_log unless it "
        f"was started with --server-root or --log-directory. It says why: a Python traceback "
        f"of loading its WSGI script, or mod_wsgi's own message.")


def _read_log(sample: Sample, reached: list[EndpointAnswer]) -> str:
    """Where the reason is: the answer shows no traceback, so none is promised (mod_wsgi
    refuses some requests itself, e.g. for a daemon group the VirtualHost cannot use)."""
    log = _log(sample, reached)
    if log == APACHE_LOG:
        return (f"Read {log} at the time of this request: it says why, a Python traceback "
                f"or mod_wsgi's own message (such as 'WSGI0152: Daemon process called ... "
                f"cannot be accessed' for a daemon process group defined in another "
                f"VirtualHost).{CONFIG_HINT}")
    return (f"Read {log} at the time of this request: it says why (a Python traceback, or "
            f"the server's own message).")


def _log(sample: Sample, reached: list[EndpointAnswer]) -> str:
    """The log with the traceback: Apache's error log where Apache answered, else the one
    of the server the answer names; said as unknown where nothing names it."""
    header = (sample.server or "").lower()
    if header.startswith("apache") or any(server_kind(a) == "mod_wsgi" for a in reached):
        return APACHE_LOG
    named = next((software(a) for a in reached if software(a)), None) or sample.server
    if named:
        return f"{named}'s log (its error log or the service's journal)"
    return ("the error log of the server that answered (no Server header and no answer of "
            "the endpoint names it)")


def _gateway(url: str, status: int | None, sample: Sample, share: str,
             reached: list[EndpointAnswer], evidence: tuple[Evidence, ...]) -> Diagnosis:
    header = _header(sample)
    if reached:
        # Re-tester R31: one backend (one express server) short of workers once, not "some
        # of several": the samples tell that it answered at other moments, not how many there are.
        others = (f" The other samples reached the endpoint ({places(reached)}): the same URL "
                  f"was answered at other moments, so what answered {status} could not reach "
                  f"a backend at that moment: one busy, restarting or short of workers, or one "
                  f"of several that is down; its error log at the time of this request says "
                  f"which.")
    else:
        others = " No sample reached the endpoint."
    if (sample.server or "").lower().startswith("apache"):
        return Diagnosis(Verdict.HTTP_ERROR, Cause.UPSTREAM_DOWN, explanation=(
            f"{url} answered HTTP {status}{share} ({header}) without the endpoint's answer: the "
            f"endpoint answers before the application runs, so the application made no "
            f"traceback here.{others} The Server header names Apache httpd as what answered "
            f"{status}{UNREAD}"), fix=ASK_CONFIG + _apache_check(status), evidence=evidence)
    page = sample.page
    if page is not None and page.server == "HAProxy" and not sample.server:
        front = f" {haproxy_page(page)}: HAProxy answered {status} (its log line for the request " \
                f"names the backend and server it tried)."
    else:
        front = ("" if sample.server else
                 " Nothing names what answered: a balancer's own error page may carry no Server "
                 "header (the error log of each proxy in front says which one it was).")
    return Diagnosis(
        Verdict.HTTP_ERROR,
        Cause.UPSTREAM_DOWN,
        explanation=(
            f"{url} answered HTTP {status}{share} ({header}) without the endpoint's answer: "
            f"the endpoint answers before the application runs, so the application made no "
            f"traceback here. {status} is what a proxy or balancer answers when the backend "
            f"it passes the request to does not answer (down, not listening, marked down by "
            f"health checks, or too slow){_CLOSED if status == 502 else ''}.{others}{front}"
        ),
        fix=(
            f"Find the server in front that answered {status} and check the backends it "
            f"passes {url} to: {_CLOSED_CHECK if status == 502 else ''}start the ones that are "
            f"down, or correct their addresses; its error log names the backend it could not "
            f"reach."
        ),
        evidence=evidence,
    )


_CLOSED = ("; or a backend that is up closed the connection without answering, on purpose, "
           "as nginx's 'return 444' does for a name it refuses: in the answers the two look "
           "the same")
_CLOSED_CHECK = ("where a backend is up, its own access log for this request decides: status "
                 "444 there is nginx refusing the name by its configuration (the server block "
                 "that takes it, often a default server's 'return 444'), nothing down, and "
                 "probe sweep --config with that nginx's configuration names the line; else ")


def _apache_check(status: int | None) -> str:
    """What tells, for an Apache {status} read from answers alone: the configuration, or the
    error log line of the module that answered (each named as a check, none claimed)."""
    return (f"{APACHE_LOG} at the time of this request says which module answered "
            f"{status}: mod_proxy's AH00957 or AH01114 name a backend address it could not "
            f"connect to, AH02454 a unix socket, with the system's error before the code "
            f"('(111)Connection refused' or '(2)No such file or directory': nothing listens "
            f"there; '(13)Permission denied': a socket Apache's user may not write to, whose "
            f"owner and mode 'ls -l SOCKET' shows); mod_proxy_balancer logs 'All workers are "
            f"in error state'; mod_wsgi logs 'Unable to connect to WSGI daemon process'.")
