"""Source adapters, one module per site kind, found through a registry keyed by kind.

Every public module of this package is an adapter module: it declares its kind's settings and
adapter class (see `watcher.sources.base`), and importing it registers the kind. They are all
imported with the package, so the config model, the kind list in error messages and
`adapter_for_url` are derived from what the modules declare: adding a kind is adding a module.
Helpers shared by several adapters live in `_private` modules (not adapters).

So that importing them costs little, adapter modules import bs4 (about 0.2 s) and feedparser
inside the functions that parse: `jucip-watch` commands that fetch nothing start fast, and a poll
answered 304 Not Modified never loads them.
"""

from __future__ import annotations

import importlib
import os
from typing import Any
from urllib.parse import urlsplit

from watcher.config_base import SourceSettings
from watcher.sources.base import REGISTRY, Adapter, LayoutChanged

__all__ = [
    "Adapter",
    "LayoutChanged",
    "adapter_class",
    "adapter_for",
    "adapter_for_url",
    "kinds",
    "settings_types",
]

_NOT_ADAPTERS = frozenset({"base"})


def _adapter_modules() -> list[str]:
    # A directory listing, not pkgutil: this runs on every start, pkgutil's import costs more.
    files = [f for f in os.listdir(__path__[0]) if f.endswith(".py") and not f.startswith("_")]
    return sorted(
        name for name in (f.removesuffix(".py") for f in files) if name not in _NOT_ADAPTERS
    )


for _name in _adapter_modules():
    importlib.import_module(f"{__name__}.{_name}")


def kinds() -> list[str]:
    """The source kinds, in a stable order (as error messages list them)."""
    return sorted(REGISTRY)


def settings_types() -> tuple[type[SourceSettings], ...]:
    """Each kind's settings struct: the members of the config's tagged union."""
    return tuple(REGISTRY[k].settings for k in kinds())


def adapter_class(kind: str) -> type[Adapter]:
    try:
        return REGISTRY[kind]
    except KeyError:
        known = ", ".join(kinds())
        raise KeyError(f"no adapter for source kind {kind!r} (known: {known})") from None


def adapter_for(config: Any) -> Adapter:
    return adapter_class(config.kind)(config)


def adapter_for_url(url: str) -> Adapter | None:
    """The site adapter for a known live release URL (for `jucip-watch extract URL`), else None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    page = parts.netloc.lower().removeprefix("www.") + parts.path
    claims = [
        (len(prefix), kind)
        for kind, cls in REGISTRY.items()
        for prefix in cls.settings.release_pages
        if page.startswith(prefix)
    ]
    if not claims:
        return None
    kind = max(claims)[1]  # the most specific prefix wins
    return adapter_for(REGISTRY[kind].settings(name="extract", url=url))
