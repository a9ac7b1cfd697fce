"""The command line as users and scripts meet it: exit codes, one-line errors, the daemon."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from poll_helpers import run_cli

from replay import ReplayServer
from replay.process import Daemon
from state import WriterLock
from watcher.cli import main

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def seed(prefix: str) -> str:
    return str(next(SEEDS.glob(f"{prefix}_*.txt")))


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('[fetch]\ntimeout = "soon"\n', "fetch.timeout"),
        ("[[sources]]\nname = 'x'\nkind = 'ftp'\n", "sources[0].kind"),
        ("not toml at all = = =\n", "not valid TOML"),
    ],
)
def test_bad_config_is_one_line_and_exit_1(tmp_path: Path, content: str, fragment: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(content)
    result = run_cli("--config", str(cfg), "check")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0]
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_1(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["check", "--bogus"])
    assert exit_.value.code == 1
    assert main(["--config", str(config_path), "check", "--source", "nope"]) == 1
    assert "no source named 'nope'" in capsys.readouterr().err


def test_second_writer_gets_exit_4(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = config_path.parent / "db.sqlite3"
    with WriterLock(db, purpose="run"):
        code = main(["--config", str(config_path), "check", "--wait", "0.2"])
    assert code == 4
    err = capsys.readouterr().err
    assert f"pid {os.getpid()}, run" in err and "holds the lock" in err


def test_read_only_commands_work_while_a_writer_holds_the_lock(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config_path), "check", "--source", "meti-en"]) == 0
    capsys.readouterr()
    with WriterLock(config_path.parent / "db.sqlite3", purpose="run"):
        assert main(["--config", str(config_path), "history", "--json"]) == 0
        releases = json.loads(capsys.readouterr().out)["releases"]
        assert main(["--config", str(config_path), "sources"]) == 0
    assert any("0627_001" in r["url"] for r in releases)
    assert "meti-en" in capsys.readouterr().out


def test_human_check_output(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config_path), "check", "--source", "meti-ja"]) == 0
    out = capsys.readouterr().out
    assert "meti-ja" in out and "ok" in out
    assert "第2回日米商務・産業パートナーシップ" in out
    assert "baseline" in out
    assert "[ja]" in out  # the release's language, not taken for a rich style tag


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: p.write_bytes(b""), "is empty"),
        (lambda p: p.write_bytes(bytes(range(256)) * 4), "binary"),
        (lambda p: p.write_text("\n\n  \n"), "is empty"),
        (lambda p: None, "no such file"),
    ],
)
def test_extract_bad_input(tmp_path: Path, make, fragment: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "input.txt"
    make(target)
    result = run_cli("extract", str(target))
    assert result.returncode == 1
    assert fragment in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_extract_analyses_every_page_with_text(tmp_path: Path) -> None:
    """A page that names no watched series still gets its analysis (issue 8), exit 0."""
    target = tmp_path / "input.txt"
    target.write_text(
        "Secretary Raimondo Announces Export Grants\n\nThe Department announced grants to help "
        "small firms export, and to build resilient supply chains for semiconductors.\n",
        encoding="utf-8",
    )
    result = run_cli("extract", str(target), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["relevance"] == "none" and data["series"] == [] and data["meeting"] is None
    assert data["kind"] == "ministry-release" and data["commitments"] == []
    assert data["topics"] == ["semiconductors", "supply-chains"]


def test_extract_of_a_failing_url_is_one_line(sites: dict[str, ReplayServer]) -> None:
    sites["meti"].add("/gone.html", status=404, body=b"")
    result = run_cli("extract", sites["meti"].url("/gone.html"))
    assert result.returncode == 1
    assert "cannot fetch" in result.stderr and "404" in result.stderr


def test_extract_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", seed("002"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"title", "date", "lang", "series", "relevance", "meeting", "topics", "commitments"} <= (
        data.keys()
    )
    assert data["relevance"] == "primary" and data["series"][0] == "jucip"
    assert data["meeting"]["ordinal"] == 4 and data["meeting"]["level"] == "ministerial"
    assert "critical-minerals" in data["topics"]
    for c in data["commitments"]:
        assert {"text", "topics", "actors", "strength"} <= c.keys()


def test_extract_from_a_url_uses_the_page(
    sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    url = sites["meti"].url("/press/2023/05/20230526001/20230526001.html")
    assert main(["extract", url, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["lang"] == "ja" and data["meeting"]["ordinal"] == 2
    assert "担当" not in " ".join(c["text"] for c in data["commitments"])


def test_compare_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", seed("000"), seed("002"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"old", "new", "new_topics", "continued_topics", "dropped_topics", "commitments"} <= (
        data.keys()
    )
    assert set(data["commitments"]) >= {"new", "continued", "dropped"}
    assert "critical-minerals" in data["new_topics"]
    assert "export-controls" in data["continued_topics"]
    # The 4th's METI release against the 2nd's joint statement: a caveat, and the topics the
    # release leaves out are not in the summary rather than dropped.
    assert data["caveat"] and data["dropped_topics"] == []
    assert {"telecommunications", "data-flows", "pacific-islands"} <= set(data["not_in_summary"])


def test_compare_needs_two_or_none(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", seed("000")]) == 1
    assert "two statements" in capsys.readouterr().err


def test_import_then_compare_latest_pair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[storage]\ndatabase = "{tmp_path / "db.sqlite3"}"\n')
    assert main(["--config", str(cfg), "import", seed("002"), "--json"]) == 0
    imported = json.loads(capsys.readouterr().out)
    assert imported["series"] == ["jucip"] and imported["relevance"] == "primary"
    assert main(["--config", str(cfg), "import", seed("004")]) == 0  # a mention is archived too
    capsys.readouterr()
    assert main(["--config", str(cfg), "compare", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["new"]["meeting"]["ordinal"] == 4
    assert data["old"]["meeting"]["ordinal"] == 2  # from the bundled history


def test_import_of_an_unrelated_text_needs_a_series(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "other.txt"
    text.write_text(
        "Joint Statement on Shipbuilding.\n\nThe two ministers committed to expand cooperation "
        "on shipbuilding and agreed to meet again next year.\n"
    )
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[storage]\ndatabase = "{tmp_path / "db.sqlite3"}"\n')
    assert main(["--config", str(cfg), "import", str(text)]) == 1
    assert "--series" in capsys.readouterr().err
    assert main(["--config", str(cfg), "import", str(text), "--series", "jucip"]) == 0


def test_run_polls_on_schedule_and_stops_cleanly_on_sigterm(config_path: Path) -> None:
    with config_path.open("a") as f:
        f.write('\n[schedule]\ninterval = "1h"\njitter = 0\n')
    daemon = Daemon(config_path)
    try:
        daemon.wait(lambda: len(daemon.sources_cycled()) == 6)
        assert len(daemon.sources_cycled()) == 6, daemon.log()
        # A check while the daemon runs is refused with the holder named.
        blocked = run_cli("--config", str(config_path), "check", "--wait", "0")
        assert blocked.returncode == 4 and "run" in blocked.stderr
    finally:
        before = len(daemon.lines)
        code = daemon.stop(timeout=30)
    rest = "".join(daemon.lines[before:])
    assert code == 0
    assert "stopped" in rest
    assert "Traceback" not in daemon.log()


def test_sources_json_keeps_non_ascii_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "監視設定.toml"  # the config's path is part of the output
    cfg.write_text(f'[storage]\ndatabase = "{tmp_path / "db.sqlite3"}"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "sources", "--json"]) == 0
    out = capsys.readouterr().out
    # As every other --json output: UTF-8 text, not \\u escapes.
    assert "監視設定.toml" in out and "\\u" not in out
    assert json.loads(out)["config"] == str(cfg)


def test_every_command_of_the_parser_has_a_handler() -> None:
    """The parser and the dispatch table name the same commands, and each handler exists."""
    import argparse
    import importlib

    from watcher.cli import build_parser
    from watcher.commands import HANDLERS

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(HANDLERS)
    for module, name in HANDLERS.values():
        assert callable(getattr(importlib.import_module(module), name))
