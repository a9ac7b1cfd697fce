"""python-telegram-bot's HTTP calls through the project's one HTTP client (`Fetcher.request`).

`FetcherRequest` is a `telegram.request.BaseRequest`: PTB builds the Bot API call and reads the
answer; the fetcher does the exchange on its httpx client (its redaction, size cap and logging),
with PTB's per-call timeouts. API calls are not spaced or retried by the fetcher: pacing and
flood waits are the sender's (`notifiers.telegram.sender`). The fetcher belongs to the caller,
who opens and closes it; `shutdown` leaves it open.
"""

from __future__ import annotations

from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from notifiers.telegram.sender import Pacing, TelegramSender
from watcher.fetch import Fetcher, Timeouts
from watcher.models import SourceStatus

_PACING = Pacing()


def sender_on(
    fetcher: Fetcher,
    token: str,
    api_url: str,
    *,
    pacing: Pacing | None = _PACING,
    updates_read_timeout: float | None = 15.0,
) -> TelegramSender:
    """A `TelegramSender` whose every call goes through `fetcher`, getUpdates too: without a
    request of its own for that, PTB would open an HTTP client for it."""
    return TelegramSender(
        token,
        api_url=api_url,
        request=FetcherRequest(fetcher),
        get_updates_request=FetcherRequest(fetcher, read_timeout=updates_read_timeout),
        pacing=pacing,
    )


class FetcherRequest(BaseRequest):
    def __init__(
        self,
        fetcher: Fetcher,
        *,
        read_timeout: float | None = 15.0,
        write_timeout: float | None = 15.0,
        connect_timeout: float | None = 15.0,
        pool_timeout: float | None = 15.0,
    ) -> None:
        self._fetcher = fetcher
        self._defaults = Timeouts(connect_timeout, read_timeout, write_timeout, pool_timeout)

    @property
    def read_timeout(self) -> float | None:
        return self._defaults.read

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        d = self._defaults
        timeouts = Timeouts(
            connect=_given(connect_timeout, d.connect),
            read=_given(read_timeout, d.read),
            write=_given(write_timeout, d.write),
            pool=_given(pool_timeout, d.pool),
        )
        files = (
            request_data.multipart_data if request_data and request_data.contains_files else None
        )
        data = request_data.json_parameters if request_data else None
        answer = await self._fetcher.request(
            method, url, data=data or None, files=files or None, timeout=timeouts
        )
        if answer.http_status is None:
            # No HTTP answer at all: PTB's own transport raises these, and the sender turns them
            # into `Retry(channel_down=True)`. The error is redacted already (no token).
            if answer.status is SourceStatus.TIMEOUT:
                raise TimedOut(answer.error or "timed out")
            raise NetworkError(answer.error or "no answer")
        return answer.http_status, answer.body


def _given(value: Any, default: float | None) -> float | None:
    return default if value is BaseRequest.DEFAULT_NONE else value
