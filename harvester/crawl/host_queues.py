"""The scheduler: queued page ids per host, best first, handed out host by host (pure, no I/O).

Apart from the loop so the dispatch order (round-robin over hosts, priority then depth within a
host) can be read and tested on its own, as Scrapy keeps its scheduler apart from its engine.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable


class HostQueues:
    """Queued page ids per host, best first; the dispatcher takes hosts round-robin."""

    def __init__(self) -> None:
        self._queues: dict[str, list[tuple[float, int, int]]] = {}
        self._ring: deque[str] = deque()

    def push(self, host: str, priority: float, depth: int, page_id: int) -> None:
        import heapq

        q = self._queues.get(host)
        if q is None:
            q = self._queues[host] = []
            self._ring.append(host)
        heapq.heappush(q, (priority, depth, page_id))

    def pop_for(self, busy: Callable[[str], bool]) -> tuple[str, int] | None:
        """The next page of the next host that is not busy, or None."""
        import heapq

        for _ in range(len(self._ring)):
            host = self._ring[0]
            self._ring.rotate(-1)
            q = self._queues.get(host)
            if not q:
                continue
            if busy(host):
                continue
            _, _, page_id = heapq.heappop(q)
            return host, page_id
        return None

    def __len__(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def has(self, host: str) -> bool:
        return bool(self._queues.get(host))

    def drop(self, host: str) -> list[int]:
        """Forget the host's queued page ids (worker mode: the host goes back to the pool)."""
        q = self._queues.get(host) or []
        self._queues[host] = []
        return [page_id for _, _, page_id in q]

    def hosts_waiting(self) -> int:
        return sum(1 for q in self._queues.values() if q)
