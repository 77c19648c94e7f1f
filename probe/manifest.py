"""The manifest: which instance should answer which URL (docs/manifest.md).

Parsing is strict on purpose: an unknown key is an error, because a typo such as
``setings = ...`` would otherwise silently switch a check off.

Longer than 300 lines because every key of docs/manifest.md is validated here, each with
its own one-line error; the checks share the file/key-path/line context of one parse.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import SplitResult, urlsplit

from probe.deploy_time import parse_deploy_time
from probe.errors import ManifestError, UsageError
from probe.files import FileRefused, read_bytes
from probe.identities import check_identities
from probe.safe_text import one_line
from probe.urls import split_usual

ANY_INSTANCE = "*"
"""``expected`` of a URL given on the command line: any instance may answer it."""

DEFAULT_REFUSE_STATUSES = frozenset({403, 404, 421})

MAX_MANIFEST_BYTES = 64 * 1024 * 1024
"""A manifest of a million URLs (a large fleet, about 45 bytes a URL) is under this; more is
not a manifest. Read whole and parsed, it costs a few hundred MiB while loading."""

MAX_TIMEOUT = 86400.0
"""Seconds; a longer request timeout is a typo (and ``1e308`` overflows the clock)."""

MAX_SAMPLES = 10_000
"""Requests per URL. A handful tell the processes of a daemon apart; ten thousand is more
than any sweep needs, and more is a typo (a billion would hold gigabytes of samples)."""

MAX_CONCURRENCY = 1000
"""Requests in flight at once; each holds a connection and a file descriptor (1024 is
many systems' ``ulimit -n``), so more is a typo, not a faster sweep."""

_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
"""An unreserved path segment (RFC 3986): sent as written, matched as written by the endpoint."""

_HOST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")
_URL_HOST_ASCII = re.compile(r"[A-Za-z0-9._-]+")
"""An ASCII host name of a URL as libcurl sends it (IPv4 included); libcurl says "Bad
hostname" for ``%``, ``\\``, ``<``, ... and the sweep would call it unreachable."""
_URL_CONTROL = re.compile(r"[\x00-\x20\x7f]")
"""ASCII controls, DEL and the space: never part of a URL as sent (RFC 3986 section 2)."""
_PORT = re.compile(r"[0-9]{1,5}")  # ASCII digits only: "²".isdigit() is True
_USUAL_URL = re.compile(r"(https?)://([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?"
                        r"(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?")
"""The usual probe URL, which passes every check of :func:`_checked` (fullmatch only)."""


@dataclass(frozen=True)
class ProbeSettings:
    """The ``[probe]`` table: how to send the probe requests."""

    connect: str | None = None
    """The first ``connect`` address (the only one unless ``connect`` is a list)."""
    connects: tuple[str, ...] = ()
    """Every ``connect`` address: with more than one, each URL is probed at each."""
    all_addresses: bool = False
    segment: str = "__probe__"
    token_env: str = "WSGI_PROBE_TOKEN"  # noqa: S105 - a variable name
    token_file: str | None = None
    ca_file: str | None = None
    timeout: float = 5.0
    samples: int = 3
    concurrency: int = 32
    sni: bool = True
    """False: HTTPS without SNI, as old clients connect (needs ``connect`` to an IP address)."""
    send_token_unverified: bool = False
    """True: with ``sni`` false, send the token all the same, though no certificate name is
    checked before it goes (probe.token_exposure); by default such a sweep is refused."""
    config: str | None = None
    """The front server's configuration (a file or directory) whose routes the diagnosis
    joins to the answers; relative to the manifest's directory."""

    def __post_init__(self) -> None:
        # ProbeSettings(connect="h:p") built in code means that one address, as parsed would.
        if self.connect is not None and not self.connects:
            object.__setattr__(self, "connects", (self.connect,))


@dataclass(frozen=True)
class Instance:
    """One ``[instances.NAME]`` table: a Django/WSGI instance and the URLs it must answer."""

    name: str
    urls: tuple[str, ...]
    label: str | None = None
    settings: str | None = None
    process_group: str | None = None
    application_group: str | None = None
    # What the instance should run (issue 11); checked only when declared.
    python_prefix: str | None = None
    python_version: str | None = None
    django_version: str | None = None
    code_version: str | None = None
    time_zone: str | None = None
    restarted_after: str | None = None
    """When this instance was deployed: an ISO 8601 time, or ``@/abs/path`` (that file's
    modification time, read at each sweep): older processes are ``stale``."""
    connect: str | None = None
    """``HOST[:PORT]`` its URLs are sent to instead of ``[probe] connect``: an IP-based
    VirtualHost answers only at its own address."""
    script_name: str | None = None
    """The SCRIPT_NAME the application must receive (``""``: its URL patterns carry the
    whole path): the one thing that decides a whole path passed with SCRIPT_NAME ''."""


@dataclass(frozen=True, slots=True)
class Target:
    """One URL to probe and the instance that should answer it.

    ``expected`` is an instance name, ``None`` for a ``[refuse]`` URL, or
    ``ANY_INSTANCE`` for a URL given on the command line.
    """

    url: str
    expected: str | None
    address: str | None = None
    """``HOST:PORT`` the request goes to (see :mod:`probe.addresses`); None: where DNS says."""

    def at(self, address: str | None) -> Target:
        """This target at ``address``: dataclasses.replace's result, without its cost (a
        fleet's every target is made here; tests/test_manifest.py keeps them in step)."""
        return Target(self.url, self.expected, address)

    def probe_url(self, segment: str) -> str:
        """The URL's path joined with the probe segment: ``/suburl/`` -> ``/suburl/__probe__``."""
        scheme, netloc, path = split_usual(self.url) or urlsplit(self.url)[:3]
        return f"{scheme}://{netloc}{path.rstrip('/')}/{segment}"


@dataclass(frozen=True)
class Manifest:
    """A read manifest: the probe settings, the instances and their URLs, the refuse URLs."""

    probe: ProbeSettings = field(default_factory=ProbeSettings)
    instances: Mapping[str, Instance] = field(default_factory=dict)
    refuse_urls: tuple[str, ...] = ()
    refuse_statuses: frozenset[int] = DEFAULT_REFUSE_STATUSES
    source: str = "<manifest>"

    def targets(self) -> list[Target]:
        """Every URL to probe, instances in manifest order, then the refuse URLs."""
        found = [Target(url, name) for name, inst in self.instances.items() for url in inst.urls]
        found += [Target(url, None) for url in self.refuse_urls]
        return found

    def connects_for(self, target: Target) -> tuple[str, ...]:
        """Where ``target``'s requests go: its instance's own ``connect``, else
        ``[probe] connect`` (empty: where DNS says)."""
        instance = self.instances.get(target.expected or "")
        return (instance.connect,) if instance and instance.connect else self.probe.connects

    def own_connects(self) -> dict[str, tuple[str, ...]]:
        """The instances that declare their own ``connect``, by name."""
        return {name: (i.connect,) for name, i in self.instances.items() if i.connect}

    def target_for(self, url: str) -> Target | None:
        """The manifest's target for ``url`` (compared with :func:`normal_url`), or None.

        The target's ``expected`` says who must answer; None means the URL is
        not in the manifest at all.
        """
        key = normal_url(url)
        return next((t for t in self.targets() if normal_url(t.url) == key), None)

    def with_probe(self, **changes: Any) -> Manifest:
        """A copy with some ``[probe]`` settings replaced (command-line overrides)."""
        given = {k: v for k, v in changes.items() if v is not None}
        if not given:
            return self
        settings = {**self.probe.__dict__, **given}
        if "connect" not in given:
            settings["connect"] = list(self.probe.connects) or None
        elif isinstance(given["connect"], tuple):  # repeated --connect
            settings["connect"] = list(given["connect"])
        instances = self.instances
        if "connect" in given:  # --connect sends every request there, the instances' too
            instances = {n: replace(i, connect=None) for n, i in instances.items()}
        probe = _check_probe(settings, "command line", "")
        _check_sni(probe, instances, self.refuse_urls, self.source, "command line: --no-sni")
        return Manifest(
            probe=probe,
            instances=instances,
            refuse_urls=self.refuse_urls,
            refuse_statuses=self.refuse_statuses,
            source=self.source,
        )


def load(path: str | os.PathLike[str]) -> Manifest:
    """Read and check a manifest file."""
    source = os.fspath(path)
    try:
        data = read_bytes(source, MAX_MANIFEST_BYTES)
    except FileRefused as exc:
        what = ": not a manifest" if exc.too_large else ""
        raise ManifestError(f"{source}: {exc.strerror}{what}") from None
    except OSError as exc:
        raise ManifestError(f"{source}: cannot read manifest: {exc.strerror}") from None
    try:
        # "utf-8-sig": a byte order mark (Windows editors write one) is no TOML statement.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ManifestError(f"{source}: not UTF-8 text") from None
    loaded = parse(text, source)
    config = loaded.probe.config
    if config is not None and not os.path.isabs(config):  # relative to the manifest
        here = os.path.dirname(os.path.abspath(source))
        loaded = replace(loaded, probe=replace(loaded.probe, config=os.path.join(here, config)))
    return loaded


def parse(text: str, source: str = "<manifest>") -> Manifest:
    """Check a manifest given as TOML text; ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already carries "(at line L, column C)".
        raise ManifestError(f"{source}: TOML syntax error: {exc}") from None
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively: ~500 levels of
        # "[[[[..." exhaust the stack. No manifest nests more than two.
        raise ManifestError(f"{source}: TOML nested too deeply: not a manifest") from None
    _only_keys(data, {"probe", "instances", "refuse"}, source, "")
    probe = _check_probe(_table(data, "probe", source, ""), source, "probe")
    keys: dict[str, str] = {}
    instances = _check_instances(_table(data, "instances", source, ""), source, keys)
    refuse = _table(data, "refuse", source, "")
    _only_keys(refuse, {"urls", "statuses"}, source, "refuse")
    refuse_urls = _url_list(refuse.get("urls", []), source, "refuse.urls", keys)
    statuses = refuse.get("statuses", sorted(DEFAULT_REFUSE_STATUSES))
    if not isinstance(statuses, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) and 100 <= s <= 599 for s in statuses
    ):
        raise ManifestError(f"{source}: refuse.statuses: must be a list of HTTP status codes")
    if not instances and not refuse_urls:
        raise ManifestError(
            f"{source}: no [instances.NAME] tables and no [refuse] urls: nothing to probe"
        )
    _no_url_twice(instances, refuse_urls, source, keys)
    _check_sni(probe, instances, refuse_urls, source, f"{source}: probe.sni")
    check_identities(instances, source)
    return Manifest(probe, instances, tuple(refuse_urls), frozenset(statuses), source)


def from_urls(urls: Iterable[str], probe: ProbeSettings | None = None) -> Manifest:
    """A manifest for URLs given on the command line: any instance may answer each."""
    checked = _url_list(list(urls), "command line", "URL")
    instance = Instance(name=ANY_INSTANCE, urls=tuple(dict.fromkeys(checked)))
    return Manifest(probe or ProbeSettings(), {ANY_INSTANCE: instance}, source="command line")


def check_url(url: object, where: str) -> str:
    """The URL if it is an absolute http(s) URL with a host name; else ManifestError(where: ...)."""
    _checked(url, lambda: where)
    assert isinstance(url, str)
    return url


def _checked(url: object, where: Callable[[], str]) -> SplitResult:
    """check_url's checks; the URL's parts. ``where`` is said only on an error: a manifest
    of 100,000 URLs would otherwise format as many places it never names."""
    if not isinstance(url, str):
        raise ManifestError(f"{where()}: not a string: {url!r}")
    if _URL_CONTROL.search(url):
        # A NUL reaches libcurl's C strings as the end of the URL, other controls split
        # the request line; urlsplit only strips some of them and lets the rest through.
        raise ManifestError(f"{where()}: a control character in the URL: "
                            f"{one_line(repr(url))}")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise ManifestError(f"{where()}: not a valid URL: {url!r}") from None
    if port == 0:  # no server listens on port 0: every request would fail to connect
        raise ManifestError(f"{where()}: port 0 is no port a server listens on: {url!r}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ManifestError(f"{where()}: not an http(s) URL: {url!r}")
    if parts.query or parts.fragment:
        raise ManifestError(f"{where()}: a probe URL takes no query or fragment: {url!r}")
    if "@" in parts.netloc:
        # Never echoed: the password would land in logs and monitoring configs.
        hidden = f"{parts.scheme}://***@{parts.netloc.rpartition('@')[2]}{parts.path}"
        raise ManifestError(f"{where()}: a probe URL takes no user:password@ (the endpoint "
                            f"is authorised by X-Probe-Token: give --token-file): {hidden!r}")
    if not _url_host_ok(parts.netloc):
        # libcurl refuses it only when sending ("Bad hostname"), and the sweep would then
        # blame the server: a URL nobody can send is the manifest's error.
        raise ManifestError(f"{where()}: not a host name (letters, digits and - . _) or an IP "
                            f"address: {url!r}")
    return parts


def _url_host_ok(netloc: str) -> bool:
    """Whether a URL's host is one libcurl sends: a name of letters and digits (Unicode
    ones for an IDN name that has an IDNA form), hyphens, dots and underscores, an IPv4
    address, or an IPv6 address in brackets (urlsplit checked what the brackets hold)."""
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        _, close, rest = host.partition("]")
        return bool(close) and (not rest or rest.startswith(":"))
    name = host.partition(":")[0]  # the port: urlsplit's .port checked it
    if _URL_HOST_ASCII.fullmatch(name):
        return True
    if name.isascii():
        return False
    import unicodedata

    for char in name:  # an IDN name: Unicode letters, marks (Devanagari...) and digits
        if not (_URL_HOST_ASCII.fullmatch(char) if char.isascii()
                else unicodedata.category(char)[0] in "LMN"):
            return False
    try:
        name.encode("idna")  # what probe.wire sends
    except UnicodeError:
        return False
    return True


_PROBE_TYPES: dict[str, tuple[type, ...]] = {
    "connect": (str, list),
    "all_addresses": (bool,),
    "segment": (str,),
    "token_env": (str,),
    "token_file": (str,),
    "ca_file": (str,),
    "config": (str,),
    "timeout": (int, float),
    "samples": (int,),
    "concurrency": (int,),
    "sni": (bool,),
    "send_token_unverified": (bool,),
}


def _check_probe(table: Mapping[str, Any], source: str, where: str) -> ProbeSettings:
    """Check ``[probe]`` settings; ``where`` "" means command-line options (``--samples``)."""
    table = dict(table)
    if not where:
        table.pop("connects", None)  # with_probe passes every field; connect carries them
    _only_keys(table, set(_PROBE_TYPES), source, where)

    def at(key: str) -> str:
        return f"{source}: {where}.{key}" if where else f"{source}: --{key.replace('_', '-')}"

    for key, value in table.items():
        if value is None:
            continue
        wrong_bool = isinstance(value, bool) and bool not in _PROBE_TYPES[key]
        if wrong_bool or not isinstance(value, _PROBE_TYPES[key]):
            kind = " or ".join(t.__name__ for t in _PROBE_TYPES[key])
            raise ManifestError(f"{at(key)}: must be {kind}, not {value!r}")
        if isinstance(value, str) and "\0" in value:
            # A file name or variable name: C strings (open(), libcurl) end at a NUL.
            raise ManifestError(f"{at(key)}: a NUL character in {one_line(repr(value))}")
    connects = (
        check_connects(table.pop("connect"), at("connect"))
        if table.get("connect") is not None else ()
    )
    table.pop("connect", None)
    settings = ProbeSettings(
        connect=connects[0] if connects else None,
        connects=connects,
        **{k: v for k, v in table.items() if v is not None},
    )
    if not 0 < settings.timeout <= MAX_TIMEOUT:  # also false for nan
        raise ManifestError(
            f"{at('timeout')}: must be more than 0 and at most {MAX_TIMEOUT:g} seconds, "
            f"not {settings.timeout!r}")
    if settings.config is not None and not settings.config.strip():
        raise ManifestError(f"{at('config')}: must name a configuration file or directory")
    for key, most in (("samples", MAX_SAMPLES), ("concurrency", MAX_CONCURRENCY)):
        value = getattr(settings, key)
        if value < 1:
            raise ManifestError(f"{at(key)}: must be at least 1")
        if value > most:
            raise ManifestError(f"{at(key)}: must be at most {most}, not {value}")
    if not _SEGMENT.fullmatch(settings.segment) or settings.segment in (".", ".."):
        raise ManifestError(
            f"{at('segment')}: must be one path segment of letters, digits and ._~- "
            f"(not . or ..), not {settings.segment!r}")
    return settings


def _check_sni(probe: ProbeSettings, instances: Mapping[str, Instance],
               refuse_urls: Sequence[str], source: str, setting: str) -> None:
    """Without SNI every address an https URL's requests go to must be an IP, an instance's
    own too: libcurl sends a host name as SNI, only an IP address goes without it. An
    http URL sends no SNI whatever its ``connect``. ``setting`` names where sni = false
    was said (``FILE: probe.sni``, ``command line: --no-sni``)."""
    if probe.sni:
        return
    own = [(i.urls, i.connect, i.name) for i in instances.values() if i.connect]
    rest = [url for i in instances.values() if not i.connect for url in i.urls]
    for urls, connect, name in own:
        if _https(urls) and connect and not is_ip(parse_address(connect, "")[0]):
            raise ManifestError(f"{source}: instances.{name}.connect: probing "
                                f"without SNI needs connect IP:PORT")
    if _https([*rest, *refuse_urls]) and not probe_connects_ip(probe):
        raise ManifestError(f"{setting}: probing without SNI needs connect IP:PORT")


def probe_connects_ip(probe: ProbeSettings) -> bool:
    """Whether ``[probe] connect`` is set and every address of it is an IP address: what an
    https URL needs to go without SNI."""
    return bool(probe.connects) and all(
        is_ip(parse_address(c, "connect")[0]) for c in probe.connects)


def _https(urls: Iterable[str]) -> bool:
    return any(url[:6].lower() == "https:" for url in urls)


def is_ip(host: str) -> bool:
    """Whether ``host`` is an IPv4 or IPv6 address (not a name)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_address(value: str, where: str, *, allow_zero: bool = False) -> tuple[str, int | None]:
    """``HOST[:PORT]`` (``[::1]:PORT`` or a bare ``::1`` for IPv6) -> (host, port or None).

    HOST is an IP address or a host name (ASCII letters, digits, dots, hyphens);
    ``allow_zero`` accepts port 0 (for an address to listen on: the system picks a port).
    """
    lowest = 0 if allow_zero else 1
    text = value.strip() if isinstance(value, str) else ""
    host, port = text, None  # a bare IPv6 address or a name: no port
    valid = True
    if text.startswith("["):
        host, close, rest = text[1:].partition("]")
        valid = bool(close) and (not rest or rest.startswith(":"))
        port = rest[1:] if rest else None
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    if port is not None:
        valid = valid and bool(_PORT.fullmatch(port)) and lowest <= int(port) < 65536
    if not valid or not _valid_host(host):
        raise ManifestError(f"{where}: not HOST or HOST:PORT: {one_line(repr(value))}")
    return host, int(port) if port is not None else None


def check_connects(value: object, where: str) -> tuple[str, ...]:
    """A ``connect`` setting (an address or a list of them, a fleet) as checked addresses."""
    given: list[object] = list(value) if isinstance(value, list | tuple) else [value]
    if not given:
        raise ManifestError(f"{where}: give at least one HOST or HOST:PORT")
    values: list[str] = []
    for item in given:
        if not isinstance(item, str):
            raise ManifestError(
                f"{where}: must be HOST[:PORT] or a list of them, not {one_line(repr(item))}")
        parse_address(item, where)
        values.append(item)
    return tuple(dict.fromkeys(values))


def parse_connect(value: str, where: str, *, allow_zero: bool = False) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) -> (host, port): the port is required."""
    host, port = parse_address(value, where, allow_zero=allow_zero)
    if port is None:
        raise ManifestError(f"{where}: not HOST:PORT (give a port): {one_line(repr(value))}")
    return host, port


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOST_NAME.fullmatch(host)) and len(host) <= 253
    return True


_RUNTIME_KEYS = ("python_prefix", "python_version", "django_version", "code_version", "time_zone")
_INSTANCE_KEYS = {"label", "settings", "process_group", "application_group", "urls",
                  "restarted_after", "connect", "script_name", *_RUNTIME_KEYS}


def _check_instances(table: Mapping[str, Any], source: str,
                     keys: dict[str, str]) -> dict[str, Instance]:
    instances: dict[str, Instance] = {}
    for name, body in table.items():
        where = f"instances.{name}"
        if name == ANY_INSTANCE:
            raise ManifestError(f"{source}: {where}: '*' is reserved for command-line URLs")
        if not name.strip():
            # Reports, the check's lines and the exporter's "expected" label show the name:
            # empty, it reads as a URL to refuse (expected="").
            raise ManifestError(f"{source}: instances.{name!r}: give the instance a name")
        if not isinstance(body, dict):
            raise ManifestError(f"{source}: {where}: must be a table")
        _only_keys(body, _INSTANCE_KEYS, source, where)
        for key in _INSTANCE_KEYS - {"urls"}:
            if key in body and not isinstance(body[key], str):
                raise ManifestError(f"{source}: {where}.{key}: must be a string, not {body[key]!r}")
        urls = _url_list(body.get("urls", []), source, f"{where}.urls", keys)
        if not urls:
            raise ManifestError(f"{source}: {where}.urls: give at least one URL")
        instances[name] = Instance(
            name=name,
            urls=tuple(urls),
            label=body.get("label"),
            settings=body.get("settings"),
            process_group=body.get("process_group"),
            application_group=body.get("application_group"),
            **{key: body.get(key) for key in _RUNTIME_KEYS},
            restarted_after=_restarted_after(body.get("restarted_after"), source, where),
            connect=_own_connect(body.get("connect"), f"{source}: {where}.connect"),
            script_name=_script_name(body.get("script_name"), f"{source}: {where}.script_name"),
        )
    return instances


def _own_connect(value: str | None, where: str) -> str | None:
    """An instance's own address, checked as ``[probe] connect`` is (one address, no list:
    a fleet is every URL at each address, which ``[probe] connect`` says)."""
    if value is not None:
        parse_address(value, where)
    return value


def _script_name(value: str | None, where: str) -> str | None:
    """``""`` or a path such as ``/blog``: SCRIPT_NAME as a WSGI server passes it (PEP 3333:
    empty, or starting with '/' and never ending with it)."""
    if value is not None and value != "" and (
            not value.startswith("/") or value.endswith("/") or not value.isprintable()
            or any(c.isspace() for c in value) or "?" in value or "#" in value):
        raise ManifestError(f"{where}: \"\" or a path starting with '/' without a trailing '/' "
                            f"(\"/blog\"): {one_line(repr(value))}")
    return value


def _restarted_after(value: str | None, source: str, where: str) -> str | None:
    """Checked now (a typo must not wait for the first sweep); an @FILE is read per sweep."""
    if value is None:
        return None
    at = f"{source}: {where}.restarted_after"
    if value.strip().startswith("@"):
        if not os.path.isabs(value.strip()[1:]):
            raise ManifestError(f"{at}: @FILE needs an absolute path (a sweep may run in any "
                                f"directory): {one_line(repr(value))}")
        return value.strip()
    try:
        parse_deploy_time(value, at)
    except UsageError as exc:
        raise ManifestError(str(exc)) from None
    return value


def _url_list(value: object, source: str, where: str,
              keys: dict[str, str] | None = None) -> list[str]:
    """The checked URLs; their :func:`normal_url` into ``keys`` (split once, not twice)."""
    if not isinstance(value, list):
        raise ManifestError(f"{source}: {where}: must be a list of URLs")
    usual = _USUAL_URL.fullmatch
    for i, url in enumerate(value):
        # A manifest of 100,000 URLs is read before anything is probed: its usual URLs are
        # read by one regex (a quarter of urlsplit's cost), the rest by _checked.
        match = usual(url) if type(url) is str else None
        if match is not None and (not match[3] or 0 < int(match[3]) <= 65535):
            if keys is not None:
                scheme, host, port, path = match.groups()
                keys[url] = _key(scheme, host, int(port) if port else None, path or "")
            continue
        parts = _checked(url, lambda: f"{source}: {where}[{i}]")  # noqa: B023 - called at once
        if keys is not None:
            keys[url] = _normal(parts)
    return value


def _no_url_twice(instances: Mapping[str, Instance], refuse: list[str], source: str,
                  keys: Mapping[str, str]) -> None:
    owner: dict[str, str] = {}
    places = [(url, f"instances.{i.name}") for i in instances.values() for url in i.urls]
    places += [(url, "refuse") for url in refuse]
    for url, where in places:
        key = keys.get(url) or normal_url(url)
        if key in owner:
            raise ManifestError(
                f"{source}: {where}.urls: {url!r} is already listed in {owner[key]}"
            )
        owner[key] = where


def normal_url(url: str) -> str:
    """A key under which equivalent URLs compare equal: case of the host name, default
    port and a trailing slash do not matter (``http://A.example:80`` == ``http://a.example/``)."""
    return _normal(urlsplit(url))


def _normal(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if not host.isascii():
        # What is sent (IDNA): bücher.example and xn--bcher-kva.example are one host. The
        # checks passed it, so it has an IDNA form.
        with contextlib.suppress(UnicodeError):
            host = host.encode("idna").decode("ascii")
    return _key(parts.scheme, host, parts.port, parts.path)


def _key(scheme: str, host: str, port: int | None, path: str) -> str:
    """:func:`normal_url`'s key of a URL's parts (a port of 0 or None: the scheme's)."""
    port = port or (443 if scheme == "https" else 80)
    return f"{scheme}://{host.lower()}:{port}{path.rstrip('/')}"


def _table(data: Mapping[str, Any], key: str, source: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        path = f"{where}.{key}" if where else key
        raise ManifestError(f"{source}: {path}: must be a table")
    return value


def _only_keys(table: Mapping[str, Any], allowed: set[str], source: str, where: str) -> None:
    for key in table:
        if key not in allowed:
            path = f"{where}.{key}" if where else key
            hint = ", ".join(sorted(allowed))
            raise ManifestError(f"{source}: {path}: unknown key (expected one of: {hint})")
