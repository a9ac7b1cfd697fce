"""Alert email building: address checks, list and threading headers, header injection.

Messages are read back with the stdlib parser, as a mail client would read them.
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from notifiers.email.message import (
    AddressError,
    Mailbox,
    build_message,
    clean_header,
    parse_mailbox,
)

SENDER = "JUCIP Watch <alerts@watch.example.org>"


def read_back(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def content(part: EmailMessage) -> str:
    # On the wire lines end in CRLF; a client shows them as line ends.
    return part.get_content().replace("\r\n", "\n")


def alert(**kw: object) -> EmailMessage:
    args: dict[str, object] = {
        "sender": SENDER,
        "to": "reader@example.net",
        "subject": "[JUCIP] 4th Ministerial Meeting: joint readout (held 2024-06-26)",
        "text": "Plain alert\n",
        "html": "<p>HTML alert</p>\n",
    }
    args.update(kw)
    return read_back(build_message(**args).as_bytes())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "addr_spec", "name"),
    [
        ("alice@example.org", "alice@example.org", ""),
        ("  Alice Smith <Alice@Example.ORG> ", "Alice@example.org", "Alice Smith"),
        ('"Smith, Alice" <alice@example.org>', "alice@example.org", "Smith, Alice"),
        ("<alice@example.org>", "alice@example.org", ""),
        ("a@münchen.de", "a@xn--mnchen-3ya.de", ""),
    ],
)
def test_valid_mailboxes(value: str, addr_spec: str, name: str) -> None:
    box = parse_mailbox(value)
    assert (box.addr_spec, box.display_name) == (addr_spec, name)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "empty"),
        ("alice", "not an email address"),
        ("alice@", "not an email address"),
        ("@example.org", "not an email address"),
        ("alice@localhost", "no valid domain"),
        ("alice@exa_mple.org", "no valid domain"),
        ("a@b.org, c@d.org", "not a single address"),
        ("friends: a@b.org, c@d.org;", "not a single address"),
        ("alice@example.org\r\nBcc: eve@evil.example", "line break"),
        ("alice@example.org)<eve@evil.example>", "not an email address"),
        ("eve@evil.example <alice@example.org>", "not an email address"),
        ("ü@example.org", "not an email address"),
    ],
)
def test_invalid_addresses_are_refused_with_a_reason(value: str, why: str) -> None:
    with pytest.raises(AddressError) as exc:
        parse_mailbox(value)
    assert why in str(exc.value)
    assert "\n" not in str(exc.value), "one line, for the user"


def test_alert_is_multipart_alternative_with_both_parts() -> None:
    msg = alert()
    assert msg.get_content_type() == "multipart/alternative"
    plain, html = msg.iter_parts()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert content(plain) == "Plain alert\n"
    assert content(html) == "<p>HTML alert</p>\n"
    assert msg["From"] == SENDER and msg["To"] == "reader@example.net"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Message-ID"].endswith("@watch.example.org>")


def test_japanese_subject_and_body_survive_the_round_trip() -> None:
    subject = "[JUCIP] 第4回日米商務・産業パートナーシップ閣僚会合 (2024-06-26開催) 🇯🇵"
    msg = alert(subject=subject, text="半導体の供給網を強化する。\n" * 40)
    raw = build_message(sender=SENDER, to="r@example.net", subject=subject, text="x").as_bytes()
    assert raw.isascii(), "7bit on the wire: no 8BITMIME needed"
    assert all(len(line) <= 78 for line in raw.split(b"\r\n")), "headers are folded"
    assert msg["Subject"] == subject
    assert content(next(msg.iter_parts())) == "半導体の供給網を強化する。\n" * 40


def test_list_headers_and_one_click_unsubscribe() -> None:
    url = "https://watch.example.org/unsubscribe?t=" + "a1b2" * 30
    msg = alert(
        list_id="alerts.watch.example.org",
        list_name="JUCIP Watch alerts",
        unsubscribe_url=url,
        unsubscribe_mailto="ops@watch.example.org",
    )
    assert msg["List-Id"] == "JUCIP Watch alerts <alerts.watch.example.org>"
    assert msg["List-Unsubscribe"] == f"<{url}>, <mailto:ops@watch.example.org?subject=unsubscribe>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_one_click_needs_https_and_mailto_alone_is_fine() -> None:
    msg = alert(unsubscribe_url="http://127.0.0.1:8080/u?t=1")
    assert msg["List-Unsubscribe"] == "<http://127.0.0.1:8080/u?t=1>"
    assert msg["List-Unsubscribe-Post"] is None
    msg = alert(unsubscribe_mailto="JUCIP Ops <ops@watch.example.org>")
    assert msg["List-Unsubscribe"] == "<mailto:ops@watch.example.org?subject=unsubscribe>"
    with pytest.raises(ValueError):
        alert(unsubscribe_url="https://x.org/u?t=1>, <https://evil.example/")
    with pytest.raises(ValueError):
        alert(unsubscribe_url="javascript:alert(1)")


def test_follow_up_is_threaded_under_the_first_alert() -> None:
    first = build_message(sender=SENDER, to="r@example.net", subject="alert", text="x")
    follow = alert(in_reply_to=first.message_id, references=["<older@watch.example.org>"])
    assert follow["In-Reply-To"] == first.message_id
    assert follow["References"] == f"<older@watch.example.org> {first.message_id}"
    assert follow["Message-ID"] != first.message_id
    with pytest.raises(ValueError):
        alert(in_reply_to="<a@b.org>\r\nBcc: eve@evil.example")


def test_explicit_message_id_and_date() -> None:
    when = datetime(2024, 6, 27, 9, 30, tzinfo=UTC)
    msg = alert(message_id="<event-4@watch.example.org>", date=when)
    assert msg["Message-ID"] == "<event-4@watch.example.org>"
    assert msg["Date"].datetime == when


def test_hostile_subject_cannot_add_headers_or_recipients() -> None:
    hostile = (
        "Release\r\nBcc: eve@evil.example\r\nContent-Type: text/html\n\n<script>alert(1)</script>"
        "\u2028To: mallory@evil.example\x00\x1b[31m"
    )
    mail = build_message(sender=SENDER, to="reader@example.net", subject=hostile, text="x")
    msg = read_back(mail.as_bytes())
    assert msg["Subject"] == (
        "Release Bcc: eve@evil.example Content-Type: text/html <script>alert(1)</script>"
        " To: mallory@evil.example [31m"
    )
    assert msg["Bcc"] is None and msg.get_all("To") == ["reader@example.net"]
    assert msg.get_content_type() == "text/plain"
    assert (mail.mail_from, mail.rcpt_to) == ("alerts@watch.example.org", "reader@example.net")


def test_hostile_display_names_are_flattened() -> None:
    box = Mailbox("alice@example.org", "Alice\r\nBcc: eve@evil.example")
    msg = alert(to=box)
    assert msg.get_all("To") == ['"Alice Bcc: eve@evil.example" <alice@example.org>']
    assert msg["Bcc"] is None


def test_hostile_body_text_arrives_as_text() -> None:
    body = "<a href='https://evil.example'>x</a>\r\n*bold* _it_ [l](https://evil.example)\rnext"
    msg = alert(text=body, html=None)
    assert content(msg) == body.replace("\r\n", "\n").replace("\r", "\n") + "\n"
    assert msg.get_content_type() == "text/plain"


def test_clean_header() -> None:
    assert clean_header("  a\r\n\tb\x00c\u2029d  ") == "a b c d"
