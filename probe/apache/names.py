"""How Apache httpd and mod_wsgi name and match things: one pure implementation, shared by the
demo lab (:mod:`probe.lab.router`), ``probe lint`` / ``probe discover`` and the diagnosis.

* :func:`application_group`: the sub interpreter's name, as mod_wsgi's
  ``wsgi_application_group()`` builds it (and :func:`vhost_of`, its inverse);
* :func:`alias_match_length`, :func:`mount_matches`, :func:`is_shorter_mount`: whether a
  ``WSGIScriptAlias`` URL-path matches a URL, as mod_wsgi's ``wsgi_alias_matches()`` decides;
* :func:`catch_all_vhost`: the first VirtualHost that refuses unknown host names.

Checked against mod_wsgi's source and a real Apache 2.4 + mod_wsgi: the ``%{...}`` names are
case-sensitive (``%{global}`` is an application group literally called ``%{global}``), and
neither the ServerName nor SCRIPT_NAME is lower-cased (``ServerName Site-1.Example.COM``
gives ``Site-1.Example.COM|/SubUrl``).
"""

from __future__ import annotations

from collections.abc import Sequence

DEFAULT_HTTP_PORT = 80
DEFAULT_HTTPS_PORT = 443

EMBEDDED = ""
"""The process group of embedded mode (``WSGIProcessGroup %{GLOBAL}``, the default)."""

RESOURCE = "%{RESOURCE}"
"""The default application group: one sub interpreter per host, port and mount."""
# An application group per host name, for the host names of one VirtualHost, which share
# %{RESOURCE} and %{SERVER} (both from its ServerName): seen working on real Apache 2.4.71 +
# mod_wsgi 6.1.1 (tests/integration/test_mass_group_applied.py).
PER_HOST = ("WSGIApplicationGroup %{ENV:APP_GROUP} with 'SetEnvIfNoCase Host \"^([^:]+)\" "
            "APP_GROUP=$1' above it in the same VirtualHost (mod_setenvif loaded), which names "
            "each host's sub interpreter after its host name")
SERVER = "%{SERVER}"
GLOBAL = "%{GLOBAL}"
"""As an application group the main interpreter (``""``); as a process group embedded mode."""
_ENV = "%{ENV:"

CATCH_ALL_NAME = "default.invalid"

SETTINGS_VARIABLE = "DJANGO_SETTINGS_MODULE"
"""The process environment variable of the ``environ_leak`` misroute: set in a WSGI script,
it reaches every sub interpreter created later in the same process."""


def default_port(scheme: str) -> int:
    """The port a URL of ``scheme`` (``http``/``https``) leaves out."""
    return DEFAULT_HTTPS_PORT if scheme == "https" else DEFAULT_HTTP_PORT


def is_per_request(setting: str) -> bool:
    """Whether a process or application group setting is ``%{ENV:NAME}``: decided per
    request from a variable (mod_rewrite, SetEnv), so unknown from the configuration."""
    return setting.startswith(_ENV)


def process_group(setting: str) -> str:
    """The process group a ``WSGIProcessGroup``/``process-group=`` value names: ``""`` for
    ``%{GLOBAL}`` (embedded mode), else the daemon group name (mod_wsgi's
    ``wsgi_process_group()``; ``%{ENV:...}``, see :func:`is_per_request`, is resolved per
    request and taken literally here, as mod_wsgi does when the variable is unset)."""
    return EMBEDDED if setting == GLOBAL else setting


def application_group(setting: str, server_hostname: str, port: int | None,
                      script_name: str) -> str:
    """The sub interpreter's name for a ``WSGIApplicationGroup``/``application-group=``.

    A port of mod_wsgi's ``wsgi_application_group()``: ``%{RESOURCE}`` (the default) is
    ``host|script_name``, or ``host:port|script_name`` when the port is neither 80 nor 443
    (whatever the scheme); ``%{SERVER}`` is ``host`` or ``host:port``; ``%{GLOBAL}`` is
    ``""`` (the main interpreter); anything else, ``%{global}`` included, is the name itself.

    ``server_hostname`` is the VirtualHost's ServerName as written (not the Host header), and
    ``port`` what ``ap_get_server_port()`` says: the Host header's port, else the
    ServerName's, else the scheme's default (None counts as a default port).
    ``script_name`` is SCRIPT_NAME: ``""`` for a mount at ``/``.
    https://modwsgi.readthedocs.io/en/master/configuration-directives/WSGIApplicationGroup.html
    """
    host = server_hostname
    if port is not None and port not in (DEFAULT_HTTP_PORT, DEFAULT_HTTPS_PORT):
        host = f"{server_hostname}:{port}"
    if setting == RESOURCE:
        return f"{host}|{script_name}"
    if setting == SERVER:
        return host
    if setting == GLOBAL:
        return ""
    return setting


def vhost_of(application_group: str | None) -> str | None:
    """The ServerName in a %{RESOURCE} application group: ``site-1.example.com:8080|/x``."""
    if not application_group or "|" not in application_group:
        return None
    server = application_group.split("|", 1)[0]
    name, _, port = server.rpartition(":")
    if name and port.isdigit():
        server = name
    return server.lower() or None


# --------------------------------------------------------------------------------------------
# WSGIScriptAlias matching


def alias_match_length(uri: str, url_path: str) -> int:
    """How many characters of ``uri`` the alias ``url_path`` matches; 0 for no match.

    A port of ``wsgi_alias_matches()`` (itself mod_alias's ``alias_matches()``): any run
    of '/' in the alias matches any run of '/' in the URI, other characters compare
    literally (case-sensitively), and the alias's last segment must end where a URI
    segment ends, so ``/suburl`` does not match ``/suburlx``.
    https://modwsgi.readthedocs.io/en/master/configuration-directives/WSGIScriptAlias.html
    """
    a = u = 0
    while a < len(url_path):
        if url_path[a] == "/":
            if u >= len(uri) or uri[u] != "/":
                return 0
            while a < len(url_path) and url_path[a] == "/":
                a += 1
            while u < len(uri) and uri[u] == "/":
                u += 1
        else:
            if u >= len(uri) or uri[u] != url_path[a]:
                return 0
            a += 1
            u += 1
    if url_path[-1:] != "/" and u < len(uri) and uri[u] != "/":
        return 0
    return u


def mount_matches(mount: str, path: str) -> bool:
    """Whether a ``WSGIScriptAlias`` at ``mount`` matches the URL path ``path``, and so
    every URL below it. Either may be a SCRIPT_NAME (``""`` stands for ``/``)."""
    return alias_match_length(path or "/", mount or "/") > 0


def is_shorter_mount(mount: str, longer: str) -> bool:
    """Whether ``mount`` is a strictly shorter mount than ``longer`` that takes its URLs
    when listed first (``""`` or ``/`` before ``/suburl``; not ``/app`` before ``/apps``)."""
    return mount_matches(mount, longer) and not mount_matches(longer, mount)


def mount_url_path(mount: str) -> str:
    """The URL of a mount's root as a path ending in ``/``: ``/suburl`` -> ``/suburl/``,
    runs of slashes as one (``//a//b`` -> ``/a/b/``), ``/`` -> ``/``."""
    segments = [s for s in mount.split("/") if s]
    return "/" + "".join(f"{s}/" for s in segments)


# --------------------------------------------------------------------------------------------
# the catch-all


def refuse_everything(indent: str = "    ") -> list[str]:
    """The lines of a ``<Location />`` that refuses every request: inside a VirtualHost,
    not directly in it (httpd rejects ``Require`` in ``<VirtualHost>`` context), and not a
    ``<Directory />`` (a longer ``<Directory>`` granting access would win)."""
    return ["<Location />", f"{indent}Require all denied", "</Location>"]


def catch_all_vhost(address_port: str, *, server_name: str = CATCH_ALL_NAME,
                    tls: Sequence[str] = (), tls_comment: str = "") -> str:
    """A VirtualHost to list first for ``address_port`` (``*:80``), so that a Host header
    no ServerName/ServerAlias names is refused instead of served by the first real site.
    https://httpd.apache.org/docs/2.4/vhosts/name-based.html

    ``tls``: on an HTTPS address, ``SSLEngine on`` and a certificate's lines (see
    :mod:`probe.apache.tls_setup`): the first VirtualHost decides whether the port speaks
    TLS at all; ``tls_comment`` says where they come from, as a comment line."""
    comment = [f"    # {tls_comment}"] if tls and tls_comment else []
    body = [f"    {line}" for line in (*tls, *refuse_everything())]
    return "\n".join([f"<VirtualHost {address_port}>", f"    ServerName {server_name}",
                      *comment, *body, "</VirtualHost>"])
