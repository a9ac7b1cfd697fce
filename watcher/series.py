"""The watched series (JUCIP, EPCC and any the user adds) and how to find them in text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from watcher.config import SeriesConfig
from watcher.data import load_toml
from watcher.textnorm import fold, is_word_char


@dataclass(frozen=True, slots=True)
class Series:
    id: str
    name: str
    aliases: tuple[str, ...]


class SeriesCatalog:
    """Finds series names in text.

    Each alias is located with str.find (C speed) and Latin aliases are then checked to stand as
    words ("EPCC" not inside "EPCCX"); Japanese has no spaces, so no check there. Overlapping
    finds count once, the longest winning, as a reader would count them.
    """

    def __init__(self, series: Sequence[Series]) -> None:
        self.series = tuple(series)
        self._aliases = {
            s.id: sorted({fold(a) for a in s.aliases if a.strip()}, key=len, reverse=True)
            for s in self.series
        }

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.series)

    @staticmethod
    def _spans(text: str, aliases: Sequence[str]) -> list[tuple[int, int]]:
        spans = []
        for alias in aliases:
            wordlike = alias.isascii()
            start = text.find(alias)
            while start != -1:
                end = start + len(alias)
                if not wordlike or (
                    (start == 0 or not is_word_char(text[start - 1]))
                    and (end == len(text) or not is_word_char(text[end]))
                ):
                    spans.append((start, end))
                start = text.find(alias, start + 1)
        return spans

    def counts_folded(self, folded_text: str) -> dict[str, int]:
        """Occurrences of each series in text already passed through `fold`."""
        out = {}
        for sid, aliases in self._aliases.items():
            spans = sorted(self._spans(folded_text, aliases), key=lambda sp: (sp[0], -sp[1]))
            n, covered = 0, -1
            for start, end in spans:
                if start >= covered:
                    n += 1
                    covered = end
            if n:
                out[sid] = n
        return out

    def counts(self, text: str) -> dict[str, int]:
        return self.counts_folded(fold(text))

    def find(self, text: str) -> set[str]:
        return set(self.counts(text))


@cache
def _builtin() -> tuple[Series, ...]:
    return tuple(
        Series(
            id=s["id"],
            name=s["name"],
            aliases=tuple(s.get("aliases_en", [])) + tuple(s.get("aliases_ja", [])),
        )
        for s in load_toml("series.toml")["series"]
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
