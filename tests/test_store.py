"""The SQLite store: migrations, WAL, the writer lock, pending items surviving a crash, the readers
of events and documents, and read-only snapshots."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from state import LockHeld, Store, StoreError, WriterLock
from state.db import _migrations
from state.store import ItemRow, PollRecord
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
        assert store.schema_version == max(v for v, _ in _migrations())
        assert [p.key for p in pending(store)] == ["k"]  # the old row survived the upgrade


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


def test_events_are_read_back_whole_with_their_documents(tmp_path: Path) -> None:
    with Store.open(tmp_path / "x.sqlite3") as store, store.transaction():
        old = store.create_event(
            series="jucip",
            ordinal=2,
            level="ministerial",
            meeting_date=date(2023, 5, 26),
            title="2nd",
            baseline=True,
            now=NOW,
        )
        undated = store.create_event(
            series="epcc",
            ordinal=None,
            level=None,
            meeting_date=None,
            title="EPCC",
            baseline=False,
            now=NOW,
        )
        new = store.create_event(
            series="jucip",
            ordinal=3,
            level=None,
            meeting_date=None,
            title="3rd",
            baseline=False,
            now=NOW,
        )
        for url, lang, when, event in (
            ("https://m/ja", "ja", date(2024, 4, 11), new),
            ("https://m/en", "en", date(2024, 4, 10), new),
            ("https://s/epcc", "en", date(2023, 11, 15), undated),
        ):
            store.save_document(
                url=url,
                source="s",
                origin="poll",
                lang=lang,
                title=url,
                date=when,
                text="日米",
                content_hash="h",
                series=["jucip"],
                relevance="primary",
                alternates={},
                statement={"title": url},
                meeting_date=None,
                event_id=event,
                baseline=False,
                now=NOW,
            )
        store.fill_event(new, ordinal=None, level="ministerial", meeting_date=None)
        store.set_event_summary(new, {"title": "3rd", "links": {"ja": "https://m/ja"}})

    with Store.open(tmp_path / "x.sqlite3", readonly=True) as store:
        # Newest first, by meeting date, else by the first posting of its documents.
        assert [e.id for e in store.events()] == [new, undated, old]
        assert [e.id for e in store.events(series="jucip")] == [new, old]
        assert [e.id for e in store.events(baseline=False, limit=1)] == [new]
        latest = store.latest_event(series="jucip")
        assert latest is not None and latest == store.event(new)
        assert (latest.ordinal, latest.level, latest.first_posted) == (
            3,
            "ministerial",
            date(2024, 4, 10),
        )
        assert latest.summary == {"title": "3rd", "links": {"ja": "https://m/ja"}}
        docs = store.event_documents(new)
        assert [(d.lang, d.text, d.series, d.statement) for d in docs] == [
            ("ja", "日米", ("jucip",), {"title": "https://m/ja"}),
            ("en", "日米", ("jucip",), {"title": "https://m/en"}),
        ]
        assert store.document(docs[1].id) == store.document_by_url("https://m/en") == docs[1]
        assert store.latest_event(series="no-such") is None and store.event(999) is None


def test_a_reader_reads_in_place_and_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    # `history` and `sources` on a large archive: no copy of the database (it grows without
    # bound), no -wal/-shm left behind when no writer runs, not a byte of the file changed.
    db = tmp_path / "db.sqlite3"
    _write_items(db, 10)
    before = (db.read_bytes(), db.stat().st_mtime_ns, sorted(p.name for p in tmp_path.iterdir()))
    with Store.open(db, readonly=True) as reader:
        assert reader.known_keys("meti-ja", ["k00001"]) == {"k00001"}
        assert reader.conn.execute("PRAGMA database_list").fetchone()["file"] == str(db)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.conn.execute("DELETE FROM items")
    after = (db.read_bytes(), db.stat().st_mtime_ns, sorted(p.name for p in tmp_path.iterdir()))
    assert after == before


def test_a_reader_started_while_a_writer_runs_sees_its_commits_and_takes_no_lock(
    tmp_path: Path,
) -> None:
    db = tmp_path / "db.sqlite3"
    writer = Store.open(db)
    try:
        writer.ensure_source("meti-ja", "meti-ja", "https://x.test/")
        with Store.open(db, readonly=True) as reader:
            assert reader.source_state("meti-ja") is not None
            with writer.transaction():  # not blocked by the reader
                writer.record_poll("meti-ja", PollRecord("ok", None, NOW, 0))
    finally:
        writer.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.sqlite3"]
