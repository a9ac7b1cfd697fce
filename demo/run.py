"""`make demo`: the watcher on the embedded defaults, against recorded copies of the sites.

Serves replay/sites/ (the real METI capture and pages reconstructed from the public
statements) on loopback, with the two PDFs METI's release on the 2nd JUCIP ministerial attaches
(関連資料: the joint statement and its translation) rendered from the bundled statement texts,
then runs the real command line: `check --dry-run` detects the JUCIP releases, `extract` reads
the commitments of the Japanese one, `compare` shows what changed from the 2nd to the 4th JUCIP
ministerial, document against document; then a real `check` archives the releases (and the
PDFs, into their meeting's event) and `compare` shows the same two meetings compared as
meetings, every document of each.
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
HISTORY = ROOT / "watcher" / "data" / "history"
ATTACHMENTS = {
    "/press/2023/05/20230526001/20230526001-1.pdf": (
        "2023-05-26_jucip-2nd-ministerial_en.txt",
        "Japan-U.S. Commercial and Industrial Partnership",
    ),
    "/press/2023/05/20230526001/20230526001-2.pdf": (
        "2023-05-27_jucip-2nd-ministerial_ja.txt",
        "日米商務・産業パートナーシップ（JUCIP）",
    ),
}


def serve_attachments(meti: object) -> None:
    """The PDFs the recorded METI release links, made as the test suite makes PDFs."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pdf_render import render

    from replay import Route

    for path, (name, header) in ATTACHMENTS.items():
        paragraphs: list[str] = []
        for block in (HISTORY / name).read_text(encoding="utf-8").split("\n\n"):
            for i, line in enumerate(block.strip().splitlines()):
                if line.lstrip().startswith("- "):  # a list item, set as a bullet line
                    paragraphs.append("・" + line.lstrip()[2:])
                elif i == 0:
                    paragraphs.append(line.strip())
                else:
                    paragraphs[-1] += " " + line.strip()
        pdf = render(paragraphs, header=header)
        meti.add(path, Route(body=pdf, content_type="application/pdf"))  # type: ignore[attr-defined]


def step(title: str, *args: str) -> int:
    print(f"\n\033[1m$ jucip-watch {' '.join(args)}\033[0m   # {title}", flush=True)
    return subprocess.call([sys.executable, "-m", "watcher", *args], cwd=ROOT)


def main() -> int:
    servers = serve_sites(SITES)
    serve_attachments(servers["meti"])
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
                "the 4th JUCIP ministerial (2024) against the 2nd (2023), document to document",
                "compare",
                str(next(SEEDS.glob("000_*.txt"))),
                str(next(SEEDS.glob("002_*.txt"))),
            )
            step("archive what the sources list (a silent baseline)", "--config", str(config),
                 "check")  # fmt: skip
            step("the latest meeting against the one before it, meeting to meeting",
                 "--config", str(config), "compare")  # fmt: skip
            # check exits 3 if a source failed; the demo passes that on.
            return code
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
