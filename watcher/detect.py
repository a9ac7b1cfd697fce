"""Decide whether a release is about a watched series (primary), names one in passing (mention),
or neither.

Titles often do not name the series ("Readout of Secretary Raimondo's Meeting with Minister ..."),
and METI's Americas desk publishes many US-related releases that are not JUCIP/EPCC, so a single cue
decides nothing. The decision weighs where the series is named (title, lead, body), whether the
release reports a meeting or a statement, and signs that the text is commentary, not a release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from watcher.models import Relevance
from watcher.series import SeriesCatalog
from watcher.textnorm import fold

# A release that reports a meeting or issues a statement says so in its title or lead.
_EVENT_CUES = re.compile(
    r"joint statement|joint press release|readout|ministerial|vice[- ]ministerial|"
    r"\bmeeting\b|\bmet\b|\bheld\b|\bhold\b|\bconvened\b|\bdialogue\b|\blaunch|established|"
    r"共同声明|共同プレスリリース|会合|会談|開催|協議|閣僚|立ち上げ|設立"
)
# Commentary and analysis pieces: bylines, abstracts, disclaimers, footnote markers.
_COMMENTARY_CUES = re.compile(
    r"views expressed|this (?:article|paper|analysis|report)|\babstract\b|non-resident|"
    r"scholar|download this publication|\bop-ed\b|\bcommentary\b|"
    r"本稿|筆者|論考"
)
_FOOTNOTE = re.compile(r"\[\d{1,3}\]")

LEAD_PARAGRAPHS = 2
LEAD_CHARS = 1500
SHORT_LINE = 120
PRIMARY_SCORE = 3


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


def _lead(paragraphs: list[str]) -> str:
    """The first paragraphs of substance; short lines (a title, a date line) ride along free."""
    lead, substantial, size = [], 0, 0
    for p in paragraphs:
        if not p:
            continue
        lead.append(p)
        size += len(p)
        if len(p) >= SHORT_LINE:
            substantial += 1
        if substantial >= LEAD_PARAGRAPHS or size >= LEAD_CHARS:
            break
    return "\n".join(lead)


def _commentary_penalty(folded_body: str) -> int:
    penalty = 0
    if _COMMENTARY_CUES.search(folded_body[:4000]):
        penalty += 3
    if len(_FOOTNOTE.findall(folded_body)) >= 3:
        penalty += 2
    return penalty


def detect(title: str, text: str, catalog: SeriesCatalog) -> Detection:
    """Score each series named in the release; pure and cheap (a few regex passes)."""
    folded_title = fold(title)
    paragraphs = [fold(p) for p in re.split(r"\n\s*\n", text)]
    folded_body = "\n".join(paragraphs)
    body_counts = catalog.counts_folded(folded_body)
    title_counts = catalog.counts_folded(folded_title)
    counts = {
        sid: body_counts.get(sid, 0) + title_counts.get(sid, 0)
        for sid in set(body_counts) | set(title_counts)
    }
    if not counts:
        return Detection(Relevance.NONE, (), {})

    lead = _lead(paragraphs)
    lead_counts = catalog.counts_folded(lead)
    event_in_front = bool(_EVENT_CUES.search(folded_title) or _EVENT_CUES.search(lead))
    penalty = _commentary_penalty(folded_body)

    scores: dict[str, int] = {}
    for sid, n in counts.items():
        score = 0
        if title_counts.get(sid):
            score += 4
        # Named up front and again later: the release is about it. Named once: in passing.
        if lead_counts.get(sid):
            score += 2 if n >= 2 else 1
        if event_in_front:
            score += 1
        if n >= 3:
            score += 1
        if n >= 6:
            score += 1
        scores[sid] = score - penalty

    ranked = sorted(scores, key=lambda s: (-scores[s], -counts[s], s))
    primary = tuple(s for s in ranked if scores[s] >= PRIMARY_SCORE)
    if primary:
        return Detection(Relevance.PRIMARY, primary, counts)
    return Detection(Relevance.MENTION, tuple(ranked), counts)
