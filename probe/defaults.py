"""Defaults the command line shows and the modules use: written once, here.

A module of constants only, so ``probe --help`` can show them without importing the exporter
or the plugin (start-up stays fast).
"""

from __future__ import annotations

EXPORTER_PORT = 8397
"""Outside Prometheus' 9100-9999 exporter range and the ports web stacks often use."""
EXPORTER_LISTEN = f"127.0.0.1:{EXPORTER_PORT}"
EXPORTER_TIMEOUT_OFFSET = 0.5
"""blackbox_exporter's --timeout-offset default: room for the answer to travel back."""
EXPORTER_MIN_INTERVAL = 0.0
CHECK_TIMEOUT = 10.0
"""Seconds; the guidelines' "typically 10 sec", and Nagios' default service_check_timeout is 60."""
