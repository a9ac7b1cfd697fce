"""`jucip-watch`: the command line. Parsing and error mapping only; commands live in
watcher/commands/, exit codes and `UserError` in watcher/errors.py.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence

from watcher.errors import EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_OK, EXIT_USAGE, UserError
from watcher.logs import FORMATS, setup_logging


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse exits 2 by default; the contract says usage errors exit 1.
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _seconds(text: str) -> float:
    """A wait in seconds: finite and not negative (`nan` would wait forever)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite, non-negative number")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="jucip-watch",
        description="Watch commerce.gov and METI for JUCIP / EPCC releases, extract their "
        "commitments and compare them with earlier statements.",
    )
    p.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $JUCIP_WATCH_CONFIG, "
        "then ./config.toml, then built-in defaults)",
    )
    p.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)"
    )
    p.add_argument(
        "--log-format",
        choices=FORMATS,
        default="human",
        help="log lines for a person (default) or one JSON object per line",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    c = sub.add_parser(
        "check",
        help="poll every configured source once, answer the bot's pending commands, send",
    )
    c.add_argument(
        "--dry-run",
        action="store_true",
        help="fetch and judge, but change nothing (no command answered, nothing sent)",
    )
    c.add_argument("--json", action="store_true", help="print one JSON object for scripts")
    c.add_argument(
        "--no-baseline",
        action="store_true",
        help="treat what a new source already lists as news (no silent first poll)",
    )
    c.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME",
        help="poll only this source (repeatable)",
    )
    c.add_argument(
        "--wait",
        type=_seconds,
        default=30.0,
        metavar="SECONDS",
        help="how long to wait for another instance's lock (default 30)",
    )
    c.add_argument(
        "--no-send",
        action="store_true",
        help="poll and queue alerts, but send none (the next run, check or deliver sends "
        "them); the bot still answers its pending commands, replies are not alerts",
    )

    r = sub.add_parser("run", help="poll on a schedule until stopped (SIGTERM/SIGINT)")
    r.add_argument("--no-baseline", action="store_true", help="as for check")

    s = sub.add_parser("sources", help="show each source's health")
    s.add_argument("--json", action="store_true")

    hc = sub.add_parser(
        "health", help="exit 0 when every source cycles on time and the store takes writes"
    )
    hc.add_argument("--json", action="store_true")

    rp = sub.add_parser("report", help="write the HTML tracker and the Atom feed (feed.xml)")
    rp.add_argument("--out", required=True, metavar="DIR", help="folder to write them to")
    rp.add_argument(
        "--base-url",
        metavar="URL",
        help="where DIR is published (makes the feed's links absolute)",
    )

    b = sub.add_parser(
        "backfill", help="archive older JUCIP/EPCC releases from a source's back pages, silently"
    )
    b.add_argument("--source", required=True, metavar="NAME", help="the source to page back")
    span = b.add_mutually_exclusive_group()
    span.add_argument(
        "--pages", type=int, metavar="N", help="how many older listing pages (default 1)"
    )
    span.add_argument("--since", metavar="DATE", help="every page back to DATE (YYYY-MM-DD)")
    b.add_argument("--wait", type=_seconds, default=30.0, metavar="SECONDS", help="as for check")
    b.add_argument("--json", action="store_true", help="print one JSON object for scripts")

    h = sub.add_parser("history", help="list the archived JUCIP/EPCC releases")
    h.add_argument("--json", action="store_true")
    h.add_argument("--series", metavar="ID", help="only this series (e.g. jucip, epcc)")
    h.add_argument("--mentions", action="store_true", help="include releases that only mention one")
    h.add_argument("--limit", type=int, default=50, metavar="N", help="at most N rows (default 50)")

    e = sub.add_parser("extract", help="extract the commitments of one release (file or URL)")
    e.add_argument("target", metavar="PATH_OR_URL")
    e.add_argument("--json", action="store_true")

    m = sub.add_parser("compare", help="compare two statements (paths, URLs or archived ids)")
    m.add_argument("old", nargs="?", metavar="OLD")
    m.add_argument("new", nargs="?", metavar="NEW")
    m.add_argument("--json", action="store_true")

    i = sub.add_parser("import", help="add a statement (file or URL) to the archive")
    i.add_argument("target", metavar="FILE_OR_URL")
    i.add_argument(
        "--series", metavar="ID", help="file it under this series when the text names none"
    )
    i.add_argument("--json", action="store_true")
    _delivery_commands(sub)
    return p


def _delivery_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    d = sub.add_parser("deliver", help="send the queued alerts once")
    d.add_argument("--json", action="store_true")
    d.add_argument("--wait", type=_seconds, default=30.0, metavar="SECONDS", help="as for check")

    o = sub.add_parser("outbox", help="list pending, retrying and failed deliveries")
    o.add_argument("--json", action="store_true")

    n = sub.add_parser("notify-test", help="send a sample alert from the bundled history")
    n.add_argument("--channel", required=True, choices=["telegram", "email"])
    n.add_argument("--to", metavar="CHAT_ID|EMAIL", help="recipient (default: the admins)")

    s = sub.add_parser("subscribers", help="add, remove or list subscribers")
    actions = s.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    actions.required = True
    add = actions.add_parser("add", help="subscribe an email address or a Telegram chat")
    remove = actions.add_parser("remove", help="end a subscription")
    for a in (add, remove):
        a.add_argument("email", nargs="?", metavar="EMAIL")
        a.add_argument("--telegram", metavar="CHAT_ID", help="a chat, group or channel id")
    add.add_argument("--series", metavar="IDS", help="only these series (e.g. jucip,epcc)")
    add.add_argument("--topics", metavar="IDS", help="only these topic ids")
    add.add_argument("--mentions", action="store_true", help="also releases that name a series")
    add.add_argument("--lang", choices=["en", "ja", "both"], default="both")
    add.add_argument("--digest", choices=["daily"], help="one mail a day instead of each alert")
    ls = actions.add_parser("list", help="list the active subscribers")
    ls.add_argument("--json", action="store_true")


def main(argv: Sequence[str] | None = None) -> int:
    from watcher import lean_imports
    from watcher.secrets import install_log_redaction, redacted_output

    lean_imports.install()  # before any library is imported: see its docstring
    # Whatever leaves the process goes through the one redaction rule: log records, and
    # stdout/stderr (reports, error lines, tracebacks) for the whole command.
    install_log_redaction()
    with redacted_output():
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose, args.log_format)

    import sqlite3

    from state import LockHeld, StoreError
    from watcher.config import ConfigError, load_settings
    from watcher.secrets import remember_configured

    database = None
    try:
        settings = load_settings(args.config)
        database = settings.storage.database
        remember_configured(settings)
        from watcher import commands

        return commands.dispatch(args, settings)
    except (ConfigError, StoreError, UserError) as exc:
        print(f"jucip-watch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except sqlite3.Error as exc:
        # A database damaged after it opened (a bad sector, a foreign writer), or one that
        # turned read-only under us: say which file.
        print(f"jucip-watch: database problem with {database}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except LockHeld as exc:
        print(f"jucip-watch: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except KeyboardInterrupt:
        print("jucip-watch: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception:
        # A bug, not a user mistake: the traceback is for the bug report. Printed here, while
        # stderr still redacts, with the exit status the interpreter would give.
        import traceback

        traceback.print_exc()
        return EXIT_USAGE
