"""``probe endpoint``: print contrib/wsgi_endpoint.py, or install it beside a WSGI script."""

from __future__ import annotations

import click

from probe.commands.shared import CONTEXT, fail
from probe.errors import ProbeError
from probe.safe_text import one_line


@click.command(context_settings=CONTEXT)
@click.option("--install", "script", metavar="WSGI_PY", type=click.Path(),
              help="Put wsgi_endpoint.py beside this WSGI script and wrap its application "
                   "(guarded: a failing endpoint never stops the application).")
@click.option("--label", metavar="NAME",
              help="The label the endpoint answers with (default: the script's directory; its file "
                   "name where other WSGI scripts share that directory).")
@click.option("--dry-run", is_flag=True, help="Print the change as a unified diff, write nothing.")
@click.option("--uninstall", is_flag=True,
              help="With --install: remove the block again, restoring the script exactly.")
@click.option("--token-file", "token_file", metavar="PATH", type=click.Path(),
              help="The token file the endpoint reads (default: wsgi_endpoint.token beside the "
                   "script, created readable by the script's owner and group only).")
@click.option("--group", metavar="GROUP",
              help="The group of the token file it creates: the one the application runs as "
                   "(mod_wsgi: WSGIDaemonProcess group=; gunicorn --group; uWSGI gid=), where "
                   "that is not the script's group.")
@click.option("--no-token", is_flag=True,
              help="No token: the endpoint answers loopback requests without a proxy header. "
                   "Safe only if no proxy on the server's machine forwards to the application.")
def endpoint(script: str | None, label: str | None, dry_run: bool, uninstall: bool,
             token_file: str | None, group: str | None, no_token: bool) -> None:
    """Print contrib/wsgi_endpoint.py, or install it beside a WSGI script.

    \b
      probe endpoint > wsgi_endpoint.py          print it
      probe endpoint --install mysite/wsgi.py    install it with a token (idempotent)
      probe endpoint --install mysite/wsgi.py --uninstall

    Exit status: 0 done (or nothing to do), 2 refused: the one line on stderr says why.
    """
    from probe import endpoint_source

    if script is None:
        if label or dry_run or uninstall or token_file or group or no_token:
            fail("--label, --dry-run, --uninstall, --token-file, --group and --no-token go "
                 "with --install WSGI_PY")
        try:
            click.echo(endpoint_source.read(), nl=False)
        except ProbeError as exc:
            fail(str(exc))
        return
    from pathlib import Path  # here, not at every command's start (2 ms of `probe sweep`)

    from probe import install

    try:
        if (token_file is not None or group is not None) and no_token:
            given = "--token-file" if token_file is not None else "--group"
            raise ProbeError(f"{given} and --no-token exclude each other")
        if uninstall:
            if label is not None or token_file is not None or group is not None or no_token:
                raise ProbeError("--label, --token-file, --group and --no-token have no "
                                 "meaning with --uninstall")
            plan = install.plan_uninstall(Path(script))
        else:
            plan = install.plan_install(Path(script), label,
                                        endpoint_source.read().encode("utf-8"),
                                        token_file=None if token_file is None else Path(token_file),
                                        no_token=no_token, group=group)
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
