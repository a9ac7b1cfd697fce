"""`make demo`: the watcher on the embedded defaults, against recorded copies of the sites.

Serves replay/sites/ (the real METI capture and pages reconstructed from the public
statements) on loopback, then runs the real command line: `check --dry-run` detects the JUCIP
releases, `extract` reads the commitments of the Japanese one, and `compare` shows what changed
from the 2nd to the 4th JUCIP ministerial.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from replay import serve_sites  # noqa: E402
from replay.loopback import SITES, config_text  # noqa: E402

SEEDS = ROOT / "tests" / "fixtures" / "seeds"


def step(title: str, *args: str) -> int:
    print(f"\n\033[1m$ jucip-watch {' '.join(args)}\033[0m   # {title}", flush=True)
    return subprocess.call([sys.executable, "-m", "watcher", *args], cwd=ROOT)


def main() -> int:
    servers = serve_sites(SITES)
    try:
        with tempfile.TemporaryDirectory(prefix="jucip-demo-") as tmp:
            config = Path(tmp) / "config.toml"
            # The Commerce API lists the same releases as the Commerce listing (with canonical
            # URLs): the demo polls the listing only, so each release shows once.
            sources = ("commerce-press", "meti-ja", "meti-ja-latest", "meti-en", "state-eap")
            config.write_text(
                config_text(servers, database=Path(tmp) / "demo.sqlite3", only=sources)
            )
            print("Recorded sites on loopback:")
            for name, server in servers.items():
                print(f"  {name:<13} {server.base_url}")
            code = step(
                "poll every source once; --dry-run stores nothing",
                "--config",
                str(config),
                "check",
                "--dry-run",
            )
            meti = servers["meti"].url("/press/2023/05/20230526001/20230526001.html")
            step("the commitments of the Japanese JUCIP release", "extract", meti)
            step(
                "the 4th JUCIP ministerial (2024) against the 2nd (2023)",
                "compare",
                str(next(SEEDS.glob("000_*.txt"))),
                str(next(SEEDS.glob("002_*.txt"))),
            )
            # check exits 3 if a source failed; the demo passes that on.
            return code
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
