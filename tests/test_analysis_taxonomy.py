"""The taxonomy data file, user extension through config, and meeting details."""

from __future__ import annotations

from datetime import date

from watcher.analysis.extract import extract_statement
from watcher.analysis.meeting import find_date, find_ordinal
from watcher.analysis.taxonomy import load_taxonomy
from watcher.config import TopicConfig
from watcher.detect import detect
from watcher.models import Document
from watcher.series import load_catalog

# The topic ids the project specifies (a public contract: JSON output and config use them).
DOCUMENTED_IDS = {
    "semiconductors",
    "export-controls",
    "supply-chains",
    "critical-minerals",
    "telecommunications",
    "data-flows",
    "esg",
    "investment",
    "pacific-islands",
    "cybersecurity",
    "biotechnology",
    "quantum",
    "artificial-intelligence",
    "energy-climate",
    "economic-coercion",
    "non-market-practices",
    "human-rights",
    "third-countries",
    "critical-technologies",
    "infrastructure",
    "standards",
    "ipef",
    "economic-order",
}


def test_builtin_ids_are_the_documented_ones():
    ids = set(load_taxonomy().ids)
    assert len(ids) == 23
    assert ids == DOCUMENTED_IDS


def test_cues_handle_plurals_hyphens_and_overlaps():
    tax = load_taxonomy()
    assert tax.tag("resilient supply-chains and overcapacities") == (
        "supply-chains",
        "non-market-practices",
    )
    # The longer cue wins: IPEF, not also "Indo-Pacific" for third countries.
    assert tax.tag("the Indo-Pacific Economic Framework for Prosperity") == ("ipef",)
    assert tax.tag("重要・新興技術と重要新興技術") == ("critical-technologies",)
    assert tax.tag("Said the chair.") == ()


def test_user_extends_the_taxonomy():
    extra = [
        TopicConfig(id="space", label="Space", cues_en=["outer space"], cues_ja=["宇宙"]),
        TopicConfig(id="semiconductors", cues_en=["wafer fab"]),
    ]
    tax = load_taxonomy(extra)
    assert tax.tag("cooperation in outer space") == ("space",)
    assert tax.tag("宇宙協力") == ("space",)
    assert tax.tag("a new wafer fab") == ("semiconductors",)
    assert tax.label("space") == "Space"
    assert "space" not in load_taxonomy().ids  # the built-in one is unchanged

    doc = Document(
        url="u",
        title="JUCIP joint statement",
        text=(
            "On May 1, 2025, the Secretary and the Minister held the sixth Ministerial Meeting "
            "of the Japan-U.S. Commercial and Industrial Partnership (JUCIP) in Osaka.\n\n"
            "They agreed to cooperate in outer space and on semiconductors."
        ),
        lang="en",
        date=date(2025, 5, 2),
    )
    catalog = load_catalog()
    st = extract_statement(doc, detect(doc.title, doc.text, catalog), taxonomy=tax, catalog=catalog)
    assert st.commitments[-1].topics == ("semiconductors", "space")


def test_year_is_inferred_from_the_posting_date():
    assert find_date("On Wednesday, June 26, they met", date(2024, 6, 27)) == (
        date(2024, 6, 26),
        "inferred",
    )
    # Held in late December, posted in early January.
    assert find_date("On December 30, they met", date(2025, 1, 2)) == (
        date(2024, 12, 30),
        "inferred",
    )
    assert find_date("2023年5月26日、両閣僚は", None) == (date(2023, 5, 26), "text")
    assert find_date("令和5年5月26日に開催", None) == (date(2023, 5, 26), "text")


def test_ordinals():
    assert find_ordinal("Joint Statement for the Second Ministerial Meeting") == 2
    assert find_ordinal("held the 4th Japan-U.S. JUCIP Ministerial Meeting") == 4
    assert find_ordinal("第2回 日米商務・産業パートナーシップ") == 2
    assert find_ordinal("第十二回会合") == 12
    # A day of the month is not an ordinal.
    assert find_ordinal("On May 26th, 2023, the Secretary met the Minister") is None


def test_a_first_meeting_of_two_people_is_not_a_series_ordinal():
    from watcher.series import load_catalog

    catalog = load_catalog()
    assert find_ordinal("their first meeting since the Minister took office", catalog) is None
    assert find_ordinal("the third meeting of the EPCC was held", catalog) == 3
