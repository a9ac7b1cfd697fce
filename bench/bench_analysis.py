"""Benchmark the analysis core.

Prints: extraction throughput (KB of statement text per second, English and Japanese) and its
ratio to the time lxml alone takes to parse the same texts wrapped in simple HTML pages; the time
to extract a 10 KB statement; and the time to find the predecessor, compare and summarise
against archives of 10, 100 and 1,000 statements synthesised by varying the real ones.
Then the meeting-level comparison an alert makes (`Archive.summarise`: the new event's
documents against the previous meeting's, read from a store of 1,000 archived meetings of two
documents each). Targets: a 10 KB statement in under 20 ms; 1,000 archived statements, and
1,000 archived meetings, in under 100 ms; cost growing no faster than linearly with the archive.

Run: .venv/bin/python bench/bench_analysis.py
"""

from __future__ import annotations

import html
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import lxml.html
from _measure import median_seconds

from state import Store
from watcher.analysis.compare import compare_with_previous
from watcher.analysis.extract import judge
from watcher.analysis.history import bundled_history
from watcher.analysis.statement import Statement
from watcher.analysis.summary import build_summary
from watcher.analysis.taxonomy import load_taxonomy
from watcher.archive import Analyzer, Archive
from watcher.config import settings_from_dict
from watcher.events import meeting_key
from watcher.models import Document
from watcher.series import load_catalog

SEEDS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "seeds"
TITLES = {
    "000": ("Joint Statement for the Second Ministerial Meeting of the JUCIP", "en"),
    "001": ("Joint Statement between Secretary Raimondo and Minister Hagiuda", "en"),
    "002": ("Minister Saito Holds the Fourth JUCIP Ministerial Meeting", "en"),
    "003": ("第2回 日米商務・産業パートナーシップ (JUCIP) 閣僚会合 共同声明", "ja"),
}


def best_of(fn: Callable[[], object], number: int = 20) -> float:
    """Median seconds per call over 7 batches of `number` calls (after one warm-up call)."""
    return median_seconds(fn, repeat=7, number=number)


def as_html(title: str, text: str) -> str:
    paras = "".join(f"<p>{html.escape(p)}</p>\n" for p in text.split("\n\n") if p.strip())
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body><main><h1>{html.escape(title)}</h1>\n{paras}</main></body></html>"
    )


def throughput(docs: list[Document]) -> tuple[float, float, float]:
    """(KB/s extraction, KB/s lxml parse, extraction/lxml time ratio) over the documents."""
    taxonomy, catalog = load_taxonomy(), load_catalog()
    size_kb = sum(len(d.text.encode("utf-8")) for d in docs) / 1024
    pages = [as_html(d.title, d.text) for d in docs]

    def extract_all() -> None:
        for d in docs:
            judge(d, taxonomy=taxonomy, catalog=catalog)

    def parse_all() -> None:
        for p in pages:
            lxml.html.document_fromstring(p)

    t_extract, t_parse = best_of(extract_all), best_of(parse_all)
    return size_kb / t_extract, size_kb / t_parse, t_extract / t_parse


def ten_kb(docs: list[Document]) -> Document:
    """A 10 KB statement: the real ones' paragraphs in turn, cut to 10 KB at a paragraph."""
    paras = [p for d in docs for p in d.text.split("\n\n") if p.strip()]
    out: list[str] = []
    i = 0
    while len("\n\n".join(out).encode("utf-8")) < 10 * 1024:
        out.append(paras[i % len(paras)])
        i += 1
    return replace(docs[0], text="\n\n".join(out))


def synthetic_archive(base: list[Statement], n: int, seed: int = 7) -> list[Statement]:
    """n statements varied from the real ones: earlier meetings, subsets of commitments,
    a topic added or taken away, other series."""
    rng = random.Random(seed)
    topics = sorted({t for s in base for t in s.topics} | {"standards", "energy-climate"})
    out = []
    for i in range(n):
        s = base[i % len(base)]
        shift = timedelta(days=30 * (i + 1))
        keep = tuple(c for c in s.commitments if rng.random() < 0.8) or s.commitments[:1]
        extra = rng.choice(topics)
        new_topics = (*(t for t in s.topics if rng.random() < 0.9), extra)
        series = "jucip" if rng.random() < 0.7 else "epcc"
        meeting = replace(s.meeting, date=s.meeting.date - shift, series=series)
        out.append(
            replace(
                s,
                url=f"{s.url}#synthetic-{i}",
                date=s.date - shift,
                meeting=meeting,
                series=(series,),
                topics=tuple(dict.fromkeys(new_topics)),
                commitments=keep,
                alternates={},
            )
        )
    return out


def main() -> None:
    docs = {k: Document(f"bench:{k}", t, (SEEDS / f).read_text("utf-8"), lang)
            for f in sorted(p.name for p in SEEDS.glob("00[0-3]_*.txt"))
            for k, (t, lang) in [(f[:3], TITLES[f[:3]])]}  # fmt: skip
    en = [docs["000"], docs["001"], docs["002"]]
    ja = [docs["003"]]
    taxonomy, catalog = load_taxonomy(), load_catalog()

    print("Extraction throughput (raw seed texts, chrome and clutter included)")
    for name, group in (("English", en), ("Japanese", ja)):
        kbs, lxml_kbs, ratio = throughput(group)
        print(
            f"  {name:8}  {kbs:8.0f} KB/s   lxml parse alone {lxml_kbs:8.0f} KB/s   "
            f"extraction takes {ratio:5.1f}x the lxml parse time"
        )

    print("Time to extract one 10 KB statement (target < 20 ms)")
    for name, group in (("English", en), ("Japanese", ja)):
        doc = ten_kb(group)
        t = best_of(lambda d=doc: judge(d, taxonomy=taxonomy, catalog=catalog))
        size = len(doc.text.encode("utf-8")) / 1024
        print(f"  {name:8}  {size:5.1f} KB   {t * 1000:6.2f} ms")

    print(
        "Find the predecessor, compare and summarise against an archive (target < 100 ms at 1,000)"
    )
    history = [s for _, s in bundled_history()]
    new = history[-1]
    previous_ms = None
    for n in (10, 100, 1000):
        archive = synthetic_archive(history, n)

        def step(archive: list[Statement] = archive) -> None:
            build_summary(new, compare_with_previous(new, archive)).to_dict()

        t = best_of(step, number=10)
        growth = f"   x{t / previous_ms:4.1f} for 10x the archive" if previous_ms else ""
        print(f"  {n:5d} statements  {t * 1000:7.3f} ms{growth}")
        previous_ms = t
    meetings_bench(history)


def archived_meetings(base: list[Statement], n: int) -> tuple[Store, int]:
    """A store of n meetings, each an English and a Japanese document (varied real statements,
    as `synthetic_archive`), and the id of the newest document."""
    from datetime import UTC, datetime

    store = Store.in_memory()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    english = synthetic_archive([s for s in base if s.lang == "en"], n)
    japanese = synthetic_archive([s for s in base if s.lang == "ja"], n, seed=11)
    newest = 0
    with store.transaction():
        for en, ja in zip(reversed(english), reversed(japanese), strict=True):
            key = meeting_key(en)
            assert key is not None
            event = store.create_event(
                series=key.series,
                ordinal=None,
                level=key.level,
                meeting_date=key.meeting_date,
                title=en.title,
                baseline=True,
                now=now,
            )
            ja = replace(ja, meeting=en.meeting, series=en.series, url=ja.url + f"-{event}")
            for st in (en, ja):
                newest = store.save_document(
                    url=st.url,
                    source=None,
                    origin="import",
                    lang=st.lang,
                    title=st.title,
                    date=st.date,
                    text="",
                    content_hash="",
                    series=st.series,
                    relevance="primary",
                    alternates={},
                    statement=st.to_dict(),
                    meeting_date=st.meeting.date if st.meeting else None,
                    event_id=event,
                    baseline=True,
                    now=now,
                )
    return store, newest


def meetings_bench(history: list[Statement]) -> None:
    print(
        "Meeting-level comparison and summary of the newest event against a store of archived "
        "meetings (target < 100 ms at 1,000)"
    )
    analyzer = Analyzer(settings_from_dict({}))
    previous_ms = None
    for n in (10, 100, 1000):
        store, newest = archived_meetings(history, n)
        archive = Archive(store, analyzer)
        summary = archive.summarise(newest)
        assert summary is not None and summary.comparison is not None
        assert summary.comparison.scope == "meeting"

        def step(archive: Archive = archive, doc: int = newest) -> None:
            found = archive.summarise(doc)
            assert found is not None
            found.to_dict()

        t = best_of(step, number=10)
        growth = f"   x{t / previous_ms:4.1f} for 10x the archive" if previous_ms else ""
        print(f"  {n:5d} meetings    {t * 1000:7.3f} ms{growth}")
        previous_ms = t
        store.close()


if __name__ == "__main__":
    main()
