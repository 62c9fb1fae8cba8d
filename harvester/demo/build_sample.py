"""Build the bundled offline sample `sample.warc.gz` from the authored pages in `site/`.

`python -m harvester.demo.build_sample [--site DIR] [--out FILE]` writes, for every URL, a WARC
request record and its response record (standard WARC/1.0 pairs that any replay tool reads). The
build is reproducible byte for byte: fixed WARC-Date, record ids derived from the URL, files taken
in sorted order, and warcio's per-record gzip members carry no timestamp.

How files map to URLs (`site/<host>/<path>`), so the pages stay plain files a reader can open:

- `index.html` in a folder -> the folder URL: `site/h/about/index.html` -> `https://h/about/`;
- `NAME.page.html` -> the path without the extension: `cdn-cgi/l/email-protection.page.html`
  -> `/cdn-cgi/l/email-protection`; an `@` in NAME starts the query string:
  `events/calendar@month=3.page.html` -> `/events/calendar?month=3`;
- any other file keeps its name: `robots.txt`, `sitemap.xml`, `news/2019.html`;
- files and folders whose name starts with `_` are not served (`site/_authoring/` holds the
  script that wrote the pages, the seed files and the truth file from one spec);
- `site/<host>/_site.yaml` may set `charset` (the encoding the pages are stored in, default
  utf-8), `http_redirect: true` (an `http://` homepage answering 301 to `https://`), `aliases`
  (other host names whose homepage answers 301 to this host), `redirects` (path -> target path,
  301) and `missing` (paths answering 404).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import yaml
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from harvester.demo import SAMPLE_WARC, SITE_DIR

WARC_DATE = "2026-11-02T09:00:00Z"
LAST_MODIFIED = "Mon, 02 Nov 2026 09:00:00 GMT"
REQUEST_USER_AGENT = "harvester-sample-builder/1.0 (+offline sample, fictional organisations)"
_ID_NAMESPACE = uuid.UUID("5a3b1f0e-8c1d-4f43-9a55-2d6f0c1e7b10")

_CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
    ".xml": "application/xml",
    ".json": "application/json",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Entry:
    """One URL of the sample and the HTTP answer it gets."""

    url: str
    status: int
    body: bytes = b""
    content_type: str | None = None
    location: str | None = None
    extra_headers: tuple[tuple[str, str], ...] = field(default=())


def file_to_path(rel: Path) -> str:
    """The URL path (with query) of a file below its host folder; see the module docstring."""
    parts = list(rel.parts)
    name = parts[-1]
    if name == "index.html":
        parts = parts[:-1]
        return "/" + "".join(quote(p) + "/" for p in parts)
    query = ""
    if name.endswith(".page.html"):
        name = name[: -len(".page.html")]
        if "@" in name:
            name, query = name.split("@", 1)
    parts[-1] = name
    path = "/" + "/".join(quote(p) for p in parts)
    return path + ("?" + query if query else "")


def _content_type(path: Path, charset: str) -> str:
    suffix = ".html" if path.name.endswith(".html") else path.suffix.lower()
    base = _CONTENT_TYPES.get(suffix, "application/octet-stream")
    if base.startswith("text/") or base in ("application/xml", "application/json", "image/svg+xml"):
        return f"{base}; charset={charset}"
    return base


def _served(rel: Path) -> bool:
    return not any(part.startswith("_") for part in rel.parts)


def _small_page(title: str, text: str) -> bytes:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"</head>\n<body><h1>{title}</h1><p>{text}</p></body></html>\n").encode()


def host_entries(host_dir: Path) -> Iterator[Entry]:
    """Every URL one host folder serves, redirects and planted 404s included."""
    host = host_dir.name
    settings_file = host_dir / "_site.yaml"
    settings = yaml.safe_load(settings_file.read_text(encoding="utf-8")) if settings_file.exists() else {}
    settings = settings or {}
    charset = settings.get("charset", "utf-8")
    base = f"https://{host}"
    for file in sorted(p for p in host_dir.rglob("*") if p.is_file()):
        rel = file.relative_to(host_dir)
        if not _served(rel):
            continue
        yield Entry(base + file_to_path(rel), 200, file.read_bytes(), _content_type(file, charset))
    if settings.get("http_redirect"):
        yield Entry(f"http://{host}/", 301, location=f"{base}/")
    for alias in settings.get("aliases", []) or []:
        yield Entry(f"https://{alias}/", 301, location=f"{base}/")
        yield Entry(f"http://{alias}/", 301, location=f"{base}/")
    for source, target in (settings.get("redirects") or {}).items():
        yield Entry(base + source, 301, location=base + target)
    for path in settings.get("missing", []) or []:
        yield Entry(base + path, 404, _small_page("Page not found",
                                                  "Sorry, we could not find that page."),
                    "text/html; charset=utf-8")


def collect(site_dir: Path) -> list[Entry]:
    """All entries of the sample, sorted by URL so the archive's order never depends on the disk."""
    entries = [e for host_dir in sorted(site_dir.iterdir())
               if host_dir.is_dir() and not host_dir.name.startswith("_")  # _authoring/ is not a host
               for e in host_entries(host_dir)]
    urls = [e.url for e in entries]
    duplicates = sorted({u for u in urls if urls.count(u) > 1})
    if duplicates:
        raise SystemExit(f"{site_dir}: the same URL is built twice: {duplicates[0]}")
    return sorted(entries, key=lambda e: e.url)


_REASONS = {200: "OK", 301: "Moved Permanently", 404: "Not Found"}


def _record_id(kind: str, url: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(_ID_NAMESPACE, kind + ' ' + url)}>"


def _request_target(url: str) -> tuple[str, str]:
    rest = url.split("://", 1)[1]
    host, _, path = rest.partition("/")
    return host, "/" + path


def write_entry(writer: WARCWriter, entry: Entry) -> None:
    """A request record and its response record, linked by WARC-Concurrent-To."""
    host, target = _request_target(entry.url)
    response_id = _record_id("response", entry.url)
    headers = [("Date", LAST_MODIFIED), ("Server", "sample")]
    if entry.content_type:
        headers.append(("Content-Type", entry.content_type))
    if entry.status == 200:
        etag = '"' + hashlib.sha256(entry.body).hexdigest()[:20] + '"'
        headers += [("ETag", etag), ("Last-Modified", LAST_MODIFIED)]
    if entry.location:
        headers.append(("Location", entry.location))
    headers += list(entry.extra_headers)
    headers.append(("Content-Length", str(len(entry.body))))
    http = StatusAndHeaders(f"{entry.status} {_REASONS.get(entry.status, 'OK')}", headers,
                            protocol="HTTP/1.1")
    response = writer.create_warc_record(
        entry.url, "response", payload=io.BytesIO(entry.body), length=len(entry.body),
        http_headers=http,
        warc_headers_dict={"WARC-Date": WARC_DATE, "WARC-Record-ID": response_id},
    )
    req_http = StatusAndHeaders(f"GET {target} HTTP/1.1", [
        ("Host", host), ("User-Agent", REQUEST_USER_AGENT), ("Accept", "*/*"),
    ], protocol="HTTP/1.1", is_http_request=True)
    request = writer.create_warc_record(
        entry.url, "request", payload=io.BytesIO(b""), length=0, http_headers=req_http,
        warc_headers_dict={"WARC-Date": WARC_DATE, "WARC-Record-ID": _record_id("request", entry.url),
                           "WARC-Concurrent-To": response_id},
    )
    writer.write_record(request)
    writer.write_record(response)


def build(site_dir: Path = SITE_DIR, out: Path = SAMPLE_WARC) -> int:
    """Write the archive; returns the number of URLs in it."""
    entries = collect(site_dir)
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True, warc_version="WARC/1.0")
    for entry in entries:
        write_entry(writer, entry)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue())
    return len(entries)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=SITE_DIR, help="folder of authored pages")
    parser.add_argument("--out", type=Path, default=SAMPLE_WARC, help="WARC file to write")
    args = parser.parse_args(argv)
    count = build(args.site, args.out)
    print(f"{args.out}: {count} URLs, {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
