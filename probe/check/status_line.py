"""The first line of ``probe check``'s output, written in one place for every path.

``WSGI-PROBE <STATE> - <summary>``: :func:`probe.report.nagios.render` writes it for a
finished check; the UNKNOWN path (bad arguments, a bad manifest, the hard timeout) writes
it from here without importing the reports, the model or nagiosplugin, because a Nagios
server starts ``probe check`` once a minute per service and start-up is most of what an
UNKNOWN costs.
"""

from __future__ import annotations

from probe.exits import ExitStatus
from probe.safe_text import one_line

PLUGIN_NAME = "WSGI-PROBE"

UNKNOWN_EXIT = ExitStatus.PLUGIN_UNKNOWN
"""The Monitoring Plugin exit status UNKNOWN, for the paths that end before the reports are
imported."""


PIPE = "\\x7c"
"""What a ``|`` of a value is written as: Nagios takes a ``|`` as the start of perfdata.
Escaped as :func:`probe.safe_text.one_line` escapes control characters, so that it reads as
an escape, not as another real value (``/`` made ``site|`` a different group name, and
``http://a.ex/x|y=1;2/`` a different valid URL)."""


def clean_text(text: str) -> str:
    """One line of plugin text: no line breaks, no ``|`` (written ``\\x7c``: it would start
    perfdata), no terminal controls, only characters UTF-8 can encode."""
    return one_line(" ".join(text.replace("|", PIPE).split()), limit=None)


def status_line(state: str, summary: str) -> str:
    """``WSGI-PROBE <STATE> - <summary>``, the summary made one clean line; no newline."""
    return f"{PLUGIN_NAME} {state.upper()} - {clean_text(summary)}"


def unknown_text(message: str) -> str:
    """The whole output of a plugin that could not check: one UNKNOWN line."""
    return status_line("unknown", message) + "\n"
