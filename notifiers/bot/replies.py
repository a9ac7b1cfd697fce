"""What the bot says: Telegram HTML for its replies and the inline keyboards of its filter menus.

Pure: subscribers, ids and labels in, text and button rows out (a row is a list of (label,
callback data) pairs; `notifiers.bot.handlers` turns them into PTB markup). Readable on a phone:
short lines, no tables. Every label and id goes through `escape`: a topic added in the config
or an error text cannot add markup.

Callback data is `<menu>:<value>`, at most 64 bytes as Telegram requires: `ser:jucip`, `top:*`
(every topic), `lang:ja`, `men:on`, `done:ser`. An id too long for that travels as `#` and a
hash of it, found again among the known ids (`parse_data`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from notifiers.telegram.text import escape

if TYPE_CHECKING:
    from state.store import AlarmRow, SourceState, SubscriberRow
    from watcher.pipeline import CheckReport

MAX_DATA_BYTES = 64
ALL = "*"
Rows = list[list[tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    description: str
    admin: bool = False


COMMANDS: tuple[Command, ...] = (
    Command("start", "Subscribe to alerts"),
    Command("latest", "The latest meeting's alert again"),
    Command("compare", "Latest meeting against the one before"),
    Command("topic", "One topic across meetings: /topic ID"),
    Command("series", "Choose the series you follow"),
    Command("topics", "Choose the topics you follow"),
    Command("lang", "Quote commitments in en, ja or both"),
    Command("mentions", "Passing mentions too: /mentions on|off"),
    Command("stop", "Unsubscribe"),
    Command("help", "What this bot does"),
    Command("status", "Source health and the queue", admin=True),
    Command("check", "Poll the sources now", admin=True),
)
# The updates the handlers take (asked for by name: the default set varies between setups).
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
LANGS = {"en": "English", "ja": "Japanese", "both": "both"}

FRIENDLY_ERROR = "Sorry, that did not work this time. Please try again in a while."
NOT_SUBSCRIBED = "You are not subscribed. Send /start to subscribe."
ADMIN_ONLY = "That command is for the operators of this bot. /help lists what you can do."
GROUP_ADMIN_ONLY = "Only an admin of this group can change its subscription."
UNKNOWN_COMMAND = "I do not know that command. /help lists what I can do."
NO_MEETING = "No meeting is archived yet: the first alert comes when one is published."
STALE_BUTTON = "That button is out of date. Send the command again."
ADDED_TO_GROUP = "Hello! A group admin can send /start to get JUCIP and EPCC meeting alerts here."


def _named(ids: Sequence[str], names: Mapping[str, str], none: str) -> str:
    return ", ".join(names.get(i, i) for i in ids) if ids else none


def filters_line(sub: SubscriberRow, series: Mapping[str, str], topics: Mapping[str, str]) -> str:
    """The subscriber's filters, a few short lines."""
    return "\n".join(
        [
            f"Series: {escape(_named(sub.series, series, 'all'))}",
            f"Topics: {escape(_named(sub.topics, topics, 'all'))}",
            f"Language: {LANGS.get(sub.lang, sub.lang)}",
            f"Mentions: {'on' if sub.mentions else 'off'}",
        ]
    )


def welcome(
    sub: SubscriberRow, series: Mapping[str, str], topics: Mapping[str, str], *, again: bool
) -> str:
    head = "You are subscribed already." if again else "✅ <b>Subscribed.</b>"
    return "\n\n".join(
        [
            head,
            "You get one message per new JUCIP or EPCC meeting: the key commitments by topic, "
            "what changed since the meeting before, and links to the sources. When another "
            "version appears (the English text, a readout), a short follow-up.",
            filters_line(sub, series, topics),
            "Filter: /series, /topics, /lang, /mentions on\n"
            "Read now: /latest, /compare, /topic ID\n"
            "Stop: /stop · All commands: /help",
        ]
    )


def stopped(was_subscribed: bool) -> str:
    if not was_subscribed:
        return "You were not subscribed. Send /start to subscribe."
    return "Unsubscribed: no more alerts. Send /start any time to come back."


def help_text(admin: bool) -> str:
    lines = ["<b>JUCIP Watch</b>", "Alerts on JUCIP and EPCC meetings.", ""]
    lines += [f"/{c.name}: {escape(c.description)}" for c in COMMANDS if not c.admin]
    if admin:
        lines += ["", "<b>Operators</b>"]
        lines += [f"/{c.name}: {escape(c.description)}" for c in COMMANDS if c.admin]
    return "\n".join(lines)


# -- callback data ---------------------------------------------------------------------------
def data(menu: str, value: str) -> str:
    """Callback data for a button; a value too long for Telegram's 64 bytes goes hashed."""
    out = f"{menu}:{value}"
    if len(out.encode("utf-8")) <= MAX_DATA_BYTES:
        return out
    return f"{menu}:#{_digest(value)}"


def parse_data(raw: str, known: Iterable[str] = ()) -> tuple[str, str] | None:
    """(menu, value) of a button's data; a hashed value is looked up among `known` ids. None
    for data the bot did not make (or an id no longer known)."""
    menu, sep, value = raw.partition(":")
    if not sep or not value:
        return None
    if value.startswith("#"):
        found = [k for k in known if _digest(k) == value[1:]]
        return (menu, found[0]) if found else None
    return menu, value


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:20]


# -- filter menus ----------------------------------------------------------------------------
def _toggles(menu: str, chosen: Sequence[str], options: Mapping[str, str], per_row: int) -> Rows:
    buttons = [
        (("✅ " if oid in chosen else "▫️ ") + label, data(menu, oid))
        for oid, label in options.items()
    ]
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    every = ("✅ " if not chosen else "▫️ ") + ("All series" if menu == "ser" else "All topics")
    rows.append([(every, data(menu, ALL)), ("Done", data("done", menu))])
    return rows


def series_menu(sub: SubscriberRow, series: Mapping[str, str]) -> tuple[str, Rows]:
    text = (
        "<b>Series</b>\nTap to choose the series you get alerts for. None chosen: all.\n"
        f"Now: {escape(_named(sub.series, series, 'all series'))}"
    )
    return text, _toggles("ser", sub.series, series, 1)


def topics_menu(sub: SubscriberRow, topics: Mapping[str, str]) -> tuple[str, Rows]:
    text = (
        "<b>Topics</b>\nTap to choose the topics you get alerts for. None chosen: all.\n"
        f"Now: {escape(_named(sub.topics, topics, 'all topics'))}"
    )
    return text, _toggles("top", sub.topics, topics, 2)


def lang_menu(sub: SubscriberRow) -> tuple[str, Rows]:
    text = (
        "<b>Language</b>\nWhen a meeting has English and Japanese texts, commitments are "
        f"quoted in: {LANGS.get(sub.lang, sub.lang)}"
    )
    row = [(("✅ " if sub.lang == k else "") + v, data("lang", k)) for k, v in LANGS.items()]
    return text, [row]


def lang_set(sub: SubscriberRow) -> str:
    return f"Saved. Commitments are quoted in: {LANGS.get(sub.lang, sub.lang)}"


def mentions_set(sub: SubscriberRow) -> str:
    if sub.mentions:
        return "Saved. Mentions on: releases that only name JUCIP or EPCC come as one line."
    return "Saved. Mentions off: meeting alerts only."


def mentions_menu(sub: SubscriberRow) -> tuple[str, Rows]:
    text = (
        "<b>Mentions</b>\nReleases that only name JUCIP or EPCC in passing, as one line each.\n"
        f"Now: {'on' if sub.mentions else 'off'}"
    )
    row = [
        (("✅ " if sub.mentions else "") + "On", data("men", "on")),
        (("✅ " if not sub.mentions else "") + "Off", data("men", "off")),
    ]
    return text, [row]


def toggled(chosen: Sequence[str], value: str) -> tuple[str, ...]:
    """The choice after tapping `value` (ALL clears it: every one)."""
    if value == ALL:
        return ()
    if value in chosen:
        return tuple(c for c in chosen if c != value)
    return (*chosen, value)


def saved(
    menu: str, sub: SubscriberRow, series: Mapping[str, str], topics: Mapping[str, str]
) -> str:
    """The menu's message once "Done" is tapped: what is saved, no buttons."""
    if menu == "ser":
        return f"Saved. Series: {escape(_named(sub.series, series, 'all'))}"
    return f"Saved. Topics: {escape(_named(sub.topics, topics, 'all'))}"


# -- /topic ----------------------------------------------------------------------------------
def topic_list(topics: Mapping[str, str], asked: str | None) -> str:
    head = f"I know no topic {escape(asked)!s}." if asked else "Which topic? Send /topic ID."
    lines = [head, "Topics:"]
    lines += [f"• <code>{escape(tid)}</code> {escape(label)}" for tid, label in topics.items()]
    lines.append("For example: /topic " + escape(next(iter(topics), "semiconductors")))
    return "\n".join(lines)


def find_topic(asked: str, topics: Mapping[str, str]) -> str | None:
    """The topic id a user meant: the id itself, or its label ("critical minerals")."""
    key = asked.strip().lower()
    for tid, label in topics.items():
        if key in (tid, label.lower()) or key.replace(" ", "-") == tid:
            return tid
    return None


# -- operators -------------------------------------------------------------------------------
def _ago(then: datetime | None, now: datetime) -> str:
    if then is None:
        return "never"
    minutes = max(0, int((now - then).total_seconds() // 60))
    if minutes < 120:
        return f"{minutes} min ago"
    hours = minutes // 60
    return f"{hours} h ago" if hours < 48 else f"{hours // 24} d ago"


def status_message(
    states: Sequence[SourceState],
    configured: Sequence[str],
    deliveries: Mapping[str, int],
    subscribers: Mapping[str, int],
    alarms: Sequence[AlarmRow],
    now: datetime,
) -> str:
    """/status: each configured source's health, the queue, the subscribers, open alarms."""
    by_name = {s.name: s for s in states}
    lines = ["<b>Sources</b>"]
    for name in configured:
        st = by_name.get(name)
        status = (st.status if st else None) or "not polled yet"
        mark = "✅" if status in ("ok", "not_modified") else "⚠️"
        when = _ago(st.last_polled_at if st else None, now)
        line = f"{mark} {escape(name)}: {escape(status)}, {when}"
        if st and st.consecutive_failures:
            line += f" ({st.consecutive_failures} failures)"
        lines.append(line)
    if not configured:
        lines.append("none enabled")
    lines += ["", "<b>Outbox</b>"]
    lines.append(
        f"{deliveries.get('pending', 0)} pending, {deliveries.get('failed', 0)} failed, "
        f"{deliveries.get('sent', 0)} sent"
    )
    lines += ["", "<b>Subscribers</b>"]
    lines.append(", ".join(f"{n} {c}" for c, n in subscribers.items()) or "none yet")
    open_alarms = [a for a in alarms if a.status != "ok"]
    if open_alarms:
        lines += ["", "<b>Alarms</b>"]
        lines += [
            f"⚠️ {escape(a.key)}: {escape(a.status)} since {a.since:%Y-%m-%d %H:%M} UTC"
            for a in open_alarms
        ]
    return "\n".join(lines)


def check_message(report: CheckReport, *, fresh: bool) -> str:
    """/check: the outcome of the poll, source by source when one failed."""
    sources = report.sources
    failed = [s for s in sources if s.status.failed]
    head = "Polled" if fresh else "This run polled"
    ok = len(sources) - len(failed)
    lines = [f"{head} {len(sources)} source(s): {ok} ok, {len(failed)} failed."]
    for s in failed:
        lines.append(f"⚠️ {escape(s.name)}: {escape(s.status.value)}: {escape(s.error or '')}")
    releases = report.releases
    new = [r for r in releases if not r.baseline]
    quiet = len(releases) - len(new)
    silently = f" (and {quiet} archived silently)" if quiet else ""
    lines.append(f"New releases: {len(new)}{silently}")
    lines += [f"• {escape(r.title)} ({escape(r.source)})" for r in new[:10]]
    if len(new) > 10:
        lines.append(f"… and {len(new) - 10} more")
    return "\n".join(lines)
