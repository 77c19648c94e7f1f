"""Fixes through nginx that must not break another site (a tester's nginx 1.22 set-ups; the
same applied to a real nginx in tests/integration/test_nginx_fix_apply.py):

* a host two server blocks name goes to the first: the name is removed from the block that
  should not have it, not that block's proxy_pass (which serves its own names);
* a default server that serves real names only as the default: a refusing default server
  is proposed after those names are added to its server_name, and an ok URL served that
  way is said (the nginx_default_only note);
* a one-member upstream holding the other application's address: its server line;
* a sub-path a block claims, without the configuration: candidates, not a firm cause;
* a name no server_name has, served by another block as the default: the server_name line of
  the block that serves the instance's other URLs (a tester's weblate.conf:3), and no
  observed claim of a field the answer lacks (gunicorn's application_group = None).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe.diagnose import diagnose
from probe.diagnose.discriminate import key_of
from probe.lint import lint_nginx
from probe.manifest import Target, parse
from probe.model import (
    Cause,
    EvidenceKind,
    Observation,
    Report,
    Sample,
    Status,
    TargetResult,
    Verdict,
)
from tests.nginx.test_route_fixes import ALPHA, BETA, GAMMA, _answer, _conf
from tests.test_diagnose import ep, thrice

MANIFEST = """
[instances.alpha]
label = "alpha"
urls = ["http://alpha.test/"]

[instances.beta]
label = "beta"
urls = ["http://beta.test/", "http://dup.test/"]

[refuse]
urls = ["http://unknown.test/"]
"""


def _one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


def _line(tmp_path: Path, text: str) -> str:
    path = tmp_path / "nginx.conf"
    number = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)
    return f"{path}:{number}"


DUPLICATE = f"""    server {{ listen 127.0.0.1:18080 default_server; return 444; }}
    server {{ listen 127.0.0.1:18080;
        server_name alpha.test dup.test;
        location / {{ proxy_set_header Host $host; proxy_pass http://{ALPHA}; }} }}
    server {{ listen 127.0.0.1:18080;
        server_name beta.test dup.test;
        location / {{ proxy_set_header Host $host; proxy_pass http://{BETA}; }} }}
"""


def test_a_host_two_blocks_name_is_removed_from_the_first(tmp_path: Path) -> None:
    config = _conf(tmp_path, DUPLICATE)
    answers = [_answer("http://alpha.test/", "alpha", "alpha", ALPHA),
               _answer("http://beta.test/", "beta", "beta", BETA),
               _answer("http://dup.test/", "beta", "alpha", ALPHA)]
    found = _one(diagnose(parse(MANIFEST), answers, config=config), "http://dup.test/")
    first, second = _line(tmp_path, "alpha.test dup.test"), _line(tmp_path, "beta.test dup")
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, Cause.VHOST_SHADOWED), found
    assert f"server_name dup.test at {first}" in found.explanation, found.explanation
    assert f"server_name dup.test at {second}" in found.explanation
    assert "where beta answers its own URL http://beta.test/" in found.explanation
    assert found.fix.startswith(f"Remove dup.test from the server_name at {first} (leaving "
                                f"'server_name alpha.test;'): "), found.fix
    assert "proxy_pass" not in found.fix, found.fix  # the block's hand-over serves alpha.test


def test_a_refused_host_two_blocks_name_is_removed_from_both(tmp_path: Path) -> None:
    config = _conf(tmp_path, DUPLICATE.replace("dup.test", "unknown.test"))
    answers = [_answer("http://unknown.test/", None, "alpha", ALPHA)]  # type: ignore[arg-type]
    found = _one(diagnose(parse(MANIFEST), answers, config=config), "http://unknown.test/")
    assert found.cause is Cause.VHOST_SHADOWED, found
    assert found.fix.startswith(
        f"Remove unknown.test from the server_name at {_line(tmp_path, 'alpha.test unknown')} "
        f"(leaving 'server_name alpha.test;'); and remove unknown.test from the server_name at "
        f"{_line(tmp_path, 'beta.test unknown')}"), found.fix


DEFAULT_ONLY = f"""    server {{ listen 127.0.0.1:18080 default_server;
        server_name _;
        location / {{ proxy_set_header Host $host; proxy_pass http://{ALPHA}; }} }}
    server {{ listen 127.0.0.1:18080;
        server_name beta.test;
        location / {{ proxy_set_header Host $host; proxy_pass http://{BETA}; }} }}
"""


def test_a_default_server_serving_real_names_gets_them_first(tmp_path: Path) -> None:
    config = _conf(tmp_path, DEFAULT_ONLY)
    answers = [_answer("http://alpha.test/", "alpha", "alpha", ALPHA),
               _answer("http://beta.test/", "beta", "beta", BETA),
               _answer("http://unknown.test/", None, "alpha", ALPHA)]  # type: ignore[arg-type]
    report = diagnose(parse(MANIFEST), answers, config=config)
    found = _one(report, "http://unknown.test/")
    names = _line(tmp_path, "server_name _;")
    assert (found.verdict, found.cause) == (Verdict.SERVED_UNMAPPED, Cause.DEFAULT_SERVER)
    assert found.fix.startswith(
        f"First add alpha.test to the server_name at {names} (now 'server_name _', which "
        f"names no host): http://alpha.test/ reach that block only as the default server"), \
        found.fix
    assert "Then make the default server of this address refuse unknown names: server { " \
           "listen 127.0.0.1:18080 default_server; return 444; }" in found.fix
    note = [f for f in report.findings if f.code == "nginx_default_only"]
    assert len(note) == 1 and note[0].severity is Status.OK, report.findings
    assert note[0].instances == ("alpha",)
    assert note[0].explanation.startswith("http://alpha.test/ reaches server block at ")
    assert note[0].explanation.endswith(f"add alpha.test to the server_name at {names}.")
    lint = [f for f in lint_nginx(str(tmp_path / "nginx.conf")).findings
            if f.code == "nginx_no_refusing_default"]
    assert len(lint) == 1 and str(lint[0].fix).startswith(
        f"first write in its server_name ({names}) every host name this block must keep "
        f"serving: its server_name _ names none"), lint[0].fix


def test_a_block_that_names_its_hosts_gets_no_note(tmp_path: Path) -> None:
    config = _conf(tmp_path, DEFAULT_ONLY.replace("server_name _;", "server_name alpha.test;"))
    answers = [_answer("http://alpha.test/", "alpha", "alpha", ALPHA),
               _answer("http://unknown.test/", None, "alpha", ALPHA)]  # type: ignore[arg-type]
    report = diagnose(parse(MANIFEST), answers, config=config)
    assert not [f for f in report.findings if f.code == "nginx_default_only"]
    assert _one(report, "http://unknown.test/").fix.startswith("Make the default server")


ONE_MEMBER = f"""    upstream gamma_up {{ server {ALPHA} fail_timeout=0; }}
    server {{ listen 127.0.0.1:18080 default_server; return 444; }}
    server {{ listen 127.0.0.1:18080; server_name alpha.test;
        location / {{ proxy_set_header Host $host; proxy_pass http://{ALPHA}; }} }}
    server {{ listen 127.0.0.1:18080; server_name other.test g2.test;
        location / {{ proxy_set_header Host $host; proxy_pass http://gamma_up; }} }}
"""
GAMMA_MANIFEST = """
[instances.alpha]
label = "alpha"
urls = ["http://alpha.test/"]

[instances.gamma]
label = "gamma"
urls = ["http://other.test/", "http://g3.test/"]
"""


def test_a_one_member_upstream_is_fixed_at_its_server_line(tmp_path: Path) -> None:
    config = _conf(tmp_path, ONE_MEMBER)
    wrong = _answer("http://other.test/", "gamma", "alpha", ALPHA)
    report = diagnose(parse(GAMMA_MANIFEST), [wrong], config=config)
    found = _one(report, "http://other.test/")
    member = _line(tmp_path, "upstream gamma_up")
    assert found.cause is Cause.WRONG_UPSTREAM, found
    assert found.fix.startswith(f"At {member}, replace 'server {ALPHA}' (alpha's address) in "
                                f"upstream gamma_up by gamma's address, which this sweep did "
                                f"not see"), found.fix
    assert "the upstream of" not in found.fix
    # gamma answers another URL of its own from GAMMA: that address is the one to write
    own = _answer("http://g3.test/", "gamma", "gamma", GAMMA)
    found = _one(diagnose(parse(GAMMA_MANIFEST), [wrong, own], config=config),
                 "http://other.test/")
    assert f"by 'server {GAMMA};' (gamma answers its own URL http://g3.test/" in found.fix


def test_a_one_member_upstream_another_block_uses_is_left_alone(tmp_path: Path) -> None:
    config = _conf(tmp_path, ONE_MEMBER.replace(f"proxy_pass http://{ALPHA};",
                                                "proxy_pass http://gamma_up;"))
    wrong = _answer("http://other.test/", "gamma", "alpha", ALPHA)
    found = _one(diagnose(parse(GAMMA_MANIFEST), [wrong], config=config), "http://other.test/")
    proxy = _line(tmp_path, "server_name other.test").rsplit(":", 1)
    at = f"{proxy[0]}:{int(proxy[1]) + 1}"
    assert found.fix.startswith(f"At {at}, pass to gamma's address"), found.fix
    assert "not to upstream gamma_up: its member serves the hand-overs at" in found.fix


def _refused_probe(observation: Observation) -> dict[str, Sample]:
    key, _ = key_of(observation)
    return {key: Sample(1.0, None, error="server closed the connection without answering")}


def test_a_sub_path_without_the_configuration_gets_candidates() -> None:
    """The .invalid name is refused: a block claims the host. Which of its locations takes
    /shop/ is not seen, and the block's other URLs pass right."""
    manifest = MANIFEST.replace('"http://dup.test/"', '"http://alpha.test/shop/"')
    shop = _answer("http://alpha.test/shop/", "beta", "alpha", ALPHA, host="alpha.test")
    shop = dataclasses.replace(shop, target=Target("http://alpha.test/shop/", "beta"))
    answers = [_answer("http://alpha.test/", "alpha", "alpha", ALPHA), shop]
    found = _one(diagnose(parse(manifest), answers, probed=_refused_probe(shop)),
                 "http://alpha.test/shop/")
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, None), found
    assert {c.cause for c in found.candidates} == {Cause.URL_MAPPING, Cause.WRONG_UPSTREAM}
    assert all(c.check.startswith("--config: ") for c in found.candidates)
    assert "point proxy_pass at" not in found.fix, found.fix
    assert found.fix.startswith("Find the location that takes /shop/ in the server block "
                                "whose server_name matches alpha.test"), found.fix
    root = _answer("http://beta.test/", "beta", "alpha", ALPHA)  # the root: the block's pass
    found = _one(diagnose(parse(MANIFEST), [root], probed=_refused_probe(root)),
                 "http://beta.test/")
    assert found.cause is Cause.WRONG_UPSTREAM, found
    assert "\"conflicting server name\" \"beta.test\"" in found.fix, found.fix


def test_a_one_member_upstream_its_own_block_uses_twice_is_fixed_at_the_member(
        tmp_path: Path) -> None:
    """Another location of the same block passes to the group too: the same site, which
    the member's fix sets right as well."""
    config = _conf(tmp_path, ONE_MEMBER.replace(
        "location / { proxy_set_header Host $host; proxy_pass http://gamma_up; }",
        "location / { proxy_set_header Host $host; proxy_pass http://gamma_up; }\n"
        "        location /api/ { proxy_set_header Host $host; proxy_pass http://gamma_up; }"))
    wrong = _answer("http://other.test/", "gamma", "alpha", ALPHA)
    found = _one(diagnose(parse(GAMMA_MANIFEST), [wrong], config=config), "http://other.test/")
    assert found.fix.startswith(f"At {_line(tmp_path, 'upstream gamma_up')}, replace"), found.fix


REGEX = f"""    server {{ listen 127.0.0.1:18080 default_server; return 444; }}
    server {{ listen 127.0.0.1:18080;
        server_name alpha.test "~^www\\.(?<d>.+)$";
        location / {{ proxy_set_header Host $host; proxy_pass http://{ALPHA}; }} }}
"""
REGEX_MANIFEST = """
[instances.alpha]
label = "alpha"
urls = ["http://alpha.test/", "http://www.alpha.test/"]

[refuse]
urls = ["http://www.unknown.test/"]
"""


def test_a_refused_host_a_regex_name_matches_narrows_it_keeping_the_manifests_hosts(
        tmp_path: Path) -> None:
    """A tester's example.org.conf:7: the fix was to remove a name written nowhere, and
    dropping the regex broke www.example.org, which the same regex served."""
    config = _conf(tmp_path, REGEX)
    answers = [_answer("http://alpha.test/", "alpha", "alpha", ALPHA),
               _answer("http://www.alpha.test/", "alpha", "alpha", ALPHA),
               _answer("http://www.unknown.test/", None, "alpha", ALPHA)]  # type: ignore[arg-type]
    found = _one(diagnose(parse(REGEX_MANIFEST), answers, config=config),
                 "http://www.unknown.test/")
    line = _line(tmp_path, "server_name alpha.test")
    assert found.fix.startswith(
        f"At {line}, the regular expression ~^www\\.(?<d>.+)$ in server_name matches "
        f"www.unknown.test, a name no server_name writes. Narrow it so that it keeps matching "
        f"www.alpha.test (the manifest's http://www.alpha.test/ reaches this block through it"
    ), found.fix
    assert "exact name www.alpha.test in place of" in found.fix
    assert "Remove www.unknown.test from the server_name" not in found.fix


def test_a_refused_host_a_block_claims_without_the_configuration_is_its_name() -> None:
    """No right application for a URL to refuse: not 'point proxy_pass at the right
    application's address'; and the probed sentence starts with a capital."""
    unknown = _answer("http://unknown.test/", None, "alpha", ALPHA)  # type: ignore[arg-type]
    found = _one(diagnose(parse(MANIFEST), [unknown], probed=_refused_probe(unknown)),
                 "http://unknown.test/")
    assert found.cause is Cause.WRONG_UPSTREAM, found
    assert found.fix.startswith("A server block claims unknown.test and passed it to alpha"), \
        found.fix
    assert "right application" not in found.fix and "proxy_pass at" not in found.fix
    assert ". A name no server_name can match (wsgi-probe-check.invalid) was refused" \
        in found.explanation, found.explanation


NO_WWW = f"""    server {{ listen 127.0.0.1:18080 default_server;
        server_name lists.test;
        location / {{ proxy_set_header Host $host; proxy_pass http://{ALPHA}; }} }}
    server {{ listen 127.0.0.1:18080;
        server_name beta.test;
        location / {{ proxy_set_header Host $host; proxy_pass http://{BETA}; }} }}
"""
WWW_MANIFEST = """
[instances.alpha]
label = "alpha"
urls = ["http://lists.test/"]

[instances.beta]
label = "beta"
urls = ["http://beta.test/", "http://www.beta.test/"]
"""


def _gunicorn(url: str, expected: str, label: str, listen: str) -> Observation:
    """As gunicorn answers: no mod_wsgi groups (None), its bind as server.listen."""
    data = ep(label, host=url.split("/")[2], mount="")
    data.update(process_group=None, application_group=None)
    data["server"] = {"software": "gunicorn/23.0.0", "mod_wsgi_version": None,
                      "listen": listen}
    observed = thrice(url, expected, data)
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18080")
        for s in observed.samples))


def test_a_name_no_block_has_is_added_at_the_line_of_the_block_meant_for_it(
        tmp_path: Path) -> None:
    """A tester's weblate: www. missing from weblate.conf:3, the default server (mailman's
    block) answered; the fix named no line, and listed application_group = None."""
    config = _conf(tmp_path, NO_WWW)
    www = _gunicorn("http://www.beta.test/", "beta", "alpha", ALPHA)
    answers = [_gunicorn("http://lists.test/", "alpha", "alpha", ALPHA),
               _gunicorn("http://beta.test/", "beta", "beta", BETA), www]
    found = _one(diagnose(parse(WWW_MANIFEST), answers, config=config,
                          probed=_default_probe(www)), "http://www.beta.test/")
    names = _line(tmp_path, "server_name beta.test;")
    handed = _line(tmp_path, f"proxy_pass http://{BETA};")
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, Cause.DEFAULT_SERVER), found
    assert found.fix.startswith(
        f"Add www.beta.test to the server_name at {names} (now 'server_name beta.test'), in "
        f"the block meant for beta: it takes beta's own URL http://beta.test/ and passes it "
        f"with proxy_pass http://{BETA} ({handed}), where beta answered it (server.listen "
        f"'{BETA}'); and make the default server of this address refuse unknown names"), \
        found.fix
    assert any(e.kind is EvidenceKind.CONFIGURED and e.source == names
               and e.claim.startswith("server_name beta.test ") for e in found.evidence), \
        found.evidence
    assert not [e for e in found.evidence if e.kind is EvidenceKind.OBSERVED
                and "None" in e.claim], found.evidence
    assert any(e.kind is EvidenceKind.PROBED for e in found.evidence), found.evidence


def test_a_name_no_block_has_names_no_line_the_answers_do_not_show(tmp_path: Path) -> None:
    """beta's own URL unanswered: the answers do not show the block meant, the configuration
    does (the only other block, a tester's Zulip z1, probe.diagnose.nginx_default_pass).
    Taken by two blocks: which is meant is not seen, and no line is named."""
    www = _gunicorn("http://www.beta.test/", "beta", "alpha", ALPHA)
    found = _one(diagnose(parse(WWW_MANIFEST), [www], config=_conf(tmp_path, NO_WWW)),
                 "http://www.beta.test/")
    assert found.fix.startswith(
        f"Add www.beta.test to the server_name at {_line(tmp_path, 'server_name beta.test;')} "
        f"(now 'server_name beta.test'), the block meant for beta: the only block listening "
        f"on 127.0.0.1:18080, other than the one that took it, that neither refuses nor takes "
        f"another instance's URL by name; it would pass"), found.fix
    # without the configuration too, a field gunicorn does not have is no observed support
    bare = _one(diagnose(parse(WWW_MANIFEST), [www], probed=_default_probe(www)),
                "http://www.beta.test/")
    assert bare.verdict is Verdict.WRONG_INSTANCE and bare.evidence, bare
    assert not [e for e in bare.evidence if "None" in e.claim], bare.evidence
    two = NO_WWW + f"""    server {{ listen 127.0.0.1:18080;
        server_name beta2.test;
        location / {{ proxy_set_header Host $host; proxy_pass http://{BETA}; }} }}
"""
    manifest = WWW_MANIFEST.replace('"http://beta.test/",', '"http://beta.test/", '
                                    '"http://beta2.test/",')
    answers = [_gunicorn("http://beta.test/", "beta", "beta", BETA),
               _gunicorn("http://beta2.test/", "beta", "beta", BETA), www]
    found = _one(diagnose(parse(manifest), answers, config=_conf(tmp_path, two)),
                 "http://www.beta.test/")
    assert found.fix.startswith("Add www.beta.test to the server_name of the block meant for "
                                "beta (the configuration does not single it out: 2 blocks "
                                "could be; server block at "), found.fix
    assert "); and make" in found.fix, found.fix


def _default_probe(observation: Observation) -> dict[str, Sample]:
    """The .invalid name answered by the same application: the default site answered."""
    key, _ = key_of(observation)
    answer = observation.samples[-1]
    return {key: dataclasses.replace(answer)}
