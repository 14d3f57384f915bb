"""Contract PDF downloads for the page and the API: Django decides who may have the file
(one query for the job, its file and its name, scoped by tenancy) and records who took it
(one INSERT, folded into the audit chain by the sweeper); the bytes are sent by whoever
sends files best.

OFFRAMP_SENDFILE_HEADER chooses who sends them:
  ""                 Django streams the file itself, checked against its recorded SHA-256
                     (development, embedded, tests);
  "X-Accel-Redirect" nginx sends it from an internal location at OFFRAMP_SENDFILE_PREFIX;
  "X-Sendfile"       Apache (mod_xsendfile) or lighttpd send it from its path on disk.
With a storage that has no local path (S3-compatible), the answer is a redirect to a signed
URL valid for OFFRAMP_SIGNED_URL_SECONDS, whatever the header setting.

When the web server sends the file Django does not read it, so it does not hash it on every
download: it checks that the file is there and has the recorded size (a stat), and a
missing or resized file falls back to the checked path (which marks it damaged). Altered
bytes of the right size are found by the nightly integrity check (`integrity_problems`).
"""

import io
from dataclasses import dataclass
from urllib.parse import quote

import structlog
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils import timezone

from common.errors import RuleViolation

from .models import ContractDownload, RenderJob, SowVersion
from .rendering import sha256
from .services import pdf as pdf_services

logger = structlog.get_logger("offramp.pdf")
FINAL = [SowVersion.Status.APPROVED, SowVersion.Status.SIGNED]
HEADERS = ("", "X-Accel-Redirect", "X-Sendfile")
RECORD_SQL = (f'INSERT INTO "{ContractDownload._meta.db_table}" '
              '("job_id", "engagement_id", "user_id", "at", "via") VALUES (%s, %s, %s, %s, %s)')


@dataclass(frozen=True)
class Download:
    """A finished PDF as a download needs it: its file, fingerprint and name."""

    job_id: int
    file: str
    sha256: str
    size: int | None
    variant: str
    number: int
    sow_id: int
    engagement_id: int
    engagement_title: str

    @property
    def name(self):
        return RenderJob.file_name(engagement_title=self.engagement_title, number=self.number,
                                   variant=self.variant)


FIELDS = {"job_id": "pk", "file": "pdf", "sha256": "sha256", "size": "size",
          "variant": "variant", "number": "sow_version__number", "sow_id": "sow_version__sow_id",
          "engagement_id": "sow_version__sow__engagement_id",
          "engagement_title": "sow_version__sow__engagement__title"}


def ready_job(*, user, **version):
    """The finished PDF of a visible version's current variant as a Download, or None.

    `version` filters the version: pk=…, or engagement_pk=…, sow_pk=…, number=…. One query
    of plain values; the version's HTML and source (tens of KB) are never loaded."""
    names = {"pk": "sow_version_id", "sow_pk": "sow_version__sow_id",
             "number": "sow_version__number"}
    engagement = version.pop("engagement_pk", None)
    # At most two finished jobs per version (draft and final); the version's status and the
    # engagement in the URL are checked here on the values read rather than in SQL, where
    # each more condition costs more to build than to run.
    rows = (RenderJob.objects.visible_to(user)
            .filter(status=RenderJob.Status.SUCCEEDED, **{names[k]: v for k, v in version.items()})
            .values_list(*FIELDS.values(), "sow_version__status")[:2])
    for *values, status in rows:
        download = Download(*values)
        if engagement is not None and download.engagement_id != engagement:
            return None
        if download.variant == (RenderJob.Variant.FINAL if status in FINAL
                                else RenderJob.Variant.DRAFT):
            return download
    return None


def from_job(job):
    """A Download of a job already loaded (the rare path where it finished just now)."""
    version = job.sow_version
    return Download(job.pk, job.pdf.name, job.sha256, job.size, job.variant, version.number,
                    version.sow_id, version.sow.engagement_id, version.sow.engagement.title)


def _headers(response, job, *, attachment=True):
    disposition = "attachment" if attachment else "inline"
    name = job.name
    response["Content-Disposition"] = (f'{disposition}; filename="{name}"' if name.isascii()
                                       else f"{disposition}; filename*=utf-8''{quote(name)}")
    # Private documents: never kept by shared caches.
    response["Cache-Control"] = "private, no-store, max-age=0"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _local_path(name):
    try:
        return default_storage.path(name)
    except NotImplementedError:  # S3-compatible and other remote stores
        return None


def _signed_url(job):
    """A short-lived URL of the file in a remote store that downloads under its own name."""
    params = {"ResponseContentDisposition": f'attachment; filename="{job.name}"',
              "ResponseContentType": "application/pdf"}
    try:
        return default_storage.url(job.file, parameters=params,
                                   expire=settings.OFFRAMP_SIGNED_URL_SECONDS)
    except TypeError:  # a store whose url() takes only the name
        return default_storage.url(job.file)


def offloaded(job, *, user):
    """The response that has the web server (or the store) send the job's PDF, or None when
    Django must send it itself (no header configured, or the file does not look right)."""
    header = settings.OFFRAMP_SENDFILE_HEADER
    path = _local_path(job.file)
    if path is None:
        _record(job, user=user, via="signed-url")
        return HttpResponseRedirect(_signed_url(job))
    if not header:
        return None
    try:
        size = default_storage.size(job.file)
    except OSError:
        return None
    if job.size is not None and size != job.size:
        return None
    response = HttpResponse(content_type="application/pdf")
    if header == "X-Accel-Redirect":
        response[header] = quote(settings.OFFRAMP_SENDFILE_PREFIX.rstrip("/") + "/" + job.file)
    else:
        response[header] = path
    _record(job, user=user, via=header)
    return _headers(response, job)


def streamed(job, *, user):
    """The job's PDF sent by Django, its bytes checked against the SHA-256 recorded when it
    was rendered. A mismatch serves nothing: the job is marked damaged (as the services'
    `verified_pdf` does) and the rule is raised."""
    with default_storage.open(job.file, "rb") as handle:
        data = handle.read()
    found = sha256(data)
    if found != job.sha256:
        pdf_services.pdf_mark_damaged(RenderJob.objects.get(pk=job.job_id), found=found)
        raise RuleViolation("The stored PDF no longer matches the SHA-256 recorded when it was "
                            "rendered, so it is not served. Generate it again: the new PDF is "
                            "rendered from the frozen version.", rule="pdf_damaged")
    _record(job, user=user, via="django")
    response = FileResponse(io.BytesIO(data), content_type="application/pdf")
    response.block_size = max(len(data), 4096)  # already in memory: one chunk, not 4 KB ones
    return _headers(response, job)


def response(job, *, user):
    """The download of a ready job: sent by the web server or store when configured, else by
    Django after checking its bytes."""
    return offloaded(job, user=user) or streamed(job, user=user)


def _record(job, *, user, via):
    # Who took which contract: one INSERT here; the sweeper folds it into the engagement's
    # audit chain in a batch (appending here would lock the chain and cost four statements).
    # A plain INSERT: building a model instance and compiling its INSERT cost more than the
    # statement itself, on a path measured against serving the file statically.
    with connection.cursor() as cursor:
        cursor.execute(RECORD_SQL, [job.job_id, job.engagement_id, user.pk, timezone.now(), via])
    logger.info("pdf.downloaded", job_id=job.job_id, user_id=user.pk,
                engagement_id=job.engagement_id, sow_id=job.sow_id, version=job.number,
                variant=job.variant, sha256=job.sha256, via=via)
