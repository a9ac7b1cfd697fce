"""`check` answers the bot's pending updates, so `/start` works for a deployment that only runs
`check` from cron.

One getUpdates with timeout 0 through the project's HTTP client, made without
python-telegram-bot: a check with nothing pending loads no bot library. When there are updates,
the bot's own handlers (`notifiers.bot.handlers`) answer them one by one, then getUpdates with
the next offset confirms them (and hands over any that came meanwhile, answered the same way).
An update is confirmed only after it was handled: a check killed half-way answers the rest next
time. A getUpdates that fails (the network, a webhook set on the bot) is logged and the check
goes on: the updates wait for the next run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from notifiers.bot.replies import ALLOWED_UPDATES
from watcher.secrets import redact

if TYPE_CHECKING:
    from notifiers.telegram.sender import TelegramSender
    from state.store import Store
    from watcher.config import Settings
    from watcher.config_channels import Channels
    from watcher.fetch import Fetcher
    from watcher.pipeline import CheckReport

log = logging.getLogger("notifiers.bot")

# getUpdates rounds per check (100 updates each): a backlog larger than that waits for the next.
MAX_ROUNDS = 10


async def get_updates(
    fetcher: Fetcher, api_url: str, token: str, offset: int | None
) -> list[dict[str, Any]] | None:
    """One getUpdates with timeout 0 (confirming every update before `offset`); None if the
    call failed (logged)."""
    body: dict[str, Any] = {"timeout": 0, "allowed_updates": list(ALLOWED_UPDATES)}
    if offset is not None:
        body["offset"] = offset
    url = f"{api_url.rstrip('/')}/bot{token}/getUpdates"
    answer = await fetcher.request("POST", url, json=body)
    if answer.http_status != 200:
        log.warning("bot: getUpdates failed: %s", redact(_why(answer.body, answer.error)))
        return None
    try:
        result = json.loads(answer.body)["result"]
    except (ValueError, KeyError, TypeError):
        log.warning("bot: getUpdates answered something that is not an update list")
        return None
    return [u for u in result if isinstance(u, dict) and isinstance(u.get("update_id"), int)]


def _why(body: bytes, error: str | None) -> str:
    try:
        return str(json.loads(body)["description"])
    except (ValueError, KeyError, TypeError):
        return error or "no answer"


async def answer_pending(
    settings: Settings,
    store: Store,
    channels: Channels,
    fetcher: Fetcher,
    report: CheckReport,
    *,
    wake: Callable[[], None] = lambda: None,
) -> TelegramSender | None:
    """Answer what chats sent since the last run. Returns the sender it opened (pass it on to
    the delivery pass, so replies and alerts share one pacing; the caller closes it), or None
    when there was nothing to answer."""
    token = channels.telegram_token
    assert token is not None
    api_url = settings.telegram.api_url
    updates = await get_updates(fetcher, api_url, token, None)
    if not updates:
        return None
    from notifiers.bot.app import Answerer
    from notifiers.bot.handlers import BotDeps
    from notifiers.telegram.request import sender_on

    sender = sender_on(fetcher, token, api_url)
    answerer = await Answerer.open(
        BotDeps(settings, store, sender, _this_poll(report), fresh_polls=False, wake=wake)
    )
    if answerer is None:
        await sender.close()
        return None
    handled = 0
    for _round in range(MAX_ROUNDS):
        for update in updates:
            await answerer.process(update)
            handled += 1
        updates = await get_updates(fetcher, api_url, token, updates[-1]["update_id"] + 1)
        if not updates:
            break
    log.info("bot: answered %d update(s)", handled)
    return sender


def _this_poll(report: CheckReport) -> Callable[[], Awaitable[CheckReport]]:
    # /check from a cron-run check: the poll this very run made is the answer.
    async def poll() -> CheckReport:
        return report

    return poll
