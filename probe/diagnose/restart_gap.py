"""Failed requests framed by answers of two processes of one server: the server restarted
during the sweep, and the failures fell while it was down.

What decides it is in the answers only: the answer just before the first failure and the
one just after the last come from one socket (``server.listen``) of one machine, under two
masters (or two processes that are each their server, as waitress is), and the later one's
processes started after the earlier one's. No process is looked up: the sweep may have run
on another machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from probe.diagnose.code_drift import server_on
from probe.diagnose.fronts import listen, same_listen
from probe.endpoint_answer import EndpointAnswer
from probe.model import Sample


class Gap(NamedTuple):
    """The answers on either side of the failed requests."""
    before: EndpointAnswer
    after: EndpointAnswer

    def said(self) -> str:
        """One sentence, every value in it taken from the two answers."""
        old, new = server_on("", self.before), server_on("", self.after)
        return (f"The answers before the failures came from {old.pid_said} (started_at "
                f"{self.before.started_at}) and those after them from {new.pid_said} "
                f"(started_at {self.after.started_at}), both at server.listen "
                f"{listen(self.after)}: the server restarted during the sweep and the failed "
                f"requests fell while it was down.")


def restart_gap(samples: Sequence[Sample]) -> Gap | None:
    """The two answers that frame the failed requests of ``samples`` (in the order sent),
    when they show one server restarted in between; None otherwise."""
    failed = [i for i, s in enumerate(samples) if s.status_code is None]
    if not failed:
        return None
    before = next((a for s in reversed(samples[:failed[0]])
                   if (a := s.trusted_answer) is not None), None)
    after = next((a for s in samples[failed[-1] + 1:] if (a := s.trusted_answer) is not None),
                 None)
    if before is None or after is None:
        return None
    if before.hostname != after.hostname or not same_listen(listen(before), listen(after)):
        return None
    if server_on("", before) == server_on("", after):
        return None  # the same master: its workers failed, it did not restart
    if before.started is None or after.started is None or after.started <= before.started:
        return None
    return Gap(before, after)
