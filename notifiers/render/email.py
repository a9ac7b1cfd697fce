"""Alert mails: subject, plain-text part and HTML part, from Jinja2 templates. Pure.

The templates (notifiers/templates/) are data: `email.txt.j2` and `email.html.j2` render one
alert, or a day's alerts for a digest, from `AlertView`s. The HTML one is autoescaped, and its
links keep only http(s) URLs, so scraped text arrives as text and a page cannot plant a link.
The subject is the view's; `notifiers.email.message.build_message` folds any line break out of
it, so no scraped title can add a header.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined

from notifiers.render.view import AlertView
from watcher.addresses import CONTROL_CHARS, clean_header

FOOTER = "You receive this because you subscribed to JUCIP Watch alerts."


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def _oneline(value: object) -> str:
    """Scraped text on one line: control characters and line breaks become spaces."""
    return clean_header(str(value))


def _href(value: object) -> str:
    """An http(s) URL as it may go in an href, else "" (javascript:, data:, tg: ...)."""
    url = str(value).strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in ("http", "https") and not CONTROL_CHARS.search(url) else ""


@functools.cache
def _env(html: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("notifiers", "templates"),
        autoescape=html,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["oneline"] = _oneline
    env.filters["href"] = _href
    return env


def _render(items: Sequence[AlertView], unsubscribe: str | None) -> tuple[str, str]:
    context = {"items": list(items), "footer": FOOTER, "unsubscribe": unsubscribe}
    text = _env(False).get_template("email.txt.j2").render(context)
    html = _env(True).get_template("email.html.j2").render(context)
    return text.strip() + "\n", html


def render_email(view: AlertView, *, unsubscribe: str | None = None) -> RenderedMail:
    """One alert's mail; `unsubscribe` is the link (or mailto) shown in the footer."""
    text, html = _render([view], unsubscribe)
    return RenderedMail(view.subject, text, html)


def render_digest(
    views: Sequence[AlertView], day: date, *, unsubscribe: str | None = None
) -> RenderedMail:
    """A day's alerts in one mail."""
    series = sorted({v.series for v in views if v.kind != "admin"}) or ["JUCIP Watch"]
    n = len(views)
    subject = f"[{'/'.join(series)}] Daily digest {day.isoformat()}: {n} alert{'s' * (n != 1)}"
    text, html = _render(views, unsubscribe)
    return RenderedMail(subject, text, html)
