"""What a fetch returns: the contract between `fetch/` and `crawl/`.

A fetch never raises for a failed URL; it returns a `FetchResult` whose `error` is a stable slug
(see `ERROR_SLUGS`) that `crawl/store.py` stores on `Page.error` and counts in the run summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# slug -> meaning; the slugs are stable: stored on Page.error and shown in summaries.
ERROR_SLUGS: dict[str, str] = {
    "robots": "disallowed by robots.txt",
    "robots-unavailable": "robots.txt could not be fetched (5xx or timeout): host not crawled now",
    "private-address": "the host resolves to a private, loopback or link-local address",
    "dns": "the host name does not resolve",
    "connect-error": "the connection failed",
    "connect-timeout": "the connection timed out",
    "read-timeout": "the response timed out",
    "too-many-redirects": "more redirects than allowed",
    "content-type": "not HTML, XHTML, JSON or XML",
    "invalid-url": "not an http(s) URL",
    "protocol-error": "the server broke the HTTP protocol",
    "not-in-archive": "replay mode and the archive has no response for this URL",
}


def http_error_slug(status: int) -> str:
    return f"http-{status}"


@dataclass
class FetchResult:
    url: str  # as requested
    final_url: str  # after redirects
    status: int | None = None  # None when no response arrived
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    content_type: str | None = None  # media type without parameters, lower-case
    truncated: bool = False  # body cut at the size cap
    not_modified: bool = False  # 304 to a conditional request
    error: str | None = None  # a slug from ERROR_SLUGS or http-<status>
    attempts: int = 1
    elapsed: float = 0.0
    redirects: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and (self.not_modified or
                                       (self.status is not None and 200 <= self.status < 300))

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")
