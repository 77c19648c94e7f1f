"""mod_wsgi-express backends of one URL, each told apart by the address it names its daemon
group after (its ``process_group``, ``HOST:PORT``, :func:`probe.diagnose.fronts.express_address`):

* :func:`express_way`: the ``--mount-point`` fix naming every member the answers came from
  (and its ``BalancerMember`` line where the configuration read gives it), not the last
  answer's only: a balancer's members are each started on their own;
* :func:`disagreement`: the members answer different mounts (``--mount-point`` given to one
  of them only): which member answered what (observed), and the others that need the same
  option.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from probe.diagnose.answer_names import joined
from probe.diagnose.fronts import EXPRESS_NAMING, express_address, same_listen
from probe.endpoint_answer import EndpointAnswer
from probe.model import Evidence, EvidenceKind
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.front import Member


@dataclass(frozen=True)
class ExpressMember:
    """One mod_wsgi-express server among a URL's answers, and its line when configured."""

    address: str
    answer: EndpointAnswer
    member: Member | None
    configured: bool = False  # a configuration was read and decides the URL's route
    directive: str = "BalancerMember"  # what writes a member: nginx's upstream ``server``

    @property
    def line(self) -> str:
        """`` (BalancerMember at site.conf:6)``, where the configuration read writes it."""
        return (f" ({self.directive} at {self.member.source})"
                if self.member is not None and self.member.source is not None else "")

    @property
    def said(self) -> str:
        """``127.0.0.1:5 (BalancerMember at site.conf:6)``, the line only where read."""
        return f"{self.address}{self.line}"

    @property
    def named(self) -> str:
        """The member as a fix names it: by its BalancerMember line where the configuration
        read writes one for its address; else plainly where it was observed, and with a
        configuration read, that no line of it names that address (a re-tester's fix named
        the member to restart by its address only, its line a sentence later)."""
        if self.line:
            return f"the mod_wsgi-express at {self.said}"
        unread = (f"; no {self.directive} line of the configuration given names that address"
                  if self.configured else "")
        return (f"the mod_wsgi-express observed at {self.address} (its process_group "
                f"{quoted(self.answer.process_group)}{unread})")

    @property
    def seen(self) -> str:
        return (f"request.script_name {quoted(self.answer.script_name)}, request.path_info "
                f"{quoted(self.answer.path_info)}")


def express_members(answers: Sequence[EndpointAnswer], members: Sequence[Member] = (),
                    *, configured: bool = False,
                    directive: str = "BalancerMember") -> list[ExpressMember]:
    """One per mod_wsgi-express address among ``answers``, in the order first seen, each
    with the one configured member at that address (none where several match it);
    ``configured``: the members are those of a configuration read (none may match)."""
    found: dict[str, ExpressMember] = {}
    for answer in answers:
        address = express_address(answer)
        if address is None or address in found:
            continue
        lines = [m for m in members if same_listen(m.address, address)]
        found[address] = ExpressMember(address, answer, lines[0] if len(lines) == 1 else None,
                                       configured, directive)
    return list(found.values())


def _groups(each: Sequence[ExpressMember]) -> str:
    names = joined([repr(m.answer.process_group) for m in each])
    return f"process_group {names}: {EXPRESS_NAMING}"


def express_way(answers: Sequence[EndpointAnswer], mount: str,
                members: Sequence[Member] = ()) -> str:
    """mod_wsgi-express's option for its mount, naming every mod_wsgi-express server the
    answers came from; empty where none is."""
    each = express_members(answers, members)
    if not each:
        return ""
    if len(each) == 1:
        at = f" at {each[0].said}" if each[0].line else ""
        return (f"mod_wsgi-express{at} ({_groups(each)}) started with '--mount-point {mount}', "
                f"which mounts the application at {mount} (SCRIPT_NAME {mount}, the rest of "
                f"the path PATH_INFO)")
    return (f"each mod_wsgi-express the answers came from, at {joined([m.said for m in each])} "
            f"({_groups(each)}), started with '--mount-point {mount}', which mounts the "
            f"application at {mount} (SCRIPT_NAME {mount}, the rest of the path PATH_INFO)")


@dataclass(frozen=True)
class Disagreement:
    """Members that answer this URL at its mount and members that do not."""

    right: list[ExpressMember]
    wrong: list[ExpressMember]
    mount: str

    @property
    def explanation(self) -> str:
        return (f"the mod_wsgi-express members behind the proxy disagree on the mount: "
                f"{'; '.join(f'{m.address} answered {m.seen}' for m in self.right)} "
                f"(this URL's mount {self.mount}), while "
                f"{'; '.join(f'{m.address} answered {m.seen}' for m in self.wrong)}: "
                f"{joined([m.address for m in self.wrong])} "
                f"{'believes' if len(self.wrong) == 1 else 'believe'} the application is "
                f"mounted elsewhere, so the requests the balancer sends there break "
                f"(pages 404 or links outside {self.mount}/) and the others do not "
                f"({_groups([*self.right, *self.wrong])})")

    @property
    def fix(self) -> str:
        # every member the answers came from named, each by its line where one was read
        wrong = joined([m.named for m in self.wrong])
        right = joined([m.named for m in self.right])
        unread = not any(m.configured for m in (*self.right, *self.wrong))
        ask = (f" probe sweep --config names each one's {self.wrong[0].directive} line."
               if unread and len(self.right) + len(self.wrong) > 1 else "")
        return (f"Start {wrong} with '--mount-point {self.mount}' too, as "
                f"{right} already answer{'' if len(self.right) > 1 else 's'} "
                f"(request.script_name {self.mount!r}): every member of the balancer needs "
                f"the same option, each started on its own.{ask}")

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(Evidence(EvidenceKind.OBSERVED, f"request.script_name = "
                              f"{quoted(m.answer.script_name)}, request.path_info = "
                              f"{quoted(m.answer.path_info)}", f"process_group {m.address}")
                     for m in (*self.right, *self.wrong))


def disagreement(answers: Sequence[EndpointAnswer], mount: str, sent: str,
                 members: Sequence[Member] = (), *, configured: bool = False,
                 directive: str = "BalancerMember") -> Disagreement | None:
    """Where some mod_wsgi-express members answer the path ``sent`` at ``mount``
    (SCRIPT_NAME the mount, the rest PATH_INFO) and others do not; None otherwise."""
    each = express_members(answers, members, configured=configured, directive=directive)
    if len(each) < 2:
        return None
    right = [m for m in each if m.answer.script_name == mount
             and (m.answer.script_name or "") + (m.answer.path_info or "") == sent]
    wrong = [m for m in each if m not in right]
    if not right or not wrong:
        return None
    return Disagreement(right, wrong, mount)


def split_members(answers: Sequence[EndpointAnswer], sent: str,
                  members: Sequence[Member] = ()) -> Disagreement | None:
    """:func:`disagreement` at the mount some members answered ``sent`` at (their
    SCRIPT_NAME, the rest of ``sent`` their PATH_INFO), with the members of the
    configuration read; None where no member answered at a mount, or all did."""
    mounts = dict.fromkeys(a.script_name for a in answers if a.script_name
                           and a.script_name + (a.path_info or "") == sent)
    return next((found for mount in mounts if mount is not None and (
        found := disagreement(answers, mount, sent, members, configured=True))), None)
