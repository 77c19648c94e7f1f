"""The demo's scenario: the configuration of the blog post with all three classic mistakes.

http://blog.dscpl.com.au/2012/10/requests-running-in-wrong-django.html

* ``alias_order``: in site-1, ``WSGIScriptAlias /`` is listed before ``/suburl``,
  so project-1 swallows ``/suburl/...``;
* ``environ_leak``: embedded mode (no WSGIDaemonProcess), both scripts use
  ``os.environ.setdefault``; project-1 is loaded first (a WSGIImportScript), so
  project-2 on site-2 inherits ``mysite.settings`` from the process environment;
* ``vhost_fallback``: no catch-all first VirtualHost and no
  ``ServerAlias www.site-2.example.com``, so that name, and any unknown one, is
  served by the first VirtualHost: site-1, project-1.
"""

from __future__ import annotations

from probe.apache.names import EMBEDDED, RESOURCE, application_group
from probe.lab.apache import ImportScript, LabConfig, render_lab_config
from probe.lab.apps import WsgiScript
from probe.lab.router import RoutingConfig, ScriptAlias, VirtualHost

PROJECT_1 = "/srv/project-1/wsgi.py"
PROJECT_2 = "/srv/project-2/wsgi.py"

SCRIPTS = {
    PROJECT_1: WsgiScript(PROJECT_1, label="project-1", settings="mysite.settings"),
    PROJECT_2: WsgiScript(PROJECT_2, label="project-2", settings="mysite.settings_two"),
}

ROUTING = RoutingConfig(
    vhosts=(
        VirtualHost(
            "site-1.example.com",
            server_aliases=("www.site-1.example.com",),
            script_aliases=(
                ScriptAlias("/", PROJECT_1),
                ScriptAlias("/suburl", PROJECT_2, note="WRONG: listed after /, never reached"),
            ),
        ),
        VirtualHost(
            "site-2.example.com",
            script_aliases=(ScriptAlias("/", PROJECT_2),),
            note="MISSING: ServerAlias www.site-2.example.com (and no catch-all first vhost)",
        ),
    ),
)

IMPORT_SCRIPTS = (
    # project-1 first, so that the leak does not depend on which URL is requested first.
    ImportScript(PROJECT_1, EMBEDDED, application_group(RESOURCE, "site-1.example.com", 80, "")),
    ImportScript(PROJECT_2, EMBEDDED, application_group(RESOURCE, "site-2.example.com", 80, "")),
)

CLASSIC = LabConfig(ROUTING, SCRIPTS, IMPORT_SCRIPTS)


def manifest_toml(connect: str | None = None) -> str:
    """What the sites are meant to be, as a ``probe`` manifest (contract section 2)."""
    probe = f'[probe]\nconnect = "{connect}"\n\n' if connect else ""
    return f"""\
# wsgi-probe demo lab: what the sites are MEANT to be. The lab's httpd.conf gets three
# things wrong; `probe sweep` finds them. Run `probe demo` to see its configuration.
{probe}[instances.project-1]
label = "project-1"
settings = "mysite.settings"
urls = ["http://site-1.example.com/", "http://www.site-1.example.com/"]

[instances.project-2]
label = "project-2"
settings = "mysite.settings_two"
urls = [
    "http://site-1.example.com/suburl/",
    "http://site-2.example.com/",
    "http://www.site-2.example.com/",
]

[refuse]
urls = ["http://unknown.invalid/"]
"""


def httpd_conf() -> str:
    """The httpd.conf excerpt the lab stands for, with its mistakes marked."""
    return render_lab_config(CLASSIC)
