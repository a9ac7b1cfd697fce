"""Golden files for rendered alerts: EN and JA meetings, follow-ups, a mention, a long alert that
must split, one at exactly 4096 UTF-16 units; every Telegram one is also sent to the loopback Bot
API, which checks the markup and the length as Telegram does.

The summaries are fixtures (tests/fixtures/summaries/, made once by the real pipeline from the
recorded sites), so these files change only when rendering does. Regenerate with
`UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_render_golden.py` and review the diff.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from notifiers.render.email import render_email
from notifiers.render.telegram import compare_message, render_alert, topic_message
from notifiers.render.view import alert_view
from notifiers.telegram.sender import TelegramSender
from notifiers.telegram.text import MAX_MESSAGE_UNITS, message_units, split_html
from replay.telegram_api import TelegramAPI
from watcher.analysis.summary import EventSummary, KeyCommitment

FIXTURES = Path(__file__).parent / "fixtures" / "summaries"
GOLDEN = Path(__file__).parent / "golden" / "render"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def summary(name: str) -> EventSummary:
    return EventSummary.from_dict(json.loads((FIXTURES / f"{name}.json").read_text("utf-8")))


def payload(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))  # type: ignore[no-any-return]


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs (UPDATE_GOLDEN=1)"


def sent(api: TelegramAPI, html: str, chat: int = 7) -> list[str]:
    """What the loopback Bot API shows after `TelegramSender` sent `html`."""

    async def go() -> None:
        async with TelegramSender(api.token, api_url=api.api_url, pacing=None) as tg:
            outcome = await tg.send(chat, html)
            assert type(outcome).__name__ == "Sent", outcome

    asyncio.run(go())
    return [m.text for m in api.messages(chat)]


CASES = {
    "ja_event_both": ("event", "ja_event", {}, "both"),
    "ja_event_en": ("event", "ja_event", {}, "en"),
    "en_event_ja": ("event", "en_event", {}, "ja"),
    "en_version_follow_up": ("follow_up", "ja_event", "ja_follow_up_payload", "both"),
    "readout_follow_up": ("follow_up", "ja_event", "commerce_follow_up_payload", "both"),
    "mention": ("mention", None, "mention", "both"),
}
MENTION = {
    "title": "Press Conference by Minister Saito (excerpt: JUCIP *and* _EPCC_)",
    "url": "https://www.meti.go.jp/speeches/kaiken/2024/20240412001.html",
    "lang": "en",
    "date": "2024-04-12",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_alerts_match_their_golden_files(case: str, telegram_api: TelegramAPI) -> None:
    kind, summary_name, payload_name, lang = CASES[case]
    s = summary(summary_name) if summary_name else None
    data = MENTION if payload_name == "mention" else payload(payload_name) if payload_name else {}
    series = s.series if s else ("jucip",)
    html = render_alert(kind, series, data, s, lang)
    golden(f"{case}.telegram.html", html + "\n")
    assert len(sent(telegram_api, html)) == 1  # one message, accepted as valid Telegram HTML
    mail = render_email(alert_view(kind, series, data, s, lang), unsubscribe="https://x.test/u/t")
    golden(f"{case}.email.txt", f"Subject: {mail.subject}\n\n{mail.text}")
    golden(f"{case}.email.html", mail.html)


def test_language_choice_quotes_the_chosen_text_when_both_exist() -> None:
    s = summary("ja_event")
    ja = render_alert("event", s.series, {}, s, "ja")
    en = render_alert("event", s.series, {}, s, "en")
    both = render_alert("event", s.series, {}, s, "both")
    assert "ガリウム" in ja and "gallium" not in ja
    assert "gallium" in en and "ガリウム" not in en
    assert "ガリウム" in both and "gallium" in both


def test_compare_and_topic_messages_for_the_bot(telegram_api: TelegramAPI) -> None:
    ja, en = summary("ja_event"), summary("en_event")
    compare = compare_message(ja, "en")
    golden("compare.telegram.html", compare + "\n")
    assert "Compared with the 2nd Ministerial Meeting, 2023-05-26" in sent(telegram_api, compare)[0]
    timeline = topic_message("critical-minerals", [en, ja], "en")
    golden("topic_critical_minerals.telegram.html", timeline + "\n")
    text = sent(telegram_api, timeline, chat=8)[0]
    # Oldest meeting first: the 3rd (April 2024) before the 4th (June 2024).
    assert text.index("3rd Ministerial Meeting") < text.index("4th Ministerial Meeting")
    assert "First seen: 3rd Ministerial Meeting, 2024-04-10" in text


def _long(s: EventSummary, n: int, filler: str) -> EventSummary:
    base = s.key_commitments[0]
    extra = tuple(
        replace(base, text=f"{i + 1}. {filler * 6}", topics=base.topics) for i in range(n)
    )
    return replace(s, key_commitments=s.key_commitments + extra)


def test_a_long_alert_splits_at_paragraph_ends_and_arrives_whole(
    telegram_api: TelegramAPI,
) -> None:
    s = _long(summary("en_event"), 14, "The two sides agreed to deepen cooperation. ")
    html = render_alert("event", s.series, {}, s, "en")
    parts = split_html(html)
    golden("long_alert.parts.json", json.dumps(parts, ensure_ascii=False, indent=1) + "\n")
    assert len(parts) >= 2 and all(message_units(p) <= MAX_MESSAGE_UNITS for p in parts)
    texts = sent(telegram_api, html)
    assert len(texts) == len(parts)
    # Cut between lines, never inside one: each later part opens a commitment or a heading.
    assert all(p.startswith(("• ", "<b>")) for p in parts[1:]), [p[:20] for p in parts]
    assert "".join(texts).count("The two sides agreed") == 14 * 6


def test_an_alert_of_exactly_4096_units_is_one_message(telegram_api: TelegramAPI) -> None:
    s = _long(summary("ja_event"), 1, "重要鉱物🤝")
    html = render_alert("event", s.series, {}, s, "ja")
    # Pad one commitment with CJK and emoji (two units each) until the message is 4096 units.
    first = s.key_commitments[-1]
    pad = ""
    while message_units(html) < MAX_MESSAGE_UNITS:
        step = "🇯🇵" if MAX_MESSAGE_UNITS - message_units(html) >= 4 else "日"
        pad += step
        k = KeyCommitment(first.text + pad, first.topics, first.strength, first.actors, first.lang)
        s2 = replace(s, key_commitments=(*s.key_commitments[:-1], k))
        html = render_alert("event", s2.series, {}, s2, "ja")
    assert message_units(html) == MAX_MESSAGE_UNITS
    golden("exact_4096.telegram.html", html + "\n")
    assert split_html(html) == [html]
    assert len(sent(telegram_api, html)) == 1
    assert len(split_html(html + "日")) == 2  # one unit more must split


def test_caveat_and_topics_not_in_the_summary_in_every_channel() -> None:
    s = summary("ja_event")
    assert s.comparison is not None
    dropped = s.comparison.dropped_topics[0]
    label = s.topic_label(dropped)
    extra = "quantum" if dropped != "quantum" else "biotechnology"
    comparison = replace(
        s.comparison, caveat="Compared with a shorter summary.", not_in_summary=(dropped, extra)
    )
    s = replace(s, comparison=comparison)
    html = render_alert("event", s.series, {}, s, "en")
    mail = render_email(alert_view("event", s.series, {}, s, "en"))
    for text in (html, mail.text, mail.html):
        assert "Compared with a shorter summary." in text
    assert f"Not in the summary: {label}" in html and f"Not in the summary: {label}" in mail.text
    assert label not in html.split("No longer mentioned: ")[1].split("\n")[0]
    # In the mail's table they are one row, after the note that says how to read it.
    both = f"{label}, {s.topic_label(extra)}"
    assert f'{both}</td><td style="border-bottom:1px solid #eee;">not in the summary' in mail.html
    assert mail.html.index("Note: Compared with") < mail.html.index("<table")
