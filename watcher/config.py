"""The one configuration model: TOML file -> validated, typed settings.

Lookup order: `--config PATH`, then `$JUCIP_WATCH_CONFIG`, then `./config.toml`, then the built-in
defaults (which watch the real sites). Secrets never live in the file: a source names the
environment variable that holds its key.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
CONFIG_ENV = "JUCIP_WATCH_CONFIG"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)?\s*$")
_UNIT = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


class ConfigError(Exception):
    """A user mistake in the configuration: shown as one line, never as a traceback."""


def parse_duration(value: Any) -> float:
    """Seconds from a number or a string such as "90", "15m", "2h", "30d"."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30, '15m', '2h' or '30d'")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ValueError(f"{value!r} is not a duration (use e.g. 30, '15m', '2h', '30d')")
        seconds = float(m.group(1)) * _UNIT[m.group(2)]
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


Duration = Annotated[float, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageConfig(_Strict):
    database: Path = Path("data/jucip-watch.sqlite3")


class FetchConfig(_Strict):
    user_agent: str = DEFAULT_USER_AGENT
    timeout: Duration = 20.0
    max_bytes: int = Field(default=5_000_000, gt=0)
    host_spacing: Duration = 5.0
    jitter: Duration = 1.0
    retries: int = Field(default=3, ge=0, le=10)
    backoff: Duration = 2.0
    max_retry_after: Duration = 600.0

    _durations = field_validator(
        "timeout", "host_spacing", "jitter", "backoff", "max_retry_after", mode="before"
    )(parse_duration)


class ScheduleConfig(_Strict):
    interval: Duration = 1800.0
    jitter: Duration = 120.0

    _durations = field_validator("interval", "jitter", mode="before")(parse_duration)


class _SourceBase(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    url: str = ""
    enabled: bool = True
    interval: Duration | None = None
    stale_after: Duration = 30 * 86400.0
    host_spacing: Duration | None = None
    max_pages: int = Field(default=1, ge=1, le=20)

    _durations = field_validator("interval", "stale_after", "host_spacing", mode="before")(
        lambda v: None if v is None else parse_duration(v)
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if v and not re.match(r"^https?://[^/\s]+", v):
            raise ValueError(f"{v!r} is not an http(s) URL")
        return v

    @model_validator(mode="after")
    def _default_url(self) -> _SourceBase:
        if not self.url:
            default = DEFAULT_URLS.get(self.kind)  # type: ignore[attr-defined]
            if default is None:
                raise ValueError(f"a source of kind {self.kind!r} needs a url")  # type: ignore[attr-defined]
            object.__setattr__(self, "url", default)
        return self


class CommerceApiSource(_SourceBase):
    kind: Literal["commerce-api"]
    api_key_env: str = "COMMERCE_API_KEY"
    # DEMO_KEY allows about 50 calls a day: poll every two hours unless told otherwise.
    interval: Duration | None = 7200.0

    def api_key(self) -> str:
        return os.environ.get(self.api_key_env) or "DEMO_KEY"


class CommerceHtmlSource(_SourceBase):
    kind: Literal["commerce-html"]


class MetiJaSource(_SourceBase):
    kind: Literal["meti-ja"]


class MetiEnSource(_SourceBase):
    kind: Literal["meti-en"]


class RssSource(_SourceBase):
    kind: Literal["rss"]
    lang: Literal["en", "ja"] = "en"


class HtmlSource(_SourceBase):
    """Any listing page, described by CSS selectors."""

    kind: Literal["html"]
    lang: Literal["en", "ja"] = "en"
    item: str
    link: str = "a"
    title: str | None = None
    date: str | None = None
    detail_body: str | None = None


SourceConfig = Annotated[
    CommerceApiSource | CommerceHtmlSource | MetiJaSource | MetiEnSource | RssSource | HtmlSource,
    Field(discriminator="kind"),
]

DEFAULT_URLS: dict[str, str] = {
    "commerce-api": "https://api.commerce.gov/api/news",
    "commerce-html": "https://www.commerce.gov/news/press-releases",
    "meti-ja": "https://www.meti.go.jp/press/category_02.html",
    "meti-en": "https://www.meti.go.jp/english/press/category_02.html",
}


class SeriesConfig(_Strict):
    """A watched series: JUCIP and EPCC are built in; successor frameworks can be added."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str
    aliases_en: list[str] = Field(default_factory=list)
    aliases_ja: list[str] = Field(default_factory=list)


class TopicConfig(_Strict):
    """A topic added to (or cues added to) the built-in taxonomy."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    label: str | None = None
    cues_en: list[str] = Field(default_factory=list)
    cues_ja: list[str] = Field(default_factory=list)


def default_sources() -> list[dict[str, Any]]:
    return [
        {"name": "commerce-api", "kind": "commerce-api"},
        {"name": "commerce-press", "kind": "commerce-html", "interval": "1h"},
        {"name": "meti-ja", "kind": "meti-ja", "interval": "20m"},
        {"name": "meti-en", "kind": "meti-en", "interval": "1h"},
        {
            "name": "state-eap",
            "kind": "rss",
            "url": "https://www.state.gov/rss-feed/east-asia-and-the-pacific/feed/",
            "interval": "1h",
        },
    ]


class Settings(_Strict):
    storage: StorageConfig = StorageConfig()
    fetch: FetchConfig = FetchConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    sources: list[SourceConfig] = Field(default_factory=default_sources, validate_default=True)
    series: list[SeriesConfig] = Field(default_factory=list)
    topics: list[TopicConfig] = Field(default_factory=list)
    # Where the settings came from ("built-in defaults" or a path); shown by `sources`.
    origin: str = "built-in defaults"

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        seen: set[str] = set()
        for s in self.sources:
            if s.name in seen:
                raise ValueError(f"two sources are named {s.name!r}; names must be unique")
            seen.add(s.name)
        return self

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sources)
        raise ConfigError(f"no source named {name!r} (configured: {known})")

    def interval_of(self, source: SourceConfig) -> float:
        return source.interval if source.interval is not None else self.schedule.interval

    def spacing_of(self, source: SourceConfig) -> float:
        return source.host_spacing if source.host_spacing is not None else self.fetch.host_spacing


def _format_error(err: ValidationError, origin: str) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"] if not str(p).startswith("function-"))
    msg = first["msg"].removeprefix("Value error, ")
    more = f" (and {err.error_count() - 1} more problem(s))" if err.error_count() > 1 else ""
    where = f" at {loc}" if loc else ""
    return f"{origin}: invalid setting{where}: {msg}{more}"


def settings_from_dict(data: dict[str, Any], origin: str = "built-in defaults") -> Settings:
    try:
        return Settings.model_validate({**data, "origin": origin})
    except ValidationError as err:
        raise ConfigError(_format_error(err, origin)) from None


def resolve_path(explicit: str | os.PathLike[str] | None) -> Path | None:
    if explicit:
        return Path(explicit)
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    local = Path("config.toml")
    return local if local.is_file() else None


def load_settings(explicit: str | os.PathLike[str] | None = None) -> Settings:
    """Load, validate and return the settings; raise ConfigError with one clear line."""
    path = resolve_path(explicit)
    if path is None:
        return settings_from_dict({})
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config must be UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    settings = settings_from_dict(data, origin=str(path))
    if not settings.storage.database.is_absolute():
        # A relative database path is relative to the config file, so cron jobs and the
        # daemon agree on one store wherever they are started from.
        db = (path.parent / settings.storage.database).resolve()
        settings = settings.model_copy(update={"storage": StorageConfig(database=db)})
    return settings
