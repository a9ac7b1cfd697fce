"""The form of a release: joint statement, readout, ministry release, media note (an
announcement), press-conference transcript, remarks, or other (pure; cues in data/kinds.toml).

The title decides first, then the frame of the body (State's "Begin Text" statement frame, a
transcript's question labels, "As Prepared for Delivery"), then the tense of the opening
sentence, then the publishing site. The kind feeds detection (a minister's press conference is
not the meeting it mentions), meeting dates (an announcement is about a later day) and the
comparison (a summary is not compared with a joint statement as if both were complete).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from watcher.analysis.segment import split_sentences
from watcher.data import load_toml
from watcher.textnorm import fold

KINDS = (
    "joint-statement",
    "joint-readout",
    "ministry-release",
    "media-note",
    "press-conference",
    "remarks",
    "other",
)
# The opening of the body the frame and tense rules read: a few paragraphs.
OPENING_PARAGRAPHS = 4


def _any(patterns: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.MULTILINE)


@dataclass(frozen=True, slots=True)
class _Cues:
    fact_sheet: re.Pattern[str]
    press_title: re.Pattern[str]
    question: re.Pattern[str]
    qa_heading: re.Pattern[str]
    remarks_title: re.Pattern[str]
    remarks_body: re.Pattern[str]
    speaker: re.Pattern[str]
    joint_title_start: re.Pattern[str]
    joint_title: re.Pattern[str]
    ministry_verbs: re.Pattern[str]
    joint_body: re.Pattern[str]
    joint_heading: re.Pattern[str]
    note_title: re.Pattern[str]
    note_lead: re.Pattern[str]
    readout_title: re.Pattern[str]
    readout_body: re.Pattern[str]
    readout_hosts: tuple[str, ...]
    reported: re.Pattern[str]
    commentary: re.Pattern[str]


@cache
def _cues() -> _Cues:
    d = load_toml("kinds.toml")
    pc, rm, js, mn, ro = (
        d["press-conference"],
        d["remarks"],
        d["joint-statement"],
        d["media-note"],
        d["joint-readout"],
    )
    return _Cues(
        fact_sheet=_any(d["other"]["title"]),
        press_title=_any(pc["title"]),
        question=re.compile(pc["question"], re.MULTILINE),
        qa_heading=_any(pc["heading"]),
        remarks_title=_any(rm["title"]),
        remarks_body=_any(rm["body"]),
        speaker=re.compile(rm["speaker"]),
        joint_title_start=_any(js["title_start"]),
        joint_title=_any(js["title"]),
        ministry_verbs=_any(js["ministry_verbs"]),
        joint_body=_any(js["body"]),
        joint_heading=re.compile(js["heading"]),
        note_title=_any(mn["title"]),
        note_lead=_any(mn["lead"]),
        readout_title=_any(ro["title"]),
        readout_body=_any(ro["body"]),
        readout_hosts=tuple(ro["readout_hosts"]),
        reported=re.compile(ro["reported"]),
        commentary=_any(d["ministry-release"]["commentary"]),
    )


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def is_question(paragraph: str) -> bool:
    """A paragraph that opens with a question label ("QUESTION:", "Q:", "記者：") or heads
    the questions ("Question-and-Answer Session", "質疑応答")."""
    cues = _cues()
    folded = fold(paragraph)
    return bool(cues.question.match(folded) or cues.qa_heading.match(folded))


def is_statement_frame(paragraph: str) -> bool:
    """State's line around a statement: "The text of the following joint statement was
    released by the Governments of ..."."""
    return bool(_cues().joint_body.search(fold(paragraph)))


def is_transcript(text: str) -> bool:
    """Questions and answers: a question-and-answer heading or two question labels."""
    cues = _cues()
    paragraphs = [fold(p) for p in _paragraphs(text)]
    asked = sum(1 for p in paragraphs if cues.question.match(p))
    return asked >= 2 or any(cues.qa_heading.match(p) for p in paragraphs)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _on(host: str, domains: Sequence[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def document_kind(title: str, text: str, url: str = "") -> str:
    """One of KINDS for a release's title, body text and address."""
    cues = _cues()
    t = fold(title)
    raw = _paragraphs(text)[:OPENING_PARAGRAPHS]
    opening = [fold(p) for p in raw]
    first = opening[0] if opening else ""
    if cues.fact_sheet.search(t):
        return "other"
    if cues.press_title.search(t) or is_transcript(text):
        return "press-conference"
    if (
        cues.remarks_title.search(t)
        or any(cues.remarks_body.search(p) for p in opening[:2])
        or cues.speaker.match(first)
    ):
        return "remarks"
    reports = bool(cues.ministry_verbs.search(t))  # "... Holds ...", "...を開催しました"
    if cues.joint_title_start.search(t) or (cues.joint_title.search(t) and not reports):
        return "joint-statement"
    # A release whose title reports the meeting stays the ministry's, whatever it quotes.
    if not reports and (
        any(cues.joint_body.search(p) for p in opening[:2])
        or any(cues.joint_heading.match(p) for p in opening)
    ):
        return "joint-statement"
    # The first sentence of substance: what the release reports, and in which tense.
    lead = next((p for p in raw if len(p) >= 60), raw[0] if raw else "")
    sentences = split_sentences(lead)
    said = fold(sentences[0]) if sentences else ""
    if cues.note_title.search(t) or cues.note_lead.search(said):
        return "media-note"
    if cues.readout_title.search(t) or any(cues.readout_body.search(p) for p in opening[:2]):
        return "joint-readout"
    if _on(_host(url), cues.readout_hosts) and cues.reported.search(said):
        return "joint-readout"
    if cues.commentary.search(" ".join(opening)[:4000]):
        return "other"
    return "ministry-release"
