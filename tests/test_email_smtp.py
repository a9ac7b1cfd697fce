"""SmtpSender against a real SMTP server on loopback (aiosmtpd), in each security mode."""

from __future__ import annotations

import asyncio
import email
import email.policy
import html
import logging
import ssl
from pathlib import Path

import pytest

from notifiers.email.message import OutgoingMail, build_message
from notifiers.email.smtp import SmtpSender, SmtpSettings, classify_recipient
from notifiers.outcome import Failed, Gone, Retry, Sent
from replay.process import spawned
from replay.smtp import SmtpServer

PASSWORD = "correct-horse-battery-staple"
USERS = {"alerts@watch.example.org": PASSWORD}


def mail(to: str, subject: str = "[JUCIP] alert", **kw: object) -> OutgoingMail:
    return build_message(
        sender="JUCIP Watch <alerts@watch.example.org>",
        to=to,
        subject=subject,
        text=str(kw.pop("text", "plain")),
        html=str(kw.pop("html", "<p>html</p>")),
        **kw,  # type: ignore[arg-type]
    )


def settings(server: SmtpServer, **kw: object) -> SmtpSettings:
    args: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "security": server.security,
        "tls_context": server.client_tls_context(),
        "timeout": 5.0,
        "local_hostname": "client.loopback.test",
    }
    if server.users:
        args.update(username="alerts@watch.example.org", password=PASSWORD)
    args.update(kw)
    return SmtpSettings(**args)  # type: ignore[arg-type]


def send(server: SmtpServer, mails: list[OutgoingMail], **kw: object) -> list[object]:
    return asyncio.run(SmtpSender(settings(server, **kw)).send_batch(mails))  # type: ignore[arg-type]


@pytest.mark.parametrize("security", ["none", "starttls", "tls"])
def test_each_security_mode_logs_in_and_delivers_a_batch_on_one_connection(security: str) -> None:
    with SmtpServer(security=security, users=USERS) as server:  # type: ignore[arg-type]
        mails = [mail(f"reader{n}@example.net") for n in range(3)]
        outcomes = send(server, mails)
        assert outcomes == [Sent((m.message_id,)) for m in mails]
        assert [m.rcpt_tos for m in server.messages] == [(m.rcpt_to,) for m in mails]
        assert {m.tls for m in server.messages} == {security != "none"}
        assert {m.login for m in server.messages} == {"alerts@watch.example.org"}
        assert server.connections == 1
        assert {m.connection for m in server.messages} == {1}


def test_the_received_message_has_both_parts_and_its_headers(smtp_server: SmtpServer) -> None:
    sent = mail(
        "Reader <reader@example.net>",
        text="Key commitments\n- chips",
        html="<p>Key commitments</p><ul><li>chips</li></ul>",
        list_id="alerts.watch.example.org",
        unsubscribe_url="https://watch.example.org/u?t=abc",
    )
    assert send(smtp_server, [sent]) == [Sent((sent.message_id,))]
    [received] = smtp_server.messages
    assert received.mail_from == "alerts@watch.example.org"
    msg = received.parsed()
    assert msg["Message-ID"] == sent.message_id
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain, rich = msg.iter_parts()
    assert plain.get_content().replace("\r\n", "\n") == "Key commitments\n- chips\n"
    assert "<li>chips</li>" in rich.get_content()


def test_wrong_password_is_a_channel_wide_retry_and_never_shown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with SmtpServer(security="starttls", users=USERS) as server:
        wrong = "wrong-password-for-this-test"
        outcomes = send(server, [mail("a@example.net"), mail("b@example.net")], password=wrong)
        assert all(isinstance(o, Retry) and o.channel_down for o in outcomes)
        assert "535" in outcomes[0].reason  # type: ignore[attr-defined]
        assert server.messages == []
        assert server.auth_attempts  # aiosmtplib tries each mechanism the server offers
        assert all(not ok for _, ok in server.auth_attempts)
    for secret in (wrong, PASSWORD):
        assert secret not in caplog.text
        assert all(secret not in repr(o) for o in outcomes)
    assert PASSWORD not in repr(settings(server))


def test_permanent_refusal_of_a_mailbox_is_gone_and_temporary_is_retry(
    smtp_server: SmtpServer,
) -> None:
    smtp_server.refuse("gone@example.net", 550)
    smtp_server.refuse("busy@example.net", 451)
    smtp_server.refuse("spam@example.net", 550, "5.7.1 Message refused by policy")
    smtp_server.refuse("full@example.net", 552, "5.2.2 Mailbox full")
    mails = [mail(f"{n}@example.net") for n in ("ok", "gone", "busy", "spam", "full", "ok2")]
    outcomes = send(smtp_server, mails)
    assert [o.kind for o in outcomes] == ["sent", "gone", "retry", "failed", "retry", "sent"]  # type: ignore[attr-defined]
    assert outcomes[1] == Gone("550 5.1.1 Recipient address rejected: User unknown")
    assert not outcomes[2].channel_down  # type: ignore[attr-defined]
    assert [m.rcpt_tos for m in smtp_server.messages] == [("ok@example.net",), ("ok2@example.net",)]
    assert smtp_server.connections == 1, "refusals do not cost the connection"


def test_refusal_at_data_fails_that_message_only(smtp_server: SmtpServer) -> None:
    smtp_server.refuse_data(554, "5.6.0 Message content rejected")
    outcomes = send(smtp_server, [mail("a@example.net"), mail("b@example.net")])
    assert outcomes[0] == Failed("message refused: 554 5.6.0 Message content rejected")
    assert isinstance(outcomes[1], Sent)


def test_dropped_connection_is_reopened_for_the_rest(smtp_server: SmtpServer) -> None:
    smtp_server.drop_connection_at(2)
    mails = [mail(f"r{n}@example.net") for n in range(4)]
    outcomes = send(smtp_server, mails)
    assert [o.kind for o in outcomes] == ["sent", "retry", "sent", "sent"]  # type: ignore[attr-defined]
    assert outcomes[1].channel_down  # type: ignore[attr-defined]
    assert smtp_server.connections == 2
    assert [m.connection for m in smtp_server.messages] == [1, 2, 2]


def test_unreachable_server_retries_every_mail() -> None:
    server = SmtpServer().start()
    port = server.port
    server.stop()
    outcomes = asyncio.run(
        SmtpSender(SmtpSettings("127.0.0.1", port, "none", timeout=5)).send_batch(
            [mail("a@example.net"), mail("b@example.net")]
        )
    )
    assert all(isinstance(o, Retry) and o.channel_down for o in outcomes)
    assert "cannot reach" in outcomes[0].reason  # type: ignore[attr-defined]


def test_starttls_is_required_never_skipped(smtp_server: SmtpServer) -> None:
    outcomes = send(smtp_server, [mail("a@example.net")], security="starttls")
    assert isinstance(outcomes[0], Retry) and "STARTTLS" in outcomes[0].reason
    assert smtp_server.messages == []


def test_an_untrusted_certificate_is_refused() -> None:
    with SmtpServer(security="tls") as server:
        outcomes = send(server, [mail("a@example.net")], tls_context=ssl.create_default_context())
        assert isinstance(outcomes[0], Retry) and outcomes[0].channel_down
        assert server.messages == []


def test_hostile_strings_arrive_as_plain_text_and_cannot_add_recipients(
    smtp_server: SmtpServer,
) -> None:
    title = '<a href="https://evil.example">Click</a> <script>alert(1)</script> <b>unclosed'
    hostile = f"{title}\r\nBcc: eve@evil.example\r\n*bold* _it_ [l](https://evil.example)"
    sent = mail(
        "reader@example.net",
        subject=hostile,
        text=hostile,
        html=f"<p>{html.escape(hostile)}</p>",
    )
    assert isinstance(send(smtp_server, [sent])[0], Sent)
    [received] = smtp_server.messages
    assert received.rcpt_tos == ("reader@example.net",)
    msg = email.message_from_bytes(received.data, policy=email.policy.default)
    assert msg["Bcc"] is None
    assert msg["Subject"] == hostile.replace("\r\n", " ")
    plain, rich = msg.iter_parts()  # type: ignore[attr-defined]
    assert plain.get_content().replace("\r\n", "\n") == hostile.replace("\r\n", "\n") + "\n"
    assert "<script>" not in rich.get_content() and "&lt;script&gt;" in rich.get_content()


@pytest.mark.parametrize(
    ("code", "message", "kind"),
    [
        (550, "5.1.1 User unknown", "gone"),
        (551, "User not local", "gone"),
        (553, "Mailbox name not allowed", "gone"),
        (554, "5.1.10 Null MX", "gone"),
        (550, "5.7.1 Relaying denied", "failed"),
        (554, "Transaction failed", "failed"),
        (552, "Mailbox full", "retry"),
        (450, "4.2.1 Mailbox busy", "retry"),
        (421, "Service not available", "retry"),
    ],
)
def test_recipient_refusal_classes(code: int, message: str, kind: str) -> None:
    assert classify_recipient(code, message).kind == kind


def test_runs_as_a_process_writing_a_maildir(tmp_path: Path) -> None:
    with spawned("replay.smtp", "--maildir", str(tmp_path)) as where:
        host, port = where.rsplit(":", 1)
        sender = SmtpSender(SmtpSettings(host, int(port), "none", timeout=5))
        sent = mail("reader@example.net", subject="from another process")
        assert asyncio.run(sender.send(sent)) == Sent((sent.message_id,))
    [eml] = tmp_path.glob("*.eml")
    assert email.message_from_bytes(eml.read_bytes())["Subject"] == "from another process"
