"""The lint rules, each a pure function from a :class:`~probe.apache.model.Site` to findings,
kept by family in their own modules; :func:`run_rules` runs them all.

The three classic misroutes of the mod_wsgi blog post (``alias_order``, ``environ_leak``,
``vhost_fallback``) plus checks on daemon process groups, mod_wsgi options and what could
not be read. Each finding names a file and line, says what will happen, and how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence

from probe.apache.model import Site
from probe.apache.unknown_hosts import UnknownHosts, unknown_hosts
from probe.lint.alias_rules import alias_order, alias_trailing_slash
from probe.lint.apache_cache_rules import cache_canonical_name, cache_store_no_store
from probe.lint.client_unseen import proxy_add_headers_off
from probe.lint.daemon_rules import daemon_groups
from probe.lint.define_rules import define_from_other_file
from probe.lint.env_group_rules import env_group_unset, setenvif_overlap
from probe.lint.findings import ConfigFinding, Rule, Severity
from probe.lint.group_names import application_group
from probe.lint.group_rules import broad_process_group, ssl_twin, wsgi_hidden
from probe.lint.interpreter_rules import environ_leak, shared_interpreter
from probe.lint.ip_vhost_rules import vhost_ip_based
from probe.lint.mass_rules import mass_shared_interpreter
from probe.lint.proxy_rules import proxy_rules
from probe.lint.proxy_unix_rules import proxy_unix_as_host
from probe.lint.read_rules import unreadable
from probe.lint.remoteip_rules import remoteip_header
from probe.lint.restrict_rules import restricted_process
from probe.lint.rewrite_env_rules import rewrite_env_path_group
from probe.lint.section_rules import section_order
from probe.lint.server_name_rules import server_name
from probe.lint.server_rules import duplicate_directive, server_only
from probe.lint.setenv_rules import setenv_settings
from probe.lint.shadow_rules import alias_shadows_mount
from probe.lint.tls_twin_rules import tls_twin_missing
from probe.lint.vhost_address_rules import vhost_address
from probe.lint.vhost_rules import access_context, vhost_fallback, vhost_shadowed
from probe.lint.wsgi_options import wsgi_options

__all__ = ["RULES", "ConfigFinding", "Rule", "Severity", "UnknownHosts", "run_rules",
           "unknown_hosts"]


def options(site: Site) -> list[ConfigFinding]:
    return wsgi_options(site.config.directives)


RULES: tuple[Rule, ...] = (alias_order, alias_shadows_mount, environ_leak, shared_interpreter,
                           vhost_fallback, vhost_shadowed, access_context, broad_process_group,
                           ssl_twin, wsgi_hidden, daemon_groups, options, unreadable, section_order,
                           duplicate_directive, application_group, server_only, restricted_process,
                           server_name, vhost_ip_based, alias_trailing_slash, proxy_rules,
                           remoteip_header, tls_twin_missing, vhost_address, setenv_settings,
                           mass_shared_interpreter, define_from_other_file, env_group_unset,
                           setenvif_overlap, rewrite_env_path_group, cache_store_no_store,
                           cache_canonical_name, proxy_unix_as_host, proxy_add_headers_off)


def run_rules(site: Site, rules: Sequence[Rule] = RULES) -> list[ConfigFinding]:
    """Every rule's findings, one per fault: a file included by several VirtualHosts is
    read once per include, and a fault on one of its lines is still one finding."""
    found: dict[tuple[str, str, int], ConfigFinding] = {}
    for rule in rules:
        for f in rule(site):
            found.setdefault((f.code, f.file, f.line), f)
    return sorted(found.values(), key=lambda f: (f.file, f.line, f.code))
