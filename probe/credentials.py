"""The probe token, read once at the edge of each command, and the CA bundle, checked there.

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

MAX_CA_FILE_BYTES = 16 * 1024 * 1024
"""certifi's bundle and a distribution's are a few hundred KiB; 16 MiB is not a CA bundle."""


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


def check_ca_file(settings: ProbeSettings) -> None:
    """ManifestError unless ``ca_file`` (when set) is a readable file of PEM certificates.

    libcurl reads it only at the first HTTPS request, and its failure then looks like the
    server's: every https URL ``unreachable`` with a fix about the server's certificate.
    """
    path = settings.ca_file
    if not path:
        return
    import ssl  # only for a CA file given: the usual check starts without it

    try:
        data = files.read_bytes(path, MAX_CA_FILE_BYTES)
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(
            cadata=data.decode("ascii"))
    except (ssl.SSLError, UnicodeDecodeError, ValueError):
        raise ManifestError(f"CA file {path!r} cannot be used: no PEM certificate in it") from None
    except OSError as exc:
        raise ManifestError(f"CA file {path!r} cannot be used: {exc.strerror}") from None
