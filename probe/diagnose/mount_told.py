"""What an answer shows of the mount the application was told (``mount_mismatch``'s
evidence), and where a middleware that sets SCRIPT_NAME goes.

The endpoint's ``request.force_script_name`` (Django's FORCE_SCRIPT_NAME, which never
changes the environ's SCRIPT_NAME) equal to the mount makes Django build its links inside
it; ``request.forwarded_prefix`` (X-Forwarded-Prefix) says a header arrived, not that
anything reads it. Endpoints older than these fields cannot show either: said so. The fix
words are :mod:`.mount_words`'. Django's words (FORCE_SCRIPT_NAME, its admin login and
APPEND_SLASH) only for an answer that shows Django (:func:`shows_django`): a tester's
waitress file server, no Django configured, was told to set FORCE_SCRIPT_NAME.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.diagnose.prefix_middleware import CALL
from probe.endpoint_answer import EndpointAnswer, mapping
from probe.model import Evidence, EvidenceKind
from probe.safe_text import quoted

TOLD_FIELDS = ("force_script_name", "forwarded_prefix")


@dataclass(frozen=True)
class Told:
    """What the answer shows of the mount the application was told."""

    told: bool  # FORCE_SCRIPT_NAME is the mount: its links stay inside it
    words: str  # why it believes it is mounted elsewhere, or why that cannot be shown
    evidence: tuple[Evidence, ...]
    # The header arrives and nothing the endpoint sees reads it: a middleware inside the
    # endpoint's wrap may, so ``words`` is a whole clause naming the check that decides.
    undecided: bool = False


PLACED = ("A middleware goes outside the probe endpoint's wrap, so that the endpoint sees "
          "the SCRIPT_NAME it sets (inside, it runs after the endpoint has answered): the "
          "WSGI script's last lines, in this order, 'application = wsgi_endpoint.wrap("
          "application, ...)' (or the block 'probe endpoint --install' wrote, from '# >>> "
          "wsgi-probe endpoint >>>' to '# <<< wsgi-probe endpoint <<<'), then the "
          f"middleware printed at the end of this fix, whose last line is {CALL}.")
"""Where a middleware that sets SCRIPT_NAME goes (docs/endpoint-protocol.md: the endpoint
wraps ``application`` last), said wherever one is proposed: the usual place to edit
wsgi.py, around get_wsgi_application() and so inside the wrap, leaves the probe unable to
see it (a tester's fixed site stayed mount_mismatch)."""


def shows_django(answer: EndpointAnswer | None) -> bool:
    """The answer shows Django: python.django_version, a settings_module (environ or
    loaded) or request.force_script_name set."""
    return answer is not None and any((
        answer.django_version, answer.settings_environ, answer.settings_loaded,
        request_field(answer, "force_script_name")[1] is not None))


def links(answer: EndpointAnswer | None) -> str:
    """Which links and redirects point outside the mount: Django's own, named where the
    answer shows Django; else those the application builds from SCRIPT_NAME."""
    return ("its links and redirects (admin login, APPEND_SLASH)" if shows_django(answer)
            else "the links and redirects it builds from SCRIPT_NAME")


def request_field(answer: EndpointAnswer, name: str) -> tuple[bool, str | None]:
    request = mapping(answer.raw.get("request"))
    value = request.get(name)
    return name in request, value if isinstance(value, str) else None


def arrived(answer: EndpointAnswer | None, mount: str) -> bool:
    """``request.forwarded_prefix`` observed equal to the mount: the header is in place."""
    prefix = request_field(answer, "forwarded_prefix")[1] if answer is not None else None
    return prefix is not None and prefix.rstrip("/") == mount


def redirect_check(url: str, mount: str, *, django: bool = True) -> str:
    """The check that tells a header nothing reads from one a middleware inside the
    endpoint's wrap reads: a page that redirects, and whether its Location keeps the mount
    (Django's admin is one, where the answer shows Django)."""
    parts = urlsplit(url)
    page = f", such as {parts.scheme}://{parts.netloc}{mount}/admin/" if django else ""
    return (f"a page of the site that redirects{page}, and its Location header: "
            f"does it keep {mount}/?")


def told(answer: EndpointAnswer, mount: str, url: str) -> Told:
    """For a prefix the front took off: whether the application was told it."""
    known, forced = request_field(answer, "force_script_name")
    sent, prefix = request_field(answer, "forwarded_prefix")
    evidence = tuple(Evidence(EvidenceKind.OBSERVED, f"request.{name} = {value!r}", f"GET {url}")
                     for name, has, value in (("force_script_name", known, forced),
                                              ("forwarded_prefix", sent, prefix)) if has)
    if forced is not None and forced.rstrip("/") == mount:
        return Told(True, "", evidence)
    if not known or not sent:
        return Told(False, "and the answer cannot show whether the application was told its "
                           "mount (request.force_script_name and request.forwarded_prefix are "
                           "missing: an older endpoint; 'probe endpoint --install' puts this "
                           "version's), so it", evidence)
    django = ("no FORCE_SCRIPT_NAME (request.force_script_name null: not set, or no Django "
              "configured)"
              if forced is None and shows_django(answer) else
              "no Django shown (python.django_version, settings_module and "
              "request.force_script_name null)"
              if forced is None else
              f"Django's FORCE_SCRIPT_NAME is {forced!r} (request.force_script_name)")
    if prefix is not None and prefix.rstrip("/") == mount and forced is not None:
        return Told(False, f"and the header X-Forwarded-Prefix {prefix} arrives "
                           f"(request.forwarded_prefix), but {django}, which Django uses in "
                           f"place of any SCRIPT_NAME a middleware sets, so it", evidence)
    if prefix is not None and prefix.rstrip("/") == mount:
        return Told(False, f"and the header X-Forwarded-Prefix {prefix} arrives "
                           f"(request.forwarded_prefix = {prefix!r}), while the endpoint sees "
                           f"SCRIPT_NAME {quoted(answer.script_name)} and {django}. The answer "
                           f"cannot tell whether nothing reads that header or a middleware "
                           f"inside the probe endpoint's wrap (it runs after the endpoint "
                           f"answers) sets SCRIPT_NAME from it. The check that decides: "
                           f"{redirect_check(url, mount, django=shows_django(answer))} "
                           f"If it does, the application is told its mount and only the "
                           f"probe cannot see it; if not, it believes "
                           f"it is mounted at /: {links(answer)} point outside {mount}/",
                    evidence, undecided=True)
    header = (f"X-Forwarded-Prefix {prefix!r} arrives, not {mount!r}" if prefix is not None
              else "no X-Forwarded-Prefix arrives")
    return Told(False, f"without telling the application ({header}, request.forwarded_prefix; "
                       f"{django}), which", evidence)
