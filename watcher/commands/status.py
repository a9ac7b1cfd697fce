"""`sources` (health) and `history` (the archive): read-only, safe while `run` is active."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from state import Store, database_exists
from watcher.config import Settings
from watcher.dates import iso as _iso
from watcher.display import print_history, print_sources
from watcher.errors import EXIT_OK, UserError


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    from watcher.policy import DEFAULT_POLICY

    db = settings.storage.database
    states, troubled = {}, {}
    if database_exists(db):
        with Store.open(db, readonly=True) as store:
            states = {s.name: s for s in store.source_states()}
            troubled = {
                cfg.name: [i for i in store.failing_items(cfg.name) if DEFAULT_POLICY.troubled(i)]
                for cfg in settings.all_sources()
            }
    rows = [(cfg, states.get(cfg.name)) for cfg in settings.all_sources()]
    now = datetime.now(UTC)
    if args.json:
        out = []
        for cfg, st in rows:
            out.append(
                {
                    "name": cfg.name,
                    "kind": cfg.kind,
                    "url": cfg.url,
                    "enabled": cfg.enabled,
                    "status": st.status if st else None,
                    "error": st.error if st else None,
                    "items": st.items if st else None,
                    "last_polled_at": _iso(st.last_polled_at) if st else None,
                    "last_ok_at": _iso(st.last_ok_at) if st else None,
                    "newest_item_date": _iso(st.newest_item_date) if st else None,
                    "consecutive_failures": st.consecutive_failures if st else 0,
                    "paused_until": _iso(st.paused_until) if st else None,
                    # Release pages that keep failing ("pending", retried daily) or were given
                    # up on ("failed"): a JUCIP release may be among them.
                    "troubled_items": [
                        {
                            "url": t.url,
                            "title": t.title,
                            "state": t.state,
                            "attempts": t.attempts,
                            "error": t.last_error,
                        }
                        for t in troubled.get(cfg.name, [])
                    ],
                }
            )
        json.dump(
            {"config": settings.origin, "sources": out}, sys.stdout, ensure_ascii=False, indent=2
        )
        sys.stdout.write("\n")
    else:
        print_sources(rows, now, troubled)
    return EXIT_OK


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    if args.series:
        from watcher.series import load_catalog

        known = load_catalog(settings.series).ids
        if args.series not in known:
            raise UserError(f"unknown series {args.series!r} (known: {', '.join(known)})")
    db = settings.storage.database
    docs = []
    if database_exists(db):
        with Store.open(db, readonly=True) as store:
            docs = store.documents(
                series=args.series,
                relevance=None if args.mentions else "primary",
                limit=max(args.limit, 1),
            )
    if args.json:
        out = [
            {
                "id": d.id,
                "url": d.url,
                "title": d.title,
                "date": _iso(d.date),
                "meeting_date": _iso(d.meeting_date),
                "lang": d.lang,
                "series": list(d.series),
                "relevance": d.relevance,
                "origin": d.origin,
                "event_id": d.event_id,
                "baseline": d.baseline,
                "alternates": d.alternates,
                "topics": (d.statement or {}).get("topics", []),
            }
            for d in docs
        ]
        json.dump({"releases": out}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print_history(docs, series=args.series)
    return EXIT_OK
