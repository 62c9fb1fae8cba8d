"""harvester: map the organisations behind a place's economy, from their websites and Meetup.

The pipeline is seeds -> frontier -> fetch -> extract -> resolve -> store -> snowball -> review /
export; see README.md and DESIGN.md. The public surface is small: the command line (`harvester`)
and the modules named after each step.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
