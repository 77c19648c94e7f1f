"""The words of ``unreachable``: every kind of failed request counted and worded, with the
fix each kind calls for, and a restart during the sweep told from a server that is down."""

from __future__ import annotations

from collections.abc import Sequence

from probe.diagnose.restart_gap import restart_gap
from probe.diagnose.sentences import then
from probe.diagnose.wording import Diagnosis, name_refused_in_tls
from probe.errors import ErrorKind
from probe.model import Sample, Verdict

NGINX_SHORT_OF_CONNECTIONS = (
    "nginx's error log at warn level says 'worker_connections are not enough, reusing "
    "connections' then: raise worker_connections in its events block, or sweep with a lower "
    "--concurrency")
"""The probe's own requests at once can be what exhausts them (each takes a connection
from the client and one to the upstream); the probe sends a request closed so once more,
on a new connection (probe.transport), and reports it when that one is closed too."""

# In order: the first kind a failed request shows decides the fix.
_UNREACHABLE_FIXES = {
    ErrorKind.DNS: "Check the host name, or use --connect HOST:PORT to probe a server directly.",
    ErrorKind.NOT_TLS: ("This address and port do not speak TLS (most often plain HTTP): use "
                        "http:// for this URL, or the server's HTTPS port."),
    ErrorKind.TLS: "Check the server's certificate for this host name (and --ca-file / ca_file).",
    ErrorKind.TIMEOUT: "The server or the network is too slow or stuck: check its load and logs.",
    # Bytes came back (a status line, headers): "is it running" is not the question either.
    ErrorKind.PROTOCOL: ("Something at this address answered, but not with an answer the probe "
                         "reads (the error says how): see what it sends (curl -sv to this URL "
                         "at this address): another program listening on this port, or a "
                         "server or application sending broken or oversized headers or body."),
    # Something accepted the connection: "is it running" is not the question.
    ErrorKind.CLOSED: ("The server at this address accepted the connection and closed it "
                       "without an HTTP answer: a rule that refuses the name (nginx's "
                       "'return 444'), a server process dying on the request (its error "
                       "log says), or nginx short of connections, which closes new ones "
                       f"before reading them ({NGINX_SHORT_OF_CONNECTIONS}); if the URL is "
                       "meant to be refused, list it under [refuse]."),
}


def closed_among_answered(answered: int, total: int) -> str:
    """The fix for requests closed without an answer where the expected instance answered
    most of the URL's samples: a rule that refuses the name would have refused those too, so
    'return 444' and [refuse] are ruled out (observed)."""
    return (f"{answered} of {total} requests were answered by the expected instance, so no "
            f"rule refuses this URL: what closed the others is a server process dying on the "
            f"request (its error log says) or nginx short of connections, which closes new "
            f"ones before reading them ({NGINX_SHORT_OF_CONNECTIONS}).")


def _fix(kind: ErrorKind | None, answered: int, total: int, timed_out: str | None) -> str:
    if kind is ErrorKind.CLOSED and answered * 2 > total:
        return closed_among_answered(answered, total)
    if kind is ErrorKind.TIMEOUT and timed_out is not None:
        return timed_out
    return _UNREACHABLE_FIXES.get(kind, _CHECK_RUNNING) if kind else _CHECK_RUNNING


# What a request of each kind got, as a count says it: "1500 could not connect".
_FAILED = {
    ErrorKind.DNS: "had a name that did not resolve",
    ErrorKind.CONNECT: "could not connect",
    ErrorKind.TLS: "failed in the TLS handshake",
    ErrorKind.NOT_TLS: "got no TLS answer",
    ErrorKind.TIMEOUT: "timed out",
    ErrorKind.PROTOCOL: "got no valid HTTP answer",
    ErrorKind.CLOSED: "were closed without an HTTP answer",
}
_CHECK_RUNNING = "Check that the server is running and listening on this address and port."


def unreachable(failed: Sequence[Sample], total: int,
                samples: Sequence[Sample] = (), answered: int = 0,
                timed_out: str | None = None) -> Diagnosis:
    """``samples``: every sample of the URL at this address in the order sent (the failed
    among them), to tell a restart during the sweep from a server that is down;
    ``answered``: how many of them the expected instance answered; ``timed_out``: the fix
    for requests that timed out, where the sweep's own queue is worded
    (probe.diagnose.timeout_queue)."""
    # Each kind counted and worded: a few requests closed among many refused are not the
    # whole story, and the last error alone is not either.
    kinds: dict[ErrorKind | None, list[Sample]] = {}
    for sample in failed:
        kinds.setdefault(sample.error_kind, []).append(sample)
    ordered = sorted(kinds.items(), key=lambda kv: -len(kv[1]))
    share = "" if len(failed) == total else f"{len(failed)} of {total} requests failed: "
    if len(ordered) == 1:
        [(kind, _)] = ordered
        said = failed[-1].error or "no answer"
        fix = _fix(kind, answered, total, timed_out)
    else:
        said = "; ".join(f"{len(some)} {_FAILED.get(kind, 'failed') if kind else 'failed'} "
                         f"({some[-1].error or 'no answer'})" for kind, some in ordered)
        fix = " ".join(f"{len(some)} {_FAILED.get(kind, 'failed') if kind else 'failed'}: "
                       f"{_fix(kind, answered, total, timed_out)}"
                       for kind, some in ordered)
    if all(name_refused_in_tls(s) for s in failed):
        fix = ("The server refused this name in the TLS handshake (unrecognized_name alert): "
               "no TLS site it serves on this address claims the name; give the name to the "
               "site meant to serve it (nginx: its server_name in a block with an ssl listen "
               "on this address; Apache: a ServerName or ServerAlias of a VirtualHost on it), "
               "or probe the address that serves it.")
    gap = restart_gap(samples)
    if gap is not None:
        said = then(said, gap.said())
        fix = (f"Probe again once the server has settled (it restarted during this sweep). "
               f"If requests fail again without a restart: {fix}")
    return Diagnosis(Verdict.UNREACHABLE, explanation=share + said, fix=fix)
