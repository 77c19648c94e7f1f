"""``probe sweep``: probe every URL of a manifest (or the URLs given), diagnose, report."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

import click

from probe.commands.shared import CONTEXT, emit, environment, fail, output_path
from probe.errors import ProbeError, UsageError
from probe.exits import sweep_exit
from probe.safe_text import one_line

if TYPE_CHECKING:
    from probe.diagnose import ConfigJoin
    from probe.manifest import Manifest
    from probe.output_file import ReadFile


@click.command(context_settings=CONTEXT)
@click.argument("urls", nargs=-1)
@click.option("-m", "--manifest", "manifest_path", type=click.Path(dir_okay=False),
              help="TOML manifest: instances, their URLs, and URLs that must be refused.")
@click.option("--connect", metavar="HOST[:PORT]", multiple=True,
              help="Send every request here; Host header and TLS SNI stay the URL's. "
                   "Repeat it to probe every URL at each address (a fleet).")
@click.option("--all-addresses", is_flag=True, default=None,
              help="Probe every A and AAAA address each URL's host name resolves to.")
@click.option("--samples", type=int, help="Requests per URL (default 3, at most 10000).")
@click.option("--concurrency", type=int,
              help="Requests in flight at once (default 32, at most 1000).")
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
@click.option("--send-token-unverified", is_flag=True,
              help="With --no-sni: send the probe token although no certificate name is "
                   "checked before it goes (refused otherwise).")
@click.option("--config", "config_paths", metavar="PATH", multiple=True,
              help="The front's configuration, Apache's or nginx's (a file, or a directory): "
                   "its predicted route of each URL is joined to the answer, and causes cite "
                   "file:line. One front's per sweep.")
@click.option("--no-extra-probes", is_flag=True,
              help="Send no extra request to tell causes apart (a .invalid name at an "
                   "address where another site answered); causes may stay undetermined.")
@click.option("--apachectl", is_flag=True,
              help="With --config: also ask httpd (apache2 -S) and warn where it disagrees "
                   "with the model of the configuration.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "junit"]), default="table",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, allow_dash=True),
              callback=output_path, help="Write the report here instead of stdout (- is stdout).")
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
          send_token_unverified: bool,
          no_extra_probes: bool, config_paths: tuple[str, ...], apachectl: bool, fmt: str,
          output: str | None, fail_on_warning: bool, verbose: int, log_format: str) -> None:
    """Probe every URL of the manifest (or the URLs given) and diagnose each.

    Exit status: 0 all ok, 1 a problem found, 2 bad usage or bad manifest,
    70 an internal error (a bug: no verdict), 130 interrupted.
    """
    from probe import logs, manifest, progress, report
    from probe import sweep as sweeping
    from probe.credentials import check_ca_file, read_token
    from probe.deploy_time import parse_restarted_after
    from probe.front_config import MANIFEST_SETTING
    from probe.token_exposure import refuse_unverified, token_exposure

    logs.configure(verbose, log_format)
    try:
        config_path = _one_config(config_paths)
        if manifest_path and urls:
            raise ProbeError("give URLs or -m MANIFEST, not both")
        if not manifest_path and not urls:
            raise ProbeError("nothing to probe: give URLs or -m MANIFEST")
        loaded = manifest.load(manifest_path) if manifest_path else manifest.from_urls(urls)
        loaded = loaded.with_probe(connect=connect or None, all_addresses=all_addresses,
                                   samples=samples, concurrency=concurrency,
                                   timeout=timeout, token_file=token_file, ca_file=ca_file,
                                   sni=False if no_sni else None,
                                   send_token_unverified=send_token_unverified or None)
        env = environment()
        token = read_token(loaded.probe, env.environ, manifest_file=manifest_path)
        refuse_unverified(loaded, token)
        for line in token_exposure(loaded, token):
            click.echo(f"probe: warning: {one_line(line, limit=None)}", err=True)
        check_ca_file(loaded.probe)
        names = None if urls else list(loaded.instances)
        cutoff = parse_restarted_after(restarted_after, names)
        if baseline_path or save_baseline:  # their module only for them
            from probe import baseline as baselines
        before = baselines.load(baseline_path) if baseline_path else None
        if save_baseline:
            baselines.check_writable(save_baseline)
        config = _front_config(config_path or loaded.probe.config, apachectl, env.environ,
                               named="--config" if config_path else MANIFEST_SETTING)
        if output or save_baseline:  # nothing is written over otherwise
            _refuse_overwriting(output, save_baseline, _files_read(
                manifest_path, loaded, config, baseline_path, restarted_after))
        if save_baseline:
            baselines.refuse_other_file(save_baseline)
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


def _files_read(manifest_path: str | None, loaded: Manifest, config: ConfigJoin | None,
                baseline_path: str | None, restarted_after: tuple[str, ...]) -> list[ReadFile]:
    """Every file this sweep read (or takes a time from), which its outputs must not replace."""
    from probe.output_file import ReadFile

    found = [ReadFile("the manifest", manifest_path)] if manifest_path else []
    if loaded.probe.token_file:
        found.append(ReadFile("the token file", loaded.probe.token_file))
    if loaded.probe.ca_file:
        found.append(ReadFile("the CA file", loaded.probe.ca_file))
    if config is not None:
        found += [ReadFile("a configuration file", name) for name in config.front.files]
    if baseline_path:
        found.append(ReadFile("the --baseline file", baseline_path))
    stamps = [*restarted_after, *(i.restarted_after or "" for i in loaded.instances.values())]
    for value in stamps:
        # TIME, @FILE, INSTANCE=TIME or INSTANCE=@FILE: a deployed wsgi.py is worth keeping.
        text = value.strip()
        text = text if text.startswith("@") else text.partition("=")[2].strip()
        if text.startswith("@"):
            found.append(ReadFile("a --restarted-after file", text[1:]))
    return found


def _refuse_overwriting(output: str | None, save_baseline: str | None,
                        read: list[ReadFile]) -> None:
    """Before the sweep: neither ``-o`` nor ``--save-baseline`` may replace a file read,
    nor each other. ``--save-baseline`` onto ``--baseline`` is allowed: it moves the
    baseline on, after it was read."""
    from probe.output_file import refuse_inputs

    if save_baseline:
        refuse_inputs("--save-baseline", save_baseline,
                      [f for f in read if f.what != "the --baseline file"])
    if output:
        refuse_inputs("-o", output, read)
        if save_baseline and _same_place(output, save_baseline):
            raise UsageError(f"-o {output} is the --save-baseline file too: give another path")


def _same_place(one: str, other: str) -> bool:
    """Whether two paths name one file, existing (links followed) or to be created."""
    try:
        return os.path.samefile(one, other)
    except (OSError, ValueError):
        return os.path.realpath(one) == os.path.realpath(other)


def _one_config(paths: tuple[str, ...]) -> str | None:
    """The one ``--config`` given: a chain's two fronts are not joined to one route yet, and
    click would keep the last of two without a word."""
    if len(set(paths)) > 1:
        raise UsageError(
            f"--config given {len(paths)} times ({', '.join(paths)}): one front's configuration "
            f"is read per sweep. Give the front the URL reaches first for which site and mount "
            f"takes it (its host and mount routing), or the inner one for what it passes on to "
            f"the application (the Host, the path, the backend); sweep again with the other")
    return paths[0] if paths else None


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
