"""What the delivery tests share: a config whose channels point at the loopback peers, and
reading back what the peers received."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest

from replay.smtp import SmtpServer
from replay.telegram_api import TelegramAPI

SENDER = "JUCIP Watch <alerts@watch.example.org>"
ADMIN_EMAIL = "ops@watch.example.org"
ADMIN_CHAT = 999


def channels_toml(
    telegram: TelegramAPI | None,
    smtp: SmtpServer | None,
    *,
    public_url: str = "",
    admins: bool = True,
) -> str:
    lines = []
    if telegram is not None:
        chats = [ADMIN_CHAT] if admins else []
        lines += ["[telegram]", f"api_url = {json.dumps(telegram.api_url)}"]
        lines += [f"admin_chat_ids = {json.dumps(chats)}", ""]
    if smtp is not None:
        lines += [
            "[email]",
            f"host = {json.dumps(smtp.host)}",
            f"port = {smtp.port}",
            'security = "none"',
            f"sender = {json.dumps(SENDER)}",
            f"admin = {json.dumps([ADMIN_EMAIL] if admins else [])}",
            "",
        ]
    if public_url:
        lines += ["[web]", f"public_url = {json.dumps(public_url)}", ""]
    return "\n".join(lines)


def _join_web(text: str, channels: str) -> str:
    """`text` + `channels`, with the channels' [web] keys moved into the one [web] table that
    `replay.loopback.config_text` writes (TOML allows a table once)."""
    head, web, rest = channels.partition("[web]\n")
    if not web or "\n[web]\n" not in text:
        return text + "\n" + channels
    return text.replace("\n[web]\n", "\n[web]\n" + rest, 1) + "\n" + head


def with_channels(
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    telegram: TelegramAPI | None,
    smtp: SmtpServer | None,
    **kw: object,
) -> Path:
    """Append the channel tables to `config` and set the bot token variable."""
    text = _join_web(config.read_text(encoding="utf-8"), channels_toml(telegram, smtp, **kw))  # type: ignore[arg-type]
    config.write_text(text, encoding="utf-8")
    if telegram is not None:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram.token)
    else:
        monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    return config


def mails_to(smtp: SmtpServer, address: str) -> list[EmailMessage]:
    return [m.parsed() for m in smtp.messages if address in m.rcpt_tos]


def parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) of an alert mail."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()  # type: ignore[attr-defined]
