"""The archive end to end through the CLI: one judgement per release, one "same meeting" rule,
and the event summary read back as the type notifiers render from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from state import Store
from watcher.archive import Analyzer, Archive
from watcher.cli import main
from watcher.config import load_settings

# The 3rd JUCIP ministerial, held in Washington on 10 April 2024: the English release dates it
# 10 April, the Japanese one 11 April (Tokyo time). Neither links the other (files, not pages).
THIRD_EN = """\
Joint Readout: Third Ministerial Meeting of the Japan-U.S. Commercial and Industrial Partnership

April 10, 2024

On April 10, 2024, Secretary of Commerce Gina Raimondo and Minister of Economy, Trade and \
Industry Ken Saito held the third Japan-U.S. Commercial and Industrial Partnership (JUCIP) \
Ministerial Meeting in Washington, D.C.

The two Ministers agreed to strengthen cooperation to make supply chains of critical minerals, \
including gallium, germanium and graphite, more resilient.

The two Ministers committed to launch joint research on quantum computing use cases.
"""
THIRD_JA = """\
齋藤経済産業大臣がレモンド米国商務長官と第3回日米商務・産業パートナーシップ（JUCIP）閣僚会合を開催しました

2024年4月11日

2024年4月11日、齋藤経済産業大臣は、米国ワシントンD.C.において、ジーナ・レモンド米国商務長官と\
第3回日米商務・産業パートナーシップ（JUCIP）閣僚会合を開催しました。

両閣僚は、ガリウム、ゲルマニウム、黒鉛を含む重要鉱物のサプライチェーンの強靱化に向けて協力を強化する\
ことで一致した。

両閣僚は、量子コンピュータのユースケースに関する共同研究を開始することにコミットした。
"""
# A release filed by hand: it names no watched series, so only `--series` makes it JUCIP's.
UNNAMED = """\
Joint Statement on Semiconductors and Critical Minerals

January 15, 2025

On January 15, 2025, the Secretary of Commerce and the Minister of Economy, Trade and Industry \
held a ministerial meeting in Tokyo.

The two ministers committed to expand cooperation on semiconductors and to strengthen supply \
chains of critical minerals.

The two ministers agreed to cooperate on export controls on advanced technologies.
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[storage]\ndatabase = "{tmp_path / "db.sqlite3"}"\n')
    return cfg


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def import_text(
    config: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, *args: str
) -> dict[str, Any]:
    path = config.parent / name
    path.write_text(text, encoding="utf-8")
    return cli_json(capsys, "--config", str(config), "import", str(path), *args)  # type: ignore[no-any-return]


def open_archive(config: Path) -> Archive:
    settings = load_settings(config)
    return Archive(Store.open(settings.storage.database, readonly=True), Analyzer(settings))


@pytest.mark.parametrize("order", [("en", "ja"), ("ja", "en")])
def test_the_japanese_release_is_not_compared_with_the_english_one_of_its_meeting(
    config: Path, capsys: pytest.CaptureFixture[str], order: tuple[str, str]
) -> None:
    texts = {"en": THIRD_EN, "ja": THIRD_JA}
    imported = {lang: import_text(config, capsys, f"{lang}.txt", texts[lang]) for lang in order}
    assert imported["en"]["event_id"] == imported["ja"]["event_id"]  # grouped as one meeting
    archive = open_archive(config)
    try:
        for lang in ("ja", "en"):
            summary = archive.summarise(imported[lang]["id"])
            assert summary is not None and summary.comparison is not None
            old = summary.comparison.old
            # The previous meeting (the bundled 2nd ministerial), not the other language version.
            assert old.meeting is not None and old.meeting.ordinal == 2, (lang, old)
            # Critical minerals are new to the series here, whichever version came first.
            assert "critical-minerals" in summary.comparison.first_in_series
    finally:
        archive.store.close()


def test_import_with_series_is_one_judgement_with_a_full_statement(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imported = import_text(config, capsys, "unnamed.txt", UNNAMED, "--series", "jucip")
    assert imported["relevance"] == "primary" and imported["series"] == ["jucip"]
    archive = open_archive(config)
    try:
        row = archive.store.document(imported["id"])
        assert row is not None and row.relevance == "primary" and row.statement is not None
        stored = row.statement
    finally:
        archive.store.close()
    # The stored statement says what the judgement said, extracted in full.
    assert stored["relevance"] == "primary" and stored["series"] == ["jucip"]
    assert {"semiconductors", "critical-minerals", "export-controls"} <= set(stored["topics"])
    assert stored["meeting"]["series"] == "jucip" and stored["meeting"]["date"] == "2025-01-15"
    assert len(stored["commitments"]) == 2
    # It is the latest JUCIP statement now: `compare` takes it, against the 4th ministerial.
    latest = cli_json(capsys, "--config", str(config), "compare")
    assert latest["new"]["url"] == imported["url"]
    assert latest["old"]["meeting"]["ordinal"] == 4
    # And a later release filed by hand finds it as its predecessor.
    later = UNNAMED.replace("January 15, 2025", "June 3, 2025")
    second = import_text(config, capsys, "later.txt", later, "--series", "jucip")
    archive = open_archive(config)
    try:
        summary = archive.summarise(second["id"])
    finally:
        archive.store.close()
    assert summary is not None and summary.comparison is not None
    assert summary.comparison.old.url == imported["url"]


def test_a_silent_meeting_reads_the_same_for_the_bot_and_the_tracker(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Imports are archived silently (no stored summary); the Japanese version names one topic
    # the English one does not. The bot's /topic and the tracker both see the whole meeting.
    from notifiers.summaries import all_summaries
    from watcher.tracker.read import meeting_inputs

    en = import_text(config, capsys, "en.txt", THIRD_EN)
    extra = "両閣僚は、半導体分野における協力を拡大することで一致した。\n"
    ja = import_text(config, capsys, "ja.txt", THIRD_JA + "\n" + extra)
    assert en["event_id"] == ja["event_id"]
    archive = open_archive(config)
    try:
        [third] = [s for s in all_summaries(archive) if s.url == en["url"]]
        assert "semiconductors" in third.topics
        tracked = [m.summary for m in meeting_inputs(archive.store, archive.analyzer)]
        assert third in tracked
    finally:
        archive.store.close()
