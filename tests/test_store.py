"""The SQLite store: migrations, WAL, the writer lock, and pending items surviving a crash."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from state import LockHeld, Store, StoreError, WriterLock
from state.store import ItemRow
from watcher.models import ListingItem
from watcher.policy import Policy

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
# Two quick attempts, then daily, given up after a week (watcher/policy.py decides; the store
# keeps the counts and times the decisions are made from).
POLICY = Policy(quick_attempts=2, retry_every=timedelta(days=1), give_up_after=timedelta(days=7))


def test_new_database_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "x.sqlite3"
    with Store.open(db) as store:
        assert store.schema_version >= 1
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Store.open(db) as again:  # reopening does not re-run migrations
        assert again.schema_version >= 1


def test_readonly_needs_an_existing_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="run `jucip-watch check` first"):
        Store.open(tmp_path / "none.sqlite3", readonly=True)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite3"
    Store.open(db).close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(StoreError, match="newer than this"):
        Store.open(db)


def test_garbage_file_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot use database"):
        Store.open(db)


def test_pending_items_survive_a_reopen_and_finish_once(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite3"
    items = [
        ListingItem(url=f"https://e/{i}", key=f"k{i}", title=f"t{i}", date=date(2026, 1, i + 1))
        for i in range(3)
    ]
    with Store.open(db) as store:
        store.ensure_source("s", "meti-ja", "https://e/")
        with store.transaction():
            store.add_pending("s", items, baseline=False, now=NOW)
            store.add_pending("s", items[:1], baseline=False, now=NOW)  # no duplicates
        store.finish_item("s", "k0", "none")
    with Store.open(db) as store:  # as after a crash: the rest is still pending
        assert [p.key for p in pending(store)] == ["k1", "k2"]
        assert store.known_keys("s", ["k0", "k1", "zz"]) == {"k0", "k1"}


def pending(store: Store, now: datetime = NOW) -> list[ItemRow]:
    """The pending items due for a pass at `now`."""
    return [item for item in store.pending_items("s") if POLICY.item_due(item, now)]


def troubled(store: Store) -> list[ItemRow]:
    return [item for item in store.failing_items("s") if POLICY.troubled(item)]


def test_failing_items_retry_quickly_then_daily_then_are_given_up(tmp_path: Path) -> None:
    def fail(now: datetime) -> tuple[int, bool]:
        [item] = [i for i in store.pending_items("s") if i.key == "k"]
        verdict = POLICY.after_failure(item, now)
        store.fail_item("s", "k", "HTTP 500", now=now, give_up=verdict.give_up)
        return verdict.attempts, verdict.give_up

    with Store.open(tmp_path / "x.sqlite3") as store:
        store.add_pending("s", [ListingItem(url="u", key="k", title="t")], baseline=False, now=NOW)
        assert fail(NOW) == (1, False)
        assert [p.attempts for p in pending(store)] == [1]  # quick retry: due at once
        assert fail(NOW) == (2, False)
        assert pending(store) == []  # now daily: not due again the same day...
        assert [p.key for p in pending(store, NOW + timedelta(days=1))] == ["k"]  # ...next day
        assert [(t.url, t.state, t.attempts) for t in troubled(store)] == [("u", "pending", 2)]
        assert fail(NOW + timedelta(days=3)) == (3, False)
        assert fail(NOW + timedelta(days=8)) == (4, True)  # a week of failures: given up
        assert pending(store, NOW + timedelta(days=30)) == []
        assert [t.state for t in troubled(store)] == ["failed"]
        assert store.failing_items("s")[0].attempts == 4  # the counts are the store's


def test_rollback_leaves_nothing(tmp_path: Path) -> None:
    with Store.open(tmp_path / "x.sqlite3") as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.add_pending(
                "s", [ListingItem(url="u", key="k", title="t")], baseline=False, now=NOW
            )
            raise RuntimeError("killed mid-way")
        assert store.known_keys("s", ["k"]) == set()


def test_second_writer_is_told_who_holds_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite3"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from state import WriterLock\n"
            f"with WriterLock(Path({str(db)!r}), purpose='run'):\n"
            "    print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeld, match=r"pid \d+, run"):
            WriterLock(db, purpose="check", wait=0.3).acquire()
    finally:
        holder.kill()
        holder.wait()
    # The kernel released the dead holder's lock: no stale lock file blocks us.
    with WriterLock(db, purpose="check"):
        pass


def test_a_schema_1_database_is_upgraded_in_place(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    first = (Path(__file__).parent.parent / "state/migrations/0001_initial.sql").read_text()
    conn = sqlite3.connect(db)
    conn.executescript(first + "\nPRAGMA user_version = 1;")
    conn.execute(
        "INSERT INTO items (source, key, url, title, state, first_seen_at) "
        "VALUES ('s', 'k', 'u', 't', 'pending', ?)",
        (NOW.isoformat(),),
    )
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="run `jucip-watch check`"):
        Store.open(db, readonly=True)  # readers do not migrate; they say what to do
    with Store.open(db) as store:
        assert store.schema_version == 2
        assert [p.key for p in pending(store)] == ["k"]  # the old row survived the upgrade
