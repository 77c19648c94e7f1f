"""``probe ps``'s table: plain aligned columns off a terminal, a rich table on one.

Every text a cell or line shows from a process (its title, the ``-f`` path of its command
line, its user name) is another local user's to choose: any user can start a program named
apache2. Each passes :func:`probe.safe_text.one_line` and reaches rich as ``Text``, never
markup: rich drops BEL and CSI sequences itself, but a security tester's ``ESC ] 0 ;`` (an
unterminated OSC, "set window title") and U+202E (a bidi override) reached root's terminal.
"""

from __future__ import annotations

from collections.abc import Sequence

from probe.procs import ApacheProcess, Role
from probe.procs_others import Census
from probe.safe_text import one_line

HANDS_OFF = "(to daemons)"


def human_bytes(value: int | None) -> str:
    if value is None:
        return "?"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def human_age(seconds: float) -> str:
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s"


def render_table(rows: Sequence[ApacheProcess], *, terminal: bool,
                 census: Census | None = None) -> str:
    """A rich table on a terminal; plain aligned columns (no box, no colour) otherwise; then
    what ``census`` says ps does not list."""
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table

    after = "".join(f"{line}\n" for line in census.lines()) if census else ""
    if not rows:
        return "no Apache (apache2/httpd) processes found\n" + after
    table = Table(box=box.SIMPLE_HEAD if terminal else None, show_edge=False,
                  pad_edge=False)
    for column in ("PID", "PPID", "ROLE", "PROCESS GROUP", "USER", "RSS", "AGE"):
        table.add_column(column, justify="right" if column in ("PID", "PPID", "RSS") else "left",
                         no_wrap=True)
    from rich.text import Text

    for row in rows:
        table.add_row(str(row.pid), str(row.ppid), row.role.value,
                      Text(one_line(_group_cell(row))), Text(one_line(row.user or "?")),
                      human_bytes(row.rss), human_age(row.age_s))
    out = io.StringIO()
    console = Console(file=out, force_terminal=terminal, no_color=not terminal, width=250,
                      highlight=False, soft_wrap=False)
    console.print(table)
    for row in rows:
        if row.config is not None:
            console.print(Text(one_line(f"pid {row.pid} runs {row.config.describe()}"
                                        f"{_applied(row)}", limit=None)))
    for note in _footnotes(rows):
        console.print(Text(note))
    return out.getvalue() + after


def _applied(row: ApacheProcess) -> str:
    """Whether --config's names were applied to this parent's daemons, and why not."""
    if row.config_applied is None:
        return ""
    if row.config_applied:
        return "; --config's file: its daemons are named from it"
    if row.config is not None and row.config.config_file is None:
        return ("; --config's names are not applied to its daemons: which file it runs is "
                "not on its command line")
    return ("; not --config's file: its daemons are named by their titles, else #N "
            "(unnamed)")


_WORKER_CELL = {True: "(embedded)", False: "(no mod_wsgi)", None: "(mod_wsgi?)"}
"""A worker not express's: what its parent's configuration says it may run."""


def _group_cell(row: ApacheProcess) -> str:
    if row.role in (Role.PARENT, Role.ZOMBIE):
        return "-"
    if row.role is Role.WORKER:
        return HANDS_OFF if row.hands_off else _WORKER_CELL[row.wsgi_loaded]
    if row.process_group is not None:
        return row.process_group
    if row.title_hint:
        return row.title_hint
    return f"#{row.daemon_id} (unnamed)" if row.daemon_id is not None else "unknown"


def _footnotes(rows: Sequence[ApacheProcess]) -> list[str]:
    notes: list[str] = []
    if any(r.role is Role.DAEMON and r.process_group is None and not r.title_hint
           for r in rows):
        notes.append("#N (unnamed): the Nth WSGIDaemonProcess of its parent's configuration; "
                     "name it with 'probe ps --config FILE' (the file the parent runs) or "
                     "display-name=%{GROUP}.")
    if any(r.process_group is None and "(cut short)" in r.title_hint for r in rows):
        notes.append("… (cut short): mod_wsgi cuts a (wsgi:GROUP) title to the length of "
                     "httpd's own argv[0]; 'probe ps --config FILE' (the file the parent runs) "
                     "matches it to a group.")
    if any(r.process_group is None and r.title_hint.startswith("title '") for r in rows):
        notes.append("title 'X': the title a display-name=X gives; 'probe ps --config FILE' "
                     "(the file the parent runs) names its group.")
    if any(r.role is Role.CHILD for r in rows):
        notes.append("child: a worker or a wsgi daemon; its sockets cannot be read without "
                     "root, so which one is unknown.")
    if any(r.role is Role.ZOMBIE for r in rows):
        notes.append("zombie: an Apache process that has exited and that its parent (PPID) "
                     "has not reaped; it runs no configuration and serves nothing.")
    workers = [r for r in rows if r.role is Role.WORKER and not r.hands_off]
    if any(r.wsgi_loaded for r in workers):
        notes.append("(embedded): workers of a parent whose configuration loads mod_wsgi "
                     "(LoadModule wsgi_module): they serve requests and run embedded-mode WSGI "
                     "applications.")
    if any(r.wsgi_loaded is False for r in workers):
        notes.append("(no mod_wsgi): workers of a parent whose configuration (the file after "
                     "'runs' above, with what it includes) loads no mod_wsgi: they serve "
                     "requests (files, mod_proxy) and run no WSGI application.")
    if any(r.wsgi_loaded is None for r in workers):
        notes.append("(mod_wsgi?): workers of a parent whose configuration could not be read: "
                     "they run embedded-mode WSGI applications only if it loads mod_wsgi; "
                     "'apache2ctl -M' with its -f and -d (or -S) lists wsgi_module where it "
                     "does.")
    if any(r.hands_off for r in rows):
        notes.append(f"{HANDS_OFF}: workers of a mod_wsgi-express httpd (-DMOD_WSGI_... on "
                     "its command line, no -DEMBEDDED_MODE) take requests and hand them to its "
                     "wsgi daemon processes, which run the application; they run none.")
    return notes
