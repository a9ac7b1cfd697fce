"""Benchmark the daemon's web endpoint: what it costs `run` in memory, and how fast it answers.

1. **Resident memory.** `jucip-watch run` on the recorded sites (six sources, interval 1 h, so
   after its first pass the daemon idles), once with `[web] listen = ""` (no endpoint) and once
   with the endpoint on a free loopback port; runs alternate. The daemon's VmRSS is read from
   /proc once its first pass is logged and (with the endpoint) the tracker is written and a few
   requests answered, after 3 s of idling. Median of the runs; the difference is the endpoint's
   cost (the server, its routes, the tracker written in a worker thread, Jinja2 for the pages).
   Target: the daemon stays within 60 MiB with the bot running (the bot's share is measured by
   issue 7's idle-RSS benchmark).
2. **Answers.** Through one keep-alive httpx client against that daemon: `/` (the tracker),
   `/feed.xml`, `/feed.xml` with If-None-Match (304), `/healthz` (reads the store) and an
   unknown path; median and p90 over 200 requests each.

Run: .venv/bin/python bench/bench_web.py [--runs 3] [--requests 200]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _measure import proc_memory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from replay import serve_sites  # noqa: E402
from replay.loopback import SITES, config_text  # noqa: E402
from replay.process import Daemon  # noqa: E402

SOURCES = 6
TARGET_MIB = 60.0


def first_pass(daemon: Daemon, web: bool) -> str | None:
    """Wait until every source polled (and, with the endpoint, the tracker was written after
    that); the endpoint URL."""

    def read() -> tuple[str | None, bool]:
        url, polled, written = None, set(), not web
        for line in list(daemon.lines):
            if found := re.search(r"web: serving .* on (http://\S+)", line):
                url = found.group(1)
            if "web: tracker written" in line and len(polled) == SOURCES:
                written = True
            if "source=" in line and "status=" in line:
                polled.add(line.split("source=")[1].split()[0])
        return url, len(polled) >= SOURCES and written and (url is not None or not web)

    if not daemon.wait(lambda: read()[1], timeout=120) and daemon.proc.poll() is not None:
        raise RuntimeError("run stopped during its first pass")
    return read()[0]


def one_run(tmp: Path, web: bool, requests: int) -> tuple[float, dict[str, list[float]]]:
    servers = serve_sites(SITES)
    folder = Path(tempfile.mkdtemp(dir=tmp))
    config = folder / "c.toml"
    text = config_text(servers, database=folder / "db.sqlite3")
    if not web:
        text = text.replace('listen = "127.0.0.1:0"', 'listen = ""')
    # The tracker is written again when the archive changes; a 1 h interval keeps it idle.
    config.write_text(text + '\n[schedule]\ninterval = "1h"\njitter = 0\n', encoding="utf-8")
    daemon = Daemon(config)
    timings: dict[str, list[float]] = {}
    try:
        url = first_pass(daemon, web)
        if url is not None:
            timings = answers(url, requests)
        time.sleep(3)
        rss = proc_memory(daemon.proc.pid)[0]
    finally:
        daemon.stop(timeout=60)
        for server in servers.values():
            server.stop()
    return rss, timings


def answers(url: str, n: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    with httpx.Client(base_url=url, timeout=10) as client:
        etag = client.get("feed.xml").headers["etag"]
        cases = {
            "/ (tracker)": ("", {}),
            "/feed.xml": ("feed.xml", {}),
            "/feed.xml, 304": ("feed.xml", {"If-None-Match": etag}),
            "/healthz": ("healthz", {}),
            "unknown path, 404": ("nothing-here", {}),
        }
        for name, (path, headers) in cases.items():
            client.get(path, headers=headers)  # warm-up
            times = []
            for _ in range(n):
                started = time.perf_counter()
                client.get(path, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
            out[name] = times
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    without, with_web = [], []
    timings: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        for _ in range(args.runs):
            without.append(one_run(Path(tmp), False, 0)[0])
            rss, seen = one_run(Path(tmp), True, args.requests)
            with_web.append(rss)
            for name, times in seen.items():
                timings.setdefault(name, []).extend(times)
    off, on = statistics.median(without), statistics.median(with_web)
    print(f"Daemon RSS after its first pass, idle (median of {args.runs} runs each)")
    print(f'  [web] listen = "" (no endpoint)        {off:6.1f} MiB   runs {_runs(without)}')
    print(f"  endpoint on, tracker written, served  {on:6.1f} MiB   runs {_runs(with_web)}")
    verdict = "PASS" if on <= TARGET_MIB else "FAIL"
    print(f"  the endpoint's cost                   {on - off:+6.1f} MiB   "
          f"(target {TARGET_MIB:.0f} MiB with the bot: {verdict} before the bot)")  # fmt: skip
    print(f"\nAnswers, one keep-alive client, {args.requests} requests each per run (ms)")
    for name, times in timings.items():
        times.sort()
        p90 = times[int(len(times) * 0.9)]
        print(f"  {name:<20} median {statistics.median(times):6.2f}   p90 {p90:6.2f}")
    return 0


def _runs(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


if __name__ == "__main__":
    raise SystemExit(main())
