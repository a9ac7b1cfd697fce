"""A hostile page: markup, script, unbalanced tags, CRLF and Markdown in a release's title and
body arrive as plain text in both channels, and no message carries a link the page did not
have. The page goes through the real pipeline (recorded site + a new release), then `check`
sends to the loopback Bot API and SMTP server."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from delivery_helpers import mails_to, parts, with_channels
from poll_helpers import FIXTURES, NEW_RELEASE, add_new_meti_release, check

from replay import ReplayServer, Route
from replay.smtp import SmtpServer
from replay.telegram_api import TelegramAPI
from watcher.cli import main

# Written escaped into the page, so it is text on the page: what a reader of the page sees.
HOSTILE = (
    '<a href="https://evil.example/x">click</a> <script>alert(1)</script> <b><i>open '
    "*bold* _under_ [md](https://evil.example/md) `code` ~~s~~ &amp;copy;"
)
ESCAPED = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
# Real markup on the page: a script element, a javascript: link, unbalanced tags.
LIVE = (
    '<script>document.write("<b>pwned</b>")</script>'
    '<a href="javascript:alert(2)">js link</a><b><i>unclosed'
)


def hostile_page() -> bytes:
    page = (FIXTURES / "new_release_ja.html").read_text(encoding="utf-8")
    title = "第3回日米商務・産業パートナーシップ（JUCIP）閣僚会合を開催しました"
    page = page.replace(f"{title}（METI", f"{title} {ESCAPED}\r\nBcc: victim@example.org（METI", 1)
    page = page.replace(f"{title}</h1>", f"{title} {ESCAPED}\r\nBcc: victim@example.org</h1>", 1)
    body = "両閣僚は、ガリウム、ゲルマニウム、黒鉛を含む重要鉱物のサプライチェーンの強靱化に向けて"
    page = page.replace(body, f"{ESCAPED} {LIVE} {body}", 1)
    return page.encode("utf-8")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]


def test_hostile_titles_and_bodies_arrive_as_plain_text_in_both_channels(
    config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sites: dict[str, ReplayServer],
    telegram_api: TelegramAPI,
    smtp_server: SmtpServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = with_channels(config_path, monkeypatch, telegram_api, smtp_server)
    check(config, capsys)
    for args in (["alice@example.org"], ["--telegram", "42"]):
        assert main(["--config", str(config), "subscribers", "add", *args]) == 0
    capsys.readouterr()
    meti = sites["meti"]
    add_new_meti_release(meti)
    meti.add(NEW_RELEASE, Route(body=hostile_page()))
    code, report = check(config, capsys)
    assert code == 0 and report["deliveries"]["sent"] == 2
    page_url = meti.url(NEW_RELEASE)

    [tg] = telegram_api.messages(42)
    assert tg.parse_mode == "HTML"  # accepted as markup: every scraped string was escaped
    assert HOSTILE in tg.text  # the page's text, character for character
    assert "pwned" not in tg.text and "javascript" not in tg.source.lower()
    links = [e.get("url") for e in tg.entities if e["type"] == "text_link"]
    assert links == [page_url]  # the release itself; nothing the page only mentioned
    assert {e["type"] for e in tg.entities} <= {"bold", "italic", "text_link"}

    [mail] = mails_to(smtp_server, "alice@example.org")
    assert mail["Bcc"] is None and "\n" not in mail["Subject"] and "\r" not in mail["Subject"]
    assert [m.rcpt_tos for m in smtp_server.messages] == [("alice@example.org",)]
    text, html = parts(mail)
    assert HOSTILE in text
    found = _Links()
    found.feed(html)
    assert "script" not in found.tags and "i" not in found.tags
    unsubscribe = "mailto:ops@watch.example.org?subject=unsubscribe"  # ours, in the footer
    assert set(found.hrefs) == {page_url, unsubscribe}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, escaped, never run
