"""Document -> Statement: judge, clean, segment, tag, read the meeting (pure; data cached).

A release is judged once (`judge`): detection decides whether it is about a watched series, and
extraction works from that decision, so the stored statement never disagrees with it.
"""

from __future__ import annotations

from dataclasses import replace

from watcher.analysis.clean import clean_text
from watcher.analysis.commitments import tag_units
from watcher.analysis.kind import document_kind
from watcher.analysis.meeting import extract_meeting
from watcher.analysis.segment import segment
from watcher.analysis.statement import Statement
from watcher.analysis.taxonomy import Taxonomy
from watcher.detect import Detection, detect
from watcher.models import Document, Relevance
from watcher.series import SeriesCatalog
from watcher.textnorm import is_japanese


def document_lang(doc: Document) -> str:
    """The document's own language tag, checked against its text (sources mislabel)."""
    if doc.lang in ("en", "ja"):
        return doc.lang
    return "ja" if is_japanese(doc.text[:2000]) else "en"


def judge(
    doc: Document,
    *,
    taxonomy: Taxonomy,
    catalog: SeriesCatalog,
    series: str | None = None,
    part_of: str | None = None,
) -> tuple[Detection, Statement]:
    """The one judgement of a release: what detection says, and the statement extracted from it.

    Every page with text gets a statement: its relevance, series, kind and topics; a release
    about a watched series (primary) also its meeting and commitments. `series` is the user's
    word for a text that names none (`import --series`, the way gaps are filled by hand): the
    release is then a primary one of that series, extracted in full. A text that names a series
    keeps what detection found. `part_of` is the series of the release a document is attached
    to (a PDF in METI's 関連資料): a document of that meeting, so primary of it unless its own
    text says it is about a meeting of its own.
    """
    doc = readable(doc)
    kind = document_kind(doc.title, doc.text, doc.url)
    detection = detect(doc.title, doc.text, catalog, kind=kind)
    if not detection.relevant and series is not None:
        detection = Detection.filed_under(series)
    if part_of is not None and detection.relevance is not Relevance.PRIMARY:
        detection = Detection.filed_under(part_of)
    return detection, extract_statement(
        doc, detection, taxonomy=taxonomy, catalog=catalog, kind=kind
    )


def readable(doc: Document) -> Document:
    """The document with paged text (a PDF's, with a form feed after each page) turned into
    paragraphs: running headers, footers and page numbers dropped, wrapped lines joined."""
    if "\f" not in doc.text:
        return doc
    from watcher.analysis.pages import reflow

    return replace(doc, text=reflow(doc.text))


def extract_statement(
    doc: Document,
    detection: Detection,
    *,
    taxonomy: Taxonomy,
    catalog: SeriesCatalog,
    kind: str | None = None,
) -> Statement:
    """Everything a comparison and an alert need from one release, as `detection` judged it.

    Topics come from the whole main text (every paragraph, list item and table cell; the title
    and the page chrome do not count), for every release. Only a release about a watched series
    (relevance "primary") has a meeting and commitments: a mention's commitments (a press
    conference's, a speech's) are not the series'.
    """
    doc = readable(doc)
    lang = document_lang(doc)
    kind = kind or document_kind(doc.title, doc.text, doc.url)
    cleaned = clean_text(doc.text, doc.title)
    units = segment(cleaned.text, lang)
    tagged = tag_units(units, taxonomy)
    topics: set[str] = set()
    for t in tagged:
        topics.update(t.topics)
    primary = detection.relevance is Relevance.PRIMARY
    meeting = None
    if primary:
        meeting = extract_meeting(
            title=doc.title,
            units=units,
            head=cleaned.head,
            posted=doc.date,
            catalog=catalog,
            detected=detection.series,
            kind=kind,
        )
    return Statement(
        title=doc.title,
        date=doc.date,
        lang=lang,
        series=detection.series,
        relevance=detection.relevance.value,
        meeting=meeting,
        topics=taxonomy.sort(topics),
        commitments=tuple(t.commitment for t in tagged if t.commitment is not None)
        if primary
        else (),
        url=doc.url,
        alternates=dict(doc.alternates),
        kind=kind,
        length=len(cleaned.text),
    )
