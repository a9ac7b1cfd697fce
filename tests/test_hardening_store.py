"""Read-only snapshots of the store, and config errors that must stay one line (found in
review). No mocks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from state.store import Store
from watcher.cli import main
from watcher.models import ListingItem

NOW = datetime(2026, 8, 26, 9, 0, tzinfo=UTC)


def _write_items(db: Path, n: int) -> None:
    writer = Store.open(db)
    try:
        writer.ensure_source("meti-ja", "meti-ja", "https://www.meti.go.jp/press/category_02.html")
        with writer.transaction():
            writer.add_pending(
                "meti-ja",
                [
                    ListingItem(url=f"https://x.test/{i}", key=f"k{i:05d}", title="t" * 60)
                    for i in range(n)
                ],
                baseline=False,
                now=NOW,
            )
    finally:
        writer.close()  # the last connection: checkpoints into the main file, deletes the -wal


def test_readonly_store_is_a_consistent_snapshot_while_a_writer_commits(tmp_path: Path) -> None:
    # `check --dry-run` holds its read-only store for the whole pass (tens of seconds against
    # the live sites) and takes no lock, so a cron `check` or `run` may start and commit
    # meanwhile. Reading the file as immutable while it changes would give torn reads.
    db = tmp_path / "db.sqlite3"
    Store.open(db).close()
    reader = Store.open(db, readonly=True)
    try:
        assert reader.known_keys("meti-ja", ["k00000"]) == set()
        _write_items(db, 3000)
        # The reader works on a snapshot taken when it opened: it must not see half of the
        # writer's rows, nor a "malformed" database. A reader opened now sees them all.
        keys = [f"k{i:05d}" for i in range(3000)]
        assert reader.known_keys("meti-ja", keys) == set()
        assert reader.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        with Store.open(db, readonly=True) as fresh:
            assert fresh.source_state("meti-ja") is not None
            assert fresh.known_keys("meti-ja", keys) == set(keys)
    finally:
        reader.close()


def test_readonly_open_through_a_symlink_while_a_writer_is_active(tmp_path: Path) -> None:
    # The database path may be a symlink (data/ on another disk). SQLite keeps the -wal beside
    # the real file, so "no -wal beside the link" does not mean "no writer".
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / "db.sqlite3"
    link = tmp_path / "db.sqlite3"
    link.symlink_to(real)
    writer = Store.open(link)
    try:
        writer.ensure_source("meti-ja", "meti-ja", "https://www.meti.go.jp/press/category_02.html")
        assert (real_dir / "db.sqlite3-wal").exists()
        reader = Store.open(link, readonly=True)
        try:
            # The committed row lives in the writer's WAL; an immutable reader never looks there.
            assert reader.source_state("meti-ja") is not None
        finally:
            reader.close()
    finally:
        writer.close()


def test_huge_integer_duration_is_a_one_line_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "c.toml"
    # tomllib accepts integers of any size; float() of this one overflows.
    cfg.write_text("[fetch]\ntimeout = 1" + "0" * 400 + "\n", encoding="utf-8")
    try:
        code = main(["--config", str(cfg), "sources"])
    except OverflowError as exc:
        pytest.fail(f"{exc!r} escaped main(): a traceback instead of one line")
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1, err
