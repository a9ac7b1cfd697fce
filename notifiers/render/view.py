"""What every channel shows of an alert, as plain (unescaped) strings: the one place that decides
wording, order and language. Pure: reads only an `EventSummary` and the alert row's fields.

The Telegram and email renderers turn an `AlertView` into markup, escaping every string here
(all of it may be scraped text); none of them decides what to say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from watcher.analysis.statement import Meeting, StatementRef
from watcher.analysis.summary import EventSummary
from watcher.display import ordinal

LANG_NAMES = {"en": "English", "ja": "Japanese"}
# How a subject names a release of each document kind (watcher.analysis.kind judges the kind,
# once, when the release is archived).
_KIND_WORDS = {
    "joint-statement": "joint statement",
    "joint-readout": "joint readout",
    "ministry-release": "ministry release",
    "media-note": "media note",
    "press-conference": "press conference",
    "remarks": "remarks",
}


@dataclass(frozen=True)
class Quote:
    """A commitment as the subscriber reads it: the text in the chosen language, and the other
    language's text under it when they asked for both and a translation is known."""

    text: str
    strength: str
    translation: str | None = None


@dataclass(frozen=True)
class TopicGroup:
    label: str
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class TopicChange:
    label: str
    status: str  # 'new' | 'continued' | 'no longer mentioned' | 'not in the summary'
    first_in_series: bool = False


@dataclass(frozen=True)
class Link:
    label: str  # "English · www.meti.go.jp"
    url: str


@dataclass(frozen=True)
class Comparison:
    previous: str  # "2nd Ministerial Meeting, 2023-05-26"
    changes: tuple[TopicChange, ...]
    caveat: str | None

    def of(self, status: str) -> list[TopicChange]:
        return [c for c in self.changes if c.status == status]


@dataclass(frozen=True)
class AlertView:
    kind: str  # 'event' | 'follow_up' | 'mention' | 'admin'
    series: str  # "JUCIP"
    title: str  # the release title
    meeting: str | None = None  # "3rd Ministerial Meeting"
    held: date | None = None
    place: str | None = None
    doc_kind: str = "press release"
    groups: tuple[TopicGroup, ...] = ()
    all_commitments: tuple[TopicGroup, ...] = ()
    comparison: Comparison | None = None
    links: tuple[Link, ...] = ()
    url: str = ""
    posted: date | None = None
    # Follow-ups: what the new version is and what it adds.
    version: str = ""  # "English version published"
    added_topics: tuple[str, ...] = ()
    added: tuple[Quote, ...] = ()
    added_more: int = 0
    # Admin notes.
    lines: tuple[str, ...] = field(default_factory=tuple)

    @property
    def subject(self) -> str:
        """`[JUCIP] 4th Ministerial Meeting: joint readout (held 2024-06-26)`; scraped parts
        are cleaned of line breaks by the email builder."""
        tag = f"[{self.series}]"
        if self.kind == "admin":
            return f"[JUCIP Watch] {self.title}"
        if self.kind == "mention":
            return f"{tag} Mentioned: {_clip(self.title, 90)}"
        held = f" (held {self.held.isoformat()})" if self.held else ""
        what = self.meeting or _clip(self.title, 70)
        if self.kind == "follow_up":
            return f"{tag} {what}: {self.version}{held}"
        return f"{tag} {what}: {self.doc_kind}{held}"


def series_label(series: Sequence[str]) -> str:
    return "/".join(s.upper() if len(s) <= 6 else s for s in series) or "JUCIP Watch"


def meeting_name(meeting: Meeting | None) -> str | None:
    """ "3rd Ministerial Meeting"; None when neither ordinal nor level is known."""
    if meeting is None or (meeting.ordinal is None and meeting.level is None):
        return None
    level = "-".join(p.capitalize() for p in (meeting.level or "").split("-"))
    parts = [ordinal(meeting.ordinal), level, "Meeting"]
    return " ".join(p for p in parts if p)


def doc_kind(kind: str | None) -> str:
    """ "joint readout" for a release of kind "joint-readout"; "press release" for another kind
    or for one archived before kinds were judged."""
    return _KIND_WORDS.get(kind or "", "press release")


def pick(summary: EventSummary, text: str, text_lang: str, want: str) -> tuple[str, str | None]:
    """(text to show, translation under it) for a first-version commitment and the
    subscriber's language: en, ja, or both."""
    other = "en" if text_lang == "ja" else "ja"
    translated = summary.translation(text, other)
    if want == "both":
        return text, translated
    if want != text_lang and translated:
        return translated, None
    return text, None


# A commitment as the views read it: (text, topics, strength, language of the text).
_Item = tuple[str, Sequence[str], str, str]


def _key_items(summary: EventSummary) -> list[_Item]:
    return [(k.text, k.topics, k.strength, k.lang) for k in summary.key_commitments]


def _compared_items(summary: EventSummary) -> list[_Item]:
    """The comparison's new and continued commitments (in the latest version's language)."""
    c = summary.comparison
    if c is None:
        return []
    lang = summary.lang
    items: list[_Item] = [(x.text, x.topics, x.strength, lang) for x in c.new_commitments]
    items += [(x.new.text, x.new.topics, x.new.strength, lang) for x in c.continued]
    return items


def topic_quotes(summary: EventSummary, topic_id: str, want: str = "both") -> tuple[Quote, ...]:
    """The meeting's commitments on one topic (key ones, then the rest the comparison
    carries), in the subscriber's language."""
    seen: set[str] = set()
    out = []
    for text, topics, strength, lang in _key_items(summary) + _compared_items(summary):
        if topic_id in topics and text not in seen:
            seen.add(text)
            shown, translation = pick(summary, text, lang, want)
            out.append(Quote(shown, strength, translation))
    return tuple(out)


def _groups(summary: EventSummary, items: Sequence[_Item], want: str) -> tuple[TopicGroup, ...]:
    """(text, topics, strength, lang) items grouped under their first topic's label."""
    groups: dict[str, list[Quote]] = {}
    for text, topics, strength, lang in items:
        label = summary.topic_label(topics[0]) if topics else "Other"
        shown, translation = pick(summary, text, lang, want)
        groups.setdefault(label, []).append(Quote(shown, strength, translation))
    return tuple(TopicGroup(label, tuple(q)) for label, q in groups.items())


def _comparison(summary: EventSummary) -> Comparison | None:
    c = summary.comparison
    if c is None:
        return None
    label = summary.topic_label
    first = set(c.first_in_series)
    missing = set(c.not_in_summary)
    changes = [TopicChange(label(t), "new", t in first) for t in c.new_topics]
    changes += [TopicChange(label(t), "continued") for t in c.continued_topics]
    changes += [
        TopicChange(label(t), "not in the summary" if t in missing else "no longer mentioned")
        for t in c.dropped_topics
    ]
    changes += [
        TopicChange(label(t), "not in the summary")
        for t in c.not_in_summary
        if t not in set(c.dropped_topics)
    ]
    previous = meeting_name(c.old.meeting) or _clip(c.old.title, 60)
    when = c.old.when
    return Comparison(
        f"{previous}, {when.isoformat()}" if when else previous, tuple(changes), c.caveat
    )


def _links(summary: EventSummary) -> tuple[Link, ...]:
    """Every source document of the event: each version, then alternates no version is."""
    seen: dict[str, Link] = {}
    refs: list[StatementRef] = list(summary.versions)
    for ref in refs:
        seen.setdefault(ref.url, _link(ref.lang, ref.url))
    for lang, url in summary.links.items():
        seen.setdefault(url, _link(lang, url))
    return tuple(link for link in seen.values() if link.url)


def _link(lang: str, url: str) -> Link:
    host = urlsplit(url).hostname or ""
    return Link(" · ".join(x for x in (LANG_NAMES.get(lang, lang), host) if x), url)


def event_view(summary: EventSummary, want: str = "both") -> AlertView:
    """The full alert of a meeting, in the subscriber's language (en, ja or both)."""
    key, full = _key_items(summary), _compared_items(summary)
    meeting = summary.meeting
    return AlertView(
        kind="event",
        series=series_label(summary.series),
        title=summary.headline,
        meeting=meeting_name(meeting),
        held=meeting.date if meeting else None,
        place=meeting.place if meeting else None,
        doc_kind=doc_kind(summary.first.kind),
        groups=_groups(summary, key, want),
        all_commitments=_groups(summary, full or key, want),
        comparison=_comparison(summary),
        links=_links(summary),
        url=summary.url,
        posted=summary.date,
    )


def follow_up_view(summary: EventSummary, payload: Mapping[str, Any]) -> AlertView:
    """The short note for another version of an alerted meeting."""
    meeting = summary.meeting
    lang = payload.get("lang") or ""
    title = payload.get("title") or ""
    host = payload.get("host") or ""
    same_site = host == (urlsplit(summary.url).hostname or "")
    if same_site and lang in LANG_NAMES and lang != payload.get("first_lang"):
        version = f"{LANG_NAMES[lang]} version published"  # the publisher's own translation
    else:
        kind = doc_kind(payload.get("kind"))
        what = "Another version" if kind == "press release" else kind.capitalize()
        version = f"{what} published on {host or 'another site'}"
    labels = payload.get("topic_labels") or {}
    added = tuple(Quote(c["text"], c["strength"]) for c in payload.get("added_commitments", ()))
    return AlertView(
        kind="follow_up",
        series=series_label(summary.series),
        title=title,
        meeting=meeting_name(meeting),
        held=meeting.date if meeting else None,
        place=meeting.place if meeting else None,
        doc_kind=doc_kind(payload.get("kind")),
        links=(_link(lang, payload.get("url", "")),),
        url=payload.get("url", ""),
        version=version,
        added_topics=tuple(labels.get(t, t) for t in payload.get("added_topics", ())),
        added=added,
        added_more=max(0, int(payload.get("added_count", 0)) - len(added)),
    )


def mention_view(series: Sequence[str], payload: Mapping[str, Any]) -> AlertView:
    posted = payload.get("date")
    return AlertView(
        kind="mention",
        series=series_label(series),
        title=payload.get("title") or payload.get("url", ""),
        url=payload.get("url", ""),
        posted=date.fromisoformat(posted) if posted else None,
    )


def admin_view(payload: Mapping[str, Any]) -> AlertView:
    return AlertView(
        kind="admin",
        series="JUCIP Watch",
        title=payload.get("title", "note"),
        lines=tuple(payload.get("lines", ())),
    )


def alert_view(
    kind: str,
    series: Sequence[str],
    payload: Mapping[str, Any],
    summary: EventSummary | None,
    want: str = "both",
) -> AlertView:
    """The view of one alert row (kind, series, payload) for a subscriber's language."""
    if kind == "admin":
        return admin_view(payload)
    if kind == "mention":
        return mention_view(series, payload)
    if summary is None:  # a meeting whose release yielded no statement: its title and link
        url = str(payload.get("url", ""))
        title = str(payload.get("title") or url)
        return AlertView(
            kind="event",
            series=series_label(series),
            title=title,
            doc_kind=doc_kind(payload.get("kind")),
            links=(_link(str(payload.get("lang", "")), url),) if url else (),
            url=url,
        )
    if kind == "follow_up":
        return follow_up_view(summary, payload)
    return event_view(summary, want)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
