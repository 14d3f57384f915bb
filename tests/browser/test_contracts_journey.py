"""Leadership downloads the approved contract; the file's SHA-256 is the one shown."""

import hashlib

import pytest
from playwright.sync_api import expect

from engagement import services as engagement_services
from engagement.models import ApprovalRequest
from sow.models import RenderJob
from sow.services import pdf as pdf_services
from sow.services import sow_version_submit
from tests.sow.pdf_helpers import frozen_version

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("weasyprint_available")]


def test_leader_downloads_the_contract_and_checks_its_hash(page, people, engagement, settings,
                                                          tmp_path):
    version = frozen_version(engagement, people, schedules=("ladder", "kpis"))
    sow_version_submit(actor=people["procurement"], version=version)
    request = ApprovalRequest.objects.get(kind="sow_version")
    engagement_services.approval_decide(actor=people["leader"], request=request,
                                        decision="approve")
    engagement_services.approval_decide(actor=people["vendor"], request=request,
                                        decision="approve")
    job = RenderJob.objects.get(sow_version=version, variant="final")
    pdf_services.render_job_execute(job.pk)  # a worker may race us: one PDF is recorded
    job.refresh_from_db()
    assert job.status == "succeeded"

    page.goto("/login/")
    page.get_by_label("Username").fill("leader")
    page.get_by_label("Password").fill("offramp-test")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Contracts").click()
    row = page.get_by_role("row").filter(has_text="Support-reply LLM fine-tune")
    expect(row).to_contain_text("Approved")
    shown = row.locator("code.pdf-sha").inner_text().strip()
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == "support-reply-llm-fine-tune-sow-v1.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == shown == job.sha256
