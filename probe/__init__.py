"""wsgi-probe: which WSGI instance really answers each host and path, and why."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wsgi-probe")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
