"""Each answer of a URL named by what it says of itself, and which of a URL's answers show a
problem.

Behind a balancer the samples of one URL come from several backends, and the address probed
is the balancer's: so an answer is named by its own fields, its ``pid`` and where it runs,
``server.listen`` (where its application server listens: the backend's address), else
``server.hostname``. A URL is judged on every answer that served it (a verdict from the last
one only flipped from run to run behind a round-robin balancer); these helpers say how many
of the samples showed the problem and which ones.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

from probe.diagnose.fronts import express_address, listen, mod_wsgi, software
from probe.diagnose.uwsgi_seen import uwsgi_seen
from probe.endpoint_answer import EndpointAnswer

K = TypeVar("K", bound=Hashable)


def place(answer: EndpointAnswer) -> str:
    """``pid 7 at server.listen 127.0.0.5:27001``, else a mod_wsgi-express daemon group's
    ``pid 7 at process_group '127.0.0.5:27001' (...)``, else ``pid 7 on host web-2``, else
    ``pid 7``: a re-tester's express member was named by its host alone, the same as the
    other members on that machine."""
    pid = f"pid {answer.pid}" if answer.pid is not None else "pid unknown"
    return f"{pid} {at}" if (at := _at(answer)) else \
        f"{pid} on host {answer.hostname}" if answer.hostname else pid


def where(answer: EndpointAnswer) -> str:
    """``server.listen 127.0.0.5:27001``, else an express daemon group's ``HOST:PORT``, else
    ``host web-2``, else empty."""
    at = _at(answer)
    if at:
        return at.removeprefix("at ")
    return f"host {answer.hostname}" if answer.hostname else ""


def _at(answer: EndpointAnswer) -> str | None:
    at = listen(answer)
    if at:
        return f"at server.listen {at}"
    group = express_address(answer)
    # the field as read, and why it is an address (EXPRESS_NAMING, said once elsewhere)
    return f"at process_group {group!r} (mod_wsgi-express's HOST:PORT)" if group else None


def places(answers: Iterable[EndpointAnswer]) -> str:
    """The distinct places of ``answers``, in the order first seen."""
    return joined(list(dict.fromkeys(place(a) for a in answers)))


def joined(items: Sequence[str]) -> str:
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def share(some: Sequence[EndpointAnswer], total: int) -> str:
    """``1 of 3 samples (pid 7 (server.listen ...))``; ``the sample (...)`` for one of one;
    ``all 3 samples (...)``."""
    named = places(some)
    if total == 1:
        return f"the sample ({named})"
    count = f"all {total} samples" if len(some) == total else f"{len(some)} of {total} samples"
    return f"{count} ({named})"


def distinct_by(answers: Sequence[EndpointAnswer],
                key: Callable[[EndpointAnswer], K]) -> dict[K, list[EndpointAnswer]]:
    """The answers grouped by ``key``, in the order first seen: what a judgement reads is
    worked out once per distinct value, not once per sample."""
    if len(answers) == 1:  # most URLs of a large sweep: one sample, or one kept per answer
        return {key(answers[0]): list(answers)}
    groups: dict[K, list[EndpointAnswer]] = {}
    for answer in answers:
        groups.setdefault(key(answer), []).append(answer)
    return groups


def groups_of(answers: Sequence[EndpointAnswer],
              key: Callable[[EndpointAnswer], K]) -> list[list[EndpointAnswer]]:
    """The groups of :func:`distinct_by` where their keys are not needed: one answer is one
    group without working out its key (most URLs of a large sweep)."""
    if len(answers) == 1:
        return [list(answers)]
    return list(distinct_by(answers, key).values())


def server_kind(answer: EndpointAnswer) -> str | None:
    """Which application server answered, from its answer: ``mod_wsgi``, ``gunicorn``,
    ``uwsgi``, ``waitress``, or None when the answer does not say one this tool knows."""
    if mod_wsgi(answer):
        return "mod_wsgi"
    if uwsgi_seen(answer) is not None:  # its software may be the front's (mod_proxy_uwsgi)
        return "uwsgi"
    seen = (software(answer) or "").lower()
    return next((kind for kind in ("gunicorn", "waitress") if seen.startswith(kind)), None)


def fields_seen(*fields: tuple[str, object]) -> str | None:
    """``name = value`` of each field the answer gives; None when it gives none. A field that
    is None is one the answer does not have (gunicorn's and uWSGI's application_group,
    process_group): it shows nothing, so it is no observed support for a claim."""
    return ", ".join(f"{name} = {value!r}" for name, value in fields if value is not None) \
        or None
