"""``probe check``: the sweep as a Monitoring Plugin (Nagios, Icinga, Naemon, ...).

:mod:`~probe.check.args` parses the command line with the standard library,
:mod:`~probe.check.plugin` runs acquire -> evaluate -> summarise -> runtime,
:mod:`~probe.check.options` holds thresholds, :mod:`~probe.check.runtime` the alarm and the
exit, :mod:`~probe.check.status_line` the first line. Nothing is imported here: the cheap
paths (``--help``, a bad manifest) must not pay for the sweep.
"""
