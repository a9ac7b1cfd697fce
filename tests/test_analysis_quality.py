"""Extraction measured against the hand annotations (tests/fixtures/annotations/).

Thresholds sit below the measured figures (bench/quality.py prints them) but high enough that a
broken cleaner, segmenter, cue file or inheritance rule fails here.
"""

from __future__ import annotations

import pytest
from analysis_quality import load_cases, score_all, score_case, totals

from watcher.textnorm import normalise

CASES = load_cases()


@pytest.fixture(scope="module")
def scores():
    return score_all()


def test_commitment_precision_and_recall(scores):
    c = totals(scores)["commitments"]
    assert c.precision >= 0.9, c
    assert c.recall >= 0.9, c


def test_topic_precision_and_recall_per_commitment(scores):
    t = totals(scores)["commitment_topics"]
    assert t.precision >= 0.9, t
    assert t.recall >= 0.85, t


def test_statement_topics(scores):
    t = totals(scores)["statement_topics"]
    assert t.precision >= 0.9, t
    assert t.recall >= 0.9, t


def test_strengths_of_matched_commitments(scores):
    right = sum(s.strength_right for s in scores)
    total = sum(s.strength_total for s in scores)
    assert right / total >= 0.85


@pytest.mark.parametrize("gold", CASES, ids=[c["name"] for c in CASES])
def test_case(gold):
    score = score_case(gold)
    st = score.statement
    assert st.relevance == gold.get("relevance", "primary")
    assert score.meeting_errors == []
    # Counts may be off by one (a sentence a human reads as a commitment without its verb),
    # not more.
    assert abs(len(st.commitments) - gold["commitment_count"]) <= 1
    for clutter in gold.get("absent", []):
        assert all(normalise(clutter) not in normalise(c.text) for c in st.commitments), clutter
    for want in gold.get("commitments", []):
        if "actors" not in want:
            continue
        got = next(c for c in st.commitments if normalise(want["match"]) in normalise(c.text))
        assert list(got.actors[: len(want["actors"])]) == want["actors"]


def test_title_mentions_do_not_count():
    gold = next(c for c in CASES if c["name"].startswith("a reposted copy"))
    st = score_case(gold).statement
    assert "semiconductors" not in st.topics  # named only in the title
    assert "quantum" not in st.topics and "cybersecurity" not in st.topics  # site clutter
