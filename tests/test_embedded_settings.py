"""The fix of an ``inconsistent`` URL whose embedded Apache processes run different settings
(re-tester R33, case b-mass-macro, real Apache 2.4.71 + mod_wsgi 6.1.1): told by
``settings_module.environ`` against ``settings_module.loaded``. After lint's fix made every
app.wsgi assign DJANGO_SETTINGS_MODULE, gamma.mass.test answered 'alpha.settings' from pid 20641
(the interpreter 'mass.test|/app.wsgi' every host shares, alpha's loaded first) and
'gamma.settings' from pid 20642; the sweep still blamed a setdefault(). The first run (scripts
with setdefault) answered with environ equal to loaded in every process (out/sweep.json)."""

from __future__ import annotations

from probe.diagnose.disagreement import why
from probe.endpoint_answer import EndpointAnswer
from tests.real_answers import PYTHON, apache_server, real_answer, request


def _answer(pid: int, environ: str, loaded: str) -> EndpointAnswer:
    return EndpointAnswer.from_json(real_answer(
        "mass-gamma", f"id-{pid}", pid, 20635, process_group="",
        application_group="mass.test|/app.wsgi", settings=(environ, loaded),
        request=request("gamma.mass.test", "mass.test", "80", script_name="/app.wsgi"),
        script_file="/tmp/t-retest33/cases/b-mass-macro/vhosts/gamma.mass.test/app.wsgi",
        server=apache_server(multithread=True, multiprocess=True), python=PYTHON,
        started_at="2026-12-07T20:00:00Z", uptime_s=1.0, hits=5, nonce=f"n{pid}",
        signature=None))


def test_r33_11_assigned_environ_with_another_loaded_is_the_shared_interpreter() -> None:
    fix = why([[_answer(20641, "gamma.settings", "alpha.settings")],
               [_answer(20642, "gamma.settings", "gamma.settings")]], 10)
    assert "setdefault() kept" not in fix, fix
    assert ("settings_module.environ is 'gamma.settings' while settings_module.loaded is "
            "'alpha.settings'") in fix
    assert "Django is configured once per interpreter" in fix


def test_environ_itself_another_ones_is_a_setdefault_that_kept_it() -> None:
    fix = why([[_answer(15947, "gamma.settings", "gamma.settings")],
               [_answer(15948, "alpha.settings", "alpha.settings")]], 10)
    assert "settings_module.environ is the module each answer loaded" in fix, fix
    assert "as an os.environ.setdefault() does" in fix
    assert "once per interpreter" not in fix
