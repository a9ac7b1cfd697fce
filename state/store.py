"""The SQLite store: the only place state lives.

`Store` is the database (state/db.py: opening, migrations, transactions) with the methods of
each group of tables: sources, validators and listing items (state/sources.py), events and
documents (state/events.py), subscribers (state/subscribers.py), and the outbox: alerts, their
delivery rows and the admins' alarms (state/outbox.py). Import the row types from here.
"""

from __future__ import annotations

from state.db import Database, StoreError, database_exists
from state.events import DocumentRow, EventRow, EventTables
from state.outbox import AlarmRow, AlertRow, DeliveryRow, OutboxTables, Recipient
from state.sources import ItemRow, PollRecord, SourceState, SourceTables
from state.subscribers import SubscriberRow, SubscriberTables

__all__ = [
    "AlarmRow",
    "AlertRow",
    "DeliveryRow",
    "DocumentRow",
    "EventRow",
    "ItemRow",
    "PollRecord",
    "Recipient",
    "SourceState",
    "Store",
    "StoreError",
    "SubscriberRow",
    "database_exists",
]


class Store(SourceTables, EventTables, SubscriberTables, OutboxTables, Database):
    """`with Store.open(path) as store: ...`; `Store.open(path, readonly=True)` for readers,
    `Store.throwaway(path)` for a dry run."""
