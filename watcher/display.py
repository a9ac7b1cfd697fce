"""Human-readable terminal output (tables, progress). Scripts use --json instead.

rich is imported inside the functions: the JSON paths and the daemon never pay for it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from watcher.models import SourceStatus

if TYPE_CHECKING:
    from rich.console import Console

    from state.store import DocumentRow, SourceState
    from watcher.analysis.statement import Commitment, Meeting, Statement, StatementRef
    from watcher.analysis.summary import EventSummary
    from watcher.pipeline import CheckReport, Progress, ReleaseReport

_STATUS_STYLE = {
    SourceStatus.OK: "green",
    SourceStatus.NOT_MODIFIED: "green",
    SourceStatus.STALE: "yellow",
}


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _status(status: str | None) -> str:
    if status is None:
        return "[dim]never polled[/]"
    style = _STATUS_STYLE.get(SourceStatus(status), "bold red")
    return f"[{style}]{status}[/]"


def _esc(text: object) -> str:
    from rich.markup import escape

    return escape(str(text)) if text is not None else ""


def _bars() -> Any:
    """rich progress bars on stderr ("label ━━━━ 3/7"), gone when done."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=_console(stderr=True),
        transient=True,
    )


@contextmanager
def progress_bar(*, enabled: bool) -> Iterator[Progress | None]:
    """A per-source progress bar on stderr while release pages are fetched (TTY only)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    bars: dict[str, Any] = {}
    with _bars() as progress:

        def update(source: str, done: int, total: int) -> None:
            # The empty name is the whole pass: sources polled so far (retries can take a while).
            if source not in bars:
                label = f"{source}: release pages" if source else "polling sources"
                bars[source] = progress.add_task(label, total=total)
            progress.update(bars[source], completed=done, total=total)

        yield update


def print_check_report(report: CheckReport, *, dry_run: bool) -> None:
    from rich.table import Table

    console = _console()
    table = Table(title="Sources" + (" (dry run: nothing stored)" if dry_run else ""))
    for col in ("source", "status", "items", "new", "detail"):
        table.add_column(col, overflow="fold")
    for s in report.sources:
        table.add_row(
            _esc(s.name),
            _status(s.status.value),
            str(s.items),
            str(s.new_items),
            _esc(s.error or ""),
        )
    console.print(table)
    releases = report.releases
    if not releases:
        console.print("No new JUCIP/EPCC releases.")
    else:
        console.print(f"[bold]New JUCIP/EPCC releases ({len(releases)})[/]")
        for r in releases:
            note = " [dim](baseline: archived silently)[/]" if r.baseline else ""
            _print_release(console, r, note=note, source=f"  (source {_esc(r.source)})")
    failed = report.failed
    if failed:
        names = ", ".join(s.name for s in failed)
        console.print(f"[bold red]{len(failed)} source(s) need attention:[/] {_esc(names)}")


def _print_release(console: Console, r: ReleaseReport, *, note: str = "", source: str = "") -> None:
    """A release in two lines (titles and URLs are long, and tables fold them unreadably):
    date, series, relevance (`note`), language and title; then its URL (and `source`)."""
    when = r.date.isoformat() if r.date else "undated"
    lang = _esc(f"[{r.lang}]")  # escaped, or rich takes it for a style tag and drops it
    console.print(
        f"  {when}  [bold]{_esc(', '.join(r.series))}[/] {r.relevance}{note}  {lang} "
        f"{_esc(r.title)}"
    )
    console.print(f"      [dim]{_esc(r.url)}{source}[/]")


def _ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return ""
    minutes = int((now - when).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // 1440} d ago"


def print_sources(
    rows: Sequence[tuple[Any, SourceState | None]],
    now: datetime,
    troubled: dict[str, list[Any]] | None = None,
) -> None:
    from rich.table import Table

    table = Table(title="Source health")
    for col in (
        "source",
        "kind",
        "status",
        "items",
        "last poll",
        "last ok",
        "fails",  # consecutive failed polls
        "newest item",
        "detail",
    ):
        # A source's name is what the reader looks for: never folded.
        table.add_column(col, overflow="fold", no_wrap=col == "source")
    for cfg, st in rows:
        detail = st.error if st and st.error else ""
        if st and st.paused_until and st.paused_until > now:
            detail = f"paused until {st.paused_until:%Y-%m-%d %H:%M} UTC. {detail}".strip()
        if cfg is not None and not cfg.enabled:
            detail = f"disabled. {detail}".strip()
        table.add_row(
            _esc(cfg.name if cfg else st.name),  # type: ignore[union-attr]
            _esc(cfg.kind if cfg else st.kind),  # type: ignore[union-attr]
            _status(st.status if st else None),
            str(st.items) if st and st.items is not None else "",
            _ago(st.last_polled_at, now) if st else "",
            _ago(st.last_ok_at, now) if st else "",
            str(st.consecutive_failures) if st else "",
            st.newest_item_date.isoformat() if st and st.newest_item_date else "",
            _esc(detail),
        )
    console = _console()
    console.print(table)
    for name, items in (troubled or {}).items():
        for t in items:
            what = "given up" if t.state == "failed" else "retrying daily"
            console.print(
                f"[bold red]{_esc(name)}[/]: release page {what} after {t.attempts} attempts: "
                f"{_esc(t.url)} ({_esc(t.last_error)})"
            )


def print_history(docs: Sequence[DocumentRow], *, series: str | None = None) -> None:
    from rich.table import Table

    if not docs and series:
        _console().print(f"No archived release of series {_esc(series)} yet.")
        return
    if not docs:
        _console().print("The archive is empty: run `jucip-watch check` first.")
        return
    table = Table(title=f"Archived JUCIP/EPCC releases ({len(docs)})")
    for col in ("id", "meeting", "posted", "series", "relevance", "lang", "title", "url"):
        table.add_column(col, overflow="fold")
    for d in docs:
        origin = "" if d.origin == "poll" else f" [dim]({d.origin})[/]"
        table.add_row(
            str(d.id),
            d.meeting_date.isoformat() if d.meeting_date else "",
            d.date.isoformat() if d.date else "",
            ", ".join(d.series),
            d.relevance + origin,
            d.lang,
            _esc(d.title),
            _esc(d.url),
        )
    _console().print(table)


def _held(meeting: Meeting) -> str:
    return " ".join(
        x
        for x in (
            ordinal(meeting.ordinal),
            meeting.level or "",
            "meeting",
            f"held {meeting.date.isoformat()}" if meeting.date else "",
            f"in {meeting.place}" if meeting.place else "",
        )
        if x
    )


def print_statement(statement: Statement, label: Callable[[str], str]) -> None:
    """A statement's commitments, grouped by topic; `label` names a topic id."""
    console = _console()
    console.print(f"[bold]{_esc(statement.title or '(untitled)')}[/]")
    facts = [
        f"posted {statement.date.isoformat()}" if statement.date else "",
        f"language {statement.lang}",
        f"kind {statement.kind}" if statement.kind else "",
        f"series {', '.join(statement.series) or 'none'} ({statement.relevance})",
        _held(statement.meeting) if statement.meeting else "",
    ]
    console.print(_esc("; ".join(f for f in facts if f)))
    console.print("Topics: " + (_esc(", ".join(label(t) for t in statement.topics)) or "none"))
    if not statement.commitments:
        console.print("No commitments found.")
        return
    groups: dict[str, list[Commitment]] = {}
    for c in statement.commitments:
        for t in c.topics or ("(no topic)",):
            groups.setdefault(t, []).append(c)
    for topic, items in groups.items():
        console.print(f"\n[bold]{_esc(label(topic))}[/] ({len(items)})")
        for c in items:
            who = f" [dim]{_esc(', '.join(c.actors))}[/]" if c.actors else ""
            console.print(f"  - [cyan]{_esc(c.strength)}[/]{who}: {_esc(c.text)}")


def ordinal(n: int | None) -> str:
    """The English ordinal of n (1st, 2nd, 3rd, 4th, ...); empty for none."""
    if not n:
        return ""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _named(ref: StatementRef) -> str:
    """A comparison's side: the meeting (which, when held, where), then the release."""
    posted = f"posted {ref.date.isoformat()}" if ref.date else "undated"
    release = f"{ref.title or ref.url or '?'} ({posted})"
    if ref.meeting is None:
        return release
    return f"{_held(ref.meeting)}: {release}"


_SCOPE = {
    "meeting": "Meeting-level comparison: every document of each meeting",
    "document": "Comparison of two documents",
}


def print_comparison(summary: EventSummary) -> None:
    """The summary's comparison with the previous meeting (topic labels from the summary)."""
    comparison = summary.comparison
    if comparison is None:
        return
    console = _console()
    label = summary.topic_label

    def topic_list(ids: Sequence[str]) -> str:
        return _esc(", ".join(label(t) for t in ids)) or "none"

    console.print(f"[dim]{_esc(_SCOPE.get(comparison.scope, comparison.scope))}[/]")
    console.print(f"[bold]Old:[/] {_esc(_named(comparison.old))}")
    console.print(f"[bold]New:[/] {_esc(_named(comparison.new))}")
    if comparison.caveat:
        console.print(f"[yellow]Note:[/] {_esc(comparison.caveat)}")
    first = set(comparison.first_in_series)
    new_topics = [
        label(t) + (" (first time in the series)" if t in first else "")
        for t in comparison.new_topics
    ]
    console.print(f"[green]New topics:[/] {_esc(', '.join(new_topics)) or 'none'}")
    console.print(f"Continued topics: {topic_list(comparison.continued_topics)}")
    console.print(f"[red]Dropped topics:[/] {topic_list(comparison.dropped_topics)}")
    if comparison.not_in_summary:
        console.print(f"Not in the summary: {topic_list(comparison.not_in_summary)}")
    _print_list(console, "New commitments", [c.text for c in comparison.new_commitments])
    console.print(f"\n[bold]Continued commitments ({len(comparison.continued)})[/]")
    for c in comparison.continued:
        console.print(f"  - old: {_esc(_clip(c.old.text))}")
        console.print(f"    new: {_esc(_clip(c.new.text))}")
    dropped = "Dropped commitments"
    if comparison.shorter == "new":
        dropped = "Not repeated in the summary"
    _print_list(console, dropped, [c.text for c in comparison.dropped_commitments])
    if comparison.strength_changes:
        console.print("\n[bold]Strength changes[/]")
        for ch in comparison.strength_changes:
            on = ", ".join(label(t) for t in ch.topics) or "no topic"
            console.print(
                f"  - {_esc(ch.old.strength)} -> {_esc(ch.new.strength)} "
                f"({_esc(ch.direction)}) on {_esc(on)}: {_esc(_clip(ch.new.text))}"
            )


def _print_list(console: Console, heading: str, texts: Sequence[str]) -> None:
    console.print(f"\n[bold]{heading} ({len(texts)})[/]")
    for text in texts[:LIST_LIMIT]:
        console.print(f"  - {_esc(_clip(text))}")
    if len(texts) > LIST_LIMIT:
        console.print(f"  [dim]... {len(texts) - LIST_LIMIT} more (--json lists all)[/]")


LIST_LIMIT = 8


def _clip(text: str, limit: int = 220) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@contextmanager
def backfill_progress(
    source: str, *, bar: bool
) -> Iterator[tuple[Callable[[int, int | None, Any], None], Progress | None]]:
    """(on_page, on_items) for `backfill`: with `bar` on a TTY, a rich bar of listing pages and
    one of release pages; otherwise one line per listing page on stderr (for a log, a cron
    mail, or a script reading --json on stdout)."""

    def line(n: int, total: int | None, page: Any) -> None:
        detail = f": {page.error}" if page.error else ""
        print(
            f"backfill {source}: page {n}/{total or '?'} {page.url}: {page.status}, "
            f"{page.items} item(s), {page.new} new, {len(page.releases)} JUCIP/EPCC{detail}",
            file=sys.stderr,
            flush=True,
        )

    if not bar or not sys.stderr.isatty():
        yield line, None
        return
    with _bars() as bars:
        pages = bars.add_task(f"{source}: listing pages", total=None)
        items = bars.add_task(f"{source}: release pages", total=None, visible=False)

        def on_page(n: int, total: int | None, page: Any) -> None:
            bars.update(pages, completed=n, total=total)
            bars.console.print(
                f"[dim]{_esc(page.url)}[/]: {_esc(page.status)}, {page.items} item(s), "
                f"{page.new} new, {len(page.releases)} JUCIP/EPCC"
            )

        def on_items(_source: str, done: int, total: int) -> None:
            bars.update(items, completed=done, total=total, visible=done < total)

        yield on_page, on_items


def print_backfill(report: Any) -> None:
    """What a backfill archived, release by release (each archived silently)."""
    console = _console()
    read = sum(1 for p in report.pages if p.status == "ok")
    missing = sum(1 for p in report.pages if p.status == "missing")
    items = sum(p.items for p in report.pages)
    new = sum(p.new for p in report.pages)
    gaps = f", {missing} month(s) without an archive page" if missing else ""
    console.print(
        f"[bold]Backfill of {_esc(report.source)}[/]: {read} page(s) read{gaps}, {items} item(s), "
        f"{new} judged; {len(report.releases)} JUCIP/EPCC release(s) archived silently "
        "(no alerts)."
    )
    for r in report.releases:
        _print_release(console, r)
    for p in report.pages:
        if p.failed:
            console.print(f"[bold red]stopped at {_esc(p.url)}[/]: {p.status}: {_esc(p.error)}")
