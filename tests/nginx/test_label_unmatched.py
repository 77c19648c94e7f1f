"""A manifest label the application does not give (tester T19, set-up A swept with the
manifest ``probe discover`` wrote: its proposed label ``django-project-com-gunicorn``, the
application's ``wrap(label=...)`` another). The server that answered listens where the route
passes: the answers do not tell a wrong pass line from the manifest's label, so the cause is
open and the label comparison leads, never "pass to django-project-com-gunicorn's address".
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import parse
from probe.model import Cause, Observation, TargetResult, Verdict
from probe.nginx import load_nginx
from tests.test_diagnose import ep, thrice

DJANGO = "unix:/run/django-project.com.gunicorn.sock"
SHOP = "unix:/run/shop-project.com.gunicorn.sock"
MANIFEST = """
[instances.django-project-com-gunicorn]
label = "django-project-com-gunicorn"
urls = ["http://django-project.com/"]

[instances.shop-project-com-gunicorn]
label = "shop-project-com-gunicorn"
urls = ["http://shop-project.com/"]
"""
SITES = f"""    server {{ listen 127.0.0.1:18080 default_server; return 444; }}
    server {{ listen 127.0.0.1:18080; server_name django-project.com;
        location / {{ proxy_pass http://{DJANGO}; }} }}
    server {{ listen 127.0.0.1:18080; server_name shop-project.com;
        location / {{ proxy_pass http://{SHOP}; }} }}
"""


def conf(tmp_path: Path) -> ConfigJoin:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + SITES + "}\n")
    return ConfigJoin(load_nginx(str(path)))


def answer(url: str, expected: str, label: str, listen: str, pid: int) -> Observation:
    data = ep(label, host=url.split("/")[2], pid=pid, process_group="", application_group="",
              settings=f"{label}.settings")
    data["server"] = {"software": "gunicorn/23.0.0", "mod_wsgi_version": None,
                      "listen": listen}
    observed = thrice(url, expected, data)
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18080")
        for s in observed.samples))


WRONG = answer("http://django-project.com/", "django-project-com-gunicorn", "shoppinglyx",
               DJANGO, 29171)
SHOPS = answer("http://shop-project.com/", "shop-project-com-gunicorn", "shopsite", SHOP, 29172)


def one(config: ConfigJoin | None, *observations: Observation,
        manifest: str = MANIFEST) -> TargetResult:
    report = diagnose(parse(manifest), list(observations), config=config)
    return next(t for t in report.targets if t.url == "http://django-project.com/")


def test_a_label_no_instance_gives_at_the_routed_address_leads_with_the_label(
        tmp_path: Path) -> None:
    found = one(conf(tmp_path), WRONG, SHOPS)
    assert found.verdict is Verdict.WRONG_INSTANCE, found
    assert found.cause is None, found
    assert [c.cause for c in found.candidates] == [Cause.MANIFEST_LABEL,
                                                   Cause.WRONG_UPSTREAM], found.candidates
    assert found.fix.startswith(
        "Compare the labels first: the answer's label field is 'shoppinglyx', the manifest's "
        "[instances.django-project-com-gunicorn] label 'django-project-com-gunicorn'. If the "
        "application that answered is django-project-com-gunicorn's (its WSGI script's "
        "wrap(label=...) gives 'shoppinglyx'), set label = 'shoppinglyx' in "
        "[instances.django-project-com-gunicorn] and probe again"), found.fix
    assert f"If it is not, at {tmp_path / 'nginx.conf'}:5, pass to" in found.fix, found.fix
    assert (f"the configuration read passes this URL to {DJANGO}, the very address the "
            f"answering server listens on (server.listen)") in found.explanation


def test_without_the_configuration_the_label_leads_too() -> None:
    found = one(None, WRONG, SHOPS)
    assert found.cause is None, found
    assert found.candidates[0].cause is Cause.MANIFEST_LABEL, found.candidates
    assert found.fix.startswith("Compare the labels first"), found.fix
    assert "no configuration read shows where nginx passes this URL" in found.explanation


def test_an_answer_from_elsewhere_than_the_route_keeps_wrong_upstream(tmp_path: Path) -> None:
    """The route passes to django's socket, the answer came from another: the pass line (or
    what nginx did) is the question, not the label."""
    elsewhere = answer("http://django-project.com/", "django-project-com-gunicorn",
                       "shoppinglyx", "unix:/run/other.sock", 29171)
    found = one(conf(tmp_path), elsewhere, SHOPS)
    assert Cause.MANIFEST_LABEL not in [c.cause for c in found.candidates], found
    assert not found.fix.startswith("Compare the labels"), found.fix


def test_an_instance_answering_with_its_manifest_label_keeps_the_pass_line(
        tmp_path: Path) -> None:
    """Another URL of the instance was answered with its manifest label: that label is the
    application's, and this URL's pass line is the question."""
    manifest = MANIFEST.replace('urls = ["http://django-project.com/"]',
                                'urls = ["http://django-project.com/", "http://d2.example/"]')
    right = answer("http://d2.example/", "django-project-com-gunicorn",
                   "django-project-com-gunicorn", "unix:/run/d2.sock", 29175)
    found = one(conf(tmp_path), WRONG, SHOPS, right, manifest=manifest)
    assert found.cause is Cause.WRONG_UPSTREAM, found


def test_a_host_no_server_name_takes_is_the_default_blocks_not_the_labels(
        tmp_path: Path) -> None:
    """A re-tester's server_name typo: the catch-all's application (no instance of the
    manifest) answered at the socket the default block passes to. The configuration decides
    (no name took the host), so the label comparison is not led with: following it would make
    the misrouted URL pass."""
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + SITES.replace(
        "default_server; return 444; }",
        "default_server; server_name _;\n        location / { proxy_pass http://unix:/run/"
        "catch.sock; } }").replace("server_name django-project.com;",
                                   "server_name django-projetc.com;") + "}\n")
    caught = answer("http://django-project.com/", "django-project-com-gunicorn", "kalodev",
                    "unix:/run/catch.sock", 29180)
    found = one(ConfigJoin(load_nginx(str(path))), caught, SHOPS)
    assert Cause.MANIFEST_LABEL not in [c.cause for c in found.candidates], found
    assert not found.fix.startswith("Compare the labels"), found.fix
    assert found.cause is Cause.DEFAULT_SERVER, (found.cause, found.explanation)
