"""`subscribers add | remove | list`: the operator's side of subscriptions.

The bot changes subscriptions through the same store methods. These commands write short
transactions without the writer lock, so they work while `run` is active (SQLite serialises
the writes). Mistakes (an address that is not one mailbox, an unknown series or topic id, a
digest for a chat) are one line and exit 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from state import Store, database_exists
from state.store import SubscriberRow
from watcher.config import Settings
from watcher.dates import iso
from watcher.errors import EXIT_OK, UserError


def address(channel: str, value: str) -> str:
    """A recipient as the store keeps it: a chat id as decimal text, an email address as its
    checked addr-spec; UserError for anything else (`subscribers`, `notify-test --to`)."""
    if channel == "telegram":
        text = value.strip()
        if not text.lstrip("-").isdigit() or int(text) == 0:
            raise UserError(
                f"{text!r} is not a Telegram chat id (a number such as 123456789, "
                "or -100... for a channel or group)"
            )
        return str(int(text))
    from watcher.addresses import AddressError, parse_mailbox

    try:
        return parse_mailbox(value).addr_spec
    except AddressError as exc:
        raise UserError(str(exc)) from None


def _recipient(args: argparse.Namespace) -> tuple[str, str]:
    """(channel, stored address) from `EMAIL` or `--telegram CHAT_ID`."""
    if args.telegram is not None and args.email:
        raise UserError("give an email address or --telegram CHAT_ID, not both")
    if args.telegram is not None:
        return "telegram", address("telegram", args.telegram)
    if not args.email:
        raise UserError("give an email address or --telegram CHAT_ID")
    return "email", address("email", args.email)


def _ids(value: str | None, known: tuple[str, ...], what: str) -> tuple[str, ...]:
    if not value:
        return ()
    ids = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UserError(f"unknown {what} {', '.join(unknown)} (known: {', '.join(known)})")
    return ids


def _add(args: argparse.Namespace, settings: Settings, store: Store) -> SubscriberRow:
    from watcher.analysis.taxonomy import load_taxonomy
    from watcher.series import load_catalog

    channel, address = _recipient(args)
    series = _ids(args.series, load_catalog(settings.series).ids, "series")
    topics = _ids(args.topics, load_taxonomy(settings.topics).ids, "topic id")
    if args.digest and channel != "email":
        raise UserError("--digest is for email subscribers (a chat gets each alert as it comes)")
    with store.transaction():
        return store.add_subscriber(
            channel,
            address,
            series=series,
            topics=topics,
            mentions=args.mentions,
            lang=args.lang,
            digest=args.digest,
            now=datetime.now(UTC),
        )


def subscriber_dict(s: SubscriberRow) -> dict[str, Any]:
    kind = "email" if s.channel == "email" else ("group or channel" if s.is_group else "chat")
    return {
        "id": s.id,
        "channel": s.channel,
        "address": s.address,
        "kind": kind,
        "series": list(s.series),
        "topics": list(s.topics),
        "mentions": s.mentions,
        "lang": s.lang,
        "digest": s.digest,
        "since": iso(s.created_at),
    }


def _line(s: SubscriberRow) -> str:
    d = subscriber_dict(s)
    filters = [
        f"series {','.join(s.series)}" if s.series else "all series",
        f"topics {','.join(s.topics)}" if s.topics else "all topics",
        f"lang {s.lang}",
        "mentions" if s.mentions else "",
        f"digest {s.digest}" if s.digest else "",
    ]
    return f"{s.channel:<8} {s.address:<32} {d['kind']:<16} " + "; ".join(f for f in filters if f)


def cmd_subscribers(args: argparse.Namespace, settings: Settings) -> int:
    db = settings.storage.database
    if args.action == "list":
        rows: list[SubscriberRow] = []
        if database_exists(db):
            with Store.open(db, readonly=True) as store:
                rows = store.subscribers()
        if args.json:
            json.dump(
                {"subscribers": [subscriber_dict(s) for s in rows]},
                sys.stdout,
                ensure_ascii=False,
                indent=2,
            )
            sys.stdout.write("\n")
        else:
            for s in rows:
                print(_line(s))
            print(f"{len(rows)} subscriber(s)")
        return EXIT_OK
    with Store.open(db) as store:
        if args.action == "add":
            row = _add(args, settings, store)
            print(f"subscribed: {_line(row)}")
            return EXIT_OK
        channel, address = _recipient(args)
        found = store.find_subscriber(channel, address)
        if found is None or not found.active:
            raise UserError(f"no active {channel} subscriber {address}")
        with store.transaction():
            store.end_subscriber(found.id, "removed by the operator", now=datetime.now(UTC))
        print(f"unsubscribed: {channel} {address}")
    return EXIT_OK
