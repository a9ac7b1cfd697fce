"""`jucip-watch health`: the pure verdict on readings, and the command on a real store."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from replay import ReplayServer
from replay.loopback import config_text
from state import Store
from state.db import write_problem
from state.store import PollRecord
from watcher.cli import main
from watcher.health import OutboxReading, Readings, SourceReading, verdict

NOW = datetime(2026, 8, 26, 12, 0, tzinfo=UTC)
HOUR = 3600.0


def reading(name: str = "meti-ja", *, ago: float | None, **kw: object) -> SourceReading:
    polled = NOW - timedelta(seconds=ago) if ago is not None else None
    return SourceReading(name, interval=HOUR, last_polled_at=polled, **kw)  # type: ignore[arg-type]


def test_a_cycle_within_twice_the_interval_is_on_time() -> None:
    result = verdict(Readings(NOW, [reading(ago=2 * HOUR - 1)], store_problem=None))
    assert result.ok and result.line.startswith("healthy: 1 source(s) on time")


def test_a_cycle_older_than_twice_the_interval_is_late_and_named() -> None:
    result = verdict(Readings(NOW, [reading("commerce", ago=60), reading(ago=2 * HOUR + 60)], None))
    assert not result.ok
    assert result.line.startswith("unhealthy: meti-ja: last cycle finished 2.0 h ago")
    assert "due every 60 min" in result.line and len(result.problems) == 1


def test_a_pause_moves_the_due_time() -> None:
    # Backing off from a blocking site for six hours is not a dead daemon...
    paused = reading(ago=3 * HOUR, paused_until=NOW + timedelta(hours=3), status="blocked")
    result = verdict(Readings(NOW, [paused], None))
    assert result.ok
    assert "failing now: meti-ja (blocked)" in result.line
    # ...but a poll that did not come one interval after the pause ended is.
    ended = reading(ago=9 * HOUR, paused_until=NOW - timedelta(hours=1, minutes=1))
    assert not verdict(Readings(NOW, [ended], None)).ok


def test_a_source_never_polled_is_late() -> None:
    result = verdict(Readings(NOW, [reading(ago=None)], None))
    assert not result.ok and "never polled" in result.line


def test_the_store_comes_first_and_every_problem_is_counted() -> None:
    result = verdict(
        Readings(NOW, [reading(ago=None), reading("x", ago=None)], store_problem="disk full")
    )
    assert result.line == "unhealthy: disk full (and 2 more problem(s))"
    assert result.problems[1:] == tuple(p for p in result.problems if "never polled" in p)


def test_stuck_deliveries_are_a_problem_and_no_outbox_is_none() -> None:
    sources = [reading(ago=60)]
    assert verdict(Readings(NOW, sources, None, outbox=None)).ok
    assert verdict(Readings(NOW, sources, None, outbox=OutboxReading(0))).ok
    stuck = verdict(Readings(NOW, sources, None, outbox=OutboxReading(2, "telegram chat 42")))
    assert not stuck.ok and "2 delivery(ies) stuck" in stuck.line and "chat 42" in stuck.line


def _config(tmp_path: Path, sites: dict[str, ReplayServer]) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(
        config_text(sites, database=tmp_path / "db.sqlite3", only=("meti-ja", "meti-en"))
        + '\n[schedule]\ninterval = "20m"\n',
        encoding="utf-8",
    )
    return path


def test_health_command_before_and_after_a_cycle(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path, sites)
    assert main(["--config", str(cfg), "health"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no database" in err
    assert not (tmp_path / "db.sqlite3").exists()  # health never creates the store

    assert main(["--config", str(cfg), "check", "--json"]) == 0
    capsys.readouterr()
    assert main(["--config", str(cfg), "health", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] and data["problems"] == []
    # Nothing was fetched by health: the servers saw only check's requests.
    before = len(sites["meti"].requests)
    assert main(["--config", str(cfg), "health"]) == 0
    assert len(sites["meti"].requests) == before


def test_health_command_names_the_late_source(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path, sites)
    assert main(["--config", str(cfg), "check", "--json"]) == 0
    capsys.readouterr()
    # meti-en's last cycle ended 41 minutes ago: more than twice its 20-minute interval.
    old = datetime.now(UTC) - timedelta(minutes=41)
    with Store.open(tmp_path / "db.sqlite3") as store:
        store.record_poll("meti-en", PollRecord("ok", None, old, 0))
    assert main(["--config", str(cfg), "health"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("unhealthy: meti-en: last cycle finished 41 min ago, due every 20 min")
    assert len(err.splitlines()) == 1


def test_a_disabled_source_is_not_checked(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path, sites)
    assert main(["--config", str(cfg), "check", "--json", "--source", "meti-ja"]) == 0
    cfg.write_text(
        cfg.read_text(encoding="utf-8").replace(
            'name = "meti-en"', 'name = "meti-en"\nenabled = false'
        ),
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["--config", str(cfg), "health"]) == 0, capsys.readouterr().err


def test_write_probe_changes_nothing_and_reports_a_stuck_writer(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    Store.open(db).close()
    version = sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0]
    assert write_problem(db) is None
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == version
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        problem = write_problem(db, timeout=0.1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert problem is not None and "stayed locked by a writer" in problem


@pytest.mark.parametrize("command", [["check"], ["backfill", "--source", "meti-ja"], ["run"]])
def test_an_unwritable_data_directory_is_one_line_naming_the_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    cfg = tmp_path / "c.toml"
    # Nobody, root included, can create files under /proc.
    cfg.write_text(
        '[storage]\ndatabase = "/proc/jucip-watch-test/db.sqlite3"\n'
        '[[sources]]\nname = "meti-ja"\nkind = "meti-ja"\nurl = "http://127.0.0.1:9/x.html"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(cfg), *command]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "storage.database" in err and "must be writable by this user" in err
