"""Alert emails as MIME messages. Pure: builds bytes, sends nothing.

`build_message` makes a multipart/alternative message (plain text first, then HTML) from parts
the renderers already made, with the headers a list mail needs: From, To, Subject, Date,
Message-ID, List-Id, List-Unsubscribe (+ List-Unsubscribe-Post for RFC 8058 one-click),
In-Reply-To/References for threading a follow-up under its event's first alert, and
Auto-Submitted (RFC 3834) so auto-responders stay quiet.

Scraped text reaches headers only through the subject, and no header value can carry a line
break: CR, LF and every other control character are folded to spaces before the value is set,
so a hostile title cannot add a header or a recipient. The envelope (MAIL FROM, RCPT TO) comes
from the validated mailboxes, never from header text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy as _policy
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import quote, urlsplit

from watcher.addresses import AddressError, Mailbox, clean_header, parse_mailbox

__all__ = [
    "POLICY",
    "AddressError",
    "Mailbox",
    "OutgoingMail",
    "build_message",
    "clean_header",
    "new_message_id",
    "parse_mailbox",
]


class _UriListHeader(UnstructuredHeader):
    """A header of <URI> items, folded only between items and never RFC 2047-encoded.

    The default folding turns a URI longer than a line into encoded-words, which no mail client
    reads as a List-Unsubscribe target.
    """

    max_count = 1

    def fold(self, *, policy: _policy.Policy) -> str:
        line = f"{self.name}: {self}"
        if len(line) <= (policy.max_line_length or 78):
            return line + policy.linesep
        return f"{self.name}: " + f",{policy.linesep} ".join(str(self).split(", ")) + policy.linesep


class _SubjectHeader(UnstructuredHeader):
    """An ASCII subject folded at spaces. The stdlib folder moves a subject that opens with
    "[TAG]" whole onto a continuation line, which readers then show with a leading space."""

    max_count = 1

    def fold(self, *, policy: _policy.Policy) -> str:
        value = str(self)
        limit = policy.max_line_length or 78
        if not value.isascii() or len(value) + len(self.name) + 2 <= limit:
            return super().fold(policy=policy)
        start = f"{self.name}:"
        lines, line = [], start
        for word in value.split(" "):
            if line not in (start, "") and len(line) + 1 + len(word) > limit:
                lines.append(line)
                line = ""
            line += f" {word}"
        lines.append(line)
        return policy.linesep.join(lines) + policy.linesep


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", _UriListHeader)
_HEADERS.map_to_type("subject", _SubjectHeader)
# 7bit: bodies go out as quoted-printable or base64, which every server takes (no 8BITMIME
# needed); SMTP: CRLF line ends. Long headers are folded to 78 columns, RFC 2047 for non-ASCII.
POLICY = _policy.SMTP.clone(cte_type="7bit", header_factory=_HEADERS)

# Control characters and the Unicode line and paragraph separators: none belongs in a header.
_MSG_ID = re.compile(r"^<[^<>\s@]+@[^<>\s@]+>$")
_LIST_ID = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)+$")
# RFC 3986 characters; anything else in an unsubscribe URL is ours to have escaped first.
_MAX_URL = 900  # a header line may be 998 characters
_URL_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")


@dataclass(frozen=True)
class OutgoingMail:
    """A message with its envelope; what `notifiers.email.smtp.SmtpSender` sends."""

    mail_from: str  # envelope sender (addr-spec)
    rcpt_to: str  # envelope recipient (addr-spec): one message per recipient
    message: EmailMessage
    message_id: str  # "<...@domain>", to store for threading follow-ups

    def as_bytes(self) -> bytes:
        return self.message.as_bytes(policy=POLICY)


def new_message_id(domain: str) -> str:
    """A fresh Message-ID on `domain` (the sender's), without the DNS lookup make_msgid does
    when it is given no domain."""
    return make_msgid(domain=domain)


def build_message(
    *,
    sender: str | Mailbox,
    to: str | Mailbox,
    subject: str,
    text: str,
    html: str | None = None,
    list_id: str | None = None,
    list_name: str = "",
    unsubscribe_url: str | None = None,
    unsubscribe_mailto: str | Mailbox | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    message_id: str | None = None,
    date: datetime | None = None,
) -> OutgoingMail:
    """One alert email for one recipient (see module doc). `text` and `html` are rendered and
    escaped already; `list_id` is a dot-atom like "alerts.jucip-watch.example.org"."""
    from_box, to_box = parse_mailbox(sender), parse_mailbox(to)
    msg = EmailMessage(policy=POLICY)
    msg["From"] = str(from_box)
    msg["To"] = str(to_box)
    msg["Subject"] = clean_header(subject)
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg_id = _checked_msg_id(message_id) if message_id else new_message_id(from_box.domain)
    msg["Message-ID"] = msg_id
    _add_threading(msg, in_reply_to, references)
    if list_id:
        if not _LIST_ID.match(list_id):
            raise ValueError(f"List-Id must be a dot-atom like alerts.example.org, not {list_id!r}")
        name = clean_header(list_name)
        msg["List-Id"] = f"{name} <{list_id}>" if name else f"<{list_id}>"
    _add_unsubscribe(msg, unsubscribe_url, unsubscribe_mailto)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(_body(text), subtype="plain", charset="utf-8")
    if html is not None:
        msg.add_alternative(_body(html), subtype="html", charset="utf-8")
    return OutgoingMail(from_box.addr_spec, to_box.addr_spec, msg, msg_id)


def _add_threading(msg: EmailMessage, in_reply_to: str | None, references: Sequence[str]) -> None:
    refs = [_checked_msg_id(r) for r in references]
    if in_reply_to:
        parent = _checked_msg_id(in_reply_to)
        msg["In-Reply-To"] = parent
        if parent not in refs:
            refs.append(parent)  # RFC 5322: References ends with the parent
    if refs:
        msg["References"] = " ".join(refs)


def _add_unsubscribe(msg: EmailMessage, url: str | None, mailto: str | Mailbox | None) -> None:
    targets = []
    if url:
        targets.append(f"<{_checked_url(url)}>")
    if mailto:
        box = parse_mailbox(mailto)
        targets.append(f"<mailto:{quote(box.addr_spec, safe='@')}?subject=unsubscribe>")
    if not targets:
        return
    msg["List-Unsubscribe"] = ", ".join(targets)
    if url and urlsplit(url).scheme == "https":
        # RFC 8058 one-click needs an HTTPS URI: mail clients POST this body to it.
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"


def _checked_url(url: str) -> str:
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or not _URL_CHARS.match(url)
        or len(url) > _MAX_URL
    ):
        raise ValueError(f"unsubscribe URL must be an escaped http(s) URL, not {url!r}")
    return url


def _checked_msg_id(value: str) -> str:
    value = value.strip()
    if not _MSG_ID.match(value):
        raise ValueError(f"not a Message-ID like <id@example.org>: {value!r}")
    return value


def _body(text: str) -> str:
    # One line-ending convention in; the policy writes CRLF out.
    return text.replace("\r\n", "\n").replace("\r", "\n")
