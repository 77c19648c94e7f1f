"""``mount_mismatch`` behind nginx where the application already forces its mount: the
fault is the prefix arriving, not a setting to add.

Django's ``FORCE_SCRIPT_NAME`` (the endpoint's ``request.force_script_name``) equal to the
mount makes Django build its links inside it, but it does not take the prefix off the path:
Django resolves PATH_INFO as it arrives. An application that received the whole path
(SCRIPT_NAME '', PATH_INFO starting with the mount) with that setting resolves
``/app2/...`` against patterns written for ``/...``, and its pages 404. A re-tester (R28 m4
after its fix, m5 after the location was added) was told "in Django set FORCE_SCRIPT_NAME =
"/app2"" beside the observed ``request.force_script_name = '/app2'``; what made every URL ok
was the location's proxy_pass URI part '/' (nginx puts it in place of the location's prefix).
So the words quote the field, keep the setting, and name the line that passes the prefix on:
its URI part (a ``rewrite`` in a regular expression location), or the server's own way with
the whole path kept (gunicorn's SCRIPT_NAME header, waitress's ``--url-prefix``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from probe.diagnose.mount_told import request_field
from probe.diagnose.pass_keep import split_written
from probe.endpoint_answer import EndpointAnswer
from probe.model import Evidence, EvidenceKind
from probe.nginx_snippets import strip_prefix
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.front import PredictedRoute


def forces(answer: EndpointAnswer | None, mount: str) -> bool:
    """FORCE_SCRIPT_NAME observed equal to ``mount`` and the whole path arrived (SCRIPT_NAME
    '', PATH_INFO under the mount): the setting is in place, the prefix is what is wrong."""
    if answer is None or not mount or mount == "/":
        return False
    value = request_field(answer, "force_script_name")[1]
    return value is not None and value.rstrip("/") == mount and not answer.script_name \
        and (answer.path_info or "").startswith(mount + "/")


def forced_evidence(answer: EndpointAnswer | None, mount: str,
                    url: str) -> tuple[Evidence, ...]:
    """The field that shows the setting in place, where :func:`forces` holds."""
    if answer is None or not forces(answer, mount):
        return ()
    value = request_field(answer, "force_script_name")[1]
    return (Evidence(EvidenceKind.OBSERVED, f"request.force_script_name = {value!r}",
                     f"GET {url}"),)


def _new_line(route: PredictedRoute | None) -> tuple[str, str] | None:
    """The location's proxy_pass as written, and the same line with the URI part '/': only
    where it has none (a URI part already there is another mapping, not this one)."""
    step = route.step("upstream") if route is not None and route.undecided is None else None
    words = step.rule.split() if step is not None else []
    if step is None or step.source is None or len(words) < 2 or words[0] != "proxy_pass":
        return None
    parts = split_written(words[1].rstrip(";"))
    if parts is None or parts[2]:
        return None
    scheme, address, _ = parts
    joined = f"{address}:" if address.startswith("unix:") else address
    return f"proxy_pass {words[1].rstrip(';')};", f"proxy_pass {scheme}://{joined}/;"


def _location(route: PredictedRoute | None) -> list[str]:
    step = route.step("mapping") if route is not None and route.undecided is None else None
    if step is None or not step.decision.startswith("location "):
        return []
    return step.decision.split()


def forced_fix(mount: str, route: PredictedRoute | None, answer: EndpointAnswer | None,
               where: str, server_way: str) -> str | None:
    """The fix where :func:`forces` holds; ``where``: the location as
    :func:`probe.diagnose.mount_words.where_nginx` says it; ``server_way``: the answering
    server's own way with the whole path kept, said last. None otherwise."""
    if answer is None or not forces(answer, mount):
        return None
    value = request_field(answer, "force_script_name")[1]
    head = (f"Leave FORCE_SCRIPT_NAME as it is: the answer shows it set to the mount "
            f"(request.force_script_name = {value!r}). What is wrong is that the prefix "
            f"arrives: the application received PATH_INFO {quoted(answer.path_info)} with "
            f"SCRIPT_NAME {quoted(answer.script_name)}, and Django resolves PATH_INFO as it "
            f"arrives. Take {mount} off the path nginx passes: ")
    location = _location(route)
    regex = len(location) == 3 and location[1] in ("~", "~*")
    lines = None if regex else _new_line(route)
    step = route.step("upstream") if route is not None else None
    if lines is not None and step is not None:
        old, new = lines
        strip = (f"{where}, write '{new}' in place of '{old}' ({step.source}): nginx then "
                 f"puts '/' in place of the location's prefix, so {mount}/x arrives as /x")
    else:
        strip = f"{where}, {strip_prefix(mount, regex_location=regex)}"
    header = (" No X-Forwarded-Prefix is needed for Django: with FORCE_SCRIPT_NAME set, "
              "Django builds its links from it.")
    other = f" Or, the whole path kept as now:{server_way}" if server_way else ""
    return f"{head}{strip}.{header}{other}"
