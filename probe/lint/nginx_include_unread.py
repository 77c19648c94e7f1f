"""``nginx_include_unread``: a plain ``include`` whose file cannot be read. In a site file
read alone (its snippets are elsewhere) a note; in a whole ``nginx.conf`` an error where the
file does not exist, at the include's line: nginx would not start (``nginx -t``: ``open()
"..." failed``). Either way the rest is read without it, and the rules that depend on what
it may set say so (:mod:`probe.nginx.unread`)."""

from __future__ import annotations

import os

from probe.lint.findings import ConfigFinding, Severity
from probe.nginx.model import NginxModel
from probe.nginx.unread import MAY_HOLD, NGINX_FILES, missing_file


def include_unread(model: NginxModel) -> list[ConfigFinding]:
    text = model.text
    findings = []
    for unread in text.unread:
        written = " ".join(unread.directive.args)
        missing, meant = missing_file(unread.path, written)
        depends = (f"nginx_host_not_forwarded and nginx_mount_not_told say nothing of the "
                   f"locations whose proxy_set_header it may set, nginx_no_refusing_default "
                   f"nothing of an address where it may hold a listen or return, the other "
                   f"rules and probe sweep --config say where their conclusions depend on it "
                   f"(its {MAY_HOLD})")
        typo = f"write include {meant}; at {unread.directive.where} if that is the file meant; "
        if text.fragment:
            findings.append(ConfigFinding.at(
                "nginx_include_unread", Severity.NOTE, unread.directive.where,
                f"include {written} cannot be read ({unread.path}): {text.main} is a site file "
                f"read alone, as the body of an http block, and what the include sets is not "
                f"known here; {depends}{missing}",
                (typo if meant else "") + "lint the whole configuration (nginx.conf, its "
                "directory, or nginx -T output) for the include to be read"))
        else:
            findings.append(_stops_nginx(text.main, unread.directive.where, written,
                                         unread.path, depends, typo if meant else ""))
    return findings


def _stops_nginx(main: str, where: str, written: str, path: str, depends: str,
                 typo: str) -> ConfigFinding:
    """An include of the whole configuration that cannot be read: nginx resolves a relative
    path in its conf prefix, the directory of the file given with -c (this nginx.conf's),
    whatever -p says, and refuses to start where the file is not there (checked with
    nginx -t)."""
    looked = path if os.path.isabs(written) else (
        f"nginx looks for it at {path} (a relative include starts at nginx's conf prefix, "
        f"the directory of the nginx.conf it starts with, {os.path.dirname(main)}, whatever "
        f"-p says)")
    found = os.path.exists(path)
    name = os.path.basename(path)
    state = "exists but cannot be read here" if found else "does not exist on this machine"
    stop = ("" if found else f"; where it is missing nginx does not start (nginx -t with this "
            f"nginx.conf: open() \"{path}\" failed (2: No such file or directory) in {where})")
    packaged = (f" (nginx's packages install {name} beside /etc/nginx/nginx.conf)"
                if name in NGINX_FILES else "")
    return ConfigFinding.at(
        "nginx_include_unread", Severity.NOTE if found else Severity.ERROR, where,
        f"include {written} cannot be read: {looked}, which {state}{stop}; lint "
        f"read the rest without it, and what it sets is not known here: {depends}",
        typo + (f"put {name} at {path}{packaged}, or lint nginx.conf where it is deployed "
                f"(or nginx -T output there)"
                if not found else "lint as a user that can read it, or nginx -T output"))
