"""The hand-labelled release corpus (tests/fixtures/cases/): loading and validation.

Shared by tests/test_cases_corpus.py (the files are well formed) and bench/quality_cases.py (how
the code scores on them). A case is one release as a site's adapter yields it (title, body text,
posting date, URL) with the labels a reader gives it; README.md in the folder defines the labels.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from watcher.analysis.kind import KINDS as DOCUMENT_KINDS
from watcher.models import Document
from watcher.textnorm import is_japanese

CASES = Path(__file__).parent / "fixtures" / "cases"

RELEVANCE = ("primary", "mention", "none")
# The document kinds are the code's (issue 8 names them): one list.
KINDS = DOCUMENT_KINDS
SITES = ("state", "commerce", "meti-ja", "meti-en", "mofa", "other")
FORMATS = ("html", "pdf")
# What makes a hard negative hard: the neighbour of JUCIP/EPCC it belongs to.
HARD_NEGATIVES = (
    "economic-2plus2-other",  # Japan's economic "2+2" with another country
    "us-2plus2-other",  # another country's "2+2" with the United States
    "security-2plus2",  # the U.S.-Japan Security Consultative Committee
    "third-country-partnership",  # a commercial/industrial partnership with a third country
    "successor-2025",  # the strategic-investment consultation committee (2025)
    "other-us-japan",  # another U.S.-Japan dialogue of the same ministries
)

_REQUIRED = ("id", "title", "site", "url", "lang", "date", "relevance", "series", "kind", "topics")
_OPTIONAL = (
    "text",
    "event",
    "held",
    "place",
    "note",
    "alternates",
    "format",
    "pdf_header",
    "pdf_footer",
    "hard_negative",
)
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# The hosts each site publishes on (state.gov moved Biden-era pages to 2021-2025.state.gov).
_HOSTS = {
    "state": re.compile(r"^(?:www\.|2021-2025\.)?state\.gov$"),
    "commerce": re.compile(r"^(?:www\.)?commerce\.gov$"),
    "meti-ja": re.compile(r"^www\.meti\.go\.jp$"),
    "meti-en": re.compile(r"^www\.meti\.go\.jp$"),
    "mofa": re.compile(r"^www\.mofa\.go\.jp$"),
}


class CorpusError(ValueError):
    """A case file that does not follow the corpus format (one line: file, case, problem)."""


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    title: str
    text: str
    site: str
    url: str
    lang: str
    date: date
    relevance: str
    series: tuple[str, ...]
    kind: str
    topics: tuple[str, ...]
    event: str | None = None
    held: date | None = None
    place: str | None = None
    alternates: dict[str, str] = field(default_factory=dict)
    format: str = "html"
    pdf_header: str | None = None
    pdf_footer: str | None = None
    hard_negative: str | None = None
    note: str = ""
    source: str = ""

    def document(self) -> Document:
        """The release as an adapter hands it to `check`, `extract` and `import`."""
        return Document(
            url=self.url,
            title=self.title,
            text=self.text,
            lang=self.lang,
            date=self.date,
            alternates=dict(self.alternates),
        )


def _case(raw: dict[str, Any], source: str) -> Case:
    where = f"{source}: case {raw.get('id', '?')!r}"
    missing = [k for k in _REQUIRED if k not in raw]
    if missing or "text" not in raw:
        raise CorpusError(f"{where}: missing {', '.join(missing or ['text'])}")
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise CorpusError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for key in ("date", "held"):
        if key in raw and type(raw[key]) is not date:
            raise CorpusError(f"{where}: {key} must be a TOML date (YYYY-MM-DD), not {raw[key]!r}")
    for key in ("series", "topics"):
        if not isinstance(raw[key], list) or not all(isinstance(x, str) for x in raw[key]):
            raise CorpusError(f"{where}: {key} must be a list of strings")
    alternates = raw.get("alternates", {})
    if not isinstance(alternates, dict) or not all(isinstance(v, str) for v in alternates.values()):
        raise CorpusError(f"{where}: alternates must map a language to a URL")
    return Case(
        id=raw["id"],
        title=raw["title"],
        text=raw["text"].strip("\n"),
        site=raw["site"],
        url=raw["url"],
        lang=raw["lang"],
        date=raw["date"],
        relevance=raw["relevance"],
        series=tuple(raw["series"]),
        kind=raw["kind"],
        topics=tuple(raw["topics"]),
        event=raw.get("event"),
        held=raw.get("held"),
        place=raw.get("place"),
        alternates=dict(alternates),
        format=raw.get("format", "html"),
        pdf_header=raw.get("pdf_header"),
        pdf_footer=raw.get("pdf_footer"),
        hard_negative=raw.get("hard_negative"),
        note=raw.get("note", ""),
        source=source,
    )


def load_cases(folder: Path = CASES) -> list[Case]:
    """Every case of every *.toml file in `folder` (each file holds [[cases]]), file by file."""
    if not folder.is_dir():
        raise CorpusError(f"{folder}: not a folder of case files")
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise CorpusError(f"{folder}: no *.toml case files")
    cases = []
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise CorpusError(f"{path.name}: not valid TOML: {exc}") from None
        entries = data.get("cases")
        if not isinstance(entries, list) or not entries:
            raise CorpusError(f"{path.name}: no [[cases]] entries")
        cases.extend(_case(raw, path.name) for raw in entries)
    return cases


def _pdf_problems(case: Case) -> Iterable[str]:
    pages = [p for p in case.text.split("\f") if p.strip()]
    if len(pages) < 2:
        yield "a PDF case needs at least two pages (form feeds between them)"
    if not case.pdf_header:
        yield "a PDF case names its running header (pdf_header)"
        return
    for n, page in enumerate(pages, 1):
        if case.pdf_header not in page:
            yield f"page {n} lacks the running header"
        footer = (case.pdf_footer or "").replace("{page}", str(n))
        if footer and footer not in page:
            yield f"page {n} lacks its footer {footer!r}"


def _problems(case: Case, series_ids: Sequence[str], topic_ids: Sequence[str]) -> Iterable[str]:
    if not _ID.match(case.id):
        yield "id must be lower-case letters, digits and hyphens"
    if case.lang not in ("en", "ja"):
        yield f"lang {case.lang!r} is not en or ja"
    elif (case.lang == "ja") != is_japanese(case.text[:2000]):
        yield f"text is not written in {case.lang}"
    if not case.text.strip():
        yield "text is empty"
    if case.site not in SITES:
        yield f"site {case.site!r} is not one of {', '.join(SITES)}"
    else:
        parts = urlsplit(case.url)
        host = _HOSTS.get(case.site)
        english = parts.path.startswith("/english/")
        if parts.scheme != "https" or not parts.hostname:
            yield f"url {case.url!r} is not an https URL"
        elif host and not host.match(parts.hostname):
            yield f"url host {parts.hostname} is not a {case.site} host"
        elif case.site.startswith("meti-") and (case.site == "meti-en") != english:
            yield f"a {case.site} URL is {'under' if english else 'outside'} /english/"
    if case.relevance not in RELEVANCE:
        yield f"relevance {case.relevance!r} is not one of {', '.join(RELEVANCE)}"
    if case.kind not in KINDS:
        yield f"kind {case.kind!r} is not one of {', '.join(KINDS)}"
    if case.format not in FORMATS:
        yield f"format {case.format!r} is not one of {', '.join(FORMATS)}"
    for s in case.series:
        if s not in series_ids:
            yield f"unknown series {s!r}"
    if (case.relevance == "none") != (not case.series):
        yield "series is empty exactly when relevance is none"
    for t in case.topics:
        if t not in topic_ids:
            yield f"unknown topic id {t!r}"
    if len(set(case.topics)) != len(case.topics):
        yield "a topic is listed twice"
    yield from _meeting_problems(case)
    if case.hard_negative is not None and case.hard_negative not in HARD_NEGATIVES:
        yield f"hard_negative {case.hard_negative!r} is not one of {', '.join(HARD_NEGATIVES)}"
    if case.hard_negative is not None and case.relevance != "none":
        yield "only a case with relevance none is a hard negative"
    if case.format == "pdf":
        yield from _pdf_problems(case)


def _meeting_problems(case: Case) -> Iterable[str]:
    if case.relevance != "primary":
        if case.event or case.held or case.place:
            yield "event, held and place are labels of primary cases only"
        return
    if not case.event or case.held is None:
        yield "a primary case names its meeting (event) and the date it was held (held)"
        return
    # An announcement is about a meeting after its posting date; anything else about one on or
    # before it (the rule the issue states, and a check on the labels).
    if case.kind == "media-note" and not case.held > case.date:
        yield "a media note announces a meeting held after its posting date"
    if case.kind != "media-note" and case.held > case.date:
        yield f"held {case.held} is after the posting date {case.date}"


def validate(
    cases: Sequence[Case], *, series_ids: Sequence[str], topic_ids: Sequence[str]
) -> list[str]:
    """Every problem of the corpus, one line each ("file: case 'id': problem"); empty if none."""
    problems = [
        f"{c.source}: case {c.id!r}: {p}"
        for c in cases
        for p in _problems(c, series_ids, topic_ids)
    ]
    for key in ("id", "url"):
        seen: dict[str, str] = {}
        for c in cases:
            value = getattr(c, key)
            if value in seen:
                problems.append(f"{c.source}: case {c.id!r}: {key} also used by {seen[value]!r}")
            seen[value] = c.id
    held: dict[str, tuple[date, str]] = {}
    for c in cases:
        if c.event and c.held:
            first = held.setdefault(c.event, (c.held, c.id))
            if first[0] != c.held:
                problems.append(
                    f"{c.source}: case {c.id!r}: event {c.event} held {c.held}, "
                    f"but {first[0]} in {first[1]!r}"
                )
    return problems
