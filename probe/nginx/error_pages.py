"""``error_page`` (ngx_http_core_module) as the route needs it: where nginx sends a request
whose answer is one of the codes listed, with the ``file:line`` of each line.

* ``error_page 404 = @django;``: a location that serves files (no ``*_pass``) answers 404
  when the file is missing, and nginx goes on in the named location (the pre-``try_files``
  way to hand a Django site's paths to the application); ``error_page 404 /x;`` to a URI;
* ``error_page 502 503 = @fallback;`` on a location that passes: nginx's own 502/503/504
  (nothing listens, the group is down) go to the fallback; what answered then is the
  fallback's application, which only the answer shows (:class:`probe.front.Fallback`).

The lines are inherited from the level above only by a level that has none of its own
(nginx's rule for ``error_page``).
"""

from __future__ import annotations

from dataclasses import dataclass

from probe.nginx.text import Directive

GATEWAY = frozenset({500, 502, 503, 504})  # nginx's own when a hand-over fails


@dataclass(frozen=True)
class ErrorPage:
    codes: tuple[int, ...]
    target: str  # "@django", "/50x.html"
    where: str
    answer: str | None = None  # "=" (the target's own code), "=200", None: the error's code

    def written(self) -> str:
        codes = " ".join(str(c) for c in self.codes)
        return f"error_page {codes}{' ' + self.answer if self.answer else ''} {self.target}"


def read_error_pages(block: Directive, inherited: tuple[ErrorPage, ...]) -> tuple[ErrorPage, ...]:
    own: list[ErrorPage] = []
    for d in block.children("error_page"):
        codes = tuple(int(a) for a in d.args[:-1] if a.isdigit())
        answer = next((a for a in d.args[:-1] if a.startswith("=")), None)
        if codes and len(d.args) > 1:
            own.append(ErrorPage(codes, d.args[-1], d.where, answer))
    return tuple(own) or inherited


def for_code(pages: tuple[ErrorPage, ...], code: int) -> ErrorPage | None:
    return next((p for p in pages if code in p.codes), None)


def on_failure(pages: tuple[ErrorPage, ...]) -> list[ErrorPage]:
    """The lines that take a request whose hand-over fails (nginx's own 5xx)."""
    return [p for p in pages if GATEWAY & set(p.codes)]
