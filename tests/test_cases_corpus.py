"""The hand-labelled release corpus is well formed and covers what it must; the scorer's pair and
topic arithmetic is right. Scores themselves are bench/quality_cases.py's business, not a test's."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from cases_corpus import HARD_NEGATIVES, Case, CorpusError, load_cases, validate
from cases_quality import grouping, topic_scores

from watcher.analysis.taxonomy import load_taxonomy
from watcher.series import load_catalog

CASES = load_cases()
SERIES = load_catalog().ids
TOPICS = load_taxonomy().ids


def problems(cases: list[Case]) -> list[str]:
    return validate(cases, series_ids=SERIES, topic_ids=TOPICS)


def test_every_case_is_well_formed() -> None:
    assert problems(CASES) == []


def test_the_corpus_covers_the_kinds_of_release_it_must() -> None:
    assert len(CASES) >= 45
    for relevance in ("primary", "mention", "none"):
        langs = {c.lang for c in CASES if c.relevance == relevance}
        assert langs == {"en", "ja"}, relevance
    for kind in HARD_NEGATIVES:
        cases = [c for c in CASES if c.hard_negative == kind]
        assert len(cases) >= 2, kind
        assert any(c.lang == "ja" for c in cases), kind
    assert {c.lang for c in CASES if c.format == "pdf"} == {"en", "ja"}
    primary_kinds = {c.kind for c in CASES if c.relevance == "primary"}
    assert {"joint-statement", "joint-readout", "ministry-release", "media-note"} <= primary_kinds
    assert {"press-conference", "remarks"} <= primary_kinds


def test_meetings_have_several_documents_and_some_are_close_in_time() -> None:
    events: dict[str, list[Case]] = {}
    for c in CASES:
        if c.event:
            events.setdefault(c.event, []).append(c)
    assert max(len(docs) for docs in events.values()) >= 5
    # Both languages of one meeting, so a later language version has something to join.
    assert any({c.lang for c in docs} == {"en", "ja"} for docs in events.values())
    held = sorted({(c.series[0], c.held) for c in CASES if c.held})
    close = [
        (a, b) for (sa, a), (sb, b) in pairwise(held) if sa == sb and b - a <= timedelta(days=90)
    ]
    assert close, "no two meetings of one series within weeks of each other"


def test_a_media_note_names_a_weekday_and_date_without_a_year() -> None:
    notes = [c for c in CASES if c.kind == "media-note" and c.relevance == "primary"]
    assert any(
        f"{c.held:%A}, {c.held:%B} {c.held.day}," in c.text and str(c.held.year) not in c.text
        for c in notes
    )


BASE = next(c for c in CASES if c.id == "epcc22-meti-en")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"topics": ("semiconductors", "chips")}, "unknown topic id 'chips'"),
        ({"held": None}, "names its meeting (event) and the date it was held"),
        ({"kind": "media-note"}, "a media note announces a meeting held after its posting date"),
        ({"held": date(2022, 8, 2)}, "is after the posting date"),
        ({"relevance": "none"}, "series is empty exactly when relevance is none"),
        ({"url": "https://www.meti.go.jp/press/2022/0801_002.html"}, "outside /english/"),
        ({"url": "https://www.meti.example/english/x.html"}, "not a meti-en host"),
        ({"lang": "ja"}, "text is not written in ja"),
        ({"hard_negative": "security-2plus2"}, "only a case with relevance none"),
        ({"format": "pdf", "pdf_header": "Economic"}, "at least two pages"),
    ],
)
def test_the_validator_names_each_problem(change: dict, problem: str) -> None:
    found = problems([replace(BASE, **change)])
    assert any(problem in p for p in found), found


def test_the_validator_finds_a_page_without_its_header_and_an_event_held_twice() -> None:
    pdf = next(c for c in CASES if c.format == "pdf")
    first, rest = pdf.text.split("\f", 1)
    broken = replace(pdf, text=first + "\f" + rest.replace(pdf.pdf_header or "", "", 1))
    assert any("page 2 lacks the running header" in p for p in problems([broken]))
    other_day = replace(BASE, id="copy", url=BASE.url + "?2", held=date(2022, 7, 28))
    assert any("held 2022-07-28, but 2022-07-29" in p for p in problems([BASE, other_day]))
    assert any("id also used by" in p for p in problems([BASE, replace(BASE, url="https://x")]))


def test_a_broken_case_file_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('[[cases]]\nid = "x"\ntitle = "t"\n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"a.toml: case 'x': missing site, url"):
        load_cases(tmp_path)
    (tmp_path / "a.toml").write_text("[[cases]\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="not valid TOML"):
        load_cases(tmp_path)
    with pytest.raises(CorpusError, match="not a folder"):
        load_cases(tmp_path / "missing")


def test_pairs_grouped_right_wrong_and_missed() -> None:
    g = grouping(
        [("a", "m1", 1), ("b", "m1", 1), ("c", "m1", None), ("d", "m2", 1), ("e", "m2", 2)]
    )
    assert g.together == [("a", "b")]
    assert g.split == [("a", "c"), ("b", "c"), ("d", "e")]
    assert g.merged == [("a", "d"), ("b", "d")]
    assert len(g.apart) == 10 - 1 - 3 - 2


def test_topic_micro_and_macro_f1() -> None:
    s = topic_scores(
        [
            (frozenset({"quantum", "esg"}), frozenset({"quantum"})),
            (frozenset({"quantum"}), frozenset({"quantum", "ipef"})),
        ]
    )
    assert (s.micro.tp, s.micro.fp, s.micro.fn) == (2, 1, 1)
    assert s.micro.f1 == pytest.approx(2 / 3)
    # quantum 1.0, esg 0.0 (missed), ipef 0.0 (spurious)
    assert s.macro_f1 == pytest.approx(1 / 3)
