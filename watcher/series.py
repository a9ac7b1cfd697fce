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
    # The two countries whose dialogue it is (country ids of data/countries.toml); a name of
    # the series qualified by another pair ("Japan-UK Economic 2+2") is another dialogue.
    parties: frozenset[str] = frozenset()


def short_name(name: str) -> str:
    """A series' name before its gloss: "JUCIP" of "JUCIP (Japan-U.S. Commercial and ...)", as
    the bot's menus and the tracker's column heads show it."""
    return name.split(" (", 1)[0].strip() or name


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One place a series is named (in folded text)."""

    series: str
    start: int
    end: int
    # The name itself says whose dialogue it is ("日米経済政策協議委員会", "JUCIP"), so no
    # qualifier around it can make it another's.
    specific: bool


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
        self._parties = {s.id: s.parties for s in self.series}
        self._specific = {
            s.id: {a for a in self._aliases[s.id] if _names_parties(a, s.parties)}
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

    def occurrences(self, folded_text: str) -> list[Occurrence]:
        """Every place a series is named in text already passed through `fold`, in order;
        overlapping finds count once, the longest winning."""
        out = []
        for sid, aliases in self._aliases.items():
            spans = sorted(self._spans(folded_text, aliases), key=lambda sp: (sp[0], -sp[1]))
            covered = -1
            for start, end in spans:
                if start >= covered:
                    alias = folded_text[start:end]
                    out.append(Occurrence(sid, start, end, alias in self._specific[sid]))
                    covered = end
        return sorted(out, key=lambda o: o.start)

    def own_occurrences(self, folded_text: str) -> list[Occurrence]:
        """The occurrences that name the series itself, not a like-named dialogue of other
        parties: "Japan-UK Economic 2+2" and "日豪経済版「2+2」" are not the U.S.-Japan one, and
        neither is a bare "the Economic 2+2" in a text that names only other pairs' (see
        `watcher.parties`)."""
        from watcher.parties import parties_after, parties_before

        found = self.occurrences(folded_text)
        own: list[Occurrence] = []
        bare: dict[str, list[Occurrence]] = {}
        others: set[str] = set()
        for occ in found:
            parties = self._parties.get(occ.series)
            if not parties or occ.specific:
                own.append(occ)
                continue
            named = parties_before(folded_text, occ.start) or parties_after(folded_text, occ.end)
            if named is None:
                bare.setdefault(occ.series, []).append(occ)
            elif named == parties:
                own.append(occ)
            else:
                others.add(occ.series)
        confirmed = {o.series for o in own}
        for sid, occs in bare.items():
            # A bare name speaks of the dialogue the text otherwise names: the series' own
            # when the text names it so, another's when it names only another pair's.
            if sid in confirmed or (sid not in others and self._parties_fit(sid, folded_text)):
                own.extend(occs)
        return sorted(own, key=lambda o: o.start)

    def _parties_fit(self, sid: str, folded_text: str) -> bool:
        """The countries a text introduces the dialogue with (its title and lead, else anywhere)
        leave the series' parties as the dialogue's: both are named, or no other country is."""
        from watcher.parties import countries_introduced

        named, parties = countries_introduced(folded_text), self._parties[sid]
        return parties <= named or named <= parties

    def counts_folded(self, folded_text: str) -> dict[str, int]:
        """How often each series itself is named in text already passed through `fold`."""
        out: dict[str, int] = {}
        for occ in self.own_occurrences(folded_text):
            out[occ.series] = out.get(occ.series, 0) + 1
        return out

    def counts(self, text: str) -> dict[str, int]:
        return self.counts_folded(fold(text))

    def find(self, text: str) -> set[str]:
        return set(self.counts(text))


def _names_parties(alias: str, parties: frozenset[str]) -> bool:
    """An alias that carries its parties: an acronym coined for the dialogue ("JUCIP"), or a
    name that spells the countries ("Japan-U.S. ...", "日米...")."""
    if not parties:
        return True
    if alias.isascii() and " " not in alias and len(alias) >= 4 and alias.isalpha():
        return True
    from watcher.parties import countries_named

    return parties <= countries_named(alias)


@cache
def _builtin() -> tuple[Series, ...]:
    return tuple(
        Series(
            id=s["id"],
            name=s["name"],
            aliases=tuple(s.get("aliases_en", [])) + tuple(s.get("aliases_ja", [])),
            parties=frozenset(s.get("parties", ())),
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
            by_id[cfg.id] = Series(old.id, cfg.name or old.name, old.aliases + aliases, old.parties)
        else:
            by_id[cfg.id] = Series(cfg.id, cfg.name, aliases)
    return SeriesCatalog(list(by_id.values()))
