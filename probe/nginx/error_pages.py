"""``error_page`` (ngx_http_core_module) as the route needs it: where nginx sends a request
whose answer is one of the codes listed, with the ``file:line`` of each line.

* ``error_page 404 = @django;``: a location that serves files (no ``*_pass``) answers 404
  when the file is missing, and nginx goes on in the named location (the pre-``try_files``
  way to hand a Django site's paths to the application); ``error_page 404 /x;`` to a URI;
* ``error_page 502 503 = @fallback;`` on a location that passes: nginx's own 502/503/504
  (nothing listens, the group is down) go to the fallback; what answered then is the
  fallback's application, which only the answer shows (:class:`probe.front.Fallback`);
* the target is a named location (the request goes on unchanged, its method kept), a URI
  (an internal redirect: the locations are searched again with it, the method becomes GET)
  or a URL (``http://...``: nginx answers a redirect, 302 unless ``=301``...);
* ``proxy_intercept_errors on;`` (``uwsgi_``, ``fastcgi_``, ``scgi_``, ``grpc_``, each for
  its own ``*_pass``): an application's OWN answer with a status of 300 or more that has an
  ``error_page`` in force goes there too; without it (nginx's default) only nginx's own
  errors do, and the application's status reaches the client as it sent it.

The lines are inherited from the level above only by a level that has none of its own
(nginx's rule for ``error_page``); an ``*_intercept_errors`` line by any level that does
not set that one itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from probe.nginx.text import Directive

GATEWAY = frozenset({500, 502, 503, 504})  # nginx's own when a hand-over fails
# the pass each *_intercept_errors line is for (ngx_http_*_module)
INTERCEPTS = {"proxy_pass": "proxy_intercept_errors", "uwsgi_pass": "uwsgi_intercept_errors",
              "fastcgi_pass": "fastcgi_intercept_errors", "scgi_pass": "scgi_intercept_errors",
              "grpc_pass": "grpc_intercept_errors"}
_REDIRECTS = ("http://", "https://", "$scheme")


@dataclass(frozen=True)
class ErrorPage:
    codes: tuple[int, ...]
    target: str  # "@django", "/50x.html"
    where: str
    answer: str | None = None  # "=" (the target's own code), "=200", None: the error's code

    def written(self) -> str:
        codes = " ".join(str(c) for c in self.codes)
        return f"error_page {codes}{' ' + self.answer if self.answer else ''} {self.target}"

    @property
    def redirect(self) -> bool:
        """A URL: nginx answers a redirect to it, no location takes the request."""
        return self.target.startswith(_REDIRECTS)

    def status(self, code: int) -> str:
        """What the client gets for an error ``code`` sent here, in words."""
        if self.redirect:
            wanted = self.answer[1:] if self.answer else ""
            # nginx keeps =301/302/303/307/308 for a URL, else answers 302
            return f"{wanted if wanted in ('301', '302', '303', '307', '308') else '302'} " \
                   f"to {self.target}"
        if self.answer == "=":
            return "the status the target answers"
        return self.answer[1:] if self.answer else str(code)


def read_error_pages(block: Directive, inherited: tuple[ErrorPage, ...]) -> tuple[ErrorPage, ...]:
    own: list[ErrorPage] = []
    for d in block.children("error_page"):
        codes = tuple(int(a) for a in d.args[:-1] if a.isdigit())
        answer = next((a for a in d.args[:-1] if a.startswith("=")), None)
        if codes and len(d.args) > 1:
            own.append(ErrorPage(codes, d.args[-1], d.where, answer))
    return tuple(own) or inherited


def read_intercepts(block: Directive, inherited: tuple[Directive, ...]) -> tuple[Directive, ...]:
    """The ``*_intercept_errors`` lines in force at ``block``: its own, else the outer
    level's, one per directive (the last one of a level wins, as nginx reads it)."""
    own = {d.name: d for d in block.block or () if d.name in INTERCEPTS.values() and d.args}
    kept = tuple(d for d in inherited if d.name not in own)
    return kept + tuple(own.values())


def intercepting(intercepts: tuple[Directive, ...], passing: str | None) -> Directive | None:
    """The ``*_intercept_errors on`` line for the location's hand-over, if any."""
    name = INTERCEPTS.get(passing or "")
    line = next((d for d in intercepts if d.name == name), None)
    return line if line is not None and line.args[0] == "on" else None


def for_code(pages: tuple[ErrorPage, ...], code: int) -> ErrorPage | None:
    return next((p for p in pages if code in p.codes), None)


def on_failure(pages: tuple[ErrorPage, ...]) -> list[ErrorPage]:
    """The lines that take a request whose hand-over fails (nginx's own 5xx)."""
    return [p for p in pages if GATEWAY & set(p.codes)]


def intercepted(pages: tuple[ErrorPage, ...]) -> list[ErrorPage]:
    """The lines that take an application's own answer, when its hand-over intercepts
    errors: nginx intercepts a status of 300 or more that an error_page lists."""
    return [p for p in pages if any(c >= 300 for c in p.codes)]


Errors = tuple[tuple[ErrorPage, ...], tuple[Directive, ...]]  # error_page, *_intercept_errors


def read_errors(block: Directive, inherited: Errors) -> Errors:
    """A level's error_page and *_intercept_errors lines in force, after inheritance."""
    return read_error_pages(block, inherited[0]), read_intercepts(block, inherited[1])
