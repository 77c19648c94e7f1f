"""What a misroute through nginx leaves open without the configuration (:mod:`.nginx_causes`),
and the check that decides each; never a line nobody read.

* :func:`sub_path`: the extra request showed a server block claims the host, but which
  location of it takes a sub-path the answers do not show: a regular expression location
  may take it before the prefix meant for it (``url_mapping``), or the location meant for
  it passes to the wrong application (``wrong_upstream``). Pointing "the block's proxy_pass"
  elsewhere would move the block's other URLs too;
* :func:`duplicate_hint`: a host two blocks name goes to the first;
* :func:`same_server_hint`: the instances whose own URLs the application that served an
  unknown name answers too: if their names reach it only as the default server, a block
  refusing unknown names refuses them too.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from probe.diagnose.fronts import listen, same_listen
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.model import Candidate, Cause, Evidence


def is_sub_path(url: str) -> bool:
    return (urlsplit(url).path or "/") != "/"


def duplicate_hint(host: str) -> str:
    return (f" If 'nginx -t' warns of a \"conflicting server name\" \"{host}\", two server "
            f"blocks name it and nginx uses the first: remove {host} from the server_name of "
            f"the block that should not have it instead.")


def sub_path(diagnosis: Diagnosis, head: str, url: str, expected: str, who: str,
             target: str, evidence: tuple[Evidence, ...], probed: Evidence) -> Diagnosis:
    host = (urlsplit(url).hostname or "").lower()
    path = urlsplit(url).path
    return dataclasses.replace(
        diagnosis, cause=None, evidence=(*evidence, probed),
        explanation=f"{head} {probed.claim}. Which location of that block takes {path} the "
                    f"answers do not show: a location given by a regular expression may take "
                    f"it before the prefix location meant for {expected}, or the location that "
                    f"takes it passes to {who}.",
        fix=f"Find the location that takes {path} in the server block whose server_name "
            f"matches {host} ('nginx -T' shows the block; probe sweep --config names the "
            f"line). If it is a regular expression location (~, ~*) that also takes {path}, "
            f"write ^~ on the prefix location meant for {expected} (a ^~ longest prefix stops "
            f"nginx's search of the regular expressions) or narrow the expression; if it is "
            f"the location meant for {expected}, point its pass at {target}. Leave the block's "
            f"other locations as they are: they pass its other URLs.",
        candidates=(
            Candidate(Cause.URL_MAPPING, f"--config: a location given by a regular expression "
                      f"in the block that claims {host} takes {path} before the prefix "
                      f"location meant for {expected}"),
            Candidate(Cause.WRONG_UPSTREAM, f"--config: the location that takes {path} in the "
                      f"block that claims {host} passes to {who}")))


def same_server_hint(context: SweepContext, at: str | None, address: str) -> str:
    """Said before a fix that makes the default server refuse unknown names."""
    if not at:
        return ""
    key = ("same_server", f"{at} {address}")
    if key not in context.memo:
        context.memo[key] = _same_server(context, at, address)
    return str(context.memo[key])


def _same_server(context: SweepContext, at: str, address: str) -> str:
    own: dict[str, list[str]] = {}
    for obs in context.observations:
        expected = obs.target.expected
        answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer),
                      None)
        where = obs.target.address or next((s.address for s in obs.samples if s.address), "")
        if expected is None or answer is None or where != address \
                or not same_listen(listen(answer) or "", at) \
                or context.identify(answer, expected) != expected:
            continue
        own.setdefault(expected, []).append(obs.target.url)
    if not own:
        return ""
    urls = [u for found in own.values() for u in found]
    shown = ", ".join(urls[:5]) + (f" and {len(urls) - 5} more" if len(urls) > 5 else "")
    return (f" {' and '.join(own)} answer{'s' if len(own) == 1 else ''} {shown} from the same "
            f"server.listen {at}: if the default server is the block that passes them (no "
            f"server_name names their hosts: 'nginx -T' shows it, probe sweep --config says "
            f"it), add their hosts to its server_name first, or a default server that "
            f"refuses unknown names refuses them too.")
