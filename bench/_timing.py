"""What the benchmarks share to time a call: one warm-up call, then the median of repeated runs.

Imported by the bench scripts as `from _timing import median_seconds` (each runs as
`python bench/NAME.py`, so this folder is on its path)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


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
