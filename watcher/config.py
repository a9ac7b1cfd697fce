"""The one configuration model: TOML file -> validated, typed settings.

Lookup order: `--config PATH`, then `$JUCIP_WATCH_CONFIG`, then `./config.toml`, then the built-in
defaults (which watch the real sites). Secrets never live in the file: a source names the
environment variable that holds its key.

Validation is msgspec's: it decodes TOML straight into these typed structs, rejects unknown keys
and reports the path of a mistake, and imports in a few milliseconds, which matters for a one-off
`check` started from cron. Each source kind's settings are declared by its adapter module
(watcher/sources/) on the shared base in watcher/config_base.py; `SourceConfig` is their union.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union

import msgspec
from msgspec.structs import force_setattr, replace

from watcher import sources
from watcher.config_base import Seconds, SourceSettings, dec_hook, walk_settings
from watcher.config_base import Strict as _Strict
from watcher.config_base import parse_duration as parse_duration  # part of this module's API
from watcher.config_channels import (
    ChannelError,
    Channels,
    EmailConfig,
    TelegramConfig,
    WebConfig,
    admin_addresses,
    resolve_channels,
)
from watcher.urls import check_url

DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
CONFIG_ENV = "JUCIP_WATCH_CONFIG"

_ID = r"^[a-z0-9-]+$"


class ConfigError(Exception):
    """A user mistake in the configuration: shown as one line, never as a traceback."""


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
    # How long one source's pass may take (listing and release pages); what is left waits for
    # the next pass. 0: no limit.
    pass_deadline: Seconds = Seconds(600.0)


# A source is one of the kinds the adapter modules declare (watcher/sources/), told apart by
# its `kind` key. Type checkers see the common base; msgspec decodes the tagged union.
if TYPE_CHECKING:
    SourceConfig = SourceSettings
else:
    SourceConfig = Union[sources.settings_types()]  # noqa: UP007  (built at run time)


class SeriesConfig(_Strict):
    """A watched series: JUCIP and EPCC are built in; successor frameworks can be added."""

    id: Annotated[str, msgspec.Meta(pattern=_ID)]
    name: str
    aliases_en: list[str] = msgspec.field(default_factory=list)
    aliases_ja: list[str] = msgspec.field(default_factory=list)


class TopicConfig(_Strict):
    """A topic added to (or cues added to) the built-in taxonomy."""

    id: Annotated[str, msgspec.Meta(pattern=_ID)]
    label: str | None = None
    cues_en: list[str] = msgspec.field(default_factory=list)
    cues_ja: list[str] = msgspec.field(default_factory=list)


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
    series: list[SeriesConfig] = msgspec.field(default_factory=list)
    topics: list[TopicConfig] = msgspec.field(default_factory=list)
    telegram: TelegramConfig = TelegramConfig()
    email: EmailConfig = EmailConfig()
    web: WebConfig = WebConfig()
    # Where the settings came from ("built-in defaults" or a path); shown by `sources`. Set by
    # the loader, not read from the file.
    origin: str = "built-in defaults"

    def __post_init__(self) -> None:
        if self.sources is None:
            force_setattr(self, "sources", [source_from_dict(s) for s in default_sources()])
        # Every URL any table holds (a source's url, an API endpoint a later table adds).
        for where, key, value in walk_settings(self):
            if (key == "url" or key.endswith("_url")) and isinstance(value, str) and value:
                try:
                    check_url(value)
                except ValueError as exc:
                    raise ValueError(f"{where}: {exc}") from None
        seen: set[str] = set()
        for s in self.sources or ():
            if s.name in seen:
                raise ValueError(f"two sources are named {s.name!r}; names must be unique")
            seen.add(s.name)

    def all_sources(self) -> list[SourceConfig]:
        return list(self.sources or ())

    def enabled_sources(self) -> list[SourceConfig]:
        """The sources a pass polls and `health` watches (not those with enabled = false)."""
        return [s for s in self.all_sources() if s.enabled]

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

    def admins(self) -> list[tuple[str, str]]:
        """(channel, address) of every admin named in the config."""
        try:
            return admin_addresses(self.telegram, self.email)
        except ChannelError as exc:
            raise ConfigError(f"{self.origin}: {exc}") from None

    def channels(self) -> Channels:
        """The channels ready to send: secrets read from the environment, addresses checked."""
        try:
            return resolve_channels(self.telegram, self.email)
        except ChannelError as exc:
            raise ConfigError(f"{self.origin}: {exc}") from None


def _message(err: msgspec.ValidationError, origin: str) -> str:
    text = str(err)
    m = re.search(r" - at `\$\.?([^`]*)`$", text)
    where = ""
    if m:
        text = text[: m.start()]
        where = f" at {m.group(1)}" if m.group(1) else ""
        if m.group(1).endswith(".kind"):
            text += f" (kinds: {', '.join(sources.kinds())})"
    return f"{origin}: invalid setting{where}: {text}"


def _convert(data: dict[str, Any], model: Any, origin: str) -> Any:
    try:
        return msgspec.convert(data, model, dec_hook=dec_hook)
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
    tracker = settings.web.tracker_dir
    if tracker and not Path(tracker).is_absolute():
        # The same for the daemon's tracker folder.
        web = replace(settings.web, tracker_dir=str((path.parent / tracker).resolve()))
        settings = replace(settings, web=web)
    return settings
