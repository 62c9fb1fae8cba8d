"""A simulated web on loopback for integration tests and benchmarks: many hosts, real sockets, traps.

    from simweb import SimWeb

    with SimWeb(hosts=50, pages_per_host=40, page_kb=(30, 80), seed=1) as web:
        web.base_urls            # ["http://127.0.0.1:41001/", ...] one port = one host
        ... crawl them ...
        log = web.requests()     # [Hit(host, path, time, status, bytes), ...] from the server's side

All hosts are served by background worker processes (default 2, forked, sharing the listening
sockets), so the crawler under test keeps the CPU of its own process. Each worker answers with
one stdlib ThreadingHTTPServer per port (`backend="threads"`, keep-alive) or one asyncio loop with
a raw HTTP/1.1 handler (`backend="asyncio"`); both give the same answers and the same log. Measured
side by side on the 2-core build machine while other work kept its load average at 6-12
(`python tests/simweb.py --bench --backend ...`: 50 hosts, pages of 30-80 KB, 32 concurrent
keep-alive connections from a raw asyncio client), threads served 2,400-3,600 requests/s (about
200 MB/s) and asyncio 450-900: one event-loop thread gets a small share of a busy machine, a
thread per connection gets more, so threads is the default. Pages are generated on demand,
cached per worker (48 MB), and deterministic for a given `seed`:

- `/` links to `/about/`, `/contact/`, `/team/`, `/partners/` and every numbered page
  `/page/N/` (so a page budget, not link depth, bounds a crawl); numbered pages link onwards;
- `/partners/` links to the homepages of three other hosts (outlinks for the extractor);
- bodies are HTML of `page_kb` kilobytes (uniform per page), with an email and a UK phone on
  `/contact/`;
- `traps=True`: an endless calendar `/calendar?month=N` linking to `N+1` forever, a faceted
  listing `/shop?color=..&size=..&sort=..&page=N` whose links add and change facets, and links
  carrying a session id (`?sessionid=...` and `;jsessionid=...`) to pages that exist;
- `robots_disallow=True`: robots.txt says `Disallow: /private/` and pages link into `/private/`
  (which the server would answer, so the log shows any crawler that ignores robots.txt);
- `throttle_path`: the first `throttle_times` requests for that path on each host answer 429 with
  `Retry-After: retry_after`;
- every 200 carries an ETag and a Last-Modified; `If-None-Match` (or, without it,
  `If-Modified-Since`) gives 304;
- `sitemap=True`: each host serves `/sitemap.xml` (a urlset of all its pages, each with the
  `<lastmod>` of its Last-Modified), named in robots.txt and by a `<link rel="sitemap">` on the
  homepage; it counts as one of `pages_per_host`. Off by default, so the no-sitemap path stays
  the one most tests crawl;
- `web.modify(host, path)` changes a page while the web runs (new body, ETag, Last-Modified; on
  `/contact/` a new email and phone) and, unless `in_sitemap=False` (a sitemap that lies), its `<lastmod>`;
- `delay` seconds of latency before every answer.

The log is a tab-separated file appended by the server (one `write` per request) and read by the
test process; times are `time.monotonic()`, the same clock in both processes on Linux and macOS.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import random
import signal
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

LAST_MODIFIED = "Mon, 02 Nov 2026 09:00:00 GMT"
_LAST_MODIFIED_TS = parsedate_to_datetime(LAST_MODIFIED).timestamp()
CORE_PAGES = ("/about/", "/contact/", "/team/", "/partners/")
COLORS = ("red", "green", "blue", "black", "white", "grey")
SIZES = ("xs", "s", "m", "l", "xl")
SORTS = ("price", "name", "new")
_WORDS = ["creative", "studio", "games", "immersive", "design", "film", "audio", "network", "community",
          "partners", "funding", "research", "university", "council", "charity", "skills", "digital",
          "festival", "screen", "makers", "software", "data", "animation", "gallery", "theatre", "music",
          "heritage", "workshop", "residency", "programme", "talent"]
CACHE_BYTES = 48 * 1024 * 1024  # generated bodies kept per worker process
_REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 429: "Too Many Requests"}


@dataclass(frozen=True)
class Hit:
    """One request as the server saw it."""

    host: str  # "127.0.0.1:PORT"
    path: str  # path with query string, as requested
    time: float  # time.monotonic() when the request's headers had been read
    status: int
    bytes: int  # body bytes sent


@dataclass(frozen=True)
class Options:
    hosts: int = 50
    pages_per_host: int = 40
    page_kb: tuple[int, int] = (30, 80)
    seed: int = 1
    traps: bool = True
    robots_disallow: bool = True
    delay: float = 0.0
    throttle_path: str | None = None
    throttle_times: int = 1
    retry_after: float = 1.0
    sitemap: bool = False


@dataclass(frozen=True)
class Revision:
    """A change made by `SimWeb.modify`: the page's n-th version, from `when` (epoch seconds)."""

    number: int
    when: float
    in_sitemap: bool = True


# --------------------------------------------------------------------------- pages (pure)


def _filler(seed: int) -> str:
    rng = random.Random(seed)
    words = [rng.choice(_WORDS) for _ in range(40_000)]
    return " ".join(words)  # about 280 KB of text to slice page bodies from


class Pages:
    """Deterministic page bodies for one simulated web (pure: no I/O)."""

    def __init__(self, opts: Options, ports: list[int]) -> None:
        self.opts = opts
        self.ports = ports
        self.filler = _filler(opts.seed)
        self.numbered = max(1, opts.pages_per_host - 1 - len(CORE_PAGES) - (1 if opts.sitemap else 0))
        self.revisions: dict[tuple[int, str], Revision] = {}  # (host, path) -> its latest change

    def origin(self, host_index: int) -> str:
        return f"http://127.0.0.1:{self.ports[host_index]}"

    def _rng(self, host_index: int, path: str) -> random.Random:
        return random.Random(f"{self.opts.seed}:{host_index}:{path}")

    def robots(self, host_index: int = 0) -> bytes:
        lines = ["User-agent: *"]
        lines.append("Disallow: /private/" if self.opts.robots_disallow else "Disallow:")
        if self.opts.sitemap:
            lines.append(f"Sitemap: {self.origin(host_index)}/sitemap.xml")
        return ("\n".join(lines) + "\n").encode()

    def paths(self) -> list[str]:
        """The pages of one host a crawler can reach from its homepage (the sitemap lists them)."""
        return ["/", *CORE_PAGES, *(f"/page/{n}/" for n in range(1, self.numbered + 1))]

    def modified(self, host_index: int, path: str, *, for_sitemap: bool = False) -> float:
        """Epoch seconds of a page's last change: its Last-Modified, or its sitemap <lastmod>
        (which a revision with `in_sitemap=False` does not move)."""
        rev = self.revisions.get((host_index, path))
        if rev is None or (for_sitemap and not rev.in_sitemap):
            return _LAST_MODIFIED_TS
        return rev.when

    def sitemap(self, host_index: int) -> bytes:
        """A sitemaps.org urlset of every page, each with a W3C-datetime <lastmod>."""
        import datetime as dt

        items = []
        for path in self.paths():
            stamp = dt.datetime.fromtimestamp(self.modified(host_index, path, for_sitemap=True), dt.UTC)
            items.append(f"<url><loc>{self.origin(host_index)}{path}</loc>"
                         f"<lastmod>{stamp.isoformat(timespec='seconds')}</lastmod></url>")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                + "\n".join(items) + "\n</urlset>\n").encode()

    def page(self, host_index: int, path: str, query: str) -> bytes | None:
        """The body for a path, or None for a 404."""
        links: list[tuple[str, str]] = []
        title = ""
        extra = ""
        head = ""
        n_pages = self.numbered
        rev = self.revisions.get((host_index, path))
        if path == "/":
            title = f"Sim organisation {host_index}"
            if self.opts.sitemap:
                head = '<link rel="sitemap" type="application/xml" href="/sitemap.xml">'
            links += [(p, p.strip("/").title()) for p in CORE_PAGES]
            links += [(f"/page/{n}/", f"Page {n}") for n in range(1, n_pages + 1)]
        elif path in CORE_PAGES:
            title = path.strip("/").title()
            if path == "/contact/":
                email = f"hello{f'-v{rev.number}' if rev else ''}@sim{host_index}.sample-web.test"
                phone = (host_index + 500 * (rev.number if rev else 0)) % 1000  # Ofcom drama range
                extra = (f"<p>Email <a href=\"mailto:{email}\">{email}</a>, telephone 0117 496 "
                         f"{phone:04d}, postcode BS1 4DJ.</p>")
            if path == "/team/":
                extra = f"<p>Alex Sim{host_index}, Director. Sam Sim{host_index}, Producer.</p>"
            if path == "/partners/":
                hosts = self.opts.hosts
                others = sorted({(host_index + k) % hosts for k in (1, 2, 7)} - {host_index})
                links += [(self.origin(o) + "/", f"Partner {o}") for o in others]
        elif path.startswith("/page/") and path.endswith("/") and path[6:-1].isdigit():
            n = int(path[6:-1])
            if not 1 <= n <= n_pages:
                return None
            title = f"Page {n}"
            links += [(f"/page/{(n % n_pages) + 1}/", "Next"), (f"/page/{max(1, n - 1)}/", "Previous")]
        elif path.startswith("/private/"):
            title = "Private"
        elif self.opts.traps and path == "/calendar":
            month = _int(dict(parse_qsl(query)).get("month"), 1)
            title = f"Calendar month {month}"
            links += [(f"/calendar?month={month + 1}", "Next month"),
                      (f"/calendar?month={max(1, month - 1)}", "Previous month")]
        elif self.opts.traps and path == "/shop":
            facets = dict(parse_qsl(query))
            title = "Shop " + ", ".join(f"{k}={v}" for k, v in sorted(facets.items()))
            for name, values in (("color", COLORS), ("size", SIZES), ("sort", SORTS)):
                for value in values:
                    links.append(("/shop?" + urlencode({**facets, name: value}), f"{name}: {value}"))
            page_no = _int(facets.get("page"), 1)
            links.append(("/shop?" + urlencode({**facets, "page": page_no + 1}), "More"))
        else:
            return None
        rng = self._rng(host_index, path)
        if path == "/" or path.startswith("/page/"):
            if self.opts.traps:
                links += [("/calendar?month=1", "What's on"), ("/shop?color=red", "Shop")]
            if self.opts.robots_disallow:
                links.append((f"/private/{rng.randrange(1000)}/", "Staff area"))
            if self.opts.traps:
                sid = hashlib.sha1(f"{host_index}{path}{query}".encode()).hexdigest()[:12]
                target = rng.randint(1, n_pages)
                links += [(f"/page/{target}/?sessionid={sid}", "Session link"),
                          (f"/team/;jsessionid={sid.upper()}", "Team (session)")]
        if rev is not None:
            extra += f"<p>Revised (version {rev.number}).</p>"
        lo, hi = self.opts.page_kb
        size = rng.randint(lo, hi) * 1024
        return render(title, links, extra, self.filler, rng.randrange(len(self.filler) // 2), size,
                      head=head)


def _int(text: str | None, default: int) -> int:
    try:
        return max(1, int(text or default))
    except ValueError:
        return default


def render(title: str, links: list[tuple[str, str]], extra: str, filler: str, offset: int,
           size: int, head: str = "") -> bytes:
    head = (f"<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"{head}</head>\n<body><h1>{title}</h1>\n<nav><ul>"
            + "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
            + f"</ul></nav>\n{extra}\n<main>")
    tail = "</main></body></html>\n"
    room = max(0, size - len(head) - len(tail) - 16)
    paragraphs = []
    remaining = room
    pos = offset
    while remaining > 0:
        chunk = filler[pos: pos + min(remaining, 900)]
        if not chunk:
            pos = 0
            continue
        paragraphs.append(f"<p>{chunk}</p>\n")
        remaining -= len(chunk) + 8
        pos += len(chunk)
    return (head + "".join(paragraphs) + tail).encode()


def etag_for(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=10).hexdigest() + '"'


# --------------------------------------------------------------------------- server (one process)


class _Server:
    def __init__(self, opts: Options, sockets: list[socket.socket], log_path: str, throttled,
                 generation=None) -> None:
        self.opts = opts
        self.sockets = sockets
        self.ports = [s.getsockname()[1] for s in sockets]
        self.pages = Pages(opts, self.ports)
        self.log_fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self.throttled = throttled  # shared by the worker processes: 429s answered per host
        self.cache: dict[tuple[int, str], tuple[bytes, str] | None] = {}
        self.cached_bytes = 0
        self.changes_path = log_path + ".changes"  # written by SimWeb.modify
        self.generation = generation  # bumped by SimWeb.modify: reload the changes
        self.seen_generation = 0
        self._changes_lock = threading.Lock()

    def _reload_changes(self) -> None:
        """Pick up pages changed by `SimWeb.modify` since the last request (rarely: a counter)."""
        if self.generation is None or self.generation.value == self.seen_generation:
            return
        with self._changes_lock:
            generation = self.generation.value
            revisions: dict[tuple[int, str], Revision] = {}
            with open(self.changes_path, encoding="utf-8") as fh:
                for line in fh:
                    host, path, number, when, in_sitemap = line.rstrip("\n").split("\t")
                    revisions[(int(host), path)] = Revision(int(number), float(when), in_sitemap == "1")
            self.pages.revisions = revisions
            self.cache.clear()
            self.cached_bytes = 0
            self.seen_generation = generation

    def answer(self, host_index: int, method: str, target: str,
               headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
        """Status, extra headers and body for one request (shared by both backends)."""
        parts = urlsplit(target)
        path, query = parts.path or "/", parts.query
        opts = self.opts
        self._reload_changes()
        if opts.throttle_path and target == opts.throttle_path:
            with self.throttled.get_lock():
                seen = self.throttled[host_index]
                self.throttled[host_index] = seen + 1
            if seen < opts.throttle_times:
                headers_429 = [("Retry-After", f"{opts.retry_after:g}"), ("Content-Type", "text/plain")]
                return 429, headers_429, b"slow down\n"
        if path == "/robots.txt":
            body, ctype = self.pages.robots(host_index), "text/plain; charset=utf-8"
        elif opts.sitemap and path == "/sitemap.xml":
            body = self.pages.sitemap(host_index)
            newest = max(self.pages.modified(host_index, p, for_sitemap=True) for p in self.pages.paths())
            return _conditional(headers, body, etag_for(body), newest, "application/xml")
        else:
            key = (host_index, path + "?" + query if query else path)
            hit = self.cache.get(key, False)
            if hit is False:
                body_or_none = self.pages.page(host_index, path.split(";", 1)[0], query)
                hit = None if body_or_none is None else (body_or_none, etag_for(body_or_none))
                if self.cached_bytes < CACHE_BYTES:
                    self.cache[key] = hit
                    self.cached_bytes += len(hit[0]) if hit else 0
            if hit is None:
                return 404, [("Content-Type", "text/html; charset=utf-8")], b"<h1>Not found</h1>\n"
            body, etag = hit
            return _conditional(headers, body, etag, self.pages.modified(host_index, path),
                                "text/html; charset=utf-8")
        return 200, [("Content-Type", ctype), ("Last-Modified", LAST_MODIFIED)], body

    def log(self, host_index: int, target: str, started: float, status: int, size: int) -> None:
        line = f"127.0.0.1:{self.ports[host_index]}\t{target}\t{started:.6f}\t{status}\t{size}\n"
        os.write(self.log_fd, line.encode())  # one O_APPEND write per request: lines never interleave

    async def handle(self, host_index: int, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:  # one send() per response instead of a loop round per 64 KB
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        try:
            while True:
                try:
                    raw = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                started = time.monotonic()
                lines = raw.decode("latin-1").split("\r\n")
                try:
                    method, target, version = lines[0].split(" ", 2)
                except ValueError:
                    return
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(length)
                if self.opts.delay:
                    await asyncio.sleep(self.opts.delay)
                status, extra, body = self.answer(host_index, method, target, headers)
                close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
                payload = b"" if method == "HEAD" or status == 304 else body
                head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}",
                        f"Date: {formatdate(usegmt=True)}", "Server: simweb",
                        f"Content-Length: {len(body) if status != 304 else 0}"]
                head += [f"{k}: {v}" for k, v in extra]
                if close:
                    head.append("Connection: close")
                # logged before sending, so a client that has its answer always finds it in the log
                self.log(host_index, target, started, status, len(payload))
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
                await writer.drain()
                if close:
                    return
        except ConnectionError:
            return
        finally:
            writer.close()

    async def run(self, ready) -> None:
        servers = []
        for i, sock in enumerate(self.sockets):
            servers.append(await asyncio.start_server(
                lambda r, w, i=i: self.handle(i, r, w), sock=sock, backlog=1024))
        ready.send(self.ports)
        ready.close()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        for s in servers:
            s.close()


def _conditional(headers: dict[str, str], body: bytes, etag: str, modified: float,
                 ctype: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """200 with validators, or 304: If-None-Match decides when sent, else If-Modified-Since
    (RFC 9110 13.2.2)."""
    last_modified = formatdate(modified, usegmt=True)
    validators = [("ETag", etag), ("Last-Modified", last_modified)]
    inm = headers.get("if-none-match")
    if inm is not None:
        fresh = etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
    else:
        fresh = _not_modified_since(headers.get("if-modified-since"), modified)
    if fresh:
        return 304, validators, b""
    return 200, [("Content-Type", ctype), *validators], body


def _not_modified_since(value: str | None, modified: float = _LAST_MODIFIED_TS) -> bool:
    if not value:
        return False
    try:
        return parsedate_to_datetime(value).timestamp() >= int(modified)
    except (TypeError, ValueError):
        return False


def _serve_threads(server: _Server, ready) -> None:
    """The same answers from one ThreadingHTTPServer per port (kept to compare against asyncio)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall
        host_index = 0

        def do_GET(self, method: str = "GET") -> None:  # noqa: N802 (stdlib name)
            started = time.monotonic()
            headers = {k.lower(): v for k, v in self.headers.items()}
            if server.opts.delay:
                time.sleep(server.opts.delay)
            status, extra, body = server.answer(self.host_index, method, self.path, headers)
            length = 0 if status == 304 else len(body)
            payload = b"" if status == 304 or method == "HEAD" else body
            self.send_response(status)
            self.send_header("Content-Length", str(length))
            for k, v in extra:
                self.send_header(k, v)
            # Logged before end_headers() sends the head: for a HEAD or a 304 the head is the
            # whole answer, so a client that has its answer always finds it in the log.
            server.log(self.host_index, self.path, started, status, len(payload))
            self.end_headers()
            self.wfile.write(payload)

        def do_HEAD(self) -> None:  # noqa: N802 (stdlib name)
            self.do_GET("HEAD")

        def log_message(self, *args: object) -> None:
            pass

    for i, sock in enumerate(server.sockets):
        handler = type(f"Handler{i}", (Handler,), {"host_index": i})
        httpd = ThreadingHTTPServer(sock.getsockname(), handler, bind_and_activate=False)
        httpd.socket.close()
        sock.setblocking(True)
        httpd.socket = sock
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
    ready.send(server.ports)
    ready.close()
    signal.sigwait({signal.SIGTERM})


def _serve(opts: Options, sockets: list[socket.socket], log_path: str, ready, throttled,
           backend: str, generation=None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us; Ctrl-C reaches the parent
    server = _Server(opts, sockets, log_path, throttled, generation)
    if backend == "threads":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        _serve_threads(server, ready)
        return
    asyncio.events._set_running_loop(None)  # forked from inside a running loop (async tests)
    asyncio.run(server.run(ready))


# --------------------------------------------------------------------------- public handle


class SimWeb:
    """Start with `with SimWeb(...) as web:`; see the module docstring."""

    def __init__(self, hosts: int = 50, pages_per_host: int = 40, page_kb: tuple[int, int] = (30, 80),
                 seed: int = 1, traps: bool = True, robots_disallow: bool = True, delay: float = 0.0,
                 throttle_path: str | None = None, throttle_times: int = 1, retry_after: float = 1.0,
                 log_path: str | Path | None = None, workers: int = 2, backend: str = "threads",
                 sitemap: bool = False) -> None:
        self.options = Options(hosts, pages_per_host, tuple(page_kb), seed, traps, robots_disallow, delay,
                               throttle_path, throttle_times, retry_after, sitemap)
        self._generation = None
        self._revisions: dict[tuple[int, str], Revision] = {}
        self._own_log = log_path is None
        self.log_path = Path(log_path) if log_path else None
        self.workers = max(1, workers)
        self.backend = backend
        self.ports: list[int] = []
        self._processes: list[multiprocessing.process.BaseProcess] = []

    @property
    def base_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}/" for p in self.ports]

    def url(self, host_index: int, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.ports[host_index]}{path}"

    def host(self, host_index: int) -> str:
        return f"127.0.0.1:{self.ports[host_index]}"

    def pages(self) -> Pages:
        """The page generator, for tests that want the expected body of a URL."""
        return Pages(self.options, self.ports)

    def start(self) -> SimWeb:
        if self.log_path is None:
            fd, name = tempfile.mkstemp(prefix="simweb-", suffix=".log")
            os.close(fd)
            self.log_path = Path(name)
        self.log_path.write_bytes(b"")
        sockets = []
        for _ in range(self.options.hosts):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", 0))
            s.listen(1024)
            s.setblocking(False)
            sockets.append(s)
        ctx = multiprocessing.get_context("fork")
        throttled = ctx.Array("i", self.options.hosts)
        self._generation = ctx.Value("i", 0)
        Path(str(self.log_path) + ".changes").write_text("", encoding="utf-8")
        pipes = []
        for n in range(self.workers):
            parent, child = ctx.Pipe(duplex=False)
            args = (self.options, sockets, str(self.log_path), child, throttled, self.backend,
                    self._generation)
            proc = ctx.Process(target=_serve, args=args,
                               daemon=True, name=f"simweb-{n}")
            proc.start()
            child.close()
            self._processes.append(proc)
            pipes.append(parent)
        for s in sockets:
            s.close()  # the server processes hold their own copies
        for parent in pipes:
            if not parent.poll(20):
                self.stop()
                raise RuntimeError("simweb: a server process did not start within 20 s")
            self.ports = parent.recv()
            parent.close()
        return self

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._processes if p.pid is not None]

    def stop(self) -> None:
        procs, self._processes = self._processes, []
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)

    def __enter__(self) -> SimWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self.log_path is not None:
            Path(str(self.log_path) + ".changes").unlink(missing_ok=True)
        if self._own_log and self.log_path is not None:
            self.log_path.unlink(missing_ok=True)

    def modify(self, host_index: int, path: str, *, when: float | None = None,
               in_sitemap: bool = True) -> Revision:
        """Change one page from now on (new body and ETag; Last-Modified `when`, default now).
        `in_sitemap=False` leaves its sitemap <lastmod> as it was: a sitemap that lies."""
        key = (host_index, path)
        previous = self._revisions.get(key)
        rev = Revision((previous.number if previous else 0) + 1, float(int(when or time.time())),
                       in_sitemap)
        self._revisions[key] = rev
        with open(str(self.log_path) + ".changes", "a", encoding="utf-8") as fh:
            fh.write(f"{host_index}\t{path}\t{rev.number}\t{rev.when}\t{int(in_sitemap)}\n")
        with self._generation.get_lock():
            self._generation.value += 1
        return rev

    def requests(self) -> list[Hit]:
        """Every request logged so far, in arrival order of the log writes."""
        if self.log_path is None or not self.log_path.exists():
            return []
        hits = []
        for line in self.log_path.read_text(encoding="latin-1").splitlines():
            host, path, t, status, size = line.split("\t")
            hits.append(Hit(host, path, float(t), int(status), int(size)))
        return hits

    def times(self, host_index: int, path_prefix: str = "/") -> list[float]:
        """Sorted arrival times of one host's requests (whose path starts with `path_prefix`):
        the consecutive differences are the politeness intervals the host actually saw."""
        host = self.host(host_index)
        return sorted(h.time for h in self.requests() if h.host == host and h.path.startswith(path_prefix))

    def clear_log(self) -> None:
        """Start a fresh log (the server appends, so truncation is safe between phases)."""
        if self.log_path is not None:
            os.truncate(self.log_path, 0)


# --------------------------------------------------------------------------- command line


async def _load(urls: list[str], seconds: float, concurrency: int) -> tuple[int, int]:
    """A minimal keep-alive HTTP/1.1 client (no library overhead), so the server is what is measured."""
    done = received = 0
    deadline = time.monotonic() + seconds

    async def worker(k: int) -> None:
        nonlocal done, received
        conns: dict[str, tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}
        i = k
        while time.monotonic() < deadline:
            parts = urlsplit(urls[i % len(urls)])
            i += concurrency
            if parts.netloc not in conns:
                conns[parts.netloc] = await asyncio.open_connection(parts.hostname, parts.port)
            reader, writer = conns[parts.netloc]
            writer.write(f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            body = await reader.readexactly(length)  # not `received += await ...`: that loses updates
            received += len(body)
            done += 1
        for _reader, writer in conns.values():
            writer.close()

    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return done, received


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a simulated web on 127.0.0.1, or measure it.")
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backend", choices=("threads", "asyncio"), default="threads")
    parser.add_argument("--bench", action="store_true", help="measure requests/s with a raw HTTP client")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args(argv)
    with SimWeb(hosts=args.hosts, pages_per_host=args.pages, seed=args.seed, workers=args.workers,
                backend=args.backend) as web:
        if not args.bench:
            print("\n".join(web.base_urls), flush=True)
            print(f"log: {web.log_path}  (Ctrl-C to stop)", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return
        urls = [web.url(h, f"/page/{n}/") for n in range(1, 30) for h in range(args.hosts)]
        asyncio.run(_load(urls, 1.0, args.concurrency))  # warm the page caches
        started = time.monotonic()
        done, size = asyncio.run(_load(urls, args.seconds, args.concurrency))
        elapsed = time.monotonic() - started
        print(f"simweb {args.backend} x{args.workers}: {done / elapsed:.0f} requests/s, "
              f"{size / elapsed / 1e6:.1f} MB/s ({args.hosts} hosts, {args.concurrency} concurrent "
              f"keep-alive connections per host set, {args.seconds:g} s)")


if __name__ == "__main__":
    main()
