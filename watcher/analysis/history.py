"""The bundled history: known past statements shipped as data (watcher/data/history/)."""

from __future__ import annotations

import tomllib
from functools import cache
from typing import TYPE_CHECKING

from watcher.data import read_text
from watcher.models import Document

if TYPE_CHECKING:
    from watcher.analysis.statement import Statement
    from watcher.analysis.taxonomy import Taxonomy
    from watcher.series import SeriesCatalog


@cache
def bundled_documents() -> tuple[Document, ...]:
    """The shipped past releases, oldest first, as documents (the form every release takes)."""
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


def bundled_history(
    taxonomy: Taxonomy | None = None, catalog: SeriesCatalog | None = None
) -> list[tuple[Document, Statement]]:
    """The shipped releases with their extracted statements, judged as the archive judges."""
    from watcher.analysis.extract import judge
    from watcher.analysis.taxonomy import load_taxonomy
    from watcher.series import load_catalog

    taxonomy = taxonomy or load_taxonomy()
    catalog = catalog or load_catalog()
    out = []
    for doc in bundled_documents():
        _, statement = judge(doc, taxonomy=taxonomy, catalog=catalog)
        if statement is not None:
            out.append((doc, statement))
    return out
