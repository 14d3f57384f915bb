"""Contract PDFs: content, safety, idempotency, downloads and the API."""

import re
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

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
    return frozen_version(engagement, people)


def rendered(job):
    job.refresh_from_db()
    return job.pdf.open("rb").read()


def test_draft_pdf_has_parties_numbers_schedules_pages_record_and_watermark(version, people):
    job, created = pdf_services.render_request(actor=people["leader"], version=version)
    assert created and pdf_services.render_job_execute(job.pk) == "succeeded"
    job.refresh_from_db()
    pages = pdf_text(rendered(job))
    text = "\n".join(pages)
    assert job.page_count == len(pages) >= 8
    assert "Northwind Retail" in pages[0] and "Acme ML Partners" in pages[0]
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert "Contents" in pages[1] and re.search(r"1\. Deliverables by milestone\s*\.*\s*\d", text)
    assert re.search(r"\b3\.1\b", text), "sub-clauses are numbered"
    assert "Milestone ladder" in text and "Rehearsal retrain" in text and "RACI by phase" in text
    assert "Record of approval" in pages[-1] and version.sha256 in pages[-1].replace("\n", "")
    assert f"Version {version.number}" in pages[3] and version.sha256[:12] in pages[3]
    assert all("DRAFT" in p for p in pages)
    assert job.sha256 == rendering.sha256(rendered(job)) and job.thumbnail


def test_approved_pdf_has_no_watermark_and_lists_the_two_keys(version, people):
    sow_version_submit(actor=people["procurement"], version=version)
    request = ApprovalRequest.objects.get(kind="sow_version")
    engagement_services.approval_decide(actor=people["leader"], request=request,
                                        decision="approve")
    engagement_services.approval_decide(actor=people["vendor"], request=request,
                                        decision="approve")
    job = RenderJob.objects.get(sow_version=version, variant="final")  # started by itself
    pdf_services.render_job_execute(job.pk)
    pages = pdf_text(rendered(job))
    assert not any("DRAFT" in p for p in pages)
    record = pages[-1]
    assert people["leader"].get_full_name() in record and people["vendor"].get_full_name() in record
    assert "Internal (client)" in record and "Vendor" in record


def test_repeated_and_finished_requests_share_one_job_and_one_file(version, people, media):
    first, created = pdf_services.render_request(actor=people["leader"], version=version)
    again, created_again = pdf_services.render_request(actor=people["pm"], version=version)
    assert created and not created_again and again.pk == first.pk
    pdf_services.render_job_execute(first.pk)
    assert pdf_services.render_job_execute(first.pk) == "already-finished"
    later, _ = pdf_services.render_request(actor=people["leader"], version=version)
    assert later.pk == first.pk and RenderJob.objects.count() == 1
    assert len(list(media.rglob("*.pdf"))) == 1


def test_a_redelivered_running_job_finishes_once(version, people, media):
    job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    RenderJob.objects.filter(pk=job.pk).update(status="running", attempts=1)  # worker died
    assert pdf_services.render_job_execute(job.pk) == "succeeded"
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 2)
    assert len(list(media.rglob("*.pdf"))) == 1


def test_runaway_document_fails_fast_with_a_reason(version, people, monkeypatch):
    monkeypatch.setattr(rendering, "MAX_TABLE_ROWS", 3)
    job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    assert pdf_services.render_job_execute(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and "table rows; the limit is 3" in job.reason
    retry, created = pdf_services.render_request(actor=people["leader"], version=version)
    assert created and retry.pk != job.pk


def test_download_has_readable_name_type_and_private_caching(client, version, people):
    job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    pdf_services.render_job_execute(job.pk)
    client.force_login(people["leader"])
    url = f"/engagements/{version.sow.engagement_id}/sows/{version.sow_id}/versions/1/pdf/"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="support-reply-llm-fine-tune-sow-v1-draft.pdf"')
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert rendering.sha256(b"".join(response.streaming_content)) == RenderJob.objects.get().sha256
    client.force_login(people["outsider"])
    assert client.get(url).status_code == 404
    assert client.get(url.replace("pdf/", "pdf/thumbnail.png")).status_code == 404


def test_version_page_shows_the_pdf_panel_and_contracts_lists_approved(client, version, people):
    client.force_login(people["leader"])
    base = f"/engagements/{version.sow.engagement_id}/sows/{version.sow_id}/versions/1/"
    assert "Generate PDF" in client.get(base).content.decode()
    panel = client.post(base + "pdf/generate/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in panel and "Rendering" in panel or "Queued" in panel
    pdf_services.render_job_execute(RenderJob.objects.get().pk)
    panel = client.get(base + "pdf/status/").content.decode()
    assert "Download PDF" in panel and RenderJob.objects.get().sha256 in panel
    assert "No approved contract yet" in client.get("/contracts/").content.decode()


def test_api_render_status_and_pdf(version, people):
    api = APIClient()
    api.force_authenticate(people["leader"])
    not_ready = api.get(f"/api/v1/sow-versions/{version.pk}/pdf/")
    assert not_ready.status_code == 409 and not_ready.json()["rule"] == "pdf_not_ready"
    started = api.post(f"/api/v1/sow-versions/{version.pk}/render/")
    assert started.status_code == 202
    job_id = started.json()["id"]
    pdf_services.render_job_execute(job_id)
    assert api.get(f"/api/v1/render-jobs/{job_id}/").json()["status"] == "succeeded"
    done = api.post(f"/api/v1/sow-versions/{version.pk}/render/")
    assert done.status_code == 200 and done.json()["id"] == job_id
    pdf = api.get(f"/api/v1/sow-versions/{version.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    outsider = APIClient()
    outsider.force_authenticate(people["outsider"])
    assert outsider.get(f"/api/v1/render-jobs/{job_id}/").status_code == 404
    assert outsider.post(f"/api/v1/sow-versions/{version.pk}/render/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_create_one_job(engagement, people):
    if connection.vendor != "postgresql":
        from tests.conftest import missing_service

        missing_service("PostgreSQL", "concurrent transactions need DATABASE_URL=postgres://…")
    version = frozen_version(engagement, people, schedules=())
    barrier = threading.Barrier(4)
    results = []

    def ask():
        try:
            barrier.wait(timeout=10)
            results.append(pdf_services.render_request(actor=people["leader"],
                                                       version=version)[0].pk)
        finally:
            connection.close()

    from unittest import mock

    # Patched once, around all threads: the race under test is the database's, not a worker's.
    with mock.patch("sow.services.pdf._enqueue") as enqueue:
        threads = [threading.Thread(target=ask) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert enqueue.call_count == 1
    assert len(results) == 4 and len(set(results)) == 1
    assert RenderJob.objects.filter(sow_version=version).count() == 1


def test_unexpected_renderer_error_fails_the_job_with_a_reason(version, people, monkeypatch):
    def boom(html):
        raise RuntimeError("pango exploded")

    monkeypatch.setattr(rendering, "render_pdf", boom)
    job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    assert pdf_services.render_job_execute(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and "RuntimeError" in job.reason
    again, created = pdf_services.render_request(actor=people["leader"], version=version)
    assert created and again.pk != job.pk


def test_a_job_abandoned_long_ago_is_replaced(version, people):
    import datetime as dt

    from django.utils import timezone

    job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    RenderJob.objects.filter(pk=job.pk).update(
        status="running", started_at=timezone.now() - dt.timedelta(hours=1))
    fresh, created = pdf_services.render_request(actor=people["leader"], version=version)
    job.refresh_from_db()
    assert created and job.status == "failed" and "abandoned" in job.reason


def test_cover_shows_the_parties_as_frozen_not_as_renamed_later(version, people):
    from engagement import services as engagement_services

    engagement_services.engagement_update(actor=people["pm"], engagement=version.sow.engagement,
                                          data={"title": "Renamed after freezing"})
    assert "Northwind Retail and Acme ML Partners" in version.html
    job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    pdf_services.render_job_execute(job.pk)
    cover = pdf_text(rendered(job))[0]
    assert "Support-reply LLM fine-tune" in cover and "Renamed after freezing" not in cover
    assert "120,000.00 EUR" in cover
