"""Killing `deliver` with SIGKILL at random moments loses no alert and repeats at most one
message per channel per kill (the one the channel had accepted but the outbox had not yet
recorded). The peers run in this process; `deliver` runs as a child process."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from delivery_helpers import channels_toml

from replay.smtp import SmtpServer
from replay.telegram_api import Fault, TelegramAPI
from state import Store
from watcher.alerts import Alerts
from watcher.config import load_settings

ROOT = Path(__file__).resolve().parent.parent
CHATS = [1000 + i for i in range(6)]
MAILS = [f"reader{i}@example.org" for i in range(6)]
KILLS = 20


def _queue(config: Path, n: int) -> None:
    """One more mention alert (a distinct one-line text per alert) to every subscriber."""
    settings = load_settings(config)
    now = datetime.now(UTC)
    with Store.open(settings.storage.database) as store, store.transaction():
        if n == 0:
            for chat in CHATS:
                store.add_subscriber("telegram", str(chat), mentions=True, now=now)
            for mail in MAILS:
                store.add_subscriber("email", mail, mentions=True, now=now)
        payload = {"title": f"Crash test alert {n}", "url": f"https://www.meti.go.jp/a/{n}"}
        Alerts(store, settings).queue("mention", ["jucip"], (), payload, now)


def _deliver(config: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "watcher", "--config", str(config), "deliver", "--wait", "30"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _received(api: TelegramAPI, smtp: SmtpServer) -> int:
    return len(api.messages()) + len(smtp.messages)


def test_sigkill_at_random_points_loses_nothing_and_repeats_at_most_one_per_kill(
    tmp_path: Path, telegram_api: TelegramAPI, smtp_server: SmtpServer
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'sources = []\n[storage]\ndatabase = "{tmp_path / "db.sqlite3"}"\n'
        + channels_toml(telegram_api, smtp_server, admins=False),
        encoding="utf-8",
    )
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": telegram_api.token}
    telegram_api.fail(Fault.slow(0.03), times=None)  # sends take a while: kills land mid-flight
    rng = random.Random(7)
    kills = alerts = 0
    while kills < KILLS and alerts < 3 * KILLS:
        _queue(config, alerts)
        alerts += 1
        before = _received(telegram_api, smtp_server)
        proc = _deliver(config, env)
        deadline = time.monotonic() + 20
        while _received(telegram_api, smtp_server) == before and time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.25))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(timeout=20)
    assert kills == KILLS
    proc = _deliver(config, env)  # the restart resumes where the kills stopped it
    assert proc.wait(timeout=120) == 0

    tg = Counter((m.chat_id, m.text) for m in telegram_api.messages())
    mail = Counter((m.rcpt_tos[0], m.parsed()["Subject"]) for m in smtp_server.messages)
    for n in range(alerts):
        title = f"Crash test alert {n}"
        for chat in CHATS:
            assert tg[(chat, f"JUCIP mentioned: {title}")] >= 1, (chat, n)  # nothing lost
        for address in MAILS:
            assert mail[(address, f"[JUCIP] Mentioned: {title}")] >= 1, (address, n)
    assert len(tg) == len(CHATS) * alerts and len(mail) == len(MAILS) * alerts
    tg_repeats = sum(c - 1 for c in tg.values())
    mail_repeats = sum(c - 1 for c in mail.values())
    assert tg_repeats <= kills and mail_repeats <= kills, (tg_repeats, mail_repeats, kills)
    with Store.open(tmp_path / "db.sqlite3", readonly=True) as store:
        assert store.delivery_counts()["pending"] == 0
        assert store.delivery_counts()["sent"] == (len(CHATS) + len(MAILS)) * alerts
