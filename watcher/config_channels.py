"""The delivery channels' settings: `[telegram]`, `[email]` and `[web]`, and what they resolve to.

The tables are plain data (msgspec structs on the shared config base), so loading the config
costs nothing; secrets never live in the file: `[telegram] token_env` and `[email] password_env`
name the environment variables that hold them. `resolve_channels` reads those variables and
checks what only matters when something is about to be sent (the addresses, the secret), so a
mistake there is one line from `check`, `deliver` or `notify-test`, never from `history`.

- Telegram is enabled when its token variable is set (a `[telegram]` table alone only names the
  variable and the admins).
- Email is enabled when `[email] host` is set.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Annotated, Literal

import msgspec

from watcher.config_base import Strict

CHANNELS = ("telegram", "email")
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
_LISTEN = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$")


class ChannelError(Exception):
    """A channel that cannot be used as configured (one line for the user)."""


class TelegramConfig(Strict):
    token_env: Annotated[str, msgspec.Meta(pattern=_ENV_NAME)] = "TELEGRAM_BOT_TOKEN"
    # Checked by the one URL rule with every other URL key (`Settings`, watcher/urls.py).
    api_url: str = "https://api.telegram.org"
    admin_chat_ids: list[int] = msgspec.field(default_factory=list)


class EmailConfig(Strict):
    host: str = ""
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 587
    security: Literal["tls", "starttls", "none"] = "starttls"
    username: str = ""
    password_env: Annotated[str, msgspec.Meta(pattern=_ENV_NAME)] = "SMTP_PASSWORD"
    sender: str = ""
    admin: list[str] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        if self.host and not self.sender:
            raise ValueError('email needs a sender, like "JUCIP Watch <alerts@example.org>"')


class WebConfig(Strict):
    # "" runs no endpoint; port 0 takes any free port (the log line names it).
    listen: str = "127.0.0.1:8080"
    public_url: str = ""
    # Where `run` writes the tracker it serves; "" is a folder "tracker" beside the database.
    tracker_dir: str = ""

    def __post_init__(self) -> None:
        m = _LISTEN.match(self.listen)
        if self.listen and (not m or int(m.group(1)) > 65535):
            raise ValueError(
                f'listen {self.listen!r} is not host:port, like 127.0.0.1:8080 ("" for none)'
            )
        if self.public_url and not re.match(r"^https?://[^/\s?#]+[^\s?#]*$", self.public_url):
            raise ValueError(f"public_url {self.public_url!r} is not an http(s) URL")

    def address(self) -> tuple[str, int] | None:
        """(host, port) to listen on, None when no endpoint is wanted."""
        if not self.listen:
            return None
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)

    def unsubscribe_url(self, token: str) -> str | None:
        """The RFC 8058 one-click URL for a subscriber's token, when subscribers can reach us."""
        if not self.public_url:
            return None
        return f"{self.public_url.rstrip('/')}/unsubscribe/{token}"


@dataclass(frozen=True)
class Channels:
    """The channels as they can be used now: secrets read, addresses checked."""

    telegram_token: str | None = field(default=None, repr=False)
    telegram_admins: tuple[int, ...] = ()
    email_password: str | None = field(default=None, repr=False)
    email_admins: tuple[str, ...] = ()  # addr-specs
    email_sender: str = ""

    @property
    def telegram(self) -> bool:
        return self.telegram_token is not None

    @property
    def email(self) -> bool:
        return bool(self.email_sender)

    @property
    def enabled(self) -> tuple[str, ...]:
        return tuple(c for c in CHANNELS if getattr(self, c))

    def admins(self) -> list[tuple[str, str]]:
        """(channel, address) of every admin of an enabled channel."""
        out = [("telegram", str(c)) for c in self.telegram_admins] if self.telegram else []
        if self.email:
            out += [("email", a) for a in self.email_admins]
        return out


def admin_addresses(telegram: TelegramConfig, email: EmailConfig) -> list[tuple[str, str]]:
    """(channel, address) of every admin in the config, whether or not the channel can send in
    this process (a note queued now is sent by whichever process has the secret)."""
    out = [("telegram", str(c)) for c in telegram.admin_chat_ids]
    if email.host and email.admin:
        from watcher.addresses import AddressError, parse_mailbox

        try:
            out += [("email", parse_mailbox(a).addr_spec) for a in email.admin]
        except AddressError as exc:
            raise ChannelError(f"email: {exc}") from None
    return out


def resolve_channels(telegram: TelegramConfig, email: EmailConfig) -> Channels:
    """Read the secrets and check the addresses; ChannelError names the first mistake."""
    from watcher import secrets

    token = os.environ.get(telegram.token_env)
    if token is not None:
        token = token.strip()
        if not token:
            raise ChannelError(f"telegram: ${telegram.token_env} is set but empty")
        if not re.match(r"^\d+:[A-Za-z0-9_-]+$", token):
            raise ChannelError(f"telegram: ${telegram.token_env} does not look like a bot token")
        secrets.register(token)
    if not email.host:
        return Channels(token, tuple(telegram.admin_chat_ids))
    from watcher.addresses import AddressError, parse_mailbox

    password = os.environ.get(email.password_env) or None
    secrets.register(password)
    if email.username and not password:
        raise ChannelError(
            f"email: [email] username is set but ${email.password_env} is empty or unset"
        )
    try:
        sender = str(parse_mailbox(email.sender))
        admins = tuple(parse_mailbox(a).addr_spec for a in email.admin)
    except AddressError as exc:
        raise ChannelError(f"email: {exc}") from None
    return Channels(token, tuple(telegram.admin_chat_ids), password, admins, sender)
