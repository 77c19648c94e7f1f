"""--config (Apache): a settings_mismatch where the configuration read writes
``SetEnv DJANGO_SETTINGS_MODULE``: that line is why the value meant is not run.

``SetEnv`` puts a variable in each request's WSGI environ; Django reads
``os.environ`` once, when the WSGI script configures it, and mod_wsgi copies no request
variable there. mod_wsgi-express writes its ``--setenv NAME VALUE`` as ``SetEnv 'NAME'
'VALUE'`` at the end of its httpd.conf: tester T31's 18204, started with ``--setenv
DJANGO_SETTINGS_MODULE shop.settings_prod``, ran ``shop.settings`` (the script's setdefault()),
and the sweep with that httpd.conf said the server was not running it as read. The fix is the
assignment in the script or the variable in the environment the server starts with
(:mod:`.settings_fix` words where); the line is named as what does not do it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from probe.apache.config import Directive
from probe.apache.route import ApacheRoutes
from probe.diagnose.config_join import ConfigJoin
from probe.diagnose.fronts import express_address
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.model import Evidence, EvidenceKind, Verdict

_NAME = "django_settings_module"
_RELOAD = " Django reads the variable once per process"
"""Where settings_fix's words of the reload begin: the line is said before them."""


def _walk(directives: Sequence[Directive]) -> Iterator[Directive]:
    for directive in directives:
        yield directive
        if directive.children is not None:
            yield from _walk(directive.children)


def setenv_named(diagnosis: Diagnosis, answer: EndpointAnswer | None,
                 config: ConfigJoin) -> Diagnosis:
    """``diagnosis`` with the configuration's SetEnv DJANGO_SETTINGS_MODULE lines named as
    not setting Django's settings; unchanged where there is none, or it is not a
    settings_mismatch."""
    front = config.front
    if diagnosis.verdict is not Verdict.SETTINGS_MISMATCH or answer is None \
            or not isinstance(front, ApacheRoutes):
        return diagnosis
    lines = [d for d in _walk(front.site.config.directives)
             if d.key == "setenv" and d.arg(0).lower() == _NAME and d.arg(1) != answer.settings]
    if not lines:
        return diagnosis
    written = "; ".join(f"'{d.name} {' '.join(d.args)}' ({d.where})" for d in lines)
    express = (" (mod_wsgi-express writes its --setenv so)"
               if express_address(answer) is not None else "")
    said = (f" The configuration given sets it with {written}{express}: that sets each "
            f"request's WSGI environ, never os.environ, which Django reads when the WSGI "
            f"script configures it, so that line is why the value it names is not the one "
            f"loaded (settings_module.loaded {answer.settings!r}).")
    line = (f" The {'lines' if len(lines) > 1 else 'line'} at "
            f"{', '.join(d.where for d in lines)} cannot set it for Django"
            + (": drop --setenv DJANGO_SETTINGS_MODULE from the command that starts "
               "mod_wsgi-express (it writes this file anew at each start)" if express else
               ": remove it once the assignment or the environment sets it") + ".")
    head, reload, tail = diagnosis.fix.partition(_RELOAD)
    fix = f"{head}{line}{reload}{tail}" if reload else f"{diagnosis.fix}{line}"
    return dataclasses.replace(
        diagnosis, explanation=f"{diagnosis.explanation}{said}", fix=fix,
        evidence=(*diagnosis.evidence, *(Evidence(EvidenceKind.CONFIGURED,
                                                  f"{d.name} {' '.join(d.args)}", d.where)
                                         for d in lines)))
