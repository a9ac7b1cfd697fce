"""`extract`, `compare` and `import`: the analysis on one release at a time."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from state import Store, WriterLock, database_exists
from watcher.analysis.compare import Comparison, compare, meeting_side
from watcher.analysis.statement import Statement
from watcher.analysis.summary import build_summary
from watcher.archive import Analyzer, Archive
from watcher.attachments import is_pdf
from watcher.config import Settings
from watcher.decode import decode_body
from watcher.display import print_comparison, print_statement
from watcher.documents import document_from_html, document_from_text, looks_like_html
from watcher.errors import EXIT_OK, UserError
from watcher.models import Document
from watcher.urls import check_url

_URL = re.compile(r"^https?://", re.I)
# Past this share of U+FFFD the bytes were not text in any encoding we know.
_BINARY_REPLACEMENT_SHARE = 0.01


def _fetch(url: str, settings: Settings) -> Document:
    from watcher.attachments import fetch_pdf, looks_like_pdf_url
    from watcher.fetch import Fetcher

    async def get() -> Any:
        async with Fetcher(settings.fetch) as fetcher:
            if looks_like_pdf_url(url):
                return await fetch_pdf(fetcher, url, spacing=0)
            result = await fetcher.get(url, spacing=0)
            if result.ok and (result.text or "").lstrip().startswith("%PDF-"):
                # A PDF behind an address that does not say so: read again, as bytes.
                return await fetch_pdf(fetcher, result.final_url, spacing=0)
            return result

    result = asyncio.run(get())
    if isinstance(result, bytes):
        return _pdf_document(result, url, url)
    if isinstance(result, str):
        raise UserError(f"cannot fetch {url}: {result}")
    if not result.ok:
        raise UserError(f"cannot fetch {result.url}: {result.status.value}: {result.error}")
    return document_from_html(result.text or "", result.final_url)


def _pdf_document(data: bytes, url: str, target: str) -> Document:
    from watcher.pdf import PdfError, document_from_pdf

    try:
        return document_from_pdf(data, url)
    except PdfError as exc:
        raise UserError(f"{target}: {exc}") from None


def load_document(target: str, settings: Settings) -> Document:
    """A Document from a URL, an HTML, text or PDF file; UserError for anything else."""
    if _URL.match(target):
        try:
            check_url(target)
        except ValueError as exc:
            raise UserError(f"not a valid URL: {exc}") from None
        return _fetch(target, settings)
    path = Path(target)
    data = _read_local(path, target, settings.fetch.max_bytes)
    if not data.strip():
        raise UserError(f"{target} is empty")
    url = path.resolve().as_uri()
    if is_pdf(data):
        return _pdf_document(data, url, target)
    if b"\x00" in data[:8192]:
        raise UserError(f"{target} is a binary file, not HTML or text")
    decoded = decode_body(data, None)
    if decoded.lossy:
        if decoded.text.count("\ufffd") > len(decoded.text) * _BINARY_REPLACEMENT_SHARE:
            raise UserError(f"{target} is not text in any encoding jucip-watch knows")
        _note(target, f"not valid {decoded.encoding}: undecodable bytes were replaced (U+FFFD)")
    if looks_like_html(decoded.text):
        return document_from_html(decoded.text, url)
    return document_from_text(decoded.text, url)


def _read_local(path: Path, target: str, limit: int) -> bytes:
    """The file's bytes, never reading past `limit` (the cap on fetched pages, `fetch.max_bytes`):
    not /dev/zero, not a FIFO that never ends, not a file of gigabytes."""
    too_big = f"{target} is larger than {limit:,} bytes, the fetch.max_bytes limit"
    try:
        with path.open("rb") as f:
            info = os.fstat(f.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise UserError(f"{target} is a directory, not a release file")
            if stat.S_ISREG(info.st_mode) and info.st_size > limit:
                raise UserError(too_big)
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise UserError(f"no such file: {target}") from None
    except IsADirectoryError:
        raise UserError(f"{target} is a directory, not a release file") from None
    except OSError as exc:
        raise UserError(f"cannot read {target}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise UserError(too_big)
    return data


def _note(target: str, note: str) -> None:
    print(f"jucip-watch: note: {target}: {note}", file=sys.stderr)


def _statement(doc: Document, analyzer: Analyzer, target: str) -> tuple[Statement, str | None]:
    """The analysis of a page with text: relevance, series, kind, topics, and for a release
    about a watched series its meeting and commitments (either may be empty); and the note on
    how it was read (a text cut to a statement's size), also said on stderr."""
    if not doc.text.strip():
        raise UserError(f"{target}: no text found in the page")
    judgement = analyzer.judge(doc)
    if judgement.note:
        _note(target, judgement.note)
    return judgement.statement, judgement.note


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    analyzer = Analyzer(settings)
    statement, note = _statement(load_document(args.target, settings), analyzer, args.target)
    if args.json:
        _print_json({**statement.to_dict(), "note": note})
    else:
        print_statement(statement, analyzer.taxonomy.label)
    return EXIT_OK


def _archived(store: Store | None, ref: str) -> Statement:
    if store is None:
        raise UserError(f"no archive yet to look up release {ref}: run `jucip-watch check` first")
    doc_id = int(ref)
    row = store.document(doc_id) if doc_id < 2**63 else None  # SQLite integers are 64-bit
    if row is None:
        raise UserError(f"no archived release with id {ref} (see `jucip-watch history`)")
    if row.statement is None:
        raise UserError(f"archived release {ref} has no extracted statement")
    return Statement.from_dict(row.statement)


def _resolve(ref: str, settings: Settings, analyzer: Analyzer, store: Store | None) -> Statement:
    if ref.isdigit() and not Path(ref).exists():
        return _archived(store, ref)
    return _statement(load_document(ref, settings), analyzer, ref)[0]


def _given_pair(
    args: argparse.Namespace, settings: Settings, analyzer: Analyzer, store: Store | None
) -> tuple[Statement, Comparison]:
    old = _resolve(args.old, settings, analyzer, store)
    new = _resolve(args.new, settings, analyzer, store)
    if old.when and new.when and old.when > new.when:
        print(
            f"jucip-watch: note: OLD ({old.when}) is later than NEW ({new.when}); "
            "comparing in the order given",
            file=sys.stderr,
        )
    archive = Archive(store, analyzer).statements() if store else []
    return new, compare(old, new, archive=archive)


def _latest_pair(analyzer: Analyzer, store: Store | None) -> tuple[Statement, Comparison]:
    """The latest archived meeting against the one before it, every document of each, as its
    alert compared them."""
    if store is None:
        raise UserError("the archive is empty: run `jucip-watch check` first")
    archive = Archive(store, analyzer)
    latest = store.latest_event()
    documents = archive.meeting_statements(latest.id) if latest else []
    if latest is None or not documents:
        raise UserError("no archived statement to compare yet")
    comparison = archive.compare_event(latest.id)
    if comparison is None:
        raise UserError(f"the latest meeting ({latest.title}) has no earlier meeting to compare")
    return meeting_side(documents), comparison


def cmd_compare(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.old) != bool(args.new):
        raise UserError("compare takes two statements (OLD NEW), or none for the latest pair")
    analyzer = Analyzer(settings)
    db = settings.storage.database
    store = Store.open(db, readonly=True) if database_exists(db) else None
    try:
        if args.old:
            new, comparison = _given_pair(args, settings, analyzer, store)
        else:
            new, comparison = _latest_pair(analyzer, store)
    finally:
        if store is not None:
            store.close()
    if args.json:
        _print_json(comparison.to_dict())
    else:
        print_comparison(build_summary(new, comparison, taxonomy=analyzer.taxonomy))
    return EXIT_OK


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    analyzer = Analyzer(settings)
    doc = load_document(args.target, settings)
    if args.series and args.series not in analyzer.catalog.ids:
        known = ", ".join(analyzer.catalog.ids)
        raise UserError(f"unknown series {args.series!r} (known: {known}; add one with [[series]])")
    judgement = analyzer.judge(doc, series=args.series)
    if not judgement.relevant:
        raise UserError(
            f"{args.target} names no watched series; pass --series ID to import it anyway"
        )
    if judgement.note:
        _note(args.target, judgement.note)
    now = datetime.now(UTC)
    with (
        WriterLock(settings.storage.database, purpose="import", wait=30),
        Store.open(settings.storage.database) as store,
    ):
        archive = Archive(store, analyzer)
        archive.seed_bundled_history(now)
        existing = store.document_by_url(doc.url)
        with store.transaction():
            archived = archive.add(
                doc, judgement, source=None, origin="import", baseline=True, now=now
            )
    result = {
        "id": archived.document_id,
        "url": doc.url,
        "title": doc.title,
        "series": list(judgement.series),
        "relevance": judgement.detection.relevance.value,
        "event_id": archived.event_id,
        "note": judgement.note,
        "updated": existing is not None,
    }
    if args.json:
        _print_json(result)
    else:
        verb = "Updated" if existing else "Imported"
        print(f"{verb} release {archived.document_id}: {doc.title} ({', '.join(judgement.series)})")
    return EXIT_OK
