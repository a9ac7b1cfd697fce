"""Data files read by the code beside it (series aliases, topic cues, bundled history)."""
