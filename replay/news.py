"""News appearing on the recorded sites: a new JUCIP release, then its English version.

What `make demo`, the end-to-end tests and the benchmarks add to the replay at run time, as a
live site would change: METI's 対外経済 listing gains the Japanese release on the 3rd JUCIP
ministerial at its top, and later METI's English listing gains the English page of it. The
release pages themselves are given by the caller (`pages`: the folder holding
new_release_ja.html and new_release_en.html).
"""

from __future__ import annotations

from pathlib import Path

from replay.server import ReplayServer, Route

METI_LISTING = "/press/category_02.html"
METI_EN_LISTING = "/english/press/category_02.html"
NEW_RELEASE = "/press/2024/04/20240411001.html"
NEW_RELEASE_EN = "/english/press/2024/0422_001.html"
NEW_TITLE = (
    "齋藤経済産業大臣がレモンド米国商務長官と第3回日米商務・産業"
    "パートナーシップ（JUCIP）閣僚会合を開催しました"
)
NEW_TITLE_EN = (
    "Minister Saito Holds the Third Japan-U.S. Commercial and Industrial Partnership (JUCIP) "
    "Ministerial Meeting"
)


def _listing(meti: ReplayServer, path: str) -> str:
    assert meti.root is not None
    return (meti.root / path.lstrip("/")).read_text(encoding="utf-8")


def add_new_meti_release(meti: ReplayServer, pages: Path) -> None:
    """The METI category page gains a new JUCIP release at the top, as a live page would."""
    item = (
        '<ul class="clearfix float_li">\n  <li class="clearfix">\n'
        '    <div class="left img_box"><img src="/files/000000082.jpg" alt="対外経済"></div>\n'
        '    <div class="left txt_box"><p>2024年4月11日</p><a class="cut_txt" '
        f'href="{NEW_RELEASE}">{NEW_TITLE}</a></div>\n  </li>'
    )
    listing = _listing(meti, METI_LISTING)
    body = listing.replace('<ul class="clearfix float_li">', item, 1).encode("utf-8")
    meti.add(METI_LISTING, Route(body=body, etag='"new-listing"'))
    meti.add(NEW_RELEASE, Route.file(pages / "new_release_ja.html"))


def add_english_version(meti: ReplayServer, pages: Path) -> None:
    """METI's English listing gains the English page of the release `add_new_meti_release`
    added."""
    item = (
        f'<dl class="date_sp">\n<dt>April 22, 2024</dt>\n<dd><a href="{NEW_RELEASE_EN}">'
        f"{NEW_TITLE_EN}</a></dd>"
    )
    listing = _listing(meti, METI_EN_LISTING)
    meti.add(
        METI_EN_LISTING,
        Route(body=listing.replace('<dl class="date_sp">', item, 1).encode(), etag='"en2"'),
    )
    meti.add(NEW_RELEASE_EN, Route.file(pages / "new_release_en.html"))
