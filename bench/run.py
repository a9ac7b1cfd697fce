"""`make bench`: run every benchmark in bench/ in turn and print its figures.

1. bench_poll.py: poll-cycle CPU per source (unchanged and with one new release), the one-off
   `check` process against urlwatch on the same loopback pages (figures also in
   bench/results/poll.json).
2. bench_analysis.py (when present): extraction throughput, comparison time, and the
   meeting-level comparison against a store of archived meetings.
3. bench_transport.py: Telegram splitting, and one alert fanned out to 1,000 Telegram chats and
   1,000 email recipients through the loopback peers.
4. bench_report.py: `report` on the bundled history and on ~100 meetings.
5. bench_outbox.py: the same fan-out as 3 through the outbox (rows queued in one transaction,
   the dispatcher rendering, sending and recording each), and its overhead over the transport.
6. bench_pdf.py (when present): PDF text extraction time per page and reading order.
7. bench_limits.py: peak memory and time of `extract` on a 50 MB file and at the size cap, and of
   `history`, `sources` and `compare` on an archive of 10,000 statements.
8. bench_web.py: the daemon's resident memory without and with its web endpoint, and the
   endpoint's answer times.
9. bench_daemon.py: the idle RSS of `run` with the bot running, after its first poll (target
   60 MiB), and the import cost of the libraries behind it.

bench/soak_crash.py (200 kills of `check`, a few minutes) is run on its own, not from here.

Extra arguments are passed to bench_poll.py (e.g. `--cycles 20 --no-urlwatch`).
Exit status: 0 when every benchmark ran (targets are reported, not enforced), else 1.

Run: .venv/bin/python bench/run.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def run(script: Path, args: list[str]) -> int:
    print(f"\n{'=' * 100}\n$ {Path(sys.executable).name} bench/{script.name} {' '.join(args)}")
    print("=" * 100, flush=True)
    start = time.perf_counter()
    code = subprocess.call([sys.executable, str(script), *args], cwd=ROOT)
    print(f"\n[bench/{script.name}: exit {code}, {time.perf_counter() - start:.0f} s]", flush=True)
    return code


def main(argv: list[str]) -> int:
    benchmarks = [
        (BENCH / "bench_poll.py", argv),
        (BENCH / "bench_analysis.py", []),
        (BENCH / "bench_transport.py", []),
        (BENCH / "bench_report.py", []),
        (BENCH / "bench_outbox.py", []),
        (BENCH / "bench_pdf.py", []),
        (BENCH / "bench_limits.py", []),
        (BENCH / "bench_web.py", []),
        (BENCH / "bench_daemon.py", []),
    ]
    failed = []
    for script, args in benchmarks:
        if not script.exists():
            print(f"\n(bench/{script.name} not present: skipped)")
            continue
        if run(script, args) != 0:
            failed.append(script.name)
    if failed:
        print(f"\nbenchmarks that did not finish: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
