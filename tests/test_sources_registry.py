"""Source kinds are declared once, in their adapter modules; everything else is derived from them.
These tests keep the derived places in step with the declarations."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

import watcher.sources
from watcher import config
from watcher.config import ConfigError, settings_from_dict, source_from_dict
from watcher.config_base import SourceSettings
from watcher.sources import adapter_class, adapter_for_url, kinds, settings_types
from watcher.sources.base import REGISTRY, Adapter

SOURCES_DIR = Path(watcher.sources.__file__).parent


def test_every_adapter_module_declares_a_kind() -> None:
    modules = {
        p.stem for p in SOURCES_DIR.glob("*.py") if not p.stem.startswith("_") and p.stem != "base"
    }
    declared = {cls.__module__.rsplit(".", 1)[1] for cls in REGISTRY.values()}
    assert declared == modules
    assert len(kinds()) == len(REGISTRY) >= 6


@pytest.mark.parametrize("kind", kinds())
def test_each_kind_has_its_adapter_and_settings(kind: str) -> None:
    cls = adapter_class(kind)
    assert issubclass(cls, Adapter) and cls.kind == kind
    assert issubclass(cls.settings, SourceSettings)
    assert cls.settings.__struct_config__.tag == kind
    # The settings live beside the adapter, not in the config module.
    assert cls.settings.__module__ == cls.__module__


def test_the_config_model_is_the_union_of_the_declared_settings() -> None:
    members = set(typing.get_args(config.SourceConfig)) or {config.SourceConfig}
    assert members == set(settings_types()) == {cls.settings for cls in REGISTRY.values()}
    for kind in kinds():
        extra = {"item": "li"} if kind == "html" else {}
        src = source_from_dict({"name": "x", "kind": kind, "url": "https://example.org/", **extra})
        assert type(src) is adapter_class(kind).settings and src.kind == kind


def test_the_kind_error_lists_every_kind() -> None:
    with pytest.raises(ConfigError) as err:
        settings_from_dict({"sources": [{"name": "x", "kind": "nope"}]}, "cfg.toml")
    listed = re.search(r"\(kinds: ([^)]*)\)", str(err.value))
    assert listed and listed.group(1).split(", ") == kinds()


def test_defaults_are_consistent() -> None:
    for cls in REGISTRY.values():
        url = cls.settings.default_url
        assert url == "" or re.match(r"^https://[^/\s]+/", url), (cls.kind, url)
    # The built-in sources use registered kinds, and those without a url have a default.
    for entry in config.default_sources():
        settings = adapter_class(entry["kind"]).settings
        assert entry.get("url") or settings.default_url, entry
    given = {e["name"]: e.get("url") for e in config.default_sources()}
    for s in settings_from_dict({}).all_sources():
        assert s.url == (given[s.name] or type(s).default_url)


def test_release_pages_are_claimed_once_and_recognised() -> None:
    claimed = [(p, k) for k in kinds() for p in adapter_class(k).settings.release_pages]
    prefixes = [p for p, _ in claimed]
    assert len(prefixes) == len(set(prefixes)), claimed
    for prefix, kind in claimed:
        assert "://" not in prefix and not prefix.startswith("www."), prefix
        host, _, path = prefix.partition("/")
        for scheme_host in (f"https://www.{host}", f"http://{host}"):
            adapter = adapter_for_url(f"{scheme_host}/{path}2024/06/release.html")
            assert adapter is not None and adapter.kind == kind, (prefix, adapter)
            assert adapter.config.url.startswith(scheme_host)
