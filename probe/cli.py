"""The ``probe`` command line: parse, call, print. No logic of its own lives here."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from probe import __version__
from probe.errors import ProbeError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str, status: int = 2) -> None:
    """One clear line on stderr, no traceback, then exit."""
    click.echo(f"probe: {message}", err=True)
    sys.exit(status)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="wsgi-probe")
def main() -> None:
    """Prove which WSGI instance really answers each host and path, and say why when it is wrong."""


@main.command(context_settings=CONTEXT)
@click.argument("urls", nargs=-1)
@click.option("-m", "--manifest", "manifest_path", type=click.Path(dir_okay=False),
              help="TOML manifest: instances, their URLs, and URLs that must be refused.")
@click.option("--connect", metavar="HOST:PORT",
              help="Send every request here; Host header and TLS SNI stay the URL's.")
@click.option("--samples", type=int, help="Requests per URL (default 3).")
@click.option("--concurrency", type=int, help="Requests in flight at once (default 32).")
@click.option("--timeout", type=float, help="Seconds per request, body included (default 5).")
@click.option("--token-file", type=click.Path(dir_okay=False),
              help="File holding the X-Probe-Token (default: $WSGI_PROBE_TOKEN).")
@click.option("--restarted-after", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S",
                                                        "%Y-%m-%d %H:%M:%S"]),
              help="Flag instances started before this time (UTC unless an offset is given) as stale.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "junit"]), default="table",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the report here instead of stdout.")
@click.option("--fail-on-warning", is_flag=True,
              help="Exit 1 on warning findings too (default: only on problem URLs).")
@click.option("-v", "--verbose", count=True, help="Log each request and its outcome on stderr.")
@click.option("--log-format", type=click.Choice(["console", "json"]), default="console",
              show_default=True)
def sweep(urls: tuple[str, ...], manifest_path: str | None, connect: str | None,
          samples: int | None, concurrency: int | None, timeout: float | None,
          token_file: str | None, restarted_after: datetime | None, fmt: str,
          output: str | None, fail_on_warning: bool, verbose: int, log_format: str) -> None:
    """Probe every URL of the manifest (or the URLs given) and diagnose each.

    Exit status: 0 all ok, 1 a problem found, 2 bad usage or bad manifest.
    """
    from probe import logs, manifest, report, sweep as sweeping
    from probe.model import Status

    logs.configure(verbose, log_format)
    try:
        if manifest_path and urls:
            raise ProbeError("give URLs or -m MANIFEST, not both")
        if not manifest_path and not urls:
            raise ProbeError("nothing to probe: give URLs or -m MANIFEST")
        loaded = manifest.load(manifest_path) if manifest_path else manifest.from_urls(urls)
        loaded = loaded.with_probe(connect=connect, samples=samples, concurrency=concurrency,
                                   timeout=timeout, token_file=token_file)
        result = sweeping.run_sweep(loaded, restarted_after=restarted_after,
                                    progress=sys.stderr.isatty() and not verbose)
    except ProbeError as exc:
        fail(str(exc))
        return
    text = report.render(result, fmt, color=output is None and sys.stdout.isatty())
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    if result.interrupted:
        sys.exit(130)
    failing = {Status.CRITICAL, Status.UNKNOWN} | ({Status.WARNING} if fail_on_warning else set())
    sys.exit(1 if result.status in failing else 0)


@main.command(context_settings=CONTEXT)
def endpoint() -> None:
    """Print contrib/wsgi_endpoint.py, the drop-in probe endpoint, to install on a server."""
    from probe import endpoint_source

    click.echo(endpoint_source.read(), nl=False)


def not_built(name: str) -> None:
    fail(f"'probe {name}' is not built yet", status=2)


@main.command(context_settings=CONTEXT)
def check() -> None:
    """Nagios/Icinga plugin (not built yet)."""
    not_built("check")


@main.command(context_settings=CONTEXT)
def exporter() -> None:
    """Prometheus exporter (not built yet)."""
    not_built("exporter")


@main.command(context_settings=CONTEXT)
def demo() -> None:
    """Start a lab on loopback with the classic misroutes and sweep it (not built yet)."""
    not_built("demo")


@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1)
def lint(paths: tuple[str, ...]) -> None:
    """Static analysis of Apache configuration (not built yet)."""
    not_built("lint")


@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1)
def discover(paths: tuple[str, ...]) -> None:
    """Write a manifest derived from Apache configuration (not built yet)."""
    not_built("discover")


@main.command(context_settings=CONTEXT)
def ps() -> None:
    """Local Apache/mod_wsgi processes (not built yet)."""
    not_built("ps")
