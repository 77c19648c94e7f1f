"""wsgi-probe: which WSGI instance really answers each host and path, and why."""

# The one place the version is written: pyproject.toml reads it from here (hatch), and
# `probe --version` needs no importlib.metadata (80 ms of start-up) to print it.
__version__ = "0.2.0"

VERSION_LINE = f"wsgi-probe, version {__version__}\n"
"""What ``probe --version`` prints (click's ``version_option`` and ``probe check -V`` alike; a
test compares them)."""
