"""The config model: defaults, the example file, and one-line errors for mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from watcher.config import ConfigError, load_settings, parse_duration, settings_from_dict

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_watch_the_real_sites() -> None:
    s = settings_from_dict({})
    kinds = {src.kind: src.url for src in s.sources}
    assert kinds["commerce-api"] == "https://api.commerce.gov/api/news"
    assert kinds["meti-ja"] == "https://www.meti.go.jp/press/category_02.html"
    assert kinds["meti-en"] == "https://www.meti.go.jp/english/press/category_02.html"
    assert kinds["rss"] == "https://www.state.gov/rss-feed/east-asia-and-the-pacific/feed/"
    assert "Mozilla/5.0" in s.fetch.user_agent
    assert s.storage.database == Path("data/jucip-watch.sqlite3")


def test_example_file_matches_the_defaults() -> None:
    example = load_settings(ROOT / "config.example.toml")
    defaults = settings_from_dict({})
    assert example.fetch == defaults.fetch
    assert example.schedule == defaults.schedule
    assert (example.telegram, example.email, example.web) == (
        defaults.telegram,
        defaults.email,
        defaults.web,
    )
    assert [(s.name, s.kind, s.url) for s in example.sources] == [
        (s.name, s.kind, s.url) for s in defaults.sources
    ]
    assert [example.interval_of(s) for s in example.sources] == [
        defaults.interval_of(s) for s in defaults.sources
    ]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(30, 30.0), ("90s", 90.0), ("15m", 900.0), ("2h", 7200.0), ("30d", 2592000.0), ("1.5", 1.5)],
)
def test_durations(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"sources": [{"name": "x", "kind": "nope"}]}, "sources[0].kind"),
        ({"fetch": {"timeout": "fast"}}, "'fast' is not a duration"),
        ({"sources": [{"name": "x", "kind": "html"}]}, "item"),
        ({"sources": [{"name": "x", "kind": "rss"}]}, "needs a url"),
        ({"sources": [{"name": "x", "kind": "meti-ja", "url": "ftp://x"}]}, "not an http(s) URL"),
        ({"telegram": {"api_url": "ftp://x"}}, "telegram.api_url: 'ftp://x' is not an http(s)"),
        ({"telegram": {"api_url": "http://127.0.0.1:99999"}}, "telegram.api_url: "),
        ({"storage": {"db": "x"}}, "unknown field `db`"),
        (
            {"sources": [{"name": "a", "kind": "meti-ja"}, {"name": "a", "kind": "meti-en"}]},
            "unique",
        ),
    ],
)
def test_mistakes_are_one_line(data: dict, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        settings_from_dict(data, "cfg.toml")
    message = str(err.value)
    assert fragment in message
    assert message.startswith("cfg.toml: ")
    assert "\n" not in message


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[fetch\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)


def test_relative_database_is_beside_the_config(tmp_path: Path) -> None:
    cfg = tmp_path / "conf" / "c.toml"
    cfg.parent.mkdir()
    cfg.write_text('[storage]\ndatabase = "db/x.sqlite3"\n')
    assert load_settings(cfg).storage.database == (cfg.parent / "db/x.sqlite3").resolve()


def test_env_var_names_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[[sources]]\nname = "only"\nkind = "meti-en"\n')
    monkeypatch.setenv("JUCIP_WATCH_CONFIG", str(cfg))
    monkeypatch.chdir(tmp_path)
    assert [s.name for s in load_settings().sources] == ["only"]


def test_api_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings_from_dict({"sources": [{"name": "c", "kind": "commerce-api", "api_key_env": "K"}]})
    monkeypatch.delenv("K", raising=False)
    assert s.sources[0].api_key() == "DEMO_KEY"
    monkeypatch.setenv("K", "secret")
    assert s.sources[0].api_key() == "secret"
