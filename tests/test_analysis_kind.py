"""The document kind (issue 8) on texts written for these tests; the labelled corpus in
tests/fixtures/cases measures it at scale (bench/quality_cases.py)."""

from __future__ import annotations

import pytest

from watcher.analysis.kind import KINDS, document_kind


@pytest.mark.parametrize(
    ("title", "text", "url", "kind"),
    [
        (
            "Joint Statement of the U.S.-Japan Economic Policy Consultative Committee",
            "The Ministers affirmed their cooperation.",
            "",
            "joint-statement",
        ),
        (
            "第5回日米商務・産業パートナーシップ閣僚会合 共同声明（仮訳）",
            "両閣僚は協力を確認した。",
            "",
            "joint-statement",
        ),
        (
            "U.S.-Japan Vice-Ministerial Meeting",
            "The text of the following joint statement was released by the Governments of the "
            "United States of America and Japan.\n\nBegin Text:\n\nThe vice-ministers met.",
            "https://www.state.gov/x/",
            "joint-statement",
        ),
        (
            "Readout of Secretary Raimondo's Call with Minister Saito",
            "Today, Secretary Raimondo spoke by phone with Minister Saito.",
            "",
            "joint-readout",
        ),
        (
            "U.S.-Japan Economic Policy Consultative Committee Vice-Ministerial Meeting",
            "On March 3, the Under Secretary hosted the Vice-Minister in Washington.",
            "https://www.state.gov/u-s-japan-vice-ministerial/",
            "joint-readout",
        ),
        (
            "Secretary Raimondo To Travel to Tokyo",
            "Secretary Raimondo will travel to Tokyo next week.",
            "",
            "media-note",
        ),
        (
            "経済産業大臣が米国を訪問します",
            "経済産業大臣は、来週、米国を訪問する予定です。ワシントンで閣僚会合に出席します。",
            "",
            "media-note",
        ),
        (
            "Press Briefing by the Minister",
            "Q: A first question.\n\nA: An answer.\n\nQ: Another question.\n\nA: Another answer.",
            "",
            "press-conference",
        ),
        (
            "経済産業大臣の閣議後記者会見の概要",
            "冒頭発言\n\n特にありません。\n\n質疑応答\n\nQ：質問です。\n\nA：回答です。",
            "",
            "press-conference",
        ),
        (
            "Remarks by Secretary Raimondo at the Opening of the Ministerial Meeting",
            "Good morning, and welcome.",
            "",
            "remarks",
        ),
        (
            "経済産業大臣挨拶",
            "本日は皆様にお集まりいただき、誠にありがとうございます。",
            "",
            "remarks",
        ),
        (
            "西村経済産業大臣がレモンド米国商務長官と会談を行いました",
            "西村経済産業大臣は、レモンド米国商務長官と会談を行いました。",
            "https://www.meti.go.jp/press/2023/01/20230106001/20230106001.html",
            "ministry-release",
        ),
        ("FACT SHEET: A Leaders' Visit", "Today, the President welcomed ...", "", "other"),
    ],
)
def test_kinds(title: str, text: str, url: str, kind: str) -> None:
    assert kind in KINDS
    assert document_kind(title, text, url) == kind


def test_a_ministry_release_that_quotes_the_joint_statement_is_the_ministry_release() -> None:
    title = "経済産業大臣が米国商務長官と日米商務・産業パートナーシップ閣僚会合を開催しました"
    text = "閣僚会合を開催しました。会合後、以下の共同声明を発出しました。\n\n（共同声明仮訳）"
    assert document_kind(title, text) == "ministry-release"


def test_a_heading_or_frame_makes_a_statement_unless_the_title_reports_the_meeting() -> None:
    heading = "Joint Statement\n\nMay 4, 2027\n\nThe Secretary and the Minister met in Tokyo."
    assert document_kind("First Ministerial Meeting of the Partnership", heading) == (
        "joint-statement"
    )
    assert document_kind("Minister Yamada Holds the First Ministerial Meeting", heading) == (
        "ministry-release"
    )
    title = "経済産業大臣が米国商務長官と閣僚会合を開催しました"
    quoted = "共同声明（仮訳）\n\n両閣僚は協力を確認した。"
    assert document_kind(title, quoted) == "ministry-release"
