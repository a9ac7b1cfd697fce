"""The dispatcher against the loopback Bot API and SMTP server: every outcome a channel can give,
and what it does to the row, the subscriber and the admins."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from delivery_helpers import ADMIN_CHAT, ADMIN_EMAIL, SENDER, mails_to

from notifiers.dispatch import Dispatcher
from notifiers.report import DeliveryReport
from notifiers.summaries import sample_event
from replay.smtp import SmtpServer
from replay.telegram_api import Fault, TelegramAPI
from state import Store
from watcher.alerts import Alerts
from watcher.archive import Analyzer, Archive
from watcher.config import Settings, settings_from_dict
from watcher.fetch import Fetcher
from watcher.policy import DEFAULT_DELIVERY_POLICY

NOW = datetime(2024, 6, 28, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def make_settings(
    tmp_path: Path, api: TelegramAPI | None, smtp: SmtpServer | None, public_url: str = ""
) -> Settings:
    data: dict[str, object] = {"storage": {"database": str(tmp_path / "db.sqlite3")}}
    data["sources"] = []
    if api is not None:
        data["telegram"] = {"api_url": api.api_url, "admin_chat_ids": [ADMIN_CHAT]}
    if smtp is not None:
        data["email"] = {
            "host": smtp.host,
            "port": smtp.port,
            "security": "none",
            "sender": SENDER,
            "admin": [ADMIN_EMAIL],
        }
    if public_url:
        data["web"] = {"public_url": public_url}
    return settings_from_dict(data)


@pytest.fixture
def env(
    tmp_path: Path,
    telegram_api: TelegramAPI,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Settings, Store]]:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram_api.token)
    settings = make_settings(tmp_path, telegram_api, smtp_server)
    with Store.open(settings.storage.database) as store:
        yield settings, store


def queue_event(settings: Settings, store: Store, kind: str = "event") -> int:
    """The bundled 4th ministerial as a new alert to the current subscribers."""
    event_id, summary = sample_event(Archive(store, Analyzer(settings)), NOW)
    with store.transaction():
        return Alerts(store, settings).queue(
            kind, summary.series, summary.topics, {}, NOW, event_id=event_id
        )


def subscribe(store: Store, channel: str, address: str, **kw: object) -> int:
    with store.transaction():
        return store.add_subscriber(channel, address, now=NOW, **kw).id  # type: ignore[arg-type]


def deliver(settings: Settings, store: Store, clock: Clock | None = None) -> DeliveryReport:
    async def go() -> DeliveryReport:
        async with (
            Fetcher(settings.fetch) as fetcher,
            Dispatcher(
                settings,
                store,
                settings.channels(),
                fetcher=fetcher,
                pacing=None,
                clock=clock or Clock(),
            ) as d,
        ):
            return await d.deliver_due()

    return asyncio.run(go())


def states(store: Store) -> dict[str, str]:
    return {f"{d.channel}:{d.address}": d.state for d in store.deliveries()}


def test_each_recipient_gets_the_alert_once_and_rows_are_marked_sent(
    env: tuple[Settings, Store], telegram_api: TelegramAPI, smtp_server: SmtpServer
) -> None:
    settings, store = env
    subscribe(store, "telegram", "42")
    subscribe(store, "telegram", "-1001234567890")
    subscribe(store, "email", "alice@example.org")
    queue_event(settings, store)
    report = deliver(settings, store)
    assert (report.sent, report.pending, report.failed) == (3, 0, 0)
    assert set(states(store).values()) == {"sent"}
    assert len(telegram_api.messages(42)) == 1 and len(telegram_api.messages(-1001234567890)) == 1
    assert len(mails_to(smtp_server, "alice@example.org")) == 1
    assert deliver(settings, store).sent == 0  # a second pass sends nothing again


def test_a_short_flood_wait_delays_and_a_long_one_is_retried_later(
    env: tuple[Settings, Store], telegram_api: TelegramAPI
) -> None:
    settings, store = env
    subscribe(store, "telegram", "42")
    telegram_api.fail(Fault.flood(1), chat_id=42)
    queue_event(settings, store)
    assert deliver(settings, store).sent == 1  # waited 1 s, then delivered
    assert len(telegram_api.messages(42)) == 1 and len(telegram_api.calls_to("sendMessage")) == 2

    subscribe(store, "telegram", "43")
    telegram_api.fail(Fault.flood(300), chat_id=43)
    queue_event(settings, store)
    report = deliver(settings, store)
    assert report.retried >= 1 and telegram_api.messages(43) == []
    [row] = [d for d in store.deliveries() if d.address == "43" and d.state == "pending"]
    assert row.attempts == 1 and row.next_attempt_at >= NOW + timedelta(seconds=300)
    assert "retry in 300" in (row.last_error or "").lower()
    later = Clock()
    later.now = max(d.next_attempt_at for d in store.deliveries(states=("pending",)))
    deliver(settings, store, later)
    assert len(telegram_api.messages(43)) == 1 and len(telegram_api.messages(42)) == 2


def test_cant_parse_entities_is_resent_as_plain_text(
    env: tuple[Settings, Store], telegram_api: TelegramAPI
) -> None:
    settings, store = env
    subscribe(store, "telegram", "42")
    telegram_api.fail(Fault.cant_parse(), chat_id=42)
    queue_event(settings, store)
    assert deliver(settings, store).sent == 1
    [message] = telegram_api.messages(42)
    assert message.parse_mode is None and "4th Ministerial Meeting" in message.text


def test_a_blocked_chat_is_unsubscribed_and_the_admins_told_once(
    env: tuple[Settings, Store], telegram_api: TelegramAPI, smtp_server: SmtpServer
) -> None:
    settings, store = env
    sub = subscribe(store, "telegram", "42")
    telegram_api.fail(Fault.blocked(), chat_id=42, times=None)
    queue_event(settings, store)
    queue_event(settings, store, kind="follow_up")
    report = deliver(settings, store)
    assert report.gone == 1 and report.sent == 2  # the admin note, to both admins
    row = store.subscriber(sub)
    assert row is not None and not row.active and "blocked" in (row.end_reason or "")
    assert {d.state for d in store.deliveries() if d.address == "42"} == {"cancelled"}
    [note] = telegram_api.messages(ADMIN_CHAT)
    assert "telegram subscriber 42 removed" in note.text
    assert len(mails_to(smtp_server, ADMIN_EMAIL)) == 1
    assert deliver(settings, store).sent == 0  # told once


def test_a_dead_mailbox_ends_the_subscriber_and_a_down_server_pauses_email_only(
    env: tuple[Settings, Store], telegram_api: TelegramAPI, smtp_server: SmtpServer
) -> None:
    settings, store = env
    gone = subscribe(store, "email", "gone@example.org")
    subscribe(store, "email", "alice@example.org")
    subscribe(store, "telegram", "42")
    smtp_server.refuse("gone@example.org", 550)
    queue_event(settings, store)
    deliver(settings, store)
    assert not store.subscriber(gone).active  # type: ignore[union-attr]
    assert len(mails_to(smtp_server, "alice@example.org")) == 1

    # The mail server goes away (a port nobody listens on); Telegram must not wait for it.
    with SmtpServer() as gone_server:
        pass
    queue_event(settings, store)
    report = deliver(
        make_settings(settings.storage.database.parent, telegram_api, gone_server), store
    )
    assert "email" in report.down and len(telegram_api.messages(42)) == 2
    [row] = [d for d in store.deliveries() if d.state == "pending"]
    assert row.channel == "email" and row.attempts == 0  # not the recipient's fault


def test_a_group_that_became_a_supergroup_is_followed(
    env: tuple[Settings, Store], telegram_api: TelegramAPI
) -> None:
    settings, store = env
    sub = subscribe(store, "telegram", "-4001")
    telegram_api.fail(Fault.migrated(-1009999), chat_id=-4001)
    queue_event(settings, store)
    assert deliver(settings, store).sent == 1
    assert len(telegram_api.messages(-1009999)) == 1
    row = store.subscriber(sub)
    assert row is not None and row.address == "-1009999" and row.active


def test_failures_are_retried_with_backoff_then_given_up_and_reported(
    env: tuple[Settings, Store], telegram_api: TelegramAPI, smtp_server: SmtpServer
) -> None:
    settings, store = env
    subscribe(store, "telegram", "42")
    telegram_api.fail(Fault(400, "Bad Request: message is too long"), chat_id=42)
    queue_event(settings, store)
    report = deliver(settings, store)
    assert report.failed == 1
    [row] = [d for d in store.deliveries() if d.address == "42"]
    assert row.state == "failed" and "too long" in (row.last_error or "")
    [note] = telegram_api.messages(ADMIN_CHAT)
    assert "refused" in note.text and "too long" in note.text

    # A mailbox that answers "try later" each time: retried with growing waits, then given up.
    subscribe(store, "email", "full@example.org")
    smtp_server.refuse("full@example.org", 452, "4.2.2 Mailbox full", times=None)
    queue_event(settings, store)
    clock = Clock()
    waits = []
    for _ in range(30):
        deliver(settings, store, clock)
        [row] = [d for d in store.deliveries() if d.address == "full@example.org"]
        if row.state != "pending":
            break
        waits.append(row.next_attempt_at - clock.now)
        clock.now = row.next_attempt_at
    assert row.state == "failed" and row.attempts == DEFAULT_DELIVERY_POLICY.max_attempts
    assert waits == sorted(waits) and waits[0] < waits[-1]
    assert any("gave up" in m.text for m in telegram_api.messages(ADMIN_CHAT))


def test_digest_subscribers_get_one_mail_a_day_with_one_click_unsubscribe(
    tmp_path: Path,
    telegram_api: TelegramAPI,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram_api.token)
    settings = make_settings(tmp_path, telegram_api, smtp_server, "https://watch.example.org")
    with Store.open(settings.storage.database) as store:
        sub = subscribe(store, "email", "daily@example.org", digest="daily")
        subscribe(store, "email", "now@example.org")
        queue_event(settings, store)
        queue_event(settings, store, kind="follow_up")
        assert deliver(settings, store).sent == 2  # the immediate subscriber's two mails
        assert mails_to(smtp_server, "daily@example.org") == []
        later = Clock()
        later.now = NOW.replace(hour=7) + timedelta(days=1)  # the next digest hour
        assert deliver(settings, store, later).sent == 2  # two rows, one mail
        [digest] = mails_to(smtp_server, "daily@example.org")
        token = store.subscriber(sub).token  # type: ignore[union-attr]
    assert digest["Subject"] == "[JUCIP] Daily digest 2024-06-29: 2 alerts"
    url = f"https://watch.example.org/unsubscribe/{token}"
    assert digest["List-Unsubscribe"] == f"<{url}>"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert digest["List-Id"] == "JUCIP Watch <alerts.watch.example.org>"
    body = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert body.count("4th Ministerial Meeting") >= 2 and url in body


def test_the_token_never_reaches_the_database_or_the_logs(
    env: tuple[Settings, Store],
    telegram_api: TelegramAPI,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings, store = env
    subscribe(store, "telegram", "42")
    telegram_api.fail(Fault.server_error(), chat_id=42)
    queue_event(settings, store)
    with caplog.at_level("DEBUG"):
        deliver(settings, store)
    secret = telegram_api.token.split(":", 1)[1]
    assert secret not in caplog.text
    dump = "\n".join(store.conn.iterdump())
    assert secret not in dump and "Bad Gateway" in dump  # the error is stored, redacted


def test_the_daemon_loop_sends_when_woken_and_stops_cleanly(
    env: tuple[Settings, Store], telegram_api: TelegramAPI
) -> None:
    settings, store = env
    subscribe(store, "telegram", "42")

    async def go() -> None:
        stop = asyncio.Event()
        async with (
            Fetcher(settings.fetch) as fetcher,
            Dispatcher(settings, store, settings.channels(), fetcher=fetcher, pacing=None) as d,
        ):
            task = asyncio.create_task(d.run(stop, idle=3600))
            await asyncio.sleep(0.05)  # the first pass found nothing
            queue_event(settings, store)
            d.wake()
            for _ in range(200):
                if telegram_api.messages(42):
                    break
                await asyncio.sleep(0.01)
            stop.set()
            await asyncio.wait_for(task, 5)

    asyncio.run(go())
    assert len(telegram_api.messages(42)) == 1
