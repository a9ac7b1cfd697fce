"""PDF joint statements (issue 8): real PDFs generated here (tests/pdf_render.py: two columns, a
running header and a page number on every page, English and Japanese), read back with the
project's extractor, and analysed like any release; `extract` and `import` take PDF files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cases_corpus import load_cases
from pdf_render import render
from poll_helpers import FIXTURES, NEW_RELEASE, add_new_meti_release, check, meti_only, read_store

from replay import ReplayServer, Route
from watcher.analysis.pages import reflow
from watcher.analysis.summary import EventSummary
from watcher.archive import Analyzer
from watcher.config import settings_from_dict
from watcher.pdf import PdfError, document_from_pdf, pdf_text
from watcher.textnorm import normalise

ROOT = Path(__file__).resolve().parents[1]
PDF_CASES = [c for c in load_cases() if c.format == "pdf"]

# Written for these tests: long enough for two columns on two pages.
EN = [
    f"Paragraph {n}: the Secretary and the Minister decided to strengthen the resilience of "
    f"supply chains for semiconductors and critical minerals, item {n}, and to coordinate "
    "closely on export controls with like-minded partners in the Indo-Pacific."
    for n in range(1, 31)
]
JA = [
    f"第{n}項　両閣僚は、半導体及び重要鉱物のサプライチェーンの強靱化に向けて、"
    "同志国と連携しつつ協力を進めることで一致した。また、輸出管理における緊密な連携を継続する"
    "ことを確認した。"
    for n in range(1, 31)
]


def paragraphs(text: str) -> list[str]:
    return [normalise(p) for p in text.split("\n\n") if p.strip()]


@pytest.mark.parametrize(
    ("source", "header"),
    [(EN, "U.S.-Japan Joint Statement (Test)"), (JA, "日米共同声明（試験用）")],
    ids=["en", "ja"],
)
def test_two_columns_come_back_in_reading_order_without_headers(
    source: list[str], header: str
) -> None:
    raw = pdf_text(render(source, header=header))
    assert raw.count("\f") >= 2  # two pages or more, a form feed after each
    assert raw.count(header) >= 2  # the running header is there to be dropped
    text = reflow(raw)
    assert header not in text and "- 1 -" not in text and "- 2 -" not in text
    # Every paragraph whole, once, in order: left column before right, page 1 before page 2.
    assert paragraphs(text) == [normalise(p) for p in source]


@pytest.mark.parametrize("case", PDF_CASES, ids=[c.id for c in PDF_CASES])
def test_a_pdf_joint_statement_is_analysed_as_its_case_is_labelled(case) -> None:  # type: ignore[no-untyped-def]
    """The corpus' PDF cases rendered to real PDFs (their paragraphs, header and footer) and
    judged from the file: the labels of the case hold."""
    body = paragraphs(reflow(case.text))
    data = render(body, header=case.pdf_header or "", footer=case.pdf_footer or "- {page} -")
    doc = document_from_pdf(data, case.url, posted=case.date)
    assert doc.lang == case.lang and case.pdf_header not in doc.text
    judgement = Analyzer(settings_from_dict({})).judge(doc)
    st = judgement.statement
    assert st is not None
    assert (st.relevance, st.series, st.kind) == (case.relevance, case.series, case.kind)
    assert set(st.topics) == set(case.topics)
    assert st.meeting is not None and st.meeting.date == case.held


def test_paged_text_as_an_extractor_yields_it_is_reflowed() -> None:
    """The corpus' PDF texts are what pdfminer.six yields: wrapped lines, a word hyphenated
    across lines, a paragraph split across columns, Japanese broken mid-word."""
    by_id = {c.id: c for c in PDF_CASES}
    en = reflow(by_id["epcc23-mofa-pdf-en"].text)
    assert "semiconductors, batteries" in en and "semi-" not in en
    assert "The Ministers welcomed progress in building resilient supply chains" in en
    assert "next-generation semiconductors" in en  # a real hyphen stays
    assert "- 1 -" not in en and 'Economic "2+2")\n' not in en
    ja = reflow(by_id["jucip3-meti-pdf-ja"].text)
    assert "ワシントンD.C.において" in ja and "次世代半導体の研究開発協力" in ja
    assert "商務長官" in ja and "- 2 -" not in ja


def write_pdf(tmp_path: Path) -> Path:
    case = next(c for c in PDF_CASES if c.lang == "en")
    path = tmp_path / "statement.pdf"
    path.write_bytes(render(paragraphs(reflow(case.text)), header=case.pdf_header or ""))
    return path


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "watcher", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )


def test_extract_and_import_take_a_pdf_file(tmp_path: Path) -> None:
    path = write_pdf(tmp_path)
    (tmp_path / "config.toml").write_text(
        f'[storage]\ndatabase = "{tmp_path / "db.sqlite3"}"\n', encoding="utf-8"
    )
    extracted = run_cli("extract", str(path), "--json", cwd=tmp_path)
    assert extracted.returncode == 0, extracted.stderr
    data = json.loads(extracted.stdout)
    assert data["kind"] == "joint-statement" and data["relevance"] == "primary"
    assert data["series"] == ["epcc"] and data["commitments"]
    assert data["meeting"]["date"] == "2023-11-14"
    imported = run_cli("import", str(path), "--json", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["event_id"] is not None


def test_a_damaged_pdf_is_one_line_of_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    result = run_cli("extract", str(path), cwd=tmp_path)
    assert result.returncode == 1
    assert "broken.pdf" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with pytest.raises(PdfError):
        pdf_text(b"<html>not a pdf</html>")


ATTACHED_PDF = "/press/2024/04/20240411001-1.pdf"
MISSING_PDF = "/press/2024/04/20240411001-2.pdf"


def test_a_polled_release_brings_its_pdf_joint_statement_into_its_event(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    """METI's release links its joint statement as a PDF (関連資料): fetched through the one
    fetcher, read, judged as a document of the same meeting and archived in its event; a PDF
    that fails to come, and one on another site, are left out."""
    config = meti_only(tmp_path, sites)
    meti = sites["meti"]
    check(config, capsys)  # the baseline
    add_new_meti_release(meti)
    page = (FIXTURES / "new_release_ja.html").read_text(encoding="utf-8")
    related = (
        '<h2 class="line">関連資料</h2><ul class="linkE">'
        f'<li><a href="{ATTACHED_PDF}">共同声明（仮訳）（PDF形式：120KB）</a></li>'
        f'<li><a href="{MISSING_PDF}">参考資料（PDF形式：80KB）</a></li>'
        '<li><a href="https://www.example.org/other.pdf">他サイト</a></li></ul>'
    )
    meti.add(NEW_RELEASE, Route(body=page.replace("<h2", related + "<h2", 1).encode("utf-8")))
    case = next(c for c in PDF_CASES if c.lang == "ja")
    statement = render(paragraphs(reflow(case.text)), header=case.pdf_header or "")
    meti.add(ATTACHED_PDF, Route(body=statement, content_type="application/pdf"))
    code, report = check(config, capsys)
    assert code == 0 and len(report["releases"]) == 1
    assert len(meti.requests_to(ATTACHED_PDF)) == 1 and len(meti.requests_to(MISSING_PDF)) == 1
    with read_store(tmp_path / "db.sqlite3") as store:
        release = store.document_by_url(meti.url(NEW_RELEASE))
        pdf = store.document_by_url(meti.url(ATTACHED_PDF))
        assert release is not None and pdf is not None and release.event_id == pdf.event_id
        assert store.document_by_url(meti.url(MISSING_PDF)) is None
        assert pdf.statement is not None and pdf.statement["kind"] == "joint-statement"
        event = store.event(release.event_id)  # type: ignore[arg-type]
    assert event is not None and event.summary is not None
    summary = EventSummary.from_dict(event.summary)
    assert [v.url for v in summary.versions] == [meti.url(NEW_RELEASE), meti.url(ATTACHED_PDF)]
    # The statement names AI, the release does not: the meeting's topics are both documents'.
    assert "artificial-intelligence" in summary.topics
    assert summary.comparison is not None and summary.comparison.scope == "meeting"


def test_an_attachment_that_cannot_be_read_is_logged_and_the_release_archived(
    tmp_path: Path,
    sites: dict[str, ReplayServer],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The PDF is read in a child process (watcher/child.py); what goes wrong there (here a
    damaged file) comes back as one line, and the release is archived without it."""
    config = meti_only(tmp_path, sites)
    meti = sites["meti"]
    check(config, capsys)  # the baseline
    add_new_meti_release(meti)
    page = (FIXTURES / "new_release_ja.html").read_text(encoding="utf-8")
    related = f'<h2 class="line">関連資料</h2><ul><li><a href="{ATTACHED_PDF}">声明</a></li></ul>'
    meti.add(NEW_RELEASE, Route(body=page.replace("<h2", related + "<h2", 1).encode("utf-8")))
    damaged = b"%PDF-1.7\n" + bytes(range(256)) * 8
    meti.add(ATTACHED_PDF, Route(body=damaged, content_type="application/pdf"))
    code, report = check(config, capsys)
    assert code == 0 and len(report["releases"]) == 1
    assert len(meti.requests_to(ATTACHED_PDF)) == 1
    with read_store(tmp_path / "db.sqlite3") as store:
        assert store.document_by_url(meti.url(NEW_RELEASE)) is not None
        assert store.document_by_url(meti.url(ATTACHED_PDF)) is None
    logged = [r.getMessage() for r in caplog.records if r.name == "watcher.pipeline"]
    assert any(meti.url(ATTACHED_PDF) in m and "unreadable PDF" in m for m in logged), logged


def test_extract_reads_a_pdf_url_and_a_pdf_behind_a_page_address(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    from watcher.cli import main

    config = meti_only(tmp_path, sites)
    meti = sites["meti"]
    case = next(c for c in PDF_CASES if c.lang == "ja")
    data = render(paragraphs(reflow(case.text)), header=case.pdf_header or "")
    meti.add(ATTACHED_PDF, Route(body=data, content_type="application/pdf"))
    meti.add("/press/statement", Route(body=data, content_type="application/pdf"))
    for path in (ATTACHED_PDF, "/press/statement"):
        assert main(["--config", str(config), "extract", meti.url(path), "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert (out["kind"], out["series"], out["lang"]) == ("joint-statement", ["jucip"], "ja")
