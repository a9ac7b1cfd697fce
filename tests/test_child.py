"""watcher.child: a function run in a real short-lived child process, its result or its
exception back; a child that dies, runs out of its memory cap or its time is ChildFailed, and
cancelling the call ends the child."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path

import pytest

from watcher.child import ChildFailed, run_in_child
from watcher.errors import UserError
from watcher.models import Document
from watcher.pdf import PdfError, document_from_pdf
from watcher.tracker.output import write_report


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_the_result_comes_back_from_another_process() -> None:
    assert run(run_in_child(os.getpid)) != os.getpid()
    doc = run(run_in_child(Document, url="u", title="t", text="x" * 100_000, lang="en"))
    assert isinstance(doc, Document) and len(doc.text) == 100_000


def test_files_written_by_the_child_are_there(tmp_path: Path) -> None:
    files = {"index.html": "<p>é</p>", "topics/a.html": "a"}
    written = run(run_in_child(write_report, tmp_path, files, last="index.html"))
    assert sorted(written) == sorted([tmp_path / "index.html", tmp_path / "topics" / "a.html"])
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == "<p>é</p>"


def test_an_exception_comes_back_with_its_own_type() -> None:
    with pytest.raises(PdfError, match="not a PDF"):
        run(run_in_child(document_from_pdf, b"<html>no</html>", "https://x.example/a.pdf"))
    with pytest.raises(UserError, match="cannot write the report"):
        run(run_in_child(write_report, Path("/proc/no-such"), {"a": "b"}, last="a"))


def test_a_child_that_dies_is_one_line_naming_how() -> None:
    with pytest.raises(ChildFailed, match=r"posix\.abort: the child process was killed by SIGABRT"):
        run(run_in_child(os.abort))
    with pytest.raises(ChildFailed, match="exited with status 3 and no result"):
        run(run_in_child(os._exit, 3))


def test_memory_past_the_cap_fails_the_child_not_this_process() -> None:
    with pytest.raises(ChildFailed, match=r"ran out of memory \(cap 256 MiB\)"):
        run(run_in_child(bytearray, 512 << 20, memory_cap=256 << 20))


def test_past_its_deadline_the_child_is_stopped() -> None:
    started = time.monotonic()
    with pytest.raises(ChildFailed, match=r"did not finish in 0\.5 s"):
        run(run_in_child(time.sleep, 30, timeout=0.5))
    assert time.monotonic() - started < 20


def test_what_the_child_logs_comes_back_as_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="watcher.child")
    run(run_in_child(print, "said on stdout, not in the result"))
    assert "said on stdout, not in the result" in caplog.text


def _children_of_this_test() -> set[int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and b"watcher.child" in cmdline:
            pids.add(int(entry.name))
    return pids


def test_cancelling_the_call_ends_the_child() -> None:
    async def cancel_midway() -> set[int]:
        task = asyncio.create_task(run_in_child(time.sleep, 30))
        while not _children_of_this_test():
            await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return _children_of_this_test()

    assert run(cancel_midway()) == set()


def test_the_child_is_out_of_reach_of_signals_to_the_process_group() -> None:
    """Ctrl-C reaches the foreground process group: the daemon stops, and ends its child."""

    async def group_of_child() -> tuple[int, int]:
        task = asyncio.create_task(run_in_child(time.sleep, 30))
        while not (pids := _children_of_this_test()):
            await asyncio.sleep(0.05)
        child = pids.pop()
        groups = os.getpgid(child), os.getpgid(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return groups

    child_group, own_group = run(group_of_child())
    assert child_group != own_group
