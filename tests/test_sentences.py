"""The joints of a diagnosis's sentences (probe.diagnose.sentences), on tester T36's words:
a refusal's explanation that ends with its own stop got a second one from the join, and the
answers-alone "Sweep with --config" sentence, taken out once the configuration was read, was
cut at the dot of the URL it names."""

from __future__ import annotations

from probe.diagnose.near_miss import near_miss_fix
from probe.diagnose.sentences import ended, then, without_sentence

REFUSAL = ("https://unknown.invalid:18362/ must be refused but answered HTTP 400, which is not "
           "one of the refusal statuses [403, 404, 421]; no wsgi-probe endpoint answered.")


def test_a_sentence_after_text_with_its_own_stop_gets_no_second_one() -> None:
    joined = then(REFUSAL, "3 of 3 requests failed in TLS on the certificate's names.")
    assert "answered. 3 of 3 requests" in joined
    assert ".." not in joined


def test_a_sentence_after_text_without_a_stop_gets_one() -> None:
    assert then("answered by wsgiapp (pid 2720)", "The samples ran") == \
        "answered by wsgiapp (pid 2720). The samples ran"
    assert then("", "Alone.") == "Alone."
    assert then("Kept?", "", " Next. ") == "Kept? Next."
    assert ended("") == "" and ended("a") == "a." and ended("b! ") == "b!"


def test_the_sentence_taken_out_ends_at_a_stop_not_at_a_host_names_dot() -> None:
    fix = near_miss_fix("http://wsgi-emb.test:18361/", "mysite", "wsgiapp", "wsgi-emb.test")
    left = without_sentence(fix, "Sweep with --config PATH")
    assert left.startswith("If no site of mysite has 'wsgi-emb.test' as a ServerName"), left
    assert "test:18361/" not in left and "application named" not in left, left


def test_a_sentence_in_the_middle_is_taken_out_with_the_space_before_it() -> None:
    text = "First at a.conf:3. Sweep with --config PATH to see x.y. Last."
    assert without_sentence(text, "Sweep with --config PATH") == "First at a.conf:3. Last."
