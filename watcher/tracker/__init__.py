"""The tracker (`jucip-watch report`): the whole archive at a glance, as static HTML and Atom.

- `model`: a pure "tracker model" (meetings by series, topics by meeting, the marks) built from
  the archive's events, their `EventSummary` and their documents;
- `read`: those inputs, read from the store through its reader API (the only I/O before output);
- `render`: the HTML pages from Jinja2 templates (templates/, autoescaped);
- `feed`: the Atom feed, one entry per meeting;
- `output`: the files written atomically into the output folder;
- `site`: all of it in one call, `write_tracker(settings, out)` (the command, and the daemon).
"""
