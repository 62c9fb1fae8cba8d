"""The exceptions harvester raises on purpose, and the exit code each one maps to.

    HarvesterError            base; the CLI prints its message on one line
    ├── BadInput              exit 2: the user's input is wrong (a file, an option, a URL)
    │   ├── SeedFileError     one or more `FILE:LINE: message` problems in seed files
    │   └── NotFound          an organisation, run or file named on the command line does not exist
    └── Failure               exit 1: the input was fine but the work could not be done
        └── LockHeld          another harvest holds the database lock
"""

from __future__ import annotations


class HarvesterError(Exception):
    """An error with a message meant for the user."""

    exit_code = 1


class BadInput(HarvesterError):
    """The user's input (file, option, URL) is wrong."""

    exit_code = 2


class SeedFileError(BadInput):
    """A seed file has problems; `problems` holds every `FILE:LINE: message`."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        first = self.problems[0] if self.problems else "invalid seed file"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more)


class NotFound(BadInput):
    """Something named on the command line does not exist."""


class Failure(HarvesterError):
    """The work could not be done (network, database, disk)."""

    exit_code = 1


class LockHeld(Failure):
    """Another harvest is running against this database."""
