"""The probe token, read once at the edge of each command.

The manifest only says where the token is (``token_file``, ``token_env``); the commands read it
here, before any request, and pass the value in: no data class reads files or the environment,
and an unreadable token file stops the command at once with one line instead of turning every
URL into ``no_endpoint``.
"""

from __future__ import annotations

from collections.abc import Mapping

from probe import files
from probe.errors import ManifestError
from probe.manifest import ProbeSettings

MAX_TOKEN_FILE_BYTES = 64 * 1024
"""A token is a line of text; a token file larger than this is the wrong file."""


def read_token(settings: ProbeSettings, environ: Mapping[str, str]) -> str | None:
    """``token_file`` if set, else the ``token_env`` variable of ``environ``; None if neither.

    Raises ManifestError when the token file cannot be read or holds no token.
    """
    if settings.token_file:
        try:
            token = files.read_text(settings.token_file, MAX_TOKEN_FILE_BYTES).strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ManifestError(
                f"token file {settings.token_file!r} cannot be read: {reason}"
            ) from None
        if not token:
            # An empty token would be sent and checked as one: every signed answer would then
            # read as forged, a security alarm on every URL for a set-up mistake.
            raise ManifestError(f"token file {settings.token_file!r} is empty: it should hold "
                                f"the token the endpoints were given")
        return token
    value = environ.get(settings.token_env, "").strip()
    return value or None
