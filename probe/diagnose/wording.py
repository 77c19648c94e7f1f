"""What a person reads: the explanation and fix of each verdict and cause.

Every function here takes the evidence already decided by :mod:`probe.diagnose.verdicts` and
:mod:`probe.diagnose.causes` and only puts it into words, so a cause's wording is found by its
name and can change without touching how it is decided.

The newer causes' words are in wording_causes.py and near_miss.py, unreachable's in
unreachable_words.py.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.apache import names as apache_names
from probe.apache.names import default_port
from probe.diagnose.refuse_words import refuse_in_front
from probe.endpoint_answer import EndpointAnswer
from probe.errors import ErrorKind
from probe.model import Candidate, Cause, Evidence, Liveness, Sample, Verdict
from probe.safe_text import one_line, quoted


@dataclass(frozen=True)
class Diagnosis:
    """One URL's verdict and its words, before it becomes a TargetResult."""

    verdict: Verdict
    cause: Cause | None = None
    explanation: str = ""
    fix: str = ""
    answered_by: str | None = None
    evidence: tuple[Evidence, ...] = ()
    candidates: tuple[Candidate, ...] = ()


def catch_all_vhost(url: str) -> str:
    """A first VirtualHost that refuses every host name no other vhost claims."""
    parts = urlsplit(url)
    return apache_names.catch_all_vhost(f"*:{parts.port or default_port(parts.scheme)}")


def answered(shown: str, who: str) -> Diagnosis:
    return Diagnosis(Verdict.OK, explanation=f"answered by {who}", answered_by=shown)


def stale(explanation: str, shown: str, fix: str) -> Diagnosis:
    """``fix``: how the server that answered reloads (:mod:`.reload`)."""
    return Diagnosis(Verdict.STALE, explanation=explanation, answered_by=shown, fix=fix)


def other_instance(
    url: str, expected: str, answer: EndpointAnswer, who: str, shown: str
) -> Diagnosis:
    group = answer.application_group
    group_hint = f", application group {group!r}" if group is not None else ""
    return Diagnosis(
        Verdict.WRONG_INSTANCE,
        explanation=f"{url} should be served by {expected} but was answered by {who}{group_hint}.",
        fix=(
            f"Check which WSGIScriptAlias and process-group/application-group serve this URL, "
            f"and the label given to wsgi_endpoint.wrap() in {expected}'s WSGI script."
        ),
        answered_by=shown,
    )


def environ_leak(
    url: str, instance: str, expected_settings: str | None, owner: str, where: str,
    answer: EndpointAnswer, shown: str, evidence: tuple[Evidence, ...] = (),
    sharing: Sequence[tuple[str, str | None, str | None]] = (), *, own_group: str,
) -> Diagnosis:
    """``sharing``: (instance, declared settings, its WSGI script as its answers name it) of
    every instance seen in the process, this one included: each script must assign, or the
    one left with setdefault() runs the other's settings whenever it loads second;
    ``own_group``: how a daemon group of its own is written (:mod:`.own_group`)."""
    # What the answers show is the shared process and the owner's value; how the value got
    # there (the owner's script first, or the process's own environment) only the script says.
    scripts = sharing or ((instance, expected_settings, script_file(answer)),)
    assigns = "; ".join(
        f"in {name}'s{f' ({script})' if script else ''}, "
        f"os.environ['DJANGO_SETTINGS_MODULE'] = {settings!r}"
        + ("" if script else f" (its answers name no script_file: {name}'s WSGI script)")
        for name, settings, script in scripts)
    every = ("every WSGI script this process loads" if len(scripts) > 1 else
             f"{instance}'s WSGI script")
    return Diagnosis(
        Verdict.SETTINGS_MISMATCH,
        Cause.ENVIRON_LEAK,
        explanation=(
            f"{url} is served by {instance} but it runs {owner}'s settings "
            f"{quoted(answer.settings)} instead of {expected_settings!r}: it runs {where}, in "
            f"another sub interpreter (application_group {quoted(answer.application_group)}), and "
            f"DJANGO_SETTINGS_MODULE, one variable of the environment the process's sub "
            f"interpreters share, holds {owner}'s value. Either {owner}'s WSGI script set it "
            f"first and an os.environ.setdefault() in {instance}'s kept it, or the process "
            f"started with it (Apache's envvars) and {instance}'s script does not assign its "
            f"own: {instance}'s WSGI script{script_hint(answer)} tells which."
        ),
        fix=(
            f"Run each instance in its own daemon process group ({own_group}): each then "
            f"has its own os.environ. Or assign DJANGO_SETTINGS_MODULE instead of "
            f"os.environ.setdefault(...) in {every}: {assigns}."
            + (" A script left with setdefault() keeps the value of whichever script the "
               "process loaded first, so fixing one alone moves the leak to the other."
               if len(scripts) > 1 else "")
        ),
        answered_by=shown,
        evidence=evidence,
    )


def settings_mismatch(
    url: str, instance: str, expected_settings: str | None, answer: EndpointAnswer, shown: str,
    fix: str,
) -> Diagnosis:
    """``fix``: :func:`probe.diagnose.settings_fix.settings_fix`'s (it words the reload)."""
    return Diagnosis(
        Verdict.SETTINGS_MISMATCH,
        explanation=(
            f"{url} is served by {instance} but DJANGO_SETTINGS_MODULE is "
            f"{quoted(answer.settings)}, not {expected_settings!r}."
        ),
        fix=fix,
        answered_by=shown,
    )


def not_refused(url: str, sample: Sample, statuses: Iterable[int]) -> Diagnosis:
    status = sample.status_code or 0
    return Diagnosis(
        Verdict.SERVED_UNMAPPED if status < 300 else Verdict.NO_ENDPOINT,
        explanation=(
            f"{url} must be refused but answered HTTP {status}{location(sample)}, which is not "
            f"one of the refusal statuses {sorted(statuses)}; no wsgi-probe endpoint answered."
        ),
        fix=f"{refuse_in_front(url, sample)}, or list the status under [refuse] statuses if "
            f"it is a refusal.",
    )


def refused(samples: Sequence[Sample]) -> Diagnosis:
    how = ", ".join(sorted({_refusal(s) for s in samples}))
    return Diagnosis(Verdict.OK, explanation=f"refused ({how})")


# What the endpoint logs when it cannot read its token file, and the change that lets it.
UNREADABLE_FILE_LOG = ("the line 'wsgi_endpoint: cannot read the probe token file ...: "
                        "PermissionError (this process runs as user ..., group ...); the probe "
                        "endpoint answers nobody'")
_GROUP_OPTIONS = {"mod_wsgi": "mod_wsgi's WSGIDaemonProcess group=",
                  "gunicorn": "gunicorn's --group", "uwsgi": "uWSGI's gid=",
                  "waitress": "the group of the user that starts waitress (it has no "
                              "option for one)"}


def file_group_fix(kinds: Collection[str | None] = ("mod_wsgi", "gunicorn", "uwsgi")) -> str:
    """How to give the token file the application's group, naming the options of ``kinds``
    (the application servers seen, each known here), in one order whatever the order seen."""
    named = [option for kind, option in _GROUP_OPTIONS.items() if kind in kinds]
    said = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} or {named[-1]}"
    return (f"give the file the group the application runs as: 'chgrp GROUP FILE' with "
            f"{said}, or 'probe endpoint --install ... --group GROUP' for a file it creates")


FILE_GROUP_FIX = file_group_fix()


def no_endpoint(probe_url: str, sample: Sample, *, token_sent: bool = False) -> Diagnosis:
    reason = f" ({sample.error})" if sample.error else ""
    # An endpoint whose token differs passes the request on to the application, as one not
    # installed does: both answer as the application does.
    token = ("it is installed, the probe's request carried its token (X-Probe-Token), which "
             "the endpoint answers only when its own token (WSGI_PROBE_TOKEN or the token "
             "file in its wrap()) is the same: compare the two; or, where the application's "
             f"log has {UNREADABLE_FILE_LOG}, its user cannot read the token file "
             f"({FILE_GROUP_FIX})" if token_sent else
             "it is installed, give the probe its token (the '[probe] token_file' line the "
             "install printed, or WSGI_PROBE_TOKEN): without a token the endpoint answers "
             "only loopback requests that carry no proxy header")
    return Diagnosis(
        Verdict.NO_ENDPOINT,
        explanation=(f"{probe_url} answered HTTP {sample.status_code}{location(sample)}"
                     f"{reason}, not the wsgi-probe endpoint."),
        fix=("Install the endpoint (probe endpoint --install path/to/wsgi.py; its log line "
             f"'wsgi-probe: the probe endpoint is not loaded' says why when it cannot load); "
             f"if {token}. Check that the server routes this path to the application."))


def inconsistent(url: str, count: int, groups: Sequence[tuple[int, str, str | None, str]],
                 shown: str) -> Diagnosis:
    """``groups``: (how many answers, who, settings, the places they came from) per distinct
    kind of answer; the fix is worded from what differs (:mod:`.disagreement`)."""
    seen = "; ".join(f"{n}x {who} with settings {settings!r} from {where}"
                     for n, who, settings, where in groups)
    return Diagnosis(
        Verdict.INCONSISTENT,
        explanation=f"{count} requests to {url} got different answers: {seen}.",
        answered_by=shown,
    )


def bad_answer(probe_url: str, answer: EndpointAnswer) -> Diagnosis:
    return Diagnosis(
        Verdict.BAD_ANSWER,
        explanation=(
            f"{probe_url} answered JSON that claims to be the wsgi-probe endpoint's (schema 1) "
            f"but is not a valid answer: {'; '.join(answer.problems)}."
        ),
        fix=(
            "Something other than contrib/wsgi_endpoint.py, or a modified copy of it, answers the "
            "probe URL: install the current endpoint ('probe endpoint') and check what Apache "
            "routes this path to."
        ),
    )


def not_live(url: str, sample: Sample) -> Diagnosis:
    """A forged answer (``not_live``, ``forged``)."""
    answer = sample.endpoint
    assert answer is not None
    seen = (f" Cache headers: {', '.join(sample.cache)}." if sample.cache
            else " No cache headers were seen.")
    if sample.liveness is Liveness.FORGED:
        return Diagnosis(
            Verdict.NOT_LIVE,
            Cause.FORGED,
            explanation=(
                f"{url} answered {_unproven_parts(answer)} although the probe holds the token: "
                f"the answer was not made by an endpoint holding the token, so it says nothing "
                f"about which instance serves the URL.{seen}"
            ),
            fix=(
                "Check that the endpoint has a token configured and that it is the probe's "
                "(WSGI_PROBE_TOKEN or token_file, compared as UTF-8; an endpoint older than the "
                "nonce field cannot sign: install the current one), and what answers this host "
                "name: a proxy or another server may be replaying or imitating the endpoint."
            ),
        )
    # a stored answer (Liveness.CACHED) is worded by probe.diagnose.cached
    raise ValueError(f"not a forged answer: {sample.liveness}")


def _unproven_parts(answer: EndpointAnswer) -> str:
    """What of a signed echo an answer lacks, as its fields say (for a FORGED answer)."""
    has_nonce, has_signature = answer.nonce is not None, answer.signature is not None
    if has_nonce and has_signature:
        return "with a signature that does not match this request's nonce under the token"
    if has_nonce:
        return "with this request's nonce but signature null or missing"
    if has_signature:
        return "with a signature but nonce null or missing"
    return "with neither a nonce nor a signature (nonce and signature null or missing)"


def who(answer: EndpointAnswer, name: str) -> str:
    """``name`` with the pid and the mode it runs in, e.g. ``project-1 (pid 7, embedded)``."""
    details = [f"pid {answer.pid}"] if answer.pid is not None else []
    if answer.process_group:
        details.append(f"daemon {quoted(answer.process_group)}")
    elif answer.process_group == "":
        details.append("embedded")
    return f"{name} ({', '.join(details)})" if details else name


def script_file(answer: EndpointAnswer) -> str | None:
    """The endpoint's ``script_file`` as one printable line: the server wrote it, and a
    terminal escape in it must not reach a fix as one."""
    script = answer.raw.get("script_file")
    return one_line(script, limit=None) if isinstance(script, str) and script else None


def script_hint(answer: EndpointAnswer) -> str:
    script = script_file(answer)
    return f" ({script})" if script else ""


def location(sample: Sample) -> str:
    return f" redirecting to {sample.location}" if sample.location else ""


def host_name(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def name_refused_in_tls(sample: Sample) -> bool:
    """The TLS handshake ended with the server's unrecognized_name alert: it serves no site
    under that name (nginx's ``ssl_reject_handshake on``, Apache's ``SSLStrictSNIVHostCheck``)
    — a refusal of the name, as a closed connection is (OpenSSL: "tlsv1 unrecognized
    name")."""
    return sample.error_kind is ErrorKind.TLS and "unrecognized name" in (sample.error or "")


def _refusal(sample: Sample) -> str:
    if name_refused_in_tls(sample):
        return "TLS handshake refused for the name: unrecognized_name alert"
    return f"HTTP {sample.status_code}" if sample.status_code else "connection closed"
