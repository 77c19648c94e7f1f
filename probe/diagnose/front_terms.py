"""Each URL's diagnosis in the terms of the front that answered it (:mod:`.fronts`): nginx's
(:mod:`.nginx_causes`), an application server's reached directly (:mod:`.app_server`), Apache's
as written; then, for every front, the host and mount checks of :mod:`.integrity`, a fix
written into the front's file ended with how the running front reads it
(:mod:`.config_reload`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from probe.diagnose import integrity
from probe.diagnose.discriminate import h2c_suspected
from probe.diagnose.fronts import fronts
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.model import Cause, FrontKind, Observation, Verdict

if TYPE_CHECKING:
    from probe.front import FrontConfig, PredictedRoute


def _route(obs: Observation, config: FrontConfig | None) -> PredictedRoute | None:
    """nginx's route; Apache's only where it hands the URL to mod_proxy (the mount's fix is
    then in mod_proxy's words, never mod_wsgi's)."""
    if config is None or config.front not in (FrontKind.NGINX, FrontKind.APACHE):
        return None
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    route = config.route(obs.target.url, address)
    if config.front is FrontKind.APACHE and route.step("proxy") is None:
        return None
    return route


def _apache_said(obs: Observation, diagnosis: Diagnosis, config: FrontConfig | None) -> bool:
    """Whether Apache's configuration, routing what another front passed on, gave the cause."""
    from probe.diagnose.arrived import ArrivedRoutes

    if diagnosis.cause is None or not isinstance(config, ArrivedRoutes):
        return False
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    # an unjoined route decided only by which Listen mounts the answer's application
    return config.joined(obs.target.url, address) or (
        diagnosis.cause is Cause.WRONG_UPSTREAM and config.unjoined(obs.target.url, address))


def in_front_terms(observations: Sequence[Observation], diagnoses: Sequence[Diagnosis],
                   context: SweepContext, config: FrontConfig | None,
                   lint: Mapping[tuple[str, int], tuple[str, str]] | None = None,
                   ) -> list[Diagnosis]:
    kinds = fronts(observations, config.front if config is not None else None)
    worded: list[Diagnosis] = []
    for obs, diagnosis, kind in zip(observations, diagnoses, kinds, strict=True):
        before = diagnosis
        # nginx's and the application servers' wording only for their answers: an answer
        # through Apache (most checks) needs neither.
        if kind is FrontKind.NGINX and _apache_said(obs, diagnosis, config):
            pass  # Apache's configuration decided it for what nginx passed on: its words
        elif kind is FrontKind.NGINX:
            from probe.diagnose.nginx_causes import nginx_diagnosis
            from probe.diagnose.nginx_limits import limited

            # nginx refusing the probe's own requests (limit_req) is no misroute: said first
            diagnosis = limited(obs, diagnosis, context, config) or \
                nginx_diagnosis(obs, diagnosis, context, config, lint)
        elif kind is FrontKind.APP_SERVER:
            from probe.diagnose.app_server import misroute
            from probe.diagnose.nginx_errors import direct_diagnosis

            diagnosis = misroute(obs, direct_diagnosis(obs, diagnosis), context)
        if h2c_suspected(obs):  # bytes that were not HTTP/1.1: what the port speaks
            from probe.diagnose.h2c_words import h2c_only

            diagnosis = h2c_only(obs, diagnosis, context, config)
        checked = integrity.check(obs, diagnosis, context, kind, _route(obs, config),
                                  lambda other: _route(other, config),
                                  getattr(config, "model", None) if kind is FrontKind.NGINX
                                  else None)
        if checked.verdict is Verdict.HOST_REJECTED:  # another instance's settings file?
            from probe.diagnose.settings_shared import reworded

            checked = reworded(obs, checked, context, config)
        if kind is FrontKind.NGINX:  # a fix written into nginx's file: its reload
            from probe.diagnose.config_reload import nginx_ended

            checked = nginx_ended(before, checked, config)
        elif config is not None and config.front is FrontKind.APACHE:  # Apache's: its restart
            from probe.diagnose.config_reload import apache_ended

            checked = apache_ended(before, checked, obs, context, config)
        worded.append(checked)
    return worded
