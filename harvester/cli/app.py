"""The typer app, its global options and the helpers every command module shares.

Commands live in the sibling modules (one per command group) and register on `app`. Each command
is thin: resolve options, open the database, call one function, print. Errors raised as
`HarvesterError` become one line on stderr and the exit code the error names (2 bad input,
1 failure); anything else becomes one line and exit 1 (set HARVESTER_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.text import Text
from sqlalchemy.engine import Engine
from typer.core import TyperGroup

from harvester import __version__
from harvester.config import Config
from harvester.errors import HarvesterError
from harvester.plain_text import plain, terminal_safe_json

# Data goes to stdout; messages, tables meant for people and progress bars to stderr.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def fail_line(message: str) -> None:
    """Print one line on stderr, never wrapped (scripts read it)."""
    typer.echo(f"Error: {' '.join(str(message).split())}", err=True)


def _passthrough_types() -> tuple[type[BaseException], ...]:
    """Exceptions the CLI framework itself uses for help, usage errors and exits. Typer >= 0.2x
    carries its own copy of click, so both copies' classes are collected."""
    found: set[type[BaseException]] = {click.exceptions.Exit, click.exceptions.Abort,
                                       click.ClickException, typer.Exit, typer.Abort}
    for cls in typer.BadParameter.__mro__:
        if cls.__name__ in ("ClickException", "UsageError"):
            found.add(cls)
    return tuple(found)


_PASSTHROUGH = _passthrough_types()


class HarvesterGroup(TyperGroup):
    """Turns known errors into one line and an exit code, for every command."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HarvesterError as exc:
            fail_line(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except _PASSTHROUGH:
            raise
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except OverflowError as exc:  # a number typed on the command line that no column can hold
            fail_line(f"a number given is too large ({exc}); check the command's numbers")
            raise typer.Exit(2) from None
        except Exception as exc:  # noqa: BLE001 - the last line of defence for users
            if os.environ.get("HARVESTER_DEBUG"):
                raise
            fail_line(f"unexpected {type(exc).__name__}: {exc} "
                      "(set HARVESTER_DEBUG=1 for details and report it)")
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=HarvesterGroup,
    name="harvester",
    help="Map the organisations behind a cluster from their websites and Meetup, "
    "and propose whom to interview next.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@dataclass
class State:
    """What the global options resolved to; commands get it from `ctx.obj`."""

    db_url: str | None = None
    quiet: bool = False
    db_from_env: bool = False  # the URL came from HARVESTER_DB, not --db (the demo ignores it)
    overrides: dict[str, Any] = field(default_factory=dict)
    _engine: Engine | None = None
    _config: Config | None = None

    def config(self, **overrides: Any) -> Config:
        merged = {"db": self.db_url, **self.overrides, **{k: v for k, v in overrides.items()
                                                          if v is not None}}
        if not overrides and self._config is not None:
            return self._config
        cfg = Config.load(merged)
        if not overrides:
            self._config = cfg
        return cfg

    def engine(self, *, must_exist: bool = True) -> Engine:
        """The database engine; `must_exist` checks `harvester init` was run."""
        if self._engine is None:
            from harvester.db import ensure_schema, make_engine

            self._engine = make_engine(self.config().db, create_folder=not must_exist)
            if must_exist:
                ensure_schema(self._engine)
        return self._engine


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if obj is None:
        obj = ctx.find_root().obj = State()
    return obj


def _version(value: bool) -> None:
    if value:
        typer.echo(f"harvester {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option(
        "--db", envvar="HARVESTER_DB", show_envvar=True,
        help="Database URL. Default: sqlite:///data/harvest.db. "
        "Any SQLAlchemy URL works, e.g. postgresql+psycopg://user:pass@host/db.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or notes.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each request.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """harvester: organisation websites and Meetup listings in, a ranked snowball sample out.

    Example: harvester init && harvester seed seeds/*.yaml && harvester harvest
    """
    # By name: typer may carry its own copy of click, whose enum is another class.
    from_env = getattr(ctx.get_parameter_source("db"), "name", None) == "ENVIRONMENT"
    ctx.obj = State(db_url=db, quiet=quiet, db_from_env=from_env)
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


# ---------------------------------------------------------------- shared options

def cluster_id(value: str | None) -> str | None:
    """Cluster ids are lower-case (seed files enforce it), so `--cluster Bristol` means bristol."""
    return value.strip().lower() if value else value


ClusterOpt = Annotated[str | None, typer.Option("--cluster", "-c", callback=cluster_id,
                                                help="Only this cluster (its id, e.g. bristol).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print stable JSON (documented in README).")]


def safe_text(value: Any, **kwargs: Any) -> Text:
    """A rich Text of untrusted `value`: never markup, never terminal control sequences."""
    return Text(plain(value), **kwargs)


def _json_value(value: Any) -> Any:
    """Times as ISO 8601 with a `T` (the README's promise; str() would put a space), else text."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def print_json(data: Any) -> None:
    """Write JSON to stdout (data, never decorated; bidi and C1 controls as escapes, inert)."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=_json_value)
    sys.stdout.write(terminal_safe_json(text) + "\n")


def note(ctx: typer.Context, message: str, *, markup: bool = False) -> None:
    """A message for people on stderr, silenced by --quiet. Printed literally: messages carry
    scraped names and file paths, and `[draft]` in either must not vanish as rich markup."""
    if not state(ctx).quiet:
        err.print(message, markup=markup)
