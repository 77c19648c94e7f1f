"""Whether httpd accepts a closing section tag (``</Location>``), in its own words.

httpd judges a closing tag in three ways, depending on how the section around it is read
(server/config.c, checked with ``apache2 -t`` on httpd 2.4):

* an ordinary section (``<VirtualHost>``, ``<Location>``, ...): the first word of the line
  must end with ``>`` ("</Location> directive missing closing '>'", so ``</Location >`` is
  refused), one ``>`` is dropped and the rest must name the open section, compared without
  regard to case ("Expected </Location> but saw </Location>>"); words after the tag are
  ignored;
* a conditional section httpd is reading (``<IfModule>`` whose module is loaded, ...): the
  whole line must be ``</IfModule>`` (any case); anything else, trailing words included, is
  a closing tag with no open section ("</IfModule> without matching <IfModule> section");
* a section httpd skips (a conditional that does not hold, and every section inside it):
  the last character of the first word is dropped, whatever it is, and the rest must name
  the section ("Expected </IfModule> but saw </IfModul>" for ``</IfModule >``).

mod_macro reads a ``<Macro>`` body as text and only warns about its nesting.
"""

from __future__ import annotations

from enum import Enum

from probe.apache.config_text import split_args


class Reading(Enum):
    """How httpd reads the section a closing tag may close."""

    TOP = "top"  # no section is open in this file
    SECTION = "section"
    CONDITIONAL = "conditional"
    SKIPPED = "skipped"
    MACRO = "macro"


def is_close_tag(line: str) -> bool:
    """Whether httpd takes a (logical, stripped) line for a closing tag: its first word,
    quotes removed as ``ap_getword_conf`` removes them, starts with ``</``."""
    if line.startswith("</"):
        return True
    return line.startswith(('"', "'")) and first_word(line).startswith("</")


def first_word(line: str) -> str:
    words = split_args(line)
    return words[0] if words else ""


def close_error(line: str, open_name: str, reading: Reading) -> str | None:
    """httpd's message refusing this closing tag of the section ``open_name`` (as httpd
    reads it), or None when httpd accepts it."""
    word = first_word(line)
    if reading is Reading.MACRO:
        return None
    if reading is Reading.TOP or (reading is Reading.CONDITIONAL
                                  and line[2:].lower() != f"{open_name}>".lower()):
        return f"{word} without matching <{word[2:]} section"
    if reading is Reading.CONDITIONAL:
        return None
    if reading is Reading.SKIPPED:
        given = word[2:-1]
        return (None if given.lower() == open_name.lower()
                else f"Expected </{open_name}> but saw </{given}>")
    if not word.endswith(">"):
        return f"{word}> directive missing closing '>'"
    if word[2:-1].lower() != open_name.lower():
        return f"Expected </{open_name}> but saw {word}"
    return None
