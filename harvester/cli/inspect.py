"""`harvester inspect`: what extraction finds on one page, printed, never stored.

A local file is read as it is (give `--url` for the address it came from: links, the site and
the sector's domain signal are read against it). A URL is fetched once with httpx, with the
project's User-Agent, the configured timeout, redirect limit and size cap. robots.txt is not
consulted for this single fetch that a person asked for by name (like opening the page in a
browser); harvests always obey it. Nothing is written to the database. A page on meetup.com (its
URL, or a saved file's `--url`) is read by the Meetup extractor, as a harvest would read it.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from harvester.cli.app import JsonOpt, app, out, plain, print_json, state
from harvester.errors import BadInput, Failure
from harvester.extract.facts import MeetupFacts, PageFacts
from harvester.extract.meetup import parse_meetup_page
from harvester.extract.meetup.urls import is_meetup_url
from harvester.extract.page import extract_page
from harvester.urls import is_http_url


def fetch_once(url: str, *, user_agent: str, timeout: float, max_bytes: int,
               max_redirects: int) -> tuple[str, bytes, dict[str, str]]:
    """GET one page: (final URL, body cut at `max_bytes`, headers). Raises Failure."""
    import httpx

    headers = {"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"}
    try:
        with httpx.Client(follow_redirects=True, max_redirects=max_redirects, timeout=timeout,
                          headers=headers) as client, client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise Failure(f"{url}: the server answered HTTP {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size >= max_bytes:
                    break
            return str(response.url), b"".join(chunks)[:max_bytes], dict(response.headers)
    except httpx.TooManyRedirects as exc:
        raise Failure(f"{url}: more than {max_redirects} redirects") from exc
    except httpx.TimeoutException as exc:
        raise Failure(f"{url}: no answer within {timeout:g} s (raise --timeout in harvester.toml?)") from exc
    except httpx.HTTPError as exc:
        raise Failure(f"{url}: could not fetch ({type(exc).__name__}: {exc})") from exc


BINARY_MAGIC = (b"\x1f\x8b", b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff")


def looks_binary(body: bytes) -> bool:
    """True for bytes no HTML page starts with: a known binary signature, or NUL bytes early on
    (UTF-16 pages, which legitimately hold NULs, start with a byte-order mark)."""
    if body.startswith(BINARY_MAGIC):
        return True
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in body[:4096]


def facts_json(facts: PageFacts) -> dict[str, Any]:
    """The stable `inspect --json` shape (README); more fields may follow, none are renamed."""
    ranked_areas = sorted(facts.domain_scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "url": facts.url,
        "name": facts.name,
        "description": facts.description,
        "schema_type": facts.schema_type,
        "sector": facts.sector.sector if facts.sector else None,
        "sector_evidence": list(facts.sector.evidence) if facts.sector else [],
        "domain_areas": [area for area, _ in ranked_areas],
        "emails": facts.emails,
        "phones": facts.phones,
        "people": [{"name": p.name, "role": p.role} for p in facts.people],
        "postcode": facts.postcodes[0] if facts.postcodes else None,
        "charity_numbers": facts.charity_numbers,
        "company_numbers": facts.company_numbers,
        "social": facts.social,
        "links": [{"url": link.url, "kind": link.kind} for link in facts.links],
        # Additions beyond the documented minimum:
        "name_source": facts.name_source,
        "page_kind": facts.page_kind,
        "language": facts.language,
        "postcodes": facts.postcodes,
        "addresses": facts.addresses,
        "is_cic": facts.is_cic,
        "logo": facts.logo,
        "keyword_hits": facts.keyword_hits,
        "internal_links": len(facts.internal_links),
    }


def meetup_json(facts: MeetupFacts) -> dict[str, Any]:
    """`inspect --json` for a Meetup page: its groups and events as the harvest stores them."""
    return {"source": "meetup", **asdict(facts)}


class _Summary:
    """A two-column label/value table; values are scraped text, so made plain first."""

    def __init__(self) -> None:
        from rich.table import Table

        self.table = Table(show_header=False, box=None, pad_edge=False)
        self.table.add_column(style="bold")
        self.table.add_column(overflow="fold")

    def __call__(self, label: str, value: Any) -> None:
        if value in (None, [], {}, ""):
            value = "-"
        elif isinstance(value, list):
            value = "\n".join(str(v) for v in value)
        self.table.add_row(label, plain(value))  # scraped: no terminal control sequences

    def print(self) -> None:
        out.print(self.table, markup=False)


def _print_meetup(facts: MeetupFacts) -> None:
    row = _Summary()
    row("URL", facts.source_url)
    row("Read from", f"Meetup ({facts.source_kind})")
    for group in facts.groups:
        row("Group", f"{group.name or group.urlname} ({group.urlname})")
        row("  place", ", ".join(v for v in (group.city, group.country) if v) or None)
        row("  members", group.member_count)
        row("  organisers", [f"{p.name} — {p.role or 'no role given'}" for p in group.organisers])
        row("  sponsors", [s.name + (f" <{s.url}>" if s.url else "") for s in group.sponsors])
        row("  website", group.website)
        row("  links", group.links)
    for event in facts.events:
        venue = next((v for v in event.venues if v.name or v.city), None)
        where = ", ".join(x for x in (venue.name, venue.city) if x) if venue else None
        row("Event", f"{event.title} ({event.start or 'no date'})" + (f" at {where}" if where else ""))
        row("  hosts", event.hosts)
    if not facts.groups and not facts.events:
        row("Found", "no group or event on this page")
    row("Errors", facts.errors)
    row.print()


def _print_summary(facts: PageFacts) -> None:
    data = facts_json(facts)
    row = _Summary()
    row("URL", facts.url)
    row("Name", f"{facts.name} (from {facts.name_source})" if facts.name else None)
    row("Page kind", facts.page_kind)
    row("Description", facts.description)
    row("schema.org type", facts.schema_type)
    if facts.sector:
        row("Sector", f"{facts.sector.sector} (confidence {facts.sector.confidence:.2f})")
        row("  evidence", facts.sector.evidence)
    row("Domain areas", [f"{area} ({facts.domain_scores[area]:.1f}: "
                         f"{', '.join(facts.keyword_hits.get(area, []))})" for area in data["domain_areas"]])
    row("Emails", facts.emails)
    row("Phones", facts.phones)
    row("Postcodes", facts.postcodes)
    row("Addresses", facts.addresses)
    row("Charity numbers", facts.charity_numbers)
    row("Company numbers", facts.company_numbers)
    row("CIC", "yes" if facts.is_cic else None)
    row("People", [f"{p.name} — {p.role or 'no role given'}"
                   + (f" <{p.email}>" if p.email else "") + (f" {p.phone}" if p.phone else "")
                   for p in facts.people])
    row("Social", facts.social)
    row("Links", [f"{link.kind:9} {link.url}" + (f"  [{link.context}]" if link.context else "")
                  for link in facts.links])
    row("Internal links", len(facts.internal_links))
    row.print()


@app.command()
def inspect(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="FILE_OR_URL",
                                          help="A saved HTML file, or an http(s) URL to fetch once.")],
    url: Annotated[str | None, typer.Option(
        "--url", help="The address a local FILE was served from (the base for its links and the "
        "site it belongs to). Default: file:// of the path, so no link counts as internal.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Print what extraction finds on one page (name, sector, contacts, people, typed links).

    Nothing is stored. A URL is fetched once with the configured User-Agent, timeout and size
    cap; robots.txt is not consulted for this one page you asked for by name.

    Example: harvester inspect saved/about.html --url https://www.watershed.co.uk/about --json
    """
    if is_http_url(target):
        if url is not None:
            raise BadInput("--url is only for local files: the URL given is the page's address")
        cfg = state(ctx).config()
        page_url, body, headers = fetch_once(target, user_agent=cfg.user_agent, timeout=cfg.timeout,
                                             max_bytes=cfg.max_bytes, max_redirects=cfg.max_redirects)
        if looks_binary(body):
            ctype = {k.lower(): v for k, v in headers.items()}.get("content-type", "unknown")
            raise BadInput(f"{target}: not a web page (content type {ctype}): give the address of an "
                           "HTML page")
    else:
        if "://" in target:
            raise BadInput(f"{target}: not an http(s) URL or a file name")
        path = Path(target)
        if path.is_dir():
            raise BadInput(f"{target}: is a folder: name one saved HTML file in it")
        if not path.is_file():
            raise BadInput(f"{target}: no such file (give a saved HTML file or an http(s) URL)")
        if url is not None and not is_http_url(url):
            raise BadInput(f"--url {url}: not an http(s) URL (e.g. https://www.example.org/about)")
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise BadInput(f"{target}: cannot read ({exc.strerror})") from exc
        if looks_binary(body):
            raise BadInput(f"{target}: not a web page (binary data such as an image, archive or PDF): "
                           "give a page saved as HTML")
        page_url, headers = url or path.resolve().as_uri(), {}
    if is_meetup_url(page_url):
        meetup = parse_meetup_page(page_url, body, headers)
        if json_:
            print_json(meetup_json(meetup))
        else:
            _print_meetup(meetup)
        return
    facts = extract_page(page_url, body, headers)
    if json_:
        print_json(facts_json(facts))
    else:
        _print_summary(facts)
