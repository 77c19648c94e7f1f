"""The probe token, read once at the edge of each command, and the CA bundle, checked there.

The manifest only says where the token is (``token_file``, ``token_env``); the commands read it
here, before any request, and pass the value in: no data class reads files or the environment,
and an unreadable token file stops the command at once with one line instead of turning every
URL into ``no_endpoint``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from probe import files
from probe.errors import ManifestError
from probe.manifest import ProbeSettings

MAX_TOKEN_FILE_BYTES = 64 * 1024
"""A token is a line of text; a token file larger than this is the wrong file."""

MAX_TOKEN_CHARS = 1024
"""A token is a few dozen characters (``--install`` writes 43); a longer line is no token."""

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
"""What a token never holds: contrib/wsgi_endpoint.py refuses a token file by the same rule."""

MAX_CA_FILE_BYTES = 16 * 1024 * 1024
"""certifi's bundle and a distribution's are a few hundred KiB; 16 MiB is not a CA bundle."""


def token_problem(token: str) -> str | None:
    """Why ``token`` (stripped of the whitespace around it) is not one token: one line of
    at most MAX_TOKEN_CHARS characters, no control character; None when it is one.

    A file given by mistake (``--token-file /etc/shadow``) would otherwise be adopted, or,
    on one line, sent as ``X-Probe-Token`` to every server probed. Never says what it holds.
    """
    lines = len(token.splitlines())
    if lines > 1:
        return f"holds {lines} lines, not one token"
    if _CONTROL.search(token):
        return "holds a control character, not one token"
    if len(token) > MAX_TOKEN_CHARS:
        return f"holds {len(token)} characters, not one token (at most {MAX_TOKEN_CHARS})"
    return None


def read_token(settings: ProbeSettings, environ: Mapping[str, str], *,
               manifest_file: str | None = None) -> str | None:
    """``token_file`` if set, else the ``token_env`` variable of ``environ``; None if neither.

    Raises ManifestError when the token file cannot be read or holds no token, or what it
    or the variable holds is not one token (:func:`token_problem`): nothing is sent then.
    Also, before reading anything, when another user could have written ``manifest_file``
    (the manifest the URLs come from) or planted the token file (:mod:`probe.manifest_trust`),
    and when a link of another user is on the token file's path (:mod:`probe.token_file`).
    """
    if manifest_file and (settings.token_file or environ.get(settings.token_env, "").strip()):
        _refuse_foreign_manifest(manifest_file)
    if settings.token_file:
        from probe.manifest_trust import planted_token_file

        if (planted := planted_token_file(settings.token_file)) is not None:
            raise ManifestError(f"token file {settings.token_file!r} is not read: {planted}; "
                                "give a token file of this user's or root's; nothing was sent")
        from probe import token_file

        try:
            token = token_file.read_bytes(settings.token_file, MAX_TOKEN_FILE_BYTES).decode(
                "utf-8").strip()
        except token_file.ForeignLink as exc:
            raise ManifestError(f"token file {settings.token_file!r} is not read: "
                                f"{exc.strerror}; nothing was sent") from None
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
        if (problem := token_problem(token)) is not None:
            raise ManifestError(f"token file {settings.token_file!r} {problem}: it should hold "
                                f"the token the endpoints were given, on one line; nothing was "
                                f"sent")
        return token
    value = environ.get(settings.token_env, "").strip()
    if value and (problem := token_problem(value)) is not None:
        raise ManifestError(f"${settings.token_env} {problem}: it should hold the token the "
                            f"endpoints were given; nothing was sent")
    return value or None


def _refuse_foreign_manifest(path: str) -> None:
    from probe.manifest_trust import foreign_writer

    why = foreign_writer(path)
    if why is not None:
        raise ManifestError(
            f"{path}: no probe token is read for this manifest: {why}, so another user could "
            "choose the URLs the token is sent to and the file it is read from; make it "
            "this user's or root's and 'chmod go-w' it (and its directories), or probe "
            "without a token; nothing was sent")


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
