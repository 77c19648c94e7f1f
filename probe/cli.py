"""The ``probe`` command line: parse, call, print. No logic of its own lives here.

Longer than 300 lines only because each of the eight commands declares its options here
(click decorators and help texts); each command body is a few lines that call a module.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from probe import __version__, defaults
from probe.check.args import SUMMARY as CHECK_SUMMARY
from probe.environment import Environment
from probe.errors import ProbeError
from probe.exits import ExitStatus, outcome, sweep_exit
from probe.safe_text import one_line

if TYPE_CHECKING:
    from probe.diagnose import ConfigJoin

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str, status: int = ExitStatus.ERROR) -> NoReturn:
    """One clear line on stderr, no traceback, then exit."""
    click.echo(f"probe: {one_line(message, limit=None)}", err=True)
    sys.exit(status)


class ProbeGroup(click.Group):
    """Runs every command; whatever escapes one is mapped by :func:`probe.exits.outcome`."""

    def invoke(self, ctx: click.Context) -> Any:
        if not isinstance(ctx.obj, Environment):  # a test may pass its own (obj=...)
            ctx.obj = Environment.from_process()
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise  # click's own usage errors and exits, and commands' chosen statuses
        except BaseException as exc:  # the one place exceptions become statuses
            command = ctx.invoked_subcommand
            result = outcome(exc, command)
            env = environment()
            if result.internal and env.environ.get("WSGI_PROBE_TRACEBACK"):
                traceback.print_exc(file=env.stderr)
            if command == "check":
                from probe.check.status_line import unknown_text

                # A plugin's one line goes to stdout, where Nagios reads it.
                click.echo(unknown_text(result.message), nl=False)
            elif result.message:
                click.echo(f"probe: {result.message}", err=True)
            sys.exit(result.status)


def environment() -> Environment:
    """The running command's :class:`~probe.environment.Environment`, made once by
    :class:`ProbeGroup`: the only place commands read streams, terminals and variables."""
    obj = click.get_current_context().find_root().obj
    return obj if isinstance(obj, Environment) else Environment.from_process()


def emit(text: str | Iterable[str], output: str | None) -> None:
    """Print ``text`` (or its pieces, one after the other), or write it to the file ``output``."""
    parts = (text,) if isinstance(text, str) else text
    if not output:
        # click.echo per megabyte, not per piece: it looks the stream up on every call.
        batch: list[str] = []
        size = 0
        for part in parts:
            batch.append(part)
            size += len(part)
            if size >= 1 << 20:
                click.echo("".join(batch), nl=False)
                batch, size = [], 0
        if batch:
            click.echo("".join(batch), nl=False)
        return
    try:
        with open(output, "w", encoding="utf-8") as stream:
            for part in parts:
                stream.write(part)
    except OSError as exc:
        fail(f"{output}: cannot write: {exc.strerror or exc}")


@click.group(cls=ProbeGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="wsgi-probe")
def main() -> None:
    """Prove which WSGI instance really answers each host and path, and say why when it is wrong."""


@main.command(context_settings=CONTEXT)
@click.argument("urls", nargs=-1)
@click.option("-m", "--manifest", "manifest_path", type=click.Path(dir_okay=False),
              help="TOML manifest: instances, their URLs, and URLs that must be refused.")
@click.option("--connect", metavar="HOST[:PORT]", multiple=True,
              help="Send every request here; Host header and TLS SNI stay the URL's. "
                   "Repeat it to probe every URL at each address (a fleet).")
@click.option("--all-addresses", is_flag=True, default=None,
              help="Probe every A and AAAA address each URL's host name resolves to.")
@click.option("--samples", type=int, help="Requests per URL (default 3).")
@click.option("--concurrency", type=int, help="Requests in flight at once (default 32).")
@click.option("--timeout", type=float, help="Seconds per request, body included (default 5).")
@click.option("--token-file", type=click.Path(dir_okay=False),
              help="File holding the X-Probe-Token (default: $WSGI_PROBE_TOKEN).")
@click.option("--ca-file", type=click.Path(dir_okay=False),
              help="CA bundle to verify HTTPS servers with (default: certifi's).")
@click.option("--restarted-after", metavar="[INSTANCE=]TIME|@FILE", multiple=True,
              help="Flag instances started before this ISO 8601 time (UTC unless an offset) "
                   "or before FILE's modification time (e.g. the deployed wsgi.py) as stale. "
                   "INSTANCE=... sets it for one instance of the manifest (repeatable); the "
                   "plain form is for the others.")
@click.option("--baseline", "baseline_path", metavar="FILE",
              help="Compare who answered each URL at each address with this baseline; an "
                   "unexpected change is a critical finding.")
@click.option("--save-baseline", metavar="FILE",
              help="Save who answered each URL at each address, for a later --baseline.")
@click.option("--no-sni", is_flag=True,
              help="HTTPS without SNI, as old clients connect (needs --connect IP:PORT).")
@click.option("--config", "config_path", metavar="PATH",
              help="The front's configuration, Apache's or nginx's (a file, or a directory): "
                   "its predicted route of each URL is joined to the answer, and causes cite "
                   "file:line.")
@click.option("--no-extra-probes", is_flag=True,
              help="Send no extra request to tell causes apart (a .invalid name at an "
                   "address where another site answered); causes may stay undetermined.")
@click.option("--apachectl", is_flag=True,
              help="With --config: also ask httpd (apache2 -S) and warn where it disagrees "
                   "with the model of the configuration.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "junit"]), default="table",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the report here instead of stdout.")
@click.option("--fail-on-warning", is_flag=True,
              help="Exit 1 on warning findings too (default: only on problem URLs).")
@click.option("-v", "--verbose", count=True, help="Log each request and its outcome on stderr.")
@click.option("--log-format", type=click.Choice(["console", "json"]), default="console",
              show_default=True)
def sweep(urls: tuple[str, ...], manifest_path: str | None, connect: tuple[str, ...],
          all_addresses: bool | None, samples: int | None, concurrency: int | None,
          timeout: float | None,
          token_file: str | None, ca_file: str | None, restarted_after: tuple[str, ...],
          baseline_path: str | None, save_baseline: str | None, no_sni: bool,
          no_extra_probes: bool, config_path: str | None, apachectl: bool, fmt: str,
          output: str | None, fail_on_warning: bool, verbose: int, log_format: str) -> None:
    """Probe every URL of the manifest (or the URLs given) and diagnose each.

    Exit status: 0 all ok, 1 a problem found, 2 bad usage or bad manifest,
    70 an internal error (a bug: no verdict), 130 interrupted.
    """
    from probe import baseline as baselines
    from probe import logs, manifest, progress, report
    from probe import sweep as sweeping
    from probe.credentials import read_token
    from probe.deploy_time import parse_restarted_after
    from probe.front_config import MANIFEST_SETTING

    logs.configure(verbose, log_format)
    try:
        if manifest_path and urls:
            raise ProbeError("give URLs or -m MANIFEST, not both")
        if not manifest_path and not urls:
            raise ProbeError("nothing to probe: give URLs or -m MANIFEST")
        loaded = manifest.load(manifest_path) if manifest_path else manifest.from_urls(urls)
        loaded = loaded.with_probe(connect=connect or None, all_addresses=all_addresses,
                                   samples=samples, concurrency=concurrency,
                                   timeout=timeout, token_file=token_file, ca_file=ca_file,
                                   sni=False if no_sni else None)
        env = environment()
        token = read_token(loaded.probe, env.environ)
        names = None if urls else list(loaded.instances)
        cutoff = parse_restarted_after(restarted_after, names)
        before = baselines.load(baseline_path) if baseline_path else None
        if save_baseline:
            baselines.check_writable(save_baseline)
        config = _front_config(config_path or loaded.probe.config, apachectl, env.environ,
                               named="--config" if config_path else MANIFEST_SETTING)
        total = len(loaded.targets()) * loaded.probe.samples
        with progress.bar(total, enabled=env.stderr_isatty and not verbose) as advance:
            result = sweeping.run_sweep(loaded, restarted_after=cutoff, progress=advance,
                                        token=token, config=config,
                                        extra_probes=not no_extra_probes)
        if before is not None:
            result = baselines.compare(result, before)
        if save_baseline and not result.interrupted:
            baselines.save(result, save_baseline)
    except ProbeError as exc:
        fail(str(exc))
    to_terminal = output is None
    emit(report.pieces(result, fmt, color=to_terminal and env.color,
                       width=env.width if to_terminal else None), output)
    sys.exit(sweep_exit(result.status.value, interrupted=result.interrupted,
                        fail_on_warning=fail_on_warning))


def _front_config(path: str | None, apachectl: bool, environ: Mapping[str, str], *,
                  named: str = "--config") -> ConfigJoin | None:
    """``--config`` read for the sweep's diagnosis (lint's findings of it keyed by line);
    with ``--apachectl``, httpd's disagreements with the model said on stderr."""
    if path is None:
        if apachectl:
            raise ProbeError("--apachectl needs --config PATH (or [probe] config)")
        return None
    from probe.front_config import httpd_disagreements, load_front

    config = load_front(path, environ, named=named)
    for line in httpd_disagreements(path, config, environ) if apachectl else ():
        click.echo(f"probe: warning: {one_line(line, limit=None)}", err=True)
    return config


@main.command(context_settings=CONTEXT)
@click.option("--install", "script", metavar="WSGI_PY", type=click.Path(),
              help="Put wsgi_endpoint.py beside this WSGI script and wrap its application "
                   "(guarded: a failing endpoint never stops the application).")
@click.option("--label", metavar="NAME",
              help="The label the endpoint answers with (default: the script's directory).")
@click.option("--dry-run", is_flag=True, help="Print the change as a unified diff, write nothing.")
@click.option("--uninstall", is_flag=True,
              help="With --install: remove the block again, restoring the script exactly.")
@click.option("--token-file", "token_file", metavar="PATH", type=click.Path(),
              help="The token file the endpoint reads (default: wsgi_endpoint.token beside the "
                   "script, created readable by the script's owner and group only).")
@click.option("--no-token", is_flag=True,
              help="No token: the endpoint answers loopback requests without a proxy header. "
                   "Safe only if no proxy on the server's machine forwards to the application.")
def endpoint(script: str | None, label: str | None, dry_run: bool, uninstall: bool,
             token_file: str | None, no_token: bool) -> None:
    """Print contrib/wsgi_endpoint.py, or install it beside a WSGI script.

    \b
      probe endpoint > wsgi_endpoint.py          print it
      probe endpoint --install mysite/wsgi.py    install it with a token (idempotent)
      probe endpoint --install mysite/wsgi.py --uninstall

    Exit status: 0 done (or nothing to do), 2 refused: the one line on stderr says why.
    """
    from probe import endpoint_source

    if script is None:
        if label or dry_run or uninstall or token_file or no_token:
            fail("--label, --dry-run, --uninstall, --token-file and --no-token go with "
                 "--install WSGI_PY")
        try:
            click.echo(endpoint_source.read(), nl=False)
        except ProbeError as exc:
            fail(str(exc))
        return
    from probe import install

    try:
        if token_file is not None and no_token:
            raise ProbeError("--token-file and --no-token exclude each other")
        if uninstall:
            if label is not None or token_file is not None or no_token:
                raise ProbeError("--label, --token-file and --no-token have no meaning with "
                                 "--uninstall")
            plan = install.plan_uninstall(Path(script))
        else:
            plan = install.plan_install(Path(script), label,
                                        endpoint_source.read().encode("utf-8"),
                                        token_file=None if token_file is None else Path(token_file),
                                        no_token=no_token)
        if dry_run:
            click.echo(install.diff(plan), nl=False)
            return
        if plan.changed:
            install.apply(plan)
    except ProbeError as exc:
        fail(str(exc))
    if plan.changed:
        click.echo(plan.summary)
    else:
        token = f"; for the probe's manifest: {plan.token.manifest_line}" if plan.token else ""
        click.echo(one_line(f"the probe endpoint in {script} is already as asked; nothing "
                            f"changed{token}", limit=None))


class ForwardedCommand(click.Command):
    """A command whose arguments click leaves alone (``--`` and ``-h`` included): the
    command parses them itself."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.args = list(args)
        return ctx.args


@main.command(cls=ForwardedCommand, add_help_option=False, help=CHECK_SUMMARY)
@click.pass_context
def check(ctx: click.Context) -> None:
    # A Monitoring Plugin parses its own arguments (probe.check.args, where its options and
    # help live); probe.entry sends `probe check` there without click. This command keeps
    # it in `probe --help` and in `python -m probe` / main(["check", ...]), unchanged.
    from probe.check import main as check_main

    check_main(ctx.args)


@main.command(context_settings=CONTEXT)
@click.option("-m", "--manifest", "manifest_path", required=True, metavar="FILE",
              type=click.Path(dir_okay=False), help="TOML manifest to sweep.")
@click.option("--listen", default=defaults.EXPORTER_LISTEN, show_default=True, metavar="HOST:PORT",
              help="Address to serve on ([::1]:PORT for IPv6; port 0 picks a free one).")
@click.option("--min-interval", type=click.FloatRange(0, None),
              default=defaults.EXPORTER_MIN_INTERVAL, show_default=True,
              metavar="SECONDS",
              help="Serve a sweep younger than this again instead of sweeping (0: every scrape).")
@click.option("--timeout-offset", type=click.FloatRange(0, None),
              default=defaults.EXPORTER_TIMEOUT_OFFSET,
              show_default=True, metavar="SECONDS",
              help="Subtracted from the scrape timeout Prometheus announces.")
@click.option("--connect", metavar="HOST[:PORT]", multiple=True,
              help="Send every request here; Host header and TLS SNI stay the URL's. "
                   "Repeat it to probe every URL at each address (a fleet).")
@click.option("--token-file", type=click.Path(dir_okay=False),
              help="File holding the X-Probe-Token (default: the manifest's token settings).")
@click.option("--shard", metavar="I/N",
              help="Sweep only the manifest URLs Prometheus's hashmod N puts in shard I "
                   "(several exporters sharing one manifest; see /sd).")
@click.option("--log-format", type=click.Choice(["auto", "console", "json"]), default="auto",
              show_default=True, help="auto: JSON when stderr is not a terminal.")
@click.option("-v", "--verbose", count=True,
              help="-v logs every probe request, -vv debug events.")
def exporter(manifest_path: str, listen: str, min_interval: float, timeout_offset: float,
             connect: tuple[str, ...], shard: str | None, token_file: str | None,
             log_format: str, verbose: int) -> None:
    """Prometheus exporter: /metrics sweeps the manifest, /probe?target=URL probes one URL.

    \b
    /metrics   one sweep per scrape, shared by concurrent scrapes, bounded by
               the X-Prometheus-Scrape-Timeout-Seconds header
    /probe     ?target=URL[&expected=NAME]: blackbox_exporter-style multi-target
    /sd        the manifest's URLs for Prometheus's HTTP service discovery
    /          the last sweep as an HTML table

    Runs until SIGTERM or Ctrl-C, then exits 0. See contrib/prometheus/ for a
    scrape configuration and alert rules.
    """
    from probe import manifest
    from probe.exporter import command as exporting
    from probe.exporter.discovery import Shard

    exporting.configure_logging(verbose, log_format)
    try:
        sharded = Shard.parse(shard) if shard is not None else None
        loaded = manifest.load(manifest_path).with_probe(connect=connect or None,
                                                         token_file=token_file)
        options = exporting.ExporterOptions(listen=listen, min_interval=min_interval,
                                            timeout_offset=timeout_offset, shard=sharded)
        status = exporting.serve(loaded, options, version=__version__,
                                 environ=environment().environ)
    except ProbeError as exc:
        fail(str(exc))
    sys.exit(status)


@main.command(context_settings=CONTEXT)
@click.option("--serve", is_flag=True,
              help="Keep the lab running until Ctrl-C and print its manifest, to try "
                   "sweep, check and exporter on it.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Loopback port for the lab (0 picks a free one).")
def demo(serve: bool, port: int) -> None:
    """Sweep a built-in, SIMULATED Apache/mod_wsgi with the three classic misroutes.

    Nothing to install or configure: the lab runs in this process on 127.0.0.1.
    Exit status 0 (the problems found are the demo), 1 if the lab itself failed.
    """
    from probe import demo as demonstration
    from probe import logs
    logs.configure(0)
    try:
        status = demonstration.run(serve=serve, port=port, env=environment())
    except ProbeError as exc:
        fail(str(exc))
    sys.exit(status)


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


@main.command(context_settings=CONTEXT)
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


@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--server-root", metavar="DIR", help=SERVER_ROOT_HELP)
@click.option("-D", "--define", "defines", multiple=True, metavar="NAME", help=DEFINE_HELP)
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the manifest here instead of stdout.")
@click.option("--front", "front", type=FRONT_CHOICE, default="auto", show_default=True,
              help=FRONT_HELP)
def discover(paths: tuple[str, ...], server_root: str | None, defines: tuple[str, ...],
             output: str | None, front: str) -> None:
    """Write a manifest derived from Apache or nginx configuration.

    nginx: one instance per upstream application, its URLs from server_name and the
    location, [probe] connect from listen, [refuse] an unknown name where several server
    blocks share an address.

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
    for warning in found.warnings:
        click.echo(f"probe: warning: {warning}", err=True)
    emit(render(found), output)


@main.command(context_settings=CONTEXT)
@click.option("--config", "config_paths", multiple=True, metavar="PATH",
              help="Apache configuration (repeatable): names daemon groups that have no "
                   "display-name, from the order of their WSGIDaemonProcess directives.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def ps(config_paths: tuple[str, ...], fmt: str) -> None:
    """Local Apache/mod_wsgi processes: pid, role, process group, user, memory, age.

    A mod_wsgi daemon process is recognised by its title, (wsgi:GROUP) with
    display-name=%{GROUP}, or else by the daemon socket it listens on (reading another
    user's sockets needs root). Every other Apache child is a worker, which is where
    embedded-mode applications run.

    \b
    Exit status: 0 (also when no Apache runs), 2 unreadable --config.
    """
    import json

    from probe import procs

    names = None
    if config_paths:
        from probe.apache import ConfigUnreadable, load_site

        try:
            site = load_site(config_paths)
        except ConfigUnreadable as exc:
            fail(str(exc))
        names = procs.group_names_from([d.name for d in site.daemons])
    rows = procs.list_processes(names)
    if fmt == "json":
        click.echo(json.dumps({"processes": [r.as_json() for r in rows]}, indent=2))
    else:
        click.echo(procs.render_table(rows, terminal=environment().stdout_isatty), nl=False)
