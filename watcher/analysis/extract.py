"""Document -> Statement: judge, clean, segment, tag, read the meeting (pure; data cached).

A release is judged once (`judge`): detection decides whether it is about a watched series, and
extraction works from that decision, so the stored statement never disagrees with it.
"""

from __future__ import annotations

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
    doc: Document, *, taxonomy: Taxonomy, catalog: SeriesCatalog, series: str | None = None
) -> tuple[Detection, Statement | None]:
    """The one judgement of a release: what detection says, and the statement extracted from it
    (None when the release names no watched series).

    `series` is the user's word for a text that names none (`import --series`, the way gaps are
    filled by hand): the release is then a primary one of that series, extracted in full. A text
    that names a series keeps what detection found.
    """
    kind = document_kind(doc.title, doc.text, doc.url)
    detection = detect(doc.title, doc.text, catalog, kind=kind)
    if not detection.relevant and series is not None:
        detection = Detection.filed_under(series)
    if not detection.relevant:
        return detection, None
    return detection, extract_statement(doc, detection, taxonomy=taxonomy, catalog=catalog)


def extract_statement(
    doc: Document, detection: Detection, *, taxonomy: Taxonomy, catalog: SeriesCatalog
) -> Statement:
    """Everything a comparison and an alert need from one release, as `detection` judged it.

    Only a release about a watched series (relevance "primary") is a statement; for a mention
    (an article, a speech that names JUCIP in passing) the result carries relevance and series
    but no meeting, topics or commitments. Topics are those of the cleaned main text (commitments
    and framing paragraphs); the title and the page chrome do not count.
    """
    lang = document_lang(doc)
    base = Statement(
        title=doc.title,
        date=doc.date,
        lang=lang,
        series=detection.series,
        relevance=detection.relevance.value,
        meeting=None,
        topics=(),
        commitments=(),
        url=doc.url,
        alternates=dict(doc.alternates),
    )
    if detection.relevance is not Relevance.PRIMARY:
        return base

    cleaned = clean_text(doc.text, doc.title)
    units = segment(cleaned.text, lang)
    tagged = tag_units(units, taxonomy)
    meeting = extract_meeting(
        title=doc.title,
        units=units,
        head=cleaned.head,
        posted=doc.date,
        catalog=catalog,
        detected=detection.series,
    )
    topics: set[str] = set()
    for t in tagged:
        topics.update(t.topics)
    return Statement(
        title=base.title,
        date=base.date,
        lang=lang,
        series=base.series,
        relevance=base.relevance,
        meeting=meeting,
        topics=taxonomy.sort(topics),
        commitments=tuple(t.commitment for t in tagged if t.commitment is not None),
        url=doc.url,
        alternates=dict(doc.alternates),
    )
