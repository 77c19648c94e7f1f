"""Evidence for the TLS/SNI cause (issue 11): the TLS setup was chosen for another name.

A client without SNI gets the TLS setup (and certificate) of the first VirtualHost for the
address; since Apache 2.4.64 a request whose Host needs another setup is answered
``421 Misdirected Request``, and ``SSLStrictSNIVHostCheck on`` answers such clients ``403``.
The certificate the server presented is named, because it shows which VirtualHost the
handshake chose.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from probe.diagnose.wording import Diagnosis, host_name
from probe.model import Cause, Observation, Sample, Verdict


def misdirected(obs: Observation) -> Diagnosis | None:
    """A 421, or a 403 to a request sent without SNI, among this URL's samples."""
    url = obs.target.url
    if url[:6].lower() != "https:":  # asked for every URL: cheaper than urlsplit
        return None
    for sample in reversed(obs.samples):
        if sample.status_code == 421:
            return _misdirected(url, sample)
        if sample.status_code == 403 and sample.tls is not None and sample.tls.sni is None:
            return _strict_sni(url, sample)
    return None


def _presented(sample: Sample) -> str:
    return (f"the certificate it presented ({sample.tls.describe()})" if sample.tls
            else "its default certificate")


def _misdirected(url: str, sample: Sample) -> Diagnosis:
    host = host_name(url)
    port = urlsplit(url).port or 443
    sni = sample.tls.sni if sample.tls else host
    if sni is None:
        why = (f"the request carried no SNI, so the server chose the TLS setup of its default "
               f"site for port {port} ({_presented(sample)}), and {host!r} needs another "
               f"one: since Apache 2.4.64 that is answered 421 Misdirected Request. Clients "
               f"without SNI cannot reach {host}.")
        fix = (f"If clients without SNI must reach {host}, make its VirtualHost the first one for "
               f"*:{port}, or give every VirtualHost on that address the same SSL setup (one "
               f"certificate listing all their names). Otherwise this is expected: probe with "
               f"SNI (without --no-sni).")
    else:
        why = (f"the SNI name {sni!r} chose a TLS setup ({_presented(sample)}) that is not the "
               f"one of the site the server picks for Host {host!r}, so it answered 421 "
               f"Misdirected Request: {host} is probably a name of more than one site on port "
               f"{port}, or their TLS setups differ where a name is shared.")
        fix = (f"Make {host} a name of exactly one VirtualHost for *:{port}, with a certificate "
               f"that lists it.")
    return Diagnosis(Verdict.NO_ENDPOINT, Cause.TLS_SNI,
                     explanation=f"{url} answered HTTP 421: {why}", fix=fix)


def _strict_sni(url: str, sample: Sample) -> Diagnosis:
    host = host_name(url)
    return Diagnosis(
        Verdict.NO_ENDPOINT,
        Cause.TLS_SNI,
        explanation=(
            f"{url} answered HTTP 403 to a request without SNI ({_presented(sample)}). Likely "
            f"(not certain): the server refuses clients that send no SNI (a strict SNI "
            f"check); or access control denies this path for every client."
        ),
        fix=(
            f"Probe again with SNI: if {host} then answers, it is SSLStrictSNIVHostCheck; turn "
            f"it off if clients without SNI must reach {host}. Apache's error log says "
            f"AH02033 for such refusals."
        ),
    )
