"""The daemon's idle memory: `jucip-watch run` with the bot running, after its first poll.

The daemon runs as its own process (`python -m watcher run`) against the recorded sites, the
loopback Bot API and the loopback SMTP server, all served from this process on 127.0.0.1. Once
every source has logged its first cycle and the bot is long polling (a getUpdates reached the
Bot API), the daemon is left idle for `--settle` seconds and its resident memory (VmRSS, the
largest of a few samples) and peak (VmHWM) are read from /proc. Target: at most 60 MiB idle.

Scenarios:
- `first poll`: a fresh database: the first poll judges every listed release (the silent
  baseline), which loads the parsers and the analysis;
- `restart`: the same database again: every listing answers 304, nothing is parsed;
- `after use`: the first-poll daemon after a subscriber's /start, /latest and /topic (the bot's
  reading commands load the analysis and the renderers);
- `no bot`: the first poll with Telegram not configured (email only): the bot's share.

Then the import cost of the libraries behind those figures, each in a fresh interpreter (RSS
after the import minus a bare interpreter's): where the memory goes. Figures also go to
bench/results/daemon.json.

Run: .venv/bin/python bench/bench_daemon.py [--settle 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _measure import proc_memory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from replay import ReplayServer, serve_sites  # noqa: E402
from replay.loopback import SITES, SOURCES, config_text  # noqa: E402
from replay.process import Daemon  # noqa: E402
from replay.smtp import SmtpServer  # noqa: E402
from replay.telegram_api import TelegramAPI  # noqa: E402

TARGET_MIB = 60.0
CHAT = 4242
# (label, statement) measured in a fresh interpreter; "lean" as the CLI imports them
# (watcher.lean_imports: without the optional packages we never use).
LEAN = "import watcher.lean_imports as lean; lean.install(); "
IMPORTS = [
    ("httpx", "import httpx"),
    ("apscheduler (asyncio scheduler)", "import apscheduler.schedulers.asyncio"),
    ("telegram + telegram.ext", "import telegram, telegram.ext"),
    ("telegram + telegram.ext, lean", LEAN + "import telegram, telegram.ext"),
    ("the bot (notifiers.bot.app), lean", LEAN + "import notifiers.bot.app"),
    ("bs4 + lxml", "import bs4, lxml.html"),
    ("bs4 + lxml, lean", LEAN + "import bs4, lxml.html"),
    ("feedparser", "import feedparser"),
    (
        "the analysis (summary, compare)",
        "import watcher.analysis.summary, watcher.analysis.compare",
    ),
    ("jinja2", "import jinja2"),
    ("the poll pipeline (watcher.pipeline)", "import watcher.pipeline"),
]


def mib(kb: int) -> float:
    return kb / 1024


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench_daemon: timed out waiting for {what}")
        time.sleep(0.1)


def idle_memory(daemon: Daemon, settle: float) -> tuple[float, float]:
    """(VmRSS, VmHWM) after `settle` idle seconds, the largest of a few samples."""
    time.sleep(settle)
    samples = []
    for _ in range(5):
        samples.append(proc_memory(daemon.proc.pid))
        time.sleep(0.2)
    return max(s[0] for s in samples), max(s[1] for s in samples)


def write_config(
    path: Path, sites: dict[str, ReplayServer], api: TelegramAPI, smtp: SmtpServer, db: Path
) -> None:
    text = config_text(sites, database=db)
    text += '\n[schedule]\ninterval = "1h"\njitter = 0\n'
    text += f'\n[telegram]\napi_url = "{api.api_url}"\nadmin_chat_ids = [999]\n'
    text += (
        f'\n[email]\nhost = "{smtp.host}"\nport = {smtp.port}\nsecurity = "none"\n'
        'sender = "JUCIP Watch <alerts@watch.example.org>"\nadmin = ["ops@watch.example.org"]\n'
    )
    path.write_text(text, encoding="utf-8")


def scenario(
    name: str,
    config: Path,
    api: TelegramAPI,
    *,
    bot: bool,
    settle: float,
    use: bool = False,
) -> list[dict[str, Any]]:
    env = dict(os.environ)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    if bot:
        env["TELEGRAM_BOT_TOKEN"] = api.token
    polls_before = len(api.calls_to("getUpdates"))
    daemon = Daemon(config, env)
    out = []
    try:
        wait_for(
            lambda: len(daemon.sources_cycled()) == len(SOURCES), 180, f"{name}: the first cycles"
        )
        if bot:
            wait_for(lambda: len(api.calls_to("getUpdates")) > polls_before, 60, f"{name}: the bot")
        rss, peak = idle_memory(daemon, settle)
        out.append({"scenario": name, "rss_mib": round(rss, 1), "peak_mib": round(peak, 1)})
        if use:
            before = len(api.messages(CHAT))
            for text in ("/start", "/latest", "/topic critical-minerals"):
                api.push_message(CHAT, text)
            wait_for(lambda: len(api.messages(CHAT)) >= before + 3, 60, "the bot's replies")
            rss, peak = idle_memory(daemon, settle)
            out.append(
                {"scenario": "after use", "rss_mib": round(rss, 1), "peak_mib": round(peak, 1)}
            )
    finally:
        code = daemon.stop()
    if code != 0 or any("Traceback" in line for line in daemon.lines):
        raise SystemExit(f"bench_daemon: {name}: exit {code}\n{''.join(daemon.lines[-20:])}")
    return out


def import_costs() -> list[dict[str, Any]]:
    probe = "import sys\n{stmt}\nprint(open('/proc/self/status').read())"

    def rss_after(stmt: str) -> float:
        out = subprocess.run(
            [sys.executable, "-c", probe.format(stmt=stmt)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        ).stdout
        line = next(x for x in out.splitlines() if x.startswith("VmRSS:"))
        return mib(int(line.split()[1]))

    bare = rss_after("pass")
    return [{"import": label, "mib": round(rss_after(stmt) - bare, 1)} for label, stmt in IMPORTS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settle", type=float, default=5.0, help="idle seconds before reading")
    args = parser.parse_args(argv)
    sites = serve_sites(SITES)
    results: list[dict[str, Any]] = []
    try:
        with TelegramAPI() as api, SmtpServer() as smtp, tempfile.TemporaryDirectory() as tmp:
            config, fresh = Path(tmp) / "config.toml", Path(tmp) / "fresh.toml"
            write_config(config, sites, api, smtp, Path(tmp) / "db.sqlite3")
            results += scenario("first poll", config, api, bot=True, settle=args.settle, use=True)
            results += scenario("restart", config, api, bot=True, settle=args.settle)
            write_config(fresh, sites, api, smtp, Path(tmp) / "nobot.sqlite3")
            results += scenario("no bot", fresh, api, bot=False, settle=args.settle)
    finally:
        for server in sites.values():
            server.stop()
    print(f"{'daemon, idle':<28} {'RSS MiB':>8} {'peak MiB':>9}   target <= {TARGET_MIB:.0f} MiB")
    for r in results:
        mark = "ok" if r["rss_mib"] <= TARGET_MIB else "OVER"
        print(f"{r['scenario']:<28} {r['rss_mib']:>8.1f} {r['peak_mib']:>9.1f}   {mark}")
    costs = import_costs()
    print(f"\n{'import cost (fresh interpreter)':<52} {'MiB':>6}")
    for c in costs:
        print(f"{c['import']:<52} {c['mib']:>6.1f}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "daemon.json").write_text(
        json.dumps({"daemon": results, "imports": costs}, indent=2), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
