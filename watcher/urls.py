"""What counts as a URL jucip-watch can fetch: one rule for the config, the command line and
redirect targets.

An absolute http(s) URL whose host is a domain name (ASCII or international) or an IP address,
and whose port, if given, is 1-65535. Checked where the URL comes in, so a mistake is one clear
line there, never a failure deep inside the HTTP stack ("unhandled errors in a TaskGroup"). Pure
and standard-library only: every command imports the config.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_DOTTED_NUMBERS = re.compile(r"^[0-9.]+$")


def check_url(url: str) -> str:
    """`url` unchanged when it is usable; ValueError saying what is wrong otherwise."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:  # an unbalanced "[" in the authority
        raise ValueError(f"{url!r} is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not an http(s) URL")
    host = parts.hostname
    if not host:
        raise ValueError(f"{url!r} has no host")
    _check_host(url, host)
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port is not None and not 1 <= port <= 65535:
        raise ValueError(f"{url!r}: the port must be a number from 1 to 65535")
    return url


def _check_host(url: str, host: str) -> None:
    if ":" in host or _DOTTED_NUMBERS.match(host):  # an IPv6 or IPv4 literal
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(f"{url!r}: {host!r} is not a valid IP address") from None
        return
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{url!r}: {host!r} is not a valid host name") from None
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"{url!r}: {host!r} is not a valid host name")
