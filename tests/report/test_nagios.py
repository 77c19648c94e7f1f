"""probe.report.nagios: status line, perfdata and long output in the Monitoring Plugin format."""

from __future__ import annotations

import hashlib
import random
import string

import pytest

from probe.endpoint_answer import EndpointAnswer
from probe.model import Cause, Status, TargetResult, Verdict
from probe.report import nagios
from probe.report.nagios import Perfdatum, PluginOutput
from probe.urls import public_url
from tests.monitoring_helpers import parse_perfdata


def result(url: str, verdict: Verdict = Verdict.OK, *, expected: str | None = "project-1",
           cause: Cause | None = None, answered_by: str | None = None,
           observed: dict[str, object] | None = None, status_code: int | None = 200,
           explanation: str = "", fix: str = "") -> TargetResult:
    return TargetResult(url=url, expected=expected, verdict=verdict, cause=cause,
                        explanation=explanation, fix=fix,
                        observed=EndpointAnswer.from_json(observed) if observed else None,
                        status_code=status_code, samples=3, elapsed_ms=4.0,
                        answered_by=answered_by)


@pytest.mark.parametrize(("value", "text"), [
    (0, "0"), (7, "7"), (2.0, "2"), (0.004, "0.004"), (1.5, "1.5"), (0.00001, "0.00001"),
    (-3.25, "-3.25"), (0.0000001, "0"), (123456789.5, "123456789.5"),
])
def test_numbers_are_plain_decimals(value: float, text: str) -> None:
    assert nagios.format_number(value) == text
    assert "e" not in nagios.format_number(value).lower()


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_are_refused(value: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        nagios.format_number(value)


def test_perfdatum_full_and_trailing_fields_dropped() -> None:
    assert Perfdatum("problems", 2, warn="1", crit="@3:5", min=0, max=7).format() \
        == "'problems'=2;1;@3:5;0;7"
    assert Perfdatum("time", 0.5, uom="s", min=0).format() == "'time'=0.5s;;;0"
    assert Perfdatum("urls", 7).format() == "'urls'=7"


def test_undetermined_value_is_u_without_unit() -> None:
    assert Perfdatum("site", None, uom="s", min=0).format() == "'site'=U;;;0"


def test_labels_lose_quotes_and_equals_signs() -> None:
    text = Perfdatum("it's a=b", 1).format()
    assert text == "'it_s a_b'=1"
    assert parse_perfdata(text)["it_s a_b"]["value"] == "1"


def test_render_first_line_perfdata_and_long_output() -> None:
    output = PluginOutput(Status.CRITICAL, "2 of 7 URLs misrouted: a, b",
                          (Perfdatum("urls", 7, min=0), Perfdatum("ok", 5, min=0)),
                          ("CRITICAL: first", "CRITICAL: second"))
    text = nagios.render(output)
    assert text == ("WSGI-PROBE CRITICAL - 2 of 7 URLs misrouted: a, b | 'urls'=7;;;0 'ok'=5;;;0\n"
                    "CRITICAL: first\nCRITICAL: second\n")
    assert output.exit_code == 2


def test_render_without_perfdata_has_no_pipe() -> None:
    assert nagios.render(PluginOutput(Status.UNKNOWN, "bad manifest")) \
        == "WSGI-PROBE UNKNOWN - bad manifest\n"


def test_text_cannot_break_the_format() -> None:
    """A '|' would start perfdata early and a newline would end the status line."""
    output = PluginOutput(Status.WARNING, "a | b\nc", (Perfdatum("x", 1),), ("d|e\nf",))
    lines = nagios.render(output).splitlines()
    # Escaped, not replaced by another character: "d/e" would read as another real value.
    assert lines == ["WSGI-PROBE WARNING - a \\x7c b c | 'x'=1", "d\\x7ce f"]


@pytest.mark.parametrize(("status", "code"), [
    (Status.OK, 0), (Status.WARNING, 1), (Status.CRITICAL, 2), (Status.UNKNOWN, 3)])
def test_exit_codes(status: Status, code: int) -> None:
    assert PluginOutput(status, "x").exit_code == code


@pytest.mark.parametrize(("url", "shown"), [
    ("http://site-1.example.com/suburl/", "site-1.example.com/suburl/"),
    ("https://user:secret@site-1.example.com:8443/a", "site-1.example.com:8443/a"),
    ("http://[::1]:8080/x/", "[::1]:8080/x/"),
    ("http://Site.example.com", "site.example.com/"),
])
def test_display_url_is_short_and_has_no_credentials(url: str, shown: str) -> None:
    assert nagios.display_url(url) == shown


def test_public_url_keeps_scheme_drops_credentials() -> None:
    assert public_url("https://u:p@h.example/x") == "https://h.example/x"


def sha8(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:8]


def test_url_labels_unique_in_19_characters() -> None:
    urls = ["http://site-1.example.com/", "http://site-1.example.com/suburl/",
            "http://site-2.example.com/", "https://site-2.example.com/",
            "http://www.site-1.example.com/"]
    labels = nagios.url_labels(urls, reserved=("urls", "ok", "problems", "time"))
    keys = [label[:19] for label in labels.values()]
    assert len(set(keys)) == len(urls)
    # An http URL whose host/path fits in 19 characters is just that.
    assert labels["http://site-1.example.com/"] == "site-1.example.com/"
    assert labels["http://site-2.example.com/"] == "site-2.example.com/"
    # Longer ones, and https ones, get a hash of the normalised URL, then the host/path.
    assert labels["http://site-1.example.com/suburl/"] == \
        sha8("http://site-1.example.com:80/suburl") + "~site-1.example.com/suburl/"
    assert labels["https://site-2.example.com/"] == \
        sha8("https://site-2.example.com:443") + "~site-2.example.com/"
    assert labels["http://www.site-1.example.com/"].endswith("~www.site-1.example.com/")


@pytest.mark.parametrize(("existing", "added"), [
    # site-1.example.com/ is 19 characters: the suburl clashes with it in those.
    ("http://site-1.example.com/", "http://site-1.example.com/suburl/"),
    ("http://www.site-1.example.com/", "http://www.site-1.example.com/other/"),
    ("http://site-2.example.com/", "https://site-2.example.com/"),
])
def test_a_clashing_url_does_not_change_an_existing_label(existing: str, added: str) -> None:
    """Graph history follows the label: adding a URL must not rename the others' graphs."""
    before = nagios.url_labels([existing, "http://other.example/"])
    after = nagios.url_labels(["http://third.example/", added, existing])
    assert after[existing] == before[existing]
    assert after[added][:19] != after[existing][:19]


def test_url_labels_do_not_depend_on_spelling_or_credentials() -> None:
    plain = nagios.url_labels(["http://www.site-1.example.com/suburl/"])
    other = nagios.url_labels(["http://user:pw@WWW.site-1.example.com:80/suburl"])
    assert plain["http://www.site-1.example.com/suburl/"][:8] == \
        other["http://user:pw@WWW.site-1.example.com:80/suburl"][:8]


def test_url_labels_widen_the_hash_only_on_a_clash() -> None:
    url = "http://www.site-1.example.com/"
    usual = nagios.url_labels([url])[url]
    # A reserved label that happens to equal this one's first 19 characters, as a hash
    # collision would: this URL gets a longer hash, still unique.
    labels = nagios.url_labels([url, "http://site-1.example.com/"], reserved=[usual[:19]])
    assert labels[url] != usual and labels[url][:19] != usual[:19]
    assert labels[url].endswith("~www.site-1.example.com/")
    assert labels["http://site-1.example.com/"] == "site-1.example.com/"


def test_url_labels_avoid_reserved_labels() -> None:
    labels = nagios.url_labels(["http://time/"], reserved=["time/"])
    assert labels["http://time/"][:19] != "time/"


def test_url_labels_two_spellings_of_one_url() -> None:
    labels = nagios.url_labels(["http://a.example/x/", "http://a.example/x"])
    assert len({label[:19] for label in labels.values()}) == 2


def test_url_labels_random_manifests() -> None:
    rng = random.Random(7)
    for _ in range(50):
        hosts = ["".join(rng.choices("ab", k=rng.randint(1, 25))) + ".example" for _ in range(3)]
        urls = [f"http://{rng.choice(hosts)}/{''.join(rng.choices(string.ascii_lowercase, k=3))}/"
                for _ in range(rng.randint(1, 30))]
        labels = nagios.url_labels(urls, reserved=("urls", "ok", "problems", "time"))
        keys = [label[:19] for label in labels.values()]
        assert len(set(keys)) == len(keys) == len(set(urls))
        assert not {"urls", "ok", "problems", "time"} & set(keys)
        assert all("'" not in k and "=" not in k for k in labels.values())


@pytest.mark.parametrize(("target", "phrase"), [
    (result("http://site-1.example.com/suburl/", Verdict.WRONG_INSTANCE, expected="project-2",
            cause=Cause.ALIAS_ORDER, answered_by="project-1"),
     "site-1.example.com/suburl/ answered by project-1 (alias_order)"),
    (result("http://unknown.invalid/", Verdict.SERVED_UNMAPPED, expected=None,
            cause=Cause.VHOST_FALLBACK, answered_by="project-1"),
     "unknown.invalid/ served by project-1 instead of refused (vhost_fallback)"),
    (result("http://site-2.example.com/", Verdict.SETTINGS_MISMATCH, expected="project-2",
            cause=Cause.ENVIRON_LEAK,
            observed={"settings_module": {"environ": "mysite.settings", "loaded": None}}),
     "site-2.example.com/ runs settings mysite.settings (environ_leak)"),
    # settings_path: the expected module's name, another instance's file (re-tester R29's L4)
    (result("http://a.test/", Verdict.SETTINGS_MISMATCH, expected="site-a",
            cause=Cause.SETTINGS_PATH,
            observed={"settings_module": {"environ": "mysite.settings",
                                          "loaded": "mysite.settings",
                                          "file": "/tmp/r29/L4/sites/a/c/mysite/settings.py"}}),
     "a.test/ runs another instance's settings file /tmp/r29/L4/sites/a/c/mysite/settings.py "
     "(settings_path)"),
    (result("http://a.example/", Verdict.UNREACHABLE, status_code=None), "a.example/ unreachable"),
    (result("http://a.example/", Verdict.HTTP_ERROR, status_code=503), "a.example/ HTTP 503"),
    (result("http://a.example/", Verdict.NO_ENDPOINT, status_code=200),
     "a.example/ has no probe endpoint (HTTP 200)"),
    (result("http://a.example/", Verdict.INCONSISTENT), "a.example/ answered inconsistently"),
    (result("http://a.example/", Verdict.STALE, answered_by="project-1"),
     "a.example/ served by stale project-1"),
    (result("http://a.example/", Verdict.WRONG_INSTANCE, observed={"label": "mystery"}),
     "a.example/ answered by label mystery"),
])
def test_problem_phrases(target: TargetResult, phrase: str) -> None:
    assert nagios.problem_phrase(target) == phrase


def test_target_line_has_url_verdict_details_and_fix_on_request() -> None:
    target = result("http://u:pw@site-1.example.com/suburl/", Verdict.WRONG_INSTANCE,
                    expected="project-2", cause=Cause.ALIAS_ORDER, answered_by="project-1",
                    explanation="A shorter mount swallowed it.", fix="Reorder the aliases.")
    line = nagios.target_line(target, prefix="CRITICAL", with_fix=False)
    assert line == ("CRITICAL: http://site-1.example.com/suburl/ wrong_instance (expected "
                    "project-2, answered by project-1, HTTP 200, cause alias_order): "
                    "A shorter mount swallowed it.")
    assert "pw" not in line
    assert nagios.target_line(target, prefix="CRITICAL", with_fix=True).endswith(
        " Fix: Reorder the aliases.")


@pytest.mark.parametrize(("value", "shown"), [
    ("group 'site-2.example.com|'", "group 'site-2.example.com\\x7c'"),
    ("http://a.ex/x|y=1;2/", "http://a.ex/x\\x7cy=1;2/")])
def test_a_pipe_in_a_value_is_shown_escaped(value: str, shown: str) -> None:
    """Not as another value that could be real (``site-2.example.com/``, ``x/y=1;2/``)."""
    assert nagios.clean_text(value) == shown
