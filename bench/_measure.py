"""What the benchmarks share to measure: the time of a call (one warm-up call, then the median
of repeated runs) and the memory of a process (from /proc).

Imported by the bench scripts as `from _measure import ...` (each runs as
`python bench/NAME.py`, so this folder is on its path)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path


def median_seconds(fn: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    """Median seconds per call of `fn` over `repeat` batches of `number` calls, after one call
    that fills caches (compiled cues, data files, templates), as in a running daemon."""
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - t0) / number)
    return statistics.median(runs)


def proc_memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of `pid` in MiB: resident now, and the peak."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields["VmRSS"] / 1024, fields["VmHWM"] / 1024
