"""One poll of one source: listing -> new items -> release pages -> judge -> archive.

The order of writes is what makes a crash harmless: new listing items are recorded as pending,
with whatever body the listing carried, together with the listing's validators; each item is
then judged and archived in its own transaction. A failed fetch writes nothing but the source's
health, so nothing is marked seen that was not judged, and a restart resumes with the pending
items.

A release page that keeps failing is never dropped quietly: watcher/policy.py says when it is
retried, reported and given up on, and when a failing source is paused or a quiet one stale. A
release page that is blocked or throttled stops the pass and pauses the source like a blocked
listing would; it costs the item no attempt.

A dry run is this same code against a throwaway copy of the store (`Store.throwaway`): it
judges, counts and records exactly as a real pass, and the copy is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from state.store import ItemRow, PollRecord, SourceState, Store
from watcher.alerts import Alerts
from watcher.archive import Analyzer, Archive, Judgement
from watcher.config import Settings, SourceConfig
from watcher.dates import iso
from watcher.fetch import Fetcher, FetchResult, Validators
from watcher.models import Document, ListingItem, Relevance, SourceStatus
from watcher.policy import DEFAULT_POLICY, Policy
from watcher.secrets import redact
from watcher.sources import adapter_for
from watcher.sources.base import Adapter, LayoutChanged

log = logging.getLogger("watcher.pipeline")

# Failures that say "the host refuses us now": stop the pass, pause, count no attempt.
_REFUSALS = (SourceStatus.BLOCKED, SourceStatus.RATE_LIMITED)
# Release-page failures that stop the source's pass and count as a failed poll (a timeout
# also costs the page that timed out an attempt).
_STOPPERS = (*_REFUSALS, SourceStatus.TIMEOUT)

# progress(source name, done, total) for release pages; SOURCES_PROGRESS for whole sources.
Progress = Callable[[str, int, int], None]
SOURCES_PROGRESS = ""


@dataclass(frozen=True, slots=True)
class ReleaseReport:
    url: str
    title: str
    date: date | None
    lang: str
    source: str
    series: tuple[str, ...]
    relevance: str
    baseline: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "title": self.title,
            "date": iso(self.date),
            "lang": self.lang,
            "source": self.source,
            "series": list(self.series),
            "relevance": self.relevance,
            "baseline": self.baseline,
        }


@dataclass(slots=True)
class SourceReport:
    name: str
    status: SourceStatus
    items: int = 0
    error: str | None = None
    new_items: int = 0
    retry_after: float | None = None
    # Not polled: the source is paused (Retry-After or backoff) until a later time.
    paused: bool = False
    releases: list[ReleaseReport] = field(default_factory=list)
    # What went through but deserves a look (a page decoded with replacement characters).
    warnings: list[str] = field(default_factory=list)

    def fail(self, status: SourceStatus, error: str, retry_after: float | None = None) -> None:
        # Every message may quote a URL; a source URL may carry an API key.
        self.status, self.error, self.retry_after = status, redact(error), retry_after

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status.value,
            "items": self.items,
            "error": self.error,
            "warnings": self.warnings,
        }

    def warn_if_lossy(self, result: FetchResult, what: str) -> None:
        """A page whose bytes were not valid in its encoding is used (most of it reads fine),
        but never silently: the archived text holds U+FFFD where bytes were lost."""
        if not result.lossy:
            return
        line = redact(
            f"{what} {result.final_url} is not valid {result.encoding}: undecodable bytes were "
            "replaced (U+FFFD) in the text used"
        )
        self.warnings.append(line)
        log.warning("source %s: %s", self.name, line)


def _failed(
    name: str, status: SourceStatus, error: str, retry_after: float | None = None
) -> SourceReport:
    report = SourceReport(name, SourceStatus.OK)
    report.fail(status, error, retry_after)
    return report


@dataclass(slots=True)
class CheckReport:
    sources: list[SourceReport]

    @property
    def releases(self) -> list[ReleaseReport]:
        return [r for s in self.sources for r in s.releases]

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.status.failed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": [s.to_dict() for s in self.sources],
            "releases": [r.to_dict() for r in self.releases],
        }


def _now() -> datetime:
    return datetime.now(UTC)


class Poller:
    """Polls sources with one fetcher and one store (for a dry run, a throwaway one)."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        fetcher: Fetcher,
        *,
        analyzer: Analyzer | None = None,
        baseline: bool = True,
        clock: Callable[[], datetime] = _now,
        progress: Progress | None = None,
        policy: Policy = DEFAULT_POLICY,
    ) -> None:
        self.settings = settings
        self.store = store
        self.fetcher = fetcher
        self.archive = Archive(store, analyzer or Analyzer(settings), Alerts(store, settings))
        self.baseline = baseline
        self.clock = clock
        self.progress = progress
        self.policy = policy

    async def check(self, names: Sequence[str] = ()) -> CheckReport:
        """Poll the named sources (all enabled ones when none are named) concurrently.

        Sources on different hosts proceed in parallel; the fetcher spaces requests per host.
        A source paused after Retry-After or repeated failures is skipped (and reported) unless
        it is named: naming it is the user overriding the pause.
        """
        if names:
            sources = [self.settings.source(n) for n in dict.fromkeys(names)]
        else:
            sources = self.settings.enabled_sources()
        finished = 0

        async def poll_one(cfg: SourceConfig) -> SourceReport:
            nonlocal finished
            report = await self.poll(cfg, respect_pause=not names)
            finished += 1
            if self.progress:
                self.progress(SOURCES_PROGRESS, finished, len(sources))
            return report

        if self.progress:
            self.progress(SOURCES_PROGRESS, 0, len(sources))
        return CheckReport(list(await asyncio.gather(*(poll_one(s) for s in sources))))

    # -- one source ------------------------------------------------------------------------------
    async def poll(self, cfg: SourceConfig, *, respect_pause: bool = True) -> SourceReport:
        state = self.store.source_state(cfg.name)
        now = self.clock()
        if respect_pause and state and self.policy.paused(state.paused_until, now):
            status = SourceStatus(state.status) if state.status else SourceStatus.RATE_LIMITED
            if not status.failed:
                status = SourceStatus.RATE_LIMITED
            until = f"{state.paused_until:%Y-%m-%d %H:%M} UTC"
            report = _failed(cfg.name, status, f"paused until {until}; last error: {state.error}")
            report.paused = True
            return report
        adapter = adapter_for(cfg)
        self.store.ensure_source(cfg.name, cfg.kind, cfg.url)
        report = SourceReport(cfg.name, SourceStatus.OK)  # replaced once the listing is read
        listed = not_modified = False
        try:
            # A host that stops answering must not hold the pass (and the writer lock) for
            # long: past the deadline the pass stops where it is, and what is pending waits.
            async with asyncio.timeout(self.settings.schedule.pass_deadline or None):
                report, items, not_modified = await self._poll_listing(cfg, adapter, state, now)
                if report.status.failed:
                    self._record_failure(cfg, state, report, now, listing_ok=False, items=None)
                    return report
                listed = True
                await self._process_items(cfg, adapter, items, report)
        except TimeoutError:
            self._deadline_reached(cfg, report, listed)
            items_count = report.items if listed and not not_modified else None
            self._record_failure(cfg, state, report, now, listing_ok=listed, items=items_count)
            return report
        except sqlite3.Error:
            raise  # the database failed, not this source: every source would; the caller says
        except Exception as exc:  # an adapter bug must not take the other sources down
            log.error(
                "source %s: unexpected failure: %s",
                cfg.name,
                redact(str(exc)),
                exc_info=log.isEnabledFor(logging.DEBUG),
            )
            report = _failed(cfg.name, SourceStatus.ERROR, f"internal error: {exc}")
            self._record_failure(cfg, state, report, now, listing_ok=False, items=None)
            return report
        if report.status in _STOPPERS:
            self._record_failure(
                cfg,
                state,
                report,
                now,
                listing_ok=True,
                items=None if not_modified else report.items,
            )
            return report
        newest = max((i.date for i in items if i.date), default=None)
        self._finish(cfg, state, report, now, newest, not_modified)
        return report

    def _deadline_reached(self, cfg: SourceConfig, report: SourceReport, listed: bool) -> None:
        deadline = f"pass deadline ({self.settings.schedule.pass_deadline:g} s) reached"
        if not listed:
            report.fail(SourceStatus.TIMEOUT, f"{deadline} while reading the listing")
            return
        waiting = len(self._due(cfg.name))
        report.fail(
            SourceStatus.TIMEOUT,
            f"{deadline} after {report.new_items} release page(s); "
            f"{waiting} wait for the next pass",
        )
        log.warning("source %s: %s", cfg.name, report.error)

    def _validator_key(self, url: str) -> str:
        # Stored under the redacted URL: no API key in the database, and the validators
        # survive a change of key.
        return redact(url)

    async def _poll_listing(
        self, cfg: SourceConfig, adapter: Adapter, state: SourceState | None, now: datetime
    ) -> tuple[SourceReport, list[ListingItem], bool]:
        """Fetch and parse the listing pages; returns (report, items, not_modified)."""
        items: list[ListingItem] = []
        spacing = self.settings.spacing_of(cfg)
        fetched: list[tuple[str, FetchResult]] = []
        report = SourceReport(cfg.name, SourceStatus.OK)
        for page, url in enumerate(adapter.listing_urls()):
            etag, last_modified = self.store.validators(self._validator_key(url))
            result = await self.fetcher.get(
                url, validators=Validators(etag, last_modified), spacing=spacing
            )
            if result.status is SourceStatus.NOT_MODIFIED:
                if page == 0:
                    # Nothing moved on the first page: later pages cannot hold anything newer.
                    return SourceReport(cfg.name, SourceStatus.NOT_MODIFIED), [], True
                break
            if not result.ok:
                failed = _failed(cfg.name, result.status, result.error or "", result.retry_after)
                return failed, [], False
            try:
                page_items = adapter.parse_listing(result.text or "", result.final_url)
            except LayoutChanged as exc:
                return _failed(cfg.name, SourceStatus.LAYOUT_CHANGED, str(exc)), [], False
            if not page_items:
                message = f"listing {result.final_url} parsed to zero items"
                return _failed(cfg.name, SourceStatus.LAYOUT_CHANGED, message), [], False
            report.warn_if_lossy(result, "listing")
            items.extend(page_items)
            fetched.append((url, result))

        # One release listed on two pages (paging shifted during the poll) counts once.
        unique: dict[str, ListingItem] = {}
        for it in items:
            unique.setdefault(it.key, it)
        items = list(unique.values())
        baseline = self.baseline and not (state and state.baseline_done)
        # The items and what the listing carried of them (an API body, a feed's full text) are
        # safe before the validators say "seen": a crash then costs nothing, even when the
        # next poll is answered 304.
        with self.store.transaction():
            self.store.add_pending(cfg.name, items, baseline=baseline, now=now)
            for url, result in fetched:
                v = result.validators
                self.store.set_validators(self._validator_key(url), v.etag, v.last_modified, now)
        report.items = len(items)
        return report, items, False

    def _due(self, source: str) -> list[ItemRow]:
        now = self.clock()
        return [i for i in self.store.pending_items(source) if self.policy.item_due(i, now)]

    async def take_in(
        self, cfg: SourceConfig, adapter: Adapter, items: list[ListingItem]
    ) -> SourceReport:
        """Archive an older listing page's items silently (`backfill`): the second half of a
        poll, for these items only. They are recorded as pending baseline items and judged
        like any other, but no validators and no health are recorded: a catch-up is neither
        a cycle of the source nor news. Items seen before are not judged again."""
        self.store.ensure_source(cfg.name, cfg.kind, cfg.url)
        known = self.store.known_keys(cfg.name, [i.key for i in items])
        with self.store.transaction():
            fresh = [i for i in items if i.key not in known]
            self.store.add_pending(cfg.name, fresh, baseline=True, now=self.clock())
        report = SourceReport(cfg.name, SourceStatus.OK, items=len(items))
        keys = {i.key for i in items}
        await self._process_items(cfg, adapter, items, report, only=keys)
        return report

    async def _process_items(
        self,
        cfg: SourceConfig,
        adapter: Adapter,
        listed: list[ListingItem],
        report: SourceReport,
        *,
        only: set[str] | None = None,
    ) -> None:
        """Judge every pending item that is due (of the keys `only`, when given), counting them
        in `report.new_items`."""
        by_key = {i.key: i for i in listed}
        todo = [i for i in self._due(cfg.name) if only is None or i.key in only]
        failures: dict[str, str] = {}  # url -> the line to report
        for n, pending in enumerate(todo, 1):
            if self.progress:
                self.progress(cfg.name, n, len(todo))
            item = by_key.get(pending.key) or pending.listing_item(adapter.lang)
            doc, failed = await self._document(cfg, adapter, item, report)
            if doc is not None:
                await self._judge_and_store(cfg, item, doc, pending.baseline, report)
                report.new_items += 1
                continue
            assert failed is not None
            if failed.status in _REFUSALS:
                # The host refuses us now: every further request would be refused too.
                report.fail(
                    failed.status, f"release page {item.url}: {failed.error}", failed.retry_after
                )
                return
            line = self._count_failure(cfg, pending, failed.error or failed.status.value)
            if failed.status is SourceStatus.TIMEOUT:
                # A host that stopped answering costs a timeout per page: the rest wait for
                # the next pass (still pending, no attempt counted) instead of holding this one.
                waiting = len(todo) - n
                more = f"; {waiting} more release page(s) wait for the next pass" if waiting else ""
                report.fail(SourceStatus.TIMEOUT, f"release page {line}{more}")
                return
            if failed.status is SourceStatus.LAYOUT_CHANGED:
                report.status = SourceStatus.LAYOUT_CHANGED
            failures[item.url] = line
        self._report_failures(cfg, report, failures)

    def _count_failure(self, cfg: SourceConfig, item: ItemRow, error: str) -> str:
        """Record one failed attempt at a release page; returns the line to report."""
        now = self.clock()
        verdict = self.policy.after_failure(item, now)
        with self.store.transaction():
            self.store.fail_item(
                cfg.name, item.key, redact(error), now=now, give_up=verdict.give_up
            )
        if verdict.give_up:
            log.error(
                "source %s: gave up on %s after %d attempts: %s",
                cfg.name,
                item.url,
                verdict.attempts,
                error,
            )
            return f"gave up on {item.url} after {verdict.attempts} attempts: {error}"
        if verdict.retrying_daily:
            line = (
                f"{item.url} failed {verdict.attempts} times, retrying daily "
                f"(giving up after {self.policy.give_up_after.days} days): {error}"
            )
            log.error("source %s: %s", cfg.name, line)
            return line
        return f"{item.url}: {error}"

    def _report_failures(
        self, cfg: SourceConfig, report: SourceReport, failures: dict[str, str]
    ) -> None:
        # Pages still failing after the quick retries, but not tried in this pass (they wait
        # for their daily retry), keep the source in error: a JUCIP release may be among them.
        waiting = [
            t
            for t in self.store.failing_items(cfg.name)
            if self.policy.troubled(t) and t.state == "pending" and t.url not in failures
        ]
        lines = list(failures.values()) + [
            f"{t.url} failed {t.attempts} times, retrying daily: {t.last_error}" for t in waiting
        ]
        if not lines:
            return
        status = report.status if report.status.failed else SourceStatus.ERROR
        more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
        report.fail(status, f"{len(lines)} release page(s) failed: {lines[0]}{more}")

    async def _document(
        self, cfg: SourceConfig, adapter: Adapter, item: ListingItem, report: SourceReport
    ) -> tuple[Document | None, FetchResult | _LayoutFailure | None]:
        """The item's document, or (None, what failed)."""
        if item.body_html is not None:
            try:
                return adapter.document_from_item(item), None
            except LayoutChanged as exc:
                return None, _LayoutFailure(str(exc))
        result = await self.fetcher.get(item.url, spacing=self.settings.spacing_of(cfg))
        if not result.ok:
            return None, result
        report.warn_if_lossy(result, "release page")
        try:
            return adapter.parse_detail(result.text or "", item), None
        except LayoutChanged as exc:
            return None, _LayoutFailure(str(exc))

    async def _judge_and_store(
        self,
        cfg: SourceConfig,
        item: ListingItem,
        doc: Document,
        baseline: bool,
        report: SourceReport,
    ) -> None:
        judgement: Judgement = self.archive.analyzer.judge(doc)
        if judgement.note:
            report.warnings.append(f"{doc.url}: {judgement.note}")
            log.warning("source %s: %s: %s", cfg.name, doc.url, judgement.note)
        relevance = judgement.detection.relevance.value
        # The same release through a second source (the Commerce API and the Commerce
        # listing) or a second page is not news twice.
        report_it = judgement.relevant and self.store.document_by_url(doc.url) is None
        # Fetched before anything is written: the release and its attachments are archived in
        # one transaction, or (after a crash) the item is still pending.
        attached = await self._attachments(cfg, doc, judgement) if report_it else []
        now = self.clock()
        with self.store.transaction():
            if report_it:
                archived = self.archive.add(
                    doc, judgement, source=cfg.name, origin="poll", baseline=baseline, now=now
                )
                for part, part_judgement in attached:
                    self.archive.add(
                        part,
                        part_judgement,
                        source=cfg.name,
                        origin="poll",
                        baseline=baseline,
                        now=now,
                        event_id=archived.event_id,
                    )
            self.store.finish_item(cfg.name, item.key, relevance)
        if report_it:
            report.releases.append(
                ReleaseReport(
                    url=doc.url,
                    title=doc.title,
                    date=doc.date or item.date,
                    lang=doc.lang,
                    source=cfg.name,
                    series=judgement.series,
                    relevance=relevance,
                    baseline=baseline,
                )
            )

    async def _attachments(
        self, cfg: SourceConfig, doc: Document, judgement: Judgement
    ) -> list[tuple[Document, Judgement]]:
        """The PDFs a release about a meeting attaches (METI's 関連資料: the joint statement, its
        translation), fetched and judged as documents of that meeting. One that fails to come
        is logged and left out: the release itself is not held back for it."""
        if judgement.detection.relevance is not Relevance.PRIMARY or not doc.attachments:
            return []
        from watcher.attachments import fetch_pdf
        from watcher.child import ChildFailed, run_in_child
        from watcher.pdf import PdfError, document_from_pdf

        out = []
        for url, link_text in doc.attachments.items():
            if self.store.document_by_url(url) is not None:
                continue
            data = await fetch_pdf(self.fetcher, url, spacing=self.settings.spacing_of(cfg))
            try:
                if isinstance(data, str):
                    raise PdfError(data)
                # In a child process (watcher/child.py): pdfminer is pure Python and holds
                # every page's layout, so a long PDF stalls no other source's poll, leaves
                # none of its memory behind, and a hostile one costs the child alone.
                part = await run_in_child(
                    document_from_pdf, data, url, title=link_text, posted=doc.date
                )
            except (PdfError, ChildFailed) as exc:
                log.warning("source %s: attachment %s of %s: %s", cfg.name, url, doc.url, exc)
                continue
            if part.text.strip():
                out.append((part, self.archive.analyzer.judge(part, part_of=judgement.series[0])))
        return out

    # -- health ---------------------------------------------------------------------------------
    def _finish(
        self,
        cfg: SourceConfig,
        state: SourceState | None,
        report: SourceReport,
        now: datetime,
        newest: date | None,
        not_modified: bool,
    ) -> None:
        if not report.status.failed:
            stale = self.policy.stale_reason(
                cfg.stale_after,
                newest or (state.newest_item_date if state else None),
                state.last_new_at if state else None,
                now,
            )
            if stale:
                report.fail(SourceStatus.STALE, stale)
        # A release page in an unknown layout makes the source unhealthy...
        ok = report.status is not SourceStatus.LAYOUT_CHANGED
        found_new = report.new_items > 0 or not (state and state.last_new_at)
        record = PollRecord(
            status=report.status.value,
            error=report.error,
            polled_at=now,
            consecutive_failures=0 if ok else _failures(state) + 1,
            items=None if not_modified else report.items,
            ok_at=now if ok else None,
            new_at=now if found_new else None,
            newest_item_date=newest,
            # ...but the listing was read in full: that is the baseline, and what appears
            # later is news.
            baseline_done=True,
        )
        self.store.record_poll(cfg.name, record)

    def _record_failure(
        self,
        cfg: SourceConfig,
        state: SourceState | None,
        report: SourceReport,
        now: datetime,
        *,
        listing_ok: bool,
        items: int | None,
    ) -> None:
        failures = _failures(state) + 1
        pause = self.policy.pause_until(
            failures, self.settings.interval_of(cfg), report.retry_after, now
        )
        capped = self.policy.pause_capped(report.retry_after, now)
        if capped:
            report.error = f"{report.error}; {capped}" if report.error else capped
        record = PollRecord(
            status=report.status.value,
            error=report.error,
            polled_at=now,
            consecutive_failures=failures,
            items=items,
            paused_until=pause,
            # A listing read in full is the baseline even if its release pages were refused:
            # what appears later is news.
            baseline_done=listing_ok,
        )
        self.store.record_poll(cfg.name, record)


def _failures(state: SourceState | None) -> int:
    return state.consecutive_failures if state else 0


@dataclass(frozen=True, slots=True)
class _LayoutFailure:
    """A release page whose markup the adapter does not know (shaped like a FetchResult)."""

    error: str
    status: SourceStatus = SourceStatus.LAYOUT_CHANGED
    retry_after: float | None = None
