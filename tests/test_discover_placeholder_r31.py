"""Re-tester R31 swept the manifest ``probe discover`` wrote for T31's nginx front unedited:
discover names each application after its pass target's port (``app-18101``) and proposes
that as its label, since nginx names none. Every URL came out ``wrong_upstream`` with "At
nginx.conf:18, pass to app-18101's address", a line that is right. The express server that
answered listens where the line passes (its process_group ``127.0.0.1:18101``, server.listen
null), so the label comparison leads and the pass line is only the other reading, as for a
server reporting server.listen (:mod:`probe.diagnose.label_unmatched`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.diagnose.discriminate import key_of
from probe.errors import ErrorKind
from probe.manifest import parse
from probe.model import Cause, Sample
from probe.nginx import load_nginx
from tests import t31_express_answers as t31

DISCOVERED = f"""[probe]
connect = "{t31.FRONT}"
samples = 10

[instances.app-18101]
label = "app-18101"
urls = ["http://shop.example.test/", "http://blog-old.example.test/"]

[instances.app-18102]
label = "app-18102"
urls = ["http://blog.example.test/app/"]
"""


def test_discovers_placeholder_label_is_compared_before_any_pass_line(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text(t31.NGINX_CONF)
    # discover's names for the instances T31 called shop and blog
    names = {"shop": "app-18101", "blog": "app-18102"}
    observations = [dataclasses.replace(o, target=dataclasses.replace(
        o.target, expected=names["blog" if "blog.example" in o.target.url else "shop"]))
        for o in t31.nginx_front()]
    key, _ = key_of(observations[0])
    closed = {key: Sample(1.0, error="server closed the connection without answering",
                          error_kind=ErrorKind.CLOSED, address=t31.FRONT)}
    report = diagnose(parse(DISCOVERED), observations, probed=closed,
                      config=ConfigJoin(load_nginx(str(path))))
    shop = next(t for t in report.targets if t.url == "http://shop.example.test/")
    assert shop.cause is None, shop
    assert shop.candidates[0].cause is Cause.MANIFEST_LABEL, shop.candidates
    assert shop.fix.startswith("Compare the labels first: the answer's label field is 'shop', "
                               "the manifest's [instances.app-18101] label 'app-18101'."), \
        shop.fix
    assert "the very address the answering server listens on (process_group " \
           "'127.0.0.1:18101' (server.listen is null;" in shop.explanation, shop.explanation
