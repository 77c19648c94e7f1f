"""Re-tester R31's mod_wsgi-express servers alone (tests/t31_express_answers.py): what the
sweep said of 18201 and of blog moved to 18206, each sentence checked against the servers.

* blog's express, started on shop's port 18201, exited: its start output has AH00072, its
  --server-root no error_log; a third shop server answered (neither instance labelled shop);
* with the blog server root's httpd.conf the route ends in handler.wsgi: not a prediction;
* blog moved to 18206 answers from group 127.0.0.1:18206: the manifest's process_group is
  the fix (express names its group HOST:PORT), never a WSGIProcessGroup line.
"""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import diagnose
from probe.manifest import parse
from probe.model import Cause
from probe.sweep_config import load_config
from tests import t31_express_answers as t31
from tests.t31_express_answers import _direct as direct  # the T31 rows' own shape

SHOP_18201 = "http://127.0.0.1:18201/"


def test_the_second_express_start_is_read_in_its_output_and_the_label_names_no_server() -> None:
    report = diagnose(parse(t31.ALONE_MANIFEST), t31.express_alone())
    found = next(t for t in report.targets if t.url == SHOP_18201)
    assert "its start output (or the error_log in its --server-root, by default " \
           "/tmp/mod_wsgi-HOST:PORT:UID/, where one was written) says" in found.fix, found.fix
    assert "process_group = 'HOST:PORT' of it" in found.fix, found.fix
    assert "their application answered" not in found.explanation
    assert "(the label matched, not a server: its process_group '127.0.0.1:18201' is not the " \
           "group declared for any of them ('127.0.0.1:18203', '127.0.0.1:18204'): another " \
           "server of that application)" in found.explanation, found.explanation


def test_a_server_roots_handler_route_is_not_said_to_predict_the_answer(tmp_path: Path) -> None:
    root = tmp_path / "root-18201-blog"
    (root / "htdocs").mkdir(parents=True)
    (root / "handler.wsgi").write_text("")
    path = root / "httpd.conf"
    path.write_text(t31.express_conf(str(root), 18201))
    report = diagnose(parse(t31.ALONE_MANIFEST), t31.express_alone(),
                      config=load_config(str(path), {}, lambda site: []))
    found = next(t for t in report.targets if t.url == SHOP_18201)
    assert "predicts this answer" not in found.explanation, found.explanation
    assert f"routes this URL to {root}/handler.wsgi ({path}:18)" in found.explanation
    assert f"'grep -n entry_point {root}/handler.wsgi'" in found.explanation
    assert "'ps -ww -o args= -p 30907'" in found.explanation, found.explanation


def test_an_express_moved_to_its_own_port_needs_the_manifests_group() -> None:
    manifest = t31.ALONE_MANIFEST.replace('urls = ["http://127.0.0.1:18201/"]',
                                          'urls = ["http://127.0.0.1:18206/"]')
    blog = t31.express("blog", 4218, 4210, 18206, "127.0.0.1:18206")
    url = "http://127.0.0.1:18206/"
    report = diagnose(parse(manifest), [direct(url, "blog-18201", blog, "127.0.0.1:18206")])
    found = next(t for t in report.targets if t.url == url)
    assert found.cause is Cause.DAEMON_GROUP_UNUSED, found
    assert found.fix.startswith("Write process_group = '127.0.0.1:18206' for blog-18201 in "
                                "the manifest"), found.fix
    assert "WSGIProcessGroup 127.0.0.1:18201" not in found.fix
    assert "in the VirtualHost" not in found.fix


def test_one_script_two_servers_two_settings_is_fixed_per_server() -> None:
    report = diagnose(parse(t31.ALONE_MANIFEST), t31.express_alone())
    found = {t.url: t for t in report.targets}
    setenv, exported = found["http://localhost:18204/"], found["http://127.0.0.1:18203/"]
    script = f"{t31.PROJECTS}/shop/shop/wsgi.py"
    assert setenv.fix.startswith(
        f"The WSGI script '{script}' (script_file) is shared: the sweep's answers to the URLs "
        f"of shop-prod-exported ('shop.settings') name it too"), setenv.fix
    assert "Set it per server: export DJANGO_SETTINGS_MODULE=shop.settings_prod in the " \
           "environment shop-prod-setenv's mod_wsgi-express starts with" in setenv.fix
    assert "of shop-prod-setenv ('shop.settings_prod') name it too" in exported.fix
    for result in (setenv, exported):
        assert "by assignment" not in result.fix, result.fix
        assert "blog-18201" not in result.fix  # its URL was answered by shop's server


def test_a_script_of_one_instance_keeps_the_assignment() -> None:
    manifest = t31.ALONE_MANIFEST.replace('settings = "shop.settings_prod"',
                                          'settings = "shop.settings"')
    report = diagnose(parse(manifest), t31.express_alone())
    found = next(t for t in report.targets if t.url == "http://127.0.0.1:18203/")
    assert found.fix.startswith("Set DJANGO_SETTINGS_MODULE to 'shop.settings' in "
                                "shop-prod-exported's WSGI script"), found.fix


def test_a_server_roots_file_for_another_port_names_the_answering_servers_own_file(
        tmp_path: Path) -> None:
    """R31's root-18201-blog/httpd.conf after blog moved to 18206: 18201's URL was answered by
    the express server listening there itself (process_group '127.0.0.1:18201'), no front:
    no pass line chose it, and its own command line (by the answer's ppid) names its file."""
    root = tmp_path / "root-18201-blog"
    (root / "htdocs").mkdir(parents=True)
    (root / "handler.wsgi").write_text("")
    path = root / "httpd.conf"
    path.write_text(t31.express_conf(str(root), 18206))
    report = diagnose(parse(t31.ALONE_MANIFEST), t31.express_alone(),
                      config=load_config(str(path), {}, lambda site: []))
    found = next(t for t in report.targets if t.url == SHOP_18201)
    assert "this URL was sent to 127.0.0.1:18201 (the address probed), where the " \
           "mod_wsgi-express server that answered listens (its process_group " \
           "'127.0.0.1:18201'). So that file does not route this URL, and the URL is judged " \
           "as without --config: 'ps -ww -o args= -p 30907' (its Apache, the answer's ppid) " \
           "shows after -f the httpd.conf that server runs" in found.explanation, \
        found.explanation
    assert "pass line" not in found.explanation and "front" not in found.explanation
    assert "apachectl -S" not in found.explanation, found.explanation
