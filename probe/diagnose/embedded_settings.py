"""Why the processes of one Apache run different settings in embedded mode, told apart by what
the answers show of each: ``settings_module.environ`` (os.environ's DJANGO_SETTINGS_MODULE
when the answer was made) against ``settings_module.loaded`` (the module Django was configured
with).

Re-tester R33 (case b, after lint's fix made every script assign DJANGO_SETTINGS_MODULE): the
fix still said "an os.environ.setdefault() kept another one's DJANGO_SETTINGS_MODULE", and it
was false. A process whose environ names one module while Django loaded another had its
environ set after Django was configured: the interpreter was shared (Django is configured once
per interpreter) and no assignment in a script changes that. One whose environ is itself the
module loaded, another application's, had it kept from the start: a setdefault() (or a value
already in the environment) kept it. Where the answers do not carry both, neither is said.
"""

from __future__ import annotations

from collections.abc import Sequence

from probe.diagnose.answer_names import places
from probe.endpoint_answer import EndpointAnswer
from probe.safe_text import quoted

OWN_GROUP = "(WSGIDaemonProcess + process-group=)"
"""How a group of its own is written from the answers alone; a configured join words it by
the mount's kind (:mod:`probe.diagnose.join_sharing`)."""


def embedded_cause(groups: Sequence[Sequence[EndpointAnswer]]) -> str:
    """The cause and fix of different settings among the embedded processes of one Apache,
    each said by the answers' own fields."""
    late = [g for g in groups if g[0].settings_environ and g[0].settings_loaded
            and g[0].settings_environ != g[0].settings_loaded]
    kept = [g for g in groups if g[0].settings_environ and
            g[0].settings_environ == g[0].settings_loaded]
    if late:
        said = "; ".join(
            f"at {places(g)} settings_module.environ is {quoted(g[0].settings_environ)} "
            f"while settings_module.loaded is {quoted(g[0].settings_loaded)}" for g in late)
        return (f"{said}: DJANGO_SETTINGS_MODULE was set there after Django was configured "
                f"with another application's settings in the same interpreter. Django is "
                f"configured once per interpreter, so the application loaded first in each "
                f"child decides and assigning os.environ['DJANGO_SETTINGS_MODULE'] in a WSGI "
                f"script does not change it. Run each instance in its own daemon process "
                f"group {OWN_GROUP}, or at least an interpreter of its own (a "
                f"WSGIApplicationGroup that differs per instance).")
    if kept and len(kept) == len(groups):
        return ("settings_module.environ is the module each answer loaded (" + "; ".join(
            f"{quoted(g[0].settings_environ)} at {places(g)}" for g in kept)
            + "): each child's os.environ kept the DJANGO_SETTINGS_MODULE of the instance it "
              "loaded first, as an os.environ.setdefault() does (Django's startproject "
              f"wsgi.py). Run each instance in its own daemon process group {OWN_GROUP} "
              f"and assign os.environ['DJANGO_SETTINGS_MODULE'] in its WSGI script.")
    return ("either an os.environ.setdefault() kept another instance's "
            "DJANGO_SETTINGS_MODULE or Django was configured first with another's in a "
            "shared interpreter; the answers do not carry both settings_module.environ and "
            "settings_module.loaded to tell which (the check: the endpoint's "
            f"settings_module fields). Run each instance in its own daemon process group "
            f"{OWN_GROUP} and assign os.environ['DJANGO_SETTINGS_MODULE'] in its WSGI "
            f"script.")
