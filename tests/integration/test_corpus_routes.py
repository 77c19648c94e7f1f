"""The routing claims of the lint corpus, checked by real requests through a real Apache.

Each corpus entry with ``routes`` in its ``.toml`` is started (ports and paths moved to the
test server, its scripts replaced by one that names itself, its process group and its
application group and its SCRIPT_NAME); a request for each route must be answered by the
script and in the process group the entry's expectations were decided on (and, where a
fifth element is given, with that SCRIPT_NAME). The expected findings of those
entries stand on these answers: ``""`` is embedded mode.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.lint.corpus_tools import CORPUS, ENTRIES, expectations

from .conftest import ApacheFactory

ROUTED = [n for n in ENTRIES if expectations(n).get("routes")]
_DROPPED = re.compile(r"^\s*(Listen|LoadModule\s+wsgi_module|WSGIPythonHome|WSGIPythonPath|"
                      r"WSGISocketPrefix)\b.*$", re.I | re.M)
_VHOST = re.compile(r"^(\s*<VirtualHost\s+)([^>]+)>", re.I | re.M)
_MODULES = ("alias", "mime", "rewrite", "env", "setenvif", "authn_core", "access_compat",
            "headers", "dir")


def site_config(name: str) -> str:
    """The entry as the test server can run it: its own Listen, module and Python lines
    dropped (the test server has them), VirtualHost ports moved to the test port."""
    text = (CORPUS / f"{name}.conf").read_text().replace("@HERE@", "@SITES@/corpus")
    text = _DROPPED.sub("", text)
    text = _VHOST.sub(lambda m: m.group(1) + " ".join(
        re.sub(r":\d+$", ":@PORT@", a) for a in m.group(2).split()) + ">", text)
    loads = "\n".join(f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so"
                      for m in _MODULES)
    return f"{loads}\nTypesConfig /etc/mime.types\n{text}"


def script_files() -> dict[str, str]:
    """Every corpus script, to be written under the test server's sites directory."""
    top = CORPUS / "scripts"
    return {f"corpus/scripts/{p.relative_to(top)}": p.read_text()
            for p in sorted(top.rglob("*")) if p.is_file()}


def test_the_routed_entries_cover_the_routing_classes() -> None:
    assert len(ROUTED) >= 15
    assert {"location-root-after-admin", "process-group-removed", "same-servername-twice",
            "directory-elsewhere-defined", "scriptalias-addhandler"} <= set(ROUTED)


@pytest.mark.parametrize("name", ROUTED)
def test_a_real_request_takes_the_route_the_entry_claims(name: str,
                                                         apache: ApacheFactory) -> None:
    server = apache(site_config(name), files=script_files())
    for host, path, script, group, *script_name in expectations(name)["routes"]:
        answer = server.get(path, host)
        assert answer.status_code == 200, (host, path, answer.status_code,
                                           server.error_log()[-2000:])
        named, process_group, _ = answer.text.split("|", 2)
        assert (named, process_group) == (script, group), (host, path, answer.text)
        if script_name:  # which mount answered, where two mounts run the same script
            assert answer.text.rsplit("|", 1)[1] == script_name[0], (host, path, answer.text)


def test_site_config_moves_ports_and_drops_server_lines() -> None:
    text = site_config("modwsgi-763-windows-two-projects")
    assert "<VirtualHost 127.0.0.1:@PORT@>" in text
    assert "WSGIPythonHome" not in text and "Listen" not in text
    assert Path("/usr/lib/apache2/modules/mod_alias.so").name in text
