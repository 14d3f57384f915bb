"""Helpers every service module shares: the permission check, row locks, stale-version checks."""

from common.errors import NotAllowed, RuleViolation
from common.versioning import check_version, full_clean  # noqa: F401 - re-exported for the services

from ..models import Engagement, Side
from ..rules import require  # noqa: F401 - re-exported for the services


def require_party(actor, engagement, *, action):
    """The actor's side (a superuser counts as client-side); refuses a non-party."""
    if actor.is_superuser:
        return Side.INTERNAL
    side = actor.side_in(engagement)
    if side is None:
        raise NotAllowed(f"You are not a party to this engagement, so you cannot {action}.",
                         rule="tenancy")
    return side


PROVING = ("active", "transition")


def require_under_way(engagement, *, action):
    """Draft engagements plan; active (and transition) engagements prove. Verifying criteria,
    submitting and accepting milestones and moving money need the contract in force."""
    if engagement.status not in PROVING:
        raise RuleViolation(f"The engagement is {engagement.status}: activate it before you "
                            f"{action} (a draft is for planning).", rule="engagement_not_active")


def lock_engagement(engagement_id):
    Engagement.objects.select_for_update().filter(pk=engagement_id).values_list("pk").get()


def lock(instance, *, engagement_id=None):
    """Re-read the row under SELECT … FOR UPDATE; the caller must be inside transaction.atomic.

    The engagement row is always locked first: every write in an engagement (and its audit
    append) takes the locks in one order, so two writers queue instead of deadlocking.
    """
    if isinstance(instance, Engagement):
        return Engagement.objects.select_for_update().get(pk=instance.pk)
    engagement_id = engagement_id or getattr(instance, "engagement_id", None)
    if engagement_id is None and hasattr(instance, "milestone_id"):
        engagement_id = instance.milestone.engagement_id
    if engagement_id is not None:
        lock_engagement(engagement_id)
    return type(instance).objects.select_for_update().get(pk=instance.pk)
