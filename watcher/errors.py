"""What a command tells the shell: the exit codes, and the error a user's mistake raises.

Every command returns one of these codes and raises `UserError` for bad input; `watcher.cli`
turns the error into one line on stderr. A module of its own, so the commands need not import
the command line that imports them.
"""

from __future__ import annotations

EXIT_OK = 0
# A usage, config or input error (one line, no traceback), or a database that cannot be used.
EXIT_USAGE = 1
# `health`: a check failed (the Docker HEALTHCHECK reads any non-zero code as unhealthy).
EXIT_UNHEALTHY = 1
# One or more sources failed or are stale; the rest were still processed.
EXIT_SOURCES_FAILED = 3
# Another instance holds the writer lock.
EXIT_LOCKED = 4
# Interrupted from the keyboard (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


class UserError(Exception):
    """A mistake in what the user asked for: printed as one line, exit 1."""
