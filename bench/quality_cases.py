"""Score detection, series, kind, topics and meeting grouping on hand-labelled release cases.

Run: .venv/bin/python bench/quality_cases.py [--cases DIR] [--json]

DIR defaults to tests/fixtures/cases (format: tests/fixtures/cases/README.md). Every case goes
through `Analyzer.judge` (what `check` runs) and every relevant one through `Archive.add` into an
in-memory store (what `import` runs), oldest posting first; nothing is written to disk.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from cases_corpus import CASES, RELEVANCE, CorpusError, load_cases, validate
from cases_quality import (
    PR,
    Grouping,
    TopicScores,
    extract_cli,
    extract_report,
    predict,
    report,
)

from watcher.analysis.taxonomy import load_taxonomy
from watcher.series import load_catalog


def _pr(name: str, s: PR) -> str:
    return (
        f"{name:22} precision {s.precision:.3f}  recall {s.recall:.3f}  f1 {s.f1:.3f}"
        f"  (tp {s.tp}, fp {s.fp}, fn {s.fn})"
    )


def _topics(name: str, t: TopicScores) -> str:
    return f"{_pr(name + ' micro', t.micro)}\n{name + ' macro':22} f1 {t.macro_f1:.3f}"


def _detection(r: dict[str, Any]) -> list[str]:
    counts = ", ".join(f"{n} {k}" for k, n in r["by_relevance"].items())
    lines = [f"cases: {r['cases']} ({counts})", "", "DETECTION"]
    lines += [_pr("relevant (prim+ment)", r["relevant"]), _pr("primary", r["primary"])]
    lines.append(f"{'series':22} {r['series_right']}/{r['series_total']} right on relevant cases")
    lines += [
        "",
        "confusion (rows: label, columns: code)",
        f"{'':10}" + "".join(f"{c:>9}" for c in RELEVANCE),
    ]
    for g in RELEVANCE:
        lines.append(f"{g:10}" + "".join(f"{r['confusion'][g][c]:9}" for c in RELEVANCE))
    lines += [f"  miss  {i}: {gold} -> {got}" for i, gold, got in r["relevance_misses"]]
    lines += [f"  series {i}: {gold} -> {got}" for i, gold, got in r["series_misses"]]
    return lines


def _kind(r: dict[str, Any]) -> list[str]:
    if r["kind_right"] is None:
        return ["", "KIND", f"{'kind':22} n/a (the code reports no document kind)"]
    lines = ["", "KIND", f"{'kind':22} {r['kind_right']}/{r['cases']} right"]
    return lines + [f"  kind  {i}: {gold} -> {got}" for i, gold, got in r["kind_misses"]]


def _grouping(r: dict[str, Any]) -> list[str]:
    g: Grouping = r["grouping"]
    d = g.to_dict()
    lines = [
        "",
        "GROUPING (pairs of primary cases, archived in posting order)",
        f"same meeting:      {d['same_meeting_pairs']:4} pairs, grouped right {d['grouped_right']},"
        f" missed (split) {d['missed_split']}",
        f"different meeting: {d['different_meeting_pairs']:4} pairs,"
        f" kept apart {d['kept_apart_right']}, wrong (merged) {d['wrong_merged']}",
        f"meeting date       {r['held_right']}/{r['held_total']} primary cases dated as held",
        f"place              {r['place_right']}/{r['place_total']} primary cases with a place",
        "",
        f"{'meeting (label)':22} {'held':10} docs  code events (id: docs)  code event dates",
    ]
    for e in r["events"]:
        where = ", ".join(f"{'none' if k is None else k}: {n}" for k, n in e["code_events"])
        dates = ", ".join(d.isoformat() for d in e["code_dates"]) or "-"
        lines.append(
            f"{e['event']:22} {e['held'].isoformat()} {e['documents']:4}  {where:22} {dates}"
        )
    lines += [f"  date  {i}: held {held} -> {got}" for i, held, got in r["held_misses"]]
    lines += [f"  place {i}: {want} -> {got}" for i, want, got in r["place_misses"]]
    lines += [f"  wrong pair: {a} + {b}" for a, b in g.merged]
    strays = r["strays"]
    lines.append(f"not primary, filed in an event: {len(strays)}")
    for i, rel, event_id, meetings in strays:
        joined = f"with {', '.join(meetings)}" if meetings else "no labelled meeting"
        lines.append(f"  {i} ({rel}): event {event_id}, {joined}")
    return lines


def _extract(x: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "EXTRACT (jucip-watch extract FILE --json on each case saved as a text file)",
        f"{'answered (exit 0)':22} {x['answered']}/{x['total']}"
        f" (refused {x['refused_relevant']} labelled relevant, {x['refused_none']} labelled none)",
        f"{'agrees with check':22} {x['agree_with_check']}/{x['answered']} on relevance and series",
    ]
    by_error: dict[str, list[str]] = {}
    for case_id, err in x["refused"]:
        by_error.setdefault(err.replace(f"{case_id}: ", ""), []).append(case_id)
    for err, ids in by_error.items():
        lines.append(f"  refused {len(ids)} with: {err}")
        lines += textwrap.wrap(
            ", ".join(ids),
            96,
            initial_indent="    ",
            subsequent_indent="    ",
            break_on_hyphens=False,
        )
    return lines + [f"  differs {i}: check {a} / extract {b}" for i, a, b in x["disagree"]]


def render(r: dict[str, Any]) -> str:
    lines = _detection(r) + _kind(r)
    lines += [
        "",
        "TOPICS (statement topics; a case judged none counts as naming no topic)",
        _topics("relevant", r["topics_relevant"]),
        _topics("primary", r["topics_primary"]),
    ]
    lines += _grouping(r) + _extract(r["extract"])
    return "\n".join(lines)


def _jsonable(v: Any) -> Any:
    if isinstance(v, PR | Grouping):
        return v.to_dict()
    if isinstance(v, TopicScores):
        return {
            "micro": v.micro.to_dict(),
            "macro_f1": round(v.macro_f1, 3),
            "per_topic": {k: s.to_dict() for k, s in v.per_topic.items()},
        }
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    return v


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, default=CASES, help="folder of case files")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    try:
        cases = load_cases(args.cases)
    except CorpusError as exc:
        print(f"quality_cases: {exc}", file=sys.stderr)
        return 2
    problems = validate(cases, series_ids=load_catalog().ids, topic_ids=load_taxonomy().ids)
    if problems:
        print(f"quality_cases: {problems[0]} ({len(problems)} problem(s))", file=sys.stderr)
        return 2
    predictions = predict(cases)
    result = report(predictions)
    result["extract"] = extract_report(predictions, extract_cli(cases))
    if args.json:
        json.dump(_jsonable(result), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
