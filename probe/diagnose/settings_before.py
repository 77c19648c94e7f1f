"""Django configured before the variable changed: ``settings_module.environ`` is the instance's
own value, ``settings_module.loaded`` another's.

Django reads ``DJANGO_SETTINGS_MODULE`` once, when its settings are first used in an
interpreter. A tester replaced ``setdefault()`` by an assignment in both WSGI scripts and did not
restart Apache: mod_wsgi's embedded mode ran the changed scripts again in the same children, the
variable became project-2's own, and Django kept project-1's settings. The sweep still said the
variable "holds project-1's value" and blamed the setdefault() already gone. Here the answers
say what holds (the two fields), and the fix is a restart of the processes, not a script edit.
"""

from __future__ import annotations

from probe.diagnose.answer_names import place
from probe.diagnose.script_rerun import restart_fix
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Instance
from probe.model import Cause, Evidence, EvidenceKind, Observation, Verdict


def configured_before(obs: Observation, answer: EndpointAnswer, instance: Instance,
                      owner: str | None, shown: str) -> Diagnosis | None:
    """The diagnosis where the variable is the instance's own and Django runs another value;
    None otherwise. ``owner``: the instance whose settings those are, where one declares them."""
    environ, loaded = answer.settings_environ, answer.settings_loaded
    if environ is None or environ != instance.settings or not loaded or loaded == environ:
        return None
    whose = f"{owner}'s settings {loaded!r}" if owner else f"the settings {loaded!r}"
    runs = (f" Its WSGI script ran {answer.script_loads} times in this interpreter "
            f"(code.script_loads {answer.script_loads}): a run after the first set the "
            f"variable, and running a script again does not configure Django anew."
            if (answer.script_loads or 0) > 1 else
            " A WSGI script run again in the same process (mod_wsgi's embedded mode runs a "
            "changed script so) sets the variable anew without configuring Django anew.")
    url = obs.target.url
    return Diagnosis(
        Verdict.SETTINGS_MISMATCH, Cause.ENVIRON_LEAK,
        explanation=(
            f"{url} is served by {shown}, and DJANGO_SETTINGS_MODULE in its interpreter is "
            f"its own {environ!r} now (settings_module.environ), but Django runs {whose} "
            f"(settings_module.loaded), {place(answer)}: Django was configured before, in "
            f"this process, with that value, and reads the variable only then.{runs}"),
        fix=(f"{restart_fix([answer])} The scripts need no other edit for this: the variable "
             f"is already {environ!r} in this interpreter; after the restart "
             f"settings_module.loaded should say so too."),
        answered_by=shown,
        evidence=(Evidence(EvidenceKind.OBSERVED,
                           f"settings_module.environ = {environ!r}, settings_module.loaded = "
                           f"{loaded!r}", f"GET {url}, {place(answer)}"),),
    )
