"""The first block of an address where a glob include decides it (tester t-real19's
set-up A, ``include-order``: the ``server_name _`` catch-all without default_server, renamed
zz-catchall, sorts after django-project.com in sites-enabled/): the sweep's route and lint's
nginx_no_refusing_default name the include line, the file names in the order nginx reads
them and the file that sorts first; where a block is marked default_server, or the blocks
share one file, the order decides nothing and nothing is said of it."""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.lint import lint_nginx
from probe.manifest import parse
from probe.model import Cause, Verdict
from probe.nginx import load_nginx
from tests.nginx.sites_enabled import SOCKETS, tree
from tests.nginx.test_route_fixes import _answer

MANIFEST = """
[instances.shoppinglyx]
label = "shoppinglyx"
urls = ["http://django-project.com/", "http://www.django-project.com/"]

[instances.shopsite]
label = "shopsite"
urls = ["http://shop-project.com/"]

[instances.kalodev]
label = "kalodev"
urls = ["http://kalodev.site/"]
"""
ORDER = ("the include at {conf}:7 reads the files it matches in the sorted order of their "
         "names (django-project.com, shop-project.com, zz-catchall) and this block's file, "
         "django-project.com, sorts before those of the other blocks listening there")


def test_the_route_says_the_first_block_is_first_by_its_file_name(tmp_path: Path) -> None:
    conf = tree(tmp_path, "include-order")
    config = ConfigJoin(load_nginx(str(conf)))
    answers = [_answer("http://kalodev.site/", "kalodev", "shoppinglyx",
                       "unix:" + SOCKETS["django-project.com"]),
               _answer("http://shop-project.com/", "shopsite", "shopsite",
                       "unix:" + SOCKETS["shop-project.com"])]
    found = next(t for t in diagnose(parse(MANIFEST), answers, config=config).targets
                 if t.url == "http://kalodev.site/")
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, Cause.DEFAULT_SERVER), found
    first = tmp_path / "sites-enabled" / "django-project.com"
    assert (f"no block is default_server for *:18080: the first block listening there "
            f"answered, first because {ORDER.format(conf=conf)} ({first}:2)") \
        in found.explanation, found.explanation
    assert "VirtualHost" not in found.explanation + (found.fix or "")


def test_lint_says_why_the_block_comes_first(tmp_path: Path) -> None:
    conf = tree(tmp_path, "include-order")
    finding = next(f for f in lint_nginx(str(conf)).findings
                   if f.code == "nginx_no_refusing_default")
    assert f"comes first ({ORDER.format(conf=conf)}) and none is default_server" \
        in finding.message, finding.message


def test_a_default_server_leaves_the_order_unsaid(tmp_path: Path) -> None:
    conf = tree(tmp_path, "healthy")
    config = load_nginx(str(conf))
    route = config.route("http://unknown.example.org/", "127.0.0.1:18080")
    site = route.step("site")
    assert site is not None and "the default_server of *:18080" in site.rule, site
    assert "sorted order" not in site.rule
    finding = next(f for f in lint_nginx(str(conf)).findings
                   if f.code == "nginx_no_refusing_default")
    assert "sorted order" not in finding.message, finding.message


def test_blocks_in_one_file_leave_the_order_unsaid(tmp_path: Path) -> None:
    conf = tree(tmp_path, "include-order")
    enabled = tmp_path / "sites-enabled"
    together = "".join((enabled / n).read_text() for n in sorted(p.name for p in enabled.iterdir()))
    for path in enabled.iterdir():
        path.unlink()
    (enabled / "all").write_text(together)
    site = load_nginx(str(conf)).route("http://kalodev.site/", "127.0.0.1:18080").step("site")
    assert site is not None and "the first block listening there answered" in site.rule, site
    assert "sorted order" not in site.rule
