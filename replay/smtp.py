"""A real SMTP server on loopback (aiosmtpd in a thread), for tests, `make demo` and benchmarks.

`with SmtpServer() as smtp:` listens on 127.0.0.1 on a free port. It can require STARTTLS
(`security="starttls"`) or speak implicit TLS (`security="tls"`) with a certificate from a test
CA made on the spot (`TestTls`, trustme), require AUTH (`users={"alerts": "secret"}`), refuse a
mailbox permanently or for a while (`refuse("gone@example.org", 550)`), refuse at DATA, and drop
the connection mid-batch. It records every message with its envelope and whether it came over
TLS and logged in.

As a process: `python -m replay.smtp [--maildir DIR]` prints `smtp=127.0.0.1:PORT`,
writes each message to DIR as an .eml file, and serves until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import logging
import ssl
import sys
import threading
import time
import warnings
from collections.abc import Awaitable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from replay.process import serve_until_signalled

Security = Literal["none", "starttls", "tls"]


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    tls: bool
    login: str | None
    connection: int  # which connection (1, 2, ...) carried it
    at: float

    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


class TestTls:
    """A throwaway CA and a certificate for 127.0.0.1/localhost (trustme, in memory)."""

    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        import trustme  # a dev dependency: only tests and the demo make certificates

        self._ca = trustme.CA()
        self._cert = self._ca.issue_cert("127.0.0.1", "localhost")

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._cert.configure_cert(ctx)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        self._ca.configure_trust(ctx)
        return ctx


@dataclass
class _Refusal:
    code: int
    message: str
    times: int | None


@dataclass
class _Script:
    refusals: dict[str, _Refusal] = field(default_factory=dict)  # lower-case mailbox -> refusal
    data_refusals: list[tuple[int, str]] = field(default_factory=list)
    drop_at_message: set[int] = field(default_factory=set)  # 1-based DATA count


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_EHLO(
        self, smtp: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        self.server._connection_of(smtp)
        return responses

    async def handle_RCPT(
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        refusal = self.server._refusal(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        return self.server._data(smtp, session, envelope)


class _Controller(Controller):
    """aiosmtpd's Controller, on a port the OS picks (port=0)."""

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        async def create() -> asyncio.AbstractServer:
            server = await self.loop.create_server(
                self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context
            )
            self.port = server.sockets[0].getsockname()[1]
            return server

        return create()

    def factory(self) -> SMTP:
        # AUTH without STARTTLS is what the "none" and "tls" modes mean to test on loopback;
        # aiosmtpd warns about it on every connection.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return super().factory()


class SmtpServer:
    """A recording SMTP server on loopback; see the module doc."""

    def __init__(
        self,
        *,
        security: Security = "none",
        tls: TestTls | None = None,
        users: dict[str, str] | None = None,
        maildir: Path | None = None,
    ) -> None:
        if security != "none" and tls is None:
            tls = TestTls()
        self.tls = tls
        self.security = security
        self.users = dict(users or {})
        self.maildir = maildir
        self.messages: list[ReceivedMail] = []
        self.auth_attempts: list[tuple[str, bool]] = []
        self._lock = threading.Lock()
        self._script = _Script()
        self._sessions: list[SMTP] = []  # one per connection (STARTTLS makes a new Session)
        self._data_count = 0
        kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": 0, "ready_timeout": 10}
        smtp_kwargs: dict[str, Any] = {"server_hostname": "mx.loopback.test", "ident": "loopback"}
        if security == "starttls":
            assert tls is not None
            smtp_kwargs.update(tls_context=tls.server_context(), require_starttls=True)
        elif security == "tls":
            assert tls is not None
            kwargs["ssl_context"] = tls.server_context()
        if self.users:
            smtp_kwargs.update(
                authenticator=self._authenticate,
                auth_required=True,
                # aiosmtpd only knows STARTTLS as TLS; an implicit-TLS connection is TLS too.
                auth_require_tls=security == "starttls",
            )
        # aiosmtpd logs its own deprecated Session.login_data on every login.
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        self._controller = _Controller(_Handler(self), **kwargs, **smtp_kwargs)

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def client_tls_context(self) -> ssl.SSLContext | None:
        """A client context that trusts this server's test certificate."""
        return self.tls.client_context() if self.tls else None

    # -- scripting ------------------------------------------------------------------------------
    def refuse(
        self, mailbox: str, code: int = 550, message: str | None = None, *, times: int | None = None
    ) -> None:
        """Refuse RCPT TO `mailbox` with `code` (`times` times; None: always)."""
        text = message or (
            "5.1.1 Recipient address rejected: User unknown"
            if code >= 500
            else "4.3.0 Try again later"
        )
        with self._lock:
            self._script.refusals[mailbox.lower()] = _Refusal(code, text, times)

    def refuse_data(self, code: int = 554, message: str = "5.7.1 Message rejected") -> None:
        """Refuse the next message at DATA."""
        with self._lock:
            self._script.data_refusals.append((code, message))

    def drop_connection_at(self, n: int) -> None:
        """Close the connection instead of answering the n-th DATA (1-based, over all
        connections): the client cannot know whether that message was taken."""
        with self._lock:
            self._script.drop_at_message.add(n)

    @property
    def connections(self) -> int:
        """Connections that said EHLO/HELO (the readiness probe and port scans do not count)."""
        with self._lock:
            return len(self._sessions)

    # -- hooks (run on the server's loop thread) ------------------------------------------------
    def _connection_of(self, smtp: SMTP) -> int:
        with self._lock:
            for n, known in enumerate(self._sessions, 1):
                if known is smtp:
                    return n
            self._sessions.append(smtp)
            return len(self._sessions)

    def _refusal(self, address: str) -> str | None:
        with self._lock:
            refusal = self._script.refusals.get(address.lower())
            if refusal is None:
                return None
            if refusal.times is not None:
                refusal.times -= 1
                if refusal.times <= 0:
                    del self._script.refusals[address.lower()]
            return f"{refusal.code} {refusal.message}"

    def _data(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            self._data_count += 1
            if self._data_count in self._script.drop_at_message:
                smtp.transport.close()  # type: ignore[union-attr]
                return "421 4.3.2 closing"
            if self._script.data_refusals:
                code, message = self._script.data_refusals.pop(0)
                return f"{code} {message}"
        mail = ReceivedMail(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=bytes(envelope.original_content or envelope.content or b""),  # type: ignore[arg-type]
            tls=_over_tls(smtp, session),
            login=session.auth_data if isinstance(session.auth_data, str) else None,
            connection=self._connection_of(smtp),
            at=time.monotonic(),
        )
        with self._lock:
            self.messages.append(mail)
            if self.maildir is not None:
                self.maildir.mkdir(parents=True, exist_ok=True)
                (self.maildir / f"{len(self.messages):06d}.eml").write_bytes(mail.data)
        return "250 2.0.0 OK: queued"

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        ok = self.users.get(login) == auth_data.password.decode("utf-8", "replace")
        with self._lock:
            self.auth_attempts.append((login, ok))
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)


def _over_tls(smtp: SMTP, session: Session) -> bool:
    # STARTTLS sets session.ssl; an implicit-TLS connection only shows on its transport.
    transport = smtp.transport
    return session.ssl is not None or (
        transport is not None and transport.get_extra_info("ssl_object") is not None
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A loopback SMTP server for tests and demo.")
    parser.add_argument("--maildir", type=Path, help="write each message here as an .eml file")
    args = parser.parse_args(argv)
    server = SmtpServer(maildir=args.maildir).start()
    return serve_until_signalled(f"smtp={server.host}:{server.port}", server.stop)


if __name__ == "__main__":
    sys.exit(main())
