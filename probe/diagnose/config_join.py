"""What diagnosis is given of the front's configuration (``--config``): its routes, the lint
findings of the same configuration, and the front's own answers to where a route leaves the
intended one. Its own module so that the join's helpers (:mod:`.join_sharing`,
:mod:`.join_unanswered`) take it without importing the join that calls them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from probe.front import Divergence, FrontConfig, PredictedRoute


@dataclass(frozen=True)
class ConfigJoin:
    """The front's configuration as the sweep's diagnosis uses it: the routes, and the lint
    findings of the same configuration by ``(file, line)`` (code and message)."""

    front: FrontConfig
    findings: Mapping[tuple[str, int], tuple[str, str]] = field(default_factory=dict)
    divergence: Callable[[PredictedRoute, str, str | None], Divergence | None] | None = None
    """Where a route leaves the one to a WSGI script in a daemon group (the front's own)."""
    intended: Callable[[PredictedRoute, str | None, str | None],
                       tuple[str, str] | None] | None = None
    """The script the configuration mounts for a route's URL other than the route's, given
    the daemon group and settings package declared (and why), when no answer names it."""
    refuse_block: Callable[[PredictedRoute], str | None] | None = None
    """The front's catch-all for a route's address as its configuration needs it (on a TLS
    address: its SSLEngine and certificate lines), None for the generic one."""
    refuse_why: Callable[[PredictedRoute], str] | None = None
    """Why that catch-all is written for its address (an IP-based one), empty: nothing."""
