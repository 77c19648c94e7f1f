"""mod_wsgi-express backends behind Apache's mod_proxy_balancer (a tester's checkin2015 fleet,
two ``mod_wsgi-express start-server --host 127.0.0.1 --port N`` behind ``<Proxy
balancer://mycluster>``): their answers leave ``server.listen`` null, but mod_wsgi-express
names its daemon group after its host and port (process_group '127.0.0.1:55167').

* a ProxyPass that strips /checkin/ gave SCRIPT_NAME '' and the sweep said ok: a mod_wsgi
  answer that shows a proxy before it (a forwarded Host arrived) is judged as any proxied
  application server's, ``mount_mismatch``, fixed with ``--mount-point``;
* one member down: no ``dead_member`` (it needs where each answer listens);
* a member on another project's port: ``inconsistent`` with no line named.
"""

from __future__ import annotations

import dataclasses
import textwrap
from typing import Any

import pytest

from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.diagnose.fronts import listening
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target, parse
from probe.model import Observation, Report, Sample
from tests.test_diagnose import ep

FRONT = "127.0.0.1:42427"
ONE, TWO, OTHER = "127.0.0.1:55167", "127.0.0.1:34259", "127.0.0.1:41089"
CHECKIN = "http://checkin.example.com/checkin/"
ADMIN = "http://checkin.example.com/checkin/admin/"
# script_name declared: a whole path with SCRIPT_NAME '' is otherwise undecided (mount_undecided)
MANIFEST = f"""\
[instances.checkin]
label = "checkin"
settings = "checkin.settings"
script_name = "/checkin"
urls = ["{CHECKIN}", "{ADMIN}"]
"""


def express(at: str, *, label: str = "checkin", path_info: str = "/__probe__",
            script_name: str = "", forwarded: str | None = "checkin.example.com",
            group: str | None = None, pid: int = 1294,
            host: str | None = None) -> EndpointAnswer:
    """A mod_wsgi-express answer as the tester's were: server.listen null, the daemon group
    named HOST:PORT, the backend's Host, mod_proxy's X-Forwarded-Host."""
    data: dict[str, Any] = ep(label, host=host or at, mount=script_name, path_info=path_info,
                              pid=pid, process_group=group if group is not None else at,
                              application_group="", settings=f"{label}.settings")
    data["request"].update({"forwarded_host": forwarded, "forwarded_prefix": None,
                            "force_script_name": None, "server_port": at.rsplit(":")[1]})
    data["server"] = {"software": "Apache", "mod_wsgi_version": "6.1.1", "listen": None,
                      "multithread": True, "multiprocess": False, "hostname": "vm"}
    return EndpointAnswer.from_json(data)


def through(url: str, expected: str, *answers: EndpointAnswer) -> Observation:
    """Samples through the front (its Server header is the backend's, passed on)."""
    return Observation(Target(url, expected, FRONT), tuple(
        Sample(elapsed_ms=2.0, status_code=200, endpoint=a, server="Apache",
               address=FRONT) for a in answers))


def routes(text: str) -> ConfigJoin:
    site = build_site(parse_text(textwrap.dedent(text), "site.conf"), read_scripts=False)
    front = ApacheRoutes(site)
    return ConfigJoin(front, {}, front.divergence, front.intended, front.refuse_block)


STRIPS = f"""\
Listen {FRONT}
<VirtualHost *:42427>
    ServerName checkin.example.com
    <Proxy "balancer://mycluster">
       BalancerMember "http://{ONE}"
       BalancerMember "http://{TWO}"
    </Proxy>
    ProxyPass        "/checkin/" "balancer://mycluster/"
    ProxyPassReverse "/checkin/" "balancer://mycluster/"
</VirtualHost>
"""


def _sweep(observations: list[Observation], config: ConfigJoin | None = None,
           manifest: str = MANIFEST) -> Report:
    return diagnose(parse(manifest), observations, config=config)


def _stripped(**changes: Any) -> list[Observation]:
    return [through(url, "checkin", *(express(at, path_info=info, **changes)
                                      for at in (ONE, TWO) * 4))
            for url, info in ((CHECKIN, "/__probe__"), (ADMIN, "/admin/__probe__"))]


def test_a_stripped_prefix_before_mod_wsgi_express_is_mount_mismatch() -> None:
    [url, _] = _sweep(_stripped()).targets
    assert url.verdict.value == "mount_mismatch", url.explanation
    assert "the front took /checkin off the path (/checkin/__probe__ arrived as " \
        "'/__probe__')" in url.explanation, url.explanation
    assert "mod_wsgi answered from behind a proxy (request.forwarded_host = " \
        "'checkin.example.com')" in url.explanation, url.explanation
    # the slash after the prefix only where the ProxyPass path has one (t-retest18 m4)
    assert "--mount-point /checkin" in url.fix and "a ProxyPass target ending in /checkin, " \
        "with a '/' after it only where the ProxyPass path ends in '/'" in url.fix, url.fix
    # every member the answers came from, not the last answer's only
    assert f"at {ONE} and {TWO} (process_group '{ONE}' and '{TWO}'" in url.fix, url.fix
    assert "WSGIScriptAlias" not in url.fix, url.fix


def test_with_the_config_the_fix_is_the_proxypass_kept_whole_and_mount_point() -> None:
    [url, _] = _sweep(_stripped(), routes(STRIPS)).targets
    assert url.verdict.value == "mount_mismatch", url.explanation
    assert url.fix.startswith(
        "At site.conf:8, pass the path whole: 'ProxyPass /checkin/ "
        "balancer://mycluster/checkin/'"), url.fix
    assert "started with '--mount-point /checkin'" in url.fix, url.fix
    # the ProxyPass edited: Apache's restart ends the fix (re-tester R30: none was printed)
    assert "the BalancerMember lines stay as they are. After the edit, restart Apache " \
           "gracefully (it reads its configuration only when it starts or restarts)" in \
        url.fix, url.fix


def test_mod_wsgi_told_its_mount_or_reached_directly_is_ok() -> None:
    kept = [through(url, "checkin", *(express(at, script_name="/checkin", path_info=info)
                                      for at in (ONE, TWO)))
            for url, info in ((CHECKIN, "/__probe__"), (ADMIN, "/admin/__probe__"))]
    assert {t.verdict.value for t in _sweep(kept).targets} == {"ok"}
    # No proxy shown (no forwarded Host, no Via): mod_wsgi's SCRIPT_NAME is its own mount.
    direct = _stripped(forwarded=None, host="checkin.example.com")
    assert {t.verdict.value for t in _sweep(direct).targets} == {"ok"}


BALANCED = f"""\
Listen {FRONT}
<VirtualHost *:42427>
    ServerName checkin.example.com
    ProxyPreserveHost On
    <Proxy "balancer://mycluster">
       BalancerMember "http://{ONE}"
       BalancerMember "http://{{two}}"
    </Proxy>
    ProxyPass        "/checkin/" "balancer://mycluster/checkin/"
</VirtualHost>
"""


def _kept(*at: str, group: str | None = None) -> list[Observation]:
    return [through(url, "checkin", *(express(a, script_name="/checkin", path_info=info,
                                              group=group) for a in at * 4))
            for url, info in ((CHECKIN, "/__probe__"), (ADMIN, "/admin/__probe__"))]


def test_a_silent_express_member_is_dead_member_by_its_process_group() -> None:
    report = _sweep(_kept(ONE, ONE), routes(BALANCED.format(two=TWO)))
    assert {t.verdict.value for t in report.targets} == {"ok"}
    [found] = [f for f in report.findings if f.code == "dead_member"]
    assert found.explanation.startswith(
        f"Member BalancerMember {TWO} (site.conf:7) of balancer://mycluster answered none of "
        f"16 samples"), found.explanation
    assert f"the others did, by process_group where server.listen is null, as " \
        f"mod_wsgi-express names its daemon group after its --host and --port, HOST:PORT " \
        f"({ONE} (site.conf:6): 16 answers)" in found.explanation, found.explanation


@pytest.mark.parametrize("group", ["checkin", "127.0.0.1", "127.0.0.1:99999"])
def test_a_daemon_group_that_is_no_address_tells_no_member(group: str) -> None:
    report = _sweep(_kept(ONE, ONE, group=group), routes(BALANCED.format(two=TWO)))
    assert not [f for f in report.findings if f.code == "dead_member"], report.findings


def test_localhost_is_every_address_and_two_members_on_its_port_are_not_told_apart() -> None:
    # started without --host: 'localhost:PORT', listening on every address of that port
    port = ONE.rsplit(":")[1]
    heard = listening(express(ONE, group=f"localhost:{port}"))
    assert heard is not None and heard.address == f"*:{port}", heard
    assert "listens on every address" in heard.said
    report = _sweep(_kept(ONE, ONE, group=f"localhost:{port}"),
                    routes(BALANCED.format(two=f"10.0.0.2:{port}")))
    assert not [f for f in report.findings if f.code == "dead_member"], report.findings


def test_both_members_answering_is_no_finding() -> None:
    report = _sweep(_kept(ONE, TWO), routes(BALANCED.format(two=TWO)))
    assert not [f for f in report.findings if f.code == "dead_member"], report.findings


SURVEY = "http://survey.example.com/"
TWO_PROJECTS = MANIFEST + f"""
[instances.survey]
label = "survey"
settings = "survey.settings"
connect = "{OTHER}"
urls = ["{SURVEY}"]
"""


def _mixed() -> list[Observation]:
    mixed = through(CHECKIN, "checkin", *(
        express(ONE, script_name="/checkin", pid=1) if n % 2 else
        express(OTHER, label="survey", script_name="/checkin", pid=2) for n in range(8)))
    survey = dataclasses.replace(through(SURVEY, "survey", *(
        express(OTHER, label="survey", forwarded=None, pid=2, host="survey.example.com")
        for _ in range(4))))
    survey = dataclasses.replace(survey, target=Target(SURVEY, "survey", OTHER))
    return [mixed, survey]


def test_a_member_on_another_projects_express_is_named_by_its_line() -> None:
    report = _sweep(_mixed(), routes(BALANCED.format(two=OTHER)), TWO_PROJECTS)
    row = report.targets[0]
    assert (row.verdict.value, row.cause and row.cause.value) == ("inconsistent",
                                                                  "wrong_upstream"), row
    # checkin's only address seen is the member on line 6 already: replacing line 7 with it
    # (the fix a re-tester applied literally) would list that member twice
    assert row.fix.startswith(f"At site.conf:7, remove that BalancerMember {OTHER}: every "
                              f"address where checkin is seen answering (checkin answers its "
                              f"own URL {CHECKIN} on process_group '{ONE}'"), row.fix
    assert f"is a member already, {ONE} (site.conf:6)" in row.fix, row.fix
    assert "replace" not in row.fix, row.fix
    assert f"BalancerMember {OTHER} (site.conf:7) is where another application answered " \
        f"(process_group '{OTHER}' (server.listen is null; " in row.explanation, \
        row.explanation


def test_an_address_of_the_instance_no_member_has_replaces_the_wrong_member() -> None:
    # line 6 points at a third address: checkin's own one is no member, so it is the fix
    config = routes(BALANCED.replace(ONE, "127.0.0.1:40000").format(two=OTHER))
    row = _sweep(_mixed(), config, TWO_PROJECTS).targets[0]
    assert row.fix.startswith(f"At site.conf:7, replace {OTHER} with an address where checkin "
                              f"listens (checkin answers its own URL {CHECKIN} on "
                              f"process_group '{ONE}'"), row.fix
    assert "or remove that BalancerMember. After the edit, restart Apache gracefully (it " \
        "reads its configuration only when it starts or restarts)" in row.fix, row.fix


def test_without_the_config_the_inconsistent_fix_names_each_express_address() -> None:
    row = _sweep(_mixed(), manifest=TWO_PROJECTS).targets[0]
    assert row.verdict.value == "inconsistent", row
    assert f"Where each listens: 'checkin' at {ONE} (process_group); 'survey' at {OTHER} " \
        f"(process_group)" in row.fix or f"Where each listens: 'survey' at {OTHER} " \
        f"(process_group); 'checkin' at {ONE} (process_group)" in row.fix, row.fix
    assert "(server.listen, else its host)" not in row.fix, row.fix


WHOLE = BALANCED.format(two=TWO)  # ProxyPass "/checkin/" "balancer://mycluster/checkin/"


def _whole(*at: str, mounted: tuple[str, ...] = ()) -> list[Observation]:
    """The whole path passed on; the members in ``mounted`` started with --mount-point."""
    return [through(url, "checkin", *(
        express(a, script_name="/checkin", path_info=info.removeprefix("/checkin"))
        if a in mounted else express(a, path_info=info) for a in at * 4))
        for url, info in ((CHECKIN, "/checkin/__probe__"),
                          (ADMIN, "/checkin/admin/__probe__"))]


@pytest.mark.parametrize("config", [None, WHOLE])
def test_the_whole_path_passed_to_express_is_fixed_with_mount_point_on_every_member(
        config: str | None) -> None:
    [url, admin] = _sweep(_whole(ONE, TWO), routes(config) if config else None).targets
    assert (url.verdict.value, admin.verdict.value) == ("mount_mismatch",) * 2, url
    for row in (url, admin):
        assert "WSGIScriptAlias" not in row.fix, row.fix
        # /checkin/admin/ is the same mount told the same wrong way, not another site
        assert "Not FORCE_SCRIPT_NAME" not in row.fix, row.fix
        assert "'--mount-point /checkin'" in row.fix, row.fix
        assert f"process_group '{ONE}' and '{TWO}'" in row.fix, row.fix
        assert "Keep the proxy passing the whole path (it arrives whole" in row.fix, row.fix
    lines = f" In the configuration given, the ProxyPass at site.conf:9 passes the whole " \
        f"path (ProxyPass /checkin/ balancer://mycluster/checkin/): keep it; the " \
        f"mod_wsgi-express servers the answers came from are BalancerMember {ONE} " \
        f"(site.conf:6) and BalancerMember {TWO} (site.conf:7)."
    assert (lines + " The middleware, each line below" in url.fix) is (config is not None), url.fix


def test_a_stripped_prefix_fix_names_every_member_and_its_line() -> None:
    [url, _] = _sweep(_stripped(), routes(STRIPS)).targets
    assert f"each mod_wsgi-express the answers came from, at {ONE} (BalancerMember at " \
        f"site.conf:5) and {TWO} (BalancerMember at site.conf:6) (process_group '{ONE}' " \
        f"and '{TWO}'" in url.fix, url.fix


@pytest.mark.parametrize("config", [None, WHOLE])
def test_mount_point_on_one_member_only_says_the_members_disagree(config: str | None) -> None:
    [url, admin] = _sweep(_whole(ONE, TWO, mounted=(TWO,)),
                          routes(config) if config else None).targets
    for row, info in ((url, "/__probe__"), (admin, "/admin/__probe__")):
        assert row.verdict.value == "mount_mismatch", row
        assert "the mod_wsgi-express members behind the proxy disagree on the mount: " \
            f"{TWO} answered request.script_name '/checkin', request.path_info {info!r} " \
            f"(this URL's mount /checkin), while {ONE} answered request.script_name '', " \
            f"request.path_info '/checkin{info}'" in row.explanation, row.explanation
        # the sentence that says which member to restart names it by its line (a
        # re-tester's named it by its address only, its line a sentence later); without the
        # configuration, plainly where each was observed
        first = (f"Start the mod_wsgi-express at {ONE} (BalancerMember at site.conf:6) with "
                 f"'--mount-point /checkin' too, as the mod_wsgi-express at {TWO} "
                 f"(BalancerMember at site.conf:7) already answers (request.script_name "
                 f"'/checkin')" if config else
                 f"Start the mod_wsgi-express observed at {ONE} (its process_group '{ONE}') "
                 f"with '--mount-point /checkin' too, as the mod_wsgi-express observed at "
                 f"{TWO} (its process_group '{TWO}') already answers (request.script_name "
                 f"'/checkin')")
        assert row.fix.startswith(first), row.fix
        assert "WSGIScriptAlias" not in row.fix, row.fix
        last = ("In the configuration given, the ProxyPass at site.conf:9 passes the whole "
                "path (ProxyPass /checkin/ balancer://mycluster/checkin/): keep it."
                if config else "probe sweep --config names each one's BalancerMember line.")
        assert row.fix.endswith(last), row.fix
        # each line said once, in the sentence that needs it
        assert row.fix.count("site.conf:6") == (1 if config else 0), row.fix


def test_a_member_no_balancermember_line_names_is_said_where_it_was_observed() -> None:
    # the configuration writes the second member by another address than the one it
    # answered from: no line is guessed for it, and --config (given) is not asked for
    config = routes(WHOLE.replace(f'"http://{TWO}"', '"http://10.0.0.2:34259"'))
    [url, _] = _sweep(_whole(ONE, TWO, mounted=(ONE,)), config).targets
    assert url.fix.startswith(
        f"Start the mod_wsgi-express observed at {TWO} (its process_group '{TWO}'; no "
        f"BalancerMember line of the configuration given names that address) with "
        f"'--mount-point /checkin' too, as the mod_wsgi-express at {ONE} (BalancerMember at "
        f"site.conf:6) already answers"), url.fix
    assert "--config names" not in url.fix, url.fix


def test_one_member_answering_is_named_by_its_line_in_the_mount_point_fix() -> None:
    only = [through(url, "checkin", *(express(ONE, path_info=info) for _ in range(8)))
            for url, info in ((CHECKIN, "/__probe__"), (ADMIN, "/admin/__probe__"))]
    [url, _] = _sweep(only, routes(STRIPS)).targets
    assert f"mod_wsgi-express at {ONE} (BalancerMember at site.conf:5) (process_group " \
        f"'{ONE}'" in url.fix, url.fix


OTHER_SITE = "http://other.example.com/"


def test_processes_serving_another_mount_rule_out_mount_point_and_force_script_name() -> None:
    observations = [*_whole(ONE, TWO), through(OTHER_SITE, "checkin", *(
        express(a, path_info="/__probe__", host="other.example.com") for a in (ONE, TWO) * 4))]
    manifest = MANIFEST.replace(f'"{ADMIN}"]', f'"{ADMIN}", "{OTHER_SITE}"]')
    url = _sweep(observations, manifest=manifest).targets[0]
    assert url.verdict.value == "mount_mismatch", url
    assert "Not FORCE_SCRIPT_NAME: the same processes (" in url.fix and \
        f"also serve {OTHER_SITE} at /" in url.fix, url.fix
    assert "Not mod_wsgi-express's '--mount-point /checkin': it mounts every request of " \
        "that server there." in url.fix, url.fix
    assert "WSGIScriptAlias" not in url.fix, url.fix
