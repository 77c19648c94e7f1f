"""The data that flows through a sweep: samples in, verdicts out.

Kept apart from I/O so diagnosis is tested with hand-built observations (answers: endpoint_answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from probe.endpoint_answer import EndpointAnswer
from probe.errors import ErrorKind
from probe.manifest import Target
from probe.server_pages import ServerPage


class Verdict(StrEnum):
    OK = "ok"
    WRONG_INSTANCE = "wrong_instance"
    SETTINGS_MISMATCH = "settings_mismatch"
    SERVED_UNMAPPED = "served_unmapped"
    INCONSISTENT = "inconsistent"
    NO_ENDPOINT = "no_endpoint"
    HTTP_ERROR = "http_error"
    UNREACHABLE = "unreachable"
    STALE = "stale"
    BAD_ANSWER = "bad_answer"
    NOT_LIVE = "not_live"
    WRONG_RUNTIME = "wrong_runtime"
    MIXED_CODE = "mixed_code"
    HOST_MISMATCH = "host_mismatch"
    """The right application, but it received another Host than the URL's."""
    HOST_REJECTED = "host_rejected"
    """The right application, but Django rejects the Host (ALLOWED_HOSTS): pages are 400."""
    MOUNT_MISMATCH = "mount_mismatch"
    """The right application, but its SCRIPT_NAME is not the URL's mount prefix."""


class Cause(StrEnum):
    ALIAS_ORDER = "alias_order"
    ENVIRON_LEAK = "environ_leak"
    SETTINGS_PATH = "settings_path"  # another project's settings file of the same module name
    VHOST_FALLBACK = "vhost_fallback"
    TLS_SNI = "tls_sni"
    SHARED_INTERPRETER = "shared_interpreter"
    PROCESS_GROUP_SCOPE = "process_group_scope"
    WRONG_PYTHON = "wrong_python"
    STALE_CODE = "stale_code"
    TIME_ZONE_LEAK = "time_zone_leak"
    HOST_REWRITTEN = "host_rewritten"
    DAEMON_GROUP_UNUSED = "daemon_group_unused"
    CACHED = "cached"
    """not_live: the answer carried another request's nonce (a cache stored it)."""
    FORGED = "forged"
    """not_live: the answer's signature is wrong or missing (made without the token)."""
    DEFAULT_SERVER = "default_server"
    """nginx: no server_name matched; the address's default server proxied the request."""
    WRONG_UPSTREAM = "wrong_upstream"
    """nginx: the server block for the name proxies to another application's upstream."""
    WRONG_MODULE = "wrong_module"
    """A proxy's hand-over reaches an application server that loads another instance's
    application, which answers its own URLs from another server (probe.diagnose.other_copy)."""
    MANIFEST_LABEL = "manifest_label"  # a candidate, or decided: probe.diagnose.label_unmatched
    UPSTREAM_DOWN = "upstream_down"
    """502/503/504 without the endpoint: a front or mod_wsgi got no answer from its backend."""
    VHOST_SHADOWED = "vhost_shadowed"
    """An earlier site claims the host name (a wildcard alias, the same name in another
    file): named from a configuration line or from an extra request."""
    URL_MAPPING = "url_mapping"
    """A URL-mapping step before the WSGI mounts (a rewrite, proxy or alias) took the path:
    named only from a configuration line."""
    RATE_LIMITED = "rate_limited"
    """nginx: its own limit_req or limit_conn refused the probe's requests (429, or the
    limit's status) before any application: the route was not tested by them
    (probe.diagnose.nginx_limits)."""
    UNDEFINED_DAEMON = "undefined_daemon"
    """A 500: the route's daemon process group is not defined for its VirtualHost (lint's
    rule of that name at the line using it); named only from a configuration line."""
    FORCE_SCRIPT_NAME = "force_script_name"
    """mount_mismatch: Django's FORCE_SCRIPT_NAME (request.force_script_name) is set and is
    not the mount the URL is served at; Django builds the URL's links with it
    (probe.diagnose.force_script)."""
    CLOSED_ON_PURPOSE = "closed_on_purpose"  # a front's 502 for nginx's return 444: closed_behind


class Liveness(StrEnum):
    """How far an answer is proven made for its request (probe.liveness)."""

    LIVE = "live"
    """The nonce came back (and the signature is right, where the probe has a token)."""
    UNSIGNED = "unsigned"
    """The nonce came back without a signature, to a probe without a token (loopback mode)."""
    UNPROVEN = "unproven"
    """No nonce field (an older endpoint), to a probe without a token: nothing proven."""
    CACHED = "cached"
    """Another request's nonce, or none: an answer stored by a cache."""
    FORGED = "forged"
    """The probe has a token and the signature is wrong, or it or the nonce is missing."""


class FrontKind(StrEnum):
    """What sits in front of the application (its configuration: probe.front)."""

    APACHE = "apache"  # httpd with mod_wsgi (embedded or daemon mode)
    NGINX = "nginx"  # nginx proxying to an application server
    APP_SERVER = "app_server"  # gunicorn, uWSGI, waitress, mod_wsgi-express reached directly
    UNKNOWN = "unknown"


class Status(StrEnum):
    """Overall status, ordered as the Monitoring Plugins order them."""

    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class TlsInfo:
    """What an HTTPS answer's TLS handshake showed: the SNI sent and the certificate presented."""

    sni: str | None
    subject: str | None  # the certificate's subject as libcurl shows it (``CN = ...``)
    names: tuple[str, ...] = ()  # its subjectAltName DNS names
    issuer: str | None = None
    """Its issuer as libcurl shows it, if known: which CA signed it (a chain that fails)."""

    def describe(self) -> str:
        names = ", ".join(self.names) or "none"
        issuer = f", issuer {self.issuer}" if self.issuer else ""
        return f"subject {self.subject or '(unknown)'}, DNS names: {names}{issuer}"


@dataclass(frozen=True, slots=True)
class Sample:
    """One probe request's outcome.

    ``status_code`` is None when no HTTP answer came (``error`` and ``error_kind``
    say why). With an answer, ``endpoint`` is set when it was the probe
    endpoint's JSON; otherwise ``error`` may say why it was not.
    """

    elapsed_ms: float
    status_code: int | None = None
    endpoint: EndpointAnswer | None = None
    location: str | None = None
    error: str | None = None
    error_kind: ErrorKind | None = None
    liveness: Liveness | None = None
    """Set for an endpoint answer to a request that carried a nonce."""
    cache: tuple[str, ...] = ()
    """Cache headers of the answer (``Age: 12``), as probe.liveness.cache_evidence shows them."""
    tls: TlsInfo | None = None
    address: str | None = None
    """``HOST:PORT`` that answered, when the connection said so."""
    server: str | None = None
    """The answer's Server header (``nginx/1.22.1``): which front answered."""
    via: str | None = None  # the Via header (``1.1 varnish``): the proxies it says it passed
    page: ServerPage | None = None  # an error answer's body as its server's own page

    @property
    def trusted_answer(self) -> EndpointAnswer | None:
        """The endpoint answer, when it is valid and not proven stale or forged.

        What the rest of a sweep may learn from (findings, causes): a cache's replay
        of another host's answer must not make two instances look like one.
        """
        answer = self.endpoint
        if answer is None or answer.problems:
            return None
        if self.liveness in (Liveness.CACHED, Liveness.FORGED):
            return None
        return answer


@dataclass(frozen=True, slots=True)
class Observation:
    """One target's samples, as the sweep gathered them."""

    target: Target
    samples: tuple[Sample, ...]

    @property
    def last(self) -> Sample | None:
        return self.samples[-1] if self.samples else None


class EvidenceKind(StrEnum):
    """Where a claim of an explanation comes from."""

    OBSERVED = "observed"  # a field of an answer, a header, a status
    PROBED = "probed"  # the answer to an extra request sent to tell causes apart
    CONFIGURED = "configured"  # a configuration file's line


@dataclass(frozen=True)
class Evidence:
    """One claim of an explanation and its source: for ``observed`` the field and its value
    (``endpoint.process_group = "site1"``), for ``probed`` the request sent
    (``GET http://x.invalid/__probe__ at 127.0.0.1:8080``), for ``configured``
    ``file:line``."""

    kind: EvidenceKind
    claim: str
    source: str


@dataclass(frozen=True)
class Candidate:
    """A cause the evidence could not rule out, and the one check that would decide."""

    cause: Cause
    check: str


@dataclass(frozen=True, slots=True)
class TargetResult:
    """The diagnosis of one URL: one element of the JSON report's ``targets`` (docs/sweep.md)."""

    url: str
    expected: str | None
    verdict: Verdict
    cause: Cause | None
    explanation: str
    fix: str
    observed: EndpointAnswer | None
    """The last sample's endpoint answer, typed; ``observed.raw`` is its (safe) JSON."""
    status_code: int | None
    samples: int
    elapsed_ms: float
    answered_by: str | None = None
    """Who answered, as diagnosis judged it: an instance name, else the label or
    application group the endpoint reported; None when no endpoint answered."""
    pids: tuple[int, ...] = ()
    cache_headers: tuple[str, ...] = ()
    """Cache headers seen in any sample's answer (``X-Cache: HIT from cdn``), in order."""
    address: str | None = None
    """``HOST:PORT`` probed: the target's (connect, resolved) or the one that answered."""
    server_headers: tuple[str, ...] = ()  # each Server header any sample's answer carried
    via_headers: tuple[str, ...] = ()  # each Via header of them: both once, in order first seen
    evidence: tuple[Evidence, ...] = ()
    """Where each claim of ``explanation`` and ``fix`` comes from."""
    candidates: tuple[Candidate, ...] = ()
    """When ``cause`` is None on a problem: the causes the evidence leaves open."""
    answered: tuple[EndpointAnswer, ...] = ()
    """One trusted answer per distinct label, process_group, application_group and settings
    among the samples, in the order first seen: behind a balancer each kind of member, not
    only the one that answered last (the exporter's instance_info, docs/monitoring.md)."""

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK

    @property
    def cause_text(self) -> str | None:
        """The cause as reports show it: its name, ``cause undetermined: A or B`` when the
        evidence left candidates, else None."""
        if self.cause is not None:
            return self.cause.value
        if self.candidates and not self.ok:
            return "cause undetermined: " + " or ".join(c.cause.value for c in self.candidates)
        return None


@dataclass(frozen=True)
class Finding:
    """A cross-URL finding (the JSON report's ``findings``, docs/verdicts.md)."""

    code: str
    severity: Status
    instances: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class Report:
    """A whole sweep: one TargetResult per URL, the findings across URLs (docs/sweep.md)."""

    targets: tuple[TargetResult, ...]
    findings: tuple[Finding, ...] = ()
    duration_s: float = 0.0
    interrupted: bool = False
    unprobed: int = 0
    """Targets whose requests were never sent (the sweep's deadline, Ctrl-C came first): no
    verdict, none among ``targets``. A URL not asked has not failed to answer."""

    @property
    def problems(self) -> tuple[TargetResult, ...]:
        return tuple(t for t in self.targets if not t.ok)

    @property
    def status(self) -> Status:
        if not self.targets:
            return Status.UNKNOWN
        if self.problems or any(f.severity is Status.CRITICAL for f in self.findings):
            return Status.CRITICAL
        if any(f.severity is Status.WARNING for f in self.findings):
            return Status.WARNING
        return Status.OK
