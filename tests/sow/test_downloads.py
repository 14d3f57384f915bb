"""Contract PDF downloads: one query for the job and its file and one INSERT recording who took
it (folded into the audit chain by the sweeper), the same bytes as stored, and in production
the web server (or the store) sends them while Django keeps the permission check."""

import hashlib
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from engagement.audit import audit_verify
from engagement.models import AuditEvent
from engagement.outbox import outbox_sweep
from sow import services as sow_services
from sow.models import ContractDownload, RenderJob, SowVersion

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"
AUTH = ("django_session", "engagement_user")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def job(engagement, people):
    """A frozen version with a finished draft PDF."""
    actor = people["procurement"]
    clause = sow_services.clause_create(actor=actor, key="office-hours", category="enablement",
                                        title="Office hours", body="Weekly office hours.")
    published = sow_services.clause_version_set_status(actor=actor, version=clause.versions.get(),
                                                       status="published")
    sow = sow_services.sow_create(actor=actor, engagement=engagement, title="SOW")
    sow_services.sow_section_add(actor=actor, sow=sow, clause_version=published)
    version = sow_services.sow_freeze(actor=actor, sow=sow, justification="For the test.",
                                      acknowledge_warnings=True)
    job = RenderJob(sow_version=version, variant="draft", status="succeeded", size=len(PDF),
                    sha256=hashlib.sha256(PDF).hexdigest())
    job.pdf.save("contract.pdf", ContentFile(PDF), save=False)
    job.save()
    return job


def page_url(job):
    v = job.sow_version
    return f"/engagements/{v.sow.engagement_id}/sows/{v.sow_id}/versions/{v.number}/pdf/"


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def fetch(get, url):
    with CaptureQueriesContext(connection) as ctx:
        response = get(url)
    own = [q["sql"] for q in ctx.captured_queries if not any(t in q["sql"] for t in AUTH)]
    return response, own


def test_the_page_download_is_two_queries_and_the_stored_bytes(client, people, job):
    client.force_login(people["pm"])
    response, own = fetch(client.get, page_url(job))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="support-reply-llm-fine-tune-sow-v1-draft.pdf"')
    assert "no-store" in response["Cache-Control"]
    # Besides the session and the user every signed-in page reads: the job, and the record of
    # who took it.
    assert len(own) == 2 and "sow_renderjob" in own[0]
    assert '"html"' not in own[0] and '"source"' not in own[0]
    assert own[1].startswith('INSERT INTO "sow_contractdownload"')
    (taken,) = ContractDownload.objects.values("job_id", "user_id", "via", "folded_at")
    assert taken == {"job_id": job.pk, "user_id": people["pm"].pk, "via": "django",
                     "folded_at": None}


def test_the_api_download_is_two_queries_and_the_stored_bytes(people, job):
    response, own = fetch(api_for(people["vendor"]).get,
                          f"/api/v1/sow-versions/{job.sow_version_id}/pdf/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert len(own) == 2 and ContractDownload.objects.get().user == people["vendor"]


def test_the_final_pdf_is_served_once_the_version_is_approved(client, people, job):
    SowVersion.objects.filter(pk=job.sow_version_id).update(status="approved")
    client.force_login(people["pm"])
    assert client.get(page_url(job)).status_code == 302  # only the draft exists: not served
    final = RenderJob.objects.create(sow_version=job.sow_version, variant="final",
                                     status="succeeded", pdf=job.pdf.name, size=len(PDF),
                                     sha256=job.sha256)
    response = client.get(page_url(final))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-sow-v1.pdf"')


def test_outsiders_get_404_and_nothing_is_sent(client, people, job, settings):
    settings.OFFRAMP_SENDFILE_HEADER = "X-Accel-Redirect"
    client.force_login(people["outsider"])
    response = client.get(page_url(job))
    assert response.status_code == 404 and "X-Accel-Redirect" not in response
    api = api_for(people["outsider"]).get(f"/api/v1/sow-versions/{job.sow_version_id}/pdf/")
    assert api.status_code == 404
    assert not ContractDownload.objects.exists()


def test_nginx_sends_the_file_from_its_internal_location(client, people, job, settings):
    settings.OFFRAMP_SENDFILE_HEADER = "X-Accel-Redirect"
    settings.OFFRAMP_SENDFILE_PREFIX = "/protected-media/"
    client.force_login(people["pm"])
    response, own = fetch(client.get, page_url(job))
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{job.pdf.name}"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert "no-store" in response["Cache-Control"]
    assert len(own) == 2 and ContractDownload.objects.get().via == "X-Accel-Redirect"


def test_apache_sends_the_file_from_its_path(people, job, settings, media):
    settings.OFFRAMP_SENDFILE_HEADER = "X-Sendfile"
    response = api_for(people["leader"]).get(f"/api/v1/sow-versions/{job.sow_version_id}/pdf/")
    assert response.status_code == 200
    assert Path(response["X-Sendfile"]) == media / job.pdf.name
    assert Path(response["X-Sendfile"]).read_bytes() == PDF


def test_a_file_of_the_wrong_size_is_not_handed_to_the_web_server(people, job, settings, media):
    settings.OFFRAMP_SENDFILE_HEADER = "X-Accel-Redirect"
    (media / job.pdf.name).write_bytes(PDF + b"tampered")
    response = api_for(people["leader"]).get(f"/api/v1/sow-versions/{job.sow_version_id}/pdf/")
    assert response.status_code == 409 and response.json()["rule"] == "pdf_damaged"
    assert "X-Accel-Redirect" not in response
    job.refresh_from_db()
    assert job.status == "failed" and not ContractDownload.objects.exists()


class SignedStore(FileSystemStorage):
    """A store without local paths whose URLs are signed, as S3-compatible ones are."""

    def path(self, name):
        raise NotImplementedError

    def url(self, name, parameters=None, expire=None):
        disposition = (parameters or {}).get("ResponseContentDisposition", "")
        return f"https://store.example/{name}?expires={expire}&disposition={disposition}"


def test_a_remote_store_answers_with_a_short_lived_signed_url(client, people, job, settings):
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": f"{__name__}.SignedStore"}}
    settings.OFFRAMP_SIGNED_URL_SECONDS = 60
    client.force_login(people["pm"])
    response, own = fetch(client.get, page_url(job))
    assert response.status_code == 302 and len(own) == 2
    assert ContractDownload.objects.get().via == "signed-url"
    assert response["Location"].startswith(f"https://store.example/{job.pdf.name}?expires=60")
    assert "support-reply-llm-fine-tune-sow-v1-draft.pdf" in response["Location"]


def test_downloads_reach_the_audit_chain_on_the_next_sweep(client, people, job):
    client.force_login(people["pm"])
    assert client.get(page_url(job)).status_code == 200
    response, _own = fetch(api_for(people["vendor"]).get,
                           f"/api/v1/sow-versions/{job.sow_version_id}/pdf/")
    assert response.status_code == 200
    engagement = job.sow_version.sow.engagement
    assert not AuditEvent.objects.filter(engagement=engagement, verb="pdf.downloaded").exists()
    counts = outbox_sweep()
    assert counts["downloads_folded"] == 2
    events = list(AuditEvent.objects.filter(engagement=engagement, verb="pdf.downloaded")
                  .order_by("seq"))
    assert [e.actor_id for e in events] == [people["pm"].pk, people["vendor"].pk]
    assert all(e.object_id == str(job.pk) and e.after["sha256"] == job.sha256
               and e.after["via"] == "django" for e in events)
    assert audit_verify(engagement_id=engagement.pk)["ok"]
    assert not ContractDownload.objects.filter(folded_at__isnull=True).exists()
    assert outbox_sweep()["downloads_folded"] == 0  # each download lands once


def test_a_version_reached_under_another_engagement_is_not_served(client, people, job):
    v = job.sow_version
    client.force_login(people["pm"])
    response = client.get(f"/engagements/{v.sow.engagement_id + 999}/sows/{v.sow_id}/versions/"
                          f"{v.number}/pdf/")
    assert response.status_code == 404 and not ContractDownload.objects.exists()
