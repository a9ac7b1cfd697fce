"""The pure analysis core: a release's text in, a statement, a comparison and a summary out.

clean -> segment -> commitments (+ taxonomy) -> meeting, assembled by extract; compare pairs a
statement with its predecessor (and EN with JA); summary is what notifiers render; history is the
bundled archive of past statements. Data (cues, actors, strength verbs, history) lives in
watcher/data/.
"""

# Nothing is imported here on purpose: `check` polls that find nothing new never load the
# analysis, and each caller imports the one module it needs.
