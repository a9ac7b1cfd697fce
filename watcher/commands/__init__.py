"""The subcommands. Each module handles one group and returns an exit code."""

from __future__ import annotations

import argparse

from watcher.config import Settings


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    # Imported per command so `jucip-watch history` does not pay for httpx or APScheduler.
    if args.command == "check":
        from watcher.commands.poll import cmd_check

        return cmd_check(args, settings)
    if args.command == "run":
        from watcher.commands.poll import cmd_run

        return cmd_run(args, settings)
    if args.command == "sources":
        from watcher.commands.status import cmd_sources

        return cmd_sources(args, settings)
    if args.command == "history":
        from watcher.commands.status import cmd_history

        return cmd_history(args, settings)
    if args.command == "health":
        from watcher.commands.health import cmd_health

        return cmd_health(args, settings)
    if args.command == "report":
        from watcher.commands.report import cmd_report

        return cmd_report(args, settings)
    if args.command == "backfill":
        from watcher.commands.backfill import cmd_backfill

        return cmd_backfill(args, settings)
    if args.command == "subscribers":
        from watcher.commands.subscribers import cmd_subscribers

        return cmd_subscribers(args, settings)
    if args.command in ("deliver", "outbox", "notify-test"):
        from watcher.commands import deliver

        return {
            "deliver": deliver.cmd_deliver,
            "outbox": deliver.cmd_outbox,
            "notify-test": deliver.cmd_notify_test,
        }[args.command](args, settings)
    from watcher.commands import analysis

    handler = {
        "extract": analysis.cmd_extract,
        "compare": analysis.cmd_compare,
        "import": analysis.cmd_import,
    }[args.command]
    return handler(args, settings)
