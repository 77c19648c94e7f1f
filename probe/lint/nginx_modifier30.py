"""``nginx_uwsgi_modifier30`` (docs/lint.md, "nginx"): a sub-path ``uwsgi_pass`` location that
passes the whole path as PATH_INFO (``uwsgi_param PATH_INFO $document_uri``, no ``rewrite``)
with ``uwsgi_param SCRIPT_NAME /app`` and ``uwsgi_modifier1 30``, the recipe that asks uWSGI
to take SCRIPT_NAME off PATH_INFO. uWSGI 2.0 does that under Python 2 only: under Python 3
the application receives SCRIPT_NAME ``/app`` and PATH_INFO ``/app/...``, so a Django project
resolves ``app/...`` against patterns that do not start with it (404). Checked with nginx
1.22 and uWSGI 2.0.31 on Python 3.11: ``/app/x/y`` arrived as SCRIPT_NAME ``/app``, PATH_INFO
``/app/x/y`` (tester T30's sweep saw the same: ``/app/__probe__``); with ``rewrite
^/app/(.*)$ /$1 break;`` in place of the modifier, PATH_INFO ``/x/y`` and the sweep was ok.

A warning, not an error: a uWSGI running Python 2 still strips, which no nginx line shows.
An include not read may hold other lines in force, and a rewrite at the location's levels
may already take the prefix off: nothing is said there.
"""

from __future__ import annotations

from probe.lint.findings import ConfigFinding, Severity
from probe.nginx.model import NginxModel
from probe.nginx.uwsgi_params import sub_path_uwsgi

WHOLE = (["$document_uri"], ["$uri"])


def modifier30_unstripped(model: NginxModel) -> list[ConfigFinding]:
    findings = []
    for loc, handed, prefix, params in sub_path_uwsgi(model):
        if params.unread is not None or params.rewrite is not None:
            continue
        script, path, modifier = (params.named("SCRIPT_NAME"), params.named("PATH_INFO"),
                                  params.modifier1)
        if script is None or path is None or modifier is None \
                or modifier.value.split()[:1] != ["30"] or path.value.split()[:1] not in WHOLE:
            continue
        mount = script.value.rstrip("/")
        if not mount.startswith("/") or "$" in mount \
                or not (prefix == mount or prefix.startswith(mount + "/")):
            continue
        findings.append(ConfigFinding.at(
            "nginx_uwsgi_modifier30", Severity.WARNING, modifier.where,
            f"{loc.describe()} passes to uWSGI (uwsgi_pass {handed.args[0]}, {handed.where}) "
            f"SCRIPT_NAME {script.value} ({script.quoted}) and the whole path as PATH_INFO "
            f"({path.quoted}), counting on 'uwsgi_modifier1 30' ({modifier.where}) to take "
            f"{mount} off PATH_INFO: uWSGI 2.0 does that under Python 2 only. Under Python 3 "
            f"the application receives SCRIPT_NAME {mount} and PATH_INFO {mount}/..., so it "
            f"resolves {mount.lstrip('/')}/... against its URL patterns (Django: 404 unless "
            f"they start with {mount.lstrip('/')}/; probe sweep shows what the application "
            f"received: request.script_name, request.path_info)",
            f"in {loc.describe()} ({loc.where}) add 'rewrite ^{mount}/(.*)$ /$1 break;' "
            f"before uwsgi_pass {handed.args[0]}; and remove 'uwsgi_modifier1 30;' at "
            f"{modifier.where} (PATH_INFO then passes the rest of the path, SCRIPT_NAME stays "
            f"{mount}); or remove both that line and {script.quoted} and run uWSGI with "
            f"mount = {mount}=<its WSGI file> and manage-script-name = true"))
    return findings
