"""Benchmark the poll cycle, the one-off `check` process, and urlwatch on the same pages.

Prints, over the recorded sites (replay/sites) served on loopback:

1. Daemon cycles, in process, as `jucip-watch run` does them (one Store, one Fetcher, one Poller
   kept open): CPU and wall time of `Poller.poll(cfg)` per source when nothing changed (every
   listing answers 304), median and p90 over N cycles.
2. The cycle in which one new JUCIP release appears (listing 200 with one new item, its page
   fetched, judged, extracted, compared and archived), for meti-ja, meti-en and commerce-press,
   each repeated with a fresh release id and listing ETag.
3. The one-off `jucip-watch --config CFG check --json` process against a warmed database where
   nothing changed: wall time, CPU (user + system) and peak RSS of the child (os.wait4).
4. urlwatch (installed into bench/.venv) doing the same unchanged job on the same six listing URLs,
   measured the same way, side by side with (3).

The replay servers run in a separate process (`bench_poll.py --serve`, driven over a pipe), so
`time.process_time()` in this process is the client's CPU alone; the server's CPU per request is
read from that process and printed for reference.

Figures are also written to bench/results/poll.json.

Run: .venv/bin/python bench/bench_poll.py [--cycles 50] [--runs 7] [--no-urlwatch]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from replay import ReplayServer, Route, serve_sites  # noqa: E402
from replay.loopback import SITES, config_text  # noqa: E402

BENCH = ROOT / "bench"
RESULTS = BENCH / "results" / "poll.json"
BENCH_VENV = BENCH / ".venv"
# urlwatch gets a virtualenv of its own: sharing ours would add our packages to its imports.
URLWATCH_VENV = BENCH / ".venv-urlwatch"
URLWATCH = URLWATCH_VENV / "bin" / "urlwatch"
# The one-off comparison runs both programs as regular (non-editable) installs from the same
# bench virtualenv, as a deployment would; the project's editable .venv adds an import hook.
BENCH_JUCIP_WATCH = BENCH_VENV / "bin" / "jucip-watch"
DEV_JUCIP_WATCH = Path(sys.executable).parent / "jucip-watch"
FIXTURES = ROOT / "tests" / "fixtures"

CPU_TARGET_MS = 5.0  # per source, unchanged daemon cycle

METI_LISTING = "/press/category_02.html"
METI_EN_LISTING = "/english/press/category_02.html"
COMMERCE_LISTING = "/news/press-releases"
COMMERCE_JUCIP = (
    "news/press-releases/2023/05/"
    "joint-statement-second-ministerial-meeting-japan-us-commercial-and/index.html"
)


# -- the replay servers, in their own process ------------------------------------------------------
def serve_forever() -> int:
    """`--serve`: start the recorded sites, then obey one JSON command per stdin line.

    Commands: {"op": "add", "site", "path", "body" | "file", "etag"}, {"op": "stats"} (this
    process's CPU seconds and the requests seen since the last stats), EOF to stop.
    """
    servers = serve_sites(SITES)
    out = sys.stdout
    out.write(json.dumps({s: srv.base_url for s, srv in servers.items()}) + "\n")
    out.flush()
    seen = {s: 0 for s in servers}
    for line in sys.stdin:
        cmd = json.loads(line)
        reply: dict[str, Any] = {"ok": True}
        if cmd["op"] == "add":
            srv = servers[cmd["site"]]
            if "file" in cmd:
                srv.add(cmd["path"], Route.file(Path(cmd["file"])))
            else:
                srv.add(cmd["path"], Route(body=cmd["body"].encode("utf-8"), etag=cmd["etag"]))
        elif cmd["op"] == "stats":
            requests = conditional = 0
            for name, srv in servers.items():
                with srv._lock:
                    new = srv.requests[seen[name] :]
                    seen[name] = len(srv.requests)
                requests += len(new)
                conditional += sum(
                    1
                    for r in new
                    if "if-none-match" in r.headers or "if-modified-since" in r.headers
                )
            reply = {"cpu": time.process_time(), "requests": requests, "conditional": conditional}
        out.write(json.dumps(reply) + "\n")
        out.flush()
    for srv in servers.values():
        srv.stop()
    return 0


class RemoteSite:
    """Stands in for a ReplayServer of the server process where only `url()` is needed."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def url(self, path: str = "/") -> str:
        return self.base_url + path


class Sites:
    """The replay-server process, seen from the benchmark."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self._lock = threading.Lock()
        bases: dict[str, str] = json.loads(self._stdout.readline())
        self.sites = {name: RemoteSite(url) for name, url in bases.items()}

    @property
    def _stdout(self) -> IO[str]:
        assert self._proc.stdout is not None
        return self._proc.stdout

    def _call(self, cmd: dict[str, Any]) -> dict[str, Any]:
        assert self._proc.stdin is not None
        with self._lock:
            self._proc.stdin.write(json.dumps(cmd, ensure_ascii=False) + "\n")
            self._proc.stdin.flush()
            return cast(dict[str, Any], json.loads(self._stdout.readline()))

    def add_body(self, site: str, path: str, body: str, etag: str) -> None:
        self._call({"op": "add", "site": site, "path": path, "body": body, "etag": etag})

    def add_file(self, site: str, path: str, file: Path) -> None:
        self._call({"op": "add", "site": site, "path": path, "file": str(file)})

    def stats(self) -> dict[str, Any]:
        return self._call({"op": "stats"})

    def config(self, database: Path) -> str:
        return config_text(cast(Mapping[str, ReplayServer], self.sites), database=database)

    def close(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=10)


# -- figures ---------------------------------------------------------------------------------------
def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


@dataclass
class Samples:
    cpu_ms: list[float] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float | int]:
        return {
            "n": len(self.cpu_ms),
            "cpu_ms_median": round(statistics.median(self.cpu_ms), 3),
            "cpu_ms_p90": round(p90(self.cpu_ms), 3),
            "wall_ms_median": round(statistics.median(self.wall_ms), 3),
            "wall_ms_p90": round(p90(self.wall_ms), 3),
        }


@contextmanager
def timed(samples: Samples) -> Iterator[None]:
    cpu, wall = time.process_time(), time.perf_counter()
    yield
    samples.wall_ms.append((time.perf_counter() - wall) * 1000)
    samples.cpu_ms.append((time.process_time() - cpu) * 1000)


# -- 1 and 2: daemon cycles in process -------------------------------------------------------------
def new_meti_ja(sites: Sites, n: int) -> str:
    """The METI 対外経済 listing gains a new JUCIP release at the top (release id varies)."""
    href = f"/press/2024/04/20240411{n:03d}.html"
    listing = (SITES / "meti" / METI_LISTING.lstrip("/")).read_text(encoding="utf-8")
    item = (
        '<ul class="clearfix float_li">\n  <li class="clearfix">\n'
        '    <div class="left img_box"><img src="/files/000000082.jpg" alt="対外経済"></div>\n'
        '    <div class="left txt_box"><p>2024年4月11日</p><a class="cut_txt" '
        f'href="{href}">齋藤経済産業大臣がレモンド米国商務長官と第3回日米商務・産業'
        "パートナーシップ（JUCIP）閣僚会合を開催しました</a></div>\n  </li>"
    )
    body = listing.replace('<ul class="clearfix float_li">', item, 1)
    sites.add_file("meti", href, FIXTURES / "new_release_ja.html")
    sites.add_body("meti", METI_LISTING, body, f'"bench-ja-{n}"')
    return href


def new_meti_en(sites: Sites, n: int) -> str:
    """The METI English listing gains a JUCIP release (the 4th ministerial's page, new id)."""
    href = f"/english/press/2024/0701_{n:03d}.html"
    listing = (SITES / "meti" / METI_EN_LISTING.lstrip("/")).read_text(encoding="utf-8")
    item = (
        '<dl class="date_sp">\n<dt>July 1, 2024</dt>\n'
        f'<dd><a href="{href}">Minister Saito Holds the Fifth Japan-U.S. Commercial and Industrial '
        "Partnership (JUCIP) Ministerial Meeting</a></dd>"
    )
    body = listing.replace('<dl class="date_sp">', item, 1)
    sites.add_file("meti", href, SITES / "meti" / "english" / "press" / "2024" / "0627_001.html")
    sites.add_body("meti", METI_EN_LISTING, body, f'"bench-en-{n}"')
    return href


def new_commerce(sites: Sites, n: int) -> str:
    """The commerce.gov listing gains a JUCIP joint statement (the 2nd's page, new path)."""
    href = f"/news/press-releases/2024/07/joint-statement-jucip-ministerial-bench-{n}"
    listing = (SITES / "commerce" / "news" / "press-releases" / "index.html").read_text(
        encoding="utf-8"
    )
    row = (
        '<div class="views-row"><article role="article" class="node node--type-press-release '
        'node--view-mode-teaser">\n'
        f'  <h2><a href="{href}" rel="bookmark"><span>Joint Statement for the Ministerial Meeting '
        "of the Japan-U.S. Commercial and Industrial Partnership (JUCIP)</span></a></h2>\n"
        '  <div class="field field--name-field-release-datetime"><time '
        'datetime="2024-07-01T16:00:00Z" class="datetime">July 1, 2024</time></div>\n'
        "</article></div>\n"
    )
    body = listing.replace('<div class="views-row">', row + '<div class="views-row">', 1)
    sites.add_file("commerce", href, SITES / "commerce" / COMMERCE_JUCIP)
    sites.add_body("commerce", COMMERCE_LISTING, body, f'"bench-commerce-{n}"')
    return href


NEW_RELEASE = {"meti-ja": new_meti_ja, "meti-en": new_meti_en, "commerce-press": new_commerce}


async def daemon_cycles(sites: Sites, tmp: Path, cycles: int, repeats: int) -> dict[str, Any]:
    from state import Store
    from watcher.config import load_settings
    from watcher.fetch import Fetcher
    from watcher.models import SourceStatus
    from watcher.pipeline import Poller

    config = tmp / "daemon.toml"
    config.write_text(sites.config(tmp / "daemon.sqlite3"), encoding="utf-8")
    settings = load_settings(config)
    sources = [s for s in settings.sources if s.enabled]
    store = Store.open(settings.storage.database)
    try:
        async with Fetcher(settings.fetch) as fetcher:
            # As the daemon: one store, one fetcher, one poller, history seeded once.
            poller = Poller(settings, store, fetcher)
            poller.archive.seed_bundled_history(poller.clock())
            for cfg in sources:  # the silent baseline
                report = await poller.poll(cfg)
                if report.status.failed:
                    raise SystemExit(f"baseline poll of {cfg.name} failed: {report.error}")
            for cfg in sources:  # one warm-up unchanged cycle (first 304, lazily built state)
                await poller.poll(cfg)

            unchanged = {cfg.name: Samples() for cfg in sources}
            server_before = sites.stats()
            for _ in range(cycles):
                for cfg in sources:
                    with timed(unchanged[cfg.name]):
                        report = await poller.poll(cfg)
                    if report.status is not SourceStatus.NOT_MODIFIED:
                        raise SystemExit(f"{cfg.name}: expected 304, got {report.status.value}")
            server = sites.stats()

            check_all = Samples()  # all six at once, as `check` does it (concurrently)
            for _ in range(max(5, cycles // 5)):
                with timed(check_all):
                    await poller.check()

            new: dict[str, Samples] = {}
            by_name = {cfg.name: cfg for cfg in sources}
            for name, add in NEW_RELEASE.items():
                new[name] = Samples()
                for n in range(1, repeats + 1):
                    href = add(sites, n)
                    with timed(new[name]):
                        report = await poller.poll(by_name[name])
                    urls = [r.url for r in report.releases]
                    if report.new_items != 1 or not urls or not urls[0].endswith(href):
                        raise SystemExit(
                            f"{name}: expected one new release {href}, got "
                            f"new_items={report.new_items} releases={urls} ({report.status})"
                        )
                    await poller.poll(by_name[name])  # settle: back to 304
    finally:
        store.close()
    polls = cycles * len(sources)
    return {
        "unchanged": {name: s.summary() for name, s in unchanged.items()},
        "unchanged_all_sources_check": check_all.summary(),
        "server": {
            "cpu_ms_per_request": round(
                (server["cpu"] - server_before["cpu"]) * 1000 / max(1, server["requests"]), 3
            ),
            "requests_per_poll": server["requests"] / polls,
            "conditional_share": server["conditional"] / max(1, server["requests"]),
        },
        "new_release": {name: s.summary() for name, s in new.items()},
        "new_release_samples_ms": {
            name: [round(v, 2) for v in s.cpu_ms] for name, s in new.items()
        },
    }


# -- 3 and 4: one-off processes --------------------------------------------------------------------
@dataclass
class Run:
    wall_s: float
    cpu_s: float
    maxrss_kb: int
    code: int


# Linux records, at exec, the peak RSS of the memory the process had before it (a forked or
# vforked copy of its parent), so a child spawned straight from this ~60 MB process would report
# at least 60 MB. A small launcher process forks the command and reports its wait4 rusage; the
# launcher's own size is the floor of the measurement (see `rss_floor`).
LAUNCHER = """
import json, os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.execv(argv[0], argv)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - start
code = os.waitstatus_to_exitcode(status)
print(json.dumps([wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, code]))
"""


def run_process(argv: list[str], out: Path, env: dict[str, str] | None = None) -> Run:
    """Run argv (stdout+stderr to `out`) under the launcher: the child's own wait4 rusage."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", LAUNCHER, str(out), *argv],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu, maxrss, code = json.loads(done.stdout)
    return Run(wall_s=wall, cpu_s=cpu, maxrss_kb=maxrss, code=code)  # ru_maxrss: KB on Linux


def rss_floor(tmp: Path) -> float:
    """Peak RSS (MB) the launcher reports for /bin/true: the smallest figure it can give."""
    true = shutil.which("true") or "/bin/true"
    return min(run_process([true], tmp / "true.out").maxrss_kb for _ in range(3)) / 1024


def summarise_runs(runs: list[Run]) -> dict[str, Any]:
    return {
        "n": len(runs),
        "wall_ms_median": round(statistics.median(r.wall_s for r in runs) * 1000, 1),
        "wall_ms_min": round(min(r.wall_s for r in runs) * 1000, 1),
        "cpu_ms_median": round(statistics.median(r.cpu_s for r in runs) * 1000, 1),
        "cpu_ms_min": round(min(r.cpu_s for r in runs) * 1000, 1),
        "peak_rss_mb_median": round(statistics.median(r.maxrss_kb for r in runs) / 1024, 1),
        "peak_rss_mb_max": round(max(r.maxrss_kb for r in runs) / 1024, 1),
    }


@dataclass
class Job:
    """One program's unchanged run, measured alternately with the other's."""

    name: str
    argv: list[str]
    out: Path
    env: dict[str, str] | None = None
    verify: Callable[[Run, Path], None] | None = None
    runs: list[Run] = field(default_factory=list)
    requests: int = 0
    conditional: int = 0

    def once(self) -> Run:
        r = run_process(self.argv, self.out, self.env)
        if self.verify:
            self.verify(r, self.out)
        return r

    def figures(self) -> dict[str, Any]:
        n = len(self.runs)
        return {
            **summarise_runs(self.runs),
            "requests_per_run": self.requests / n,
            "conditional_share": self.conditional / max(1, self.requests),
        }


def _check_verified(r: Run, out: Path) -> None:
    report = json.loads(out.read_text(encoding="utf-8"))
    statuses = {s["status"] for s in report["sources"]}
    if r.code != 0 or statuses != {"not_modified"}:
        raise SystemExit(f"check: exit {r.code}, statuses {statuses}: {out.read_text()[:500]}")


def check_job(sites: Sites, tmp: Path) -> Job:
    config = tmp / "check.toml"
    config.write_text(sites.config(tmp / "check.sqlite3"), encoding="utf-8")
    exe = BENCH_JUCIP_WATCH if BENCH_JUCIP_WATCH.exists() else DEV_JUCIP_WATCH
    job = Job("check", [str(exe), "--config", str(config), "check", "--json"], tmp / "check.out")
    for _ in range(2):  # baseline, then the first 304 pass
        run_process(job.argv, job.out)
    job.verify = _check_verified
    return job


def measure(sites: Sites, jobs: list[Job], runs: int) -> None:
    """Alternate the jobs run by run, so both see the same machine load."""
    sites.stats()
    for _ in range(runs):
        for job in jobs:
            job.runs.append(job.once())
            seen = sites.stats()
            job.requests += seen["requests"]
            job.conditional += seen["conditional"]


def ensure_bench_env(with_urlwatch: bool) -> bool:
    """bench/.venv with urlwatch and a fresh regular install of this project."""
    pip = [str(BENCH_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    try:
        if not (BENCH_VENV / "bin" / "python").exists():
            print(f"creating {BENCH_VENV} ...")
            subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        if with_urlwatch and not URLWATCH.exists():
            print(f"installing urlwatch into {URLWATCH_VENV} ...")
            subprocess.run([sys.executable, "-m", "venv", str(URLWATCH_VENV)], check=True)
            subprocess.run(
                [
                    str(URLWATCH_VENV / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "urlwatch",
                ],
                check=True,
                timeout=300,
            )
        if not BENCH_JUCIP_WATCH.exists():
            subprocess.run([*pip, str(ROOT)], check=True, timeout=300)  # with dependencies
        # Reinstall (no dependencies) so the figures are of the code as it is now.
        subprocess.run([*pip, "--no-deps", "--force-reinstall", str(ROOT)], check=True, timeout=300)
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"bench environment setup failed ({exc}): using the development install only")
        return False
    return not with_urlwatch or URLWATCH.exists()


def listing_urls(config: Path) -> list[str]:
    """The first listing URL of each source: what an unchanged cycle fetches."""
    from watcher.config import load_settings
    from watcher.sources import adapter_for

    settings = load_settings(config)
    return [adapter_for(s).listing_urls()[0] for s in settings.sources if s.enabled]


def urlwatch_job(sites: Sites, tmp: Path) -> Job:
    home = tmp / "urlwatch"
    home.mkdir()
    urls = [*listing_urls(tmp / "check.toml")]
    jobs = "\n---\n".join(
        json.dumps({"name": f"job{n}", "url": u}) for n, u in enumerate(urls)
    )  # JSON is YAML
    (home / "urls.yaml").write_text(jobs + "\n", encoding="utf-8")
    # Every reporter off but stdout (urlwatch merges this over its defaults).
    (home / "urlwatch.yaml").write_text(
        json.dumps(
            {
                "display": {"new": True, "error": True, "unchanged": False},
                "report": {"stdout": {"enabled": True, "color": False}},
            }
        ),
        encoding="utf-8",
    )
    argv = [
        str(URLWATCH),
        "--urls",
        str(home / "urls.yaml"),
        "--config",
        str(home / "urlwatch.yaml"),
        "--hooks",
        str(home / "hooks.py"),
        "--cache",
        str(home / "cache.db"),
    ]
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "NO_COLOR": "1"}
    out = home / "run.out"
    warm = run_process(argv, out, env)  # first run: downloads all, reports them as new
    if warm.code != 0:
        raise RuntimeError(f"urlwatch warm-up exit {warm.code}: {out.read_text()[:500]}")
    run_process(argv, out, env)

    def verify(r: Run, out: Path) -> None:
        if r.code != 0:
            raise RuntimeError(f"urlwatch exit {r.code}: {out.read_text()[:500]}")

    return Job("urlwatch", argv, out, env, verify)


def urlwatch_version() -> str:
    done = subprocess.run([str(URLWATCH), "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


# -- report ----------------------------------------------------------------------------------------
def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_report(fig: dict[str, Any]) -> list[tuple[str, bool]]:
    d = fig["daemon"]
    print(f"\n== Poll cycle over the recorded sites (loopback; {fig['machine']}) ==")
    print(f"replay servers: {fig['server_process']}")
    print(
        f"\n(a) unchanged cycle, 304s: daemon-style Poller.poll(cfg), {fig['cycles']} cycles "
        "(client CPU only)"
    )
    print(f"{'source':<16} {'cpu med':>9} {'cpu p90':>9} {'wall med':>9} {'wall p90':>9}   target")
    results: list[tuple[str, bool]] = []
    worst = 0.0
    for name, s in d["unchanged"].items():
        ok = s["cpu_ms_median"] < CPU_TARGET_MS
        worst = max(worst, s["cpu_ms_median"])
        print(
            f"{name:<16} {s['cpu_ms_median']:>6.2f} ms {s['cpu_ms_p90']:>6.2f} ms "
            f"{s['wall_ms_median']:>6.2f} ms {s['wall_ms_p90']:>6.2f} ms   "
            f"< {CPU_TARGET_MS:g} ms CPU {verdict(ok)}"
        )
    results.append((f"unchanged cycle < {CPU_TARGET_MS:g} ms CPU per source (median)", worst < 5))
    a = d["unchanged_all_sources_check"]
    print(
        f"{'all six (check)':<16} {a['cpu_ms_median']:>6.2f} ms {a['cpu_ms_p90']:>6.2f} ms "
        f"{a['wall_ms_median']:>6.2f} ms {a['wall_ms_p90']:>6.2f} ms   "
        "(Poller.check: sources concurrently)"
    )
    srv = d["server"]
    print(
        f"server side (other process): {srv['cpu_ms_per_request']:.2f} ms CPU per request, "
        f"{srv['requests_per_poll']:.2f} requests per poll, "
        f"{srv['conditional_share']:.0%} conditional"
    )
    print(f"\n(b) one new JUCIP release appears (median of {fig['repeats']}, fresh id each time)")
    print(f"{'source':<16} {'cpu med':>9} {'cpu p90':>9} {'wall med':>9} {'wall p90':>9}")
    for name, s in d["new_release"].items():
        print(
            f"{name:<16} {s['cpu_ms_median']:>6.1f} ms {s['cpu_ms_p90']:>6.1f} ms "
            f"{s['wall_ms_median']:>6.1f} ms {s['wall_ms_p90']:>6.1f} ms"
        )
    print("(listing 200 + parse, detail page fetched, judged, extracted, compared, archived)")

    c, u = fig["check"], fig.get("urlwatch")
    print(
        f"\n(c) one-off process, nothing changed (median of {c['n']} runs, the programs "
        f"alternating; child rusage via wait4, launcher RSS floor {fig['rss_floor_mb']:.1f} MB;\n"
        f" jucip-watch: {fig.get('check_install', '?')};"
        " urlwatch: regular install in bench/.venv-urlwatch)"
    )
    print(f"{'':<28} {'wall':>10} {'CPU':>10} {'peak RSS':>10} {'requests':>9}")
    rows = [("jucip-watch check --json", c)]
    if u:
        rows.append((f"urlwatch {u['version'].split()[-1]}", u))
    for label, r in rows:
        print(
            f"{label:<28} {r['wall_ms_median']:>7.0f} ms {r['cpu_ms_median']:>7.0f} ms "
            f"{r['peak_rss_mb_median']:>7.1f} MB {r['requests_per_run']:>9.1f}"
        )
    if u:
        print(
            f"(both send conditional requests: check {c['conditional_share']:.0%}, "
            f"urlwatch {u['conditional_share']:.0%} of requests carry If-None-Match/"
            "If-Modified-Since; every listing answered 304)"
        )
        results += [
            ("check no slower than urlwatch (wall)", c["wall_ms_median"] <= u["wall_ms_median"]),
            ("check no slower than urlwatch (CPU)", c["cpu_ms_median"] <= u["cpu_ms_median"]),
            (
                "check no larger than urlwatch (peak RSS)",
                c["peak_rss_mb_median"] <= u["peak_rss_mb_median"],
            ),
        ]
    else:
        print(f"urlwatch: skipped ({fig.get('urlwatch_skipped', 'not run')})")
    print("\nTargets")
    for label, ok in results:
        print(f"  {verdict(ok)}  {label}")
    return results


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=50, help="unchanged cycles per source")
    parser.add_argument("--repeats", type=int, default=5, help="new-release cycles per source")
    parser.add_argument("--runs", type=int, default=7, help="one-off process runs each")
    parser.add_argument("--no-urlwatch", action="store_true", help="skip the urlwatch comparison")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve_forever()

    fig: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "cycles": args.cycles,
        "repeats": args.repeats,
        "server_process": "separate process (bench_poll.py --serve): client CPU excludes it",
    }
    sites = Sites()
    try:
        with tempfile.TemporaryDirectory(prefix="jucip-bench-") as tmpdir:
            tmp = Path(tmpdir)
            fig["daemon"] = asyncio.run(daemon_cycles(sites, tmp, args.cycles, args.repeats))
            fig["rss_floor_mb"] = round(rss_floor(tmp), 1)
            have_urlwatch = ensure_bench_env(with_urlwatch=not args.no_urlwatch)
            fig["check_install"] = (
                "regular install in bench/.venv"
                if BENCH_JUCIP_WATCH.exists()
                else "editable install in .venv"
            )
            jobs = [check_job(sites, tmp)]
            if args.no_urlwatch:
                fig["urlwatch_skipped"] = "--no-urlwatch"
            elif not have_urlwatch:
                fig["urlwatch_skipped"] = "install failed"
            else:
                try:
                    jobs.append(urlwatch_job(sites, tmp))
                except (RuntimeError, OSError) as exc:
                    print(f"urlwatch comparison failed: {exc}")
                    fig["urlwatch_skipped"] = str(exc)
            measure(sites, jobs, args.runs)
            fig["check"] = jobs[0].figures()
            if len(jobs) > 1:
                fig["urlwatch"] = {
                    **jobs[1].figures(),
                    "version": urlwatch_version(),
                    "jobs": len(listing_urls(tmp / "check.toml")),
                    "last_output": jobs[1].out.read_text(errors="replace")[:300],
                }
    finally:
        sites.close()
    results = print_report(fig)
    fig["targets"] = {label: verdict(ok) for label, ok in results}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(fig, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nfigures written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
