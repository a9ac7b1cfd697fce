"""The pure analysis core: a release's text in, a statement, a comparison and a summary out.

clean -> segment -> commitments (+ taxonomy) -> meeting, assembled by extract; compare pairs a
statement with its predecessor (and EN with JA); summary is what notifiers render; history is the
bundled archive of past statements. Data (cues, actors, strength verbs, history) lives in
watcher/data/.
"""

from watcher.analysis.compare import Comparison, align, compare, find_previous, same_event
from watcher.analysis.extract import extract_statement
from watcher.analysis.statement import Commitment, Meeting, Statement
from watcher.analysis.summary import Summary, build_summary
from watcher.analysis.taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "Commitment",
    "Comparison",
    "Meeting",
    "Statement",
    "Summary",
    "Taxonomy",
    "align",
    "build_summary",
    "compare",
    "extract_statement",
    "find_previous",
    "load_taxonomy",
    "same_event",
]
