"""Bad input, config and databases are one line and exit 1, never a traceback. No mocks."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from replay import ReplayServer
from replay.loopback import config_text
from watcher.cli import main
from watcher.config import ConfigError, settings_from_dict

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
# mkdir fails here for every user, root included.
UNCREATABLE = "/proc/jucip-review-no-such-dir/db.sqlite3"


def one_line_exit_1(code: int, err: str) -> None:
    assert code == 1, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


def test_database_in_uncreatable_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[storage]\ndatabase = "{UNCREATABLE}"\n'
        '[[sources]]\nname = "x"\nkind = "rss"\nurl = "http://127.0.0.1:9/feed"\n'
    )
    seed = str(next(SEEDS.glob("000_*.txt")))
    for args in (["check"], ["import", seed]):
        try:
            code = main(["--config", str(cfg), *args])
        except OSError as exc:
            pytest.fail(f"{args[0]}: {exc!r} escaped main()")
        one_line_exit_1(code, capsys.readouterr().err)


def test_damaged_database_is_one_line(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "db.sqlite3"
    cfg = tmp_path / "c.toml"
    cfg.write_text(config_text(sites, database=db, only=("meti-ja",)), encoding="utf-8")
    assert main(["--config", str(cfg), "check", "--json"]) == 0
    capsys.readouterr()
    # Damage a row the way a bad sector or a foreign writer would: bytes that are not UTF-8.
    conn = sqlite3.connect(db)
    conn.execute("UPDATE documents SET text = CAST(X'C3FFFE41' AS TEXT)")
    conn.commit()
    conn.close()
    for args in (["history"], ["compare"], ["check"]):
        try:
            code = main(["--config", str(cfg), *args])
        except sqlite3.Error as exc:
            pytest.fail(f"{args[0]}: {exc!r} escaped main()")
        one_line_exit_1(code, capsys.readouterr().err)


def test_compare_with_out_of_range_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[storage]\ndatabase = "{tmp_path / "db.sqlite3"}"\n')
    seed = str(next(SEEDS.glob("000_*.txt")))
    assert main(["--config", str(cfg), "import", seed]) == 0
    capsys.readouterr()
    try:
        code = main(["--config", str(cfg), "compare", "99999999999999999999999", "1"])
    except OverflowError as exc:
        pytest.fail(f"{exc!r} escaped main()")
    one_line_exit_1(code, capsys.readouterr().err)


def test_import_under_unknown_series_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[storage]\ndatabase = "{tmp_path / "db.sqlite3"}"\n')
    page = tmp_path / "p.html"
    page.write_text("<html><body><p>Ministers met and talked about the weather.</p></body></html>")
    code = main(["--config", str(cfg), "import", str(page), "--series", "no-such-series"])
    one_line_exit_1(code, capsys.readouterr().err)


@pytest.mark.parametrize("key", ["interval", "jitter"])
def test_non_finite_durations_are_rejected(key: str) -> None:
    # TOML has inf and nan; both pass parse_duration (nan < 0 is False).
    with pytest.raises(ConfigError):
        settings_from_dict({"schedule": {key: float("nan")}})


def test_non_finite_fetch_spacing_is_rejected() -> None:
    with pytest.raises(ConfigError):
        settings_from_dict({"fetch": {"host_spacing": float("nan")}})


def test_bad_css_selector_is_a_config_error(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[storage]\ndatabase = "{tmp_path / "db.sqlite3"}"\n'
        "[fetch]\nhost_spacing = 0\njitter = 0\nbackoff = 0\n"
        '[[sources]]\nname = "x"\nkind = "html"\n'
        f'url = "{sites["meti"].url("/press/index.html")}"\n'
        'item = "li[[["\n'
    )
    code = main(["--config", str(cfg), "check", "--json"])
    out, err = capsys.readouterr()
    # A typo in a selector is a config error, not an "internal error" at every poll.
    assert "Traceback" not in err
    one_line_exit_1(code, err)
    assert out == "" or json.loads(out)


def test_one_line_text_file_is_the_statement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "one.txt"
    text.write_text(
        "On May 26, 2023, the Secretary and the Minister held the second ministerial meeting of "
        "the Japan-U.S. Commercial and Industrial Partnership (JUCIP) and committed to strengthen "
        "semiconductor supply chains."
    )
    assert main(["extract", str(text), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["relevance"] == "primary"
    assert data["commitments"] and "semiconductors" in data["topics"]


@pytest.mark.parametrize("url", ["http://[bad", "https:///nohost"])
def test_malformed_url_fails_at_once(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    one_line_exit_1(main(["extract", url]), capsys.readouterr().err)


def test_compare_notes_when_old_is_the_later_meeting(capsys: pytest.CaptureFixture[str]) -> None:
    old, new = (str(next(SEEDS.glob(f"{p}_*.txt"))) for p in ("002", "000"))
    assert main(["compare", old, new, "--json"]) == 0
    assert "later than NEW" in capsys.readouterr().err


def test_max_pages_only_where_a_listing_is_paged() -> None:
    with pytest.raises(ConfigError, match="max_pages"):
        settings_from_dict({"sources": [{"name": "m", "kind": "meti-ja", "max_pages": 2}]})
    settings_from_dict({"sources": [{"name": "c", "kind": "commerce-html", "max_pages": 2}]})


def test_huge_integer_duration_is_a_one_line_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "c.toml"
    # tomllib accepts integers of any size; float() of this one overflows.
    cfg.write_text("[fetch]\ntimeout = 1" + "0" * 400 + "\n", encoding="utf-8")
    try:
        code = main(["--config", str(cfg), "sources"])
    except OverflowError as exc:
        pytest.fail(f"{exc!r} escaped main(): a traceback instead of one line")
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1, err
