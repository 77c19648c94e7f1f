"""The commands that read a front server's configuration or processes: ``probe lint``,
``probe discover`` and ``probe ps``."""

from __future__ import annotations

import os
import sys

import click

from probe.commands.shared import CONTEXT, emit, environment, fail, output_path
from probe.errors import ProbeError

SERVER_ROOT_HELP = ("Where relative Include paths start until a ServerRoot directive "
                    "(default: the directory of the first PATH).")
DEFINE_HELP = "Define NAME for <IfDefine>, like httpd -D NAME (repeatable)."
FRONT_HELP = ("Which server's configuration PATH is: auto (read from the file), apache or "
              "nginx (a file that is not refuses with exit status 2).")
FRONT_CHOICE = click.Choice(["auto", "apache", "nginx"])


def _front(paths: tuple[str, ...], wanted: str) -> str:
    """The front the paths are read as, or one line and exit 2 (probe.front_files)."""
    from probe.front_files import choose

    try:
        front = choose(paths, wanted)
    except ProbeError as exc:
        fail(str(exc))
    if front.value == "nginx" and len(paths) != 1:
        fail(f"nginx: give one configuration (nginx.conf, its directory, or nginx -T "
             f"output), not {len(paths)}")
    return front.value


@click.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--server-root", metavar="DIR", help=SERVER_ROOT_HELP)
@click.option("-D", "--define", "defines", multiple=True, metavar="NAME", help=DEFINE_HELP)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text",
              show_default=True, help="sarif: SARIF 2.1.0, for code scanning in CI.")
@click.option("--apachectl", is_flag=True,
              help="Also run httpd -S on the configuration (as apache2ctl -S does) and "
                   "report where lint's VirtualHost model disagrees with httpd's; and "
                   "httpd -t on a fragment too (inside a wrapper loading Debian's modules).")
@click.option("--no-httpd-check", "no_httpd_check", is_flag=True,
              help="Do not run httpd -t (by default it runs on a main configuration "
                   "wherever apache2 or httpd is installed).")
@click.option("--front", "front", type=FRONT_CHOICE, default="auto", show_default=True,
              help=FRONT_HELP)
def lint(paths: tuple[str, ...], server_root: str | None, defines: tuple[str, ...],
         fmt: str, apachectl: bool, no_httpd_check: bool, front: str) -> None:
    """Static analysis of Apache/mod_wsgi or nginx configuration.

    nginx (a file, a directory with nginx.conf, or nginx -T output): docs/lint.md lists
    its rules (default server, duplicate server_name, Host and sub-path mounts not told to
    the application, one upstream behind several sites).

    Reads each PATH (a file, or a directory of files) as one configuration, following
    Include/IncludeOptional, Define and ${VAR}, and reports WSGIScriptAlias mounts
    shadowed by an earlier shorter one (alias_order), DJANGO_SETTINGS_MODULE set with
    setdefault where sub interpreters share a process (environ_leak), unknown host names
    landing on a real site (vhost_fallback), and daemon process group mistakes. Where
    httpd is installed it also runs httpd -t and reports a refusal in httpd's words.
    Anything that makes an application run somewhere other than intended is at least a
    warning (docs/lint.md lists every rule).

    \b
    Exit status: 0 clean (notes only), 1 warnings or errors, 2 unreadable input.
    """
    from probe.lint import lint_nginx, lint_paths, local_httpd
    from probe.lint.report import render_json, render_text
    from probe.lint.sarif import render_sarif

    try:
        if _front(paths, front) == "nginx":
            result = lint_nginx(paths[0])
        else:
            result = lint_paths(paths, server_root=server_root,
                                environ=environment().environ, httpd=local_httpd(defines),
                                apachectl=apachectl, httpd_check=not no_httpd_check)
    except ProbeError as exc:  # ConfigUnreadable, NginxUnreadable
        fail(str(exc))
    render = {"json": render_json, "sarif": render_sarif}.get(fmt, render_text)
    click.echo(render(result), nl=False)
    sys.exit(result.exit_status)


@click.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--server-root", metavar="DIR", help=SERVER_ROOT_HELP)
@click.option("-D", "--define", "defines", multiple=True, metavar="NAME", help=DEFINE_HELP)
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              callback=output_path, help="Write the manifest here instead of stdout (- is stdout).")
@click.option("--front", "front", type=FRONT_CHOICE, default="auto", show_default=True,
              help=FRONT_HELP)
def discover(paths: tuple[str, ...], server_root: str | None, defines: tuple[str, ...],
             output: str | None, front: str) -> None:
    """Write a manifest derived from Apache or nginx configuration.

    nginx: one instance per proxy_pass or uwsgi_pass application, its URLs from
    server_name and the location, [probe] connect from listen, [refuse] an unknown name
    where several server blocks share an address (a comment where a catch-all answers it).

    One instance per WSGI application (a script in a process group), its URLs from the
    VirtualHost's ServerName and ServerAliases and the WSGIScriptAlias mount; label and
    settings read from the WSGI script; [probe] connect from the first Listen; [refuse]
    an unknown host name. Comments say where each entry came from. Review the result:
    it states what the configuration intends, mistakes included, so a sweep shows them.

    \b
    Exit status: 0 written, 2 unreadable input or output.
    """
    from probe.apache import local_httpd
    from probe.discover import discover_nginx, discover_site, render

    try:
        if _front(paths, front) == "nginx":
            found = discover_nginx(paths[0])
        else:
            found = discover_site(paths, server_root=server_root,
                                  environ=environment().environ, httpd=local_httpd(defines))
    except ProbeError as exc:  # ConfigUnreadable, NginxUnreadable
        fail(str(exc))
    if output:
        from probe.output_file import ReadFile, refuse_inputs

        # The configuration's files and the WSGI scripts read for labels and settings.
        read = [ReadFile("a configuration file", name) for name in found.files]
        read += [ReadFile("a WSGI script", app.target)
                 for instance in found.instances for app in instance.apps]
        try:
            refuse_inputs("-o", output, read)
        except ProbeError as exc:
            fail(str(exc))
    for warning in found.warnings:
        click.echo(f"probe: warning: {warning}", err=True)
    emit(render(found), output)


@click.command(context_settings=CONTEXT)
@click.option("--config", "config_paths", multiple=True, metavar="PATH",
              help="Apache configuration (repeatable): names daemon groups that have no "
                   "display-name, from the order of their WSGIDaemonProcess directives, for "
                   "the Apache parents whose command line runs this file.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def ps(config_paths: tuple[str, ...], fmt: str) -> None:
    """Local Apache/mod_wsgi processes: pid, role, process group, user, memory, age.

    A mod_wsgi daemon process is recognised by its title, (wsgi:GROUP) with
    display-name=%{GROUP}, or else by the daemon socket it listens on (reading another
    user's sockets needs root). Every other Apache child is a worker, which is where
    embedded-mode applications run (not mod_wsgi-express's, unless started with
    --embedded-mode: its workers hand requests to its daemons). gunicorn, uWSGI and
    waitress processes are counted, not listed.

    \b
    Exit status: 0 (also when no Apache runs), 2 unreadable --config.
    """
    import json

    from probe import procs_read, procs_table
    from probe.procs_config import Configured, ConfiguredGroup

    configured = None
    if config_paths:
        from probe.apache import ConfigUnreadable, load_site
        from probe.apache.config_text import main_config

        try:
            site = load_site(config_paths)
        except ConfigUnreadable as exc:
            fail(str(exc))
        # a directory given stands for the main file httpd would be started with there
        files = tuple((main_config(p) or p) if os.path.isdir(p) else p for p in config_paths)
        configured = Configured(files, tuple(
            ConfiguredGroup(d.name, d.options.get("display-name"),
                            f"{d.directive.file}:{d.directive.line}") for d in site.daemons))
    rows, census = procs_read.list_processes(configured)
    if fmt == "json":
        click.echo(json.dumps({"processes": [r.as_json() for r in rows], **census.as_json()},
                              indent=2))
    else:
        click.echo(procs_table.render_table(rows, terminal=environment().stdout_isatty,
                                            census=census), nl=False)
