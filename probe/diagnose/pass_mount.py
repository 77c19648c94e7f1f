"""The mount a repointed hand-over must carry: where the instance a URL is meant for answers
its own URL mounted under a prefix (``request.script_name``: a mod_wsgi-express
``--mount-point``, gunicorn's ``SCRIPT_NAME``), a pass line that hands it paths without that
prefix reaches an application that serves none of them.

Tester T31's blog-old.example.test (``location / { proxy_pass http://127.0.0.1:18101; }``,
meant for blog, whose express runs with ``--mount-point /app``) was told to pass to
``proxy_pass http://127.0.0.1:18102;`` as blog's own block does; that block is ``location
/app/``, whose paths carry /app already, but behind ``location /`` blog then received ``/``
and answered 404. nginx puts a ``proxy_pass`` URI part in place of the location's prefix, so
the line is ``proxy_pass http://127.0.0.1:18102/app/;`` there.

The mount is read from the instance's answers to its own URL (:func:`mount_of`, the reading
Apache's ProxyPass fix uses too, :mod:`.join_proxy`); the path the line would hand over is
worked out from the location's prefix and the line's URI part, and only where it equals the
path the configuration read predicts (no ``rewrite`` changed it) is a URI part proposed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.fronts import express_address
from probe.diagnose.identify import SweepContext
from probe.diagnose.pass_keep import kept_by

if TYPE_CHECKING:  # an ok answer's diagnosis never loads the front model (tests/test_startup)
    from probe.front import PredictedRoute


def mount_of(context: SweepContext, instance: str | None, url: str) -> str | None:
    """The prefix ``instance`` is mounted at, as its answer to its own ``url`` shows
    (``request.script_name``, without its trailing slash); None where it shows none."""
    return next((a.script_name.rstrip("/") for o, a in context.answers_of(instance or "")
                 if o.target.url == url and a.script_name
                 and a.script_name.rstrip("/")), None)


def under(path: str, mount: str) -> bool:
    """Whether ``path`` is the mount or a path below it."""
    return path == mount or path.startswith(mount + "/")


@dataclass(frozen=True)
class Mounted:
    """A hand-over's location and the mount its target answers under."""

    mount: str  # '/app'
    own_url: str  # the instance's own URL whose answer showed the mount
    instance: str
    prefix: str  # the location's prefix: '/'
    location: str  # 'location / (nginx.conf:27)'
    path: str  # the URL's path
    sent: str  # the path the line as read hands over (the route's mount step)

    def tail(self, tail: str) -> str | None:
        """The URI part the line needs in place of ``tail``; None where the line with
        ``tail`` hands over paths under the mount already (or its path cannot be worked out:
        variables in it)."""
        if "$" in tail or (tail and not tail.startswith("/")):
            return None
        if under(self.sent_by(tail), self.mount):
            return None
        needed = self.mount + ("/" if self.prefix.endswith("/") else "")
        return needed if under(self.sent_by(needed), self.mount) else None

    def sent_by(self, tail: str) -> str:
        """The path a line with the URI part ``tail`` hands over for this URL."""
        return tail + self.path[len(self.prefix):] if tail else self.path

    def link(self, tail: str) -> str:
        """Where a link the mounted application builds (``mount/``) lands through a line with
        the URI part ``tail``: under this location, the mount twice."""
        path = self.mount + "/"
        return tail + path[len(self.prefix):] if path.startswith(self.prefix) else path

    def said(self, tail: str) -> str:
        """Why the line carries the URI part ``tail``, each part with what shows it, and what
        it leaves: the application still builds its links under its mount."""
        handed = "unchanged" if self.sent == self.path else f"as {self.sent}"
        inner = self.mount.lstrip("/")
        return (f"; {self.instance}'s answer to {self.own_url} shows it mounted at "
                f"{self.mount!r} (request.script_name), and {self.location} hands over this "
                f"URL's path {self.path} {handed}, without {self.mount}: the URI part "
                f"{tail!r} is put in place of the location's prefix {self.prefix}, so "
                f"{self.instance} receives {self.sent_by(tail)}; the address alone would hand "
                f"it {self.sent}, which an application mounted at {self.mount} does not serve; "
                f"{self.instance} still builds its links under {self.mount}/ (its SCRIPT_NAME), "
                f"and under this name a link to {self.mount}/ reaches it through this line as "
                f"{self.link(tail)}, where unless its URL patterns start with {inner}/ its "
                f"pages answer 404: for its links to work under this name, serve this name's "
                f"pages at {self.mount}/, as {self.own_url} is served")


def mounted(context: SweepContext, route: PredictedRoute, instance: str | None,
            own_url: str | None) -> Mounted | None:
    """The mount the ``proxy_pass`` line of ``route`` must carry to reach ``instance``,
    whose own URL ``own_url`` showed it; None where that answer shows no mount, the line is
    no proxy_pass read, its location is no prefix location, or the path the route predicts
    is not the one the line alone makes."""
    mount = mount_of(context, instance, own_url) if own_url else None
    locations = [s for s in route.steps if s.stage == "mapping"
                 and s.decision.startswith("location ")]
    step, kept = route.step("mount"), kept_by(route.step("upstream"))
    if not mount or not locations or step is None or kept is None or instance is None \
            or own_url is None:
        return None
    words = locations[-1].decision.split()
    # a regular expression location's proxy_pass takes no URI part; '=' is left alone
    prefix = words[1] if len(words) == 2 else words[2] if len(words) == 3 \
        and words[1] == "^~" else ""
    path = urlsplit(route.url).path or "/"
    if not prefix.startswith("/") or not path.startswith(prefix):
        return None
    where = f" ({locations[-1].source})" if locations[-1].source else ""
    found = Mounted(mount, own_url, instance, prefix, f"{locations[-1].decision}{where}",
                    path, step.decision)
    # a rewrite changed the path: the line's URI part is not what decides it
    return found if found.sent_by(kept.tail) == step.decision else None


@dataclass(frozen=True)
class UnreadMount:
    """The mount a hand-over not read (no --config) must carry: the instance's own answer
    shows it, the URL's path lacks it."""

    mount: str  # '/app'
    own_url: str
    instance: str
    path: str  # the URL's path, not under the mount

    @property
    def tail(self) -> str | None:
        """The URI part to propose: only for ``/``, which a ``location /`` takes (any other
        path may be taken by a location of its own prefix, which is not read)."""
        return self.mount + "/" if self.path == "/" else None

    def said(self) -> str:
        """Why the line carries the mount, and what would decide the location."""
        shown = (f"; {self.instance}'s answer to {self.own_url} shows it mounted at "
                 f"{self.mount!r} (request.script_name), and this URL's path {self.path} "
                 f"lacks {self.mount}")
        if self.tail is None:
            return (f"{shown}: the line must hand {self.instance} a path under {self.mount}, "
                    f"and which URI part does that depends on the location that takes "
                    f"{self.path}, not read here ('nginx -T' shows it; probe sweep --config "
                    f"names it)")
        return (f"{shown}: the location that takes / was not read (no --config); where it is "
                f"'location /', the URI part {self.tail!r} is put in place of its prefix /, so "
                f"{self.instance} receives {self.tail} (the address alone would hand it /, "
                f"which an application mounted at {self.mount} does not serve); a "
                f"regular-expression location (location ~) takes no URI part ('nginx -t' "
                f"refuses one there): 'nginx -T' shows which location it is; "
                f"{self.instance} still builds its links under {self.mount}/, which through "
                f"'location /' reach it as {self.mount}{self.mount}/: serve this name's pages "
                f"at {self.mount}/, as {self.own_url} is served, for its links to work")


def unread_mount(context: SweepContext, instance: str | None, own_url: str | None,
                 url: str) -> UnreadMount | None:
    """The mount a pass line not read must carry to reach ``instance``; None where its own
    answer shows none or the URL's path is under it already."""
    mount = mount_of(context, instance, own_url) if own_url else None
    path = urlsplit(url).path or "/"
    if not mount or instance is None or own_url is None or under(path, mount):
        return None
    # Only a mount the application server sets itself (mod_wsgi-express's --mount-point, its
    # answers' HOST:PORT group): one a front's location tells it (uwsgi_param SCRIPT_NAME, a
    # SCRIPT_NAME header) belongs to that location, not to the server (tester T30's site3,
    # mounted at /app through site1.test's location only, serves / to its own name).
    if not any(o.target.url == own_url and express_address(a) is not None
               for o, a in context.answers_of(instance)):
        return None
    return UnreadMount(mount, own_url, instance, path)
