"""settings_mismatch's fix where one WSGI script serves instances that mean different settings:
the script is shared, so an assignment in it is right for one and wrong for the others.

Re-tester R31: shop's ``wsgi.py`` ran under three mod_wsgi-express servers; 18203 meant
``shop.settings``, 18204 ``shop.settings_prod``. Assigning ``shop.settings`` in it (18203's
fix) made 18203 ok and 18204 wrong; assigning ``shop.settings_prod`` (18204's fix) the
reverse. What worked was per server: export the variable in each server's environment (no
``--setenv``, which writes ``SetEnv``, a request's environ) and start it again, the script
keeping ``os.environ.setdefault()``. Which instances share it is observed: the sweep's answers
to their URLs name the same ``script_file``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from probe.diagnose.fronts import express_address
from probe.diagnose.identify import SweepContext
from probe.diagnose.settings_fix import held
from probe.endpoint_answer import EndpointAnswer
from probe.safe_text import quoted


@dataclass(frozen=True)
class Sharer:
    """An instance whose URL was answered from the same WSGI script, and its settings."""

    name: str
    settings: str


def sharers(instance: str, meant: str | None, answer: EndpointAnswer,
            context: SweepContext) -> tuple[Sharer, ...]:
    """The other instances whose URLs the sweep saw answered from ``answer``'s script_file,
    each declaring other settings than ``meant``; () where none (or no script is reported)."""
    script = answer.raw.get("script_file")
    if not isinstance(script, str) or not script or not meant:
        return ()
    found = [s for s in _by_script(context).get(os.path.realpath(script), ())
             if s.name != instance and s.settings != meant]
    return tuple(sorted(found, key=lambda s: s.name))


def _by_script(context: SweepContext) -> dict[str, tuple[Sharer, ...]]:
    """Each script (real path) with the instances whose own answers name it: computed once
    per sweep (asked for every settings_mismatch URL of a large one)."""
    key = ("script_sharers", "")
    if key not in context.memo:
        found: dict[str, dict[str, Sharer]] = {}
        for obs, seen in context.answers():
            other = context.manifest.instances.get(obs.target.expected or "")
            theirs = seen.raw.get("script_file")
            # only an instance's own answers say what its script means (blog's URL answered
            # by shop's server says nothing of blog's script)
            if other is None or not other.settings or not isinstance(theirs, str) or \
                    not theirs or context.identify(seen, other.name) != other.name:
                continue
            found.setdefault(os.path.realpath(theirs), {}).setdefault(
                other.name, Sharer(other.name, other.settings))
        context.memo[key] = {path: tuple(names.values()) for path, names in found.items()}
    table = context.memo[key]
    assert isinstance(table, dict)
    return table


def shared_fix(instance: str, meant: str, answer: EndpointAnswer,
               others: tuple[Sharer, ...]) -> str:
    """The per-server fix: the variable in each server's own environment, not in the script
    they share (named, with the instances and settings that share it)."""
    script = answer.raw.get("script_file")
    listed = ", ".join(f"{o.name} ({quoted(o.settings)})" for o in others)
    if express_address(answer) is not None:
        where = (f"export DJANGO_SETTINGS_MODULE={meant} in the environment {instance}'s "
                 f"mod_wsgi-express starts with (the shell or unit that runs start-server, "
                 f"or its SERVER_ROOT/envvars), drop a --setenv DJANGO_SETTINGS_MODULE "
                 f"if it has one (SetEnv: a request's WSGI environ, never os.environ), and "
                 f"start it again")
    else:
        where = (f"set DJANGO_SETTINGS_MODULE={meant} in the environment {instance}'s server "
                 f"starts with (its unit's Environment=, the shell that starts it, uWSGI's "
                 f"env =, gunicorn's --env), and start it again")
    return (f"The WSGI script {quoted(script)} (script_file) is shared: the sweep's answers to "
            f"the URLs of {listed} name it too, and the manifest declares other settings "
            f"for {'it' if len(others) == 1 else 'them'} than {instance}'s {quoted(meant)}, "
            f"so assigning DJANGO_SETTINGS_MODULE in it makes one of them "
            f"wrong whichever value it sets. Set it per server: {where}; the script keeps "
            f"os.environ.setdefault() (an assignment there overrides every server's "
            f"environment). Or give {instance} a WSGI script of its own, or correct the "
            f"manifest.{held(answer, instance, meant)} Then probe again: "
            f"settings_module.loaded should say {quoted(meant)}.")
