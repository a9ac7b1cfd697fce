"""Email addresses as the config, the command line and the notifiers take them (pure).

One address check for every place an address comes in: an admin address in the config, a
subscriber added on the command line, a recipient the dispatcher sends to. An address is one
plain mailbox, read the same way by two parsers (a differential between parsers is how recipients
get smuggled), with its domain in ASCII.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy as _policy
from email.headerregistry import Address
from email.utils import parseaddr

# Control characters and line breaks: what may not stay in a header or one line of text.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s+")
_DOMAIN_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


class AddressError(ValueError):
    """An address that is not one plain mailbox; the message says why, for the user."""


@dataclass(frozen=True)
class Mailbox:
    """One validated address: `addr_spec` is local@domain with the domain in ASCII (IDNA)."""

    addr_spec: str
    display_name: str = ""

    @property
    def domain(self) -> str:
        return self.addr_spec.rpartition("@")[2]

    def __str__(self) -> str:
        local, _, domain = self.addr_spec.rpartition("@")
        return str(Address(clean_header(self.display_name), local, domain))


def parse_mailbox(value: str | Mailbox) -> Mailbox:
    """`value` ("alice@example.org" or "Alice <alice@example.org>") as a Mailbox, or
    AddressError saying what is wrong: empty, a list, a group, no domain, a line break..."""
    if isinstance(value, Mailbox):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise AddressError("empty email address")
    if CONTROL_CHARS.search(text):
        raise AddressError(f"{shown(text)} contains a line break or control character")
    try:
        header = _policy.default.header_factory("to", text)
    except Exception:  # the stdlib parser raises IndexError, not only HeaderParseError
        raise AddressError(f"{shown(text)} is not an email address like name@example.org") from None
    addresses = header.addresses  # type: ignore[attr-defined]
    if len(addresses) != 1 or any(g.display_name for g in header.groups):  # type: ignore[attr-defined]
        raise AddressError(f"{shown(text)} is not a single address (one mailbox, no list)")
    address: Address = addresses[0]
    local, domain = address.username, address.domain
    if not local or not domain or header.defects:  # type: ignore[attr-defined]
        raise AddressError(f"{shown(text)} is not an email address like name@example.org")
    # A second parser must read the same mailbox: a differential is how recipients get smuggled.
    if parseaddr(text)[1].lower() != f"{local}@{domain}".lower():
        raise AddressError(f"{shown(text)} is ambiguous; give the address alone")
    if not local.isascii():
        raise AddressError(f"{shown(text)}: non-ASCII before the @ is not supported")
    return Mailbox(f"{local}@{_ascii_domain(domain, text)}", address.display_name)


def clean_header(value: str) -> str:
    """`value` on one line: control characters and line breaks become spaces, runs of
    whitespace one space. Every header value we set passes through here."""
    return _SPACES.sub(" ", CONTROL_CHARS.sub(" ", value)).strip()


def _ascii_domain(domain: str, given: str) -> str:
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise AddressError(f"{shown(given)} has an invalid domain") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels):
        raise AddressError(f"{shown(given)} has no valid domain (like example.org) after the @")
    return ascii_domain


def shown(text: str) -> str:
    """`text` quoted for an error message, clipped to a readable length."""
    return repr(text if len(text) <= 80 else text[:77] + "...")
