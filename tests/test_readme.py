"""The README's configuration reference and config.example.toml agree: the example loads, shows
the defaults, and every key in it (the commented examples too) is described in the README."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from watcher.config import load_settings, settings_from_dict

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"
README = (ROOT / "README.md").read_text(encoding="utf-8")
# "# key = value" in the example: a key shown commented out ([[sources]] of kind html,
# [[series]], [[topics]]).
COMMENTED_KEY = re.compile(r"^#\s*([a-z_]+)\s*=", re.M)
COMMENTED_TABLE = re.compile(r"^#\s*\[\[([a-z_]+)\]\]", re.M)


def example_keys() -> set[tuple[str, str, bool]]:
    """(table, key, in an array of tables) for every key the example sets or shows."""
    text = EXAMPLE.read_text(encoding="utf-8")
    keys = set()
    for table, value in tomllib.loads(text).items():
        rows = value if isinstance(value, list) else [value]
        for row in rows:
            keys |= {(table, k, isinstance(value, list)) for k in row}
    table = ""
    for line in text.splitlines():
        if found := COMMENTED_TABLE.match(line):
            table = found.group(1)
        elif line.startswith("[") and not line.startswith("[["):
            table = ""
        elif (found := COMMENTED_KEY.match(line)) and table:
            keys.add((table, found.group(1), True))
    return keys


def test_config_example_loads_and_shows_the_defaults() -> None:
    example, defaults = load_settings(EXAMPLE), settings_from_dict({})
    for table in ("fetch", "schedule", "telegram", "email", "web"):
        assert getattr(example, table) == getattr(defaults, table), table
    assert example.storage.database == (ROOT / defaults.storage.database).resolve()
    shown = [(s.name, s.kind, s.url) for s in example.all_sources()]
    assert shown == [(s.name, s.kind, s.url) for s in defaults.all_sources()]


def test_every_key_of_config_example_is_in_the_readme() -> None:
    keys = example_keys()
    assert len(keys) > 40 and ("web", "tracker_dir", False) in keys
    assert ("sources", "detail_body", True) in keys and ("topics", "cues_ja", True) in keys
    missing = []
    for table, key, array in sorted(keys):
        # A plain table's key is named with its table; a key of an array of tables by itself.
        named = f"`{key}`" if array else f"`[{table}] {key}`"
        if named not in README and f"`[[{table}]] {key}`" not in README:
            missing.append(f"[{table}] {key}")
    assert not missing, f"config.example.toml keys the README does not describe: {missing}"
