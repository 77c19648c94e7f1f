"""``probe lint --format sarif``: SARIF 2.1.0, the format code scanning in CI systems reads
(GitHub code scanning, GitLab, Azure DevOps).

One run, the tool's rules being the finding codes met (each with its severity as the
default level), one result per finding at its file and line. The fix goes into the
message (SARIF ``fixes`` want exact text replacements, which lint does not compute).
https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote_from_bytes

from probe import __version__
from probe.lint import LintResult
from probe.lint.findings import ConfigFinding, Severity
from probe.lint.report import cleaned

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
_HELP = {
    "alias_order": "A WSGIScriptAlias listed before a longer one it contains",
    "alias_shadows_mount": "An Alias that mod_alias maps before a WSGIScriptAlias takes its URL",
    "alias_trailing_slash": "A WSGIScriptAlias URL-path ending in / before a file (one URL only)",
    "environ_leak": "DJANGO_SETTINGS_MODULE kept from another sub interpreter",
    "shared_interpreter": "Two applications in one Python interpreter",
    "vhost_fallback": "Unknown host names land on the first of several sites",
    "vhost_default_page": "Unknown host names get a static default page",
    "vhost_shadowed": "A VirtualHost an earlier one with the same name hides",
    "vhost_ip_based": "An IP-based VirtualHost takes every request to its address",
    "proxy_order": "A ProxyPass a broader one takes the path from (first match; last <Location>)",
    "proxy_host": "A ProxyPass to an application without ProxyPreserveHost On",
    "proxy_strips": "A ProxyPass that takes its sub-path off the path it passes on",
    "proxy_slash": "A ProxyPass whose path and target disagree on a trailing /",
    "proxy_reverse_backend": "A ProxyPassReverse for a ProxyPass's path naming another backend",
    "proxy_unix_as_host": "A unix socket written as a backend URL's host (http://unix:/x.sock/)",
    "duplicate_daemon": "A WSGIDaemonProcess name defined twice",
    "undefined_daemon": "A process group no reachable WSGIDaemonProcess defines",
    "unused_daemon": "A WSGIDaemonProcess nothing uses",
    "daemon_order": "A process group looked up as httpd reads the line, before its "
                    "WSGIDaemonProcess: httpd will not start",
    "restricted_process": "An application whose process group its WSGIRestrictProcess "
                          "refuses: 500",
    "script_unreadable": "A WSGI script that cannot be read",
    "config": "Configuration httpd refuses or lint could not read",
    "broad_process_group": "A server-scope WSGIProcessGroup shared by several applications",
    "ssl_twin": "An HTTPS twin runs embedded what HTTP runs in a daemon group",
    "vhost_address": "A VirtualHost address httpd drops (AH00547) or refuses",
    "tls_twin_missing": "A site served over HTTP with no VirtualHost on the TLS address "
                        "where the other sites have theirs",
    "wsgi_hidden": "mod_wsgi directives inside an <IfModule> name httpd does not know",
    "apachectl": "Lint's VirtualHost model disagrees with httpd -S",
    "section_unused": "A WSGIProcessGroup in a section that holds no application",
    "section_order": "A section's process or application group a later section overrides",
    "duplicate_directive": "A server-wide mod_wsgi directive given twice; the last one holds",
    "application_group": "An application group that looks like a mod_wsgi variable but is not",
    "remoteip_header": "mod_remoteip takes the client address a token-less endpoint trusts "
                       "from a header",
    "env_group_unset": "WSGIProcessGroup %{ENV:VAR} where no line sets VAR for some requests",
    "setenvif_overlap": "Two SetEnvIf lines set one group variable for one request; the later wins",
    "rewrite_env_path_group": "RewriteRule [E=VAR:$N] naming the daemon group after the path",
    "define_from_other_file": "A ${VAR} taking another file's Define (Define is global)",
    "setenv_settings": "SetEnv DJANGO_SETTINGS_MODULE, a request's environ Django's settings "
                       "never read",
    "nginx_real_ip": "nginx's realip takes the REMOTE_ADDR a token-less endpoint trusts from "
                     "the client",
    "nginx_client_not_forwarded": "A proxy_pass to this machine with no header telling a "
                                  "token-less endpoint the client is not local",
    "proxy_add_headers_off": "ProxyAddHeaders Off: a token-less endpoint behind it takes every "
                             "client for local",
    "cache_store_no_store": "mod_cache stores no-store answers where an application answers",
    "cache_canonical_name": "mod_cache keys every alias's pages by the ServerName",
    "nginx_cache_key_host": "One proxy_cache serving several names with a key without $host",
    "nginx_cache_no_store_ignored": "proxy_ignore_headers Cache-Control: no-store answers "
                                    "(the probe's) are stored",
    "nginx_no_refusing_default": "The server block answering unknown names serves an application",
    "nginx_duplicate_server_name": "A server_name claimed twice on one address; one goes unused",
    "nginx_host_not_forwarded": "A proxy passing Host: $proxy_host, not the name asked for",
    "nginx_mount_not_told": "A sub-path proxied without telling the application its mount",
    "nginx_script_name_stripped": "A SCRIPT_NAME header naming the prefix proxy_pass strips "
                                  "(gunicorn refuses its requests)",
    "nginx_uwsgi_modifier30": "uwsgi_modifier1 30 counted on to strip SCRIPT_NAME from "
                              "PATH_INFO (uWSGI does not under Python 3)",
    "nginx_shared_upstream": "One upstream behind several sites while another serves none",
    "nginx_include_unread": "An include whose file could not be read",
    "nginx_uwsgi_params_missing": "A uwsgi_pass with no uwsgi_param in force (no REQUEST_METHOD)",
    "nginx_exact_root_only": "A server block whose only location is 'location = /' (others 404)",
    "nginx_two_protocols": "One address passed requests in two protocols (uwsgi and HTTP)",
    "nginx_h2c_only": "A listen with http2 and without ssl: HTTP/1.1 clients cannot use it",
    "nginx_duplicate_default": "Two listen lines mark one address default_server (nginx -t fails)",
    "nginx_map_value_unresolved": "A map value proxy_pass uses that names no upstream nor "
                                  "address (502 at request time)",
    "nginx_map_key_unserved": "A map key of the Host no server_name passing by it serves, one "
                              "edit from one it does",
    "nginx_regex_server_shadowed": "A server_name expression an earlier block's matches too "
                                   "(the first wins)",
    "nginx_regex_takes_prefix": "A regular expression location that takes a prefix "
                                "location's own path",
    "nginx_shared_backend": "Two sites for different names hand over to one address",
}


def render_sarif(result: LintResult) -> str:
    codes = sorted({f.code for f in result.findings})
    rules = [_rule(code, result.findings) for code in codes]
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "wsgi-probe lint",
            "version": __version__,
            "informationUri": "https://modwsgi.readthedocs.io/",
            "rules": rules,
        }},
        "artifacts": [{"location": {"uri": _uri(f)}} for f in result.files],
        "results": [_result(shown, _uri(f.file), codes.index(f.code))
                    for f, shown in zip(result.findings, cleaned(result).findings,
                                        strict=True)],
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def _rule(code: str, findings: tuple[ConfigFinding, ...]) -> dict[str, Any]:
    worst = min((f.severity for f in findings if f.code == code),
                key=list(Severity).index)
    return {"id": code, "name": code,
            "shortDescription": {"text": _HELP.get(code, code.replace("_", " "))},
            "defaultConfiguration": {"level": _LEVELS[worst]}}


def _result(finding: ConfigFinding, uri: str, index: int) -> dict[str, Any]:
    text = finding.message + (f"\nfix: {finding.fix}" if finding.fix else "")
    return {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": _LEVELS[finding.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri},
            # SARIF lines start at 1; a finding about the whole configuration has 0
            "region": {"startLine": max(1, finding.line)},
        }}],
    }


def _uri(file: str) -> str:
    """An absolute path as a file: URI; a relative one as a relative URI reference.

    Both percent-encoded (RFC 3986) from the name's bytes: a space, a line break or a
    byte that is not UTF-8 in a file name must not break the URI or the JSON.
    """
    try:
        raw = os.fsencode(file)  # undecodable bytes come back as they were
    except UnicodeEncodeError:  # a lone surrogate that was never a byte
        raw = file.encode("utf-8", "surrogatepass")
    if os.path.isabs(file):
        return "file://" + quote_from_bytes(raw, safe="/")
    return quote_from_bytes(raw, safe="/")
