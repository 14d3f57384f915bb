"""The nightly audit-chain check: its result is recorded, and a broken chain is news."""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..audit import audit_verify, integrity_problems
from ..models import Engagement, Heartbeat, Organisation, Role
from .notifications import notify_many, send_mail_later

logger = logging.getLogger("offramp.audit")


def _admins(organisation_ids):
    return list(get_user_model().objects.filter(
        Q(organisation_id__in=organisation_ids), role=Role.ADMIN, is_active=True))


@transaction.atomic
def audit_check_all():
    """1. verify every chain; 2. record the result as the `audit_verify` heartbeat; 3. when a
    chain is broken, tell the admins of the organisations concerned, in the app and by e-mail."""
    result = audit_verify()
    damaged = integrity_problems()
    Heartbeat.objects.update_or_create(name="audit_verify", defaults={
        "at": timezone.now(), "ok": result["ok"] and not damaged,
        "detail": {**result, "integrity": damaged}})
    if damaged:
        logger.error("Stored content no longer matches its hash: %s", "; ".join(damaged))
        send_mail_later([u.email for u in get_user_model().objects.filter(
            is_superuser=True, is_active=True) if u.email],
            "Offramp: stored content no longer matches its hash", "\n".join(damaged))
    if result["ok"]:
        logger.info("Audit chains verified: %s events intact.", result["events"])
        return result
    where = (f"engagement {result['engagement']}" if "engagement" in result
             else f"organisation {result['organisation']}")
    message = (f"The audit chain of {where} is broken at event #{result['seq']}: "
               f"{result['problem']}. Check the audit log and your database's history.")
    logger.error("Audit chain broken: %s, event #%s (id %s): %s", where, result["seq"],
                 result["event"], result["problem"])
    if "engagement" in result:
        engagement = Engagement.objects.get(pk=result["engagement"])
        admins = _admins([engagement.client_id, engagement.vendor_id])
        notify_many([(engagement, admins, message, engagement.get_absolute_url() + "audit/")])
    else:
        organisation = Organisation.objects.get(pk=result["organisation"])
        send_mail_later([user.email for user in _admins([organisation.pk]) if user.email],
                        "Offramp: an audit chain is broken", message)
    return result
