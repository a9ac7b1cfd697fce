"""A config that points every source kind at the recorded sites served on loopback.

Used by `make demo`, the end-to-end tests and the benchmarks, so all three exercise the same
sources the defaults watch, only on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from replay.server import ReplayServer

# The recorded sites ship inside this package (package data), so the replay works from an
# installed copy as well as from a checkout.
SITES = Path(__file__).resolve().parent / "sites"

# (source name, kind, site directory, path on that site, extra keys)
SOURCES: list[tuple[str, str, str, str, dict[str, object]]] = [
    ("commerce-api", "commerce-api", "commerce-api", "/api/news.json", {}),
    ("commerce-press", "commerce-html", "commerce", "/news/press-releases", {}),
    ("meti-ja", "meti-ja", "meti", "/press/category_02.html", {}),
    ("meti-ja-latest", "meti-ja", "meti", "/press/index.html", {}),
    ("meti-en", "meti-en", "meti", "/english/press/category_02.html", {}),
    ("state-eap", "rss", "state", "/rss-feed/east-asia-and-the-pacific/feed/index.xml", {}),
]


def _toml(value: object) -> str:
    # JSON strings, numbers and booleans are valid TOML for the flat values used here.
    return json.dumps(value, ensure_ascii=False)


def config_text(
    servers: Mapping[str, ReplayServer],
    *,
    database: Path,
    stale_after: str = "5000d",
    only: tuple[str, ...] = (),
) -> str:
    """TOML for the recorded sites. Recorded pages are old, so `stale_after` is wide by default."""
    lines = [
        "[storage]",
        f"database = {_toml(str(database))}",
        "",
        "[fetch]",
        "host_spacing = 0",
        "jitter = 0",
        "backoff = 0",
        "timeout = 10",
        "",
        # `run` serves its web endpoint on a free port: tests run side by side on one machine.
        "[web]",
        'listen = "127.0.0.1:0"',
        "",
    ]
    for name, kind, site, path, extra in SOURCES:
        if only and name not in only:
            continue
        lines += [
            "[[sources]]",
            f"name = {_toml(name)}",
            f"kind = {_toml(kind)}",
            f"url = {_toml(servers[site].url(path))}",
            f"stale_after = {_toml(stale_after)}",
        ]
        lines += [f"{k} = {_toml(v)}" for k, v in extra.items()]
        lines.append("")
    return "\n".join(lines)
