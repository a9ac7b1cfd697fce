"""Crash soak: kill `jucip-watch check` at many points of a pass, rerun, compare the archive.

The same harness as tests/test_crash.py (tests/crash_harness.py), with many more kills: a third
just after the pass's n-th write to the database, a third as its n-th request arrives at the
replay servers (n over every write or request an uninterrupted pass makes), a third at instants
spread over its duration (start-up to exit). Each kill is on a fresh database over every source
kind of the recorded sites; after it `check` runs again, and the archive must equal an
uninterrupted pass's: every JUCIP/EPCC release once, with its relevance, series, baseline flag
and meeting, nothing left pending. `--tree PATH` kills and reruns another checkout's `check`
(the before figures: main at a72d940 extracted with `git archive`).

Prints how many kills landed, at how many distinct stages (items recorded / judged / archived),
and every kill point whose rerun did not give the expected archive (none expected).

Run: .venv/bin/python bench/soak_crash.py [--kills 210] [--tree PATH]
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
    kill_at_commit,
    kill_at_request,
    reference,
    rerun_differs,
    spread,
    use_tree,
    write_config,
)

from replay import serve_sites  # noqa: E402
from replay.loopback import SITES  # noqa: E402


def soak(folder: Path, kills: int) -> tuple[list[Kill], list[str], str]:
    sites = serve_sites(SITES)
    landed: list[Kill] = []
    failures: list[str] = []

    def after(kill: Kill | None, config: Path, where: str) -> None:
        differs = rerun_differs(config, ref.archive)
        if differs:
            failures.append(f"{where}: {differs}")
        if kill is not None:
            landed.append(kill)

    try:
        ref = reference(folder, sites)
        third = kills // 3
        for n, fraction in enumerate(spread(third)):
            config = write_config(folder / f"commit-{n}", sites)
            nth = max(1, round(fraction * ref.writes))
            after(kill_at_commit(config, nth)[0], config, f"after write {nth} of {ref.writes}")
        for n, fraction in enumerate(spread(third)):
            config = write_config(folder / f"request-{n}", sites)
            nth = max(1, round(fraction * ref.requests))
            kill = kill_at_request(config, sites, nth)[0]
            after(kill, config, f"at request {nth} of {ref.requests}")
        for n, fraction in enumerate(spread(kills - 2 * third)):
            config = write_config(folder / f"instant-{n}", sites)
            delay = fraction * ref.duration
            after(kill_at(config, delay), config, f"at {delay:.3f} s of {ref.duration:.3f} s")
    finally:
        for s in sites.values():
            s.stop()
    releases, meetings = ref.archive
    summary = (
        f"uninterrupted pass: {ref.duration:.2f} s, {ref.requests} requests, {ref.writes} "
        f"database writes, {len(releases)} releases archived from the poll, in "
        f"{len(meetings)} meetings"
    )
    return landed, failures, summary


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kills", type=int, default=210)
    p.add_argument("--tree", type=Path, help="kill another checkout's check (see above)")
    args = p.parse_args(argv)
    if args.tree:
        use_tree(args.tree)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="soak-crash-") as tmp:
        kills, failures, summary = soak(Path(tmp), args.kills)
    stages = {k.progress for k in kills}
    at_commit = sum(k.commit is not None for k in kills)
    at_request = sum(k.request is not None for k in kills)
    print(summary)
    print(
        f"kills landed: {len(kills)} of {args.kills} attempted ({at_commit} after a write, "
        f"{at_request} at a request, {len(kills) - at_commit - at_request} at an instant), "
        f"at {len(stages)} distinct stages (items recorded, judged, archived)"
    )
    print(f"reruns whose archive differed from the uninterrupted pass: {len(failures)}")
    for line in failures:
        print(f"  {line}")
    print(f"soak time: {time.perf_counter() - started:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
