"""Decide whether a release is about a meeting or statement of a watched series (primary), names
one in passing (mention), or neither.

A series counts only where it is named as itself: "Japan-UK Economic 2+2" is another dialogue
(`SeriesCatalog.own_occurrences`). A release is about a meeting of the series when the series is
the meeting it reports, not one it refers to:
1. its title names the series with a meeting or statement word ("... Holds the Fourth JUCIP
   Ministerial Meeting", "Joint Statement of the U.S.-Japan EPCC", "...閣僚会合を開催しました"),
   or
2. its opening (the first paragraph of substance; a transcript's part before the questions)
   names the series as the meeting held ("met ... for the second ministerial meeting of JUCIP",
   "We have just concluded the first meeting of the EPCC"), or
3. it is a joint statement whose opening founds the series ("established the JUCIP").
A name counts as the meeting only with a meeting word beside it and no reference word near it
("since its first ministerial meeting", "the next JUCIP ministerial", "under JUCIP", "the outcomes
of the EPCC meeting last November"). A release whose title reports a call, a courtesy call, a trip
or a minister's own press conference is a mention unless its title names the series' meeting
itself (a meeting word beside the name), and so is commentary. Everything else that names a
series is a mention. The patterns live in watcher/data/detect.toml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from watcher.data import load_toml
from watcher.models import Relevance
from watcher.series import Occurrence, SeriesCatalog
from watcher.textnorm import normalise

# How much of the opening paragraph counts as the release's report of its occasion.
OPENING_SENTENCES = 3
# A founding statement founds the series in its first paragraphs of substance.
FOUNDING_PARAGRAPHS = 3
# How far back and ahead of a name its meeting and reference words are looked for.
BEFORE, AFTER = 70, 60
# A transcript's opening remarks run until the first question; the part read is capped.
TRANSCRIPT_OPENING = 2000


@dataclass(frozen=True, slots=True)
class Detection:
    relevance: Relevance
    # The series the release is about (primary), strongest first; for a mention, those named.
    series: tuple[str, ...]
    # Every series named anywhere, with how often.
    counts: dict[str, int]

    @property
    def relevant(self) -> bool:
        return self.relevance is not Relevance.NONE

    @classmethod
    def filed_under(cls, series: str) -> Detection:
        """The user's judgement (`import --series`): a primary release of that series."""
        return cls(Relevance.PRIMARY, (series,), {})


@dataclass(frozen=True, slots=True)
class _Cues:
    title_event: re.Pattern[str]
    meeting_before: re.Pattern[str]
    meeting_after: re.Pattern[str]
    reference_before: re.Pattern[str]
    reference_after: re.Pattern[str]
    founding_before: re.Pattern[str]
    founding_after: re.Pattern[str]
    other_occasion: re.Pattern[str]
    call_lead: re.Pattern[str]
    commentary: re.Pattern[str]


@cache
def _cues() -> _Cues:
    d = load_toml("detect.toml")
    return _Cues(
        **{
            name: re.compile(d[key])
            for name, key in (
                ("title_event", "title_event"),
                ("meeting_before", "meeting_before"),
                ("meeting_after", "meeting_after"),
                ("reference_before", "reference_before"),
                ("reference_after", "reference_after"),
                ("founding_before", "founding_before"),
                ("founding_after", "founding_after"),
                ("other_occasion", "other_occasion_title"),
                ("call_lead", "call_lead"),
                ("commentary", "commentary"),
            )
        }
    )


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int


def _referenced(text: str, occ: Occurrence, span: _Span) -> bool:
    """A reference word ties the name to another meeting or to the framework at large."""
    cues = _cues()
    before = text[max(span.start, occ.start - BEFORE) : occ.start]
    after = text[occ.end : min(span.end, occ.end + AFTER)]
    return bool(cues.reference_before.search(before) or cues.reference_after.search(after))


def _as_meeting(text: str, occ: Occurrence, span: _Span) -> bool:
    """The name stands for the meeting the sentence reports."""
    cues = _cues()
    before = text[max(span.start, occ.start - BEFORE) : occ.start]
    after = text[occ.end : min(span.end, occ.end + AFTER)]
    named = cues.meeting_before.search(before) or cues.meeting_after.search(after)
    return bool(named) and not _referenced(text, occ, span)


def _founded(text: str, occ: Occurrence, span: _Span) -> bool:
    cues = _cues()
    before = text[max(span.start, occ.start - BEFORE) : occ.start]
    after = text[occ.end : min(span.end, occ.end + AFTER)]
    return bool(cues.founding_before.search(before) or cues.founding_after.search(after))


def _is_frame(paragraph: str) -> bool:
    """A line around the release rather than its report: "Begin Text:", "The below is
    attributable to ...:", "The text of the following joint statement was released by ...",
    "Remarks as Prepared for Delivery", a heading, a date line."""
    from watcher.analysis.clean import is_prose
    from watcher.analysis.kind import is_statement_frame

    return (
        paragraph.rstrip().endswith((":", "："))
        or not is_prose(paragraph)
        or is_statement_frame(paragraph)
    )


def _substantive(paragraphs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    return [(offset, para) for offset, para in paragraphs if not _is_frame(para)]


def _opening(paragraphs: list[tuple[int, str]], transcript: bool) -> list[_Span]:
    """Spans (offsets into the folded text) of the sentences that report the occasion."""
    from watcher.analysis.kind import is_question
    from watcher.analysis.segment import split_sentences

    spans: list[_Span] = []
    if transcript:
        for offset, para in paragraphs:
            if is_question(para) or offset > TRANSCRIPT_OPENING:
                break
            spans.append(_Span(offset, offset + len(para)))
        return spans
    for offset, para in _substantive(paragraphs):
        at = 0
        for sentence in split_sentences(para)[:OPENING_SENTENCES]:
            at = para.find(sentence, at)
            if at < 0:
                return [_Span(offset, offset + len(para))]
            spans.append(_Span(offset + at, offset + at + len(sentence)))
            at += len(sentence)
        break
    return spans


def _within(occs: Iterable[Occurrence], span: _Span) -> list[Occurrence]:
    return [o for o in occs if span.start <= o.start and o.end <= span.end]


def detect(title: str, text: str, catalog: SeriesCatalog, *, kind: str | None = None) -> Detection:
    """Judge one release (pure; a few regex passes). `kind` is the release's form
    (`watcher.analysis.kind`), read from the title and text when not given."""
    if kind is None:
        from watcher.analysis.kind import document_kind

        kind = document_kind(title, text)
    # One folded text, title first, so that every name is judged with the whole release around it
    # (a bare "Economic 2+2" in the body of a Japan-UK release is the Japan-UK one).
    head = normalise(title)
    paragraphs: list[tuple[int, str]] = []
    offset = len(head) + 2
    parts = [head]
    for raw in re.split(r"\n\s*\n", text):
        para = normalise(raw)
        if not para:
            continue
        paragraphs.append((offset, para))
        parts.append(para)
        offset += len(para) + 2
    whole = "\n\n".join(parts)
    folded = whole.casefold()
    if len(folded) != len(whole):  # a rare character whose case folding changes its length
        folded = whole.lower()
    occs = catalog.own_occurrences(folded)
    if not occs:
        return Detection(Relevance.NONE, (), {})
    counts: dict[str, int] = {}
    for o in occs:
        counts[o.series] = counts.get(o.series, 0) + 1

    about = _about(folded, occs, paragraphs, kind, len(head))
    if about:
        return Detection(Relevance.PRIMARY, tuple(about), counts)
    ranked = sorted(counts, key=lambda s: (-counts[s], s))
    return Detection(Relevance.MENTION, tuple(ranked), counts)


def _about(
    folded: str,
    occs: list[Occurrence],
    paragraphs: list[tuple[int, str]],
    kind: str,
    title_end: int,
) -> list[str]:
    """The series whose meeting or statement the release reports (rules 1-3), in order."""
    cues = _cues()
    title = _Span(0, title_end)
    found: list[str] = []
    in_title = _within(occs, title)
    if cues.other_occasion.search(folded[:title_end]):
        # "Readout of the Secretary's Call with the Minister on JUCIP" is a call: only a title
        # that names the series' meeting itself makes such a release about the meeting.
        found += [o.series for o in in_title if _as_meeting(folded, o, title)]
        return list(dict.fromkeys(found))
    if cues.title_event.search(folded[:title_end]):
        found += [o.series for o in in_title if not _referenced(folded, o, title)]
    if not found:
        if cues.commentary.search(folded[:4000]):
            return []
        opening = _opening(paragraphs, kind == "press-conference")
        if opening and cues.call_lead.search(folded[opening[0].start : opening[0].end]):
            return []
        for span in opening:
            found += [o.series for o in _within(occs, span) if _as_meeting(folded, o, span)]
        if not found and kind == "joint-statement":
            for offset, para in _substantive(paragraphs)[:FOUNDING_PARAGRAPHS]:
                span = _Span(offset, offset + len(para))
                found += [o.series for o in _within(occs, span) if _founded(folded, o, span)]
    return list(dict.fromkeys(found))
