"""WARC capture and replay (warcio): `WarcWriter`, `ReplayTransport`, `iter_records`, `rewrite_without`.

Capture: every exchange (robots.txt, redirects, 304s and error responses included) becomes a
`response` record and a `request` record linked by WARC-Concurrent-To, each its own gzip member of
a `.warc.gz`, appended and flushed per record so a killed harvest loses at most the record being
written; a half-written tail left by a kill is cut off when the file is next opened for writing.
The body is stored as the client received it *after* content decoding (gzip/br), so the
Content-Encoding and Transfer-Encoding headers are dropped and Content-Length is set to the stored
length; a body cut at the size cap carries `WARC-Truncated: length`.

Secrets never reach the file: Authorization, Proxy-Authorization, Cookie, Set-Cookie and any header
naming a token or API key are dropped, and URL query values of token-like parameters are replaced
by `REDACTED` (in the URI and in lookups alike, so replay still matches).

Replay: `ReplayTransport(path)` is an httpx transport answering each request from the archive: the
latest stored response for (method, URL); a conditional request whose validator matches the stored
ETag / Last-Modified gets a 304; a URL not in the archive gets a 404 marked
`x-harvester-replay: missing` (the client reports `not-in-archive`). No socket is ever opened.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from harvester import __version__
from harvester.errors import BadInput

REPLAY_HEADER = "x-harvester-replay"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie",
                            "set-cookie2", "x-api-key", "x-auth-token", "x-access-token"})
SECRET_HEADER_WORDS = ("token", "api-key", "apikey", "secret", "password")
SECRET_PARAMS = frozenset({"token", "access_token", "auth_token", "api_key", "apikey", "key",
                           "client_secret", "secret", "password", "signature", "sig"})
DROPPED_RESPONSE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


def redact_url(url: str) -> str:
    """The URL with token-like query values replaced by REDACTED (stable, so lookups match)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(k.lower() in SECRET_PARAMS for k, _ in pairs):
        return url
    query = urlencode([(k, "REDACTED" if k.lower() in SECRET_PARAMS else v) for k, v in pairs])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def is_secret_header(name: str) -> bool:
    name = name.lower()
    return name in SECRET_HEADERS or any(word in name for word in SECRET_HEADER_WORDS)


def _raw_headers(headers: httpx.Headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers.raw]


class DamagedArchive(BadInput, ValueError):
    """A file given as a WARC archive that warcio cannot read (not WARC, or a broken record)."""

    def __init__(self, path: Path, exc: Exception) -> None:
        super().__init__(f"{path}: not a readable WARC archive ({type(exc).__name__}: {exc}); "
                         "give a file written by `harvester harvest --archive`")


class WarcWriter:
    """Append request/response records to a .warc.gz file; one gzip member per record."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists():
                repair_tail(self.path)
            self._fh: BinaryIO = open(self.path, "ab")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise BadInput(f"cannot write the archive {self.path}: {exc.strerror or exc}; "
                           "choose another --archive path") from exc
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="1.1")
        info = self._writer.create_warcinfo_record(self.path.name, {
            "software": f"harvester/{__version__}", "format": "WARC File Format 1.1"})
        self._write(info)

    def _write(self, record) -> None:
        self._writer.write_record(record)
        self._fh.flush()

    def write_exchange(self, request: httpx.Request, response: httpx.Response, body: bytes, *,
                       truncated: bool = False) -> None:
        """Write one response record and its request record (secrets stripped)."""
        uri = redact_url(str(request.url))
        reason = response.reason_phrase or "-"
        kept = [(k, v) for k, v in _raw_headers(response.headers)
                if k.lower() not in DROPPED_RESPONSE_HEADERS and not is_secret_header(k)
                and not k.lower().startswith("x-harvester-")]
        kept.append(("Content-Length", str(len(body))))
        http_headers = StatusAndHeaders(f"{response.status_code} {reason}", kept,
                                        protocol=response.http_version or "HTTP/1.1")
        warc_headers = {"WARC-Truncated": "length"} if truncated else None
        resp = self._writer.create_warc_record(uri, "response", payload=io.BytesIO(body),
                                               length=None, http_headers=http_headers,
                                               warc_headers_dict=warc_headers)
        target = urlsplit(uri)
        path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        req_headers = [(k, v) for k, v in _raw_headers(request.headers) if not is_secret_header(k)]
        req_http = StatusAndHeaders(f"{request.method} {path} HTTP/1.1", req_headers,
                                    protocol="HTTP/1.1", is_http_request=True)
        req = self._writer.create_warc_record(uri, "request", payload=io.BytesIO(b""), length=None,
                                              http_headers=req_http)
        self._writer.write_request_response_pair(req, resp)
        self._fh.flush()

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class WarcEntry:
    """One record, read whole: what `iter_records` yields and `rewrite_without` predicates see."""

    record_type: str
    target_uri: str | None
    date: str | None
    record_id: str | None
    concurrent_to: str | None
    warc_headers: dict[str, str]
    status: int | None = None  # response records
    method: str | None = None  # request records
    http_headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    offset: int = 0
    length: int = 0

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.http_headers:
            if k.lower() == name:
                return v
        return None


def _entry(record, offset: int = 0, length: int = 0, body: bytes | None = None) -> WarcEntry:
    rec = record.rec_headers
    status = method = None
    headers: list[tuple[str, str]] = []
    if record.http_headers is not None:
        headers = list(record.http_headers.headers)
        if record.rec_type == "response":
            try:
                status = int(record.http_headers.get_statuscode())
            except (TypeError, ValueError):
                status = None
        elif record.rec_type == "request":
            method = (record.http_headers.protocol or "GET").upper()
    return WarcEntry(
        record_type=record.rec_type, target_uri=rec.get_header("WARC-Target-URI"),
        date=rec.get_header("WARC-Date"), record_id=rec.get_header("WARC-Record-ID"),
        concurrent_to=rec.get_header("WARC-Concurrent-To"),
        warc_headers=dict(rec.headers), status=status, method=method, http_headers=headers,
        body=body if body is not None else b"", offset=offset, length=length)


def _scan(fh: BinaryIO) -> Iterator[tuple[WarcEntry, bool]]:
    """Every record with its offset and length, and whether its block was read whole.

    Bodies are returned as stored (our writer stores them decoded; see the module docstring).
    """
    it = ArchiveIterator(fh, arc2warc=False)
    for record in it:
        body = record.raw_stream.read()
        header_len = record.http_headers.total_len if record.http_headers is not None else 0
        complete = record.length is None or header_len + len(body) >= int(record.length)
        offset, length = it.get_record_offset(), it.get_record_length()
        yield _entry(record, offset, length, body), complete


def iter_records(path: Path) -> Iterator[WarcEntry]:
    """Every record of a WARC file in order (request, response, warcinfo...), body included."""
    with open(path, "rb") as fh:
        for entry, _ in _scan(fh):
            yield entry


def repair_tail(path: Path) -> int:
    """Cut off a half-written last record (left by a kill); returns bytes removed."""
    size = path.stat().st_size
    good = 0
    with open(path, "rb") as fh:
        try:
            for entry, complete in _scan(fh):
                if not complete:
                    break
                good = entry.offset + entry.length
        except Exception:  # noqa: BLE001 - whatever the damage, keep what read cleanly
            pass
    if good < size:
        with open(path, "r+b") as fh:
            fh.truncate(good)
    return size - good


def rewrite_without(path: Path, predicate: Callable[[WarcEntry], bool]) -> int:
    """Remove every record for which `predicate(entry)` is true, with its linked request/response.

    The kept records are copied byte for byte into a temporary file beside `path`, which then
    replaces it atomically. Returns the number of records removed.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        try:
            entries = [entry for entry, _ in _scan(fh)]
        except Exception as exc:  # noqa: BLE001 - warcio raises many kinds on a damaged file
            raise DamagedArchive(path, exc) from exc
    removed_ids = {e.record_id for e in entries if predicate(e)}
    # A removed response takes its request along (and the other way round).
    for e in entries:
        if e.concurrent_to and (e.concurrent_to in removed_ids or e.record_id in removed_ids):
            removed_ids.add(e.record_id)
            removed_ids.add(e.concurrent_to)
    if not removed_ids:
        return 0
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    count = 0
    try:
        with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
            for e in entries:
                if e.record_id in removed_ids:
                    count += 1
                    continue
                src.seek(e.offset)
                out.write(src.read(e.length))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


@dataclass
class _Stored:
    offset: int
    status: int | None
    etag: str | None
    last_modified: str | None


class ReplayTransport(httpx.AsyncBaseTransport):
    """Answer requests from a WARC archive by (method, URL); never touches the network."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._index: dict[tuple[str, str], list[_Stored]] = {}
        methods: dict[str, str] = {}
        responses: list[tuple[WarcEntry, _Stored]] = []
        try:
            with open(self.path, "rb") as fh:
                for entry, _ in _scan(fh):
                    if entry.record_type == "request" and entry.concurrent_to:
                        methods[entry.concurrent_to] = entry.method or "GET"
                    elif entry.record_type == "response" and entry.target_uri:
                        responses.append((entry, _Stored(entry.offset, entry.status, entry.header("etag"),
                                                         entry.header("last-modified"))))
        except OSError as exc:
            raise BadInput(f"{self.path}: cannot read the WARC archive ({exc.strerror or exc})") from exc
        except Exception as exc:  # noqa: BLE001 - warcio raises many kinds on a damaged file
            raise DamagedArchive(self.path, exc) from exc
        for entry, stored in responses:
            method = methods.get(entry.record_id or "", "GET")
            self._index.setdefault((method, entry.target_uri or ""), []).append(stored)
        self._fh: BinaryIO | None = None

    def __len__(self) -> int:
        return sum(len(v) for v in self._index.values())

    def _read(self, offset: int) -> WarcEntry:
        if self._fh is None:
            self._fh = open(self.path, "rb")  # noqa: SIM115 - closed by aclose()
        self._fh.seek(offset)
        for entry, _ in _scan(self._fh):
            return entry
        raise LookupError(f"{self.path}: no record at offset {offset}")

    def _pick(self, method: str, url: str) -> list[_Stored]:
        found = self._index.get((method, url))
        if found is None and method == "HEAD":
            found = self._index.get(("GET", url))
        return found or []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = redact_url(str(request.url))
        stored = self._pick(request.method, url)
        full = [s for s in stored if s.status != 304]
        not_modified = [s for s in stored if s.status == 304]
        conditional = bool(request.headers.get("if-none-match") or request.headers.get("if-modified-since"))
        if conditional and full and _matches(request, full[-1]):
            if not_modified and _matches(request, not_modified[-1]):
                return self._respond(request, not_modified[-1])  # the 304 the server really sent
            entry = self._read(full[-1].offset)
            return httpx.Response(304, headers=_replay_headers(entry), request=request)
        if conditional and not full and not_modified and _matches(request, not_modified[-1]):
            return self._respond(request, not_modified[-1])
        if full:
            return self._respond(request, full[-1])
        return httpx.Response(404, headers={REPLAY_HEADER: "missing", "content-type": "text/plain"},
                              content=b"not in archive", request=request)

    def _respond(self, request: httpx.Request, stored: _Stored) -> httpx.Response:
        entry = self._read(stored.offset)
        headers = _replay_headers(entry)
        if entry.warc_headers.get("WARC-Truncated"):
            headers.append((REPLAY_HEADER, "truncated"))
        body = b"" if request.method == "HEAD" else entry.body
        return httpx.Response(entry.status or 200, headers=headers, content=body, request=request)

    async def aclose(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _replay_headers(entry: WarcEntry) -> list[tuple[str, str]]:
    return [(k, v) for k, v in entry.http_headers if k.lower() != "content-length"]


def _matches(request: httpx.Request, stored: _Stored) -> bool:
    """True when a conditional request's validator matches the stored response."""
    inm = request.headers.get("if-none-match")
    if inm and stored.etag:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or stored.etag.strip().removeprefix("W/") in tags
    ims = request.headers.get("if-modified-since")
    return bool(ims and stored.last_modified and ims.strip() == stored.last_modified.strip())
