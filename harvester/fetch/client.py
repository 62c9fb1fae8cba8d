"""`PoliteClient`: the one asynchronous HTTP client of a harvest.

Each `fetch(url)` goes through, in order: URL check -> private-address check -> robots.txt (fetched
once per origin, politely) -> a slot from `Politeness` (per-host interval and concurrency, global
concurrency) -> one GET with retries (`RetryPolicy`) -> the body streamed with a byte cap and a
content-type check -> redirects followed by hand, each hop checked again from the top. Every
exchange can be written to a WARC archive; with `replay=` the network is replaced by the archive.

Settings used (harvester.config): delay, host_concurrency, concurrency, timeout, retries,
max_retry_wait, max_bytes, max_redirects, user_agent.

Usage::

    async with PoliteClient(Config.load()) as client:
        result = await client.fetch("https://www.watershed.co.uk/about")
        if result.ok and not result.not_modified:
            ...  # result.body, result.content_type, result.etag

A failed URL never raises: `result.error` holds a slug from `harvester.fetch.result.ERROR_SLUGS`.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx

from harvester.config import Config
from harvester.fetch.addresses import AddressGuard, Resolver, proxy_for
from harvester.fetch.archive import REPLAY_HEADER, ReplayTransport, WarcWriter, is_secret_header
from harvester.fetch.politeness import Clock, Politeness
from harvester.fetch.result import FetchResult, http_error_slug
from harvester.fetch.retry import RetryPolicy, is_retryable
from harvester.fetch.robots import ALLOW_ALL, ROBOTS_MAX_BYTES, ROBOTS_PATH, RobotsPolicy, policy_from_fetch
from harvester.urls import host_of, is_http_url

log = logging.getLogger("harvester.fetch")

try:  # httpcore asks `import sniffio` on every lock it creates; when absent, a failed import is not
    import sniffio  # noqa: F401  # cached and searches the file system each time (a third of the
except ImportError:  # CPU of a fast crawl). Recording the absence makes it fail at once: asyncio.
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

# Hosts whose idle connections are kept open between requests (least recently used closed first).
HOST_POOLS = 256

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCEPT_LANGUAGE = "en-GB,en;q=0.9,cy;q=0.8"  # Welsh too: Cardiff sites are often bilingual
ACCEPT = {
    "page": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "sitemap": "application/xml,text/xml;q=0.9,*/*;q=0.1",
    "api": "application/json,*/*;q=0.1",
    "robots": "text/plain,*/*;q=0.1",
}
# Media types we keep; anything else is refused after reading at most SNIFF_BYTES.
ACCEPTED_TYPES = frozenset({
    "text/html", "application/xhtml+xml", "application/json", "application/ld+json",
    "application/xml", "text/xml", "application/rss+xml", "application/atom+xml",
})
# Header values that say nothing useful: decide from the first bytes instead.
VAGUE_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "text/plain",
                         "application/unknown", "unknown/unknown", "application/x-unknown"})
SNIFF_BYTES = 1024
# Compressed sitemaps (sitemap.xml.gz) are served with these types and no Content-Encoding.
GZIP_TYPES = frozenset({"application/gzip", "application/x-gzip"})
# Response headers that describe the transfer, not the document; not kept on FetchResult.
TRANSFER_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length", "connection",
                              "keep-alive"})


def media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def accepted_type(media: str) -> bool:
    return media in ACCEPTED_TYPES or media.endswith("+xml") or media.endswith("+json")


def sniff(prefix: bytes) -> str | None:
    """Guess the media type from the first bytes: HTML, XHTML, XML or JSON; None for anything else."""
    head = prefix[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"{", b"[")):
        return "application/json"
    if head.startswith(b"<?xml"):
        return "application/xhtml+xml" if b"<html" in head else "application/xml"
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in head:
        return "text/html"
    if head.startswith((b"<urlset", b"<sitemapindex", b"<rss", b"<feed")):
        return "application/xml"
    if head.startswith(b"<!--") and (b"<html" in head or b"<!doctype html" in head):
        return "text/html"
    return None


def gunzip_capped(data: bytes, limit: int) -> tuple[bytes, bool]:
    """Decompress gzip data to at most `limit` bytes (a gzip bomb stops at the cap); damaged or
    cut-off input gives what could be decompressed."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit)
    except zlib.error:
        return b"", False
    return out, bool(inflater.unconsumed_tail)


def document_headers(headers: httpx.Headers) -> dict[str, str]:
    """Lower-case headers of the document, without transfer details, cookies or replay markers.

    The same set is kept live and in replay, so a replayed FetchResult equals the live one.
    """
    return {k: headers[k] for k in sorted({k.lower() for k in headers})
            if k not in TRANSFER_HEADERS and not k.startswith("x-harvester-") and not is_secret_header(k)}


def map_exception(exc: BaseException) -> str:
    """An httpx (or asyncio) exception -> an error slug."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect-timeout"
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return "read-timeout"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        if "name or service not known" in text or "nodename nor servname" in text or \
                "getaddrinfo" in text or "name resolution" in text:
            return "dns"
        return "connect-error"
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return "invalid-url"
    if isinstance(exc, (httpx.ProtocolError, httpx.DecodingError)):
        return "protocol-error"
    return "connect-error"


class _HostPool:
    def __init__(self, transport: httpx.AsyncHTTPTransport) -> None:
        self.transport = transport
        self.active = 0


class _TrackedStream(httpx.AsyncByteStream):
    """A response body that tells its host pool when it is closed."""

    def __init__(self, stream: httpx.AsyncByteStream, pool: _HostPool) -> None:
        self._stream, self._pool, self._open = stream, pool, True

    async def __aiter__(self):
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._open:
                self._open = False
                self._pool.active -= 1


class PerHostTransport(httpx.AsyncBaseTransport):
    """One small connection pool per host instead of one big shared pool.

    Why: httpcore scans every pooled connection for each request, so a single pool holding
    hosts x host_concurrency keep-alive connections slows down as the crawl widens, and a small one
    closes and reopens a TCP connection for nearly every request. Here each host keeps at most
    `per_host` idle connections, pools of the least recently used idle hosts are closed beyond
    `max_hosts`, one TLS context is shared, and proxies come from the environment as httpx does.
    """

    def __init__(self, per_host: int, *, keepalive_expiry: float = 5.0, max_hosts: int = HOST_POOLS,
                 trust_env: bool = True) -> None:
        self._per_host = max(1, per_host)
        self._expiry = keepalive_expiry
        self._max_hosts = max(1, max_hosts)
        self._trust_env = trust_env
        self._ssl = httpx.create_ssl_context(trust_env=trust_env)
        self._pools: OrderedDict[tuple[str, str, int | None], _HostPool] = OrderedDict()

    def _pool(self, url: httpx.URL) -> _HostPool:
        key = (url.scheme, url.host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            proxy = proxy_for(url.scheme, url.host) if self._trust_env else None
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=self._per_host,
                                  keepalive_expiry=self._expiry)
            pool = _HostPool(httpx.AsyncHTTPTransport(verify=self._ssl, limits=limits, proxy=proxy,
                                                      trust_env=self._trust_env))
            self._pools[key] = pool
        self._pools.move_to_end(key)
        return pool

    async def _evict(self) -> None:
        while len(self._pools) > self._max_hosts:
            idle = next((k for k, p in self._pools.items() if p.active == 0), None)
            if idle is None:
                return
            await self._pools.pop(idle).transport.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        pool = self._pool(request.url)
        await self._evict()
        pool.active += 1
        try:
            response = await pool.transport.handle_async_request(request)
        except BaseException:
            pool.active -= 1
            raise
        response.stream = _TrackedStream(response.stream, pool)  # type: ignore[arg-type]
        return response

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await pool.transport.aclose()


@dataclass
class FetchStats:
    """Outcome counts for progress bars and the run summary."""

    requests: int = 0  # HTTP exchanges sent: robots.txt, redirect hops and retries included
    fetched: int = 0  # fetch() calls that returned a document
    not_modified: int = 0  # fetch() calls answered 304
    robots_denied: int = 0  # fetch() calls refused by robots.txt (never requested)
    retries: int = 0  # extra attempts after a retryable failure
    bytes: int = 0  # body bytes kept
    errors: Counter[str] = field(default_factory=Counter)  # slug -> fetch() calls

    @property
    def error_total(self) -> int:
        return sum(self.errors.values())


class PoliteClient:
    """The harvest's HTTP client; use as `async with PoliteClient(config) as client`.

    :param config: resolved settings (delay, concurrency, timeout, retries, limits, user agent).
    :param allow_private: fetch hosts on private/loopback addresses (tests, the offline sample).
    :param archive: write every exchange to this WARC file (.warc.gz), appending.
    :param replay: answer every request from this WARC file: no network, no DNS, no pacing (the
        archive was fetched politely already); robots.txt is obeyed as archived.
    :param transport: an httpx transport to use instead of the network (tests); by default a
        `PerHostTransport` honouring HTTP(S)_PROXY / NO_PROXY like httpx.
    :param clock: time source for pacing and retry waits (tests inject a fake one).
    :param resolver: async (host, port) -> addresses, for the private-address check (tests).
    :param on_result: called with every finished `FetchResult` (progress bars).
    :param on_retry: called with (failed attempt, seconds to wait) before each retry.
    """

    def __init__(self, config: Config, *, allow_private: bool = False, archive: Path | None = None,
                 replay: Path | None = None, transport: httpx.AsyncBaseTransport | None = None,
                 clock: Clock | None = None, resolver: Resolver | None = None,
                 on_result: Callable[[FetchResult], None] | None = None,
                 on_retry: Callable[[FetchResult, float], None] | None = None) -> None:
        self.config = config
        self.replaying = replay is not None
        self._replay_transport = ReplayTransport(replay) if replay is not None else None
        transport = self._replay_transport or transport
        delay = 0.0 if self.replaying else config.delay
        self.politeness = Politeness(delay, config.host_concurrency, config.concurrency, clock)
        self.clock = self.politeness.clock
        self.retry = RetryPolicy(config.retries, config.max_retry_wait, pause=self._pause)
        self.guard = AddressGuard(allow_private or self.replaying, resolver)
        self.stats = FetchStats()
        self.on_result = on_result
        self.on_retry = on_retry
        self._archive_path = archive
        self._writer: WarcWriter | None = None
        self._robots: dict[str, asyncio.Task[RobotsPolicy]] = {}
        # A slow-drip server must not hold a slot forever: the whole exchange has this deadline.
        self._deadline = max(config.timeout * 3, 1.0)
        if transport is None:
            transport = PerHostTransport(config.host_concurrency,
                                         keepalive_expiry=max(5.0, config.delay + 5.0))
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(config.timeout),
            follow_redirects=False,
            trust_env=True,
            headers={"User-Agent": config.user_agent, "Accept-Language": ACCEPT_LANGUAGE},
        )

    async def __aenter__(self) -> PoliteClient:
        if self._archive_path is not None:
            self._writer = WarcWriter(self._archive_path)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for task in self._robots.values():
            if not task.done():
                task.cancel()
        await self._http.aclose()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._replay_transport is not None:
            await self._replay_transport.aclose()

    @property
    def hosts_active(self) -> int:
        return self.politeness.active_hosts

    # -- public calls -------------------------------------------------------------------------

    async def allowed(self, url: str) -> bool:
        """True when robots.txt (and the address rules) let us request `url`."""
        return await self._refusal(url, check_robots=True) is None

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                    accept: str | None = None, kind: str = "page") -> FetchResult:
        """GET `url` politely; never raises for a failed URL (see `FetchResult.error`).

        :param etag, last_modified: validators from the last fetch; sent as If-None-Match /
            If-Modified-Since, and a 304 answer gives `not_modified=True`.
        :param accept: the Accept header; by default one suited to `kind`.
        :param kind: "page", "sitemap", "api" or "robots" (robots.txt: no content-type check).
        """
        started = time.monotonic()
        result = await self._fetch(url, etag=etag, last_modified=last_modified,
                                   accept=accept or ACCEPT.get(kind, ACCEPT["page"]), kind=kind)
        result.elapsed = time.monotonic() - started
        self._count(result)
        return result

    # -- the steps ----------------------------------------------------------------------------

    async def _fetch(self, url: str, *, etag: str | None, last_modified: str | None, accept: str,
                     kind: str, max_bytes: int | None = None) -> FetchResult:
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        hop = url
        redirects: list[str] = []
        attempts = 0
        for _ in range(self.config.max_redirects + 1):
            refusal = await self._refusal(hop, check_robots=kind != "robots")
            if refusal is not None:
                return FetchResult(url=url, final_url=hop, error=refusal, attempts=attempts,
                                   redirects=redirects)
            result = await self.retry.run(
                host_of(hop),
                lambda hop=hop: self._exchange(hop, headers, kind, max_bytes),
                on_retry=self._retried,
            )
            attempts += result.attempts
            self._after_retries(hop, result)
            location = result.headers.get("location")
            if result.status in REDIRECT_STATUSES and location:
                hop = urljoin(hop, location.strip())
                redirects.append(hop)
                continue
            result.url, result.redirects, result.attempts = url, redirects, attempts
            return result
        return FetchResult(url=url, final_url=hop, status=None, error="too-many-redirects",
                           attempts=attempts, redirects=redirects)

    async def _refusal(self, url: str, *, check_robots: bool) -> str | None:
        """The slug that forbids requesting `url`, or None."""
        if not is_http_url(url):
            return "invalid-url"
        parts = urlsplit(url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return "invalid-url"
        slug = await self.guard.check(parts.scheme, parts.hostname or "", port)
        if slug or not check_robots:
            return slug
        policy = await self.robots_policy(url)
        if policy.blocked:
            return policy.blocked
        return None if policy.allowed(url) else "robots"

    async def robots_policy(self, url: str) -> RobotsPolicy:
        """The robots.txt policy for the origin of `url`, fetched once per origin."""
        parts = urlsplit(url)
        # One robots.txt per scheme, host and port: http://Example.org:80/ is http://example.org/.
        host = host_of(url) if ":" not in (parts.hostname or "") else parts.netloc.lower()
        origin = f"{parts.scheme}://{host}"
        task = self._robots.get(origin)
        if task is None:
            task = asyncio.ensure_future(self._load_robots(origin))
            self._robots[origin] = task
        return await asyncio.shield(task)

    async def _load_robots(self, origin: str) -> RobotsPolicy:
        result = await self._fetch(origin + ROBOTS_PATH, etag=None, last_modified=None,
                                   accept=ACCEPT["robots"], kind="robots", max_bytes=ROBOTS_MAX_BYTES)
        if result.error == "not-in-archive":
            return ALLOW_ALL
        policy = policy_from_fetch(result)
        if policy.crawl_delay and not self.replaying:
            # Crawl-delay only ever slows us; capped so one robots.txt cannot stall a whole run.
            self.politeness.raise_interval(host_of(origin), min(policy.crawl_delay,
                                                                self.config.max_retry_wait))
        log.info("robots %s -> %s%s", origin, result.status or result.error,
                 f" (blocked: {policy.blocked})" if policy.blocked else "")
        return policy

    async def _pause(self, key: str, seconds: float) -> None:
        """Retry wait: the host's next start moves; the next attempt's slot waits for it."""
        self.politeness.push(key, seconds)

    def _retried(self, result: FetchResult, wait: float) -> None:
        self.stats.retries += 1
        log.info("retry %s after %s in %.1f s", result.final_url, result.error, wait)
        if self.on_retry:
            self.on_retry(result, wait)

    def _after_retries(self, hop: str, result: FetchResult) -> None:
        """A server asking for a longer pause than we honour: leave its host alone that long."""
        if is_retryable(result) and not self.retry.should_retry(result):
            self.politeness.push(host_of(hop), self.config.max_retry_wait)

    async def _exchange(self, url: str, headers: dict[str, str], kind: str,
                        max_bytes: int | None) -> FetchResult:
        """One request and its response, inside a politeness slot. Never raises."""
        limit = max_bytes or self.config.max_bytes
        key = host_of(url)
        async with self.politeness.slot(key):
            self.stats.requests += 1
            started = time.monotonic()
            async def trace(event: str, info: dict) -> None:
                if event.endswith("send_request_headers.started"):
                    self.politeness.mark_sent(key)

            try:
                request = self._http.build_request("GET", url, headers=headers, extensions={"trace": trace})
            except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError):
                return FetchResult(url=url, final_url=url, error="invalid-url")
            try:
                async with asyncio.timeout(self._deadline):
                    result = await self._send(request, kind, limit)
            except (httpx.HTTPError, TimeoutError, OSError) as exc:
                slug = map_exception(exc)
                log.info("GET %s -> %s (%.0f ms)", url, slug, (time.monotonic() - started) * 1000)
                return FetchResult(url=url, final_url=url, error=slug)
            log.info("GET %s -> %s%s (%.0f ms, %d bytes%s)", url, result.status,
                     f" {result.error}" if result.error else "", (time.monotonic() - started) * 1000,
                     len(result.body), ", truncated" if result.truncated else "")
            return result

    async def _send(self, request: httpx.Request, kind: str, limit: int) -> FetchResult:
        url = str(request.url)
        response = await self._http.send(request, stream=True)
        try:
            status = response.status_code
            headers = document_headers(response.headers)
            result = FetchResult(url=url, final_url=url, status=status, headers=headers)
            declared = media_type(response.headers.get("content-type"))
            result.content_type = declared or None
            if response.headers.get(REPLAY_HEADER) == "missing":
                return FetchResult(url=url, final_url=url, error="not-in-archive")
            check_type = kind != "robots" and 200 <= status < 300
            gzipped = check_type and kind == "sitemap" and declared in GZIP_TYPES  # sitemap.xml.gz
            if check_type and not gzipped and declared not in VAGUE_TYPES and not accepted_type(declared):
                result.error = "content-type"  # refused from the header: the body is not read
                self._archive(request, response, b"", truncated=True)
                return result
            body, truncated = await self._read(response, limit)
            truncated = truncated or response.headers.get(REPLAY_HEADER) == "truncated"
            if check_type and (gzipped or declared in VAGUE_TYPES):
                if gzipped:
                    self._archive(request, response, body, truncated=truncated)  # as received
                    body, truncated = gunzip_capped(body, limit)
                guessed = sniff(body)
                if guessed is None:
                    result.error = "content-type"
                    if not gzipped:
                        self._archive(request, response, body, truncated=True)
                    return result
                result.content_type = guessed
            if not gzipped:
                self._archive(request, response, body, truncated=truncated)
            result.body, result.truncated = body, truncated
            if status == 304:
                result.not_modified = True
            elif not 200 <= status < 300 and status not in REDIRECT_STATUSES:
                result.error = http_error_slug(status)
            return result
        finally:
            await response.aclose()

    async def _read(self, response: httpx.Response, limit: int) -> tuple[bytes, bool]:
        """The body up to `limit` bytes (decoded), and whether more was left unread.

        When the type must be sniffed, reading stops after SNIFF_BYTES if they are not a document.
        """
        if response.status_code in REDIRECT_STATUSES or response.status_code == 304:
            return b"", False
        declared = media_type(response.headers.get("content-type"))
        sniffing = declared in VAGUE_TYPES
        chunks: list[bytes] = []
        size = 0
        stream = response.aiter_bytes()
        async for chunk in stream:
            chunks.append(chunk)
            size += len(chunk)
            if sniffing and size >= SNIFF_BYTES:
                sniffing = False
                if response.status_code < 300 and sniff(b"".join(chunks)) is None:
                    return b"".join(chunks)[:SNIFF_BYTES], True
            if size >= limit:
                body = b"".join(chunks)
                if size > limit:
                    return body[:limit], True
                # Exactly at the cap: truncated only if the stream had more to give.
                async for more in stream:
                    if more:
                        return body, True
                return body, False
        return b"".join(chunks), False

    def _archive(self, request: httpx.Request, response: httpx.Response, body: bytes,
                 truncated: bool) -> None:
        if self._writer is not None:
            self._writer.write_exchange(request, response, body, truncated=truncated)

    def _count(self, result: FetchResult) -> None:
        s = self.stats
        if result.error == "robots":
            s.robots_denied += 1
        elif result.error:
            s.errors[result.error] += 1
        elif result.not_modified:
            s.not_modified += 1
        else:
            s.fetched += 1
            s.bytes += len(result.body)
        if self.on_result:
            self.on_result(result)
