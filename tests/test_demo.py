"""`make demo` end to end (demo/run.py, writing into a temporary folder): it exits 0 with no
traceback and no secret on screen, and leaves what each channel received, the tracker and the
feed where it says."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from pathlib import Path

import feedparser

from replay.telegram_api import DEFAULT_TOKEN

ROOT = Path(__file__).resolve().parent.parent


def test_the_demo_shows_the_whole_job(tmp_path: Path) -> None:
    out = tmp_path / "demo-output"
    env = {**os.environ, "JUCIP_DEMO_OUT": str(out)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "demo/run.py"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    shown = done.stdout + done.stderr
    assert done.returncode == 0, shown[-3000:]
    assert "Traceback" not in shown and DEFAULT_TOKEN.split(":")[1] not in shown
    for step in ("silent baseline", "English version appears", "one-click unsubscribe"):
        assert step in shown
    telegram = sorted(p.name for p in (out / "telegram").iterdir())
    assert [n.split("-", 2)[1] for n in telegram] == ["alert", "alert", "follow", "follow"]
    alert = (out / "telegram" / telegram[0]).read_text(encoding="utf-8")
    assert "3rd Ministerial Meeting" in alert and "Compared with the 2nd" in alert
    first, follow = sorted((out / "email").glob("*.eml"))
    mail = email.message_from_bytes(first.read_bytes(), policy=email.policy.default)
    reply = email.message_from_bytes(follow.read_bytes(), policy=email.policy.default)
    assert reply["In-Reply-To"] == mail["Message-ID"]
    assert "<table" in first.with_suffix(".html").read_text(encoding="utf-8")
    assert (out / "tracker" / "index.html").is_file()
    feed = feedparser.parse((out / "tracker" / "feed.xml").read_bytes())
    assert not feed.bozo and any("3rd ministerial" in e.title for e in feed.entries)
    # The reader unsubscribed with the mail's one-click link; the chats stay.
    assert "2 subscriber(s)" in done.stdout.rsplit("subscribers list", 1)[1]
