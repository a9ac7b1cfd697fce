"""`feed.xml`: an Atom feed (RFC 4287) of the archive's meetings, newest first.

One entry per meeting (an event), not per release: a subscriber gets one entry when a meeting is
detected, as the alerts do, and the entry is updated (same id, later `updated`) when another
version of it (METI's English page after the Japanese one) joins. The entry's id is a UUID made
from the URL of the meeting's first archived release, so it survives a rebuilt database; its
content is the meeting's summary as HTML (topics, what disappeared, key commitments, links).
The bundled history and other silently archived meetings are entries too, so the feed is never
empty and a new subscriber sees the history once.

Written with the standard library's ElementTree, which escapes every text it is given.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from xml.etree import ElementTree as ET

from watcher.tracker.model import Meeting, Tracker
from watcher.tracker.render import FEED, INDEX, render_entry

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50
FEED_ID = "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "jucip-watch:meetings-feed"))


def _stamp(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def entry_id(meeting: Meeting) -> str:
    first = meeting.links[0].url if meeting.links else f"event:{meeting.event_id}"
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, first))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def _entry(feed: ET.Element, tracker: Tracker, meeting: Meeting, base: str) -> None:
    entry = _sub(feed, "entry")
    _sub(entry, "id", entry_id(meeting))
    when = meeting.date.isoformat() if meeting.date else "undated"
    title = f"{tracker.series_name(meeting.series)}: {meeting.label}, {when}"
    _sub(entry, "title", title)
    _sub(entry, "updated", _stamp(meeting.updated))
    if meeting.published is not None:
        _sub(entry, "published", _stamp(meeting.published))
    for link in meeting.links:
        if link.href:
            rel = "alternate" if link is _first_linked(meeting) else "related"
            _sub(entry, "link", rel=rel, href=link.href, hreflang=link.lang, title=link.title)
    _sub(entry, "link", rel="related", type="text/html", href=f"{base}{INDEX}#{meeting.anchor}")
    for topic in meeting.topics:
        _sub(entry, "category", term=topic, label=tracker.label(topic))
    _sub(entry, "summary", meeting.headline)
    _sub(entry, "content", render_entry(tracker, meeting), type="html")


def _first_linked(meeting: Meeting) -> object:
    return next((link for link in meeting.links if link.href), None)


def render_feed(tracker: Tracker, *, base_url: str = "") -> bytes:
    """The feed as UTF-8 XML. `base_url` (where the report is published, ending in /) makes the
    feed's own links absolute; without it they are relative to the feed, which readers resolve."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    meetings = sorted(
        tracker.columns, key=lambda m: (m.updated, m.date or datetime.min.date()), reverse=True
    )[:ENTRIES]
    _sub(feed, "id", FEED_ID)
    _sub(feed, "title", "JUCIP Watch: JUCIP and EPCC meetings")
    _sub(feed, "subtitle", "Japan-U.S. JUCIP and EPCC meetings, their topics and key commitments")
    updated = max((m.updated for m in meetings), default=tracker.generated)
    _sub(feed, "updated", _stamp(updated))
    _sub(_sub(feed, "author"), "name", "JUCIP Watch")
    _sub(feed, "generator", "JUCIP Watch")
    _sub(feed, "link", rel="self", type="application/atom+xml", href=f"{base_url}{FEED}")
    _sub(feed, "link", rel="alternate", type="text/html", href=f"{base_url}{INDEX}")
    for meeting in meetings:
        _entry(feed, tracker, meeting, base_url)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
