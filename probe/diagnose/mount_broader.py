"""``mount_mismatch``'s nginx fix where the location that passes the URL is broader than the
mount: ``location /api`` (or ``/api/``) for an application mounted at ``/api/v1``.

A URI part in that location's proxy_pass replaces what the location matched, ``/api``, not
the mount: a tester's Taiga (script_name ``/api/v1`` declared, docs/manifest.md) was told to
write ``location /api/`` with proxy_pass's URI part '/' and X-Forwarded-Prefix /api/v1; the
application then received ``/v1/...`` and the next sweep asked for FORCE_SCRIPT_NAME "/api",
against the declaration. The fix is a location of the mount's own (nginx takes the longest
matching prefix, so the other paths of the broad one stay where they go), the prefix
stripped there exactly and told in a header; or, with gunicorn, the whole path kept and
SCRIPT_NAME told in gunicorn's header. The broad location is named with its line and left
as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from probe.diagnose.answer_names import server_kind
from probe.diagnose.mount_told import PLACED, shows_django
from probe.endpoint_answer import EndpointAnswer

if TYPE_CHECKING:
    from probe.front import PredictedRoute


def _broad(route: PredictedRoute | None, mount: str) -> tuple[str, str] | None:
    """The location (as written) and its line, where it is a prefix location that matches
    more than ``mount``: its prefix, without its slash, is a shorter path above it."""
    step = route.step("mapping") if route is not None and route.undecided is None else None
    if step is None or step.source is None or not step.decision.startswith("location "):
        return None
    words = step.decision.split()
    if len(words) == 3 and words[1] != "^~":
        return None  # a regular expression, or '=' (matches one path only)
    prefix = words[-1].rstrip("/")
    if not mount.startswith(prefix + "/"):
        return None
    return step.decision, str(step.source)


def _upstream(route: PredictedRoute) -> tuple[str, str] | None:
    """The proxy_pass address without any URI part (scheme and target) and its line."""
    step = route.step("upstream")
    if step is None or step.source is None or not step.rule.startswith("proxy_pass "):
        return None
    written = step.rule.split()[1]
    if "$" in written:
        return None  # decided at request time: no address to write
    # not probe.nginx.model's parser: an ok check imports no nginx module (test_startup)
    scheme, sep, rest = written.partition("://")
    target = ("unix:" + rest[len("unix:"):].partition(":")[0] if rest.startswith("unix:")
              else rest.partition("/")[0])
    return (f"{scheme}://{target}" if sep else written), str(step.source)


def broader_fix(mount: str, route: PredictedRoute | None, answer: EndpointAnswer | None,
                django: str, shared: str) -> str | None:
    """The fix where the configured location is broader than ``mount``; None otherwise.
    ``django``: how Django is told the mount from the header; ``shared``: why
    FORCE_SCRIPT_NAME is not the fix, said last."""
    broad = _broad(route, mount)
    if broad is None or route is None:
        return None
    location, line = broad
    prefix = location.split()[-1].rstrip("/")
    found = _upstream(route)
    address, at = found if found is not None else ("<its proxy_pass address>", line)
    unix = address.split("://")[-1].startswith("unix:")
    stripping = f"{address}:/" if unix else f"{address}/"
    rest = mount[len(prefix):]
    step = route.step("mount")
    # the path nginx passes now: taken off by a URI part or a rewrite, or whole
    now = step is not None and step.source is not None and (
        step.rule.startswith("proxy_pass with a URI part") or " makes the path " in step.rule)
    does = (f"there {step.rule} ({step.source}): that takes off {prefix}, not {mount}, so "
            f"the application receives {rest}/... in PATH_INFO" if now and step is not None else
            f"a prefix stripped there with a URI part '/' in its proxy_pass ({at}) is "
            f"{prefix}, not {mount}, and the application would receive {rest}/... in "
            f"PATH_INFO")
    said = (f"The nginx '{location}' ({line}) is broader than the mount {mount}: {does}. "
            f"Leave it for the other paths it serves and give the mount a location of its "
            f"own, which nginx chooses for {mount}/... (the longest matching prefix).")
    block = (f"'location {mount}/ {{ proxy_pass {stripping}; proxy_set_header "
             f"X-Forwarded-Prefix {mount}; }}'")
    copied = (f" (the proxy_set_header lines of '{location}' copied into it: one location "
              f"does not take another's)")
    fix = (f"{said} Strip the prefix there exactly and tell it: add {block}{copied}, and "
           f"{django}. {PLACED}")
    if answer is not None and server_kind(answer) == "gunicorn" and not shared:
        bare = " without Django settings" if shows_django(answer) else ""
        fix += (f" Or, with gunicorn (server.software), keep the whole path and tell "
                f"SCRIPT_NAME: 'location {mount}/ {{ proxy_pass {address}; proxy_set_header "
                f"SCRIPT_NAME {mount}; }}' (proxy_pass without URI part, the same lines "
                f"copied) does it{bare}.")
    return fix + shared
