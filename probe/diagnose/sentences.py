"""How the words of a diagnosis are put together as sentences.

An explanation is built in steps: the answers' words first, then what a request sent to
decide or the configuration read adds. Each step appends whole sentences to text whose end it
did not write, so the joint is decided here, once:

* :func:`then` appends a sentence, ending the text before it with a full stop only where it
  has none (tester T36: "no wsgi-probe endpoint answered.. 3 of 3 requests failed", the
  refusal's own stop and the join's);
* :func:`without_sentence` takes out the sentence that starts with given words: a sentence
  ends at a stop followed by a space or the end of the text, never at the dot of a host or
  file name inside it (T36: "Sweep with --config PATH ... sends http://wsgi-emb.test:18361/
  ..." taken out up to "wsgi-emb." left "test:18361/ to wsgiapp's application named.").
"""

from __future__ import annotations

import re

_STOPS = (".", "!", "?")


def ended(text: str) -> str:
    """``text`` ending as a sentence: a full stop added where it has none ("" stays "")."""
    text = text.rstrip()
    return text if not text or text.endswith(_STOPS) else f"{text}."


def then(text: str, *sentences: str) -> str:
    """``text`` followed by each of ``sentences``, one space and one full stop between."""
    joined = text.rstrip()
    for sentence in (s.strip() for s in sentences):
        if sentence:
            joined = f"{ended(joined)} {sentence}" if joined else sentence
    return joined


def without_sentence(text: str, start: str) -> str:
    """``text`` without each sentence that begins with ``start`` (its words up to a stop
    followed by a space or the end), and the space before it."""
    pattern = re.compile(rf"\s*{re.escape(start)}.*?[.!?](?=\s|$)", re.DOTALL)
    return pattern.sub("", text).lstrip()
