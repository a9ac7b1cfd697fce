"""The database itself: opening, migrations, transactions, and rows mapped by column name.

No secret reaches the file: the connection redacts every text parameter (`_RedactingConnection`).
WAL mode so readers (`history`, `sources`) never block the writer; schema versioned by
`PRAGMA user_version` with SQL migrations in state/migrations/; every multi-row change in one
transaction, so a process killed at any point leaves either the old or the new state.

The tables' methods live in modules of their own, one per group of tables (state/sources.py,
state/events.py, state/subscribers.py, state/outbox.py), as mixins over `Tables`;
state/store.py assembles them into `Store`. A new group is a migration, a module and one more
base of `Store`.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import fields
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Generic, Self, TypeVar

from watcher.dates import iso
from watcher.secrets import redact

__all__ = [
    "Database",
    "RowMap",
    "StoreError",
    "Tables",
    "database_exists",
    "from_json",
    "iso",
    "to_date",
    "to_json",
    "to_time",
    "unwritable",
    "writable",
    "write_problem",
]

MEMORY = Path(":memory:")
T = TypeVar("T")


class StoreError(Exception):
    """The database cannot be used (unreadable, newer schema, corrupt): one clear line."""


def to_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def to_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def from_json(value: str | None) -> Any:
    return json.loads(value) if value else None


class RowMap(Generic[T]):
    """How one table's rows become a dataclass: by column name, with converters for the columns
    stored as text (dates, times, JSON) and optional SQL expressions for computed columns."""

    def __init__(
        self,
        cls: type[T],
        convert: Mapping[str, Callable[[Any], Any]] | None = None,
        computed: Mapping[str, str] | None = None,
    ) -> None:
        self.cls = cls
        self.names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
        self.convert = dict(convert or {})
        computed = computed or {}
        # The SELECT list: plain columns by name, computed ones as "(expr) AS name".
        self.columns = ", ".join(
            f"({computed[n]}) AS {n}" if n in computed else n for n in self.names
        )

    def load(self, row: sqlite3.Row) -> T:
        values = {}
        for name in self.names:
            value = row[name]
            convert = self.convert.get(name)
            values[name] = convert(value) if convert is not None else value
        return self.cls(**values)

    def load_all(self, rows: Iterator[sqlite3.Row] | list[sqlite3.Row]) -> list[T]:
        return [self.load(r) for r in rows]


def _clean(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class _RedactingConnection(sqlite3.Connection):
    """A connection through which no secret reaches the file: every text parameter of every
    statement passes the one redaction rule (watcher/secrets.py) first. Lookups are redacted
    the same way, so a URL stored redacted is found again by its unredacted form."""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return super().execute(sql, _cleaned(parameters))

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> sqlite3.Cursor:
        return super().executemany(sql, (_cleaned(p) for p in parameters))


def _cleaned(parameters: Any) -> Any:
    if isinstance(parameters, Mapping):
        return {k: _clean(v) for k, v in parameters.items()}
    return tuple(_clean(v) for v in parameters)


def _connect(target: str | Path, **kwargs: Any) -> sqlite3.Connection:
    return sqlite3.connect(target, isolation_level=None, factory=_RedactingConnection, **kwargs)


def _reader(path: Path) -> sqlite3.Connection:
    """A read-only connection to the database file in place, holding one snapshot for its life.

    Readers (`history`, `sources`, `compare`) must neither copy the database (it grows without
    bound) nor leave SQLite's -wal/-shm side files behind when no writer runs; and a writer may
    start and commit while they read. So SQLite's own WAL protocol does the work, never
    `immutable`: with a -wal beside the real file a writer is active (or died), and the reader
    opens read-only through the side files it finds. With none, no connection is open: the reader
    opens read-write, made read-only by `query_only`, because SQLite's last connection removes
    the side files on close only if it could write (it has nothing to write back: the WAL it
    created is empty unless a writer committed meanwhile). `BEGIN` plus a first read pins one
    consistent snapshot until close.
    """
    from urllib.parse import quote

    real = path.resolve()  # SQLite keeps the -wal beside the real file, not beside a symlink
    mode = "ro" if Path(str(real) + "-wal").exists() else "rw"
    conn = _connect(f"file:{quote(str(real))}?mode={mode}", uri=True)
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA query_only=ON")
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def database_exists(path: Path) -> bool:
    """Whether the readers have a database at `path`: False when none was created yet (nothing
    polled: an empty archive), StoreError when none can ever be there (the path is a
    directory, lies under a file, or its folder cannot be written), so a broken path is an
    error rather than an archive that looks empty."""
    path = Path(path)
    try:
        if path.is_dir():
            raise StoreError(f"cannot use database {path}: it is a directory")
        if path.exists():
            return True
        folder = next(p for p in path.absolute().parents if p.exists())
    except OSError as exc:
        raise StoreError(f"cannot use database {path}: {exc.strerror or exc}") from None
    if not folder.is_dir():
        raise StoreError(f"cannot use database {path}: {folder} is not a directory")
    if not writable(path):
        raise StoreError(unwritable("the database", path, "permission denied"))
    return False


def writable(path: Path) -> bool:
    """Can this user create or change the file at `path` (and SQLite its -wal and -shm beside
    it)? The nearest existing folder must be writable, and the file too if it exists."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


def unwritable(what: str, path: Path, reason: str) -> str:
    """The one line for a data directory this user cannot write: the setting, and what to do."""
    return (
        f"cannot write {what} {path} ({reason}): the folder {path.parent} must be writable by "
        f"this user (uid {os.getuid()}); fix its owner or permissions (in Docker: the /data "
        "volume), or set storage.database in the config to a writable place"
    )


def write_problem(path: Path, timeout: float = 10.0) -> str | None:
    """Why the existing database at `path` would refuse a write, or None when it takes one.

    Takes the write lock (BEGIN IMMEDIATE) and rolls back at once: nothing is changed, and no
    migration runs (a health check must not upgrade the schema under a running daemon). A
    writer holding the lock longer than `timeout` counts as a problem: transactions are short.
    """
    if not path.exists():
        return f"no database at {path} yet: start `jucip-watch run` or run `jucip-watch check`"
    if not writable(path):
        return unwritable("the database", path, "permission denied")
    from urllib.parse import quote

    try:
        conn = sqlite3.connect(
            f"file:{quote(str(path.resolve()))}?mode=rw", uri=True, timeout=timeout
        )
    except sqlite3.Error as exc:
        return f"cannot open database {path}: {exc}"
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return f"database {path} stayed locked by a writer for over {timeout:g} s"
        return unwritable("the database", path, str(exc))
    except sqlite3.DatabaseError as exc:
        return f"cannot use database {path}: {exc}"
    finally:
        conn.close()
    return None


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("state").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


class Tables:
    """What every table group's methods work on: one connection, rows as sqlite3.Row."""

    conn: sqlite3.Connection


class Database(Tables):
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        conn.row_factory = sqlite3.Row
        self.conn = conn
        self.path = path
        self._scratch: Path | None = None  # a throwaway copy's folder, removed on close

    # -- opening --------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> Self:
        """Open (creating and migrating if needed) the database at `path`.

        `readonly` reads an existing database in place, as one snapshot (see `_reader`).
        """
        path = Path(path)
        conn: sqlite3.Connection | None = None
        try:
            if readonly:
                if not path.exists():
                    raise StoreError(
                        f"no database at {path} yet: run `jucip-watch check` first to create it"
                    )
                conn = _reader(path)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                conn = _connect(path, timeout=30)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            store = cls(conn, path)
            if not readonly:
                store._migrate()
            else:
                store._check_version(readonly=True)
            return store
        except BaseException as exc:
            if conn is not None:
                conn.close()  # a reader's snapshot would hold the file for the next writer
            if isinstance(exc, sqlite3.DatabaseError):
                if not readonly and not writable(path):
                    raise StoreError(unwritable("the database", path, str(exc))) from None
                raise StoreError(f"cannot use database {path}: {exc}") from None
            if isinstance(exc, OSError):
                reason = exc.strerror or str(exc)
                raise StoreError(unwritable("the database", path, reason)) from None
            raise

    @classmethod
    def in_memory(cls) -> Self:
        """An empty, migrated store that vanishes on close (a dry run with no database yet)."""
        conn = _connect(":memory:")
        store = cls(conn, MEMORY)
        store._migrate()
        return store

    @classmethod
    def throwaway(cls, path: Path) -> Self:
        """A writable copy of the database at `path` (or an empty store when there is none):
        `check --dry-run` runs the real poll against it, and the real file is never written.

        The copy is a file in a temporary folder, removed on close: an archive grows without
        bound, so it is not held in memory. It is taken through a reader, so a writer that
        commits meanwhile is safe.
        """
        if not Path(path).exists():
            return cls.in_memory()
        scratch = Path(tempfile.mkdtemp(prefix="jucip-watch-dry-run-"))
        try:
            copy = scratch / "copy.sqlite3"
            with cls.open(path, readonly=True) as source:
                target = sqlite3.connect(copy)
                try:
                    source.conn.backup(target)
                finally:
                    target.close()
            store = cls.open(copy)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        store.path, store._scratch = Path(path), scratch
        return store

    def close(self) -> None:
        self.conn.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _check_version(self, *, readonly: bool = False) -> None:
        latest = max((v for v, _ in _migrations()), default=0)
        if readonly and self.schema_version < latest:
            raise StoreError(
                f"database {self.path} has schema {self.schema_version}; this jucip-watch "
                f"needs {latest}: run `jucip-watch check` (or `run`) once to upgrade it"
            )
        if self.schema_version > latest:
            raise StoreError(
                f"database {self.path} has schema {self.schema_version}, newer than this "
                f"jucip-watch knows ({latest}): upgrade jucip-watch"
            )

    def _migrate(self) -> None:
        self._check_version()
        current = self.schema_version
        for version, sql in _migrations():
            if version <= current:
                continue
            # executescript commits first, so run the migration and the version bump as one
            # explicit transaction: a crash mid-migration leaves the old schema intact.
            self.conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version={version};\nCOMMIT;"
            )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
