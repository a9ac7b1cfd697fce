"""The SQLite store and its migrations: the only place JUCIP Watch keeps state."""

from state.lock import LockHeld, WriterLock
from state.store import Store, StoreError, database_exists

__all__ = ["LockHeld", "Store", "StoreError", "WriterLock", "database_exists"]
