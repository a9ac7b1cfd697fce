"""`make demo`: the whole job, on this machine only (no internet needed).

The outside world runs on loopback: the recorded copy of the watched sites (replay/sites/,
with the two PDFs METI's release on the 2nd JUCIP ministerial attaches, rendered from the
bundled statement texts), the loopback Telegram Bot API and the loopback SMTP server the tests
use. Then the real command line, step by step: subscribers of each kind are added; a first
pass records what the sites list as the silent baseline (nothing is sent); a new JUCIP release
appears on METI's Japanese listing; the next pass detects it, extracts and compares it, and the
alert goes out on both channels; METI's English version appears and goes out as a short
follow-up; the daemon (`run`) serves the tracker, the feed and `/healthz`, and the alert mail's
one-click unsubscribe link ends that subscription. What each channel received, the tracker and
the feed are written under demo-output/.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from replay import ReplayServer, news, serve_sites  # noqa: E402
from replay.loopback import SITES, config_text  # noqa: E402
from replay.process import Daemon  # noqa: E402
from replay.smtp import SmtpServer  # noqa: E402
from replay.telegram_api import Message, TelegramAPI  # noqa: E402

# Where it writes; the demo test points it elsewhere.
OUT = Path(os.environ.get("JUCIP_DEMO_OUT") or ROOT / "demo-output").resolve()
PAGES = ROOT / "tests" / "fixtures"  # the new release's pages, shared with the tests
HISTORY = ROOT / "watcher" / "data" / "history"
READER = "reader@example.org"
CHAT = 4242  # a reader's private chat with the bot
CHANNEL = -1001234567890  # a channel the bot posts to: one message, any number of readers
ATTACHMENTS = {
    "/press/2023/05/20230526001/20230526001-1.pdf": (
        "2023-05-26_jucip-2nd-ministerial_en.txt",
        "Japan-U.S. Commercial and Industrial Partnership",
    ),
    "/press/2023/05/20230526001/20230526001-2.pdf": (
        "2023-05-27_jucip-2nd-ministerial_ja.txt",
        "日米商務・産業パートナーシップ（JUCIP）",
    ),
}
BOLD, DIM, RESET = ("\033[1m", "\033[2m", "\033[0m") if sys.stdout.isatty() else ("", "", "")


class DemoFailed(Exception):
    """Something the demo shows did not happen: one line, no traceback."""


def serve_attachments(meti: ReplayServer) -> None:
    """The PDFs the recorded METI release links, made as the test suite makes PDFs."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pdf_render import render

    from replay import Route

    for path, (name, header) in ATTACHMENTS.items():
        paragraphs: list[str] = []
        for block in (HISTORY / name).read_text(encoding="utf-8").split("\n\n"):
            for i, line in enumerate(block.strip().splitlines()):
                if line.lstrip().startswith("- "):  # a list item, set as a bullet line
                    paragraphs.append("・" + line.lstrip()[2:])
                elif i == 0:
                    paragraphs.append(line.strip())
                else:
                    paragraphs[-1] += " " + line.strip()
        meti.add(
            path, Route(body=render(paragraphs, header=header), content_type="application/pdf")
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def heading(number: int, title: str) -> None:
    print(f"\n{BOLD}── {number}. {title}{RESET}", flush=True)


def say(text: str = "") -> None:
    print(f"   {text}" if text else "", flush=True)


class Demo:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.sites = serve_sites(SITES)
        serve_attachments(self.sites["meti"])
        self.telegram = TelegramAPI().start()
        self.smtp = SmtpServer().start()
        self.web = f"127.0.0.1:{free_port()}"
        self.env = {k: v for k, v in os.environ.items() if k != "JUCIP_WATCH_CONFIG"}
        # The token comes from the environment only, as in production; it is never shown.
        self.env["TELEGRAM_BOT_TOKEN"] = self.telegram.token
        self.env.setdefault("COLUMNS", "100")
        self.config = work / "demo.toml"
        self.config.write_text(self._config(), encoding="utf-8")
        self.telegram_seen = 0
        self.mail_seen = 0

    def _config(self) -> str:
        # The Commerce API lists the same releases as the Commerce listing: the listing only.
        only = ("commerce-press", "meti-ja", "meti-ja-latest", "meti-en", "state-eap")
        text = config_text(self.sites, database=Path("demo.sqlite3"), only=only)
        # The daemon's endpoint on a port chosen now, so the mails can link it.
        web = f'listen = "{self.web}"\npublic_url = "http://{self.web}"'
        text = text.replace('listen = "127.0.0.1:0"', web)
        return text + '\n[schedule]\ninterval = "1h"\njitter = 0\n' + self.channels

    @property
    def channels(self) -> str:
        return (
            f'\n[telegram]\napi_url = "{self.telegram.api_url}"\n\n'
            f'[email]\nhost = "{self.smtp.host}"\nport = {self.smtp.port}\nsecurity = "none"\n'
            'sender = "JUCIP Watch <alerts@watch.example.org>"\n'
        )

    def stop(self) -> None:
        for server in self.sites.values():
            server.stop()
        self.telegram.stop()
        self.smtp.stop()

    # -- running the real command line --------------------------------------------------------
    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "watcher", "--config", self.config.name, *args]

    def run(self, *args: str, ok: tuple[int, ...] = (0,)) -> int:
        print(f"\n   {BOLD}$ jucip-watch {shlex.join(args)}{RESET}", flush=True)
        code = subprocess.call(self.command(*args), cwd=self.work, env=self.env)
        if code not in ok:
            raise DemoFailed(f"`jucip-watch {shlex.join(args)}` exited {code}")
        return code

    # -- what the peers received ----------------------------------------------------------------
    def new_telegram(self) -> list[Message]:
        messages = self.telegram.messages()
        fresh, self.telegram_seen = messages[self.telegram_seen :], len(messages)
        return fresh

    def new_mail(self) -> list[EmailMessage]:
        mails = [m.parsed() for m in self.smtp.messages]
        fresh, self.mail_seen = mails[self.mail_seen :], len(mails)
        return fresh


def show_telegram(messages: list[Message], label: str) -> None:
    """Save every message as text; print the first whole, and a line for each other chat."""
    folder = OUT / "telegram"
    folder.mkdir(parents=True, exist_ok=True)
    for i, m in enumerate(messages):
        n = len(list(folder.glob("*.txt"))) + 1
        where = "channel" if str(m.chat_id).startswith("-") else "chat"
        path = folder / f"{n:02d}-{label}-{where}{m.chat_id}.txt"
        path.write_text(m.text + "\n", encoding="utf-8")
        saved = f"{DIM}(saved as {shown(path)}){RESET}"
        if i:
            say(f"{BOLD}Telegram {where} {m.chat_id}{RESET}: the same message {saved}")
            continue
        say(f"{BOLD}Telegram {where} {m.chat_id}{RESET} {saved}")
        for line in m.text.splitlines():
            say(f"│ {line}")
    say()


def show_mail(mails: list[EmailMessage], label: str, *, lines: int = 14) -> None:
    folder = OUT / "email"
    folder.mkdir(parents=True, exist_ok=True)
    for mail in mails:
        n = len(list(folder.glob("*.eml"))) + 1
        stem = folder / f"{n:02d}-{label}"
        stem.with_suffix(".eml").write_bytes(bytes(mail))
        html = mail.get_body(("html",))
        text = mail.get_body(("plain",))
        if html is not None:
            stem.with_suffix(".html").write_text(html.get_content(), encoding="utf-8")  # type: ignore[attr-defined]
        saved = f"{shown(stem)}.eml and .html"
        say(f"{BOLD}Email to {mail['To']}{RESET} {DIM}(saved as {saved}){RESET}")
        for header in ("Subject", "From", "List-Unsubscribe", "In-Reply-To"):
            if mail[header]:
                say(f"│ {header}: {mail[header]}")
        body = text.get_content().splitlines() if text is not None else []  # type: ignore[attr-defined]
        for line in body[:lines]:
            say(f"│ {line}")
        if len(body) > lines:
            say(
                f"│ {DIM}… {len(body) - lines} more lines (the HTML part has the full table){RESET}"
            )
        say()


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise DemoFailed(what)


def step_daemon(demo: Demo, unsubscribe: str) -> None:
    """`run` in the background: its web endpoint, then a one-click unsubscribe."""
    import httpx

    print(f"\n   {BOLD}$ jucip-watch run &{RESET}", flush=True)
    daemon = Daemon(demo.config, demo.env)
    try:
        url = f"http://{demo.web}/"
        health = _wait(lambda: httpx.get(url + "healthz", timeout=5), daemon)
        say(f"{DIM}the daemon polls every source on its schedule and serves {url}{RESET}")
        say(f"GET /healthz  → {health.status_code} {health.text.strip()}")
        index = _wait(lambda: httpx.get(url, timeout=5), daemon)
        feed = httpx.get(url + "feed.xml", timeout=5)
        say(f"GET /         → {index.status_code} the tracker ({len(index.content):,} bytes)")
        say(f"GET /feed.xml → {feed.status_code} {feed.headers['content-type']}")
        page = httpx.get(unsubscribe, timeout=5)
        say(f"GET /unsubscribe/<the mail's token> → {page.status_code} a page with a button")
        done = httpx.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}, timeout=5)
        expect(done.status_code == 200, f"the one-click unsubscribe answered {done.status_code}")
        say(f"POST List-Unsubscribe=One-Click (a mail client's button) → {done.status_code}")
    finally:
        code = daemon.stop(timeout=60)
    err = daemon.log()
    expect(code == 0 and "Traceback" not in err, f"run stopped badly: {err[-300:]}")
    say(f"{DIM}SIGTERM: the daemon stopped cleanly{RESET}")


def _wait(get: Callable[[], object], daemon: Daemon) -> object:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        expect(daemon.proc.poll() is None, "`jucip-watch run` stopped early")
        try:
            response: Any = get()
            # 503 is an answer too (/healthz's), except the tracker's "being written".
            if response.status_code == 200 or (
                response.status_code == 503 and b"being written" not in response.content
            ):
                return response
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise DemoFailed("the daemon's web endpoint did not answer within 30 s")


def main() -> int:
    started = time.monotonic()
    if OUT.exists():
        import shutil

        shutil.rmtree(OUT)
    # The demo's config and database live beside what it writes, to look at afterwards
    # (`jucip-watch --config demo-output/demo.toml history`).
    OUT.mkdir()
    demo = Demo(OUT)
    try:
        walk(demo)
    finally:
        demo.stop()
    print(f"\n{BOLD}Done in {time.monotonic() - started:.0f} s.{RESET} Everything the channels "
          f"received, the tracker and the feed are in {shown(OUT)}/.")  # fmt: skip
    return 0


def walk(demo: Demo) -> None:
    heading(1, "The outside world, on loopback (nothing leaves this machine)")
    for name, server in demo.sites.items():
        say(f"recorded site {name:<12} {server.base_url}")
    say(f"Telegram Bot API       {demo.telegram.api_url}  (the bot token: $TELEGRAM_BOT_TOKEN)")
    say(f"SMTP server            {demo.smtp.host}:{demo.smtp.port}")
    say(f"{DIM}config: {demo.config.name}, every source pointed at the recorded sites{RESET}")

    heading(2, "Subscribers of each kind, added through the command line")
    demo.run("subscribers", "add", READER)
    demo.run("subscribers", "add", "--telegram", str(CHAT), "--lang", "en")
    demo.run("subscribers", "add", "--telegram", str(CHANNEL))
    demo.run("subscribers", "list")

    heading(3, "First pass: what the sites already list is the silent baseline")
    demo.run("check")
    expect(not demo.new_telegram() and not demo.new_mail(), "the baseline sent alerts")
    say("Telegram received nothing, the SMTP server received nothing: no flood on the first run.")

    heading(4, "A new JUCIP release appears on METI's Japanese listing")
    news.add_new_meti_release(demo.sites["meti"], PAGES)
    say(f"+ {news.NEW_TITLE}")
    say(f"  {DIM}{demo.sites['meti'].url(news.NEW_RELEASE)}{RESET}")

    heading(5, "Next pass: detected, extracted, compared with the meeting before, alerted")
    demo.run("check")
    telegram, mails = demo.new_telegram(), demo.new_mail()
    expect(len(telegram) == 2 and len(mails) == 1, "the alert did not reach every subscriber")
    show_telegram(telegram, "alert")
    show_mail(mails, "alert")
    unsubscribe = re.sub(r"^<|>$", "", str(mails[0]["List-Unsubscribe"]).split(",")[0].strip())

    heading(6, "Days later, METI's English version appears: a short follow-up, not a second alert")
    news.add_english_version(demo.sites["meti"], PAGES)
    say(f"+ {news.NEW_TITLE_EN}")
    demo.run("check", "--source", "meti-en")
    telegram, mails = demo.new_telegram(), demo.new_mail()
    expect(len(telegram) == 2 and len(mails) == 1, "the follow-up did not reach every subscriber")
    show_telegram(telegram, "follow-up")
    show_mail(mails, "follow-up", lines=8)

    heading(7, "The tracker of every meeting, and its Atom feed")
    demo.run("report", "--out", "tracker")

    heading(8, "The daemon: its web endpoint, and the alert mail's one-click unsubscribe")
    step_daemon(demo, unsubscribe)
    demo.run("subscribers", "list")


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except DemoFailed as exc:
        print(f"\ndemo: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
