"""Upgrading a database written before payments left the SOW app keeps every row.

The test database is migrated back to the state before the move (sow.0004, no payments app),
filled through the historical models the way the old code left it (payments and gate
conditions in the sow tables, a payment-release request naming `sow.paymentmilestone`, a key
turned on it, content types under `sow`, and an audit chain with events about
`sow.paymentmilestone`), then migrated forward to the latest migrations. Everything must still
be there, unchanged where it should be and renamed where the migrations say so.
"""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps as current_apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from engagement.audit import GENESIS, audit_verify, event_hash, jsonable

OLD_TARGETS = [
    ("sow", "0004_payments"),
    ("engagement", "0007_approval_url"),
    ("kpis", "0001_initial"),
    ("payments", None),
]
# The historical state to build rows with (project_state takes migration nodes, not None).
OLD_STATE_NODES = [
    ("sow", "0004_payments"),
    ("engagement", "0007_approval_url"),
    ("kpis", "0001_initial"),
    ("contenttypes", "0002_remove_content_type_name"),
]
OLD_LABEL, NEW_LABEL = "sow.paymentmilestone", "payments.paymentmilestone"
T0 = dt.datetime(2026, 9, 7, 9, 30, 0, 123456, tzinfo=dt.UTC)

PAYMENT_FIELDS = ["id", "engagement_id", "position", "label", "amount", "due_date",
                  "commercial_model", "status", "invoice_reference", "paid_on", "gate_met_at",
                  "version", "updated_at", "updated_by_id"]
CONDITION_FIELDS = ["id", "payment_id", "kind", "criterion_id", "milestone_id"]
REQUEST_FIELDS = ["id", "engagement_id", "kind", "subject_type", "subject_id", "summary", "url",
                  "requested_by_id", "requested_at", "status", "round", "closed_at",
                  "closed_reason"]
APPROVAL_FIELDS = ["id", "request_id", "round", "user_id", "side", "decision", "reason", "at"]
EVENT_FIELDS = ["id", "engagement_id", "seq", "at", "actor_id", "actor_label", "verb",
                "object_type", "object_id", "before", "after", "reason", "prev_hash", "hash"]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets(executor) if callable(targets) else targets)
    return executor


def _migrate_to_latest():
    return _migrate(lambda executor: executor.loader.graph.leaf_nodes())


def _tables():
    return set(connection.introspection.table_names())


def _rows(model, fields):
    return {row["id"]: row for row in model.objects.order_by("id").values(*fields)}


class Chain:
    """Appends events to one engagement's chain the way engagement.audit does, through the
    historical AuditEvent model, hashing with engagement.audit.event_hash."""

    def __init__(self, AuditEvent, engagement):
        self.AuditEvent, self.engagement = AuditEvent, engagement
        self.seq, self.prev = 0, GENESIS

    def add(self, *, actor, verb, object_type, object_id, before=None, after=None, reason=""):
        self.seq += 1
        fields = {
            "engagement_id": self.engagement.pk, "seq": self.seq,
            "at": T0 + dt.timedelta(minutes=7 * self.seq, microseconds=self.seq),
            "actor_id": actor.pk if actor else None,
            "actor_label": (f"{actor.first_name} {actor.last_name}".strip() or actor.username)
            if actor else "system",
            "verb": verb, "object_type": object_type, "object_id": str(object_id),
            "before": jsonable(before), "after": jsonable(after), "reason": reason,
            "prev_hash": self.prev,
        }
        digest = event_hash(**fields)
        event = self.AuditEvent.objects.create(hash=digest, **fields)
        self.prev = digest
        return event


def _seed_old_database(apps):
    """Rows as the code before the move wrote them (sow.PaymentMilestone, sow.GateCondition)."""
    Organisation = apps.get_model("engagement", "Organisation")
    User = apps.get_model("engagement", "User")
    Engagement = apps.get_model("engagement", "Engagement")
    Milestone = apps.get_model("engagement", "Milestone")
    Criterion = apps.get_model("engagement", "AcceptanceCriterion")
    ApprovalRequest = apps.get_model("engagement", "ApprovalRequest")
    Approval = apps.get_model("engagement", "Approval")
    AuditEvent = apps.get_model("engagement", "AuditEvent")
    PaymentMilestone = apps.get_model("sow", "PaymentMilestone")
    GateCondition = apps.get_model("sow", "GateCondition")
    ContentType = apps.get_model("contenttypes", "ContentType")

    # Before the move the payment models' content types (and their permissions) were sow's.
    for model in ("paymentmilestone", "gatecondition"):
        if not ContentType.objects.filter(app_label="sow", model=model).exists():
            if ContentType.objects.filter(app_label="payments", model=model).exists():
                ContentType.objects.filter(app_label="payments", model=model).update(
                    app_label="sow")
            else:
                ContentType.objects.create(app_label="sow", model=model)

    client = Organisation.objects.create(name="Northwind Retail", kind="client")
    vendor = Organisation.objects.create(name="Acme ML Partners", kind="vendor")
    pm = User.objects.create(username="pm", first_name="Paula", last_name="Meyer",
                             organisation=client, role="program_manager", password="!")
    leader = User.objects.create(username="leader", first_name="Lena", last_name="Ortiz",
                                 organisation=client, role="leadership", password="!")
    vendor_lead = User.objects.create(username="vendor", first_name="Victor", last_name="Ng",
                                      organisation=vendor, role="vendor", password="!")
    engagement = Engagement.objects.create(
        title="Demand forecasting off-ramp", client=client, vendor=vendor, format="project",
        use_case="Weekly demand forecasts", start_date=dt.date(2026, 9, 7), length_weeks=12,
        contract_value=Decimal("120000.00"), currency="EUR", status="active", updated_by=pm)
    discovery = Milestone.objects.create(
        engagement=engagement, position=1, kind="discovery", title="Discovery and baseline",
        ownership_mode="vendor_leads", start_week=1, end_week=3, status="accepted",
        accepted_at=T0 + dt.timedelta(days=20), updated_by=pm)
    pipeline = Milestone.objects.create(
        engagement=engagement, position=2, kind="pipeline", title="Pipeline skeleton",
        ownership_mode="internal_pairs", start_week=4, end_week=8, updated_by=pm)
    met = Criterion.objects.create(
        milestone=discovery, position=1, statement="The internal team reruns the baseline "
        "notebook from the runbook without vendor help.", method="runbook_run",
        performer="internal", status="met", verified_by=pm,
        verified_at=T0 + dt.timedelta(days=19), note="Rerun by the data team on day 19.")
    Criterion.objects.create(
        milestone=pipeline, position=1, statement="CI trains and evaluates the model on merge.",
        method="ci_log", performer="vendor")

    p1 = PaymentMilestone.objects.create(
        engagement=engagement, position=1, label="Baseline proven", amount=Decimal("40000.00"),
        due_date=dt.date(2026, 10, 2), commercial_model="fixed_fee", status="eligible",
        gate_met_at=T0 + dt.timedelta(days=19, minutes=1), version=2, updated_by=pm)
    p2 = PaymentMilestone.objects.create(
        engagement=engagement, position=2, label="Pipeline handed over",
        amount=Decimal("55000.50"), due_date=dt.date(2026, 11, 6),
        commercial_model="time_and_materials", invoice_reference="INV-2026-0042",
        updated_by=vendor_lead)
    GateCondition.objects.create(payment=p1, kind="criterion", criterion=met)
    GateCondition.objects.create(payment=p2, kind="milestone", milestone=pipeline)

    request = ApprovalRequest.objects.create(
        engagement=engagement, kind="payment_release", subject_type=OLD_LABEL,
        subject_id=str(p1.pk), summary="Release payment “Baseline proven” (40,000.00 EUR)",
        url=f"/engagements/{engagement.pk}/payments/#p-{p1.pk}", requested_by=pm)
    key = Approval.objects.create(request=request, round=1, user=leader, side="internal",
                                  decision="approve", reason="Baseline rerun witnessed.")

    chain = Chain(AuditEvent, engagement)
    chain.add(actor=pm, verb="engagement.created", object_type="engagement.engagement",
              object_id=engagement.pk, after={"title": engagement.title,
                                              "contract_value": engagement.contract_value})
    chain.add(actor=pm, verb="payment.scheduled", object_type=OLD_LABEL, object_id=p1.pk,
              after={"label": p1.label, "amount": p1.amount, "due_date": p1.due_date,
                     "conditions": 1})
    chain.add(actor=vendor_lead, verb="payment.scheduled", object_type=OLD_LABEL,
              object_id=p2.pk, after={"label": p2.label, "amount": p2.amount,
                                      "due_date": p2.due_date, "conditions": 1})
    chain.add(actor=pm, verb="criterion.verified", object_type="engagement.acceptancecriterion",
              object_id=met.pk, before={"status": "open"}, after={"status": "met"},
              reason=met.note)
    chain.add(actor=None, verb="payment.status_changed", object_type=OLD_LABEL, object_id=p1.pk,
              before={"status": "scheduled"}, after={"status": "eligible"},
              reason="The gate is met: every condition holds.")
    chain.add(actor=pm, verb="approval.requested", object_type="engagement.approvalrequest",
              object_id=request.pk, after={"kind": "payment_release",
                                           "subject": f"{OLD_LABEL}:{p1.pk}",
                                           "summary": request.summary})
    chain.add(actor=leader, verb="approval.approved", object_type="engagement.approvalrequest",
              object_id=request.pk, after={"request": request.summary, "round": 1,
                                           "side": "internal", "decision": "approve"},
              reason=key.reason)
    chain.add(actor=vendor_lead, verb="payment.updated", object_type=OLD_LABEL, object_id=p2.pk,
              before={"invoice_reference": ""}, after={"invoice_reference": "INV-2026-0042"})

    content_types = {m: ContentType.objects.get(app_label="sow", model=m).pk
                     for m in ("paymentmilestone", "gatecondition")}
    return {
        "engagement": engagement.pk, "payments": [p1.pk, p2.pk], "request": request.pk,
        "key": key.pk, "content_types": content_types,
        "payment_events": {p1.pk: [2, 5], p2.pk: [3, 8]},
        "snapshot": {
            "payments": _rows(PaymentMilestone, PAYMENT_FIELDS),
            "conditions": _rows(GateCondition, CONDITION_FIELDS),
            "requests": _rows(ApprovalRequest, REQUEST_FIELDS),
            "approvals": _rows(Approval, APPROVAL_FIELDS),
            "events": _rows(AuditEvent, EVENT_FIELDS),
        },
    }


@pytest.mark.django_db(transaction=True)
def test_upgrade_from_payments_in_the_sow_app_keeps_every_row():
    from django.contrib.contenttypes.models import ContentType

    from engagement.models import Approval, ApprovalRequest, AuditEvent
    from engagement.services.approvals import open_request_for
    from payments.models import GateCondition, PaymentMilestone
    from payments.selectors import payment_history

    try:
        executor = _migrate(OLD_TARGETS)
        applied = MigrationRecorder(connection).applied_migrations()
        assert not [key for key in applied if key[0] == "payments"]
        assert ("sow", "0005_payments_moved_out") not in applied
        assert {"sow_paymentmilestone", "sow_gatecondition"} <= _tables()
        assert not {"payments_paymentmilestone", "payments_gatecondition"} & _tables()

        old = _seed_old_database(executor.loader.project_state(OLD_STATE_NODES).apps)
        # (audit_verify reads today's checkpoint table, which the old schema has not got;
        # the chain is verified after the upgrade, which checkpoints it.)

        _migrate_to_latest()
    finally:
        _migrate_to_latest()
        ContentType.objects.clear_cache()

    assert {"payments_paymentmilestone", "payments_gatecondition"} <= _tables()
    assert not {"sow_paymentmilestone", "sow_gatecondition"} & _tables()
    snapshot = old["snapshot"]

    # Payments and gate conditions: same ids, same values, read through the current models.
    assert _rows(PaymentMilestone, PAYMENT_FIELDS) == snapshot["payments"]
    assert _rows(GateCondition, CONDITION_FIELDS) == snapshot["conditions"]
    p1, p2 = (PaymentMilestone.objects.get(pk=pk) for pk in old["payments"])
    assert (p1.amount, p1.status, p1.get_commercial_model_display()) == (
        Decimal("40000.00"), "eligible", "Fixed fee with gates")
    assert (p2.amount, p2.invoice_reference) == (Decimal("55000.50"), "INV-2026-0042")
    assert [(c.kind, c.criterion.statement[:12]) for c in p1.conditions.all()] == [
        ("criterion", "The internal")]
    assert [(c.kind, c.milestone.title) for c in p2.conditions.all()] == [
        ("milestone", "Pipeline skeleton")]
    assert [p.pk for p in p1.engagement.payments.all()] == old["payments"]

    # The release request now names the payment's new home and still finds it.
    request = ApprovalRequest.objects.get(pk=old["request"])
    assert request.subject_type == NEW_LABEL
    expected_request = dict(snapshot["requests"][request.pk], subject_type=NEW_LABEL)
    assert _rows(ApprovalRequest, REQUEST_FIELDS) == {request.pk: expected_request}
    subject = current_apps.get_model(request.subject_type).objects.get(pk=request.subject_id)
    assert subject == p1 and isinstance(subject, PaymentMilestone)
    assert open_request_for(p1, ApprovalRequest.Kind.PAYMENT_RELEASE) == request

    # The key turned before the upgrade still counts.
    assert _rows(Approval, APPROVAL_FIELDS) == snapshot["approvals"]
    assert list(request.approvals.values_list("pk", flat=True)) == [old["key"]]

    # The audit chain is append-only: not one event changed, and it still verifies.
    assert _rows(AuditEvent, EVENT_FIELDS) == snapshot["events"]
    assert AuditEvent.objects.filter(object_type=OLD_LABEL).count() == 4
    assert audit_verify() == {"ok": True, "events": 8}
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "OK: 8 audit events intact." in out.getvalue()

    # The payment's history still shows what was recorded under the old model label.
    for pk, seqs in old["payment_events"].items():
        history = list(payment_history(PaymentMilestone.objects.get(pk=pk)))
        assert [e.seq for e in history] == seqs
        assert {e.object_type for e in history} == {OLD_LABEL}

    # Content types moved with their ids (permissions and admin history keep their rows).
    for model, pk in old["content_types"].items():
        assert (ContentType.objects.get(pk=pk).app_label, model) == ("payments", model)
    assert not ContentType.objects.filter(app_label="sow", model__in=old["content_types"])
    assert ContentType.objects.get_for_model(PaymentMilestone).pk == (
        old["content_types"]["paymentmilestone"])

    # New rows after the upgrade get fresh ids from the renamed tables.
    p3 = PaymentMilestone.objects.create(
        engagement_id=old["engagement"], position=3, label="Go-live", amount=Decimal("1.00"),
        due_date=dt.date(2026, 11, 27))
    assert p3.pk > max(old["payments"])
    condition = GateCondition.objects.create(payment=p3, kind="milestone",
                                             milestone_id=p2.conditions.get().milestone_id)
    assert condition.pk > max(snapshot["conditions"])
