"""A server_name one or two edits from the URL's host, the default server having taken the
URL (a re-tester's gunicorn-socket name-typo: 'server_name shop-projct.com', and the fix said
only "Add shop-project.com to the server_name"): the line's correction leads, the added name
is the alternative (probe.diagnose.nginx_near_name), as Apache's ServerName typo does."""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import diagnose
from probe.manifest import parse
from probe.model import Cause, EvidenceKind, Verdict
from probe.name_edits import closeness
from tests.nginx.test_name_fixes import _gunicorn, _line, _one
from tests.nginx.test_route_fixes import ALPHA, BETA, _conf

MANIFEST = """
[instances.alpha]
label = "alpha"
urls = ["http://alpha.test/"]

[instances.beta]
label = "beta"
urls = ["http://shop-project.test/"]
"""

TYPO = f"""    server {{ listen 127.0.0.1:18080 default_server;
        server_name _;
        location / {{ proxy_set_header Host $host; proxy_pass http://{ALPHA}; }} }}
    server {{ listen 127.0.0.1:18080;
        server_name shop-projct.test;
        location / {{ proxy_set_header Host $host; proxy_pass http://{BETA}; }} }}
"""


def test_the_typo_of_the_block_meant_is_corrected_first(tmp_path: Path) -> None:
    shop = _gunicorn("http://shop-project.test/", "beta", "alpha", ALPHA)
    found = _one(diagnose(parse(MANIFEST), [shop], config=_conf(tmp_path, TYPO)),
                 "http://shop-project.test/")
    names = _line(tmp_path, "server_name shop-projct.test;")
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, Cause.DEFAULT_SERVER), found
    assert found.fix.startswith(
        f"server_name shop-projct.test ({names}) is one edit from shop-project.test: the "
        f"likely typo. Write 'server_name shop-project.test' at {names}; or, if "
        f"shop-projct.test is a name in use too, add shop-project.test to the server_name at "
        f"{names} (now 'server_name shop-projct.test'), the block meant for beta"), found.fix
    assert any(e.kind is EvidenceKind.CONFIGURED and e.source == names
               and e.claim == "server_name shop-projct.test (one edit from shop-project.test)"
               for e in found.evidence), found.evidence


def test_a_name_another_url_uses_is_no_typo(tmp_path: Path) -> None:
    """shop-projct.test a URL of the manifest too (beta's own, so its block is not another
    instance's): a name in use, one edit from the host; the name is added, no line is called
    a typo. (As another instance's URL its block is that instance's, and left out too.)"""
    manifest = MANIFEST.replace('["http://shop-project.test/"]',
                                '["http://shop-project.test/", "http://shop-projct.test/"]')
    shop = _gunicorn("http://shop-project.test/", "beta", "alpha", ALPHA)
    found = _one(diagnose(parse(manifest), [shop], config=_conf(tmp_path, TYPO)),
                 "http://shop-project.test/")
    assert "typo" not in found.fix and found.fix.startswith(
        "Add shop-project.test to the server_name"), found.fix


def test_any_block_on_the_address_with_a_near_name_is_named(tmp_path: Path) -> None:
    """Two open blocks: which is meant the configuration does not single out, but one has a
    name two edits from the host: it is named, with where it would pass the URL."""
    config = TYPO.replace("server_name shop-projct.test;", "server_name shop-projct.tst;") + (
        f"""    server {{ listen 127.0.0.1:18080;
        server_name other.test;
        location / {{ proxy_set_header Host $host; proxy_pass http://{BETA}; }} }}
""")
    shop = _gunicorn("http://shop-project.test/", "beta", "alpha", ALPHA)
    found = _one(diagnose(parse(MANIFEST), [shop], config=_conf(tmp_path, config)),
                 "http://shop-project.test/")
    names = _line(tmp_path, "server_name shop-projct.tst;")
    assert found.fix.startswith(
        f"server_name shop-projct.tst ({names}) is 2 edits from shop-project.test: the "
        f"likely typo. Write 'server_name shop-project.test' at {names} (that block would "
        f"pass http://shop-project.test/ with proxy_pass http://{BETA}"), found.fix
    assert "is not the block meant for beta: add shop-project.test to the server_name of " \
        "the block meant for beta" in found.fix, found.fix


def test_closeness_counts_a_swap_as_one_edit() -> None:
    swap = closeness("exmaple.org", "example.org")
    assert swap is not None and (swap.edits, swap.swapped) == (1, True)
    assert closeness("example.org", "example.org") is None
    assert closeness("site-1", "site-22") is None  # two edits in a short name: too far
