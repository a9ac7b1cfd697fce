"""The bundled history: known past statements shipped as data (watcher/data/history/)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from watcher.data import bundled_documents
from watcher.models import Document

if TYPE_CHECKING:
    from watcher.analysis.statement import Statement
    from watcher.analysis.taxonomy import Taxonomy
    from watcher.series import SeriesCatalog


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
        detection, statement = judge(doc, taxonomy=taxonomy, catalog=catalog)
        if detection.relevant:
            out.append((doc, statement))
    return out
