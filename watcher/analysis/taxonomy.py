"""The topic taxonomy: ids, labels and cue phrases, from watcher/data/topics.toml plus config."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from watcher.analysis.matching import Matcher, match_form
from watcher.config import TopicConfig
from watcher.data import load_toml

# The label of phrases that hide a cue they contain ("investment climate" is no climate).
_MASK = ""


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    label: str
    cues_en: tuple[str, ...]
    cues_ja: tuple[str, ...]
    # Phrases that contain a cue without speaking of the topic; the longest match wins, so a
    # mask found where a cue is found hides it.
    masks: tuple[str, ...] = ()


class Taxonomy:
    """Tags text with topic ids. Both languages' cues apply to any text: Japanese releases quote
    English acronyms (CBPR, IPEF), and English ones may quote Japanese programme names."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.topics = tuple(topics)
        self._order = {t.id: i for i, t in enumerate(self.topics)}
        phrases = {t.id: t.cues_en + t.cues_ja for t in self.topics}
        phrases[_MASK] = tuple(m for t in self.topics for m in t.masks)
        self._matcher = Matcher.from_phrases(phrases)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.topics)

    def label(self, topic_id: str) -> str:
        for t in self.topics:
            if t.id == topic_id:
                return t.label
        return topic_id

    def tag(self, text: str) -> tuple[str, ...]:
        """Topic ids the text explicitly speaks of, in taxonomy order."""
        return self.tag_form(match_form(text))

    def tag_form(self, form: str) -> tuple[str, ...]:
        return self.sort(self._matcher.labels(form))

    def tagger(self, document_form: str) -> Callable[[str], tuple[str, ...]]:
        """`tag_form` for the sentences of one document, with the cues it lacks left out."""
        matcher = self._matcher.restrict(document_form)
        return lambda form: self.sort(matcher.labels(form))

    def sort(self, ids: Sequence[str] | set[str]) -> tuple[str, ...]:
        """Topic ids in taxonomy order (unknown ids, e.g. from an older config, last)."""
        found = set(ids) - {_MASK}
        return tuple(sorted(found, key=lambda i: (self._order.get(i, len(self._order)), i)))


@cache
def _builtin() -> tuple[Topic, ...]:
    return tuple(
        Topic(
            id=t["id"],
            label=t["label"],
            cues_en=tuple(t.get("cues_en", [])),
            cues_ja=tuple(t.get("cues_ja", [])),
            masks=tuple(t.get("masks_en", [])) + tuple(t.get("masks_ja", [])),
        )
        for t in load_toml("topics.toml")["topics"]
    )


def load_taxonomy(extra: Sequence[TopicConfig] = ()) -> Taxonomy:
    """Built-in topics plus config: a known id gains cues (and may relabel), a new id is added."""
    by_id = {t.id: t for t in _builtin()}
    for cfg in extra:
        old = by_id.get(cfg.id)
        if old is None:
            by_id[cfg.id] = Topic(
                cfg.id, cfg.label or cfg.id, tuple(cfg.cues_en), tuple(cfg.cues_ja)
            )
        else:
            by_id[cfg.id] = Topic(
                old.id,
                cfg.label or old.label,
                old.cues_en + tuple(cfg.cues_en),
                old.cues_ja + tuple(cfg.cues_ja),
                old.masks,
            )
    return _cached_taxonomy(tuple(by_id.values()))


@cache
def _cached_taxonomy(topics: tuple[Topic, ...]) -> Taxonomy:
    return Taxonomy(topics)
