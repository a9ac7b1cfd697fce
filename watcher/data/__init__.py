"""Data files read by the code (series aliases, topic cues, commitment verbs, the bundled
history), and the one way to read them: loaded once, then cached."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from watcher.models import Document


@cache
def load_toml(name: str) -> dict[str, Any]:
    raw = resources.files("watcher.data").joinpath(name).read_bytes()
    return tomllib.loads(raw.decode("utf-8"))


def read_text(*parts: str) -> str:
    node = resources.files("watcher.data")
    for part in parts:
        node = node.joinpath(part)
    return node.read_text(encoding="utf-8")


@cache
def bundled_documents() -> tuple[Document, ...]:
    """The shipped past releases (history/manifest.toml), oldest first, as documents (the form
    every release takes). Here rather than with the analysis: every `check` looks them up to
    seed the archive, and a poll that finds nothing new must not load the analysis."""
    manifest = tomllib.loads(read_text("history", "manifest.toml"))
    docs = [
        Document(
            url=entry["url"],
            title=entry["title"],
            text=read_text("history", entry["file"]),
            lang=entry["lang"],
            date=entry["date"],
            alternates=dict(entry.get("alternates", {})),
        )
        for entry in manifest["statements"]
    ]
    return tuple(sorted(docs, key=lambda d: (d.date, d.lang)))
