"""Data files read by the code (series aliases, topic cues, commitment verbs, the bundled
history), and the one way to read them: loaded once, then cached."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_toml(name: str) -> dict[str, Any]:
    raw = resources.files("watcher.data").joinpath(name).read_bytes()
    return tomllib.loads(raw.decode("utf-8"))


def read_text(*parts: str) -> str:
    node = resources.files("watcher.data")
    for part in parts:
        node = node.joinpath(part)
    return node.read_text(encoding="utf-8")
