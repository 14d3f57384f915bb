"""One way to move a status: a table of allowed moves per status field, and one helper that
claims the row with a conditional update, writes the audit event and schedules work on commit.

Every service that changes a status calls `transition()` (or `transition_many()` for set-based
work such as the gate tracker), so the rule, the audit event and the version bump cannot be
forgotten by one of them.
"""

from collections import defaultdict

from django.db import transaction

from common.errors import ConflictError, RuleViolation
from common.versioning import versioned_update

from .audit import audit_record, audit_record_for_organisation, audit_record_many


def _has_version(model):
    return any(f.name == "version" for f in model._meta.concrete_fields)


def check_move(table, before, to, *, noun):
    """Refuse a move the table does not list, naming what is allowed next."""
    if to not in table.get(before, ()):
        allowed = ", ".join(sorted(str(s) for s in table.get(before, ()))) or "none"
        raise RuleViolation(f"A {noun} cannot move from {before} to {to} (allowed next: "
                            f"{allowed}).", rule="status_flow")


def transition(obj, *, table, to, actor, verb, engagement=None, organisation=None,
               field="status", noun=None, extra=None, audit_after=None, reason="",
               on_commit=None):
    """Move `obj` from its current status to `to`. Must run inside the caller's transaction.

    1. refuse a move outside `table`; 2. UPDATE … WHERE pk = … AND status = <current> (with
    `version` bumped when the model has one) and check exactly one row moved (else someone
    else moved it first: a conflict); 3. audit `verb` on the engagement's chain (or the
    organisation's); 4. schedule `on_commit`.
    """
    model = type(obj)
    noun = noun or model._meta.verbose_name
    before = getattr(obj, field)
    check_move(table, before, to, noun=noun)
    extra = extra or {}
    has_version = _has_version(model)
    moved = versioned_update(model._base_manager.filter(pk=obj.pk), field=field, old=before,
                             new=to, bump_version=has_version, **extra)
    if moved != 1:
        raise ConflictError(f"This {noun} was changed by someone else just now; reload it.")
    setattr(obj, field, to)
    for name, value in extra.items():
        setattr(obj, name, value)
    if has_version:
        obj.version += 1
    after = {field: to, **(audit_after or {})}
    if organisation is not None:
        audit_record_for_organisation(organisation=organisation, actor=actor, verb=verb, obj=obj,
                                      before={field: before}, after=after, reason=reason)
    elif engagement is not None:
        audit_record(engagement=engagement, actor=actor, verb=verb, obj=obj,
                     before={field: before}, after=after, reason=reason)
    if on_commit is not None:
        transaction.on_commit(on_commit)
    return obj


def transition_many(model, moves, *, table, verb, engagements, actor=None, field="status",
                    extra_for=None):
    """The set-based form: `moves` are (pk, engagement_id, before, after, reason) of rows the
    caller has locked. One UPDATE per (before, after) pair claims the rows still in `before`
    and bumps `version`; events for the rows that moved are appended in bulk.

    Returns the moves that were applied (a concurrent mover may have taken some).
    """
    groups = defaultdict(list)
    for move in moves:
        check_move(table, move[2], move[3], noun=model._meta.verbose_name)
        groups[(move[2], move[3])].append(move)
    applied = []
    for (before, after), group in groups.items():
        pks = [m[0] for m in group]
        still = set(model._base_manager.filter(pk__in=pks, **{field: before})
                    .values_list("pk", flat=True))
        versioned_update(model._base_manager.filter(pk__in=still), field=field, old=before,
                         new=after, bump_version=_has_version(model),
                         **((extra_for or {}).get(after, {})))
        applied += [m for m in group if m[0] in still]
    objects = model._base_manager.in_bulk([m[0] for m in applied])
    audit_record_many([{"engagement": engagements[m[1]], "actor": actor, "verb": verb,
                        "obj": objects[m[0]], "before": {field: m[2]}, "after": {field: m[3]},
                        "reason": m[4]} for m in applied])
    return applied
