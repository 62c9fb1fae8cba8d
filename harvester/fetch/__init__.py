"""Polite fetching: one async httpx client, robots.txt, per-host pacing, retries, WARC."""
