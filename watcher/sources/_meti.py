"""What METI's Japanese and English pages share: release ids, listing templates, page tails."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from watcher.dates import parse_date
from watcher.htmltext import drop_paragraphs, element_text, first_date_line
from watcher.models import ListingItem
from watcher.sources.base import LayoutChanged, clean_title, resolve
from watcher.textnorm import normalise

# /press/{FY}/{MM}/{id}/{id}.html (before mid-2026) and /press/{YYYY}/{MM}/{id}.html (after).
_RELEASE_ID = re.compile(r"/press/\d{4}/\d{2}/(\d{11})(?:/\1)?(?:[-_][^/]*)?\.html?$")
_EN_RELEASE = re.compile(r"/english/press/(\d{4})/(\d{4}_\d{3})\.html?$")

# Paragraphs that start the tail of a release page (attachments, contacts); everything from
# the first of them on is chrome. Compared after NFKC, so ：and : are the same.
TAIL_HEADINGS = (
    "関連資料",
    "関連リンク",
    "添付資料",
    "担当",
    "お問合せ先",
    "お問い合わせ先",
    "問合せ先",
    "問い合わせ先",
    "本件の問合せ先",
    "Division in Charge",
    "Divisions in Charge",
    "Contact",
    "Related Materials",
    "Related Links",
    "Attachments",
)
_TAIL = re.compile(
    r"^(?:" + "|".join(re.escape(h) for h in TAIL_HEADINGS) + r")\s*(?:[:：].*)?$",
    re.IGNORECASE | re.DOTALL,
)
_PHOTO_LINE = re.compile(r"^(photos?|写真)$", re.IGNORECASE)


def release_key(url: str) -> str:
    """METI's 11-digit release id, "en:{FY}/{MMDD}_{NNN}" for English pages, else the path."""
    path = urlsplit(url).path
    if m := _RELEASE_ID.search(path):
        return m.group(1)
    if m := _EN_RELEASE.search(path):
        return f"en:{m.group(1)}/{m.group(2)}"
    return path


def parse_listing(soup: BeautifulSoup, url: str, lang: str) -> list[ListingItem]:
    """Items of a METI listing in the renewed (2026) template or the older `dl` template."""
    items = list(_renewed(soup, url, lang)) or list(_dl_template(soup, url, lang))
    if not items:
        raise LayoutChanged(
            f"{url}: neither 'div.main.w1000 > ul.float_li > li' (a.cut_txt) nor "
            "'dl > dt (date) + dd a' release lists found"
        )
    return items


def _renewed(soup: BeautifulSoup, url: str, lang: str) -> Iterable[ListingItem]:
    for li in soup.select("div.main ul.float_li > li"):
        link = li.select_one("div.txt_box a.cut_txt[href]") or li.select_one("a.cut_txt[href]")
        if link is None:
            continue
        when = li.select_one("div.txt_box > p")
        item_url = resolve(str(link["href"]), url)
        yield ListingItem(
            url=item_url,
            key=release_key(item_url),
            title=clean_title(link.get_text(" ")),
            date=parse_date(element_text(when)) if when is not None else None,
            lang=lang,
        )


def _dl_template(soup: BeautifulSoup, url: str, lang: str) -> Iterable[ListingItem]:
    for dl in soup.find_all("dl"):
        current = None
        for child in dl.find_all(["dt", "dd"], recursive=False):
            if child.name == "dt":
                current = parse_date(child.get_text(" "))
                continue
            if current is None:
                continue  # a definition list that is not a dated release list
            for link in child.select("a[href]"):
                title = clean_title(link.get_text(" "))
                if not title:
                    continue
                item_url = resolve(str(link["href"]), url)
                yield ListingItem(
                    url=item_url,
                    key=release_key(item_url),
                    title=title,
                    date=current,
                    lang=lang,
                )


def title_and_body(soup: BeautifulSoup, url: str) -> tuple[str, Tag]:
    """Title (h1#MainContentsArea) and body (div.main.w1000, older div#__main_contents)."""
    body = soup.select_one("div.main.w1000") or soup.select_one("#__main_contents")
    if body is None:
        body = soup.select_one("div.main")
    h1 = soup.select_one("h1#MainContentsArea") or (body.find("h1") if body else None)
    title = clean_title(h1.get_text(" ")) if h1 is not None else ""
    if not title or body is None:
        raise LayoutChanged(
            f"{url}: no title (h1#MainContentsArea) or body (div.main.w1000/#__main_contents)"
        )
    for node in body.find_all("h1"):
        node.decompose()
    # Photo boxes carry only images and "photo" captions.
    for node in body.find_all(class_=re.compile("photo", re.IGNORECASE)):
        node.decompose()
    return title, body


def clean_release_text(
    text: str, drop_first: Iterable[re.Pattern[str]] = ()
) -> tuple[str, date | None]:
    """Cut the tail (関連資料, 担当, contacts), drop photo captions and the date line.

    Returns (text, date of the first date line or None)."""
    paras = text.split("\n\n")
    for i, para in enumerate(paras):
        if _TAIL.match(normalise(para.split("\n", 1)[0])):
            paras = paras[:i]
            break
    text = "\n\n".join(paras)
    found = first_date_line(text, within=4)
    patterns = list(drop_first)
    text = drop_paragraphs(
        text,
        lambda i, p: (
            (found is not None and i == found[0])
            or bool(_PHOTO_LINE.match(normalise(p)))
            or (i < 5 and any(pat.match(normalise(p)) for pat in patterns))
        ),
    )
    return text, (found[1] if found else None)
