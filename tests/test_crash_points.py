"""A pass killed at any request or any instant loses nothing and repeats nothing: the other
half of the crash test (see tests/test_crash.py, which kills after commits). 8 kills as the
pass's n-th request arrives at the replay servers (n spread over its requests: mid-fetch, and
whatever the machine's speed), 7 at instants spread over the time an uninterrupted pass takes,
from process start to exit (start-up, migrations and the bundled history, judging between
requests). A module of its own so the two halves run in parallel.
"""

from __future__ import annotations

from pathlib import Path

from crash_harness import (
    Kill,
    kill_at,
    kill_at_request,
    reference,
    rerun_differs,
    spread,
    write_config,
)

from replay import ReplayServer

AT_REQUESTS, AT_INSTANTS = 8, 7


def test_a_pass_killed_at_any_request_or_instant_archives_every_release_exactly_once(
    tmp_path: Path, sites: dict[str, ReplayServer]
) -> None:
    ref = reference(tmp_path, sites)
    kills: list[Kill] = []
    for n, fraction in enumerate(spread(AT_REQUESTS)):
        config = write_config(tmp_path / f"request-{n}", sites)
        nth = max(1, round(fraction * ref.requests))
        kill, _ = kill_at_request(config, sites, nth)
        assert kill is not None, f"the pass made fewer than {nth} requests"
        differs = rerun_differs(config, ref.archive)
        assert differs is None, f"killed at request {nth} of {ref.requests} ({kill}): {differs}"
        kills.append(kill)

    duration = ref.duration
    targets = spread(AT_INSTANTS)
    timed: list[Kill] = []
    for n in range(3 * AT_INSTANTS):
        if len(timed) == AT_INSTANTS:
            break
        delay = targets[len(timed)] * duration
        config = write_config(tmp_path / f"instant-{n}", sites)
        kill = kill_at(config, delay)
        differs = rerun_differs(config, ref.archive)
        assert differs is None, f"killed at {delay:.3f} s of {duration:.3f} s ({kill}): {differs}"
        if kill is None:
            duration *= 0.9  # this pass ran faster than the reference: aim earlier
        else:
            timed.append(kill)
    assert len(timed) == AT_INSTANTS, [k.at for k in timed]
    # The first instant lands before anything was recorded: start-up is part of the pass.
    assert (0, 0, 0) in {k.progress for k in timed}
    assert len({k.progress for k in kills + timed}) >= 5
