"""Telegram HTML for alerts, /latest, /compare and /topic. Pure: an `AlertView` (or summaries) in,
one HTML string out; `TelegramSender` splits it at paragraph ends when it is long.

Readable on a phone: short lines, no tables, one blank line between blocks. Every string that
came from a page goes through `escape`, every link through `link` (http(s) only, escaped), so a
page can add neither markup nor a link it did not have.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from notifiers.render.view import (
    AlertView,
    Quote,
    TopicGroup,
    alert_view,
    event_view,
    meeting_name,
    topic_quotes,
)
from notifiers.telegram.text import escape, link
from watcher.analysis.summary import EventSummary


def render(view: AlertView) -> str:
    """The message for one alert view."""
    if view.kind == "admin":
        return "\n".join([f"⚠️ <b>{escape(view.title)}</b>", *(escape(x) for x in view.lines)])
    if view.kind == "mention":
        when = f" ({view.posted.isoformat()})" if view.posted else ""
        return f"{escape(view.series)} mentioned: {link(view.url, view.title)}{escape(when)}"
    if view.kind == "follow_up":
        return _follow_up(view)
    return _event(view)


def render_alert(
    kind: str,
    series: Sequence[str],
    payload: dict[str, object],
    summary: EventSummary | None,
    lang: str = "both",
) -> str:
    """The message for one alert row, in the subscriber's language."""
    return render(alert_view(kind, series, payload, summary, lang))


def latest_message(summary: EventSummary, lang: str = "both") -> str:
    """/latest: the latest meeting's alert again."""
    return _event(event_view(summary, lang))


def compare_message(summary: EventSummary, lang: str = "both") -> str:
    """/compare: the latest meeting against its predecessor, topic by topic."""
    view = event_view(summary, lang)
    blocks = [_headline(view)]
    blocks.append(_comparison(view) or "Nothing earlier in the series to compare with.")
    return "\n\n".join(blocks)


_EPOCH = date(1970, 1, 1)


def topic_message(topic_id: str, summaries: Sequence[EventSummary], lang: str = "both") -> str:
    """/topic ID: that topic across meetings, oldest first: when it first appeared, and each
    meeting's key commitments on it. `summaries` are the events' (any order)."""
    ordered = sorted(summaries, key=lambda s: s.first.when or s.date or _EPOCH)
    with_topic = [s for s in ordered if topic_id in s.topics]
    if not with_topic:
        return f"No archived meeting mentions the topic {escape(topic_id)}."
    label = with_topic[0].topic_label(topic_id)
    first = with_topic[0]
    lines = [f"<b>{escape(label)}</b>", f"First seen: {escape(_meeting_line(first))}"]
    for s in with_topic:
        quotes = topic_quotes(s, topic_id, lang)
        lines.append("")
        lines.append(f"<b>{escape(_meeting_line(s))}</b>")
        lines += [_quote(q) for q in quotes] or ["(on the agenda; no key commitment)"]
    return "\n".join(lines)


def _meeting_line(summary: EventSummary) -> str:
    name = meeting_name(summary.meeting) or summary.headline
    when = summary.first.when
    return f"{name}, {when.isoformat()}" if when else name


def _headline(view: AlertView) -> str:
    top = f"🇯🇵🇺🇸 <b>{escape(view.series)}"
    top += f" · {escape(view.meeting)}</b>" if view.meeting else "</b>"
    facts = [f"held {view.held.isoformat()}" if view.held else "", view.place or ""]
    lines = [top]
    if any(facts):
        line = " · ".join(f for f in facts if f)
        lines.append(escape(line[:1].upper() + line[1:]))
    lines.append(f"<i>{escape(view.title)}</i>")
    return "\n".join(lines)


def _quote(q: Quote) -> str:
    line = f"• {escape(q.text)} <i>({escape(q.strength)})</i>"
    if q.translation:
        line += f"\n   <i>{escape(q.translation)}</i>"
    return line


def _groups(groups: Sequence[TopicGroup]) -> str:
    blocks = []
    for g in groups:
        blocks.append("\n".join([f"<b>{escape(g.label)}</b>", *(_quote(q) for q in g.quotes)]))
    return "\n\n".join(blocks)


def _comparison(view: AlertView) -> str:
    c = view.comparison
    if c is None:
        return ""
    lines = [f"<b>Compared with the {escape(c.previous)}</b>"]
    for status in ("new", "continued", "no longer mentioned", "not in the summary"):
        found = c.of(status)
        if not found:
            continue
        names = [
            escape(t.label) + (" <i>(first time in the series)</i>" if t.first_in_series else "")
            for t in found
        ]
        lines.append(f"{status.capitalize()}: " + ", ".join(names))
    if c.caveat:
        lines.append(f"⚠️ {escape(c.caveat)}")
    return "\n".join(lines)


def _links(view: AlertView) -> str:
    return "\n".join(["<b>Sources</b>", *(f"• {link(x.url, x.label)}" for x in view.links)])


def _event(view: AlertView) -> str:
    blocks = [_headline(view)]
    if view.groups:
        blocks.append("<b>Key commitments</b>\n\n" + _groups(view.groups))
    blocks += [_comparison(view), _links(view)]
    return "\n\n".join(b for b in blocks if b)


def _follow_up(view: AlertView) -> str:
    name = view.meeting or view.title
    held = f" (held {view.held.isoformat()})" if view.held else ""
    blocks = [
        f"➕ <b>{escape(view.series)} · {escape(name)}</b>{escape(held)}\n"
        f"{escape(view.version)}: {link(view.url, view.title or view.url)}"
    ]
    adds = []
    if view.added_topics:
        adds.append("New topics in this version: " + escape(", ".join(view.added_topics)))
    adds += [_quote(q) for q in view.added]
    if view.added_more:
        adds.append(f"… and {view.added_more} more")
    if adds:
        blocks.append("\n".join(["<b>What it adds</b>", *adds]))
    else:
        blocks.append("It adds no topic or commitment to the first version.")
    return "\n\n".join(blocks)
