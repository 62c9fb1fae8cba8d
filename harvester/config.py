"""Settings: every default in one place, resolved flag > HARVESTER_* env > harvester.toml > default.

Each setting has a name, a default, a unit and a help line (the README's configuration table is
generated from `SETTINGS`, and a test checks each one is documented). Command-line flags are passed
in as `overrides`; environment variables are `HARVESTER_<NAME>` upper-cased; the TOML file is
`harvester.toml` in the working directory or the file named by `HARVESTER_CONFIG`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from harvester import __version__
from harvester.errors import BadInput

DEFAULT_DB_URL = "sqlite:///data/harvest.db"
CONTACT_URL_PLACEHOLDER = "https://github.com/harvester-research/harvester#ethics-and-data-protection"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db", DEFAULT_DB_URL, "Database URL (any SQLAlchemy URL; SQLite file by default)."),
    Setting(
        "contact_url",
        CONTACT_URL_PLACEHOLDER,
        "URL or email in the User-Agent where site owners can reach the researcher. "
        "Set it to your own before crawling the open web.",
    ),
    Setting("delay", 1.0, "Minimum seconds between two requests to the same host."),
    Setting("host_concurrency", 1, "Requests in flight at once to one host."),
    Setting("concurrency", 32, "Requests in flight at once over all hosts."),
    Setting("max_pages", 30, "Pages fetched per site in one harvest (the page budget)."),
    Setting("depth", 3, "Link depth from the homepage followed within a site."),
    Setting("timeout", 20.0, "Seconds to wait for a response before retrying."),
    Setting("retries", 4, "Attempts per URL for timeouts, connection errors, 429 and 5xx."),
    Setting("max_retry_wait", 120.0, "Longest wait in seconds honoured from a Retry-After."),
    Setting("max_bytes", 5_000_000, "Largest response body kept, in bytes; longer is cut off."),
    Setting("max_redirects", 5, "Redirects followed for one request."),
    Setting("revisit_days", 7.0, "Days before a fetched page is fetched again by a re-harvest."),
    Setting("sitemap_trust_days", 30.0,
            "Days a site's sitemap <lastmod> may stand in for asking a due page again (re-harvest); "
            "each page still gets a real conditional request once in that time. 0: never trust it."),
    Setting("retention_days", 365, "Days personal contact data of never-accepted organisations is kept."),
    Setting("meetup_requests_per_minute", 30, "Self-imposed Meetup API request budget."),
    Setting("reviewer", "", "Name recorded on review decisions (defaults to the login name)."),
)

_BY_NAME = {s.name: s for s in SETTINGS}
# harvester.toml tables read by other modules, not settings themselves.
SECTIONS = frozenset({"snowball"})


@dataclass
class Config:
    """Resolved settings. Build with `Config.load(overrides)`."""

    db: str = DEFAULT_DB_URL
    contact_url: str = CONTACT_URL_PLACEHOLDER
    delay: float = 1.0
    host_concurrency: int = 1
    concurrency: int = 32
    max_pages: int = 30
    depth: int = 3
    timeout: float = 20.0
    retries: int = 4
    max_retry_wait: float = 120.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    revisit_days: float = 7.0
    sitemap_trust_days: float = 30.0
    retention_days: int = 365
    meetup_requests_per_minute: int = 30
    reviewer: str = ""
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def user_agent(self) -> str:
        return f"harvester/{__version__} (+{self.contact_url}; research crawler)"

    @classmethod
    def load(cls, overrides: dict[str, Any] | None = None, *, env: dict[str, str] | None = None,
             toml_path: Path | None = None) -> Config:
        """Resolve every setting; flags beat env beat harvester.toml beat defaults."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        path = toml_path or Path(env.get("HARVESTER_CONFIG", "harvester.toml"))
        named = toml_path is None and bool(env.get("HARVESTER_CONFIG"))
        if named and not path.is_file():  # a file asked for by name must not be silently skipped
            what = "is a folder" if path.is_dir() else "does not exist"
            raise BadInput(f"HARVESTER_CONFIG {path}: {what}; name your harvester.toml or unset it")
        file_values: dict[str, Any] = {}
        if path.is_file():
            try:
                file_values = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise BadInput(f"{path}: not valid TOML: {exc}") from exc
            file_values = file_values.get("harvester", file_values)
            # Tables such as [snowball] belong to the modules that read them (snowball.Weights).
            file_values = {k: v for k, v in file_values.items() if k not in SECTIONS}
            unknown = sorted(set(file_values) - set(_BY_NAME))
            if unknown:
                raise BadInput(f"{path}: unknown setting {unknown[0]!r}; known: {', '.join(_BY_NAME)}")
        for s in SETTINGS:
            raw: Any = s.default
            src = "default"
            if s.name in file_values:
                raw, src = file_values[s.name], str(path)
            env_name = f"HARVESTER_{s.name.upper()}"
            if env.get(env_name):
                raw, src = env[env_name], env_name
            if overrides and overrides.get(s.name) is not None:
                raw, src = overrides[s.name], f"--{s.name.replace('_', '-')}"
            values[s.name] = _coerce(s, raw, src)
            sources[s.name] = src
        return cls(**values, sources=sources)


def _coerce(setting: Setting, raw: Any, source: str) -> Any:
    kind = type(setting.default)
    try:
        if kind is bool:
            return raw if isinstance(raw, bool) else str(raw).lower() in {"1", "true", "yes", "on"}
        value = kind(raw)
    except (TypeError, ValueError) as exc:
        raise BadInput(
            f"setting {setting.name!r} from {source}: {raw!r} is not a {kind.__name__} "
            f"(set it by flag, HARVESTER_{setting.name.upper()} or harvester.toml)"
        ) from exc
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        raise BadInput(f"setting {setting.name!r} from {source}: must not be negative")
    return value


def config_fields() -> list[str]:
    return [f.name for f in fields(Config) if f.name != "sources"]
