"""Kill `jucip-watch check` at many points of one pass, rerun it, and compare the archive with
an uninterrupted pass: the crash test (tests/test_crash.py) and the soak (bench/soak_crash.py).

The pass is the first one over a fresh database, over every source kind on the recorded sites
(the loopback config plus an `html` source): migrations, the bundled history, every listing, the
release pages, judging and archiving. Three kinds of kill point, each spread evenly over what an
uninterrupted pass does: just after its n-th write to the database (between two transactions,
where state saved too early loses a release), as its n-th request arrives at the replay servers
(mid-fetch), and at instants of its duration from process start to exit (start-up, analysis).
Counting writes and requests rather than time keeps the spread whatever the machine's load.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from replay import ReplayServer
from replay.loopback import config_text

ROOT = Path(__file__).resolve().parents[1]  # the checkout whose `check` is killed
_IN_PROCESS = True  # reruns in this process (this checkout's code) or as processes of ROOT's


def use_tree(tree: Path) -> None:
    """Kill and rerun another checkout's `check` (its folder first on the path, this
    virtualenv's packages): how bench/soak_crash.py --tree measures main before a change."""
    global ROOT, _IN_PROCESS
    ROOT, _IN_PROCESS = tree.resolve(), False


# The loopback config covers every kind but the CSS-selector one: add it, on METI's English
# listing (its JUCIP release is also meti-en's, so it must still be archived once).
_HTML_SOURCE = """
[[sources]]
name = "meti-en-html"
kind = "html"
url = {url}
item = "dl.date_sp dd"
stale_after = "5000d"
"""

# What must come out the same whatever the kill point: each archived release once, with its
# relevance, series and baseline flag, grouped into the same meetings.
Archive = tuple[frozenset[tuple[str, str, str, bool]], frozenset[frozenset[str]]]


@dataclass(frozen=True)
class Kill:
    at: float  # seconds after the process started
    progress: tuple[int, int, int]  # items recorded, items judged, documents from the poll
    request: int | None = None  # killed as this request of the pass arrived
    commit: int | None = None  # killed just after this write to the database


def write_config(
    folder: Path, servers: Mapping[str, ReplayServer], only: tuple[str, ...] = ()
) -> Path:
    """Every source kind on the recorded sites (or the `only` ones), database in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    text = config_text(servers, database=folder / "db.sqlite3", only=only)
    if not only:
        listing = servers["meti"].url("/english/press/category_02.html")
        text += _HTML_SOURCE.format(url=json.dumps(listing))
    path.write_text(text, encoding="utf-8")
    return path


def check_process(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "watcher", "--config", str(config), "check", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )


def run_check(config: Path) -> tuple[int, dict[str, object], float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "watcher", "--config", str(config), "check", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    return done.returncode, json.loads(done.stdout), time.monotonic() - started


def rerun_check(config: Path) -> tuple[int, dict[str, object]]:
    """`check --json` in this process: the rerun after a kill (the kill needs a process of its
    own; the rerun only its result, and saves the interpreter's start-up)."""
    if not _IN_PROCESS:
        return run_check(config)[:2]
    from watcher.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["--config", str(config), "check", "--json"])
    return code, json.loads(out.getvalue())


def archive_of(db: Path) -> Archive:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        docs = conn.execute(
            "SELECT url, relevance, series, baseline, event_id FROM documents WHERE origin = 'poll'"
        ).fetchall()
    finally:
        conn.close()
    releases = frozenset((u, r, s, bool(b)) for u, r, s, b, _ in docs)
    events: dict[int, set[str]] = {}
    for url, *_, event in docs:
        if event is not None:
            events.setdefault(event, set()).add(url)
    return releases, frozenset(frozenset(urls) for urls in events.values())


def progress_of(db: Path) -> tuple[int, int, int]:
    if not db.exists():
        return (0, 0, 0)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'items'").fetchone():
            return (0, 0, 0)
        items, judged = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE state = 'done') FROM items"
        ).fetchone()
        docs = conn.execute("SELECT count(*) FROM documents WHERE origin = 'poll'").fetchone()[0]
    finally:
        conn.close()
    return (items, judged, docs)


def kill_at(config: Path, delay: float) -> Kill | None:
    """Start a pass and SIGKILL it `delay` seconds in; None if it had finished by then."""
    proc = check_process(config)
    started = time.monotonic()
    time.sleep(max(0.0, started + delay - time.monotonic()))
    if proc.poll() is not None:
        return None
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return Kill(time.monotonic() - started, progress_of(config.parent / "db.sqlite3"))


def requests_made(servers: Mapping[str, ReplayServer]) -> int:
    return sum(len(s.requests) for s in servers.values())


def kill_at_request(
    config: Path, servers: Mapping[str, ReplayServer], nth: int
) -> tuple[Kill | None, int]:
    """Start a pass and SIGKILL it as its `nth` request arrives (before it is answered): kill
    points spread over the network part of the pass whatever the machine's speed. Returns the
    kill (None if the pass made fewer requests) and how many requests the pass made."""
    lock = threading.Lock()
    seen = 0
    proc: subprocess.Popen[bytes] | None = None

    def on_request(_: object) -> None:
        nonlocal seen
        with lock:
            seen += 1
            if seen == nth and proc is not None:
                os.kill(proc.pid, signal.SIGKILL)

    for server in servers.values():
        server.on_request = on_request
    started = time.monotonic()
    try:
        proc = check_process(config)
        proc.wait(timeout=120)
    finally:
        for server in servers.values():
            server.on_request = None
    if proc.returncode != -signal.SIGKILL:
        return None, seen
    progress = progress_of(config.parent / "db.sqlite3")
    return Kill(time.monotonic() - started, progress, nth), seen


def kill_at_commit(config: Path, nth: int) -> tuple[Kill | None, int]:
    """Start a pass and SIGKILL it just after its `nth` write to the database's WAL (a commit,
    or a few that landed within one look): the points between two transactions, where a
    pass that saved something too early would lose it. Returns the kill (None if the pass
    wrote less) and how many writes were seen; `nth` 0 only counts them."""
    wal = config.parent / "db.sqlite3-wal"
    proc = check_process(config)
    started = time.monotonic()
    seen, size = 0, -1
    while proc.poll() is None:
        try:
            now = wal.stat().st_size
        except FileNotFoundError:
            now = -1
        if now != size and now > 0:
            seen += 1
            if seen == nth:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                progress = progress_of(config.parent / "db.sqlite3")
                return Kill(time.monotonic() - started, progress, commit=nth), seen
        size = now
        time.sleep(0.0005)
    return None, seen


def spread(count: int) -> list[float]:
    """`count` fractions of a pass's duration, evenly over (0, 0.95): the whole pass."""
    return [0.95 * (i + 0.5) / count for i in range(count)]


@dataclass(frozen=True)
class Reference:
    """An uninterrupted pass: how long it took, how many requests and database writes it made,
    what it archived."""

    duration: float
    requests: int
    writes: int
    archive: Archive


def reference(folder: Path, servers: Mapping[str, ReplayServer]) -> Reference:
    """Two uninterrupted passes on fresh databases; they must agree (the pass is repeatable)."""
    runs = []
    for name in ("reference", "reference-2"):
        config = write_config(folder / name, servers)
        before = requests_made(servers)
        code, report, took = run_check(config)
        assert code == 0, report
        made = requests_made(servers) - before
        runs.append(Reference(took, made, 0, archive_of(config.parent / "db.sqlite3")))
    assert runs[0].archive == runs[1].archive, "an uninterrupted pass is not repeatable"
    releases, meetings = runs[0].archive
    assert any("jucip" in s for _, _, s, _ in releases) and any(len(m) > 1 for m in meetings)
    _, writes = kill_at_commit(write_config(folder / "writes", servers), 0)  # counts them
    duration = min(r.duration for r in runs)
    return Reference(duration, min(r.requests for r in runs), writes, runs[0].archive)


def rerun_differs(config: Path, expected: Archive) -> str | None:
    """Run `check` again after a kill: None when the archive is the uninterrupted pass's and
    nothing is left pending, else what differs."""
    code, report = rerun_check(config)
    db = config.parent / "db.sqlite3"
    items, judged, _ = progress_of(db)
    if code != 0:
        return f"the rerun exited {code}: {report}"
    if archive_of(db) != expected:
        return f"archive differs: {sorted(archive_of(db)[0] ^ expected[0])}"
    if items != judged:
        return f"{items - judged} item(s) left pending"
    return None
