"""Transport figures: splitting cost, and one message fanned out through the loopback peers.

1. `split_html` on the long golden alert (8 k UTF-16 units, 3 parts) and on a 100 k-unit message.
2. Telegram: one alert to N private chats through the loopback Bot API run as a separate process
   (so the client's CPU is measured alone), pacing off: a short alert (one message each) and the
   long one (three parts each); with `--paced`, the short one with pacing on as well.
3. Email: one alert to N recipients in one SMTP batch through the loopback SMTP server, also in
   its own process.

Reported per channel: wall time, client CPU (total and per message), messages/s, client peak RSS.
Figures also go to bench/results/transport.json.

Run: .venv/bin/python bench/bench_transport.py [--n 1000] [--concurrency 32] [--paced]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notifiers.email.message import build_message  # noqa: E402
from notifiers.email.smtp import SmtpSender, SmtpSettings  # noqa: E402
from notifiers.outcome import Sent  # noqa: E402
from notifiers.telegram.sender import Pacing, TelegramSender  # noqa: E402
from notifiers.telegram.text import message_units, split_html, to_plain  # noqa: E402
from replay.process import spawned  # noqa: E402
from replay.telegram_api import DEFAULT_TOKEN  # noqa: E402

ALERT = (ROOT / "tests" / "golden" / "telegram" / "long_alert_en.html").read_text("utf-8")
SHORT = ALERT.split("\n\n")[0] + "\n\n" + ALERT.split("\n\n")[1]


def bench_split() -> dict[str, float]:
    big = ALERT * 13  # about 100 k units
    out = {}
    for name, source, rounds in (("alert_8k", ALERT, 50), ("message_100k", big, 5)):
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            parts = split_html(source)
            times.append(time.perf_counter() - start)
        out[f"split_{name}_ms"] = statistics.median(times) * 1000
        out[f"split_{name}_parts"] = len(parts)
        out[f"split_{name}_units"] = message_units(source)
    return out


def rss_mib() -> float:
    """This process's peak RSS so far, in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(label: str, n: int, work: Callable[[], Awaitable[list[Any]]]) -> dict[str, float]:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    outcomes = asyncio.run(work())
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    sent = sum(isinstance(o, Sent) for o in outcomes)
    figures = {
        f"{label}_recipients": n,
        f"{label}_sent": sent,
        f"{label}_wall_s": wall,
        f"{label}_cpu_s": cpu,
        f"{label}_cpu_per_recipient_ms": cpu / n * 1000,
        f"{label}_recipients_per_s": n / wall,
        # The process's peak so far (runs go split, Telegram, email): a run that does not raise
        # it stayed under the earlier peak.
        f"{label}_peak_rss_so_far_mib": rss_mib(),
    }
    if sent != n:
        print(f"  {label}: only {sent}/{n} sent: {outcomes[:3]}")
    return figures


def bench_telegram(n: int, concurrency: int, paced: bool) -> dict[str, float]:
    figures: dict[str, float] = {}
    with spawned("replay.telegram_api") as api_url:
        runs = [("telegram_unpaced", None, SHORT), ("telegram_3_parts_unpaced", None, ALERT)]
        if paced:
            runs.append(("telegram_paced", Pacing(), SHORT))
        for label, pacing, html in runs:

            async def fan_out(pacing: Pacing | None = pacing, html: str = html) -> list[Any]:
                gate = asyncio.Semaphore(concurrency)
                async with TelegramSender(DEFAULT_TOKEN, api_url=api_url, pacing=pacing) as tg:

                    async def one(chat: int) -> Any:
                        async with gate:
                            return await tg.send(chat, html)

                    return await asyncio.gather(*(one(10_000 + i) for i in range(n)))

            figures |= measure(label, n, fan_out)
    return figures


def bench_email(n: int) -> dict[str, float]:
    with spawned("replay.smtp") as where:
        host, port = where.rsplit(":", 1)
        settings = SmtpSettings(host, int(port), "none", local_hostname="bench.loopback")

        async def batch() -> list[Any]:
            mails = (  # a generator: each message is built when its turn comes
                build_message(
                    sender="JUCIP Watch <alerts@watch.example.org>",
                    to=f"reader{i}@example.net",
                    subject="[JUCIP] 2nd Ministerial Meeting: joint statement (held 2023-05-26)",
                    text=to_plain(ALERT),
                    html=ALERT,
                    list_id="alerts.watch.example.org",
                    unsubscribe_url=f"https://watch.example.org/u?t={i:08d}",
                )
                for i in range(n)
            )
            return await SmtpSender(settings).send_batch(mails)

        return measure("email", n, batch)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="recipients per channel")
    parser.add_argument("--concurrency", type=int, default=32, help="Telegram sends in flight")
    parser.add_argument("--paced", action="store_true", help="also fan out with pacing on")
    args = parser.parse_args(argv)
    figures = bench_split()
    figures |= bench_telegram(args.n, args.concurrency, args.paced)
    figures |= bench_email(args.n)
    report(figures, "transport")
    return 0


def report(figures: dict[str, float], name: str) -> None:
    """Print the figures, one a line, and keep them in bench/results/NAME.json."""
    width = max(map(len, figures))
    for key, value in figures.items():
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"{name}.json").write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
