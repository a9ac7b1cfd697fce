"""Source adapters, one module per site kind, found through a registry keyed by kind.

Adapter modules import bs4 (about 0.2 s), so they are imported on first use rather than when
`watcher.sources` is imported: `jucip-watch` commands that fetch nothing start fast. Importing a
module registers its adapter class (see `Adapter.__init_subclass__`).
"""

from __future__ import annotations

import importlib
from typing import Any
from urllib.parse import urlsplit

from watcher.sources.base import REGISTRY, Adapter, LayoutChanged

__all__ = ["MODULES", "Adapter", "LayoutChanged", "adapter_class", "adapter_for", "adapter_for_url"]

MODULES: dict[str, str] = {
    "commerce-api": "watcher.sources.commerce_api",
    "commerce-html": "watcher.sources.commerce_html",
    "meti-ja": "watcher.sources.meti_ja",
    "meti-en": "watcher.sources.meti_en",
    "rss": "watcher.sources.rss",
    "html": "watcher.sources.html",
}


def adapter_class(kind: str) -> type[Adapter]:
    if kind not in REGISTRY and kind in MODULES:
        importlib.import_module(MODULES[kind])
    try:
        return REGISTRY[kind]
    except KeyError:
        known = ", ".join(MODULES)
        raise KeyError(f"no adapter for source kind {kind!r} (known: {known})") from None


def adapter_for(config: Any) -> Adapter:
    return adapter_class(config.kind)(config)


def adapter_for_url(url: str) -> Adapter | None:
    """The site adapter for a known live release URL (for `jucip-watch extract URL`), else None."""
    from watcher import config as cfg

    parts = urlsplit(url)
    host, path = parts.netloc.lower().removeprefix("www."), parts.path
    if parts.scheme not in ("http", "https"):
        return None
    source: Any = None
    if host == "commerce.gov" and path.startswith("/news/"):
        source = cfg.source_from_dict({"name": "extract", "kind": "commerce-html", "url": url})
    elif host == "meti.go.jp" and path.startswith("/english/press/"):
        source = cfg.source_from_dict({"name": "extract", "kind": "meti-en", "url": url})
    elif host == "meti.go.jp" and path.startswith("/press/"):
        source = cfg.source_from_dict({"name": "extract", "kind": "meti-ja", "url": url})
    return adapter_for(source) if source is not None else None
