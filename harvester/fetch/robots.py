"""robots.txt rules (RFC 9309) as a pure decision: what a fetched robots.txt means for a host.

Parsing is protego's (longest match wins, Allow beats Disallow at equal length). We match on our
product token `harvester`. The meaning of the fetch outcome follows RFC 9309 section 2.3.1:

- 2xx: parse at most `ROBOTS_MAX_BYTES` (500 KiB) and obey it;
- 4xx (including 401/403), too many redirects, or not in a replay archive: "unavailable", so no
  restrictions;
- 5xx, timeouts, connection errors: "unreachable", so the host is not crawled in this run
  (slug `robots-unavailable`); a host name that does not resolve keeps its `dns` slug.

Fetching (once per host, politely, cached for the client's lifetime) lives in `client.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from protego import Protego

from harvester.fetch.result import FetchResult

PRODUCT_TOKEN = "harvester"
ROBOTS_MAX_BYTES = 500 * 1024
ROBOTS_PATH = "/robots.txt"


@dataclass(frozen=True)
class RobotsPolicy:
    """What robots.txt says for one origin."""

    parser: Protego | None = None  # None: no restrictions (or blocked, see `blocked`)
    blocked: str | None = None  # an error slug when the whole host must be left alone
    crawl_delay: float | None = None
    status: int | None = None

    def allowed(self, url: str) -> bool:
        if self.blocked:
            return False
        if self.parser is None:
            return True
        return bool(self.parser.can_fetch(url, PRODUCT_TOKEN))


ALLOW_ALL = RobotsPolicy()


def parse_robots(body: bytes, status: int | None = 200) -> RobotsPolicy:
    text = body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
    parser = Protego.parse(text)
    delay = parser.crawl_delay(PRODUCT_TOKEN)
    return RobotsPolicy(parser=parser, crawl_delay=float(delay) if delay is not None else None,
                        status=status)


def policy_from_fetch(result: FetchResult) -> RobotsPolicy:
    """Turn the outcome of fetching /robots.txt into a policy (RFC 9309 2.3.1)."""
    if result.error in ("dns", "private-address", "invalid-url"):
        return RobotsPolicy(blocked=result.error, status=result.status)
    if result.error in ("too-many-redirects", "not-in-archive"):
        return RobotsPolicy(status=result.status)
    status = result.status
    if status is None:
        return RobotsPolicy(blocked="robots-unavailable")
    if 200 <= status < 300:
        return parse_robots(result.body, status)
    if 300 <= status < 500:  # a redirect without a usable Location, or 4xx: "unavailable"
        return RobotsPolicy(status=status)
    return RobotsPolicy(blocked="robots-unavailable", status=status)
