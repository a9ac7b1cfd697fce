"""The watched series (JUCIP, EPCC and any the user adds) and how to find them in text."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from watcher.config import SeriesConfig
from watcher.textnorm import fold


@dataclass(frozen=True, slots=True)
class Series:
    id: str
    name: str
    aliases: tuple[str, ...]


def _alias_pattern(alias: str) -> str:
    folded = re.escape(fold(alias))
    # Latin aliases must stand as words ("EPCC" not inside "EPCCX"); Japanese has no spaces.
    if alias.isascii():
        return rf"(?<![a-z0-9]){folded}(?![a-z0-9])"
    return folded


class SeriesCatalog:
    """Finds series names in text with one compiled regex per series."""

    def __init__(self, series: Sequence[Series]) -> None:
        self.series = tuple(series)
        self._patterns = {
            s.id: re.compile(
                "|".join(_alias_pattern(a) for a in sorted(s.aliases, key=len, reverse=True))
            )
            for s in self.series
            if s.aliases
        }

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.series)

    def name_of(self, series_id: str) -> str:
        for s in self.series:
            if s.id == series_id:
                return s.name
        return series_id

    def counts_folded(self, folded_text: str) -> dict[str, int]:
        """Occurrences of each series in text already passed through `fold`."""
        out = {}
        for sid, pattern in self._patterns.items():
            n = sum(1 for _ in pattern.finditer(folded_text))
            if n:
                out[sid] = n
        return out

    def counts(self, text: str) -> dict[str, int]:
        return self.counts_folded(fold(text))

    def find(self, text: str) -> set[str]:
        return set(self.counts(text))


@cache
def _builtin() -> tuple[Series, ...]:
    raw = resources.files("watcher.data").joinpath("series.toml").read_bytes()
    return tuple(
        Series(
            id=s["id"],
            name=s["name"],
            aliases=tuple(s.get("aliases_en", [])) + tuple(s.get("aliases_ja", [])),
        )
        for s in tomllib.loads(raw.decode("utf-8"))["series"]
    )


def load_catalog(extra: Sequence[SeriesConfig] = ()) -> SeriesCatalog:
    """Built-in series plus those from config; a config entry with a built-in id adds aliases."""
    by_id = {s.id: s for s in _builtin()}
    for cfg in extra:
        aliases = tuple(cfg.aliases_en) + tuple(cfg.aliases_ja)
        if cfg.id in by_id:
            old = by_id[cfg.id]
            by_id[cfg.id] = Series(old.id, cfg.name or old.name, old.aliases + aliases)
        else:
            by_id[cfg.id] = Series(cfg.id, cfg.name, aliases)
    return SeriesCatalog(list(by_id.values()))
