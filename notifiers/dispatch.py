"""The dispatcher: sends the outbox's due rows and records each outcome, one row at a time.

A row is marked sent only after the channel accepted it, in its own small transaction, before
the next send starts: a process killed at any moment loses nothing, and can repeat at most the
one message whose acceptance it had not recorded yet. An email keeps the Message-ID it was
given before its first attempt, so even that repeat carries the same id.

- `Retry`: tried again later with backoff (watcher/policy.py `DeliveryPolicy`); given up on
  after its attempts, and then the admins are told.
- `Retry(channel_down=True)`: that channel pauses (the other goes on); its rows keep their
  attempts; the admins hear of it if it lasts.
- `Failed`: the row ends, the admins are told. `Gone`: the subscriber is ended (their pending
  rows cancelled) and the admins are told once. `Migrated`: the subscriber follows the new chat
  id and the message is sent there at once.

Each channel runs as its own task; Telegram chats go concurrently (one message at a time per
chat, the sender paces them), mail goes over one SMTP connection per pass. One failing channel
or recipient never holds up the others. `Dispatcher.deliver_due()` is one pass (`deliver`,
`check`); `Dispatcher.run(stop)` loops until `stop` is set, for the daemon, and `wake()` starts
the next pass at once (after a poll queued alerts). Once `stop` is set, a pass starts no further
message: the ones in flight finish and are recorded (the daemon gives them a few seconds before
it cancels), so a SIGTERM neither loses nor repeats one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from notifiers.outcome import Failed, Gone, Migrated, Retry, SendOutcome, Sent
from notifiers.render.view import AlertView, alert_view
from notifiers.report import DeliveryReport
from state.store import AlertRow, DeliveryRow, Store
from watcher.alerts import Alerts
from watcher.archive import Analyzer, Archive
from watcher.config import Settings
from watcher.config_channels import Channels
from watcher.policy import DEFAULT_DELIVERY_POLICY, DeliveryPolicy
from watcher.secrets import redact

if TYPE_CHECKING:
    from notifiers.email.message import OutgoingMail
    from notifiers.email.smtp import SmtpSender
    from notifiers.telegram.sender import Pacing, TelegramSender
    from watcher.addresses import Mailbox
    from watcher.analysis.summary import EventSummary
    from watcher.fetch import Fetcher

log = logging.getLogger("notifiers.dispatch")

LIST_NAME = "JUCIP Watch"


def _now() -> datetime:
    return datetime.now(UTC)


def _round_robin(rows: Sequence[DeliveryRow]) -> list[DeliveryRow]:
    """Rows reordered so each recipient's first row comes first, then each one's second..."""
    lanes: dict[str, list[DeliveryRow]] = {}
    for row in rows:
        lanes.setdefault(row.address, []).append(row)
    out: list[DeliveryRow] = []
    depth = max((len(lane) for lane in lanes.values()), default=0)
    for k in range(depth):
        out.extend(lane[k] for lane in lanes.values() if k < len(lane))
    return out


def chat_id(address: str) -> int | str:
    """A stored Telegram address as the Bot API wants it: a number, or "@channelname"."""
    return int(address) if address.lstrip("-").isdigit() else address


class Dispatcher:
    """Sends for one store. `async with Dispatcher(...) as d: report = await d.deliver_due()`.

    `fetcher` carries python-telegram-bot's calls (the project's one HTTP client); `telegram`
    and `smtp` may be given ready-made instead (tests, benchmarks). `concurrency` is how many
    Telegram chats are sent to at once: each message in flight when the process is killed may
    be repeated once on restart, so the default, 1, keeps that to one per channel per kill;
    more trades that bound for speed when the Bot API answers slowly (pacing still applies)."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        channels: Channels,
        *,
        fetcher: Fetcher | None = None,
        telegram: TelegramSender | None = None,
        smtp: SmtpSender | None = None,
        pacing: Pacing | bool | None = True,
        clock: Callable[[], datetime] = _now,
        policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
        concurrency: int = 1,
    ) -> None:
        self.settings = settings
        self.store = store
        self.channels = channels
        self.alerts = Alerts(store, settings, policy)
        self.archive = Archive(store, Analyzer(settings))
        self.clock = clock
        self.policy = policy
        self._fetcher = fetcher
        self._telegram = telegram
        self._own_telegram = False
        self._smtp = smtp
        self._pacing = pacing
        self._concurrency = concurrency
        self._paused: dict[str, datetime] = {}
        self._alerts: dict[int, AlertRow | None] = {}
        self._views: dict[tuple[int, str], AlertView] = {}
        self._wake = asyncio.Event()
        self._stop: asyncio.Event | None = None

    async def __aenter__(self) -> Dispatcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._telegram is not None and self._own_telegram:
            await self._telegram.close()
            self._telegram = None

    # -- the daemon's loop ----------------------------------------------------------------------
    def wake(self) -> None:
        """Start the next pass now (the poller queued alerts)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event, *, idle: float = 30.0) -> None:
        """Pass after pass until `stop` is set: at once when woken, else every `idle` seconds
        (due retries and digests). A failing pass is logged, never ends the loop."""
        self._stop = stop
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.deliver_due()
            except Exception as exc:  # one bad pass must not end deliveries for good
                log.error("dispatcher pass failed: %s", redact(str(exc)), exc_info=True)
            waiters = [asyncio.ensure_future(e.wait()) for e in (stop, self._wake)]
            _done, pending = await asyncio.wait(
                waiters, timeout=idle, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    # -- one pass -------------------------------------------------------------------------------
    async def deliver_due(self) -> DeliveryReport:
        """Send every row due now, each channel on its own; the report of the pass. Notes the
        pass itself queued for the admins (a dead chat, a give-up) go out in the same pass."""
        report = DeliveryReport()
        seen: set[int] = set()
        for _round in range(3):
            if self._stopping():
                break
            now = self.clock()
            self._paused = {c: until for c, until in self._paused.items() if until > now}
            due = [r for r in self.store.due_deliveries(now) if r.id not in seen]
            if not due:
                break
            seen.update(r.id for r in due)
            await self._round(due, report)
        report.pending = self.store.delivery_counts()["pending"]
        return report

    async def _round(self, due: Sequence[DeliveryRow], report: DeliveryReport) -> None:
        self._alerts.clear()
        self._views.clear()
        by_channel: dict[str, list[DeliveryRow]] = {}
        for row in due:
            by_channel.setdefault(row.channel, []).append(row)
        tasks = []
        for channel, rows in by_channel.items():
            if channel in self._paused:
                continue
            if channel not in self.channels.enabled:
                log.warning("%s is not configured: %d deliveries wait", channel, len(rows))
                continue
            send = self._send_telegram if channel == "telegram" else self._send_email
            tasks.append(self._guarded(channel, send(rows, report), report))
        await asyncio.gather(*tasks)

    async def _guarded(self, channel: str, work: Any, report: DeliveryReport) -> None:
        try:
            await work
        except Exception as exc:  # a bug in one channel must not stop the other
            log.error("%s deliveries stopped: %s", channel, redact(str(exc)), exc_info=True)
            report.down.setdefault(channel, f"internal error: {exc}")

    # -- rendering ------------------------------------------------------------------------------
    def _alert(self, alert_id: int) -> AlertRow | None:
        """The alert row, read once a round however many rows, languages and threads use it."""
        if alert_id not in self._alerts:
            self._alerts[alert_id] = self.store.alert(alert_id)
        return self._alerts[alert_id]

    def _view(self, row: DeliveryRow) -> AlertView | None:
        key = (row.alert_id, row.lang)
        if key not in self._views:
            alert = self._alert(row.alert_id)
            if alert is None:
                return None
            self._views[key] = alert_view(
                alert.kind, alert.series, alert.payload, self._summary(alert), row.lang
            )
        return self._views[key]

    def _summary(self, alert: AlertRow) -> EventSummary | None:
        if alert.event_id is None:
            return None
        return self.archive.event_summary(alert.event_id)

    # -- Telegram -------------------------------------------------------------------------------
    async def _telegram_sender(self) -> TelegramSender:
        if self._telegram is None:
            from notifiers.telegram.request import sender_on
            from notifiers.telegram.sender import Pacing, TelegramSender

            given = self._pacing
            pacing = given if isinstance(given, Pacing) else (Pacing() if given else None)
            token, api_url = self.channels.telegram_token, self.settings.telegram.api_url
            assert token is not None
            if self._fetcher is None:  # an HTTP client of the sender's own
                self._telegram = TelegramSender(token, api_url=api_url, pacing=pacing)
            else:
                self._telegram = sender_on(self._fetcher, token, api_url, pacing=pacing)
            self._own_telegram = True
        return self._telegram

    async def _send_telegram(self, rows: Sequence[DeliveryRow], report: DeliveryReport) -> None:
        from notifiers.render.telegram import render

        sender = await self._telegram_sender()
        not_ready = await sender.start()
        if not_ready is not None:
            self._channel_down("telegram", not_ready, report)
            return
        self._channel_up("telegram")
        queue = iter(_round_robin(rows))
        locks: dict[str, asyncio.Lock] = {}
        gone: set[str] = set()
        down = asyncio.Event()

        async def worker() -> None:
            # Workers share one queue (one alert to every chat before the next alert, so a
            # chat's own 1/s pace rarely holds the others); a chat's messages keep their order.
            for row in queue:
                if down.is_set() or self._stopping():
                    return
                if row.address in gone:
                    continue  # its subscriber ended: the row was cancelled with it
                lock = locks.setdefault(row.address, asyncio.Lock())
                async with lock:
                    outcome = await self._send_chat(sender, row, render, report)
                if isinstance(outcome, Gone):
                    gone.add(row.address)
                if isinstance(outcome, Retry) and outcome.channel_down:
                    down.set()
                    self._channel_down("telegram", outcome, report)
                    return

        await asyncio.gather(*(worker() for _ in range(max(1, self._concurrency))))

    async def _send_chat(
        self,
        sender: TelegramSender,
        row: DeliveryRow,
        render: Callable[[AlertView], str],
        report: DeliveryReport,
    ) -> SendOutcome | None:
        """Send one row and record its outcome at once (no await between the two)."""
        view = self._view(row)
        if view is None:
            outcome: SendOutcome = Failed("the alert is no longer in the database")
            self._record([row], outcome, report)
            return outcome
        html = render(view)
        outcome = await sender.send(chat_id(row.address), html, resume_from=row.resume_from)
        if isinstance(outcome, Migrated):
            row = self._migrated(row, outcome)
            outcome = await sender.send(outcome.new_chat_id, html, resume_from=outcome.resume_from)
        self._record([row], outcome, report)
        return outcome

    def _migrated(self, row: DeliveryRow, outcome: Migrated) -> DeliveryRow:
        """The group became a supergroup: the subscription follows (an admin chat is only
        told about: the config names it)."""
        new = str(outcome.new_chat_id)
        with self.store.transaction():
            if row.subscriber_id is not None:
                self.store.move_subscriber(row.subscriber_id, new)
            else:
                self.alerts.admin_note(
                    f"admin chat {row.address} is now {new}: update [telegram] admin_chat_ids",
                    [],
                    now=self.clock(),
                )
        moved = self.store.delivery(row.id)
        return moved or row

    # -- email ----------------------------------------------------------------------------------
    def _smtp_sender(self) -> SmtpSender:
        if self._smtp is None:
            from notifiers.email.smtp import SmtpSender, SmtpSettings

            e = self.settings.email
            self._smtp = SmtpSender(
                SmtpSettings(
                    host=e.host,
                    port=e.port,
                    security=e.security,
                    username=e.username or None,
                    password=self.channels.email_password,
                )
            )
        return self._smtp

    async def _send_email(self, rows: Sequence[DeliveryRow], report: DeliveryReport) -> None:
        groups: list[list[DeliveryRow]] = []
        digests: set[str] = set()
        for row in rows:
            if row.digest is None:
                groups.append([row])
            elif row.address not in digests:
                digests.add(row.address)
                groups.append(self.store.pending_digest("email", row.address))
        sent: list[list[DeliveryRow]] = []

        def mails() -> Iterator[OutgoingMail]:
            for group in groups:
                if "email" in self._paused or self._stopping():
                    return  # the server is down, or the daemon stops: nothing more this pass
                mail = self._mail(group, report)
                if mail is not None:
                    sent.append(group)
                    yield mail

        def told(index: int, outcome: SendOutcome) -> None:
            self._record(sent[index], outcome, report)
            if isinstance(outcome, Retry) and outcome.channel_down:
                self._channel_down("email", outcome, report)

        await self._smtp_sender().send_batch(mails(), on_outcome=told)
        if "email" not in self._paused and sent:
            self._channel_up("email")

    def _mail(self, group: list[DeliveryRow], report: DeliveryReport) -> OutgoingMail | None:
        """The message for one row (or one recipient's digest rows), its Message-ID stored
        before it is sent; None (the rows failed) if it cannot be built."""
        from notifiers.email.message import AddressError, build_message, new_message_id
        from notifiers.render.email import render_digest, render_email

        first = group[0]
        views = [v for v in (self._view(r) for r in group) if v is not None]
        if not views:
            self._record(group, Failed("the alert is no longer in the database"), report)
            return None
        unsubscribe, mailto = self._unsubscribe(first)
        shown = unsubscribe or (f"mailto:{mailto}?subject=unsubscribe" if mailto else None)
        if first.digest is not None:
            rendered = render_digest(views, self.clock().date(), unsubscribe=shown)
        else:
            rendered = render_email(views[0], unsubscribe=shown)
        message_id = first.message_id or new_message_id(self._sender.domain)
        if first.message_id is None:
            with self.store.transaction():
                self.store.set_message_id(first.id, message_id)
        root = self._thread_root(first)
        try:
            return build_message(
                sender=self._sender,
                to=first.address,
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                list_id=self._list_id(),
                list_name=LIST_NAME,
                unsubscribe_url=unsubscribe,
                unsubscribe_mailto=mailto if not unsubscribe else None,
                in_reply_to=root,
                references=[root] if root else [],
                message_id=message_id,
            )
        except (AddressError, ValueError) as exc:
            self._record(group, Failed(f"cannot build the message: {exc}"), report)
            return None

    def _thread_root(self, row: DeliveryRow) -> str | None:
        alert = self._alert(row.alert_id)
        if alert is None or alert.kind != "follow_up" or alert.event_id is None:
            return None
        return self.store.thread_root(alert.event_id, "email", row.address)

    def _unsubscribe(self, row: DeliveryRow) -> tuple[str | None, str | None]:
        """(one-click URL, mailto address) for a subscriber's row; admins get neither."""
        if row.subscriber_id is None:
            return None, None
        sub = self.store.subscriber(row.subscriber_id)
        url = self.settings.web.unsubscribe_url(sub.token) if sub else None
        operator = (self.channels.email_admins or (self._sender.addr_spec,))[0]
        return url, operator

    def _list_id(self) -> str:
        return f"alerts.{self._sender.domain}"

    @cached_property
    def _sender(self) -> Mailbox:
        """The configured From mailbox, parsed once (Message-IDs, List-Id, the fallback
        unsubscribe address)."""
        from notifiers.email.message import parse_mailbox

        return parse_mailbox(self.channels.email_sender)

    # -- outcomes -------------------------------------------------------------------------------
    def _record(
        self, rows: Sequence[DeliveryRow], outcome: SendOutcome, report: DeliveryReport
    ) -> None:
        """Store one send's outcome for its rows, in one transaction of its own."""
        now = self.clock()
        with self.store.transaction():
            for row in rows:
                self._record_one(row, outcome, now, report)

    def _record_one(
        self, row: DeliveryRow, outcome: SendOutcome, now: datetime, report: DeliveryReport
    ) -> None:
        s = self.store
        if isinstance(outcome, Sent):
            s.mark_sent(row.id, now=now)
            report.sent += 1
        elif isinstance(outcome, Retry):
            resume = outcome.resume_from
            if outcome.channel_down:
                when = self.policy.channel_resumes(now, outcome.retry_after)
                s.mark_retry(
                    row.id,
                    attempts=row.attempts,
                    next_attempt_at=when,
                    error=outcome.reason,
                    resume_from=resume,
                )
                return
            verdict = self.policy.after_retry(row.attempts, outcome.retry_after, now)
            if verdict.give_up:
                s.mark_failed(row.id, attempts=verdict.attempts, error=outcome.reason)
                report.failed += 1
                self._tell(row, f"gave up after {verdict.attempts} attempts", outcome.reason, now)
                return
            s.mark_retry(
                row.id,
                attempts=verdict.attempts,
                next_attempt_at=verdict.next_attempt_at,
                error=outcome.reason,
                resume_from=resume,
            )
            report.retried += 1
        elif isinstance(outcome, Gone):
            report.gone += 1
            s.mark_cancelled(row.id, f"recipient gone: {outcome.reason}")
            if row.subscriber_id is None:
                s.cancel_pending_to(row.channel, row.address, f"admin gone: {outcome.reason}")
                log.error("admin %s %s is gone: %s", row.channel, row.address, outcome.reason)
            else:
                self.alerts.subscriber_gone(
                    row.subscriber_id, row.channel, row.address, outcome.reason, now=now
                )
        elif isinstance(outcome, Failed | Migrated):
            reason = outcome.reason if isinstance(outcome, Failed) else "migrated twice"
            s.mark_failed(row.id, attempts=row.attempts + 1, error=reason)
            report.failed += 1
            self._tell(row, "refused", reason, now)

    def _tell(self, row: DeliveryRow, what: str, reason: str, now: datetime) -> None:
        if row.subscriber_id is None:  # an admin note that failed: do not queue a note about it
            log.error("admin note to %s %s %s: %s", row.channel, row.address, what, reason)
            return
        self.alerts.admin_note(
            f"delivery of alert {row.alert_id} to {row.channel} {row.address} {what}",
            [reason],
            now=now,
        )

    # -- channel health -------------------------------------------------------------------------
    def _channel_down(self, channel: str, outcome: SendOutcome, report: DeliveryReport) -> None:
        now = self.clock()
        reason = getattr(outcome, "reason", str(outcome))
        retry_after = getattr(outcome, "retry_after", None)
        self._paused[channel] = self.policy.channel_resumes(now, retry_after)
        if channel in report.down:
            return
        report.down[channel] = reason
        log.warning("%s is down, paused: %s", channel, reason)
        key = f"channel {channel}"
        with self.store.transaction():
            stored = self.store.alarm(key)
            if stored is None or stored.status == "ok":
                self.store.set_alarm(key, "down", detail=reason, since=now, alerted_at=None)
            elif now - stored.since >= self.policy.channel_alarm_after:
                self.alerts.alarm(key, "down", reason, now)

    def _channel_up(self, channel: str) -> None:
        self._paused.pop(channel, None)
        key = f"channel {channel}"
        stored = self.store.alarm(key)
        if stored is not None and stored.status != "ok":
            with self.store.transaction():
                self.alerts.alarm(key, None, None, self.clock())
