"""Secrets never appear in output, logs or the database: the redaction rule (watcher/secrets.py)
and the poll that must apply it. Real CLI against the loopback replay server; no mocks."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import msgspec
import pytest
from poll_helpers import check

from replay import RecordedRequest, ReplayServer, Route
from replay.loopback import config_text
from state import Store
from watcher.config import settings_from_dict
from watcher.secrets import forget, redact, remember, remember_configured, secret_env_names

KEY = "REVIEW-SECRET-KEY-0123456789"

BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://api.commerce.gov/api/news?api_key=S3CRET&page=1",
            "https://api.commerce.gov/api/news?api_key=***&page=1",
        ),
        ("https://x.example/a?page=1&API_KEY=S3CRET", "https://x.example/a?page=1&API_KEY=***"),
        ("https://x.example/a?key=S3CRET#frag", "https://x.example/a?key=***#frag"),
        (
            "https://x.example/a?token=S3CRET&access_token=S3CRET",
            "https://x.example/a?token=***&access_token=***",
        ),
        ("https://user:S3CRET@x.example/a", "https://user:***@x.example/a"),
        ("https://x.example/a?monkey=1&keys=2", "https://x.example/a?monkey=1&keys=2"),
        # The Telegram Bot API carries the token in the path.
        (
            "https://api.telegram.org/bot123456:ABC-def_ghi/sendMessage",
            "https://api.telegram.org/bot***/sendMessage",
        ),
        (
            f"https://api.telegram.org/file/bot{BOT_TOKEN}/photos/file_1.jpg",
            "https://api.telegram.org/file/bot***/photos/file_1.jpg",
        ),
        ("http://127.0.0.1:8081/bot42%3Asecret-x/getMe", "http://127.0.0.1:8081/bot***/getMe"),
        # Paths that only look alike keep their text.
        ("https://x.example/bottles/12:30/list", "https://x.example/bottles/12:30/list"),
        ("https://x.example/bot/status", "https://x.example/bot/status"),
    ],
)
def test_redact(url: str, expected: str) -> None:
    assert redact(url) == expected


def test_redact_finds_secrets_inside_a_message() -> None:
    message = (
        "connection error: POST https://api.telegram.org/bot123456:ABC-def_ghi/sendMessage "
        "failed; retried https://api.commerce.gov/api/news?api_key=S3CRET"
    )
    assert redact(message) == (
        "connection error: POST https://api.telegram.org/bot***/sendMessage "
        "failed; retried https://api.commerce.gov/api/news?api_key=***"
    )


def test_a_bare_bot_token_is_redacted_but_times_are_not() -> None:
    assert redact(f"Unauthorized for token {BOT_TOKEN}") == "Unauthorized for token ***"
    assert redact("polled at 12:30, 2024-06-27 09:00:00") == "polled at 12:30, 2024-06-27 09:00:00"


def test_api_key_never_in_output_or_database(
    tmp_path: Path,
    sites: dict[str, ReplayServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMMERCE_API_KEY", KEY)
    db = tmp_path / "db.sqlite3"
    # A commerce-api source answered by HTML (a portal error page, a renewed API): not JSON.
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        "[storage]\n"
        f'database = "{db}"\n'
        "[fetch]\nhost_spacing = 0\njitter = 0\nbackoff = 0\n"
        "[[sources]]\n"
        'name = "commerce-api"\nkind = "commerce-api"\n'
        f'url = "{sites["commerce"].url("/news/press-releases")}"\n',
        encoding="utf-8",
    )
    code, report = check(cfg, capsys)
    assert code == 3
    assert KEY not in json.dumps(report), report["sources"][0]["error"]
    conn = sqlite3.connect(db)
    try:
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    assert KEY not in dump


def test_api_key_not_stored_in_validators(
    tmp_path: Path,
    sites: dict[str, ReplayServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMMERCE_API_KEY", KEY)
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        config_text(sites, database=tmp_path / "db.sqlite3", only=("commerce-api",)),
        encoding="utf-8",
    )
    code, _ = check(cfg, capsys)
    assert code == 0
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    try:
        urls = [r[0] for r in conn.execute("SELECT url FROM validators")]
    finally:
        conn.close()
    assert not any(KEY in u for u in urls), urls


# -- configured secret values, in every encoding ------------------------------------------------
# Characters that every encoding writes differently: a slash, a plus, a space, "=", "&", quotes
# and angle brackets (real keys are often plain letters and digits, where the forms coincide).
PLANTED = 'Pl4nted/K3y+with space=&"q"<x>Z9'


def encodings(secret: str) -> dict[str, tuple[str, str]]:
    """The forms a secret takes in URLs, JSON, HTML, HTTP Basic and SMTP AUTH exchanges, each
    as (what to grep for, the text that carries it)."""
    pct = quote(secret, safe="")
    forms = {
        "raw": secret,
        "percent": pct,
        "percent, lower-case hex": re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), pct),
        "percent, twice": quote(pct, safe=""),
        "form (+ for space)": quote_plus(secret),
        "JSON string": json.dumps(secret)[1:-1],
        "JSON, \\u escapes": "".join(c if c.isalnum() else f"\\u{ord(c):04x}" for c in secret),
        "HTML": html.escape(secret),
        "HTML, numeric": "".join(c if c.isalnum() else f"&#{ord(c)};" for c in secret),
    }
    found = {name: (form, form) for name, form in forms.items()}
    for shift in range(3):  # base64 at the three alignments inside a longer value
        carrier = base64.b64encode(b"u" * shift + secret.encode()).decode()
        # What depends on the secret's bytes alone: past the prefix, before the padding.
        found[f"base64 +{shift}"] = (carrier[(4 * shift + 2) // 3 + 1 : -4], carrier)
    return found


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    forget()
    monkeypatch.setenv("COMMERCE_API_KEY", PLANTED)
    yield PLANTED
    forget()


@pytest.mark.parametrize("form", list(encodings(PLANTED)))
def test_a_configured_secret_is_redacted_in_every_encoding(planted: str, form: str) -> None:
    remember([planted])
    grep, carrier = encodings(planted)[form]
    out = redact(f"see <{carrier}> here")
    assert grep not in out and "***" in out, out
    if grep == carrier:
        assert out == "see <***> here"


def test_pattern_redaction_finds_a_key_inside_an_encoded_redirect_target() -> None:
    # The usual WAF answer: a login page whose `next` carries the whole request URL.
    location = "/login?next=%2Fapi%2Fnews%3Fapi_key%3DNOTCONFIGURED123%26page%3D2"
    assert redact(location) == "/login?next=%2Fapi%2Fnews%3Fapi_key%3D***%26page%3D2"
    assert redact("https://x.example/a?apikey=S3CRET&b=1") == "https://x.example/a?apikey=***&b=1"
    assert (
        redact("https://x.example/a?q=monkey&key_id=2") == "https://x.example/a?q=monkey&key_id=2"
    )


def test_short_values_are_not_taken_for_secrets() -> None:
    forget()
    remember(["2024", ""])  # a value that short would mangle every date
    assert redact("on 2024-06-27") == "on 2024-06-27"


def test_every_star_env_key_in_any_table_names_a_secret() -> None:
    """The notifiers add `[telegram] token_env` and `[email] password_env`; a later table adds
    more. The rule goes by the key's name, so each is covered without a change."""

    class Telegram(msgspec.Struct):
        token_env: str = "TELEGRAM_BOT_TOKEN"
        api_url: str = "https://api.telegram.org"

    class Mail(msgspec.Struct):
        password_env: str = "SMTP_PASSWORD"

    class Config(msgspec.Struct):
        telegram: Telegram = msgspec.field(default_factory=Telegram)
        email: list[Mail] = msgspec.field(default_factory=lambda: [Mail()])
        sources: list[object] = msgspec.field(
            default_factory=lambda: list(settings_from_dict({}).all_sources())
        )

    names = secret_env_names(Config())
    assert names == ["TELEGRAM_BOT_TOKEN", "SMTP_PASSWORD", "COMMERCE_API_KEY"]


def _hostile_api(api: ReplayServer, other: ReplayServer) -> None:
    """A Commerce API that echoes the key it was sent in every encoding, lists a JUCIP release
    by `href="#readout"`, and a second listing that bounces to a WAF login page elsewhere."""

    def listing(request: RecordedRequest) -> Route:
        key = parse_qs(urlsplit(request.path).query)["api_key"][0]
        # Each form as it must read in the extracted text (escaped once more for HTML).
        echoed = "".join(
            f"<p>{name}: {html.escape(carrier)}</p>"
            for name, (_, carrier) in encodings(key).items()
        )
        body = (
            "<p>Secretary Raimondo and Minister Saito held the Japan-U.S. Commercial and "
            "Industrial Partnership (JUCIP) ministerial meeting and committed to strengthen "
            f"semiconductor supply chains.</p>{echoed}"
        )
        data = {
            "data": [
                {
                    "href": "#readout",
                    "label": f"JUCIP readout {key}",
                    "body": body,
                    "post_date": "1719446400",
                },
            ]
        }
        return Route(body=json.dumps(data).encode(), content_type="application/json")

    api.add("/api/news", listing)
    target = quote(quote(f"/api/news?api_key={PLANTED}", safe=""), safe="")
    api.add("/feed", status=302, headers={"Location": other.url(f"/login?next={target}")})


def test_a_planted_key_never_leaves_the_process_or_reaches_the_database(
    tmp_path: Path, planted: str
) -> None:
    with ReplayServer() as api, ReplayServer() as other:
        _hostile_api(api, other)
        db = tmp_path / "db.sqlite3"
        cfg = tmp_path / "c.toml"
        cfg.write_text(
            f'[storage]\ndatabase = "{db}"\n'
            "[fetch]\nhost_spacing = 0\njitter = 0\nbackoff = 0\nretries = 0\n"
            f'[[sources]]\nname = "api"\nkind = "commerce-api"\nurl = "{api.url("/api/news")}"\n'
            f'[[sources]]\nname = "feed"\nkind = "rss"\nurl = "{api.url("/feed")}"\n',
            encoding="utf-8",
        )
        Store.open(db).close()
        # A reader holding a snapshot keeps the pass's writes in the -wal: grep both files.
        held = sqlite3.connect(db)
        held.execute("BEGIN")
        held.execute("SELECT count(*) FROM items").fetchone()
        env = {**os.environ, "COMMERCE_API_KEY": planted}
        outputs = [
            _run(env, "--config", str(cfg), "-vv", "check", "--json"),
            _run(env, "--config", str(cfg), "-vv", "check"),
            _run(env, "--config", str(cfg), "sources", "--json"),
            _run(env, "--config", str(cfg), "history", "--json", "--mentions"),
            _run(env, "--config", str(cfg), "extract", api.url(f"/gone?api_key={planted}")),
            _run(env, "--config", str(cfg), "extract", api.url(f"/gone/{quote(planted)}/x")),
        ]
        files = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("db.")}
        held.close()
    assert "db.sqlite3-wal" in files and len(files["db.sqlite3-wal"]) > 0
    report = json.loads(outputs[0].stdout)
    # Not vacuous: the release was archived, the redirect reported, the debug log written.
    assert [r["title"] for r in report["releases"]] == ["JUCIP readout ***"]
    assert report["releases"][0]["url"] == api.url("/api/news")
    assert "redirect to another site refused" in json.dumps(report["sources"])
    assert "GET http://127.0.0.1" in outputs[0].stderr
    texts = {
        f"{o.args[5]} {o.args[-1]}: {stream}": getattr(o, stream)
        for o in outputs
        for stream in ("stdout", "stderr")
    }
    texts.update({name: data.decode("utf-8", "replace") for name, data in files.items()})
    for name, (form, _) in encodings(planted).items():
        leaks = [where for where, text in texts.items() if form in text]
        assert not leaks, f"the key ({name}) leaked into {leaks}"


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "watcher", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )


def test_the_notifiers_secrets_named_in_the_config_are_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """[telegram] token_env and [email] password_env (issue 7), read by their names."""
    forget()
    settings = settings_from_dict(
        {"telegram": {"token_env": "MY_BOT_TOKEN"}, "email": {"password_env": "MY_SMTP_PW"}}
    )
    assert secret_env_names(settings) == ["COMMERCE_API_KEY", "MY_BOT_TOKEN", "MY_SMTP_PW"]
    monkeypatch.setenv("MY_BOT_TOKEN", "7042:tok/en+value")
    monkeypatch.setenv("MY_SMTP_PW", "pass word&more")
    remember_configured(settings)
    try:
        text = f"auth {quote('pass word&more')} and {json.dumps('7042:tok/en+value')}"
        assert redact(text) == 'auth *** and "***"'
    finally:
        forget()
