"""SIGTERM outside the crawl's event loop stops a harvest as Ctrl-C does.

Apart because it is process-wide signal handling, not harvest logic: the loop installs it around
the steps that run outside its event loop (which has its own handler, see `loop.Harvest._crawl`).
"""

from __future__ import annotations

import signal
import threading
from typing import Any


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def stop_on_sigterm() -> Any:
    """Outside the crawl's event loop (planning, typing the organisations, the Meetup API) a
    SIGTERM stops the harvest as Ctrl-C does: the run is closed as interrupted and its lock given
    back, instead of the process dying with both left behind. Returns the handler it replaced
    (None off the main thread, where signals cannot be handled)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _interrupt)
