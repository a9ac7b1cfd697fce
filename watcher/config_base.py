"""The vocabulary of the configuration, shared by watcher/config.py and the source adapters.

Each adapter module declares its source kind's settings as a subclass of `SourceSettings`
(msgspec tag = kind); watcher/config.py assembles the file's model from them. Both import this
small module, so the config never needs an adapter's parsing code and no adapter imports the
config.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, ClassVar

import msgspec
from msgspec.structs import force_setattr

from watcher.urls import check_url

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)?\s*$")
_UNIT = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
NAME = r"^[A-Za-z0-9_.-]+$"
LANG = r"^(en|ja)$"


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


def dec_hook(typ: type, value: Any) -> Any:
    """msgspec's hook for the types TOML has no word for."""
    if typ is Seconds:
        return Seconds(parse_duration(value))
    if typ is Path:
        if not isinstance(value, str):
            raise ValueError(f"expected a path, got {value!r}")
        return Path(value)
    raise NotImplementedError(typ)


class Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A config table: unknown keys are mistakes, values never change after loading."""


class SourceSettings(Strict, tag_field="kind"):
    """The keys every source has. A kind's adapter module subclasses it with `tag="<kind>"`.

    `default_url` is polled when the file gives no url (a kind without one needs a url);
    `release_pages` are the "host/path-prefix" forms (no "www.") of the live release pages the
    kind's adapter reads, so `jucip-watch extract URL` picks it for such a URL.
    """

    default_url: ClassVar[str] = ""
    release_pages: ClassVar[tuple[str, ...]] = ()

    name: Annotated[str, msgspec.Meta(min_length=1, pattern=NAME)]
    url: str = ""
    enabled: bool = True
    interval: Seconds | None = None
    stale_after: Seconds = Seconds(30 * 86400.0)
    host_spacing: Seconds | None = None

    @property
    def kind(self) -> str:
        return str(self.__struct_config__.tag)

    def __post_init__(self) -> None:
        if self.url:
            check_url(self.url)
        if not self.url:
            if not self.default_url:
                raise ValueError(f"a source of kind {self.kind!r} needs a url")
            force_setattr(self, "url", self.default_url)


def walk_settings(node: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) of every key in a settings tree, tables and lists of tables included
    (e.g. ("sources[0].api_key_env", "api_key_env", "COMMERCE_API_KEY")): how rules that go by
    a key's name (every `*_env` names a secret, every `*url` is a URL) reach keys that tables
    added later declare."""
    if isinstance(node, list | tuple):
        for i, item in enumerate(node):
            yield from walk_settings(item, f"{path}[{i}]")
        return
    for key in getattr(node, "__struct_fields__", ()):
        value = getattr(node, key, None)
        where = f"{path}.{key}" if path else key
        yield where, key, value
        yield from walk_settings(value, where)
