"""A pass killed at any point loses nothing and repeats nothing (issue 9, point 1).

`check` over every source kind on the recorded sites is SIGKILLed at 30+ points spread over the
whole pass (start-up, listings, release pages, judging, archiving), each time on a fresh
database; then `check` runs again, and the archive must be exactly that of an uninterrupted pass:
every JUCIP/EPCC release once, nothing left pending, and a further pass finds nothing new.
bench/soak_crash.py runs the same with many more kills.
"""

from __future__ import annotations

import time
from pathlib import Path

from crash_harness import (
    Kill,
    archive_of,
    check_process,
    kill_at,
    kill_at_request,
    progress_of,
    requests_made,
    run_check,
    spread,
    write_config,
)

from replay import ReplayServer, Route

KILLS = 30  # half at the n-th request of the pass, half at instants of it


def test_a_pass_killed_anywhere_archives_every_release_exactly_once(
    tmp_path: Path, sites: dict[str, ReplayServer]
) -> None:
    runs = []
    for name in ("reference", "reference-2"):
        config = write_config(tmp_path / name, sites)
        before = requests_made(sites)
        code, report, took = run_check(config)
        assert code == 0, report
        runs.append((took, requests_made(sites) - before, archive_of(config.parent / "db.sqlite3")))
    expected = runs[0][2]
    assert runs[1][2] == expected  # an uninterrupted pass is repeatable
    releases, meetings = expected
    assert any("jucip" in s for _, _, s, _ in releases) and any(len(m) > 1 for m in meetings)
    duration = min(t for t, _, _ in runs)
    requests = min(r for _, r, _ in runs)

    def rerun_and_compare(config: Path, where: str) -> None:
        code, report, _ = run_check(config)
        assert code == 0, (where, report)
        db = config.parent / "db.sqlite3"
        assert archive_of(db) == expected, where
        items, judged, _ = progress_of(db)
        assert items == judged, f"{where}: items left pending"

    kills: list[Kill] = []
    # At the n-th request: spread over the fetching whatever the machine's speed.
    for n, fraction in enumerate(spread(KILLS // 2)):
        config = write_config(tmp_path / f"request-{n}", sites)
        nth = max(1, round(fraction * requests))
        kill, _ = kill_at_request(config, sites, nth)
        rerun_and_compare(config, f"killed at request {nth} of {requests} ({kill})")
        assert kill is not None, f"the pass made fewer than {nth} requests"
        kills.append(kill)
    # At instants: start-up, judging and archiving between requests too.
    targets = spread(KILLS - len(kills))
    for n in range(2 * KILLS):
        timed = [k for k in kills if k.request is None]
        if len(timed) == len(targets):
            break
        delay = targets[len(timed)] * duration
        config = write_config(tmp_path / f"instant-{n}", sites)
        kill = kill_at(config, delay)
        rerun_and_compare(config, f"killed at {delay:.3f} s of {duration:.3f} s ({kill})")
        if kill is None:
            duration *= 0.9  # this pass ran faster than the reference: aim earlier
        else:
            kills.append(kill)
    assert len(kills) == KILLS, [k.at for k in kills]
    # Spread over the pass: before the first listing was saved, and at many stages after.
    stages = {k.progress for k in kills}
    assert (0, 0, 0) in stages and len(stages) >= 5, sorted(stages)


def test_a_crash_after_the_api_listing_keeps_the_body_it_delivered(
    tmp_path: Path, sites: dict[str, ReplayServer]
) -> None:
    """The kill the issue found: after the commerce-api listing (and its ETag) was saved, before
    the JUCIP release it carried was archived. The next poll is answered 304, and the release's
    canonical page is not reachable (it sits behind a bot wall on the live site)."""
    api = sites["commerce-api"]
    listing = (api.root / "api/news.json").read_text(encoding="utf-8")  # type: ignore[operator]
    # A first item without a body: its page is fetched first, slowly, and the kill lands there.
    slow = api.url("/news/slow-release")
    listing = listing.replace('"data": [', f'"data": [{{"href": "{slow}", "label": "Slow"}},', 1)
    api.add(
        "/api/news.json",
        Route(body=listing.encode(), content_type="application/json", etag='"api-1"'),
    )
    page = sites["commerce"].root / (  # type: ignore[operator]
        "news/press-releases/2023/11/commerce-department-launches-semiconductor-workforce-program"
        "/index.html"
    )
    slow_page = Route.file(page)
    slow_page.delay = 30
    api.add("/news/slow-release", slow_page)
    config = write_config(tmp_path / "db", sites, only=("commerce-api",))
    proc = check_process(config)
    deadline = time.monotonic() + 30
    while not api.requests_to("/news/slow-release") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert api.requests_to("/news/slow-release"), "the slow page was never requested"
    proc.kill()
    proc.wait()

    api.add("/news/slow-release", Route.file(page))
    code, report, _ = run_check(config)
    assert report["sources"][0]["status"] == "not_modified"  # type: ignore[index]
    releases, _ = archive_of(config.parent / "db.sqlite3")
    readout = [u for u, *_ in releases if "2024/01/readout-secretary-raimondos-meeting" in u]
    assert readout, sorted(releases)
    assert code == 0
