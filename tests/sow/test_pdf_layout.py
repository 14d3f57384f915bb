"""Contract layout: the contents' page numbers, and one layout stamped for draft and final."""

import re

import pypdfium2 as pdfium
import pytest
import weasyprint
from PIL import ImageChops

from engagement import services as engagement_services
from engagement.models import ApprovalRequest
from sow import rendering
from sow.models import RenderJob
from sow.services import pdf as pdf_services
from sow.services import sow_version_submit
from tests.sow.pdf_helpers import frozen_version, pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("weasyprint_available")]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def version(engagement, people):
    return frozen_version(engagement, people, schedules=("ladder", "kpis"))


@pytest.fixture
def layouts(monkeypatch):
    """Every WeasyPrint layout, by its page count."""
    pages = []
    original = weasyprint.HTML.render

    def render(html, *args, **kwargs):
        document = original(html, *args, **kwargs)
        pages.append(len(document.pages))
        return document

    monkeypatch.setattr(weasyprint.HTML, "render", render)
    return pages


def approve(version, people):
    sow_version_submit(actor=people["procurement"], version=version)
    request = ApprovalRequest.objects.get(kind="sow_version")
    for who in ("leader", "vendor"):
        engagement_services.approval_decide(actor=people[who], request=request,
                                            decision="approve")
    version.refresh_from_db()


def run(job):
    assert pdf_services.render_job_execute(job.pk) == "succeeded"
    job.refresh_from_db()
    with job.pdf.open("rb") as handle:
        return handle.read()


def images(pdf):
    document = pdfium.PdfDocument(pdf)
    try:
        return [document[i].render(scale=0.75).to_pil().convert("RGB")
                for i in range(len(document))]
    finally:
        document.close()


def test_contents_gives_the_page_of_every_clause_signatures_and_record(version, people):
    # The draft lays the version out (the contents numbered by WeasyPrint); the final reuses
    # that layout with contents numbered from its anchors.
    job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    assert_contents_match(pdf_text(run(job)), version)
    approve(version, people)
    assert_contents_match(pdf_text(run(RenderJob.objects.get(
        sow_version=version, variant="final"))), version)


def assert_contents_match(pages, version):
    contents = pages[1]
    entries = [(title, number) for title, number in re.findall(
        r"^(.+?) (\d+)$", contents.split("Contents", 1)[1], flags=re.M)
        if not title.endswith(" of")]  # the footer's "Page 2 of N"
    headings = [h["heading"] for h in version.source["sections"]]
    assert len(entries) == len(headings) + 2
    for (title, number), heading in zip(entries, [*headings, "Signatures", "Record of approval"],
                                        strict=True):
        assert title.endswith(heading)
        # The heading's page: the first page after the contents with the heading on a line.
        found = next(i + 1 for i, text in enumerate(pages) if i > 1
                     and re.search(rf"^{re.escape(title)}$", text, flags=re.M))
        assert int(number) == found, f"{title}: contents say {number}, heading on {found}"


@pytest.mark.parametrize("first", [True, False], ids=["first-variant", "from-stored-layout"])
@pytest.mark.parametrize("draft", [True, False])
def test_stamped_variant_looks_and_extracts_like_the_variant_laid_out_with_its_marks(
        version, people, draft, first):
    if not draft:
        approve(version, people)
    approvals = pdf_services._approvals(version)
    laid_out, pages, _refused = rendering.render_pdf(
        rendering.print_html(version, approvals, draft=draft))
    store = rendering.LayoutStore()
    if not first:
        # The other variant lays the version out and leaves its layout in the store; this one
        # only lays out its cover, contents and record, and stamps.
        _pdf, _pages, _refused, laid = rendering.contract_pdf(
            version, [] if draft else approvals, draft=not draft, layouts=store)
        assert laid and len(store.items) == 1
    stamped, stamped_pages, _refused, laid = rendering.contract_pdf(
        version, approvals, draft=draft, layouts=store)
    assert laid == first
    assert stamped_pages == pages
    # The watermark is text and counts as such: it extracts first on every draft page, in the
    # stamped PDF as in the laid-out one; the status line stays on its page number's line.
    assert pdf_text(stamped) == pdf_text(laid_out)
    text = pdf_text(stamped)
    status = "DRAFT — not approved" if draft else "Approved"
    assert all(page.endswith(f"{status} Page {n} of {pages}") for n, page in enumerate(text, 1))
    assert all(page.startswith("DRAFT\n") == draft for page in text)
    for n, (a, b) in enumerate(zip(images(stamped), images(laid_out), strict=True), 1):
        assert ImageChops.difference(a, b).getbbox() is None, f"page {n} differs"


def test_draft_and_final_of_one_version_cost_one_layout(version, people, layouts):
    draft_job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    draft = pdf_text(run(draft_job))
    approve(version, people)
    final_job = RenderJob.objects.get(sow_version=version, variant="final")
    final = pdf_text(run(final_job))
    # Besides the one layout of the whole contract, each variant lays out only its cover,
    # contents and record of approval (and, once per process, its one-page stamps).
    assert [n for n in layouts if n == len(draft)] == [len(draft)] and len(final) == len(draft)
    assert all(n <= 3 for n in layouts if n != len(draft))
    assert all("DRAFT" in page for page in draft) and not any("DRAFT" in p for p in final)
    assert people["vendor"].get_full_name() in final[-1]
    assert "No approvals have been recorded" in draft[-1]
    assert final_job.page_count == draft_job.page_count == len(final)


def test_a_stored_layout_that_no_longer_matches_its_hash_is_laid_out_again(
        version, people, layouts, media):
    draft_job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    run(draft_job)
    (stored,) = media.rglob("*.layout")
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0xFF
    stored.write_bytes(bytes(data))
    approve(version, people)
    final = pdf_text(run(RenderJob.objects.get(sow_version=version, variant="final")))
    assert [n for n in layouts if n == len(final)] == [len(final), len(final)]
    assert people["leader"].get_full_name() in final[-1]


def test_the_final_variant_leaves_no_stored_layout_behind(version, people, media):
    draft_job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    run(draft_job)
    assert len(list(media.rglob("*.layout"))) == 1
    approve(version, people)
    final = pdf_text(run(RenderJob.objects.get(sow_version=version, variant="final")))
    assert people["vendor"].get_full_name() in final[-1]
    assert not list(media.rglob("*.layout")) and not list(media.rglob("*.json"))
    assert len(list(media.rglob("*.pdf"))) == 2  # the PDFs themselves stay
