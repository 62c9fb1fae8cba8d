"""The `harvester` command line. `main` is the console script's entry point.

Each module imported below registers one group of commands on `app` (see `app.py`).
"""

from __future__ import annotations

from harvester.cli import core  # noqa: F401  init, runs
from harvester.cli.app import app

# Command modules register themselves on import; one line per module.
# --- command modules (keep one import per line; helpers append here) ---
from harvester.cli import snowball  # noqa: F401  propose, decide, referral add, quota  # isort: skip
from harvester.cli import export  # noqa: F401  export ..., import  # isort: skip
from harvester.cli import review_terminal  # noqa: F401  review  # isort: skip
from harvester.cli import harvest  # noqa: F401  harvest  # isort: skip
from harvester.cli import demo  # noqa: F401  demo  # isort: skip
from harvester.cli import seeds  # noqa: F401  seed, orgs  # isort: skip
from harvester.cli import inspect  # noqa: F401  inspect  # isort: skip
from harvester.cli import serve  # noqa: F401  serve  # isort: skip
from harvester.cli import privacy  # noqa: F401  forget, suppress, subject-access, prune, explain  # isort: skip
from harvester.cli import ops  # noqa: F401  schedule  # isort: skip


def main() -> None:
    """Console-script entry point."""
    app(prog_name="harvester")


__all__ = ["app", "main"]
