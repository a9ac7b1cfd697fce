"""The lazy-import rule (README, "How it works"): a `check` pass where every listing answers 304,
`history` and `sources` never load the parsers (bs4, lxml, soupsieve, feedparser), the analysis
(watcher.analysis) or the notifier libraries; rich is loaded only to print for a person, never
for --json output. Each command runs in a fresh interpreter and reports its sys.modules."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from replay import serve_sites
from replay.loopback import SITES, config_text

ROOT = Path(__file__).resolve().parent.parent
# Top-level names (and watcher.analysis) that a cheap command must not import.
PARSERS_AND_ANALYSIS = ("bs4", "lxml", "soupsieve", "feedparser", "watcher.analysis", "telegram")
HUMAN_OUTPUT = ("rich",)

PROBE = """
import json, sys
from watcher.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
print("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def run(*args: str) -> tuple[int, set[str], str]:
    """(exit code, loaded modules, the command's own output)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    out, _, probe = result.stdout.rstrip().rpartition("\n")
    data = json.loads(probe)
    return data["code"], set(data["modules"]), out


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


@pytest.fixture(scope="module")
def polled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A config whose sources have been polled once (validators stored: the next pass is 304s),
    with its recorded sites served for the whole module."""
    tmp = tmp_path_factory.mktemp("lazy")
    servers = serve_sites(SITES)
    try:
        config = tmp / "config.toml"
        config.write_text(config_text(servers, database=tmp / "db.sqlite3"), encoding="utf-8")
        code, _, _ = run("--config", str(config), "check", "--json")
        assert code == 0
        yield config
    finally:
        for server in servers.values():
            server.stop()


def test_a_pass_of_304s_loads_no_parser_analysis_or_rich(polled: Path) -> None:
    code, modules, out = run("--config", str(polled), "check", "--json")
    assert code == 0
    statuses = {s["name"]: s["status"] for s in json.loads(out)["sources"]}
    assert set(statuses.values()) == {"not_modified"}, statuses
    assert loaded(modules, PARSERS_AND_ANALYSIS + HUMAN_OUTPUT) == []
    # The probe sees what it should: the poll itself ran.
    assert {"watcher.pipeline", "watcher.fetch", "httpx"} <= modules


def test_the_first_pass_does_load_them(config_path: Path) -> None:
    # The other side of the rule: judging new releases needs the parsers and the analysis.
    code, modules, _ = run("--config", str(config_path), "check", "--json")
    assert code == 0
    assert {"bs4", "lxml", "feedparser", "watcher.analysis.extract"} <= modules


@pytest.mark.parametrize("command", [["history", "--json"], ["sources", "--json"]])
def test_read_only_json_commands_load_no_parser_analysis_or_rich(
    polled: Path, command: list[str]
) -> None:
    code, modules, out = run("--config", str(polled), *command)
    assert code == 0 and json.loads(out)
    assert loaded(modules, PARSERS_AND_ANALYSIS + HUMAN_OUTPUT) == []
    assert loaded(modules, ("httpx", "apscheduler")) == []  # nothing is fetched or scheduled


@pytest.mark.parametrize("command", [["health"], ["health", "--json"]])
def test_health_loads_no_parser_analysis_rich_or_http_client(
    polled: Path, command: list[str]
) -> None:
    # The Docker HEALTHCHECK runs it every few minutes: it must stay this cheap.
    code, modules, out = run("--config", str(polled), *command)
    assert code == 0 and "healthy" in out
    assert loaded(modules, PARSERS_AND_ANALYSIS + HUMAN_OUTPUT + ("httpx", "apscheduler")) == []


@pytest.mark.parametrize("command", [["history"], ["sources"], ["check"]])
def test_human_output_loads_rich_but_no_parser_or_analysis(
    polled: Path, command: list[str]
) -> None:
    code, modules, out = run("--config", str(polled), *command)
    assert code == 0 and out.strip()
    assert "rich" in modules
    assert loaded(modules, PARSERS_AND_ANALYSIS) == []
