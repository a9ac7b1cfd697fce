"""Huge, endless and malformed input from the user is one clear line, never a hang, an unbounded
read or a traceback (issue 9, points 2, 6 and 7): local files capped like fetched pages, a text
past a statement's size analysed on its leading part with a note, URLs checked where they come
in, and the small list (`--wait nan`, `sources = []`, an unknown series, an unusable database
path, a database that turned read-only).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
from poll_helpers import run_cli

from state import Store
from watcher.archive import MAX_STATEMENT_CHARS
from watcher.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seeds" / "000_84579932796fbdfb.txt"
CAP = 100_000  # fetch.max_bytes in these tests


def one_line_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 1, result
    assert fragment in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.fixture
def capped(tmp_path: Path) -> Path:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[storage]\ndatabase = "{tmp_path / "db.sqlite3"}"\n[fetch]\nmax_bytes = {CAP}\n',
        encoding="utf-8",
    )
    return cfg


def body_text(size: int) -> str:
    """A statement that goes on: the seed's heading, then its commitments over and over."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("Originally posted"))
    head, body = "\n".join(lines[:6]) + "\n\n", "\n".join(lines[6:end]) + "\n\n"
    return head + body * (size // len(body) + 1)


# -- 2. local input -------------------------------------------------------------------------------
def test_an_endless_device_is_refused_at_the_cap(capped: Path) -> None:
    result = run_cli("--config", str(capped), "extract", "/dev/zero")
    one_line_error(result, "larger than 100,000 bytes, the fetch.max_bytes limit")


def test_a_file_past_the_cap_is_refused_without_reading_it(capped: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024 * 1024)  # 50 GB, sparse: reading it would take minutes
    result = run_cli("--config", str(capped), "extract", str(big))
    one_line_error(result, "larger than 100,000 bytes")


def test_a_fifo_is_read_up_to_the_cap(capped: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    stop = threading.Event()

    def endless_writer() -> None:
        try:
            with fifo.open("wb") as f:
                while not stop.is_set():
                    f.write(b"JUCIP " * 1000)
        except BrokenPipeError:
            pass  # the reader stopped at the cap and closed the pipe: as it should

    writer = threading.Thread(target=endless_writer, daemon=True)
    writer.start()
    try:
        result = run_cli("--config", str(capped), "extract", str(fifo))
    finally:
        stop.set()
    one_line_error(result, "larger than 100,000 bytes")
    writer.join(timeout=10)


def test_a_text_past_a_statements_size_is_analysed_on_its_leading_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long = tmp_path / "long.txt"
    long.write_text(body_text(3 * MAX_STATEMENT_CHARS), encoding="utf-8")
    assert main(["extract", str(long), "--json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert "only the first" in data["note"] and "were analysed" in data["note"]
    assert err.startswith(f"jucip-watch: note: {long}: the text has ") and "analysed" in err
    assert "jucip" in data["series"] and data["commitments"]
    # Within the limit there is no note.
    assert main(["extract", str(SEED), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["note"] is None


# -- 6. URLs in the config and on the command line ------------------------------------------------
@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://127.0.0.1:99999/x", "the port must be a number from 1 to 65535"),
        ("http://127.0.0.1:0/x", "the port must be a number from 1 to 65535"),
        ("http://exa mple.org/x", "is not a valid host name"),
        ("http://300.1.1.1/x", "is not a valid IP address"),
        ("http://a..b/x", "is not a valid host name"),
    ],
)
def test_bad_ports_and_hosts_are_one_line_everywhere(
    tmp_path: Path, url: str, fragment: str
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[[sources]]\nname = "x"\nkind = "rss"\nurl = "{url}"\n', encoding="utf-8")
    one_line_error(run_cli("--config", str(cfg), "check"), fragment)
    one_line_error(run_cli("extract", url), fragment)
    one_line_error(run_cli("import", url), fragment)
    one_line_error(run_cli("compare", url, str(SEED)), fragment)


# -- 7. the small list ----------------------------------------------------------------------------
@pytest.mark.parametrize("wait", ["nan", "inf", "-1", "soon"])
def test_check_wait_must_be_a_finite_number(wait: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:  # argparse's usage error, with our exit code
        main(["check", "--wait", wait])
    assert exited.value.code == 1
    assert "argument --wait" in capsys.readouterr().err


@pytest.mark.parametrize("wait", ["nan", "inf"])
@pytest.mark.parametrize("command", [["deliver"], ["backfill", "--source", "nonexist"]])
def test_every_wait_for_the_lock_must_be_finite(
    wait: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # The other commands that wait for the writer lock: `nan` never reaches the deadline.
    with pytest.raises(SystemExit) as exited:
        main([*command, "--wait", wait])
    assert exited.value.code == 1
    assert "argument --wait" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("sources", "fragment"),
    [("sources = []\n", "no sources configured"), ("", "every source is disabled")],
)
def test_a_config_with_nothing_to_poll_is_refused(
    tmp_path: Path, sources: str, fragment: str
) -> None:
    cfg = tmp_path / "c.toml"
    disabled = '[[sources]]\nname = "x"\nkind = "rss"\nurl = "http://127.0.0.1:1/"\n'
    disabled += "enabled = false\n"
    cfg.write_text(
        sources
        + f'[storage]\ndatabase = "{tmp_path / "db.sqlite3"}"\n'
        + (disabled * (not sources)),
        encoding="utf-8",
    )
    for command in ("check", "run"):
        one_line_error(run_cli("--config", str(cfg), command), fragment)
    assert list(tmp_path.iterdir()) == [cfg]  # no database, no lock file


def test_history_of_an_unknown_series_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--series", "nonexist"]) == 1
    err = capsys.readouterr().err
    assert "unknown series 'nonexist'" in err and "jucip" in err


@pytest.mark.parametrize("command", ["history", "sources", "compare", "outbox", "subscribers list"])
@pytest.mark.parametrize("where", ["under a file", "a directory"])
def test_read_only_commands_fail_on_an_unusable_database_path(
    tmp_path: Path, command: str, where: str
) -> None:
    blocker = tmp_path / "blocker"
    if where == "under a file":
        blocker.write_text("not a folder", encoding="utf-8")
        db = blocker / "db.sqlite3"
    else:
        db = tmp_path / "db.sqlite3"
        db.mkdir()
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[storage]\ndatabase = "{db}"\n', encoding="utf-8")
    one_line_error(run_cli("--config", str(cfg), *command.split()), f"database {db}")


def test_a_database_problem_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A database that opened fine and then failed (here a table a foreign tool dropped; a file
    # that turned read-only under us fails the same way): the line says which file.
    db = tmp_path / "db.sqlite3"
    Store.open(db).close()
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE validators")
    conn.close()
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[storage]\ndatabase = "{db}"\n[[sources]]\nname = "x"\nkind = "rss"\n'
        'url = "http://127.0.0.1:1/feed"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(cfg), "check", "--json"]) == 1
    err = capsys.readouterr().err
    assert f"database problem with {db}: no such table: validators" in err, err
