"""The demo lab: an in-process stand-in for Apache httpd + mod_wsgi hosting two Django projects.

It exists to show, with no server installed, what ``probe sweep`` finds on a
misconfigured server, and to document how Apache and mod_wsgi route a request
(:mod:`probe.lab.router`). It is a simulation: see :mod:`probe.lab.interpreters`
for what is modelled of processes and sub interpreters, and what is not.
"""
