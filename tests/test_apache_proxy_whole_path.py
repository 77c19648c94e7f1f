"""A sub-URL ``ProxyPass`` that takes its prefix off (locuszoom-hosted's ``ProxyPass
/celery-flower http://localhost:5555/``, waitress without ``--url-prefix``): the fix passes
the path whole with the line's path and target slashes matched as mod_proxy needs them (no
``/celery-flower`` to ``.../celery-flower/``, which sends ``//__probe__``), its parameters
kept (``keepalive=On``), and its ProxyPassReverse line named with the same target."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from probe.apache import load_site
from probe.apache.route import ApacheRoutes
from probe.diagnose import ConfigJoin, diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target, parse
from probe.model import Observation, Sample
from tests.test_diagnose import ep

FRONT, FLOWER = "127.0.0.1:41810", "127.0.0.1:41813"
URL = "http://lz.test/celery-flower/"
MANIFEST = f"""\
[probe]
connect = "{FRONT}"

[instances.flower]
label = "flower"
script_name = "/celery-flower"
urls = ["{URL}"]
"""
LZ = """\
<VirtualHost 127.0.0.1:41810>
        ServerName lz.test
        ProxyPreserveHost On
        ProxyPass /celery-flower http://127.0.0.1:41813/ keepalive=On
        ProxyPassReverse /celery-flower http://127.0.0.1:41813/
        ProxyPass / http://127.0.0.1:41812/ keepalive=On
        ProxyPassReverse / http://127.0.0.1:41812/
</VirtualHost>
"""


def waitress(path_info: str, script_name: str = "") -> EndpointAnswer:
    data: dict[str, Any] = ep("flower", host="lz.test", mount=script_name, path_info=path_info,
                              application_group="", settings=None)
    data["script_file"] = None
    data["server"] = {"software": "waitress", "mod_wsgi_version": None, "listen": FLOWER,
                      "multithread": True, "multiprocess": False}
    return EndpointAnswer.from_json(data)


def sweep(tmp: Path, answer: EndpointAnswer, site: str = LZ) -> tuple[str, str, str]:
    conf = tmp / "20-lz.conf"
    conf.write_text(site)
    main = tmp / "httpd.conf"
    main.write_text(f"Listen {FRONT}\nInclude {conf}\n")
    front = ApacheRoutes(load_site([main]))
    observed = Observation(Target(URL, "flower", FRONT), tuple(
        Sample(elapsed_ms=2.0, status_code=200, endpoint=answer, address=FRONT)
        for _ in range(2)))
    [found] = diagnose(parse(MANIFEST), [observed], config=ConfigJoin(
        front, {}, front.divergence, front.intended, front.refuse_block)).targets
    return found.verdict.value, found.explanation, found.fix


def test_the_whole_path_fix_keeps_the_slashes_matched_and_the_parameters(
        tmp_path: Path) -> None:
    verdict, why, fix = sweep(tmp_path, waitress("/__probe__"))
    assert verdict == "mount_mismatch", why
    assert f"At {tmp_path}/20-lz.conf:4, pass the path whole: 'ProxyPass /celery-flower " \
           f"http://127.0.0.1:41813/celery-flower keepalive=On'" in fix, fix
    assert f"at {tmp_path}/20-lz.conf:5, 'ProxyPassReverse /celery-flower " \
           f"http://127.0.0.1:41813/celery-flower'" in fix, fix
    assert "waitress (server.software) with '--url-prefix=/celery-flower'" in fix, fix


LOCATION = """\
<VirtualHost 127.0.0.1:41810>
        ServerName lz.test
        ProxyPreserveHost On
        <Location /celery-flower/>
            ProxyPass http://127.0.0.1:41813/ keepalive=On
            ProxyPassReverse http://127.0.0.1:41813/
        </Location>
        ProxyPass / http://127.0.0.1:41812/ keepalive=On
        ProxyPassReverse / http://127.0.0.1:41812/
</VirtualHost>
"""


def test_a_location_proxypass_with_a_parameter_gets_the_whole_path_fix(
        tmp_path: Path) -> None:
    """t-retest18 x2: the <Location> line with keepalive=On was not read; the route went to
    'ProxyPass /' and the fix said WSGIScriptAlias on an Apache without mod_wsgi."""
    verdict, why, fix = sweep(tmp_path, waitress("/__probe__"), LOCATION)
    assert verdict == "mount_mismatch", why
    assert fix.startswith(f"At {tmp_path}/20-lz.conf:5, pass the path whole: 'ProxyPass "
                          f"http://127.0.0.1:41813/celery-flower/ keepalive=On' (at "
                          f"{tmp_path}/20-lz.conf:6, 'ProxyPassReverse "
                          f"http://127.0.0.1:41813/celery-flower/')"), fix
    assert "WSGIScriptAlias" not in fix and "mod_wsgi" not in fix, fix


def test_a_mod_proxy_route_gets_no_mod_wsgi_words(tmp_path: Path) -> None:
    """The <Location> passes the whole path to a waitress told no prefix: the fix stays in
    mod_proxy's and waitress's terms (no WSGIScriptAlias where mod_proxy hands the URL on)."""
    whole = LOCATION.replace("ProxyPass http://127.0.0.1:41813/ keepalive=On",
                             "ProxyPass http://127.0.0.1:41813/celery-flower/ keepalive=On")
    verdict, why, fix = sweep(tmp_path, waitress("/celery-flower/__probe__"), whole)
    assert verdict == "mount_mismatch", why
    assert "WSGIScriptAlias" not in fix and "mod_wsgi" not in fix, fix
    assert fix.startswith(f"Keep the ProxyPass at {tmp_path}/20-lz.conf:5 passing the whole "
                          f"path and have the application server take /celery-flower off as "
                          f"its mount. With waitress (server.software) its option "
                          f"'--url-prefix=/celery-flower'"), fix
