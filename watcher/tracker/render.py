"""The tracker's HTML: Jinja2 templates (watcher/tracker/templates/) over the tracker model.

Autoescaping is on for every template, so every scraped string (titles, commitments, places) is
escaped; the model's `Link.href` is the only source of an href, and it is None for anything but
an http(s) URL the archive holds. The pages are self-contained: the stylesheet is inlined, there
is no script, no font, no image, so they work offline and from file://.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from watcher.tracker.model import Mark, Meeting, Tracker, topic_page

INDEX = "index.html"
FEED = "feed.xml"


@cache
def environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("watcher.tracker", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _helpers(tracker: Tracker) -> dict[str, Any]:
    def first_at(topic_id: str, meeting: Meeting) -> bool:
        return tracker.mark(topic_id, meeting) is Mark.FIRST

    return {
        "tracker": tracker,
        "cells": tracker.cells,
        "first_at": first_at,
        "dropped_at": tracker.dropped_at,
        "unsaid_at": tracker.unsaid_at,
        "series_name": tracker.series_name,
        "series_short": tracker.series_short,
        "topic_page": topic_page,
    }


def render_pages(tracker: Tracker) -> dict[str, str]:
    """Every page of the tracker: {path relative to the output folder: HTML}."""
    env = environment()
    helpers = _helpers(tracker)
    pages = {INDEX: env.get_template("index.html").render(feed_href=FEED, **helpers)}
    topic = env.get_template("topic.html")
    for row in tracker.rows:
        timeline = tracker.timeline(row.id)
        first = next((m for m, mark in timeline if mark is Mark.FIRST), None)
        pages[row.page] = topic.render(
            row=row,
            timeline=timeline,
            first=first,
            dropped=[m for m, mark in timeline if mark is Mark.DROPPED],
            feed_href=f"../{FEED}",
            **helpers,
        )
    return pages


def render_entry(tracker: Tracker, meeting: Meeting) -> str:
    """One meeting as an HTML fragment (the feed entry's content)."""
    return str(
        environment().get_template("entry.html").render(meeting=meeting, **_helpers(tracker))
    )
