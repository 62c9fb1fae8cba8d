"""URL helpers shared by every step: registrable domain, host, and normalisation for the frontier.

Registrable domains come from tldextract's bundled Public Suffix List snapshot (never fetched at
run time), private suffixes included, so `alice.github.io` and `bob.github.io` stay two sites
while `www.` and other subdomains of one organisation merge. Hosts without a public suffix (IP
addresses, `localhost:8001` in tests) are their own site, port included.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import (
    SplitResult,
    parse_qsl,
    quote,
    unquote,
    urlencode,
    urljoin,
    urlparse,
    urlsplit,
    urlunsplit,
)

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
    return _host(urlsplit(url))


def _host(parts: SplitResult) -> str:
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


def registrable_domain_of_host(host: str) -> str | None:
    """`registrable_domain` for a host already normalised as `host_of` returns it."""
    return _registrable(host) if host else None


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
    target = url.strip()
    if not (base and ";" in target):
        fast = _PLAIN_ABSOLUTE.match(target)
        if fast:
            # "http(s)://host[:port]/..." with a plain ASCII host: urlsplit's reading, done here
            # (first: the commonest link to another site; no path reference starts "http").
            scheme_name, hostname, port_text, rest = fast.groups()
            port = int(port_text) if port_text else None
            host = hostname.lower().rstrip(".")
            if port and port <= 65535 and port != _DEFAULT_PORTS.get(scheme_name.lower()):
                host = f"{host}:{port}"
            path, _, query = (rest or "").partition("#")[0].partition("?")
            return _canonical(scheme_name.lower(), host, path, query)
    scheme = _SCHEME.match(target)
    if scheme:
        if scheme.group(1).lower() not in ("http", "https"):
            return None  # mailto:, tel:, javascript:, ... (urljoin would hand them back unchanged)
        # "http:..." is no path reference (those start with "/", or hold no ":" at all).
    elif base and _SITE_PATH.match(target):
        # "/path?query" on the base's own host, the commonest link: no join, no re-split.
        origin = _origin(base)
        if origin is None:
            return None
        path, _, query = target.partition("#")[0].partition("?")
        return _canonical(*origin, path, query)
    elif base and _RELATIVE_PATH.match(target):
        # "page.html", "dir/page?q": urljoin's merge with the base's directory, done here.
        directory = _directory(base)
        if directory is not None:
            scheme_name, host, base_parts = directory
            path, _, query = target.partition("#")[0].partition("?")
            segments = [*base_parts, *path.split("/")]
            segments[1:-1] = filter(None, segments[1:-1])
            return _canonical(scheme_name, host, "/".join(segments) or "/", query)
    try:
        # An absolute http(s) URL needs no join (urljoin would only split and rebuild it; with a
        # ';' in it that rebuild can differ, so those still go through urljoin).
        absolute = urljoin(base, target) if base and not _ABSOLUTE.match(target) else target
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        host = _host(parts)
    except ValueError:
        return None
    return _canonical(parts.scheme, host, parts.path, parts.query)


def _canonical(scheme: str, host: str, path: str, query: str) -> str:
    if ";" in path:
        path = _SESSION_PATH.sub("", path)
    path = path or "/"
    if "%" in path or _UNSAFE_PATH.search(path):
        path = quote(unquote(path), safe="/:@!$&'()*+,;=-._~%")
    if query:
        query = _canonical_query(query)
    if not host:
        return urlunsplit((scheme, host, path, query, ""))  # Python versions differ here
    # urlunsplit's result for an http(s) scheme, a host and no fragment, without its argument
    # coercion (the commonest call on a page's links).
    if path[0] != "/":
        path = "/" + path
    url = f"{scheme}://{host}{path}"
    return f"{url}?{query}" if query else url


# "name=value&..." of characters that parse_qsl does not decode and urlencode does not escape.
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~-]+=[A-Za-z0-9_.~-]*(?:&[A-Za-z0-9_.~-]+=[A-Za-z0-9_.~-]*)*")


def _canonical_query(query: str) -> str:
    """The query's pairs without tracking parameters, sorted: parse_qsl, filter, urlencode. A
    plain query (most of them) is split and joined as it is: decoding and encoding would give
    every name and value back unchanged."""
    if _PLAIN_QUERY.fullmatch(query):
        plain = [pair.split("=", 1) for pair in query.split("&")]
        plain = [pair for pair in plain if pair[0].lower() not in TRACKING_PARAMS]
        plain.sort()
        return "&".join([f"{name}={value}" for name, value in plain])
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k.lower() not in TRACKING_PARAMS]
    pairs.sort()
    return urlencode(pairs, doseq=True)


@lru_cache(maxsize=1024)
def _origin(base: str) -> tuple[str, str] | None:
    """(scheme, normalised host) of an http(s) base URL, None for anything else."""
    try:
        parts = urlsplit(urljoin(base, "/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        return parts.scheme, _host(parts)
    except ValueError:
        return None


# An absolute URL with a plain host (letters, digits, dots, hyphens) and an optional port, then
# nothing urlsplit strips or reads specially (tabs, newlines; "@" and "[" never reach the host).
_PLAIN_ABSOLUTE = re.compile(r"(https?)://([A-Za-z0-9.-]+)(?::([0-9]*))?([/?#][^\t\r\n]*)?\Z", re.I)
# A relative path reference without dot segments, params, a scheme or anything urlsplit strips.
_RELATIVE_PATH = re.compile(r"[^.;:\\/?#\t\r\n](?:(?!/\.)[^;:\\\t\r\n])*\Z")


@lru_cache(maxsize=1024)
def _directory(base: str) -> tuple[str, str, tuple[str, ...]] | None:
    """(scheme, normalised host, the path segments a relative reference is merged with) of an
    http(s) base URL without params; None where only urljoin itself will do."""
    try:
        parts = urlparse(base)
        origin = _origin(base)
    except ValueError:
        return None
    if origin is None or parts.params or ";" in base:
        return None
    base_parts = parts.path.split("/")
    if base_parts[-1] != "":
        del base_parts[-1]  # the last segment is not a directory
    return origin[0], origin[1], tuple(base_parts)


# The scheme urlsplit would read (a letter, then letters, digits, "+-."; before the first ":").
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# A path-absolute reference ("/a/b?c#d") that urljoin would only append to the base's origin:
# no "//" (another host), no dot segments ("/." is checked loosely), no ";" params, no
# characters urlsplit strips or reads specially.
_SITE_PATH = re.compile(r"/(?![/\\.])(?:(?!/\.)[^;\\\t\r\n])*\Z")
_ABSOLUTE = re.compile(r"https?://[A-Za-z0-9][^;]*$", re.I)
# Characters `quote` would escape in a path (anything outside its always-safe set and `safe`).
_UNSAFE_PATH = re.compile(r"[^A-Za-z0-9_.~/:@!$&'()*+,;=-]")


def same_site(a: str, b: str) -> bool:
    return registrable_domain(a) == registrable_domain(b)
