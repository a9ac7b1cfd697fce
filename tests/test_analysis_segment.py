"""Cleaning and segmentation: sentences, bullets, numbered items, lead-ins, clutter."""

from __future__ import annotations

from pathlib import Path

from watcher.analysis.clean import clean_text
from watcher.analysis.segment import segment, split_sentences

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def test_english_abbreviations_do_not_split():
    text = (
        "Today, U.S. Secretary of Commerce Dr. Jane Doe met officials of the Japan-U.S. task force "
        "on item No. 5 with Gina M. Raimondo. They agreed to meet again."
    )
    assert split_sentences(text, "en") == [
        "Today, U.S. Secretary of Commerce Dr. Jane Doe met officials of the Japan-U.S. task force "
        "on item No. 5 with Gina M. Raimondo.",
        "They agreed to meet again.",
    ]


def test_abbreviation_ending_a_sentence_splits_before_an_opener():
    text = "They met in Washington, D.C. The following statement was issued."
    assert split_sentences(text, "en") == [
        "They met in Washington, D.C.",
        "The following statement was issued.",
    ]


def test_japanese_sentences_end_at_maru():
    text = "両閣僚は進捗を歓迎した。また、U.S.側は協力を確認した。"
    assert split_sentences(text, "ja") == [
        "両閣僚は進捗を歓迎した。",
        "また、U.S.側は協力を確認した。",
    ]


def test_bullets_and_items_link_to_their_lead_in():
    text = (
        "They committed to advance the following.\n\n"
        "- DOC and METI reaffirmed their commitment to cooperate, including:\n"
        "  - (1) maintaining alignment,\n"
        "  - (2) engaging in outreach, and\n"
        "- DOC and METI welcomed progress.\n\n"
        "A closing paragraph.\n\nAnother one."
    )
    units = segment(text)
    by_text = {u.text: u for u in units}
    lead = units.index(by_text["They committed to advance the following."])
    inner = units.index(
        by_text["DOC and METI reaffirmed their commitment to cooperate, including:"]
    )
    assert units[lead].is_lead_in and units[inner].is_lead_in
    assert by_text["(1) maintaining alignment,"].lead_in == inner
    assert by_text["(1) maintaining alignment,"].kind == "item"
    assert by_text["DOC and METI welcomed progress."].lead_in == lead
    assert by_text["A closing paragraph."].lead_in is None


def test_circled_numbers_are_items():
    units = segment("両閣僚は、以下で一致した。\n\n① 半導体\n② 量子")
    assert [u.kind for u in units] == ["para", "item", "item"]
    assert units[1].lead_in == 0


def test_reposted_seed_loses_its_clutter():
    cleaned = clean_text((SEEDS / "000_84579932796fbdfb.txt").read_text(encoding="utf-8"))
    assert cleaned.text.startswith("On May 26th, 2023,")
    assert cleaned.text.rstrip().endswith(
        "classical and quantum computer technologies in both countries."
    )
    for clutter in (
        "47.5 F",
        "seo services",
        "Latest stories",
        "Originally posted",
        "HomeBusiness",
    ):
        assert clutter not in cleaned.text
    assert "Thursday, March 28, 2024" in cleaned.head


def test_meti_chrome_is_removed():
    cleaned = clean_text((SEEDS / "002_e4360facdec260b6.txt").read_text(encoding="utf-8"))
    assert cleaned.text.startswith("On Wednesday, June 26,")
    for chrome in ("News Releases", "photo", "Division in Charge", "Americas Division"):
        assert chrome not in cleaned.text


def test_cleaning_plain_document_text_keeps_it():
    text = "First paragraph of the statement, long enough to read as prose.\n\n- a list item"
    assert clean_text(text).text == text
