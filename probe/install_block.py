"""The block ``probe endpoint --install`` appends to a WSGI script, and finding it again.

The block is delimited by marker comments. Only real comment lines count: the script is
tokenized, so the same text inside a docstring or a string is not taken for a block. The
script is handled as bytes in any line ending (``\\n``, ``\\r\\n``, ``\\r`` or a mix): the
block uses the script's first line ending and what it added is taken away again exactly.
Its code is Python 2/3 syntax on purpose: it must compile wherever the script does, to be
able to say that the endpoint cannot run there.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

BEGIN = "# >>> wsgi-probe endpoint >>>"
END = "# <<< wsgi-probe endpoint <<<"
# Said on the begin line when the script did not end with a newline and one was added, so
# that --uninstall can take it away again.
NO_EOL = " (newline added at the end of the script)"
# Blank lines before the block, as PEP 8 wants before a top-level def.
BLANK_LINES = 2

_BLOCK = '''\
{begin} added by `probe endpoint --install`; `--uninstall` removes it
def _wsgi_probe_endpoint(namespace):
    # Loads wsgi_endpoint.py from beside this file by path (no sys.path change) and wraps
    # application with it. On any failure application stays as it was: one line on stderr.
    import sys
    try:
        if sys.version_info < (3, 9):
            raise RuntimeError("Python %d.%d, it needs 3.9 or newer" % sys.version_info[:2])
        import importlib.util
        import os
        application = namespace["application"]
        here = os.path.dirname(os.path.abspath(namespace["__file__"]))
        path = os.path.join(here, "wsgi_endpoint.py")
        spec = importlib.util.spec_from_file_location("wsgi_endpoint", path)
        wsgi_endpoint = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(wsgi_endpoint)
        namespace["application"] = wsgi_endpoint.wrap(application, label={label}{token})
    except (Exception, SystemExit) as exc:
        try:
            why = ("%s: %s" % (exc.__class__.__name__, exc)).replace("\\n", " ")[:300]
            sys.stderr.write("wsgi-probe: the probe endpoint is not loaded in %s, the "
                             "application runs without it: %s\\n"
                             % (namespace.get("__file__"), why))
        except Exception:
            pass


_wsgi_probe_endpoint(globals())
del _wsgi_probe_endpoint
{end}
'''

_LINE_END = re.compile(rb"\r\n|\r|\n")
_VARYING = (BEGIN, '        namespace["application"] = wsgi_endpoint.wrap(application, label=')
"""The starts of the block's lines that vary (the begin line, the label and token)."""
_TEMPLATE_LINES = frozenset(
    line.replace("{{", "{").replace("}}", "}") for line in _BLOCK.splitlines()
    if "{" not in line.replace("{{", "").replace("}}", "")) | {END}


class BlockError(ValueError):
    """The script's block cannot be found safely; the message says why (no path)."""

    def __init__(self, message: str, *, unreadable: bool = False) -> None:
        super().__init__(message)
        self.unreadable = unreadable  # not Python at all (rather than a broken block)


@dataclass(frozen=True)
class Found:
    """A script with an installed block: ``before + added + after`` is the script."""

    before: bytes  # the script as it was before the install
    added: bytes  # the block and the line endings the install put before it
    after: bytes  # what was written after the block since
    newline: bytes  # the block's line ending
    added_eol: bool  # the install ended the script's last line

    def foreign_lines(self) -> list[str]:
        """Lines inside the block that no install of this version writes (edited in by
        hand since, or an older version's): what an uninstall takes away with the block."""
        known = _TEMPLATE_LINES
        found = []
        for raw in _LINE_END.split(self.added):
            line = raw.decode("utf-8", "replace")
            if line.strip() and line not in known and not line.startswith(_VARYING):
                found.append(line)
        return found

    @property
    def original(self) -> bytes:
        """The script without the block (its added newline kept if code follows it)."""
        glue = self.newline if self.added_eol and self.after else b""
        return self.before + glue + self.after


def render_block(label: str | None, newline: bytes = b"\n", *, added_eol: bool = False,
                 token_file: str | None = None) -> bytes:
    """The block; ``token_file`` is a Python expression (a literal, or one using ``here``)."""
    # ascii(): a label with any characters becomes a literal valid in every encoding.
    text = _BLOCK.format(begin=BEGIN + (NO_EOL if added_eol else ""), end=END,
                         label="None" if label is None else ascii(label),
                         token="" if token_file is None else f", token_file={token_file}")
    return text.encode("ascii").replace(b"\n", newline)


def first_newline(data: bytes) -> bytes:
    """The script's first line ending; ``\\n`` for a script of one line."""
    match = _LINE_END.search(data)
    return match.group() if match else b"\n"


def with_block(before: bytes, after: bytes, block: bytes, newline: bytes) -> bytes:
    """``before`` + the block (``render_block(..., added_eol=...)``) + ``after``."""
    return before + (newline if ends_open(before) else b"") + newline * BLANK_LINES + block + after


def ends_open(before: bytes) -> bool:
    """Whether the script's last line has no line ending (the install adds one)."""
    return bool(before) and not before.endswith((b"\r", b"\n"))


_LAST_EOL = re.compile(rb"(?:\r\n|\r|\n)\Z")
_EOL_END = (b"\r", b"\n")


def _ends_blank_line(data: bytes) -> bool:
    """Whether ``data`` ends with a blank line's line ending (after another, or alone)."""
    last = _LAST_EOL.search(data)  # \r\n is one line ending, not \r then \n
    return last is not None and (last.start() == 0 or data[last.start() - 1] in b"\r\n")


def find(data: bytes) -> Found | None:
    """The installed block of ``data``; None when there is none. Raises BlockError."""
    begins, ends = _marker_rows(data)
    if not begins:
        return None
    if len(begins) > 1:
        raise BlockError(f"has {len(begins)} '{BEGIN}' lines; remove all but one by hand")
    begin = begins[0]
    end = next((row for row in ends if row > begin), None)
    if end is None:
        raise BlockError(f"has the '{BEGIN}' line but no '{END}' line after it; "
                         f"remove what is left of the block by hand")
    starts = [0] + [match.end() for match in _LINE_END.finditer(data)]
    start = starts[begin - 1]
    stop = starts[end] if end < len(starts) else len(data)
    newline = first_newline(data[start:]) if begin < len(starts) else b"\n"
    added_eol = NO_EOL.encode() in data[start:starts[begin] if begin < len(starts) else stop]
    before = data[:start]
    # The install wrote the script's last line ending (when it had none, ``added_eol``), then
    # BLANK_LINES blank lines, in the block's line ending.
    count = BLANK_LINES + (1 if added_eol else 0)
    rest = before[:len(before) - len(newline) * count]
    if before.endswith(newline * count) and (added_eol or not rest or rest.endswith(_EOL_END)):
        before = rest  # as written (the script's own last line ending may be another kind)
    else:
        # Edited since: only blank lines are taken back, as many as are left, and the
        # script's last line keeps its line ending, or code written after the block would
        # be joined to that line.
        for _ in range(BLANK_LINES):
            if not _ends_blank_line(before):
                break
            before = _LAST_EOL.sub(b"", before)
        if added_eol:  # the install ended the script's last line: not the script's own
            before = _LAST_EOL.sub(b"", before)
    return Found(before, data[len(before):stop], data[stop:], newline, added_eol)


def _marker_rows(data: bytes) -> tuple[list[int], list[int]]:
    """Rows (1-based) of the begin and end marker comments that start a line."""
    # tokenize splits lines on \n only; the compiler also on \r\n and \r: same rows after this.
    normal = _LINE_END.sub(b"\n", data)
    begins: list[int] = []
    ends: list[int] = []
    try:
        for token in tokenize.tokenize(io.BytesIO(normal).readline):
            if token.type != tokenize.COMMENT or token.start[1] != 0:
                continue
            if token.string.startswith(BEGIN):
                begins.append(token.start[0])
            elif token.string.startswith(END):
                ends.append(token.start[0])
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError, LookupError) as exc:
        raise BlockError(f"is not Python this tool can read ({exc.__class__.__name__})",
                         unreadable=True) from None
    return begins, ends
