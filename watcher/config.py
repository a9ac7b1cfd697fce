"""The one configuration model: TOML file -> validated, typed settings.

Lookup order: `--config PATH`, then `$JUCIP_WATCH_CONFIG`, then `./config.toml`, then the built-in
defaults (which watch the real sites). Secrets never live in the file: a source names the
environment variable that holds its key.

Validation is msgspec's: it decodes TOML straight into these typed structs, rejects unknown keys
and reports the path of a mistake, and imports in a few milliseconds, which matters for a one-off
`check` started from cron.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Annotated, Any

import msgspec
from msgspec.structs import force_setattr, replace

DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
CONFIG_ENV = "JUCIP_WATCH_CONFIG"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)?\s*$")
_UNIT = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_NAME = r"^[A-Za-z0-9_.-]+$"
_ID = r"^[a-z0-9-]+$"


class ConfigError(Exception):
    """A user mistake in the configuration: shown as one line, never as a traceback."""


class Seconds(float):
    """A duration in seconds; the file may say 30, "90s", "15m", "2h", "30d" or "1w"."""


def parse_duration(value: Any) -> float:
    """Seconds from a number or a string such as "90", "15m", "2h", "30d"."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30, '15m', '2h' or '30d'")
    if isinstance(value, int | float):
        try:
            seconds = float(value)
        except OverflowError:  # TOML integers have no size limit
            raise ValueError(f"{value} seconds is not a usable duration") from None
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ValueError(f"{value!r} is not a duration (use e.g. 30, '15m', '2h', '30d')")
        seconds = float(m.group(1)) * _UNIT[m.group(2)]
    if not math.isfinite(seconds):
        raise ValueError(f"{value!r} is not a finite duration")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


def _dec_hook(typ: type, value: Any) -> Any:
    if typ is Seconds:
        return Seconds(parse_duration(value))
    if typ is Path:
        if not isinstance(value, str):
            raise ValueError(f"expected a path, got {value!r}")
        return Path(value)
    raise NotImplementedError(typ)


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    pass


class StorageConfig(_Strict):
    database: Path = Path("data/jucip-watch.sqlite3")


class FetchConfig(_Strict):
    user_agent: str = DEFAULT_USER_AGENT
    timeout: Seconds = Seconds(20.0)
    max_bytes: Annotated[int, msgspec.Meta(gt=0)] = 5_000_000
    host_spacing: Seconds = Seconds(5.0)
    jitter: Seconds = Seconds(1.0)
    retries: Annotated[int, msgspec.Meta(ge=0, le=10)] = 3
    backoff: Seconds = Seconds(2.0)
    max_retry_after: Seconds = Seconds(600.0)


class ScheduleConfig(_Strict):
    interval: Seconds = Seconds(1800.0)
    jitter: Seconds = Seconds(120.0)


DEFAULT_URLS: dict[str, str] = {
    "commerce-api": "https://api.commerce.gov/api/news",
    "commerce-html": "https://www.commerce.gov/news/press-releases",
    "meti-ja": "https://www.meti.go.jp/press/category_02.html",
    "meti-en": "https://www.meti.go.jp/english/press/category_02.html",
}


class _SourceBase(_Strict, tag_field="kind"):
    name: Annotated[str, msgspec.Meta(min_length=1, pattern=_NAME)]
    url: str = ""
    enabled: bool = True
    interval: Seconds | None = None
    stale_after: Seconds = Seconds(30 * 86400.0)
    host_spacing: Seconds | None = None

    @property
    def kind(self) -> str:
        return str(self.__struct_config__.tag)

    def __post_init__(self) -> None:
        if self.url and not re.match(r"^https?://[^/\s]+", self.url):
            raise ValueError(f"{self.url!r} is not an http(s) URL")
        if not self.url:
            default = DEFAULT_URLS.get(self.kind)
            if default is None:
                raise ValueError(f"a source of kind {self.kind!r} needs a url")
            force_setattr(self, "url", default)


class CommerceApiSource(_SourceBase, tag="commerce-api"):
    api_key_env: str = "COMMERCE_API_KEY"
    # DEMO_KEY allows about 50 calls a day: poll every two hours unless told otherwise.
    interval: Seconds | None = Seconds(7200.0)

    def api_key(self) -> str:
        return os.environ.get(self.api_key_env) or "DEMO_KEY"


class CommerceHtmlSource(_SourceBase, tag="commerce-html"):
    # The listing is paged (?page=N); METI's listings and feeds are single pages.
    max_pages: Annotated[int, msgspec.Meta(ge=1, le=20)] = 1


class MetiJaSource(_SourceBase, tag="meti-ja"):
    pass


class MetiEnSource(_SourceBase, tag="meti-en"):
    pass


class RssSource(_SourceBase, tag="rss"):
    lang: Annotated[str, msgspec.Meta(pattern=r"^(en|ja)$")] = "en"


class HtmlSource(_SourceBase, tag="html", kw_only=True):
    """Any listing page, described by CSS selectors."""

    item: str
    lang: Annotated[str, msgspec.Meta(pattern=r"^(en|ja)$")] = "en"
    link: str = "a"
    title: str | None = None
    date: str | None = None
    detail_body: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        # A typo in a selector is a config error now, not an "internal error" at every poll.
        import soupsieve

        for key in ("item", "link", "title", "date", "detail_body"):
            selector = getattr(self, key)
            if selector is None:
                continue
            try:
                soupsieve.compile(selector)
            except soupsieve.SelectorSyntaxError as exc:
                first = str(exc).splitlines()[0]
                raise ValueError(
                    f"{key} = {selector!r} is not a valid CSS selector: {first}"
                ) from None


_KINDS = ("commerce-api", "commerce-html", "meti-ja", "meti-en", "rss", "html")
SourceConfig = (
    CommerceApiSource | CommerceHtmlSource | MetiJaSource | MetiEnSource | RssSource | HtmlSource
)


class SeriesConfig(_Strict):
    """A watched series: JUCIP and EPCC are built in; successor frameworks can be added."""

    id: Annotated[str, msgspec.Meta(pattern=_ID)]
    name: str
    aliases_en: list[str] = []
    aliases_ja: list[str] = []


class TopicConfig(_Strict):
    """A topic added to (or cues added to) the built-in taxonomy."""

    id: Annotated[str, msgspec.Meta(pattern=_ID)]
    label: str | None = None
    cues_en: list[str] = []
    cues_ja: list[str] = []


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
    # None means "not given": the defaults below are used. Given, exactly those are polled.
    sources: list[SourceConfig] | None = None
    series: list[SeriesConfig] = []
    topics: list[TopicConfig] = []
    # Where the settings came from ("built-in defaults" or a path); shown by `sources`. Set by
    # the loader, not read from the file.
    origin: str = "built-in defaults"

    def __post_init__(self) -> None:
        if self.sources is None:
            force_setattr(self, "sources", [source_from_dict(s) for s in default_sources()])
        seen: set[str] = set()
        for s in self.sources or ():
            if s.name in seen:
                raise ValueError(f"two sources are named {s.name!r}; names must be unique")
            seen.add(s.name)

    def all_sources(self) -> list[SourceConfig]:
        return list(self.sources or ())

    def source(self, name: str) -> SourceConfig:
        for s in self.all_sources():
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.all_sources())
        raise ConfigError(f"no source named {name!r} (configured: {known})")

    def interval_of(self, source: SourceConfig) -> float:
        return source.interval if source.interval is not None else self.schedule.interval

    def spacing_of(self, source: SourceConfig) -> float:
        return source.host_spacing if source.host_spacing is not None else self.fetch.host_spacing


def _message(err: msgspec.ValidationError, origin: str) -> str:
    text = str(err)
    m = re.search(r" - at `\$\.?([^`]*)`$", text)
    where = ""
    if m:
        text = text[: m.start()]
        where = f" at {m.group(1)}" if m.group(1) else ""
        if m.group(1).endswith(".kind"):
            text += f" (kinds: {', '.join(k for k in _KINDS)})"
    return f"{origin}: invalid setting{where}: {text}"


def _convert(data: dict[str, Any], model: Any, origin: str) -> Any:
    try:
        return msgspec.convert(data, model, dec_hook=_dec_hook)
    except msgspec.ValidationError as err:
        raise ConfigError(_message(err, origin)) from None


def source_from_dict(data: dict[str, Any]) -> SourceConfig:
    """One validated source (tests and `extract URL` build sources this way)."""
    return _convert(data, SourceConfig, "source")  # type: ignore[no-any-return]


def settings_from_dict(data: dict[str, Any], origin: str = "built-in defaults") -> Settings:
    data = {k: v for k, v in data.items() if k != "origin"}
    return replace(_convert(data, Settings, origin), origin=origin)


def fetch_config(**values: Any) -> FetchConfig:
    """Validated fetch settings from keyword values (tests and benchmarks build them so)."""
    return _convert(values, FetchConfig, "fetch")  # type: ignore[no-any-return]


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
    import tomllib

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
        settings = replace(settings, storage=StorageConfig(database=db))
    return settings
