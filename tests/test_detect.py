"""Relevance detection on the real seed texts and on hand-written negatives."""

from __future__ import annotations

from pathlib import Path

import pytest

from watcher.config import SeriesConfig
from watcher.detect import detect
from watcher.documents import document_from_text
from watcher.models import Relevance
from watcher.series import load_catalog

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
CATALOG = load_catalog()


def _seed(prefix: str) -> tuple[str, str]:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    doc = document_from_text(path.read_text(encoding="utf-8"), path.as_uri())
    return doc.title, doc.text


@pytest.mark.parametrize("seed", ["000", "001", "002", "003"])
def test_seed_statements_are_primary_jucip(seed: str) -> None:
    d = detect(*_seed(seed), CATALOG)
    assert d.relevance is Relevance.PRIMARY
    assert d.series[0] == "jucip"


def test_launch_statement_is_primary_although_its_title_does_not_name_jucip() -> None:
    title, text = _seed("001")
    assert "JUCIP" not in title
    assert detect(title, text, CATALOG).relevance is Relevance.PRIMARY


def test_analysis_article_only_mentions() -> None:
    d = detect(*_seed("004"), CATALOG)
    assert d.relevance is Relevance.MENTION
    assert set(d.series) == {"jucip", "epcc"}


def test_epcc_mentioned_in_the_jucip_statement_is_counted_not_primary() -> None:
    d = detect(*_seed("000"), CATALOG)
    assert d.series == ("jucip",)
    assert d.counts["epcc"] >= 1


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Readout of Secretary Raimondo's Meeting with Minister of Economy, Trade and Industry",
            "Secretary Raimondo met Minister Saito. They discussed semiconductors and export "
            "controls and agreed to stay in close contact.",
        ),
        (
            "井野経済産業副大臣がコロンビア共和国のゴメス商工観光大臣と会談を行いました",
            "会談では、両国間の経済関係の強化について意見交換を行った。\n\n担当 通商政策局 米州課",
        ),
        ("Commerce announces EPCCX grants", "The EPCCX program funds regional projects."),
        (
            "日米政府の戦略的投資イニシアティブに関する協議委員会の会合を開催しました",
            "日米政府の戦略的投資イニシアティブに関する協議委員会の第2回会合を開催しました。",
        ),
    ],
)
def test_negatives(title: str, text: str) -> None:
    assert detect(title, text, CATALOG).relevance is Relevance.NONE


def test_readout_whose_title_hides_the_series() -> None:
    title = "Readout of Secretary Raimondo's Meeting with Japanese Minister of Economy Nishimura"
    text = (
        "Today, Secretary Raimondo met Minister Nishimura to review progress under the "
        "Japan-U.S. Commercial and Industrial Partnership (JUCIP).\n\n"
        "They agreed to convene the next JUCIP ministerial meeting in the spring."
    )
    d = detect(title, text, CATALOG)
    assert d.relevance is Relevance.PRIMARY and d.series == ("jucip",)


def test_single_passing_reference_is_a_mention() -> None:
    title = "Secretary Raimondo announces new export promotion grants"
    text = (
        "The Department announced grants to help small firms export.\n\n"
        "The program complements cooperation with Japan, including under JUCIP, and with the EU."
    )
    assert detect(title, text, CATALOG).relevance is Relevance.MENTION


@pytest.mark.parametrize(
    "text",
    [
        "第3回 経済版「２＋２」閣僚会合を開催しました。両閣僚は協力を確認した。",
        "The Economic “2+2” met today. The Economic 2+2 reaffirmed its goals.",
        "日米経済政策協議委員会（経済版２＋２）を開催した。",
    ],
)
def test_normalised_aliases(text: str) -> None:
    assert "epcc" in CATALOG.find(text)


def test_configured_successor_series() -> None:
    catalog = load_catalog(
        [
            SeriesConfig(
                id="strategic-investment",
                name="Japan-U.S. Strategic Investment Initiative",
                aliases_ja=["日米政府の戦略的投資イニシアティブ"],
            )
        ]
    )
    d = detect(
        "日米政府の戦略的投資イニシアティブに関する協議委員会の会合を開催しました",
        "日米政府の戦略的投資イニシアティブに関する協議委員会の会合を開催しました。",
        catalog,
    )
    assert d.relevance is Relevance.PRIMARY and d.series == ("strategic-investment",)
