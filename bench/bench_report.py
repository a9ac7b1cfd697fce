"""Benchmark `jucip-watch report`: the tracker and the feed, from the bundled history alone and
from a synthetic archive of about 100 meetings.

The synthetic archive is made the way real releases enter it: documents varied from the bundled
statements (another ordinal, a meeting date 45 days further on, about 80 % of the paragraphs, a
third of them rewritten as EPCC meetings, every other one with a second version), each judged and
archived by `Archive.add`, half of them alerted (their summary stored), half silent (built when
the report is made). Timed: the whole `write_tracker` (snapshot, read, render, feed, atomic
writes), then each phase, median of 5 runs after a warm-up. Target: a report of 100 meetings in
under 2 s, so regenerating it when the archive changes never holds the daemon up.

Run: .venv/bin/python bench/bench_report.py [--meetings 100]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from _measure import median_seconds

from state import Store
from watcher.archive import Analyzer, Archive
from watcher.config import Settings, settings_from_dict
from watcher.data import bundled_documents
from watcher.display import ordinal
from watcher.models import Document
from watcher.tracker.feed import render_feed
from watcher.tracker.read import read_tracker
from watcher.tracker.render import render_pages
from watcher.tracker.site import write_tracker

TARGET_S = 2.0
JUCIP = ("Japan-U.S. Commercial and Industrial Partnership (JUCIP)", "JUCIP")
EPCC = ("U.S.-Japan Economic Policy Consultative Committee (EPCC)", "EPCC")


def synthetic_documents(n: int, seed: int = 11) -> list[tuple[Document, bool]]:
    """(document, alerted) for n meetings, each with one or two versions."""
    rng = random.Random(seed)
    bases = [d for d in bundled_documents() if d.lang == "en"]
    out = []
    for i in range(n):
        base = bases[i % len(bases)]
        epcc = i % 3 == 2
        name, short = EPCC if epcc else JUCIP
        when = date(2000, 1, 10) + timedelta(days=45 * i)
        paras = [p for p in base.text.split("\n\n") if p.strip()]
        kept = [p for p in paras if rng.random() < 0.8] or paras[:1]
        lead = (
            f"On {when:%B} {when.day}, {when.year}, the ministers held the {ordinal(i + 1)} "
            f"ministerial meeting of the {name} in Tokyo."
        )
        text = "\n\n".join([lead, *kept]).replace(JUCIP[0], name).replace("JUCIP", short)
        title = f"Joint Statement of the {ordinal(i + 1)} Ministerial Meeting of the {name}"
        for version in range(1 if i % 2 else 2):
            url = f"https://bench.invalid/{short.lower()}/{i}/{version}.html"
            out.append(
                (Document(url, title, text, "en", when + timedelta(days=version)), i % 2 == 0)
            )
    return out


def build_archive(settings: Settings, n: int) -> tuple[int, float]:
    """Archive n synthetic meetings; (events made, seconds taken)."""
    t0 = time.perf_counter()
    now = datetime.now(UTC)
    with Store.open(settings.storage.database) as store:
        archive = Archive(store, Analyzer(settings))
        archive.seed_bundled_history(now)
        for doc, alerted in synthetic_documents(n):
            judgement = archive.analyzer.judge(doc)
            if not judgement.relevant:
                continue
            with store.transaction():
                archive.add(
                    doc, judgement, source="bench", origin="poll", baseline=not alerted, now=now
                )
        events = len(store.events())
    return events, time.perf_counter() - t0


def phases(settings: Settings) -> dict[str, float]:
    analyzer = Analyzer(settings)
    now = datetime.now(UTC)
    with Store.open(settings.storage.database, readonly=True) as store:
        tracker = read_tracker(store, analyzer, now)
        read_s = median_seconds(lambda: read_tracker(store, analyzer, now))
    return {
        "read (model from the store)": read_s,
        "render pages": median_seconds(lambda: render_pages(tracker)),
        "render feed": median_seconds(lambda: render_feed(tracker)),
    }


def report(label: str, settings: Settings, out: Path) -> float:
    files = write_tracker(settings, out)
    total = median_seconds(lambda: write_tracker(settings, out))
    size = sum(p.stat().st_size for p in files) / 1024
    ok = "PASS" if total < TARGET_S else "FAIL"
    print(f"{label}: {len(files)} files, {size:,.0f} KB; whole report {total * 1000:,.1f} ms  {ok}")
    return total


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meetings", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bundled = settings_from_dict({"storage": {"database": str(folder / "none.sqlite3")}})
        print(f"Report generation (target < {TARGET_S:g} s; median of 5 after a warm-up)")
        report("  bundled history alone (no database)", bundled, folder / "bundled")
        synthetic = settings_from_dict({"storage": {"database": str(folder / "bench.sqlite3")}})
        events, took = build_archive(synthetic, args.meetings)
        print(f"  synthetic archive: {events} meetings archived in {took:.1f} s (not timed below)")
        report(f"  {events} meetings", synthetic, folder / "synthetic")
        for name, seconds in phases(synthetic).items():
            print(f"      {name:30} {seconds * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
