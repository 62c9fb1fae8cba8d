"""URL helpers shared by every step: registrable domain, host, and normalisation for the frontier.

Registrable domains come from tldextract's bundled Public Suffix List snapshot (never fetched at
run time), private suffixes included, so `alice.github.io` and `bob.github.io` stay two sites
while `www.` and other subdomains of one organisation merge. Hosts without a public suffix (IP
addresses, `localhost:8001` in tests) are their own site, port included.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import tldextract

# Government second-level names missing from the Public Suffix List: each body under them is its
# own organisation (cadw.gov.wales, sgrintaf.gov.wales), as under gov.uk.
EXTRA_SUFFIXES = ("gov.wales", "llyw.cymru")
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True,
                                 extra_suffixes=EXTRA_SUFFIXES)

# Query parameters that identify a visit, not a page: dropped so one page has one URL.
TRACKING_PARAMS = frozenset({
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id", "utm_name",
    "gclid", "dclid", "fbclid", "msclkid", "mc_cid", "mc_eid", "_ga", "_gl", "yclid", "igshid",
    "ref", "ref_src", "recid", "rec_id", "_hsenc", "_hsmi", "hsctatracking", "mkt_tok",
    "phpsessid", "sessionid", "session_id", "sid", "jsessionid", "aspsessionid", "cfid", "cftoken",
    "share", "replytocom",
})
_SESSION_PATH = re.compile(r";(jsessionid|phpsessid|sid)=[^/?#]*", re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def host_of(url: str) -> str:
    """Lower-case host with a non-default port: the unit of politeness."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and port != _DEFAULT_PORTS.get(parts.scheme):
        return f"{host}:{port}"
    return host


@lru_cache(maxsize=65536)
def _registrable(host: str) -> str | None:
    bare = host.split(":", 1)[0]
    if not bare:
        return None
    ext = _EXTRACT(bare)
    if hasattr(ext, "top_domain_under_public_suffix"):  # tldextract >= 5.3
        domain = ext.top_domain_under_public_suffix
    else:  # pragma: no cover - older tldextract
        domain = ext.registered_domain
    if domain and ext.domain == "www":
        # www.gov.scot, www.gov.wales: a government that lives on the suffix itself.
        return ext.suffix.lower()
    if domain:
        return domain.lower()
    return host  # IP address or a name with no public suffix: the host is the site


def registrable_domain(url_or_host: str) -> str | None:
    """`https://www.watershed.co.uk/studio/` -> `watershed.co.uk`; None for non-URLs."""
    text = url_or_host.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        host = host_of(text)
    except ValueError:
        return None
    return _registrable(host) if host else None


def normalise_url(url: str, base: str | None = None) -> str | None:
    """A canonical form for the frontier: fragment dropped, query sorted, tracking parameters and
    session ids removed, host lower-cased, default port dropped. None when not http(s)."""
    from urllib.parse import urljoin

    try:
        absolute = urljoin(base, url.strip()) if base else url.strip()
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        host = host_of(absolute)
    except ValueError:
        return None
    path = _SESSION_PATH.sub("", parts.path) or "/"
    path = quote(unquote(path), safe="/:@!$&'()*+,;=-._~%")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in TRACKING_PARAMS]
    query.sort()
    return urlunsplit((parts.scheme, host, path, urlencode(query, doseq=True), ""))


def same_site(a: str, b: str) -> bool:
    return registrable_domain(a) == registrable_domain(b)
