"""The words of an https URL whose requests failed on the certificate the server presented
(its names, or its chain): which certificate that was, and which site presents it.

* probed: the request sent again to the same address with the same SNI, without certificate
  checks and so without the token (:func:`probe.diagnose.discriminate.certificate_key`),
  shows the certificate: its names, subject and issuer;
* configured (``--config``): the VirtualHost or server block the handshake for the name
  reaches (:class:`probe.front.TlsSite`) and its certificate line, and from them the fix: a
  TLS twin for a site served on another port only, the name added to the TLS site of its
  sibling names, the certificate line that names another site's file, or the certificate
  at that line that must name the host.

Without either (``--no-extra-probes``, no configuration) the plain fix stays.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from probe.apache.route import ApacheRoutes
from probe.diagnose.discriminate import certificate_failed, certificate_key
from probe.diagnose.identify import SweepContext
from probe.diagnose.sentences import then
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig, TlsSite
from probe.model import Evidence, EvidenceKind, Observation, Sample, TlsInfo, Verdict


@runtime_checkable
class _TlsSites(Protocol):
    """A front that says which site a handshake reaches (Apache's and nginx's models)."""

    def tls_site(self, url: str, address: str | None) -> TlsSite | None: ...


def names_host(names: tuple[str, ...], host: str) -> bool:
    """Whether a certificate's DNS names name ``host`` (a ``*.`` name covers one label)."""
    host = host.lower().rstrip(".")
    for name in (n.lower() for n in names):
        if name == host or (name.startswith("*.") and "." in host
                            and host.split(".", 1)[1] == name[2:]):
            return True
    return False


def _address(obs: Observation) -> str:
    parts = urlsplit(obs.target.url)
    return obs.target.address or next((s.address for s in obs.samples if s.address), None) \
        or f"{parts.hostname}:{parts.port or 443}"


def _shown(tls: TlsInfo) -> str:
    names = ", ".join(tls.names) or "no DNS names"
    issuer = f", issuer {tls.issuer}" if tls.issuer else ""
    return f"{names} (subject {tls.subject or 'unknown'}{issuer})"


def presented(obs: Observation, diagnosis: Diagnosis, context: SweepContext) -> Diagnosis:
    """``diagnosis`` (unreachable) with the certificate the decision request was shown."""
    again = context.probed.get(certificate_key(obs))
    if again is None or not certificate_failed(obs):
        return diagnosis  # --no-extra-probes: nothing decides it, the plain fix stays
    host = (urlsplit(obs.target.url).hostname or "").lower()
    address = _address(obs)
    sent = (f"GET {obs.target.probe_url(context.manifest.probe.segment)} at {address}, SNI "
            f"{host}, sent again without certificate checks, so without the token")
    tls = again.tls
    if tls is None or not (tls.names or tls.subject):
        got = again.error or (f"HTTP {again.status_code}" if again.status_code else "no answer")
        said = (f"The request sent again without certificate checks got {got}, so which "
                f"certificate the server presents is not known (openssl s_client -connect "
                f"{address} -servername {host} shows it)")
        return dataclasses.replace(
            diagnosis, explanation=then(diagnosis.explanation, said),
            evidence=(*diagnosis.evidence, Evidence(EvidenceKind.PROBED, f"got {got}", sent)))
    claim = f"presented a certificate for {_shown(tls)}"
    if names_host(tls.names, host):
        said = (f"the server at {address} {claim}, which names {host}: what fails is its "
                f"chain ({obs.samples[-1].error})")
        fix = (f"The certificate names {host}; its chain is not trusted: give the probe the "
               f"CA that issued it (--ca-file / ca_file), or make the server send the "
               f"intermediate certificates (a full chain file).")
    else:
        said = f"the server at {address} {claim}, which does not name {host}"
        fix = (f"The certificate presented for {host} at {address} does not name it. The "
               f"answers do not tell which of these it is: no TLS site of that address claims "
               f"{host} (its first or default site answers the handshake), the site that "
               f"claims it has a certificate without {host}, or its certificate line names "
               f"another site's certificate. The front's configuration decides: sweep with "
               f"--config PATH, or find the TLS site claiming {host} on that port and its "
               f"SSLCertificateFile / ssl_certificate line.")
    return dataclasses.replace(
        diagnosis, explanation=then(diagnosis.explanation, f"Sent again without certificate "
                                    f"checks (and without the token), {said}"), fix=fix,
        evidence=(*diagnosis.evidence, Evidence(EvidenceKind.PROBED, claim, sent)))


def configured(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
               front: FrontConfig) -> Diagnosis:
    """``diagnosis`` with the site the handshake for the URL's name reaches and its
    certificate line, where the configuration read decides it."""
    if diagnosis.verdict is not Verdict.UNREACHABLE or not certificate_failed(obs) or \
            not isinstance(front, _TlsSites):
        return diagnosis
    address = _address(obs)
    site = front.tls_site(obs.target.url, address)
    if site is None:
        return diagnosis
    host = (urlsplit(obs.target.url).hostname or "").lower()
    again = context.probed.get(certificate_key(obs))
    if again is not None and again.tls is not None and names_host(again.tls.names, host):
        return diagnosis  # the chain, not the names: no site or line is wrong for it
    cert = (f"its certificate line '{site.certificate}' ({site.certificate_source})"
            if site.certificate else "no certificate line in the configuration read")
    # The configuration says which line is in force; what was presented only a request says
    # (the sentence before, where one was sent).
    said = (f"With the configuration read, the handshake for {host} at {address} reaches "
            f"{site.site} ({site.rule}), and {cert} is the one in force there")
    evidence = [Evidence(EvidenceKind.CONFIGURED, f"the handshake for {host} reaches "
                         f"{site.site}: {site.rule}", str(site.source or site.site))]
    if site.certificate_source is not None:
        evidence.append(Evidence(EvidenceKind.CONFIGURED, site.certificate or "",
                                 str(site.certificate_source)))
    fix = _fix(site, host, front, again)
    return dataclasses.replace(diagnosis, explanation=then(diagnosis.explanation, said),
                               fix=fix, evidence=(*diagnosis.evidence, *evidence))


def _fix(site: TlsSite, host: str, front: FrontConfig, again: Sample | None) -> str:
    apache = isinstance(front, ApacheRoutes)
    cert_line = f"'{site.certificate}' at {site.certificate_source}"
    if site.by == "default":
        if site.sibling is not None:
            beside = ", ".join(n for n in site.claimant_names if n != host)
            return (f"No TLS site of {site.address} claims {host}, so {site.site} answers its "
                    f"handshake ({site.rule}, {site.source}). {site.claimant} names {host} on "
                    f"another port beside {beside}, which {site.sibling} serves here: add "
                    f"{host} to its names ({'a ServerAlias beside' if apache else 'the'} "
                    f"{'ServerName' if apache else 'server_name'} line at "
                    f"{site.sibling_line}), with a certificate that names it too.")
        if site.claimant is not None:
            names = [n for n in site.claimant_names if n]
            # Its WSGI lines named: a twin without them ran the script embedded (a tester).
            lines = ([f"<VirtualHost {site.address}>", f"    ServerName {names[0]}",
                      *(f"    ServerAlias {n}" for n in names[1:]),
                      # httpd takes no comment after a directive: each on a line of its own
                      *(text for line, at in site.claimant_lines
                        for text in (f"    # {at}", f"    {line}")),
                      f"    # the other lines of {site.claimant}, without its redirect to https",
                      "    SSLEngine on",
                      "    SSLCertificateFile CERTIFICATE-FOR-THESE-NAMES.pem",
                      "    SSLCertificateKeyFile ITS-KEY.pem", "</VirtualHost>"] if apache else
                     ["server {", f"    listen {site.address} ssl;",
                      f"    server_name {' '.join(names)};",
                      f"    # the other lines of {site.claimant}, without its redirect",
                      "    ssl_certificate CERTIFICATE-FOR-THESE-NAMES.pem;",
                      "    ssl_certificate_key ITS-KEY.pem;", "}"])
            block = "\n".join(lines)
            return (f"{host} is claimed by {site.claimant} only, on another port; no TLS site "
                    f"of {site.address} claims it, so {site.site} answers its handshake with "
                    f"its own certificate ({cert_line}). Give it a TLS twin on {site.address} "
                    f"(what certbot writes for it: certbot {'--apache' if apache else '--nginx'} "
                    f"{' '.join(f'-d {n}' for n in names)}):\n{block}")
        how = ("a ServerName or ServerAlias in its TLS VirtualHost" if apache
               else "its server_name, in a block with an ssl listen")
        return (f"No site of the configuration read claims {host}, so {site.site} answers "
                f"its handshake ({site.rule}) with {cert_line}. Give {host} to the site meant "
                f"to serve it on {site.address} ({how}) with a certificate that names it, or "
                f"take the URL out of the manifest.")
    if site.shared_with:
        others = "; ".join(f"{other}, at {line}" for other, line in site.shared_with)
        shown = (f" (the certificate presented names {', '.join(again.tls.names)})"
                 if again is not None and again.tls is not None and again.tls.names else "")
        key = (f", and its key line '{site.key}' at {site.key_source} to that certificate's "
               f"key: a certificate without its own key stops the server (Apache's graceful "
               f"restart exits with AH02565, 'nginx -t' refuses 'key values mismatch')"
               if site.key is not None else
               ", with its key (the configuration read writes no key line for this site: "
               "the certificate file then holds the key too, as mod_ssl reads it)")
        return (f"{site.site} claims {host}, but its certificate line {cert_line} names the "
                f"same file as the certificate line of {others}{shown}: change the certificate "
                f"line at {site.certificate_source} to a certificate that names {host}{key}.")
    claim = f"claims {host} ({site.rule}, {site.source})" if site.by == "name" else \
        f"takes every name on {site.address} ({site.rule})"
    return (f"{site.site} {claim}, and its certificate {cert_line} does not name {host}: the "
            f"certificate at that line must name {host} (reissue it with every name the site "
            f"serves: certbot -d each name), or drop {host} from the site's names and its URL "
            f"from the manifest.")
