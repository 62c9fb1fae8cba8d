"""Real HTTP servers on 127.0.0.1 for tests: several ports = several hosts.

Each `LoopbackServer` is a threaded stdlib HTTP/1.1 server (keep-alive) on its own free port, so
`host_of(server.url())` differs per server and the client paces them as separate hosts. Routes are
programmable (status, headers, body, a delay before answering, a sequence of replies for retries,
or a function of the request), and every request is logged with the server's own monotonic
timestamp taken when the request line arrived, so tests measure politeness from the server's side.

    from loopback import LoopbackServer, Reply, loopback_hosts

    with loopback_hosts(3) as hosts:                       # three servers = three hosts
        for h in hosts:
            h.route("/robots.txt", body="User-agent: *\\nDisallow: /private\\n", content_type="text/plain")
            h.route("/", body="<html>home</html>")
            h.route("/busy", Reply(429, headers={"Retry-After": "1"}), Reply(200, body=b"ok"))
        ... run the client against h.url("/") ...
        starts = hosts[0].times("/")                       # monotonic times of each request start
        assert "/private" not in hosts[0].paths()

Unrouted paths answer 404. `handler(fn)` sets a fallback `fn(request) -> Reply | None` (e.g. to
generate a whole site). `time.monotonic()` in the test process is the same clock as the log's.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Reply:
    """One programmed answer."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (timeouts, slow hosts)
    content_type: str | None = "text/html; charset=utf-8"  # None: send no Content-Type

    def payload(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass(frozen=True)
class LoggedRequest:
    time: float  # time.monotonic() when the request line was read
    method: str
    path: str  # path with query string, as sent
    headers: dict[str, str]  # lower-case names


class _Route:
    def __init__(self, replies: list[Reply]) -> None:
        self.replies = replies
        self.served = 0
        self.lock = threading.Lock()

    def next(self) -> Reply:
        """Replies in order; the last one repeats."""
        with self.lock:
            reply = self.replies[min(self.served, len(self.replies) - 1)]
            self.served += 1
            return reply


class LoopbackServer:
    """A programmable HTTP server on 127.0.0.1 (a free port), started by `start()` or `with`."""

    def __init__(self) -> None:
        self.log: list[LoggedRequest] = []
        self._routes: dict[str, _Route] = {}
        self._fallback: Callable[[LoggedRequest], Reply | None] | None = None
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- programming ----------------------------------------------------------------------

    def route(self, path: str, *replies: Reply, status: int = 200, body: bytes | str = b"",
              headers: dict[str, str] | None = None, delay: float = 0.0,
              content_type: str | None = "text/html; charset=utf-8") -> LoopbackServer:
        """Answer `path` (exact, query included if given) with `replies` in turn, or with one
        reply built from the keyword arguments."""
        if not replies:
            replies = (Reply(status, body, dict(headers or {}), delay, content_type),)
        self._routes[path] = _Route(list(replies))
        return self

    def handler(self, fn: Callable[[LoggedRequest], Reply | None]) -> LoopbackServer:
        """Fallback for unrouted paths: `fn(request)` returns a Reply, or None for 404."""
        self._fallback = fn
        return self

    # -- reading the log ------------------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return self._server.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.origin + path

    def requests(self, path: str | None = None) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if path is None or r.path == path]

    def paths(self) -> list[str]:
        return [r.path for r in self.requests()]

    def times(self, path: str | None = None) -> list[float]:
        return [r.time for r in self.requests(path)]

    def clear(self) -> None:
        with self._lock:
            self.log.clear()

    # -- serving --------------------------------------------------------------------------

    def _answer(self, request: LoggedRequest) -> Reply:
        route = self._routes.get(request.path) or self._routes.get(urlsplit(request.path).path)
        if route is not None:
            return route.next()
        if self._fallback is not None:
            reply = self._fallback(request)
            if reply is not None:
                return reply
        return Reply(404, b"not found", content_type="text/plain")

    def start(self) -> LoopbackServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
                pass

            def _serve(self) -> None:
                logged = LoggedRequest(time.monotonic(), self.command, self.path,
                                       {k.lower(): v for k, v in self.headers.items()})
                with server._lock:
                    server.log.append(logged)
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                reply = server._answer(logged)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.payload()
                self.send_response(reply.status)
                if reply.content_type:
                    self.send_header("Content-Type", reply.content_type)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    # the client may stop reading (size cap, refused type): fine
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        self.wfile.write(payload)

            do_GET = do_HEAD = do_POST = _serve  # noqa: N815 - stdlib naming

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def loopback_hosts(n: int) -> Iterator[list[LoopbackServer]]:
    """`n` started servers (n hosts), all stopped on exit."""
    with ExitStack() as stack:
        yield [stack.enter_context(LoopbackServer()) for _ in range(n)]


def gaps(times: list[float]) -> list[float]:
    """Differences between consecutive sorted times: the intervals a host actually saw."""
    ordered = sorted(times)
    return [b - a for a, b in zip(ordered, ordered[1:], strict=False)]
