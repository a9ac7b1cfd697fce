"""Send `OutgoingMail`s over SMTP with aiosmtplib: one connection per batch, one transaction per
recipient, one `notifiers.outcome` value per mail.

Security is the `[email] security` setting: "tls" (implicit TLS, usually port 465), "starttls"
(plain connect, then STARTTLS is required: a server that does not offer it is refused, never
silently used in the clear) or "none" (loopback and trusted relays only). The login password is
passed in by the caller (read from the environment there), registered with `watcher.secrets`, and
never appears in a reason string or log line.

Outcomes per mail: `Sent` (the server took it: 250 after DATA); `Retry` for 4xx answers,
timeouts and lost connections (`channel_down` when the failure was the server's or the
connection's, not the mailbox's); `Gone` for a permanent refusal of that mailbox (550, 551, 553,
or 5.1.x / 5.2.1 status codes: the subscriber is to be ended); `Failed` for other permanent
refusals (policy 5.7.x, content refused at DATA). Import only when email is configured.
"""

from __future__ import annotations

import logging
import re
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import aiosmtplib

from notifiers.email.message import OutgoingMail
from notifiers.outcome import Failed, Gone, Retry, SendOutcome, Sent
from watcher import secrets as redact

log = logging.getLogger("notifiers.email")

Security = Literal["tls", "starttls", "none"]
SECURITY_MODES: tuple[Security, ...] = ("tls", "starttls", "none")
_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
# Enhanced status codes (RFC 3463) that say the mailbox itself is gone for good.
_GONE_STATUS = frozenset({"5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10", "5.2.1"})
_GONE_CODES = frozenset({550, 551, 553})
# Connection-level trouble: this mail's fate is unknown, the connection is done.
_CONNECTION_ERRORS = (
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPTimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
    ssl.SSLError,
)


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the server. `tls_context` defaults to the system's verified one."""

    host: str
    port: int = 587
    security: Security = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    tls_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)
    local_hostname: str | None = None  # the EHLO name; None: this host's FQDN

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {', '.join(SECURITY_MODES)}")
        redact.register(self.password)


class _Told(list[SendOutcome]):
    """The outcomes list, telling a listener of each one as it is appended."""

    def __init__(self, listener: Callable[[int, SendOutcome], None] | None) -> None:
        super().__init__()
        self._listener = listener

    def append(self, outcome: SendOutcome) -> None:
        super().append(outcome)
        if self._listener is not None:
            self._listener(len(self) - 1, outcome)


_NOT_ATTEMPTED = Retry("connection lost before any delivery; not attempted", channel_down=True)


class _ConnectionLost(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SmtpSender:
    """`outcomes = await SmtpSender(settings).send_batch(mails)`; stateless between batches."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    async def send(self, mail: OutgoingMail) -> SendOutcome:
        return (await self.send_batch([mail]))[0]

    async def send_batch(
        self,
        mails: Iterable[OutgoingMail],
        on_outcome: Callable[[int, SendOutcome], None] | None = None,
    ) -> list[SendOutcome]:
        """One outcome per mail, in order. `mails` may be a generator: each message is built
        only when its turn comes, so a large batch is never all in memory. A connection lost
        part-way is reopened for the rest, unless it was lost before delivering anything (a
        dead server is not hammered: the rest are `Retry` without an attempt). `on_outcome`
        is told each outcome (its index, the outcome) as soon as it is known, so the caller
        can record a delivery before the next one starts."""
        outcomes: list[SendOutcome] = _Told(on_outcome)
        client: aiosmtplib.SMTP | None = None
        fresh = False  # nothing delivered on this connection yet
        given_up: SendOutcome | None = None
        try:
            for mail in mails:
                if given_up is None and client is None:
                    client, given_up = await self._connect()
                    fresh = True
                if given_up is not None or client is None:
                    outcomes.append(given_up or _NOT_ATTEMPTED)
                    continue
                try:
                    outcomes.append(await self._deliver(client, mail))
                    fresh = False
                except _ConnectionLost as lost:
                    outcomes.append(Retry(lost.reason, channel_down=True))
                    await _close(client, quit=False)
                    client = None
                    if fresh:
                        given_up = _NOT_ATTEMPTED
        finally:
            if client is not None:
                await _close(client, quit=True)
        return list(outcomes)

    async def _connect(self) -> tuple[aiosmtplib.SMTP | None, Retry | None]:
        s = self.settings
        client = aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            use_tls=s.security == "tls",
            start_tls=s.security == "starttls",
            tls_context=s.tls_context,
            timeout=s.timeout,
            local_hostname=s.local_hostname,
        )
        where = f"{s.host}:{s.port}"
        try:
            await client.connect()
            if s.username:
                await client.login(s.username, s.password or "")
        except aiosmtplib.SMTPAuthenticationError as exc:
            return await _failed_connect(client, f"login refused by {where}: {_reply(exc)}")
        except aiosmtplib.SMTPResponseException as exc:
            return await _failed_connect(client, f"{where} refused the connection: {_reply(exc)}")
        except _CONNECTION_ERRORS as exc:  # SMTPConnectError is an SMTPException too
            return await _failed_connect(client, f"cannot reach {where}: {_text(exc)}")
        except aiosmtplib.SMTPException as exc:  # no STARTTLS or AUTH offered, and the like
            return await _failed_connect(client, f"{where}: {_text(exc)}")
        return client, None

    async def _deliver(self, client: aiosmtplib.SMTP, mail: OutgoingMail) -> SendOutcome:
        try:
            await client.sendmail(mail.mail_from, [mail.rcpt_to], mail.as_bytes())
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0]
            return classify_recipient(refused.code, refused.message)
        except aiosmtplib.SMTPSenderRefused as exc:
            # MAIL FROM refused: about our account or sender address, not this recipient.
            return Retry(f"sender {mail.mail_from} refused: {_reply(exc)}", channel_down=True)
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code == 421:  # the server is closing the connection
                raise _ConnectionLost(_reply(exc)) from None
            if 400 <= exc.code < 500:
                return Retry(_reply(exc))
            return Failed(f"message refused: {_reply(exc)}")
        except _CONNECTION_ERRORS as exc:
            raise _ConnectionLost(f"connection lost: {_text(exc)}") from None
        except aiosmtplib.SMTPException as exc:
            return Failed(_text(exc))
        return Sent((mail.message_id,))


def classify_recipient(code: int, message: str) -> SendOutcome:
    """The outcome of an SMTP refusal of one mailbox (RCPT TO), from its reply code and text."""
    reason = redact.redact(f"{code} {message}".strip())
    m = _ENHANCED.match(message)
    status = ".".join(m.groups()) if m else None
    if 400 <= code < 500 or (m and m.group(1) == "4"):
        return Retry(reason)
    if m and m.group(2) == "7":
        return Failed(reason)  # policy or security (blocklists, relaying): not the mailbox
    if code in _GONE_CODES or status in _GONE_STATUS:
        return Gone(reason)
    if code == 552:
        return Retry(reason)  # RFC 5321 4.5.3.1.10: treat 552 on RCPT as temporary
    return Failed(reason)


def _reply(exc: aiosmtplib.SMTPResponseException) -> str:
    return redact.redact(f"{exc.code} {exc.message}".strip())


def _text(exc: BaseException) -> str:
    return redact.redact(str(exc) or type(exc).__name__)


async def _failed_connect(client: aiosmtplib.SMTP, reason: str) -> tuple[None, Retry]:
    log.warning("email: %s", reason)
    await _close(client, quit=False)
    return None, Retry(reason, channel_down=True)


async def _close(client: aiosmtplib.SMTP, *, quit: bool) -> None:
    try:
        if quit and client.is_connected:
            await client.quit()
    except (aiosmtplib.SMTPException, *_CONNECTION_ERRORS):
        pass
    finally:
        client.close()
