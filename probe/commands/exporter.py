"""``probe exporter``: the Prometheus exporter's options, handed to :mod:`probe.exporter`."""

from __future__ import annotations

import sys

import click

from probe import __version__, defaults
from probe.commands.shared import CONTEXT, environment, fail
from probe.errors import ProbeError


@click.command(context_settings=CONTEXT)
@click.option("-m", "--manifest", "manifest_path", required=True, metavar="FILE",
              type=click.Path(dir_okay=False),
              help="TOML manifest to sweep (read again when it changes, and on SIGHUP).")
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
@click.option("--probe-any-target", is_flag=True,
              help="Let /probe?target= send requests to any address and port, not only to "
                   "those the manifest's own requests go to (default: 403 for others).")
@click.option("--log-format", type=click.Choice(["auto", "console", "json"]), default="auto",
              show_default=True, help="auto: JSON when stderr is not a terminal.")
@click.option("-v", "--verbose", count=True,
              help="-v logs every probe request, -vv debug events.")
def exporter(manifest_path: str, listen: str, min_interval: float, timeout_offset: float,
             connect: tuple[str, ...], shard: str | None, token_file: str | None,
             probe_any_target: bool, log_format: str, verbose: int) -> None:
    """Prometheus exporter: /metrics sweeps the manifest, /probe?target=URL probes one URL.

    \b
    /metrics   one sweep per scrape, shared by concurrent scrapes, bounded by
               the X-Prometheus-Scrape-Timeout-Seconds header
    /probe     ?target=URL[&expected=NAME]: blackbox_exporter-style multi-target
    /sd        the manifest's URLs for Prometheus's HTTP service discovery
    /          the last sweep as an HTML table

    The manifest is read again when its file changes and on SIGHUP (an invalid
    one is logged and the old one kept). Runs until SIGTERM or Ctrl-C, then
    exits 0. See contrib/prometheus/ for a scrape configuration and alert rules.
    """
    from probe import manifest
    from probe.exporter import command as exporting
    from probe.exporter.discovery import Shard

    exporting.configure_logging(verbose, log_format)
    try:
        sharded = Shard.parse(shard) if shard is not None else None
        def read() -> manifest.Manifest:
            return manifest.load(manifest_path).with_probe(connect=connect or None,
                                                           token_file=token_file)

        options = exporting.ExporterOptions(listen=listen, min_interval=min_interval,
                                            timeout_offset=timeout_offset, shard=sharded,
                                            any_target=probe_any_target)
        status = exporting.serve(read(), options, version=__version__,
                                 environ=environment().environ, read=read)
    except ProbeError as exc:
        fail(str(exc))
    sys.exit(status)
