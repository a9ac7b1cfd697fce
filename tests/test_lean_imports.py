"""watcher/lean_imports.py: the optional packages PTB and bs4 would load for nothing stay out,
and stay importable for those who need them (pdfminer's cryptography). Fresh interpreters."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
from watcher import lean_imports
if sys.argv[1] == "on":
    lean_imports.install()
import telegram, telegram.ext, bs4
from bs4 import BeautifulSoup
text = BeautifulSoup("<p>日米 JUCIP</p>", "lxml").p.get_text()
before = sorted(m for m in ("cryptography", "charset_normalizer") if m in sys.modules)
import pdfminer.pdfdocument  # needs cryptography itself
print(json.dumps({"before": before, "text": text, "after": "cryptography" in sys.modules}))
"""


def probe(mode: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    ).stdout
    return json.loads(out)


def test_ptb_and_bs4_import_without_the_optional_packages_which_stay_importable() -> None:
    lean = probe("on")
    assert lean == {"before": [], "text": "日米 JUCIP", "after": True}


def test_without_the_hook_they_would_be_loaded() -> None:
    # The other side: the rule is not vacuous where these packages are installed.
    assert probe("off")["before"] == ["charset_normalizer", "cryptography"]
