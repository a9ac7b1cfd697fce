"""Benchmark PDF text extraction: seconds per page, and whether two columns come back in order.

PDFs are generated here as the test suite makes them (tests/pdf_render.py: reportlab, two
columns drawn row by row across the page, a running header and a page number on every page;
English in Helvetica, Japanese in the CID font HeiseiMin-W3), 8 pages each. Timed: reading the
text with the project's extractor (`watcher.pdf.pdf_text`, pdfminer.six) and the reflow into
paragraphs. When pypdf is installed (it is not a dependency) it is timed on the same files for
comparison, and both are checked for reading order: the share of source paragraphs that come
back whole and in order.

Run: .venv/bin/python bench/bench_pdf.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from _measure import median_seconds  # noqa: E402
from pdf_render import render  # noqa: E402

from watcher.analysis.pages import reflow  # noqa: E402
from watcher.pdf import pdf_text  # noqa: E402
from watcher.textnorm import normalise  # noqa: E402

PAGES = 8
EN = [
    f"Paragraph {n}: the Secretary and the Minister decided to strengthen the resilience of "
    "supply chains for semiconductors and critical minerals, to coordinate closely on export "
    "controls with like-minded partners, and to deepen cooperation on clean energy."
    for n in range(1, 400)
]
JA = [
    f"第{n}項　両閣僚は、半導体及び重要鉱物のサプライチェーンの強靱化に向けて、同志国と連携しつつ"
    "協力を進めることで一致した。また、輸出管理及びクリーンエネルギー分野での連携を確認した。"
    for n in range(1, 400)
]


def pages_of(source: list[str], header: str) -> tuple[bytes, list[str]]:
    """A PDF of exactly PAGES pages and the paragraphs it holds."""
    lo, hi = 1, len(source)
    while lo < hi:  # the most paragraphs that fit on PAGES pages
        mid = (lo + hi + 1) // 2
        if render(source[:mid], header=header).count(b"/Type /Page\n") <= PAGES:
            lo = mid
        else:
            hi = mid - 1
    return render(source[:lo], header=header), source[:lo]


def in_order(text: str, source: list[str]) -> float:
    """The share of source paragraphs found whole, in order, in the extracted text."""
    flat = normalise(text.replace("\n", " "))
    at, found = 0, 0
    for para in source:
        i = flat.find(normalise(para), at)
        if i >= 0:
            found += 1
            at = i
    return found / len(source)


def pypdf_text(data: bytes) -> str:
    import io

    import pypdf

    return "\f".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def main() -> None:
    try:
        import pypdf  # noqa: F401

        readers = [("pdfminer.six", pdf_text), ("pypdf", pypdf_text)]
    except ImportError:
        readers = [("pdfminer.six", pdf_text)]
    print(f"PDF text extraction, {PAGES}-page two-column PDFs (median of 5 runs)")
    for lang, source, header in (("English", EN, "Joint Statement"), ("Japanese", JA, "共同声明")):
        data, paras = pages_of(source, header)
        for name, reader in readers:
            t = median_seconds(lambda r=reader, d=data: reflow(r(d)))
            order = in_order(reflow(reader(data)), paras)
            print(
                f"  {lang:8} {name:12} {t / PAGES * 1000:7.1f} ms per page   "
                f"paragraphs whole and in order: {order:6.1%}"
            )


if __name__ == "__main__":
    main()
