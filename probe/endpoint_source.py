"""The text of ``contrib/wsgi_endpoint.py``, wherever this package was installed from.

A wheel carries it as ``probe/_contrib/wsgi_endpoint.py`` (hatch force-include in
pyproject.toml); an editable install or a source checkout has only the repository's
``contrib/wsgi_endpoint.py``.
"""

from __future__ import annotations

import types
from importlib import resources
from pathlib import Path

from probe.errors import ProbeError

_PACKAGED = ("_contrib", "wsgi_endpoint.py")
_CHECKOUT = Path(__file__).resolve().parent.parent / "contrib" / "wsgi_endpoint.py"


def _packaged_bytes() -> bytes | None:
    try:
        ref = resources.files("probe").joinpath(_PACKAGED[0]).joinpath(_PACKAGED[1])
        if ref.is_file():
            return ref.read_bytes()
    except (OSError, ModuleNotFoundError):
        pass
    return None


def _source() -> tuple[str, str]:
    """Return (text, filename for tracebacks)."""
    # Bytes, decoded here: text-mode reading would translate newlines, and the
    # printed file must be byte-identical to the one in the repository.
    data = _packaged_bytes()
    origin = "probe/_contrib/wsgi_endpoint.py"
    if data is None:
        try:
            data = _CHECKOUT.read_bytes()
        except OSError as exc:
            raise ProbeError(
                f"wsgi_endpoint.py is missing from this installation of wsgi-probe "
                f"(looked in the package and at {_CHECKOUT}): {exc.strerror}"
            ) from exc
        origin = str(_CHECKOUT)
    return data.decode("utf-8"), origin


def read() -> str:
    """The endpoint file's text, exactly as shipped."""
    return _source()[0]


def load_module(name: str) -> types.ModuleType:
    """Execute the endpoint source into a new module object.

    Each call gives an independent copy with its own module-level state, like a
    separate mod_wsgi sub interpreter would. The module is not put in
    ``sys.modules``, so copies never replace one another.
    """
    text, origin = _source()
    module = types.ModuleType(name)
    module.__file__ = origin
    code = compile(text, origin, "exec")
    exec(code, module.__dict__)  # noqa: S102 - our own shipped file, run as a module would be
    return module
