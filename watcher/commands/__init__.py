"""The subcommands. Each module handles one group and returns an exit code."""

from __future__ import annotations

import argparse
import importlib

from watcher.config import Settings

# command -> (module, handler). Each module is imported only when its command runs, so
# `jucip-watch history` does not pay for httpx or APScheduler.
HANDLERS: dict[str, tuple[str, str]] = {
    "check": ("watcher.commands.poll", "cmd_check"),
    "run": ("watcher.commands.poll", "cmd_run"),
    "sources": ("watcher.commands.status", "cmd_sources"),
    "history": ("watcher.commands.status", "cmd_history"),
    "health": ("watcher.commands.health", "cmd_health"),
    "report": ("watcher.commands.report", "cmd_report"),
    "backfill": ("watcher.commands.backfill", "cmd_backfill"),
    "subscribers": ("watcher.commands.subscribers", "cmd_subscribers"),
    "deliver": ("watcher.commands.deliver", "cmd_deliver"),
    "outbox": ("watcher.commands.deliver", "cmd_outbox"),
    "notify-test": ("watcher.commands.deliver", "cmd_notify_test"),
    "extract": ("watcher.commands.analysis", "cmd_extract"),
    "compare": ("watcher.commands.analysis", "cmd_compare"),
    "import": ("watcher.commands.analysis", "cmd_import"),
}


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    module, name = HANDLERS[args.command]
    handler = getattr(importlib.import_module(module), name)
    return handler(args, settings)  # type: ignore[no-any-return]
