"""``nginx_mount_not_told`` for a location that passes with ``uwsgi_pass`` (docs/lint.md,
"nginx"), ``nginx_uwsgi_params_missing`` for one with no ``uwsgi_param`` in force, and the
words for each HTTP application server's own way to set SCRIPT_NAME that the ``proxy_pass``
case names (no nginx line shows which server listens behind it).

A sub-path whose own ``rewrite`` takes the prefix off PATH_INFO, with no ``uwsgi_param
SCRIPT_NAME`` in force, gives the application a path outside its mount: a warning. A
sub-path passed whole (``uwsgi_param PATH_INFO $document_uri``, the include read, no
``rewrite``) is right for an application whose URL patterns start with the prefix, and
wrong otherwise unless uWSGI's own ``--mount`` with ``--manage-script-name`` sets
SCRIPT_NAME: no nginx line decides it, so at most a note, none where several locations pass
to the same address (one application cannot be mounted at both).
"""

from __future__ import annotations

from probe.lint.findings import ConfigFinding, Severity
from probe.nginx.model import Location, NginxModel
from probe.nginx.rewrites import rewrite_of, rewrite_once
from probe.nginx.uwsgi_params import params_of, sub_path_uwsgi
from probe.nginx.uwsgi_steps import bare


def server_ways(prefix: str) -> str:
    """Each HTTP application server's own way to set SCRIPT_NAME, the whole path passed on."""
    return (f"gunicorn takes proxy_set_header SCRIPT_NAME {prefix};, waitress its option "
            f"--url-prefix={prefix}, uWSGI (http-socket) --mount {prefix}=<its WSGI file> "
            f"with --manage-script-name, mod_wsgi-express its option --mount-point {prefix}")


def proxy_mount_fix(prefix: str, scheme: str, target: str) -> str:
    """The fix of a proxy_pass that replaces the prefix, for any WSGI application: lint
    cannot know the framework, so Django's setting is named as one application's way."""
    return (f"SCRIPT_NAME {prefix} must reach the application, and the way depends on the "
            f"server at {target}, which the configuration does not show (probe sweep names "
            f"it from the answer's server.software): with proxy_pass {scheme}://{target}; "
            f"passing the whole path, {server_ways(prefix)}; or, the prefix still stripped, "
            f"proxy_set_header X-Forwarded-Prefix {prefix}; and a WSGI middleware around the "
            f"application that sets SCRIPT_NAME from that header on each request, or the "
            f"application's own setting for its mount, if it has one (Django's "
            f"FORCE_SCRIPT_NAME = \"{prefix}\", which every request of its processes takes)")


def _shared(model: NginxModel, loc: Location, target: str) -> bool:
    """Another location passes to the same uWSGI address: one application cannot be mounted
    at two paths, so it is meant to receive the whole path at each (the n21 layout:
    ``location /api`` and ``location /admin`` both to ``backend:9000``, urls.py with
    ``path('api/')`` and ``path('admin/')``)."""
    return any(other is not loc and other.other_pass is not None
               and other.other_pass.name == "uwsgi_pass"
               and tuple(other.other_pass.args[:1]) == (target,) for _, other in model.locations())


def _stripped(loc: Location, prefix: str) -> tuple[str, str] | None:
    """(the rewrite line, the path it makes of ``prefix/x``) where the location's own
    ``rewrite`` takes the prefix off: the application then receives a path outside its
    mount, provably. None where no rewrite of its own does, or what it makes is not known."""
    sample = f"{prefix}/x"
    for d in loc.phase.ops:
        rule = rewrite_of(d) if d.name == "rewrite" else None
        done = rewrite_once(rule, sample, {}) if rule is not None else None
        if done is None or rule is None:
            continue
        if done.redirect is not None or done.uri is None:
            return None
        return (None if done.uri == prefix or done.uri.startswith(prefix + "/")
                else (rule.where, done.uri))
    return None


def uwsgi_mount_not_told(model: NginxModel) -> list[ConfigFinding]:
    """A sub-path ``uwsgi_pass`` location with no SCRIPT_NAME in force. Where its own
    ``rewrite`` takes the prefix off PATH_INFO, the application believes it is mounted at /
    and its links leave the mount: a warning, as for a ``proxy_pass`` that replaces the
    prefix. Where the whole path reaches uWSGI, that is right for an application whose URL
    patterns start with the prefix (checked with real nginx and uWSGI: the proposed
    SCRIPT_NAME + rewrite turned such an /api into 404), which no nginx line shows: silent
    where another location passes to the same address, else a note naming the check."""
    findings = []
    for loc, handed, prefix, params in sub_path_uwsgi(model):
        path = params.named("PATH_INFO")
        whole = path is not None and path.value.split()[:1] in (["$document_uri"], ["$uri"])
        if params.unread is not None or params.named("SCRIPT_NAME") or path is None or not whole:
            continue
        # a location with uwsgi_param lines of its own inherits none: the outer ones again
        repeat = ("" if params.at == loc.where else
                  f" (those of the block at {params.at}, repeated there)")
        stripped = _stripped(loc, prefix)
        if stripped is not None:
            findings.append(ConfigFinding.at(
                "nginx_mount_not_told", Severity.WARNING, handed.where,
                f"{loc.describe()} rewrites {prefix}/x to {stripped[1]} ({stripped[0]}) and "
                f"passes that to uWSGI (uwsgi_pass {handed.args[0]}) as PATH_INFO "
                f"({path.quoted}) with no uwsgi_param SCRIPT_NAME in force: the application "
                f"receives SCRIPT_NAME '' and believes it is mounted at /, so the links and "
                f"redirects it builds (a login page, a slash appended) point outside "
                f"{prefix}/",
                f"in {loc.describe()} ({loc.where}), after its uwsgi_param lines{repeat}, add "
                f"uwsgi_param SCRIPT_NAME {prefix}; (the rewrite keeps the prefix off "
                f"PATH_INFO)"))
            continue
        if params.rewrite is not None or _shared(model, loc, handed.args[0]):
            continue
        findings.append(ConfigFinding.at(
            "nginx_mount_not_told", Severity.NOTE, handed.where,
            f"{loc.describe()} passes to uWSGI (uwsgi_pass {handed.args[0]}) the whole path "
            f"as PATH_INFO ({path.quoted}) with no uwsgi_param SCRIPT_NAME in force: the "
            f"application receives SCRIPT_NAME '' and PATH_INFO {prefix}/..., right if its URL "
            f"patterns start with {prefix.lstrip('/')}/, 404 if they do not (unless uWSGI "
            f"runs with --mount {prefix}=<its WSGI file> and --manage-script-name); which "
            f"holds no nginx line shows: probe sweep shows what the application received "
            f"and how it answered",
            f"only if its URL patterns do not start with {prefix.lstrip('/')}/: in "
            f"{loc.describe()} ({loc.where}), after its uwsgi_param lines{repeat}, add "
            f"uwsgi_param SCRIPT_NAME {prefix}; and rewrite ^{prefix}/(.*)$ /$1 break; "
            f"(PATH_INFO then passes the rest of the path); or run uWSGI with --mount "
            f"{prefix}=<its WSGI file> and --manage-script-name"))
    return findings


def uwsgi_params_missing(model: NginxModel) -> list[ConfigFinding]:
    """A uwsgi_pass with no uwsgi_param in force: uWSGI receives no REQUEST_METHOD, the
    application fails and nginx answers 502 (checked with nginx 1.22 and uWSGI 2.0). An
    include that was not read may hold the lines: nothing said there."""
    findings = []
    for _server, loc in model.locations():
        handed = loc.other_pass
        if handed is None or handed.name != "uwsgi_pass" or not handed.args:
            continue
        params = params_of(model, loc)
        if params is None or params.params or params.unread is not None:
            continue
        findings.append(ConfigFinding.at(
            "nginx_uwsgi_params_missing", Severity.WARNING, handed.where,
            f"{bare(loc, handed.args[0], handed.where)}: a WSGI application reads "
            f"REQUEST_METHOD, which then never arrives (a Django one fails: uWSGI's log shows "
            f"KeyError: 'REQUEST_METHOD') and nginx answers 502 "
            f"(its error log: 'upstream prematurely closed connection')",
            f"add include uwsgi_params; in {loc.describe()} ({loc.where}) before uwsgi_pass "
            f"{handed.args[0]}; (nginx's uwsgi_params file: nginx -t says if it is not found)"))
    return findings
