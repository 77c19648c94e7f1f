"""Which front a configuration file belongs to, read from the file itself: ``probe lint``,
``probe discover`` and ``probe sweep --config`` take Apache's or nginx's and must not read
one as the other (nginx's ``listen 127.0.0.1:8080;`` is not Apache's ``Listen``)."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from probe.errors import ProbeError
from probe.files import head_bytes
from probe.front import FrontKind

_APACHE = re.compile(r"^\s*(<(VirtualHost|Directory|Location|IfModule|IfDefine|Files)\b|"
                     r"(Listen|ServerName|ServerAlias|WSGIScriptAlias|WSGIDaemonProcess|"
                     r"LoadModule|Include|IncludeOptional|ServerRoot|DocumentRoot)\s)",
                     re.M | re.I)
_NGINX_MAIN = "nginx.conf"
_APACHE_MAIN = ("apache2.conf", "httpd.conf", os.path.join("conf", "httpd.conf"))
_SAMPLE = 1 << 20  # the first MiB says which it is


class NotThatFront(ProbeError):
    """A configuration given as one front's is not recognisably that front's."""


def _sample(path: str) -> str:
    try:  # the guard of every file read: a FIFO or a device is refused, not waited on
        return head_bytes(path, _SAMPLE).decode("utf-8", "replace")
    except OSError:
        return ""  # unreadable: the front's own reader says so, with the reason


def detect(path: str) -> FrontKind:
    """NGINX or APACHE from a file's content (a directory: its main file's name), else
    UNKNOWN."""
    from probe.nginx.text import looks_like_nginx  # crossplane loads only when asked

    if os.path.isdir(path):
        if os.path.isfile(os.path.join(path, _NGINX_MAIN)):
            return FrontKind.NGINX
        if any(os.path.isfile(os.path.join(path, name)) for name in _APACHE_MAIN):
            return FrontKind.APACHE
        return FrontKind.UNKNOWN
    text = _sample(path)
    if looks_like_nginx(text):
        return FrontKind.NGINX
    if _APACHE.search(text):
        return FrontKind.APACHE
    return FrontKind.UNKNOWN


def choose(paths: Sequence[str], wanted: str) -> FrontKind:
    """The front to read ``paths`` as: ``wanted`` ("apache", "nginx") when the files are
    that front's (NotThatFront, one line, when they are not), else what they look like
    (Apache's, the older reader, when nothing tells)."""
    kinds = {detect(p) for p in paths}
    if wanted == "auto":
        return FrontKind.NGINX if kinds == {FrontKind.NGINX} else FrontKind.APACHE
    front = FrontKind(wanted)
    other = FrontKind.APACHE if front is FrontKind.NGINX else FrontKind.NGINX
    for path in paths:
        kind = detect(path)
        if kind is not front:
            raise NotThatFront(f"{path}: not an {front.value} configuration"
                               + (f" (it reads as {kind.value}'s)" if kind is other else ""))
    return front
