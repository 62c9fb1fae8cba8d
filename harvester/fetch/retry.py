"""When to try a URL again and how long to wait first (tenacity), Retry-After included.

Settings: `retries` (attempts per URL, the first included), `max_retry_wait` (the longest wait honoured
from a Retry-After header; a server asking for more is not retried now: the URL is recorded with its
error and the host is left alone for `max_retry_wait` seconds).

Retried: timeouts, connection errors, protocol breaks, and HTTP 429, 500, 502, 503, 504. Waits are
exponential with jitter (1 s, 2 s, 4 s... plus up to 1 s at random) unless the server sent
Retry-After, which wins. The wait is applied to the whole *host* (see `Politeness.push`), so other
URLs of a struggling host wait too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from harvester.fetch.result import FetchResult

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_ERRORS = frozenset({"connect-error", "connect-timeout", "read-timeout", "protocol-error"})

# Backoff without Retry-After: 1 s, 2 s, 4 s ... each plus up to JITTER s, never above BACKOFF_MAX.
BACKOFF_INITIAL = 1.0
BACKOFF_JITTER = 1.0
BACKOFF_MAX = 60.0


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def is_retryable(result: FetchResult) -> bool:
    if result.error in RETRY_ERRORS:
        return True
    return result.status in RETRY_STATUSES


class RetryPolicy:
    """Runs one exchange with retries; never raises for a failed URL.

    :param attempts: attempts in all (config `retries`), at least 1.
    :param max_retry_wait: longest Retry-After honoured, seconds.
    :param pause: `await pause(seconds)` before the next attempt; the client pushes the host's next
        start time there, so the wait is shared by every request to that host.
    """

    def __init__(self, attempts: int, max_retry_wait: float,
                 pause: Callable[[str, float], Awaitable[None]] | None = None) -> None:
        self.attempts = max(1, int(attempts))
        self.max_retry_wait = float(max_retry_wait)
        self._pause = pause
        self._backoff = wait_exponential_jitter(initial=BACKOFF_INITIAL, jitter=BACKOFF_JITTER,
                                                max=min(BACKOFF_MAX, max(self.max_retry_wait, 1.0)))

    def retry_after(self, result: FetchResult) -> float | None:
        if result.status not in (429, 503):
            return None
        return parse_retry_after(result.headers.get("retry-after"))

    def should_retry(self, result: FetchResult) -> bool:
        if not is_retryable(result):
            return False
        wait = self.retry_after(result)
        # A server asking for a longer pause than we are willing to wait is not hammered again now.
        return wait is None or wait <= self.max_retry_wait

    def wait_for(self, state: RetryCallState) -> float:
        result = state.outcome.result() if state.outcome and not state.outcome.failed else None
        if isinstance(result, FetchResult):
            wait = self.retry_after(result)
            if wait is not None:
                return min(wait, self.max_retry_wait)
        return self._backoff(state)

    async def run(self, key: str, attempt: Callable[[], Awaitable[FetchResult]],
                  on_retry: Callable[[FetchResult, float], None] | None = None) -> FetchResult:
        """Call `attempt()` until it succeeds, is not retryable, or attempts run out."""

        async def sleep(seconds: float) -> None:
            if self._pause is not None:
                await self._pause(key, seconds)

        def before_sleep(state: RetryCallState) -> None:
            if on_retry and state.outcome and not state.outcome.failed:
                wait = state.next_action.sleep if state.next_action else 0.0
                on_retry(state.outcome.result(), wait)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=self.wait_for,
            retry=retry_if_result(self.should_retry),
            sleep=sleep,
            before_sleep=before_sleep,
            retry_error_callback=lambda state: state.outcome.result(),
            reraise=True,
        )
        attempts = 0

        async def counted() -> FetchResult:
            nonlocal attempts
            attempts += 1
            return await attempt()

        result: FetchResult = await retrying(counted)
        result.attempts = attempts
        return result
