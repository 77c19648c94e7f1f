"""Answers of tester T26's real Apache 2.4.71 + mod_wsgi 6.1.1 + Django 5.2 sites (the classic
causes): the fields as the endpoint gave them in each case's sweep.json,
per URL. ``settings_module.file`` is added where a case needs it: the file its fix hook showed
the interpreter importing (out-fix1/warm.txt), which the endpoint of that run did not report."""

from __future__ import annotations

from typing import Any

from probe import manifest
from probe.diagnose import diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target
from probe.model import Liveness, Observation, Report, Sample
from tests.real_answers import PYTHON, apache_server, real_answer, request

CASES = "/tmp/t-real26/cases"


def answer(case: str, url: str, label: str, instance_id: str, pid: int, ppid: int, group: str,
           settings: tuple[str, str], script: str, started_at: str, nonce: str,
           host_allowed: bool = True, settings_file: str | None = None) -> dict[str, Any]:
    """``label``'s answer to ``url`` (``http://HOST/`` or ``http://HOST/suburl/``) in ``case``;
    ``settings``: (environ, loaded); ``script``: its path under the case's sites."""
    host = url.split("/")[2]
    mount = "/suburl" if url.endswith("/suburl/") else ""
    return real_answer(
        label, instance_id, pid, ppid, process_group=group, application_group=f"{host}|{mount}",
        settings=settings, settings_file=None if settings_file is None else
        f"{CASES}/{case}/root/sites/{settings_file}",
        request=request(host, host, "80", script_name=mount,
                        request_uri=f"{mount}/__probe__", host_allowed=host_allowed),
        script_file=f"{CASES}/{case}/root/sites/{script}",
        server=apache_server(multithread=True, multiprocess=group != ""), python=PYTHON,
        started_at=started_at, uptime_s=0.5, hits=9, nonce=nonce, signature=None)


def manifest_text(settings_1: str, settings_2: str) -> str:
    return f"""\
[probe]
connect = "127.0.0.1:80"

[instances.project-1]
label = "project-1"
settings = "{settings_1}"
urls = ["http://site-1.example.com/", "http://www.site-1.example.com/"]

[instances.project-2]
label = "project-2"
settings = "{settings_2}"
urls = ["http://site-1.example.com/suburl/", "http://site-2.example.com/"]
"""


def sweep(text: str, answers: dict[str, dict[str, Any]], config: Any = None) -> Report:
    """The diagnosis of one sample per URL, ``answers`` by URL (expected from the manifest)."""
    read = manifest.parse(text, "m.toml")
    expected = {url: name for name, i in read.instances.items() for url in i.urls}
    observations = [Observation(Target(url, expected[url], "127.0.0.1:80"), (Sample(
        elapsed_ms=5.0, status_code=200, server="Apache/2.4.71 (Debian)",
        endpoint=EndpointAnswer.from_json(data), address="127.0.0.1:80",
        liveness=Liveness.UNSIGNED),)) for url, data in answers.items()]
    return diagnose(read, observations, config=config) if config is not None else \
        diagnose(read, observations)
