"""Run one function in a short-lived child process and get its result back.

The daemon does some heavy work now and then whose memory it never needs again: reading a PDF
attachment (pdfminer.six's layout analysis), regenerating the tracker and the feed (Jinja2, the
tracker model). In a thread, the daemon would keep the imported libraries and the freed but
fragmented heap for ever; in a child the memory goes back to the system when the child exits,
and a hostile PDF can cost the child, never the daemon (a memory cap and a deadline).

`await run_in_child(function, *args, **kwargs)` starts `python -m watcher.child` in its own
session (a Ctrl-C or SIGTERM aimed at the daemon's process group reaches the daemon, which ends
the child itself), sends it the function's module and name and the pickled arguments on stdin,
and returns what the function returned, pickled back on stdout. An exception the function
raises is raised again here, with its own type; a child that dies, runs out of its memory cap
or its time is `ChildFailed`, one line, for the caller to report as a failed attempt. What the
child logs comes back through this process's log (redacted like every record). Cancelling the
call kills the child.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger("watcher.child")

T = TypeVar("T")

# Defaults for a call: a PDF of the fetch size cap reads in seconds and well under 1 GiB.
TIMEOUT = 300.0
MEMORY_CAP = 1 << 30  # bytes of address space (RLIMIT_AS)
# Where `watcher` lives, so the child imports the very code this process runs.
_CODE_ROOT = str(Path(__file__).resolve().parent.parent)


class ChildFailed(RuntimeError):
    """The child ended without a result: killed, out of memory or time (one-line message)."""


async def run_in_child(
    function: Callable[..., T],
    *args: Any,
    timeout: float = TIMEOUT,
    memory_cap: int = MEMORY_CAP,
    **kwargs: Any,
) -> T:
    """`function(*args, **kwargs)` run in a fresh interpreter; its result, or its exception."""
    what = f"{function.__module__}.{function.__qualname__}"
    payload = pickle.dumps((function.__module__, function.__qualname__, args, kwargs, memory_cap))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_CODE_ROOT, env.get("PYTHONPATH")]))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "watcher.child",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(payload), timeout)
    except TimeoutError:
        raise ChildFailed(f"{what}: did not finish in {timeout:g} s; stopped") from None
    finally:
        if proc.returncode is None:  # timed out, or this call was cancelled
            proc.kill()
            await proc.wait()
    lines = err.decode("utf-8", "replace").splitlines()
    for line in filter(str.strip, lines):
        log.warning("%s: %s", what, line)
    answer = _answer(out) if proc.returncode == 0 else None
    if answer is None:
        raise ChildFailed(f"{what}: {_ending(proc.returncode)}{_last(lines)}")
    ok, value = answer
    if ok:
        return value  # type: ignore[no-any-return]
    if isinstance(value, MemoryError):
        raise ChildFailed(f"{what}: ran out of memory (cap {memory_cap >> 20} MiB)")
    raise value


def _answer(out: bytes) -> tuple[bool, Any] | None:
    try:
        return pickle.loads(out)  # type: ignore[no-any-return]
    except Exception:  # nothing, or cut short: the child died while writing it
        return None


def _ending(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"the child process was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"the child process was killed by signal {-code}"
    return f"the child process exited with status {code} and no result"


def _last(lines: list[str]) -> str:
    said = [x for x in lines if x.strip()]
    return f": {said[-1].strip()}" if said else ""


# -- the child's side -------------------------------------------------------------------------
def _resolve(module: str, qualname: str) -> Callable[..., Any]:
    import importlib

    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target  # type: ignore[no-any-return]


def main() -> int:
    import resource

    from watcher import lean_imports

    lean_imports.install()  # as the CLI does: the same imports as in the parent
    # The result goes back on the real stdout; anything printed goes to stderr instead.
    result = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    module, qualname, args, kwargs, memory_cap = pickle.loads(sys.stdin.buffer.read())
    resource.setrlimit(resource.RLIMIT_AS, (memory_cap, memory_cap))
    try:
        answer: tuple[bool, Any] = (True, _resolve(module, qualname)(*args, **kwargs))
    except Exception as exc:  # the caller gets it, with its own type
        answer = (False, exc)
    try:
        data = pickle.dumps(answer)
    except Exception as exc:  # what does not pickle comes back as one line
        sent = answer[1] if not answer[0] else exc
        data = pickle.dumps((False, ChildFailed(f"{type(sent).__name__}: {sent}")))
    result.write(data)
    result.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
