"""Crash soak: kill `jucip-watch check` at many points of a pass, rerun, compare the archive.

The same harness as tests/test_crash.py (tests/crash_harness.py), with many more kills: half as
the pass's n-th request arrives at the replay servers (n over every request an uninterrupted
pass makes), half at instants spread over the pass's duration (start-up to exit). Each kill is
on a fresh database over every source kind of the recorded sites; after it `check` runs again,
and the archive must equal an uninterrupted pass's: every JUCIP/EPCC release once, with its
relevance, series, baseline flag and meeting, nothing left pending.

Prints how many kills landed, at how many distinct stages (items recorded / judged / archived),
and every kill point whose rerun did not give the expected archive (none expected).

Run: .venv/bin/python bench/soak_crash.py [--kills 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from crash_harness import (  # noqa: E402
    Kill,
    kill_at,
    kill_at_request,
    reference,
    rerun_differs,
    spread,
    write_config,
)

from replay import serve_sites  # noqa: E402
from replay.loopback import SITES  # noqa: E402


def soak(folder: Path, kills: int) -> tuple[list[Kill], list[str], str]:
    sites = serve_sites(SITES)
    landed: list[Kill] = []
    failures: list[str] = []
    try:
        ref = reference(folder, sites)
        for n, fraction in enumerate(spread(kills // 2)):
            config = write_config(folder / f"request-{n}", sites)
            nth = max(1, round(fraction * ref.requests))
            kill, _ = kill_at_request(config, sites, nth)
            differs = rerun_differs(config, ref.archive)
            if differs:
                failures.append(f"request {nth} of {ref.requests}: {differs}")
            if kill is not None:
                landed.append(kill)
        for n, fraction in enumerate(spread(kills - kills // 2)):
            config = write_config(folder / f"instant-{n}", sites)
            kill = kill_at(config, fraction * ref.duration)
            differs = rerun_differs(config, ref.archive)
            if differs:
                failures.append(
                    f"{fraction * ref.duration:.3f} s of {ref.duration:.3f} s: {differs}"
                )
            if kill is not None:
                landed.append(kill)
    finally:
        for s in sites.values():
            s.stop()
    releases, meetings = ref.archive
    summary = (
        f"uninterrupted pass: {ref.duration:.2f} s, {ref.requests} requests, "
        f"{len(releases)} releases archived from the poll, in {len(meetings)} meetings"
    )
    return landed, failures, summary


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kills", type=int, default=200)
    args = p.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="soak-crash-") as tmp:
        kills, failures, summary = soak(Path(tmp), args.kills)
    stages = {k.progress for k in kills}
    at_request = sum(k.request is not None for k in kills)
    print(summary)
    print(
        f"kills landed: {len(kills)} of {args.kills} attempted ({at_request} at a request, "
        f"{len(kills) - at_request} at an instant), at {len(stages)} distinct stages "
        "(items recorded, judged, archived)"
    )
    print(f"reruns whose archive differed from the uninterrupted pass: {len(failures)}")
    for line in failures:
        print(f"  {line}")
    print(f"soak time: {time.perf_counter() - started:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
