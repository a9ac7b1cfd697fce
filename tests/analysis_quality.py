"""Scoring extraction against the hand annotations in tests/fixtures/annotations/.

Shared by the quality tests and `bench/quality.py`, which prints the figures.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from watcher.analysis.extract import extract_statement
from watcher.analysis.statement import Statement
from watcher.analysis.taxonomy import load_taxonomy
from watcher.detect import detect
from watcher.models import Document
from watcher.series import load_catalog
from watcher.textnorm import normalise

FIXTURES = Path(__file__).parent / "fixtures"
ANNOTATIONS = FIXTURES / "annotations"
SEEDS = FIXTURES / "seeds"


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class CaseScore:
    name: str
    statement: Statement
    gold: dict[str, Any]
    commitments: Counts = field(default_factory=Counts)
    commitment_topics: Counts = field(default_factory=Counts)
    statement_topics: Counts = field(default_factory=Counts)
    strength_right: int = 0
    strength_total: int = 0
    missed: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)
    meeting_errors: list[str] = field(default_factory=list)


def load_cases() -> list[dict[str, Any]]:
    """Every annotated case: the seeds (text read from the seed file) and the tricky ones."""
    cases = []
    for path in sorted(ANNOTATIONS.glob("[0-9]*.toml")):
        gold = tomllib.loads(path.read_text(encoding="utf-8"))
        gold["name"] = f"seed {path.stem}"
        gold["text"] = (SEEDS / gold["seed"]).read_text(encoding="utf-8")
        cases.append(gold)
    tricky = tomllib.loads((ANNOTATIONS / "tricky.toml").read_text(encoding="utf-8"))
    cases.extend(tricky["cases"])
    return cases


def document(gold: dict[str, Any]) -> Document:
    return Document(
        url=f"test:{gold['name']}",
        title=gold["title"],
        text=gold["text"],
        lang=gold["lang"],
        date=gold.get("date"),
    )


def _meeting_errors(statement: Statement, gold: dict[str, Any]) -> list[str]:
    want = gold.get("meeting")
    if want is None:
        return [] if statement.meeting is None else ["meeting found in a non-statement"]
    got = statement.meeting
    if got is None:
        return ["no meeting"]
    errors = []
    for key in ("series", "ordinal", "level", "date", "place"):
        expected = want[key]
        expected = None if expected == "none" else expected
        actual = getattr(got, key)
        if isinstance(expected, date) and isinstance(actual, date):
            same = expected == actual
        else:
            same = expected == actual
        if not same:
            errors.append(f"{key}: want {expected!r}, got {actual!r}")
    names = " / ".join(got.principals)
    for person in want["principals"]:
        if person not in names:
            errors.append(f"principal {person!r} missing from {names!r}")
    if len(got.principals) != len(want["principals"]):
        errors.append(f"principals: want {len(want['principals'])}, got {list(got.principals)}")
    return errors


def score_case(gold: dict[str, Any]) -> CaseScore:
    doc, catalog = document(gold), load_catalog()
    detection = detect(doc.title, doc.text, catalog)
    statement = extract_statement(doc, detection, taxonomy=load_taxonomy(), catalog=catalog)
    result = CaseScore(gold["name"], statement, gold)
    extracted = list(statement.commitments)
    used: set[int] = set()
    for want in gold.get("commitments", []):
        needle = normalise(want["match"])
        hit = next(
            (i for i, c in enumerate(extracted) if i not in used and needle in normalise(c.text)),
            None,
        )
        gold_topics = set(want["topics"])
        if hit is None:
            result.commitments.fn += 1
            result.commitment_topics.fn += len(gold_topics)
            result.missed.append(want["match"])
            continue
        used.add(hit)
        got = extracted[hit]
        result.commitments.tp += 1
        result.commitment_topics.add(
            Counts(
                len(gold_topics & set(got.topics)),
                len(set(got.topics) - gold_topics),
                len(gold_topics - set(got.topics)),
            )
        )
        result.strength_total += 1
        result.strength_right += got.strength == want["strength"]
    for i, c in enumerate(extracted):
        if i not in used:
            result.commitments.fp += 1
            result.commitment_topics.fp += len(c.topics)
            result.spurious.append(c.text)
    gold_topics, got_topics = set(gold["topics"]), set(statement.topics)
    result.statement_topics = Counts(
        len(gold_topics & got_topics), len(got_topics - gold_topics), len(gold_topics - got_topics)
    )
    result.meeting_errors = _meeting_errors(statement, gold)
    return result


def score_all() -> list[CaseScore]:
    return [score_case(gold) for gold in load_cases()]


def totals(scores: list[CaseScore]) -> dict[str, Counts]:
    out = {"commitments": Counts(), "commitment_topics": Counts(), "statement_topics": Counts()}
    for s in scores:
        out["commitments"].add(s.commitments)
        out["commitment_topics"].add(s.commitment_topics)
        out["statement_topics"].add(s.statement_topics)
    return out
