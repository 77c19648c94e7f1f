"""Where a VirtualHost sends every request elsewhere (the usual http -> https twin), so its
URLs are not an application's."""

from __future__ import annotations

from probe.apache.model import Server

_EVERY_PATH = {"^", "^/", "^/(.*)", "^/(.*)$", "(.*)", "^(.*)$", ".*", "^.*", "^.*$", "/(.*)"}


def redirects_everything(server: Server) -> str | None:
    """Where a VirtualHost sends every request elsewhere (the usual http -> https twin):
    ``Redirect [3xx|permanent|temp|seeother] / URL``, ``RedirectPermanent / URL``, a
    ``RedirectMatch`` or RewriteRule (with an R flag) on every path."""
    for d in server.directives:
        args = [a.lower() for a in d.args]
        if d.key == "redirect" and len(args) >= 2:
            status = args[0] if len(args) >= 3 else ""
            path = d.args[1] if len(args) >= 3 else d.args[0]
            if path == "/" and status in ("", "permanent", "temp", "seeother", "301", "302",
                                          "303", "307", "308"):
                return f"Redirect at {d.where}"
        if (d.key == "redirectpermanent" and d.args[:1] == ("/",)) or (
                d.key == "redirectmatch" and any(a in _EVERY_PATH for a in d.args[:2])):
            return f"{d.name} at {d.where}"
        if d.key == "rewriterule" and len(d.args) >= 3 and d.args[0] in _EVERY_PATH:
            flags = args[2].strip("[]").split(",")
            if any(f == "r" or f.startswith("r=3") or f == "redirect" for f in flags):
                return f"RewriteRule at {d.where}"
    return None
