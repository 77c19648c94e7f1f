"""``probe exporter``: the sweep as a Prometheus exporter.

:mod:`~probe.exporter.command` runs it; :mod:`~probe.exporter.server` and
:mod:`~probe.exporter.http` answer HTTP; :mod:`~probe.exporter.sweeps` shares one sweep
between scrapes; :mod:`~probe.exporter.metrics` and :mod:`~probe.exporter.page` turn a
report into metric families and a page. Nothing is imported here, so importing one part
costs only that part.
"""
