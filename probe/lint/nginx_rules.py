"""``probe lint`` rules for nginx in front of WSGI applications (docs/lint.md, "nginx"), each
a pure function from the :class:`~probe.nginx.model.NginxModel` to findings at a file and line.

* ``nginx_no_refusing_default``: several server blocks share an address and the block that
  answers unknown names (``default_server``, else the first) serves an application
  (``proxy_pass``, ``uwsgi_pass``, ``fastcgi_pass`` or ``scgi_pass``);
* ``nginx_duplicate_server_name``: a name claimed twice on one address (nginx warns
  "conflicting server name" and ignores the second; ``.example.com`` claims ``example.com``
  and ``*.example.com``), or a regular expression written twice (no warning: the first wins);
* ``nginx_host_not_forwarded``: a proxied location where the application receives
  ``Host: $proxy_host`` (the upstream's address), not the name the client asked for;
* ``nginx_mount_not_told``: a sub-path whose prefix ``proxy_pass`` strips, without a header
  telling the application where it is mounted; or a sub-path ``uwsgi_pass`` passes whole
  (``PATH_INFO $document_uri``) with no ``uwsgi_param SCRIPT_NAME`` in force;
* ``nginx_shared_upstream``: one upstream behind server blocks for different names while a
  declared upstream serves none;
* ``nginx_uwsgi_params_missing``: a ``uwsgi_pass`` with no ``uwsgi_param`` in force (no
  ``include uwsgi_params;``): uWSGI receives no REQUEST_METHOD, nginx answers 502;
* ``nginx_exact_root_only``, ``nginx_two_protocols``, ``nginx_duplicate_default``,
  ``nginx_shared_backend``, ``nginx_script_name_stripped``, ``nginx_uwsgi_modifier30``,
  ``nginx_h2c_only``, the map and regular expression rules: each in a module of its own
  (``probe/lint/nginx_*.py``, the imports below name it), which says what each finds;
* ``nginx_include_unread``: a plain include that cannot be read; a note in a site file read
  alone (its snippets are elsewhere), an error in a whole nginx.conf where the file does not
  exist (nginx would not start); the two header rules say nothing where its
  ``proxy_set_header`` may apply.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from probe.lint.client_unseen import nginx_client_not_forwarded
from probe.lint.findings import ConfigFinding, Severity
from probe.lint.nginx_cache_rules import cache_key_host, cache_no_store_ignored
from probe.lint.nginx_duplicate_default import duplicate_default, duplicated
from probe.lint.nginx_empty_name import empty_name_words, name_out, only_empty
from probe.lint.nginx_exact_root import exact_root_only
from probe.lint.nginx_h2c import h2c_only
from probe.lint.nginx_host_fix import NAME_CHECKER, accepted, host_fix, server_level, without_port
from probe.lint.nginx_include_unread import include_unread
from probe.lint.nginx_map_entries import key_unserved, value_unresolved
from probe.lint.nginx_modifier30 import modifier30_unstripped
from probe.lint.nginx_realip import real_ip
from probe.lint.nginx_regex_shadow import regex_server_shadowed, regex_takes_prefix
from probe.lint.nginx_script_name import script_name_stripped
from probe.lint.nginx_shared_backend import shared_backend, unused_upstreams
from probe.lint.nginx_two_protocols import two_protocols
from probe.lint.uwsgi_rules import proxy_mount_fix, uwsgi_mount_not_told, uwsgi_params_missing
from probe.nginx.claims import main_pass, names_first
from probe.nginx.host_step import proxy_host
from probe.nginx.include_order import read_first_by_name
from probe.nginx.model import Location, NginxModel, Server, Upstream
from probe.nginx.unread import anywhere, for_blocks, said
from probe.nginx_snippets import refuse_block

NginxRule = Callable[[NginxModel], list[ConfigFinding]]
MOUNT_HEADERS = ("script_name", "x-forwarded-prefix", "x-script-name")


def _depends(model: NginxModel, which: Callable[[NginxModel], str | None] = for_blocks,
             blocks: tuple[Server, ...] = ()) -> str:
    """What an include that was not read may change (probe.nginx.unread), said after a
    conclusion that depends on it: one in ``blocks`` first, the blocks the finding names."""
    where = next((s.unread[0] for s in blocks if s.unread), None) or which(model)
    return "" if where is None else f"; unless what is not read changes it: {said(model, where)}"


def _named(model: NginxModel, server: Server, first: str) -> tuple[Server, ...]:
    return (server, *(s for s in model.servers if s.where == first))


def _by_address(model: NginxModel) -> dict[str, list[tuple[Server, bool, str]]]:
    blocks: dict[str, list[tuple[Server, bool, str]]] = defaultdict(list)
    for server in model.servers:
        for listen in server.listens:
            if server not in (s for s, _, _ in blocks[listen.address]):
                blocks[listen.address].append((server, listen.default_server, listen.where))
    return blocks


def no_refusing_default(model: NginxModel) -> list[ConfigFinding]:
    findings, refused = [], duplicated(model)  # nginx -t refuses those: nothing answers there
    for address, blocks in _by_address(model).items():
        if len(blocks) < 2 or address in refused:
            continue
        if model.unread or any(s.unread for s, _, _ in blocks):
            continue  # a default_server or a return there is not known: nothing to say
        ssl = any(listen.ssl for s, _, _ in blocks for listen in s.listens
                  if listen.address == address)
        default = next((b for b in blocks if b[1]), blocks[0])
        server, marked, where = default
        passes = main_pass(model, server)
        if server.returns is not None or passes is None:
            continue
        order = "" if marked else read_first_by_name(
            model, server, [s for s, _, _ in blocks if s is not server])
        why = ("is marked default_server" if marked else
               f"comes first ({order}) and none is default_server" if order else
               "comes first and none is default_server")
        findings.append(ConfigFinding.at(
            "nginx_no_refusing_default", Severity.WARNING, where,
            f"{len(blocks)} server blocks listen on {address} and the one that answers a "
            f"name no server_name matches, {server.describe()}, {why}: a request for any other "
            f"name, or a block whose server_name is missing or mistyped, is served by it "
            f"and reaches an application ({passes}){_depends(model)}",
            f"{names_first(server)}add a block that refuses unknown names: "
            f"{refuse_block(address, ssl)}"
            + (f" (and remove default_server from {where})" if marked else "")))
    return findings


def _claims(name: str) -> tuple[str, ...]:
    """The names a server_name enters in nginx's tables: ``.example.com`` is both
    ``example.com`` and ``*.example.com``."""
    return (name[1:], "*" + name) if name.startswith(".") else (name,)


def _q(name: str) -> str:
    return name or '""'  # the empty name, nginx's default, as server_name writes it


def _shown(name: str) -> str:
    return _q(name) + (f" (which claims {name[1:]} and *{name})" if name.startswith(".")
                       else "")


def duplicate_server_name(model: NginxModel) -> list[ConfigFinding]:
    findings = []
    for address, blocks in _by_address(model).items():
        seen: dict[str, tuple[str, str, str]] = {}  # claim: (block, name as written, its line)
        for server, _, _ in blocks:
            for name, where in server.names:
                if name.startswith("~"):
                    findings += _regex_again(model, address, server, name, where, seen)
                    continue
                clash = next((c for c in _claims(name)
                              if c in seen and seen[c][0] != server.where), None)
                if clash is None:
                    for claim in _claims(name):
                        seen.setdefault(claim, (server.where, name, where))
                    continue
                # nginx leaves the whole name out, both halves of a .name too: a request
                # for the half that did not clash does not reach this block either
                block, first, first_at = seen[clash]
                if name == "" and only_empty(server):
                    words = empty_name_words(model, address, server, blocks, block)
                    findings.append(ConfigFinding.at(
                        "nginx_duplicate_server_name", Severity.WARNING, where,
                        words.message + _depends(model, blocks=_named(model, server, block)),
                        words.fix))
                    continue
                claimed = (f"server_name {_q(name)} on {address} is already claimed by the "
                           f"server block at {block} ({first_at})" if first == name else
                           f"server_name {_shown(name)} on {address}: {_q(clash)} is already "
                           f"claimed by the server block at {block} (server_name "
                           f"{_shown(first)} at {first_at})")
                findings.append(ConfigFinding.at(
                    "nginx_duplicate_server_name", Severity.WARNING, where,
                    f"{claimed}: nginx warns \"conflicting server name\" and ignores "
                    f"{_q(name)} in this block, so the requests for {_q(clash)} go to the "
                    f"first{_depends(model, blocks=_named(model, server, block))}",
                    f"take {_q(name)} out of one of the two blocks: "
                    + " or ".join(name_out(model, b, n, at) for b, n, at
                                  in ((server.where, name, where), (block, first, first_at)))))
    return findings


def _regex_again(model: NginxModel, address: str, server: Server, name: str, where: str,
                 seen: dict[str, tuple[str, str, str]]) -> list[ConfigFinding]:
    """A regular expression written twice: nginx gives no warning (regular expressions are
    not in its name tables) and tries them in order, the first match taking the request."""
    first = seen.setdefault(name, (server.where, name, where))
    if first[0] == server.where:
        return []
    return [ConfigFinding.at(
        "nginx_duplicate_server_name", Severity.WARNING, where,
        f"server_name {name} on {address} is also in the server block at {first[0]} "
        f"(server_name at {first[2]}), which comes first: nginx tries regular-expression names in "
        f"configuration order and the first that matches takes the request, so no request "
        f"this name matches reaches this block"
        f"{_depends(model, blocks=_named(model, server, first[0]))}",
        f"remove {name} from one of the two blocks")]


def host_not_forwarded(model: NginxModel) -> list[ConfigFinding]:
    findings = []
    shared = server_level(model)
    for server, loc in model.proxied():
        known = loc.header_set
        host = known.named("host")
        if (host is not None and host.where) or known.unread is not None:
            continue
        assert loc.proxy_pass is not None
        dropped = ""
        if known.dropped_host is not None:
            outer, level = known.dropped_host
            dropped = (f"; proxy_set_header Host at {outer.where} is not in force here: the "
                       f"level at {level} has proxy_set_header lines of its own, and nginx "
                       f"inherits none into such a level")
        forwarded = known.named("x-forwarded-host")
        sent = proxy_host(loc.proxy_pass)
        unix = (f", '{sent}' for a unix: socket" if loc.proxy_pass.target.startswith("unix:")
                else "")
        django = (f"Django answers 400 (DisallowedHost) unless {without_port(sent)} is in "
                  f"ALLOWED_HOSTS (it compares the Host without its port), and builds absolute "
                  f"links and redirects with it")
        if forwarded is not None and forwarded.where:
            django = (f"The location sends X-Forwarded-Host ({forwarded.where}): Django reads "
                      f"it instead of Host only when its setting USE_X_FORWARDED_HOST is True, "
                      f"which this configuration cannot show; otherwise {django}")
        findings.append(ConfigFinding.at(
            "nginx_host_not_forwarded", Severity.WARNING, loc.proxy_pass.where,
            f"{loc.describe()} proxies to {loc.proxy_pass.target} without proxy_set_header "
            f"Host: the application receives Host: {sent} (nginx's default $proxy_host"
            f"{unix}), not the name the client asked for{dropped}. {NAME_CHECKER} may "
            f"refuse that Host before the application runs (403, or another site's page). "
            f"{django}",
            host_fix(server, loc, shared.get(id(server), [])) + accepted(server, sent, loc)))
    return findings


def mount_not_told(model: NginxModel) -> list[ConfigFinding]:
    findings = []
    for _server, loc in model.proxied():
        proxy = loc.proxy_pass
        assert proxy is not None
        prefix = loc.pattern.rstrip("/")
        if loc.modifier not in ("", "^~") or not prefix or proxy.uri is None \
                or proxy.uri.rstrip("/") == prefix or loc.header_set.unread is not None:
            continue
        if any(h.name.lower() in MOUNT_HEADERS for h in loc.headers):
            continue
        # The application may set its mount itself (Django's FORCE_SCRIPT_NAME, the common
        # stripped-prefix layout), which no nginx line shows: what the lines do is said as
        # fact, what the application makes of it as the check that decides (tester T28's g0).
        findings.append(ConfigFinding.at(
            "nginx_mount_not_told", Severity.WARNING, proxy.where,
            f"{loc.describe()} passes to {proxy.url}, which replaces {loc.pattern} by "
            f"{proxy.uri}, with no SCRIPT_NAME, X-Forwarded-Prefix or X-Script-Name header: "
            f"the application receives SCRIPT_NAME \"\" and paths without {prefix}. Unless it "
            f"sets its mount {prefix} itself (a setting of its own, which no nginx line "
            f"shows), it takes itself to be mounted at /, and the links and redirects it "
            f"builds (a login page, a slash appended) point outside {prefix}/; the check: "
            f"its settings, or probe sweep, which says mount_mismatch for a URL under "
            f"{prefix}/ whose application was not told (its answer's "
            f"request.force_script_name shows such a setting)",
            proxy_mount_fix(prefix, proxy.scheme, proxy.target)))
    return findings + uwsgi_mount_not_told(model)


def shared_upstream(model: NginxModel) -> list[ConfigFinding]:
    users: dict[str, dict[int, tuple[Server, Location]]] = defaultdict(dict)
    for server, loc in model.proxied():
        assert loc.proxy_pass is not None
        users[loc.proxy_pass.target].setdefault(id(server), (server, loc))
    unused = unused_upstreams(model)
    findings = []
    for target, blocks in users.items():
        named = [(s, loc) for s, loc in blocks.values() if any(n for n, _ in s.names)]
        if len(named) < 2 or not unused:
            continue
        first = named[0][0].describe()
        for server, loc in named[1:]:
            assert loc.proxy_pass is not None
            findings.append(ConfigFinding.at(
                "nginx_shared_upstream", Severity.WARNING, loc.proxy_pass.where,
                f"{server.describe()} proxies to {target}, as does the {first}, while "
                f"upstream {unused[0].name} ({unused[0].where}) serves no block: one of them "
                f"probably names the other site's upstream{_depends(model, anywhere)}",
                _upstream_fix(loc, unused)))
    return findings


def _upstream_fix(loc: Location, unused: list[Upstream]) -> str:
    """The proxy_pass to write, to an upstream declared and unused: which one is this
    site's the configuration cannot say, so each is named with its line."""
    proxy = loc.proxy_pass
    assert proxy is not None
    lines = " or ".join(f"'proxy_pass {proxy.scheme}://{u.name}{proxy.uri or ''};' (upstream "
                        f"{u.name} at {u.where})" for u in unused)
    return (f"if one of the unused upstreams is this site's application, write {lines} in "
            f"place of 'proxy_pass {proxy.url};' at {proxy.where}")


NGINX_RULES: tuple[NginxRule, ...] = (no_refusing_default, duplicate_server_name,
                                      host_not_forwarded, mount_not_told, shared_upstream,
                                      include_unread, uwsgi_params_missing,
                                      exact_root_only, real_ip, two_protocols,
                                      shared_backend, script_name_stripped,
                                      modifier30_unstripped, cache_key_host,
                                      cache_no_store_ignored, duplicate_default,
                                      value_unresolved, key_unserved, regex_server_shadowed,
                                      regex_takes_prefix, h2c_only, nginx_client_not_forwarded)


def run_nginx_rules(model: NginxModel) -> list[ConfigFinding]:
    findings = [f for rule in NGINX_RULES for f in rule(model)]
    return sorted(findings, key=lambda f: (f.file, f.line, f.code))
