"""Print extraction quality against the hand annotations (tests/fixtures/annotations/).

Run: .venv/bin/python bench/quality.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from analysis_quality import score_all, totals


def main() -> None:
    scores = score_all()
    print(f"{'case':58} {'commit P/R':>12} {'topic P/R':>12} {'stmt-topic P/R':>15} meeting")
    for s in scores:
        c, t, st = s.commitments, s.commitment_topics, s.statement_topics
        print(
            f"{s.name[:58]:58} {c.precision:5.2f}/{c.recall:4.2f}"
            f" {t.precision:6.2f}/{t.recall:4.2f} {st.precision:8.2f}/{st.recall:4.2f}"
            f"  {'ok' if not s.meeting_errors else 'ERR'}"
        )
        for m in s.missed:
            print(f"    missed:   {m}")
        for m in s.spurious:
            print(f"    spurious: {m[:90]}")
        for m in s.meeting_errors:
            print(f"    meeting:  {m}")
    tot = totals(scores)
    right = sum(s.strength_right for s in scores)
    total = sum(s.strength_total for s in scores)
    print()
    for name, c in tot.items():
        print(
            f"{name:18} precision {c.precision:.3f}  recall {c.recall:.3f}  "
            f"(tp {c.tp}, fp {c.fp}, fn {c.fn})"
        )
    print(f"{'strength':18} accuracy {right / total:.3f} on {total} matched commitments")
    meeting_ok = sum(1 for s in scores if not s.meeting_errors)
    print(f"{'meeting metadata':18} {meeting_ok}/{len(scores)} cases fully right")


if __name__ == "__main__":
    main()
