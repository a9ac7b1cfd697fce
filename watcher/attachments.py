"""A release's PDF attachments: which links are, and fetching one politely through the fetcher.

METI attaches a meeting's joint statement to its release as PDFs (関連資料: "共同声明（英文）",
"共同声明（仮訳）"); MOFA publishes statements as PDFs; Commerce and State sometimes link them.
Only links on the release's own site are followed, a few per release, each through the one
fetcher (the host's spacing, the size cap, retries), and only for releases about a watched
series: their attachments are documents of the same meeting.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from watcher.fetch import Fetcher

# A release links a handful of PDFs at most (statement, translation, annex); more is a list page.
MAX_ATTACHMENTS = 5
PDF_MAGIC = b"%PDF-"


def is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip().startswith(PDF_MAGIC)


def looks_like_pdf_url(url: str) -> bool:
    try:
        return urlsplit(url).path.lower().endswith(".pdf")
    except ValueError:
        return False


def same_site_pdfs(links: Iterable[tuple[str, str]], page_url: str) -> dict[str, str]:
    """The (URL, link text) PDF links on the page's own site (registrable domain), first ones
    first, once each, as URL -> text."""
    from watcher.outcomes import parse_url, same_site

    try:
        page = parse_url(page_url)
    except ValueError:
        return {}
    out: dict[str, str] = {}
    for link, text in links:
        if not looks_like_pdf_url(link) or link in out:
            continue
        try:
            target = parse_url(link)
        except ValueError:
            continue
        if same_site(page, target):
            out[link] = text
        if len(out) == MAX_ATTACHMENTS:
            break
    return out


async def fetch_pdf(fetcher: Fetcher, url: str, *, spacing: float) -> bytes | str:
    """The PDF's bytes, or one line saying why not (a failed fetch, not a PDF)."""
    answer = await fetcher.request("GET", url, spacing=spacing, retry=True)
    if not answer.ok:
        return f"{answer.status.value}: {answer.error}"
    if not is_pdf(answer.body):
        return "not a PDF"
    return answer.body
