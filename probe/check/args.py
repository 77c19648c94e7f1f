"""``probe check``'s command line, parsed by the plugin itself with the standard library.

A Monitoring Plugin parses its own arguments (the Monitoring Plugins and nagiosplugin's
examples use getopt/argparse): ``probe check`` is started once a minute per service, and
click with the whole command tree is most of a check's start-up when the answer is quick
(``--help``, a bad manifest). :mod:`probe.entry` sends ``probe check ...`` here before
click is imported; the click group's ``check`` forwards its arguments here unchanged, so
the options are declared once, below.

Plugin behaviour while parsing: a usage error is one line on stdout,
``WSGI-PROBE UNKNOWN - <message> (see 'probe check --help')``, and exit 3; ``--help``
and ``--version`` print and exit 3 too, as Monitoring Plugins do.
"""

from __future__ import annotations

import os
import sys

from probe import defaults
from probe.errors import UsageError
from probe.exits import ExitStatus

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: `probe check --help`
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Any, NoReturn

DESCRIPTION = """\
Sweep the manifest as a Nagios/Icinga plugin: one status line, perfdata,
long output.

RANGE is the standard threshold syntax, [@][start:][end]:
  10      alert if the count is outside 0..10
  10:     alert if below 10
  ~:10    alert if above 10
  10:20   alert if outside 10..20
  @10:20  alert if inside 10..20

Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
Unreachable URLs, DNS failures and request timeouts are CRITICAL. UNKNOWN
means the check could not run: bad arguments, a bad manifest, an unreadable
token file, the -t limit hit inside the plugin, or an internal error.

Examples:
  probe check -m /etc/wsgi-probe/site.toml
  probe check -m site.toml -w 0 -c 2 -t 20 --perfdata-urls
"""

SUMMARY = " ".join(DESCRIPTION.split("\n\n", 1)[0].split())
"""The help's first paragraph in one line: what ``probe --help`` lists for ``check``."""

HELP_WIDTH = 80

HELP_EXIT = ExitStatus.PLUGIN_UNKNOWN
"""UNKNOWN, the exit of --help and --version as Monitoring Plugins do."""

MAX_TIMEOUT = 86400.0
"""Seconds: a longer -t is a typo (and ``1e308`` overflows the clock); as the manifest's."""


def _seconds_or_none(text: str) -> float | None:
    try:
        seconds = float(text)
    except ValueError:
        return None
    return seconds if 0 < seconds <= MAX_TIMEOUT else None  # nan fails this comparison too


def _seconds(text: str) -> float:
    seconds = _seconds_or_none(text)
    if seconds is None:
        import argparse

        raise argparse.ArgumentTypeError(
            f"not a number of seconds above 0 and at most {MAX_TIMEOUT:g}: {text!r}")
    return seconds


def _file(text: str) -> str:
    """A path that is not a directory (it need not exist: reading it is the check's job)."""
    if os.path.isdir(text):
        import argparse

        raise argparse.ArgumentTypeError(f"{text!r} is a directory, not a file")
    return text


_VALUED = {"-m": "manifest_path", "--manifest": "manifest_path", "-w": "warning",
           "--warning": "warning", "-c": "critical", "--critical": "critical", "-t": "timeout",
           "--timeout": "timeout", "--connect": "connect", "--token-file": "token_file"}
"""The options :func:`_plain` reads, each followed by its value as the next word."""


DISPATCHED = ("via", "serve", "write_client")
"""What argparse reads of the options :mod:`probe.check` acted on before the plugin (which
process runs the check, or no check at all): no argument of a check."""


def _plain(args: Sequence[str]) -> dict[str, Any] | None:
    """:func:`parse` of the usual command lines without argparse (with gettext and locale,
    a few milliseconds of every check): each option a word of its own (``-v`` repeated, not
    ``-vv``), each value the next word, not starting with ``-``, each option once (but
    ``--connect``), valid values. Anything else is None, and argparse parses it: help,
    version, every usage error and its message stay argparse's (tests/test_check.py
    compares the two)."""
    values: dict[str, Any] = {
        "manifest_path": None, "warning": None, "critical": None,
        "timeout": defaults.CHECK_TIMEOUT, "verbose": 0, "perfdata_urls": False,
        "connect": [], "token_file": None}
    given: set[str] = set()
    words = iter(args)
    for word in words:
        if word in ("-v", "--verbose"):
            values["verbose"] += 1
            continue
        if word == "--perfdata-urls":
            values["perfdata_urls"] = True
            continue
        dest = _VALUED.get(word)
        value = next(words, None)
        if dest is None or value is None or value.startswith("-") or dest in given:
            return None
        if dest == "connect":
            values["connect"].append(value)
            continue
        given.add(dest)
        if dest == "timeout":
            values["timeout"] = _seconds_or_none(value)
            if values["timeout"] is None:
                return None
        elif dest in ("manifest_path", "token_file") and os.path.isdir(value):
            return None
        else:
            values[dest] = value
    return values if "manifest_path" in given else None


_built: argparse.ArgumentParser | None = None


def parser() -> argparse.ArgumentParser:
    """The ``probe check`` parser, built once per process (a resident checker builds it
    before it forks: about 1.3 ms of each child's check otherwise); argparse is imported
    here, not with this module, so that ``probe --help`` can list :data:`SUMMARY` without
    it."""
    global _built
    if _built is None:
        _built = _build()
    return _built


def _build() -> argparse.ArgumentParser:
    import argparse

    class PluginParser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            # Not usage on stderr and exit 2: the plugin says UNKNOWN on stdout (main).
            raise UsageError(message)

        def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
            """After --help or --version: exit UNKNOWN, as Monitoring Plugins do."""
            if message:  # argparse's own exits (help, version) give none
                sys.stderr.write(message)
            sys.stdout.flush()
            sys.exit(HELP_EXIT)

    from probe import VERSION_LINE

    def formatter(prog: str) -> argparse.HelpFormatter:
        # A fixed width, as the Monitoring Plugins' help has: argparse would otherwise import
        # shutil (and with it bz2, lzma, zlib) for the terminal's width on every run.
        return argparse.RawDescriptionHelpFormatter(prog, width=HELP_WIDTH)

    found = PluginParser(prog="probe check", usage="probe check [OPTIONS]",
                         description=DESCRIPTION, add_help=False, allow_abbrev=False,
                         formatter_class=formatter)
    add = found.add_argument
    add("-m", "--manifest", dest="manifest_path", required=True, metavar="FILE", type=_file,
        help="TOML manifest to sweep (required).")
    add("-w", "--warning", metavar="RANGE",
        help="Warning range for the number of problem URLs (default: none).")
    add("-c", "--critical", metavar="RANGE",
        help="Critical range for the number of problem URLs (default without -w and -c: "
             "0, i.e. any problem).")
    add("-t", "--timeout", type=_seconds, default=defaults.CHECK_TIMEOUT, metavar="SECONDS",
        help=f"Time limit for the whole check, above 0 and at most {MAX_TIMEOUT:g} "
             f"(default: {defaults.CHECK_TIMEOUT:g}).")
    add("-v", "--verbose", action="count", default=0,
        help="More detail: -v names every problem on the status line and adds fixes, "
             "-vv lists ok URLs and settings, -vvv adds endpoint answers and logs.")
    add("--perfdata-urls", action="store_true",
        help="Add one response-time perfdata item per URL (for graphs).")
    add("--connect", metavar="HOST[:PORT]", action="append", default=[],
        help="Send every request here; Host header and TLS SNI stay the URL's. "
             "Repeat it to probe every URL at each address (a fleet).")
    add("--token-file", metavar="FILE", type=_file,
        help="File holding the X-Probe-Token (default: the manifest's token settings).")
    add("--via", metavar="SOCKET",
        help="Let the resident checker at SOCKET (probe check --serve) run the check: the "
             "same output without this process's start-up. Where nothing serves SOCKET the "
             "check runs here.")
    add("--serve", metavar="SOCKET",
        help="Run the resident checker: create SOCKET (mode 0600) and run each check "
             "sent with --via SOCKET, until SIGTERM. Takes no other option.")
    add("--write-client", metavar="PATH",
        help="Write PATH, a plugin file to name in place of probe check (same arguments): "
             "it sends checks with --via from a process started without site, and hands "
             "over to probe check where a check runs in the client. Takes no other option.")
    add("-V", "--version", action="version", version=VERSION_LINE.rstrip("\n"),
        help="Show the version and exit.")
    add("-h", "--help", action="help", help="Show this message and exit.")
    return found


_RANGED = ("-w", "--warning", "-c", "--critical")


def _negative_ranges_joined(args: Sequence[str]) -> list[str]:
    """``-w -1:0`` as ``-w=-1:0``: argparse takes a word starting with ``-`` (not a plain
    number) for an option, while the plugins' getopt takes it as the value, and Icinga's
    CheckCommand passes ``-w`` and its value as two words."""
    joined: list[str] = []
    words = iter(args)
    for word in words:
        if word in _RANGED:
            value = next(words, None)
            if value is not None and value[1:2].isdigit() and value.startswith("-"):
                joined.append(f"{word}={value}")
                continue
            joined.append(word)
            if value is not None:
                joined.append(value)
            continue
        joined.append(word)
    return joined


def parse(args: Sequence[str]) -> dict[str, Any]:
    """The keyword arguments of :func:`probe.check.command`; exits 3 after --help or
    --version; raises :class:`~probe.errors.UsageError` on a usage error."""
    args = _negative_ranges_joined(args)
    values = _plain(args)
    if values is None:
        values = vars(parser().parse_args(list(args)))
    values["connect"] = tuple(values["connect"])
    return values


def main(args: Sequence[str]) -> NoReturn:
    """``probe check ARGS`` in this process: parse, then run the plugin (which exits with
    its status). ``--via``, ``--serve`` and ``--write-client`` were dispatched before
    (:mod:`probe.check`)."""
    try:
        options = parse(args)
    except UsageError as exc:
        from probe.check.status_line import UNKNOWN_EXIT, unknown_text

        sys.stdout.write(unknown_text(f"{exc} (see 'probe check --help')"))
        sys.stdout.flush()
        sys.exit(UNKNOWN_EXIT)
    from probe.check import plugin as check

    for name in DISPATCHED:
        options.pop(name, None)
    check.command(**options)
