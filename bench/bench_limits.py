"""Bounded by the cap, not by the input: peak memory and time of `extract` on huge files, and of
the read-only commands on a large archive.

Every figure is one `jucip-watch` process (`python -m watcher`), measured from here with
`os.wait4`: wall time, CPU (user + system) and peak RSS (`ru_maxrss`). This process imports
nothing of the project, so the floor (`python -c pass`, printed first) is what a forked child
costs before it runs anything.

1. `extract FILE --json` on a 50 MB text file (a real statement repeated): past the size cap
   (`fetch.max_bytes`, 5 MB by default) it must fail at once with one line, whatever the size.
2. `extract` on a file just under the cap: the largest input accepted (analysed on its leading
   part when the text is past a statement's sane size).
3. An archive of 10,000 statements (a real extraction, filed under 10,000 URLs, dates and
   meetings, one event each, written through the store API), then `history --json`,
   `history`, `sources --json` and `compare --json` (the latest pair) on it. Targets:
   `history` under 100 MB and 1 s.

`--tree PATH` runs another checkout's code (PYTHONPATH=PATH) with this virtualenv, which is how
the before figures of issue 9 were taken (`git archive main | tar -x -C /tmp/before`).

Run: .venv/bin/python bench/bench_limits.py [--tree PATH] [--statements 10000] [--big-mb 50]
     [--timeout 300]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "fixtures" / "seeds" / "000_84579932796fbdfb.txt"
HISTORY_MB, HISTORY_S = 100.0, 1.0


@dataclass(frozen=True)
class Run:
    label: str
    code: int | None  # None: killed at the timeout
    wall: float
    cpu: float
    rss_mb: float
    note: str

    def row(self) -> str:
        code = "timeout" if self.code is None else str(self.code)
        return (
            f"{self.label:<44} {code:>7} {self.wall:>8.2f} {self.cpu:>8.2f} {self.rss_mb:>8.1f}  "
            f"{self.note[:70]}"
        )


def measure(label: str, argv: list[str], env: dict[str, str], timeout: float) -> Run:
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        # From the tree's folder: `python -m` puts the working directory first on the path.
        cwd = env.get("PYTHONPATH")
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=cwd)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                status = -1
                break
            time.sleep(0.01)
        proc.returncode = 0  # reaped by wait4; keep Popen from waiting again
        wall = time.perf_counter() - started
        err.seek(0)
        lines = [line for line in err.read().decode("utf-8", "replace").splitlines() if line]
    code = None if status == -1 else os.waitstatus_to_exitcode(status)
    note = lines[0] if lines else ""
    if len(lines) > 1:
        note += f" (+{len(lines) - 1} lines)"
    return Run(label, code, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, note)


def write_big_text(path: Path, size: int) -> None:
    """A statement that goes on: the seed's heading once, then its body (the commitments, not
    the page chrome after them) over and over, as a concatenation or a hostile file would."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("Originally posted"))
    head = "\n".join(lines[:6]) + "\n\n"
    body = "\n".join(lines[6:end]) + "\n\n"
    with path.open("w", encoding="utf-8") as f:
        f.write(head)
        written = len(head.encode("utf-8"))
        while written < size:
            chunk = body[: size - written]
            f.write(chunk)
            written += len(chunk.encode("utf-8"))


def generate_archive(db: Path, count: int) -> None:
    """Runs in a child (`--generate`), with the tree under test importable."""
    from datetime import UTC, date, datetime, timedelta

    from state import Store
    from watcher.archive import Analyzer, content_hash
    from watcher.config import settings_from_dict
    from watcher.documents import document_from_text

    doc = document_from_text(SEED.read_text(encoding="utf-8"), "file:///seed.txt")
    judgement = Analyzer(settings_from_dict({})).judge(doc)
    assert judgement.statement is not None, "the seed must extract"
    base = judgement.statement.to_dict()
    now = datetime.now(UTC)
    first = date(1990, 1, 1)
    with Store.open(db) as store, store.transaction():
        for i in range(count):
            when = first + timedelta(days=i)
            statement = dict(base, date=when.isoformat(), url=f"https://example.org/r/{i}")
            meeting = dict(base["meeting"] or {}, date=when.isoformat(), ordinal=i + 1)
            statement["meeting"] = meeting
            event = store.create_event(
                series=judgement.series[0],
                ordinal=i + 1,
                level=meeting.get("level"),
                meeting_date=when,
                title=f"{doc.title} ({i})",
                baseline=True,
                now=now,
            )
            store.save_document(
                url=f"https://example.org/r/{i}",
                source="bench",
                origin="poll",
                lang=doc.lang,
                title=f"{doc.title} ({i})",
                date=when,
                text=doc.text,
                content_hash=content_hash(doc.text + str(i)),
                series=judgement.series,
                relevance="primary",
                alternates={},
                statement=statement,
                meeting_date=when,
                event_id=event,
                baseline=True,
                now=now,
            )


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tree", type=Path, default=ROOT, help="checkout whose code is measured")
    p.add_argument("--statements", type=int, default=10_000)
    p.add_argument("--big-mb", type=float, default=50.0)
    p.add_argument("--timeout", type=float, default=300.0, help="per process, seconds")
    p.add_argument("--generate", nargs=2, metavar=("DB", "N"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.generate:
        generate_archive(Path(args.generate[0]), int(args.generate[1]))
        return 0

    tree = args.tree.resolve()
    env = dict(os.environ, PYTHONPATH=str(tree))
    py = sys.executable
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench-limits-") as tmp:
        work = Path(tmp)
        db = work / "archive.sqlite3"
        cfg = work / "config.toml"
        cfg.write_text(f'[storage]\ndatabase = "{db}"\n', encoding="utf-8")
        cli = [py, "-m", "watcher", "--config", str(cfg)]

        runs.append(measure("floor: python -c pass", [py, "-c", "pass"], env, args.timeout))
        big = work / "big.txt"
        write_big_text(big, int(args.big_mb * 1_000_000))
        runs.append(
            measure(
                f"extract {args.big_mb:g} MB text",
                [*cli, "extract", str(big), "--json"],
                env,
                args.timeout,
            )
        )
        big.unlink()
        at_cap = work / "at-cap.txt"
        write_big_text(at_cap, 4_900_000)
        runs.append(
            measure(
                "extract 4.9 MB text (just under the cap)",
                [*cli, "extract", str(at_cap), "--json"],
                env,
                args.timeout,
            )
        )

        t0 = time.perf_counter()
        subprocess.run(
            [py, str(Path(__file__).resolve()), "--generate", str(db), str(args.statements)],
            env=env,
            cwd=tree,
            check=True,
        )
        built = time.perf_counter() - t0
        size = db.stat().st_size / 1e6
        n = f"{args.statements:,}"
        for label, extra in (
            (f"history --json ({n} statements)", ["history", "--json"]),
            (f"history ({n} statements)", ["history"]),
            (f"sources --json ({n} statements)", ["sources", "--json"]),
            (f"compare --json ({n} statements)", ["compare", "--json"]),
        ):
            runs.append(measure(label, [*cli, *extra], env, args.timeout))
        side = sorted(p.name for p in work.iterdir() if p.name.startswith(db.name + "-"))

    print(f"tree: {tree}   python: {sys.version.split()[0]}   cores: {os.cpu_count()}")
    print(
        f"archive: {args.statements:,} statements, {size:.0f} MB, built in {built:.1f} s; "
        f"side files left by the readers: {', '.join(side) or 'none'}"
    )
    header = f"{'process':<44} {'exit':>7} {'wall s':>8} {'cpu s':>8} {'RSS MB':>8}"
    print(f"\n{header}  first line of stderr")
    for r in runs:
        print(r.row())
    hist = [r for r in runs if r.label.startswith("history --json")]
    if hist:
        h = hist[0]
        ok = h.code == 0 and h.rss_mb < HISTORY_MB and h.wall < HISTORY_S
        print(
            f"\ntarget history < {HISTORY_MB:g} MB and < {HISTORY_S:g} s: "
            f"{'PASS' if ok else 'FAIL'} ({h.rss_mb:.1f} MB, {h.wall:.2f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
