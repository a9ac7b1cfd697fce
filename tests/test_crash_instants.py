"""A pass killed at any instant loses nothing and repeats nothing: the other half of the crash
test (see tests/test_crash.py). 15 kills at instants spread over the time an uninterrupted pass
takes, from process start to exit: start-up, migrations and the bundled history, and the
judging and archiving between requests. A module of its own so the two halves run in parallel.
"""

from __future__ import annotations

from pathlib import Path

from crash_harness import Kill, kill_at, reference, rerun_differs, spread, write_config

from replay import ReplayServer

KILLS = 15


def test_a_pass_killed_at_any_instant_archives_every_release_exactly_once(
    tmp_path: Path, sites: dict[str, ReplayServer]
) -> None:
    ref = reference(tmp_path, sites)
    duration = ref.duration
    targets = spread(KILLS)
    kills: list[Kill] = []
    for n in range(3 * KILLS):
        if len(kills) == KILLS:
            break
        delay = targets[len(kills)] * duration
        config = write_config(tmp_path / f"instant-{n}", sites)
        kill = kill_at(config, delay)
        differs = rerun_differs(config, ref.archive)
        assert differs is None, f"killed at {delay:.3f} s of {duration:.3f} s ({kill}): {differs}"
        if kill is None:
            duration *= 0.9  # this pass ran faster than the reference: aim earlier
        else:
            kills.append(kill)
    assert len(kills) == KILLS, [k.at for k in kills]
    # The first kills land before anything was recorded: start-up counts as part of the pass.
    assert (0, 0, 0) in {k.progress for k in kills}
