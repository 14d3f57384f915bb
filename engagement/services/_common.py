"""Helpers every service module shares: permission checks, row locks, stale-version checks."""

from django.core.exceptions import ValidationError

from ..errors import ConflictError, DomainError, NotAllowed, RuleViolation
from ..models import Engagement, Role, Side


def validation_to_domain(exc):
    if hasattr(exc, "error_dict"):
        field, messages = next(iter(exc.message_dict.items()))
        return DomainError(" ".join(messages), rule="invalid_field", field=field,
                           fields=exc.message_dict)
    return DomainError(" ".join(exc.messages), rule="invalid")


def full_clean(instance):
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise validation_to_domain(exc) from exc


def require(actor, engagement, roles, *, side=Side.INTERNAL, action, allow_closed=False):
    """Refuse unless the actor is a party with one of `roles` (and on `side`, when given).

    Every write goes through here, so it is also where a closed engagement stops changing.
    """
    if engagement.status == Engagement.Status.CLOSED and not allow_closed:
        raise RuleViolation(f"The engagement is closed, so you can no longer {action}.",
                            rule="closed")
    if actor.is_superuser:
        return
    actor_side = actor.side_in(engagement)
    if actor_side is None:
        raise NotAllowed("You are not a party to this engagement.", rule="tenancy")
    if actor.role not in roles or (side and actor_side != side):
        allowed = ", ".join(sorted(Role(r).label.lower() for r in roles))
        who = f"client-side {allowed}" if side == Side.INTERNAL else allowed
        raise NotAllowed(f"Only {who} users may {action}.", rule="role")


def require_party(actor, engagement, *, action):
    if actor.is_superuser:
        return Side.INTERNAL
    side = actor.side_in(engagement)
    if side is None:
        raise NotAllowed(f"You are not a party to this engagement, so you cannot {action}.",
                         rule="tenancy")
    return side


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


def check_version(locked, expected_version, fields, *, noun):
    """A stale `expected_version` is a conflict that carries the current values."""
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            f"This {noun} was changed by someone else after you opened it.",
            current={f: str(getattr(locked, f)) for f in sorted(fields)},
            changed_by=str(locked.updated_by or "someone"),
            changed_at=locked.updated_at,
        )
