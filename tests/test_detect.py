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
        "Today, Secretary Raimondo hosted Minister Nishimura in Washington for the fifth "
        "ministerial meeting of the Japan-U.S. Commercial and Industrial Partnership (JUCIP).\n\n"
        "They agreed to deepen cooperation on semiconductors."
    )
    d = detect(title, text, CATALOG)
    assert d.relevance is Relevance.PRIMARY and d.series == ("jucip",)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        # The same ministers meet outside the series: the readout refers to JUCIP's work and to
        # its next meeting, neither of which is this meeting.
        (
            "Readout of Secretary Raimondo's Meeting with Japanese Minister of Economy Nishimura",
            "Today, Secretary Raimondo met Minister Nishimura to review progress under the "
            "Japan-U.S. Commercial and Industrial Partnership (JUCIP).\n\n"
            "They agreed to convene the next JUCIP ministerial meeting in the spring.",
        ),
        (
            "Readout of Secretary Raimondo's Call with Japanese Minister of Economy Saito",
            "Today, Secretary Raimondo spoke by phone with Minister Saito about the JUCIP "
            "ministerial meeting they held last week in Tokyo.",
        ),
        (
            "経済産業大臣が米国商務長官と電話会談を行いました",
            "本日、経済産業大臣は米国商務長官と電話会談を行い、来月の日米商務・産業パートナーシップ"
            "（JUCIP）閣僚会合に向けて意見交換を行いました。",
        ),
        (
            "経済産業大臣の閣議後記者会見の概要",
            "冒頭発言\n\n本日は私から特にございません。\n\n質疑応答\n\n"
            "Q：先週の日米商務・産業パートナーシップ（JUCIP）閣僚会合の成果は。\n\n"
            "A：半導体分野での協力を確認しました。",
        ),
        (
            "外務大臣会見記録",
            "冒頭発言\n\n本日は特にありません。\n\n【記者】日米経済版「2+2」閣僚会合の成果は。\n\n"
            "【大臣】協力を確認しました。\n\n【記者】次の質問です。",
        ),
        # The title names the series, but the occasion is a call.
        (
            "Readout of Secretary Raimondo's Call with Minister Saito on JUCIP Cooperation",
            "Today, Secretary Raimondo spoke with Minister Saito about cooperation under JUCIP.",
        ),
        (
            "Minister Nishimura Visits the United States",
            "Minister Nishimura visited Washington, D.C. from January 4 to 7.\n\n"
            "He met Secretary Raimondo and confirmed that cooperation under JUCIP will continue.",
        ),
    ],
)
def test_other_occasions_with_the_same_ministers_are_mentions(title: str, text: str) -> None:
    assert detect(title, text, CATALOG).relevance is Relevance.MENTION


# Hard negatives (written for these tests): dialogues that share the words of JUCIP and the EPCC
# but not its parties. "Economic 2+2" is the EPCC only between the United States and Japan.
@pytest.mark.parametrize(
    ("title", "text"),
    [
        # Japan's economic "2+2" with other countries.
        (
            'The Second Japan-Australia Economic "2+2" Ministerial Consultations',
            "The foreign and trade ministers of Japan and Australia held the second Economic "
            '"2+2" in Canberra and confirmed cooperation on critical minerals.',
        ),
        (
            "第2回日比経済版「2+2」閣僚会合を開催しました",
            "経済産業大臣は、外務大臣とともに、マニラにおいて第2回日比経済版「2+2」閣僚会合を"
            "開催しました。経済版「2+2」では重要鉱物について議論しました。",
        ),
        (
            'Ministers Hold Economic "2+2" Talks',
            'The first Economic "2+2" between Japan and the Philippines was held in Manila, '
            "where the ministers discussed supply chains.",
        ),
        # Other countries' "2+2" with the United States.
        (
            "Joint Statement on the U.S.-Philippines 2+2 Ministerial Dialogue",
            "The Secretaries of State and Defense met their Philippine counterparts for the "
            "fourth 2+2 and welcomed trilateral cooperation with Japan.",
        ),
        (
            "第5回米印2+2閣僚対話に関する共同声明",
            "国務長官と国防長官は、インドの外相及び国防相と第5回米印2+2閣僚対話を開催した。"
            "閣僚は日本を含むクアッドの協力を歓迎した。",
        ),
        # The U.S.-Japan Security Consultative Committee (the security "2+2").
        (
            'Joint Statement of the U.S.-Japan Security Consultative Committee ("2+2")',
            "The Secretaries of State and Defense and their Japanese counterparts met in "
            "Washington for the Security Consultative Committee and discussed economic security.",
        ),
        (
            "日米安全保障協議委員会（日米「2+2」）の開催",
            "東京において日米「2+2」が開催され、4閣僚は経済安全保障を含む同盟の協力を確認した。",
        ),
        # Commercial and industrial partnerships with a third country.
        (
            "Joint Statement on the U.S.-India Commercial Dialogue",
            "The Secretary of Commerce and India's Minister of Commerce and Industry held the "
            "Commercial Dialogue and launched a semiconductor supply chain partnership.",
        ),
        (
            "日英産業パートナーシップ閣僚会合を開催しました",
            "経済産業大臣は英国ビジネス貿易大臣と日英産業パートナーシップ閣僚会合を開催しました。",
        ),
        # The 2025 successor framework.
        (
            "First Meeting of the U.S.-Japan Consultation Committee on Strategic Investment",
            "The Secretary of Commerce and Japan's Minister convened the Consultation Committee "
            "under the investment memorandum signed in September 2025.",
        ),
        (
            "日米戦略的投資に関する協議委員会の第1回会合を開催しました",
            "日米戦略的投資に関する協議委員会の第1回会合を開催し、投資案件について議論しました。",
        ),
    ],
)
def test_neighbours_that_share_the_words_are_not_the_series(title: str, text: str) -> None:
    assert detect(title, text, CATALOG).relevance is Relevance.NONE


def test_a_japan_uk_release_that_names_the_epcc_is_a_mention_of_it_only() -> None:
    d = detect(
        'The First Japan-UK Economic "2+2" Ministerial Dialogue',
        'The ministers held the first Japan-UK Economic "2+2" in London, modelled on the '
        "Japan-U.S. Economic Policy Consultative Committee (EPCC).",
        CATALOG,
    )
    # The EPCC's full name and its acronym; neither Japan-UK "Economic 2+2" counts.
    assert d.relevance is Relevance.MENTION and d.counts == {"epcc": 2}


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Secretary Blinken and Secretary Raimondo at a Joint Press Availability",
            "SECRETARY BLINKEN: We have just concluded the third meeting of the U.S.-Japan "
            "Economic Policy Consultative Committee.\n\nQUESTION: On Taiwan, first.\n\n"
            "SECRETARY BLINKEN: Our policy has not changed.\n\nQUESTION: And China?",
        ),
        (
            "日米経済版「2+2」閣僚会合後の共同記者会見",
            "【外務大臣】本日、日米経済政策協議委員会（経済版「2+2」）閣僚会合を開催しました。\n\n"
            "【記者】質問です。\n\n【外務大臣】回答です。\n\n【記者】もう一つ伺います。",
        ),
        (
            "Secretary Raimondo To Host Minister Saito",
            "On Monday, March 3, Secretary Raimondo will host Minister Saito in Washington for the "
            "fifth ministerial meeting of the Japan-U.S. Commercial and Industrial Partnership.",
        ),
        (
            "Joint Statement between the Secretary of Commerce and the Minister of Economy",
            "The Secretary and the Minister met in Tokyo today.\n\nTo this end, the Secretary and "
            "the Minister established the Japan-U.S. Commercial and Industrial Partnership.",
        ),
    ],
)
def test_releases_about_the_meeting_whatever_their_title(title: str, text: str) -> None:
    assert detect(title, text, CATALOG).relevance is Relevance.PRIMARY


def test_a_trip_whose_title_names_the_series_meeting_is_about_it() -> None:
    title = "Minister Saito Visits Washington and Holds the Fifth JUCIP Ministerial Meeting"
    text = "Minister Saito visited Washington from March 2 to 4."
    assert detect(title, text, CATALOG).relevance is Relevance.PRIMARY


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
