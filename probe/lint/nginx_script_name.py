"""``nginx_script_name_stripped`` (docs/lint.md, "nginx"): a location whose ``proxy_pass``
URI part takes off the prefix that its ``proxy_set_header SCRIPT_NAME`` names
(:mod:`probe.nginx.script_name`). A SCRIPT_NAME header is gunicorn's way to be told its
mount, and gunicorn refuses a request whose path does not start with it: the URLs of the
location answer 500 before the application runs (tester T28's m2, nginx 1.22, gunicorn 27),
all but those whose path after the prefix starts with it again (``/app1/app1/x`` arrives as
``/app1/x``, which gunicorn takes: R28), so the words do not say "every URL".
Which server listens behind the line no nginx line shows, so the words say what gunicorn
does, and the line and the header are both named.
"""

from __future__ import annotations

from probe.lint.findings import ConfigFinding, Severity
from probe.nginx.model import NginxModel
from probe.nginx.script_name import stripped_script_name


def script_name_stripped(model: NginxModel) -> list[ConfigFinding]:
    findings = []
    for _server, loc in model.proxied():
        found = stripped_script_name(loc)
        if found is None:
            continue
        proxy, header, prefix = found.proxy, found.header, found.prefix
        findings.append(ConfigFinding.at(
            "nginx_script_name_stripped", Severity.WARNING, proxy.where,
            f"{loc.describe()} passes to {proxy.url}, whose URI part replaces {loc.pattern} "
            f"by {proxy.uri} ({proxy.where}), and sends proxy_set_header SCRIPT_NAME "
            f"{header.value} ({header.where}): {prefix}/hello/ arrives as "
            f"{found.arrives}hello/, which does not start with {header.value}. gunicorn takes "
            f"that header as the request's SCRIPT_NAME and refuses a request whose path does "
            f"not start with it: it answers 500 \"Configuration problem: Request path "
            f"'{found.arrives}hello/' does not start with SCRIPT_NAME '{header.value}'\" "
            f"(a WARNING in its log, no traceback) before the application runs, for the "
            f"URLs of this location whose path after the prefix does not itself start with "
            f"{header.value} (which server listens at {proxy.target} no nginx line "
            f"shows: probe sweep names it from the answer's server.software)",
            f"pass the whole path: write '{found.whole()}' at {proxy.where} (no URI part: "
            f"{prefix}/hello/ arrives whole and gunicorn moves {header.value} into "
            f"SCRIPT_NAME); or, the prefix still stripped, remove 'proxy_set_header "
            f"SCRIPT_NAME {header.value};' at {header.where} and give the application its "
            f"mount another way (its own setting, such as Django's FORCE_SCRIPT_NAME = "
            f"\"{prefix}\")"))
    return findings
