"""Contract PDF jobs: request (shared and reused), execute (claimed, idempotent), download."""

import datetime as dt
import json
import logging
import time

import structlog
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from common.errors import RuleViolation
from common.versioning import versioned_update
from engagement.audit import audit_record, audit_record_many
from engagement.models import Approval, ApprovalRequest, Engagement
from engagement.outbox import PUBLISH_ERRORS, hard_limit, max_attempts
from engagement.rules import require
from engagement.services.notifications import engagement_stewards, notify_many

from ..models import ContractDownload, RenderJob, SowVersion
from ..rendering import RenderRefused, contract_pdf, sha256, thumbnail_png
from ..signals import render_claimed

logger = logging.getLogger("offramp.pdf")
TRANSIENT = (OperationalError, InterfaceError)
FINAL_STATUSES = {SowVersion.Status.APPROVED, SowVersion.Status.SIGNED}
FOLD_BATCH = 500


def variant_for(version):
    return RenderJob.Variant.FINAL if version.status in FINAL_STATUSES else RenderJob.Variant.DRAFT


def current_job(version):
    """The newest job for the version's current variant (any status), or None."""
    return (RenderJob.objects.filter(sow_version=version, variant=variant_for(version))
            .order_by("-created_at", "-id").first())




def render_request(*, actor, version):
    """The PDF job for this version's current variant: the live one if any (queued, running or
    finished), else a new one published on commit. Returns (job, created). A queued job waits
    for the broker (the sweeper publishes it); one left running past the task's hard time
    limit (its worker vanished) is failed and replaced."""
    if actor is not None:
        require(actor, "sow.render_contract", version)
    variant = variant_for(version)
    live = RenderJob.objects.filter(sow_version=version, variant=variant).exclude(
        status=RenderJob.Status.FAILED).first()
    if live and live.status == RenderJob.Status.RUNNING and (
            timezone.now() - live.started_at > hard_limit()):
        _fail(live, "The render stopped answering and was abandoned.")
        live = None
    if live:
        return live, False
    try:
        with transaction.atomic():
            job = RenderJob.objects.create(sow_version=version, variant=variant,
                                           requested_by=actor, step="Waiting for a worker")
            audit_record(engagement=version.sow.engagement, actor=actor, verb="pdf.requested",
                         obj=job, after={"version": version.number, "variant": variant})
            transaction.on_commit(lambda: _enqueue(job.pk))
    except IntegrityError:
        # Someone asked at the same moment: share their job.
        return RenderJob.objects.get(~Q(status=RenderJob.Status.FAILED), sow_version=version,
                                     variant=variant), False
    return job, True


RS = RenderJob.Status
# The one table of render-job moves. A running job is claimed again when its worker died
# (running → running); a finished job never moves.
RENDER_JOB_TRANSITIONS = {
    RS.QUEUED: {RS.RUNNING, RS.FAILED},
    RS.RUNNING: {RS.RUNNING, RS.QUEUED, RS.SUCCEEDED, RS.FAILED},
    RS.SUCCEEDED: {RS.FAILED},  # only when its stored file no longer matches its hash
    RS.FAILED: set(),
}


def _from(to):
    return [s for s, targets in RENDER_JOB_TRANSITIONS.items() if to in targets]


WAITING_FOR_BROKER = "will start when the worker is reachable"


def _enqueue(job_id):
    """Publish the job's message. A broker that is down never fails the request: the job stays
    queued, says so, and the sweeper publishes it when the broker is back."""
    from ..tasks import render_contract_pdf

    try:
        render_contract_pdf.apply_async(args=[job_id], retry=True, retry_policy={
            "max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2})
    except PUBLISH_ERRORS as exc:
        logger.warning("render publish failed; the sweeper will retry",
                       extra={"job_id": job_id, "error": str(exc)})
        RenderJob.objects.filter(pk=job_id, status=RS.QUEUED).update(
            step=WAITING_FOR_BROKER, published_at=None)
        return False
    RenderJob.objects.filter(pk=job_id, status=RS.QUEUED).update(
        published_at=timezone.now(), step="Waiting for a worker")
    return True


def render_sweep(now):
    """The outbox sweeper's hook for render jobs: requeue (or, on the last allowed attempt,
    fail) jobs left running past the hard time limit, and publish queued jobs whose message
    never left or was lost."""
    stuck = RenderJob.objects.filter(status=RS.RUNNING, started_at__lt=now - hard_limit())
    failed = 0
    for job in stuck.filter(attempts__gte=max_attempts()).select_related("sow_version__sow"):
        _fail(job, f"Stopped after {job.attempts} attempts: the render kept stopping its "
                   "worker. Split very long schedules or sections and try again.")
        failed += 1
    requeued = versioned_update(stuck.filter(attempts__lt=max_attempts()), old=RS.RUNNING,
                                new=RS.QUEUED, bump_version=False, published_at=None,
                                step="Waiting for a worker (trying again)")
    republish = dt.timedelta(seconds=settings.OFFRAMP_OUTBOX_REPUBLISH_SECONDS)
    waiting = list(RenderJob.objects.filter(status=RS.QUEUED).filter(
        Q(published_at__isnull=True) | Q(published_at__lt=now - republish)).values_list(
        "pk", flat=True)[:200])
    published = 0
    for job_id in waiting:
        if not _enqueue(job_id):
            break
        published += 1
    return {"renders_failed": failed, "renders_requeued": requeued,
            "renders_published": published}


def downloads_fold(now):
    """The sweeper's hook for downloads: append the contract downloads recorded since the last
    pass to their engagements' audit chains (`pdf.downloaded`, with who, when, which file and
    who sent it), in one batch, and mark them folded. Rows another sweeper holds are skipped."""
    with transaction.atomic():
        rows = list(ContractDownload.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(folded_at__isnull=True).select_related(
                        "user", "job__sow_version").order_by("id")[:FOLD_BATCH])
        if not rows:
            return {"downloads_folded": 0}
        audit_record_many([{
            "engagement": Engagement(pk=row.engagement_id), "actor": row.user,
            "verb": "pdf.downloaded", "obj": row.job,
            "after": {"version": row.job.sow_version.number, "variant": row.job.variant,
                      "sha256": row.job.sha256, "via": row.via,
                      "downloaded_at": row.at.isoformat()}} for row in rows])
        ContractDownload.objects.filter(pk__in=[row.pk for row in rows]).update(folded_at=now)
    return {"downloads_folded": len(rows)}


def _claim(job_id):
    """Take the job (queued, or running from a worker that died). None when already done."""
    with transaction.atomic():
        job = RenderJob.objects.select_for_update().select_related(
            "sow_version__sow__engagement__client", "sow_version__sow__engagement__vendor").get(
            pk=job_id)
        if job.status not in _from(RS.RUNNING):
            return None
        if job.attempts >= max_attempts():
            # A render that kills its worker is redelivered; it stops here, for good.
            _fail(job, f"Stopped after {job.attempts} attempts: the render kept stopping its "
                       "worker. Split very long schedules or sections and try again.",
                  statuses=_from(RS.FAILED))
            return None
        job.status = RenderJob.Status.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.step = "Laying out pages"
        job.save(update_fields=["status", "attempts", "started_at", "step"])
        return job


def _step(job, text):
    RenderJob.objects.filter(pk=job.pk, status=RenderJob.Status.RUNNING).update(step=text)


def _approvals(version):
    request = ApprovalRequest.objects.filter(
        kind=ApprovalRequest.Kind.SOW_VERSION, subject_type="sow.sowversion",
        subject_id=str(version.pk), status=ApprovalRequest.Status.APPROVED).first()
    if request is None:
        return []
    return list(Approval.objects.filter(request=request, round=request.round,
                                        voided_at__isnull=True,
                                        decision="approve").select_related("user").order_by("at"))


class StoredLayouts:
    """A version's layouts (its contract laid out without variant marks) in the file storage,
    next to its PDFs, so that its draft and its final are laid out once. A layout whose bytes
    no longer match the SHA-256 written beside it is not used: the version is laid out again."""

    def __init__(self, version):
        self.storage = RenderJob._meta.get_field("pdf").storage
        self.prefix = (f"contracts/engagement-{version.sow.engagement_id}/sow-{version.sow_id}/"
                       f"layouts/v{version.number}-")

    def get(self, key):
        name = self.prefix + key[:32]
        try:
            with self.storage.open(f"{name}.layout", "rb") as handle:
                pdf = handle.read()
            with self.storage.open(f"{name}.json", "rb") as handle:
                meta = json.loads(handle.read())
        except (OSError, ValueError):
            return None
        if meta.get("sha256") != sha256(pdf):
            return None
        return pdf, meta.get("refused", [])

    def clear(self):
        """Delete every layout kept for the version: once its last variant is rendered."""
        folder, _sep, start = self.prefix.rpartition("/")
        try:
            _dirs, files = self.storage.listdir(folder)
        except (OSError, NotImplementedError):
            return 0
        gone = [name for name in files if name.startswith(start)]
        for name in gone:
            self.storage.delete(f"{folder}/{name}")
        return len(gone)

    def put(self, key, pdf, refused):
        name = self.prefix + key[:32]
        for suffix, data in ((".layout", pdf), (".json", json.dumps(
                {"sha256": sha256(pdf), "refused": refused}).encode())):
            # Same key, same layout: a concurrent or earlier copy is simply replaced.
            self.storage.delete(name + suffix)
            self.storage.save(name + suffix, ContentFile(data))


def render_job_execute(job_id):
    with structlog.contextvars.bound_contextvars(job_id=job_id):
        return _execute(job_id)


def _execute(job_id):
    """Render one job. Safe to run twice: the claim and the conditional finish make sure one
    PDF is recorded, whatever a killed or repeated worker did before.

    1. claim; 2. build print HTML (caps refuse runaway documents with a reason); 3. take the
    version's layout from storage or lay it out with WeasyPrint behind the safe fetcher, and
    stamp this variant's marks on it (sow.rendering.contract_pdf); 4. store the PDF and
    thumbnail; 5. finish only if still running, else drop the files written here.
    """
    job = _claim(job_id)
    if job is None:
        return "already-finished"
    render_claimed.send(sender=RenderJob, job=job)
    version = job.sow_version
    structlog.contextvars.bind_contextvars(engagement_id=version.sow.engagement_id)
    started = time.monotonic()
    try:
        layouts = StoredLayouts(version)
        pdf, pages, refused, _laid_out = contract_pdf(
            version, _approvals(version), draft=job.variant == RenderJob.Variant.DRAFT,
            layouts=layouts)
        _step(job, "Making the thumbnail")
        thumb = thumbnail_png(pdf)
    except RenderRefused as exc:
        _fail(job, str(exc))
        return "failed"
    except SoftTimeLimitExceeded:
        _fail(job, "The document took too long to render. Split very long schedules or "
                   "sections and try again.")
        return "failed"
    except TRANSIENT:
        raise  # the task retries with backoff; the claim lets the next attempt take over
    except Exception as exc:  # noqa: BLE001 - any other failure must end the job, not hang it
        logger.exception("PDF render of job %s failed", job.pk)
        _fail(job, f"The renderer stopped with an error ({type(exc).__name__}). Try again; "
                   "if it fails again, tell your administrator.")
        return "failed"
    elapsed = time.monotonic() - started
    digest = sha256(pdf)
    name = f"job-{job.pk}-{digest[:16]}"
    pdf_file = job.pdf.storage.save(job.pdf.field.generate_filename(job, f"{name}.pdf"),
                                    ContentFile(pdf))
    thumb_file = job.thumbnail.storage.save(
        job.thumbnail.field.generate_filename(job, f"{name}.png"), ContentFile(thumb))
    with transaction.atomic():
        done = versioned_update(
            RenderJob.objects.filter(pk=job.pk), old=RS.RUNNING, new=RS.SUCCEEDED,
            bump_version=False, pdf=pdf_file, thumbnail=thumb_file, sha256=digest,
            page_count=pages, size=len(pdf), render_seconds=round(elapsed, 3),
            warnings=refused, finished_at=timezone.now(), step="Ready")
        if done:
            audit_record(engagement=version.sow.engagement, actor=None, verb="pdf.rendered",
                         obj=job, after={"version": version.number, "sha256": digest,
                                         "pages": pages, "variant": job.variant})
            if job.requested_by_id:
                engagement = version.sow.engagement
                notify_many([(engagement, [job.requested_by],
                              f"The PDF of {version.sow.title}, version {version.number}, is "
                              f"ready ({pages} pages).",
                              reverse("sow:version", kwargs={
                                  "pk": engagement.pk, "sow_pk": version.sow_id,
                                  "number": version.number}))])
    if not done:
        job.pdf.storage.delete(pdf_file)
        job.thumbnail.storage.delete(thumb_file)
        return "already-finished"
    if job.variant == RenderJob.Variant.FINAL:
        # The final is a version's last variant (signing keeps it): no later render needs the
        # layout. A damaged final rendered again lays the version out again.
        layouts.clear()
    return "succeeded"


def _fail(job, reason, statuses=(RenderJob.Status.RUNNING,)):
    with transaction.atomic():
        updated = versioned_update(
            RenderJob.objects.filter(pk=job.pk), old=[s for s in statuses if s in _from(RS.FAILED)],
            new=RS.FAILED, bump_version=False, reason=reason, finished_at=timezone.now(),
            step="Stopped")
        if updated:
            engagement = job.sow_version.sow.engagement
            audit_record(engagement=engagement, actor=None, verb="pdf.failed", obj=job,
                         after={"reason": reason})
            if job.requested_by_id:
                version = job.sow_version
                notify_many([(engagement, [job.requested_by],
                              f"The PDF of {version.sow.title}, version {version.number}, "
                              f"failed: {reason}",
                              reverse("sow:version", kwargs={
                                  "pk": engagement.pk, "sow_pk": version.sow_id,
                                  "number": version.number}))])


def verified_pdf(*, version):
    """The finished PDF's bytes, checked against the SHA-256 recorded when it was rendered.

    A mismatch serves nothing: the job is marked damaged (failed, audited), the engagement's
    leadership is told, and a new render from the frozen HTML restores the file. Returns
    (job, bytes)."""
    job = ready_job(version=version)
    with job.pdf.open("rb") as handle:
        data = handle.read()
    if sha256(data) != job.sha256:
        pdf_mark_damaged(job, found=sha256(data))
        raise RuleViolation("The stored PDF no longer matches the SHA-256 recorded when it was "
                            "rendered, so it is not served. Generate it again: the new PDF is "
                            "rendered from the frozen version.", rule="pdf_damaged")
    return job, data


@transaction.atomic
def pdf_mark_damaged(job, *, found):
    logger.error("stored PDF does not match its hash",
                 extra={"job_id": job.pk, "recorded": job.sha256, "found": found})
    moved = versioned_update(RenderJob.objects.filter(pk=job.pk), old=RS.SUCCEEDED,
                             new=RS.FAILED, bump_version=False, step="Damaged",
                             reason="The stored file no longer matched its recorded SHA-256.")
    if not moved:
        return
    version = job.sow_version
    engagement = version.sow.engagement
    audit_record(engagement=engagement, actor=None, verb="pdf.damaged", obj=job,
                 after={"recorded": job.sha256, "found": found})
    leaders = [u for u in engagement_stewards([engagement.pk])[engagement.pk]
               if u.role == "leadership"]
    notify_many([(engagement, leaders, f"The stored PDF of {version.sow.title}, version "
                  f"{version.number}, was altered or damaged and is no longer served. Generate "
                  "it again from the version page.",
                  reverse("sow:version", kwargs={"pk": engagement.pk, "sow_pk": version.sow_id,
                                                 "number": version.number}))])


def integrity_problems():
    """Frozen versions whose HTML no longer matches their SHA-256, and finished PDFs whose
    stored file no longer matches theirs (checked by verify_audit and the nightly task)."""
    problems = []
    for pk, number, sow_id, html, digest in SowVersion.objects.values_list(
            "pk", "number", "sow_id", "html", "sha256").iterator(chunk_size=200):
        if sha256(html.encode()) != digest:
            problems.append(f"SOW {sow_id} version {number} (id {pk}): its HTML no longer "
                            "matches its SHA-256")
    for job in RenderJob.objects.filter(status=RS.SUCCEEDED).exclude(pdf=""):
        try:
            with job.pdf.open("rb") as handle:
                found = sha256(handle.read())
        except OSError:
            problems.append(f"PDF of render job {job.pk}: the stored file is missing")
            continue
        if found != job.sha256:
            problems.append(f"PDF of render job {job.pk}: the stored file no longer matches "
                            "its SHA-256")
    return problems


def ready_job(*, version):
    """The finished PDF for the version's current variant, or a 409 that says why not."""
    job = RenderJob.objects.filter(sow_version=version, variant=variant_for(version),
                                   status=RenderJob.Status.SUCCEEDED).first()
    if job is None:
        pending = RenderJob.objects.filter(sow_version=version, variant=variant_for(version),
                                           status__in=["queued", "running"]).exists()
        raise RuleViolation(
            "The PDF is still being rendered; try again in a moment." if pending else
            "No PDF has been generated for this version yet; request one first.",
            rule="pdf_not_ready")
    return job

