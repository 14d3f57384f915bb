"""The tamper-evident audit log: one hash chain per engagement.

Every event stores the hash of its predecessor (`prev_hash`) and a SHA-256 over its own
canonical JSON. Appends take a row lock on the engagement, so concurrent writers queue up
instead of forking the chain; the (engagement, prev_hash) unique constraint is the backstop.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, ChainCheckpoint, Engagement, Organisation, OrganisationAuditEvent

GENESIS = "0" * 64
logger = logging.getLogger("offramp.audit")


def jsonable(value):
    """Plain JSON values, so what is stored is exactly what was hashed."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    return str(value)


def event_hash(*, engagement_id=None, seq, at, actor_id, actor_label, verb, object_type,
               object_id, before, after, reason, prev_hash, organisation_id=None):
    # An engagement's chain hashes "engagement"; an organisation's chain (the clause library)
    # hashes "organisation" instead, so neither kind of event can pass for the other.
    owner = ({"organisation": organisation_id} if organisation_id is not None
             else {"engagement": engagement_id})
    payload = {
        **owner,
        "seq": seq,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": actor_id,
        "actor_label": actor_label,
        "verb": verb,
        "object_type": object_type,
        "object_id": str(object_id),
        "before": before,
        "after": after,
        "reason": reason,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _hash_of_row(row):
    return event_hash(
        engagement_id=row.get("engagement_id"), organisation_id=row.get("organisation_id"),
        seq=row["seq"], at=row["at"],
        actor_id=row["actor_id"], actor_label=row["actor_label"], verb=row["verb"],
        object_type=row["object_type"], object_id=row["object_id"], before=row["before"],
        after=row["after"], reason=row["reason"], prev_hash=row["prev_hash"],
    )


def _event_fields(owner, *, seq, prev_hash, at, actor, verb, obj, before, after, reason):
    """The stored (and hashed) fields of one event; `owner` is {"engagement_id": …} or
    {"organisation_id": …}."""
    return {
        **owner, "seq": seq, "at": at, "actor_id": actor.pk if actor else None,
        "actor_label": (actor.get_full_name() or actor.username) if actor else "system",
        "verb": verb, "object_type": obj._meta.label_lower, "object_id": str(obj.pk),
        "before": jsonable(before), "after": jsonable(after), "reason": reason,
        "prev_hash": prev_hash,
    }


def audit_record(*, engagement, actor, verb, obj, before=None, after=None, reason=""):
    """Append one event to the engagement's chain. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction that makes the change")
    # The lock serialises appends per engagement; callers usually hold it already.
    Engagement.objects.select_for_update().filter(pk=engagement.pk).values_list("pk").get()
    last = (
        AuditEvent.objects.filter(engagement_id=engagement.pk)
        .order_by("-seq")
        .values("seq", "hash")
        .first()
    )
    fields = _event_fields({"engagement_id": engagement.pk},
                           seq=last["seq"] + 1 if last else 1,
                           prev_hash=last["hash"] if last else GENESIS, at=timezone.now(),
                           actor=actor, verb=verb, obj=obj, before=before, after=after,
                           reason=reason)
    event = AuditEvent.objects.create(hash=_hash_of_row(fields), **fields)
    _checkpoint([("engagement", engagement.pk, event.seq, event.hash)])
    return event


def checkpoint_mac(kind, owner_id, seq, digest):
    """HMAC-SHA256 of a chain head with the key from the environment (never stored)."""
    key = settings.OFFRAMP_AUDIT_KEY or hashlib.sha256(
        f"offramp-audit-checkpoint:{settings.SECRET_KEY}".encode()).hexdigest()
    message = f"{kind}:{owner_id}:{seq}:{digest}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def _checkpoint(heads):
    """Record the new heads [(kind, owner id, seq, hash)] in one statement."""
    rows = [ChainCheckpoint(**{f"{kind}_id": owner}, seq=seq, hash=digest,
                            mac=checkpoint_mac(kind, owner, seq, digest))
            for kind, owner, seq, digest in heads]
    kind = heads[0][0]
    ChainCheckpoint.objects.bulk_create(rows, update_conflicts=True, unique_fields=[kind],
                                        update_fields=["seq", "hash", "mac", "updated_at"])


def _checkpoint_problems(kind, heads):
    """Chains whose head does not match its signed checkpoint: {owner id: problem}."""
    problems = {}
    checkpoints = {getattr(c, f"{kind}_id"): c for c in ChainCheckpoint.objects.filter(
        **{f"{kind}__isnull": False})}
    for owner, (seq, digest) in heads.items():
        mark = checkpoints.pop(owner, None)
        if mark is None:
            problems[owner] = (seq, "the chain has no checkpoint")
        elif not hmac.compare_digest(mark.mac, checkpoint_mac(kind, owner, mark.seq, mark.hash)):
            problems[owner] = (seq, "the checkpoint's signature is not valid")
        elif (mark.seq, mark.hash) != (seq, digest):
            problems[owner] = (seq, f"the chain ends at event #{seq} but its checkpoint records "
                                    f"#{mark.seq}: events were removed or rewritten")
    for owner, mark in checkpoints.items():
        problems[owner] = (0, f"the checkpoint records event #{mark.seq} but the chain has "
                              "no events: they were removed")
    return problems


_COLUMNS = ("id", "seq", "at", "actor_id", "actor_label", "verb", "object_type", "object_id",
            "before", "after", "reason", "prev_hash", "hash")


def _walk(rows, owner_field, checked, heads):
    """Check chains ordered by (owner, seq); (None, checked) or (broken row and problem, checked).
    `heads` collects each chain's last (seq, hash) for the checkpoint comparison."""
    current, expected_prev, expected_seq = None, GENESIS, 1
    for row in rows.iterator(chunk_size=2000):
        heads[row[owner_field]] = (row["seq"], row["hash"])
        if row[owner_field] != current:
            current, expected_prev, expected_seq = row[owner_field], GENESIS, 1
        problem = None
        if row["seq"] != expected_seq:
            problem = f"sequence gap: expected event {expected_seq}, found {row['seq']}"
        elif row["prev_hash"] != expected_prev:
            problem = "the link to the previous event does not match its hash"
        elif _hash_of_row(row) != row["hash"]:
            problem = "the event's content does not match its stored hash"
        if problem:
            return (row, problem), checked
        checked += 1
        expected_prev, expected_seq = row["hash"], expected_seq + 1
    return None, checked


def audit_verify(*, engagement_id=None):
    """Walk every chain (or one engagement's) in one ordered query per table; report the first
    broken link.

    Returns a dict: ok, events (how many were checked), and when broken: engagement (or
    organisation, for the clause library's chains), seq, event id and the problem in words.
    """
    rows = AuditEvent.objects.order_by("engagement_id", "seq").values("engagement_id", *_COLUMNS)
    if engagement_id is not None:
        rows = rows.filter(engagement_id=engagement_id)
    heads = {}
    broken, checked = _walk(rows, "engagement_id", 0, heads)
    owner = "engagement"
    if broken is None:
        truncated = _checkpoint_problems("engagement", heads)
        if engagement_id is not None:
            truncated = {k: v for k, v in truncated.items() if k == engagement_id}
        if truncated:
            return _truncated("engagement", truncated, checked)
    if broken is None and engagement_id is None:
        rows = OrganisationAuditEvent.objects.order_by("organisation_id", "seq").values(
            "organisation_id", *_COLUMNS)
        heads = {}
        broken, checked = _walk(rows, "organisation_id", checked, heads)
        owner = "organisation"
        if broken is None and (truncated := _checkpoint_problems("organisation", heads)):
            return _truncated("organisation", truncated, checked)
    if broken is None:
        return {"ok": True, "events": checked}
    row, problem = broken
    return {"ok": False, "events": checked, owner: row[f"{owner}_id"], "seq": row["seq"],
            "event": row["id"], "problem": problem}


def _truncated(kind, problems, checked):
    owner, (seq, problem) = sorted(problems.items())[0]
    return {"ok": False, "events": checked, kind: owner, "seq": seq, "event": None,
            "problem": problem}


_integrity_checks = []


def register_integrity_check(check):
    """`check()` returns problems in words with stored content other apps keep under a hash
    (frozen SOW versions, contract PDFs); verify_audit and the nightly task run them all."""
    if check not in _integrity_checks:
        _integrity_checks.append(check)


def integrity_problems():
    return [problem for check in _integrity_checks for problem in check()]


def audit_record_for_organisation(*, organisation, actor, verb, obj, before=None, after=None,
                                  reason=""):
    """Append one event to an organisation's own chain (writes that belong to no engagement,
    such as its clause library). Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record_for_organisation must run inside the transaction "
                           "that makes the change")
    Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("pk").get()
    last = (OrganisationAuditEvent.objects.filter(organisation_id=organisation.pk)
            .order_by("-seq").values("seq", "hash").first())
    fields = _event_fields({"organisation_id": organisation.pk},
                           seq=last["seq"] + 1 if last else 1,
                           prev_hash=last["hash"] if last else GENESIS, at=timezone.now(),
                           actor=actor, verb=verb, obj=obj, before=before, after=after,
                           reason=reason)
    event = OrganisationAuditEvent.objects.create(hash=_hash_of_row(fields), **fields)
    _checkpoint([("organisation", organisation.pk, event.seq, event.hash)])
    return event


def audit_record_many(entries):
    """Append many events at once, in a fixed number of queries whatever their number.

    `entries` is a list of dicts with the arguments of audit_record. Engagement rows are locked
    in id order (the same order every writer uses), the chain heads are read in one query,
    hashes are computed here, and the events are inserted in one statement.
    """
    if not entries:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record_many must run inside the transaction that makes the "
                           "changes")
    engagement_ids = sorted({e["engagement"].pk for e in entries})
    list(Engagement.objects.select_for_update().filter(pk__in=engagement_ids).order_by("pk")
         .values_list("pk", flat=True))
    from django.db.models import OuterRef, Subquery

    newest = AuditEvent.objects.filter(engagement_id=OuterRef("engagement_id")).order_by("-seq")
    heads = {
        row["engagement_id"]: (row["seq"], row["hash"])
        for row in AuditEvent.objects.filter(
            engagement_id__in=engagement_ids, seq=Subquery(newest.values("seq")[:1])
        ).values("engagement_id", "seq", "hash")
    }
    at = timezone.now()
    events = []
    for e in entries:
        engagement_id = e["engagement"].pk
        seq, prev_hash = heads.get(engagement_id, (0, GENESIS))
        fields = _event_fields({"engagement_id": engagement_id}, seq=seq + 1,
                               prev_hash=prev_hash, at=at, actor=e.get("actor"),
                               verb=e["verb"], obj=e["obj"], before=e.get("before"),
                               after=e.get("after"), reason=e.get("reason", ""))
        digest = _hash_of_row(fields)
        heads[engagement_id] = (seq + 1, digest)
        events.append(AuditEvent(hash=digest, **fields))
    created = AuditEvent.objects.bulk_create(events)
    _checkpoint([("engagement", owner, seq, digest) for owner, (seq, digest) in heads.items()
                 if owner in set(engagement_ids)])
    return created
