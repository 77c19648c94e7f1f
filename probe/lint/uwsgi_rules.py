"""``nginx_mount_not_told`` for a location that passes with ``uwsgi_pass`` (docs/lint.md,
"nginx"), ``nginx_uwsgi_params_missing`` for one with no ``uwsgi_param`` in force, and the
words for each HTTP application server's own way to set SCRIPT_NAME that the ``proxy_pass``
case names (no nginx line shows which server listens behind it).

A sub-path passed whole to uWSGI (``uwsgi_param PATH_INFO $document_uri``, the include
read, no ``rewrite``) with no ``uwsgi_param SCRIPT_NAME`` in force gives the application
SCRIPT_NAME '' unless uWSGI's own ``--mount`` with ``--manage-script-name`` sets it: the
finding says so, those options being uWSGI's, not in the configuration.
"""

from __future__ import annotations

from probe.lint.findings import ConfigFinding, Severity
from probe.nginx.model import NginxModel
from probe.nginx.uwsgi_params import params_of
from probe.nginx.uwsgi_steps import bare


def server_ways(prefix: str) -> str:
    """Each HTTP application server's own way to set SCRIPT_NAME, the whole path passed on."""
    return (f"gunicorn takes proxy_set_header SCRIPT_NAME {prefix};, waitress its option "
            f"--url-prefix={prefix}, uWSGI (http-socket) --mount {prefix}=<its WSGI file> "
            f"with --manage-script-name")


def uwsgi_mount_not_told(model: NginxModel) -> list[ConfigFinding]:
    """A sub-path passed to uWSGI's protocol whole, with no SCRIPT_NAME in force: uWSGI's
    own --mount with --manage-script-name would set it, and those options are not here."""
    findings = []
    for _server, loc in model.locations():
        handed = loc.other_pass
        prefix = loc.pattern.rstrip("/")
        if handed is None or handed.name != "uwsgi_pass" or not handed.args or not prefix \
                or loc.modifier not in ("", "^~"):
            continue
        params = params_of(model, loc)
        path = params.named("PATH_INFO") if params is not None else None
        whole = path is not None and path.value.split()[:1] in (["$document_uri"], ["$uri"])
        if params is None or params.unread is not None or params.named("SCRIPT_NAME") \
                or path is None or not whole or params.rewrite is not None:
            continue
        # a location with uwsgi_param lines of its own inherits none: the outer ones again
        repeat = ("" if params.at == loc.where else
                  f" (those of the block at {params.at}, repeated there)")
        findings.append(ConfigFinding.at(
            "nginx_mount_not_told", Severity.WARNING, handed.where,
            f"{loc.describe()} passes to uWSGI (uwsgi_pass {handed.args[0]}) the whole path "
            f"as PATH_INFO ({path.quoted}) with no uwsgi_param SCRIPT_NAME in force: the "
            f"application receives SCRIPT_NAME '' and believes it is mounted at /, so its "
            f"pages answer 404 unless its URL patterns start with {prefix.lstrip('/')}/; "
            f"unless uWSGI itself runs with --mount {prefix}=<its WSGI file> and "
            f"--manage-script-name, options this configuration does not show (probe sweep "
            f"shows what the application received)",
            f"in {loc.describe()} ({loc.where}), after its uwsgi_param lines{repeat}, add "
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
            f"{bare(loc, handed.args[0], handed.where)}: a Django application fails without "
            f"REQUEST_METHOD (uWSGI's log: KeyError: 'REQUEST_METHOD') and nginx answers 502 "
            f"(its error log: 'upstream prematurely closed connection')",
            f"add include uwsgi_params; in {loc.describe()} ({loc.where}) before uwsgi_pass "
            f"{handed.args[0]}; (nginx's uwsgi_params file: nginx -t says if it is not found)"))
    return findings
