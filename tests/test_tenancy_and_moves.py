"""Tenancy is decided in one place per model, and status moves go through their tables.

1. Every model with a path of foreign keys to Engagement has an engagement-scoped manager
   (found by walking the model graph, so a new model without one fails here), and its
   `visible_to(user)` shows one client's rows and nothing of another's.
2. The clause library: an organisation's own clauses, and drafts of the shared library, are
   not seen by the vendor (API, search, pages) nor by another client organisation.
3. Library writes are audited on the organisation's own chain.
4. The gate tracker bumps `version`, so an ETag read before it is stale after it.
5. The transition tables exist; the one transition helper refuses moves outside them and a
   concurrent claim (conflict) writes no audit event.
"""

import datetime as dt
from collections import deque
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from common.errors import ConflictError, RuleViolation
from engagement import services as engagement_services
from engagement.audit import audit_verify
from engagement.models import (
    ApprovalRequest,
    AuditEvent,
    Engagement,
    Organisation,
    OrganisationAuditEvent,
)
from engagement.querysets import EngagementQuerySet, EngagementScopedQuerySet
from engagement.transitions import transition
from payments import services as pay
from payments.models import PaymentMilestone
from sow import services as sow_services
from sow.models import Clause, ClauseVersion
from sow.services import pdf as pdf_services
from tests.engagement.factories import UserFactory, define_outcomes, make_engagement
from tests.sow.factories import build_sow

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 9, 20)
MAX_DEPTH = 4

# Models of our apps that reach Engagement but do not use EngagementScopedQuerySet, and why.
# Organisation and the user model are not listed: the walk never follows a foreign key to
# them, so they are exempt by construction (they are the tenants, not tenant data).
EXEMPT = {
    "engagement.engagement": "the root itself: EngagementQuerySet (client or vendor is the "
                             "user's organisation), checked on its own below",
}

# Models the walk must find (a guard against the walk silently finding nothing).
KNOWN_SCOPED = {
    "engagement.milestone", "engagement.acceptancecriterion", "engagement.evidence",
    "engagement.knowledgetransferdeliverable", "engagement.staffingassignment",
    "engagement.readinessbaseline", "engagement.auditevent", "engagement.approvalrequest",
    "engagement.approval", "engagement.notification", "engagement.raciassignment",
    "sow.sowdocument", "sow.sowsection", "sow.sowversion", "sow.renderjob",
    "payments.paymentmilestone", "payments.gatecondition", "kpis.kpi",
}

# Models that `populate()` below gives rows on both engagements.
POPULATED = KNOWN_SCOPED


# --- 1. Tenancy introspection ------------------------------------------------------------

def local_app_configs():
    root = Path(settings.BASE_DIR).resolve()
    local = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(root) and "site-packages" not in path.parts:
            local.append(config)
    return local


def _forward_fks(model):
    for field in model._meta.get_fields():
        if field.is_relation and field.concrete and (field.many_to_one or field.one_to_one):
            yield field


def path_to_engagement(model):
    """The shortest chain of forward foreign keys from `model` to Engagement (at most
    MAX_DEPTH hops, never through the user model or Organisation), as an ORM path, or None."""
    ignored = {get_user_model(), Organisation}
    queue = deque([(model, [])])
    seen = {model}
    while queue:
        current, path = queue.popleft()
        if len(path) >= MAX_DEPTH:
            continue
        for field in _forward_fks(current):
            target = field.related_model
            if target in ignored:
                continue
            if target is Engagement:
                return "__".join([*path, field.name])
            if target not in seen:
                seen.add(target)
                queue.append((target, [*path, field.name]))
    return None


def resolve(model, path):
    """Follow `path` through `_meta`, forward foreign keys only; the model it ends on."""
    for part in path.split("__"):
        field = model._meta.get_field(part)
        assert field.is_relation and field.concrete and (field.many_to_one or field.one_to_one), (
            f"{model._meta.label}.{part} in engagement_path {path!r} is not a forward foreign key")
        model = field.related_model
    return model


def engagement_linked_models():
    """{model: path} for every model of our apps with a path to Engagement (bar Engagement)."""
    found = {}
    for config in local_app_configs():
        for model in config.get_models():
            if model is Engagement:
                continue
            path = path_to_engagement(model)
            if path is not None:
                found[model] = path
    return found


def test_local_apps_are_discovered():
    labels = {c.label for c in local_app_configs()}
    assert {"engagement", "sow", "payments", "kpis"} <= labels
    assert not labels & {"auth", "admin", "contenttypes", "authtoken", "rest_framework"}


def test_every_model_with_a_path_to_engagement_has_an_engagement_scoped_manager():
    linked = engagement_linked_models()
    labels = {m._meta.label_lower for m in linked}
    missing_known = KNOWN_SCOPED - labels
    assert not missing_known, f"the FK walk no longer finds {sorted(missing_known)}"
    problems = []
    for model, path in sorted(linked.items(), key=lambda kv: kv[0]._meta.label_lower):
        label = model._meta.label_lower
        if label in EXEMPT:
            continue
        manager = getattr(model, "objects", None)
        if manager is None or not callable(getattr(manager, "visible_to", None)):
            problems.append(f"{label} (path {path}): no objects.visible_to")
            continue
        queryset = manager.all()
        if not isinstance(queryset, EngagementScopedQuerySet):
            problems.append(f"{label} (path {path}): objects.all() is "
                            f"{type(queryset).__name__}, not an EngagementScopedQuerySet")
            continue
        try:
            end = resolve(model, queryset.engagement_path)
        except Exception as exc:  # noqa: BLE001 - report every model, not the first
            problems.append(f"{label}: engagement_path {queryset.engagement_path!r} does not "
                            f"resolve: {exc}")
            continue
        if end is not Engagement:
            problems.append(f"{label}: engagement_path {queryset.engagement_path!r} ends at "
                            f"{end._meta.label}, not Engagement")
    assert not problems, (
        "Models with a path to Engagement need a manager built with engagement.querysets."
        "scoped_by(<path>) (or an EngagementScopedQuerySet subclass), or a reasoned entry in "
        "EXEMPT:\n  " + "\n  ".join(problems))


def test_exemptions_are_still_needed_and_engagement_uses_its_own_queryset():
    labels = {m._meta.label_lower for m in engagement_linked_models()} | {"engagement.engagement"}
    assert set(EXEMPT) <= labels, "an exemption names a model that no longer reaches Engagement"
    assert isinstance(Engagement.objects.all(), EngagementQuerySet)
    assert callable(Engagement.objects.visible_to)
    # The tenants themselves: no path to Engagement is followed through them.
    for model in (Organisation, get_user_model()):
        assert path_to_engagement(model) is None


@pytest.fixture
def b_people(orgs, people):
    return {
        "pm": people["other_pm"],
        "procurement": UserFactory(username="other_procurement", organisation=orgs["other_client"],
                                   role="procurement"),
        "leader": UserFactory(username="other_leader", organisation=orgs["other_client"],
                              role="leadership"),
    }


def populate(engagement, *, pm, procurement, leader):
    """Rows of every scoped model on `engagement`, through the services."""
    from tests.engagement.factories import under_way

    under_way(engagement)
    milestones = engagement_services.ladder_generate(actor=pm, engagement=engagement)
    engagement_services.raci_seed(actor=pm, engagement=engagement)
    criterion = milestones[0].criteria.first()
    engagement_services.evidence_add(actor=pm, criterion=criterion, kind="note",
                                     note="Seen in the CI log")
    engagement_services.staffing_assign(actor=pm, engagement=engagement,
                                        staffing_role="ml_engineer", person_name="Ada Lovelace")
    engagement_services.baseline_record(actor=pm, engagement=engagement, stage="discovery",
                                        skills=1, process=1, tooling=0)
    define_outcomes(engagement, pm, ready=False)
    sow = build_sow(engagement, procurement,
                    keys=["deliverables-by-milestone", "two-key-rule", "off-ramp"])
    version = sow_services.sow_freeze(actor=procurement, sow=sow,
                                      justification="A short SOW for a tenancy test.",
                                          acknowledge_warnings=True)
    pdf_services.render_request(actor=leader, version=version)
    pay.payment_create(actor=procurement, engagement=engagement, label="Gate 1",
                       amount=Decimal("30000.00"), due_date=dt.date(2026, 10, 30),
                       conditions=[{"kind": "criterion", "criterion": criterion.pk}])
    engagement_services.criterion_verify(actor=pm, criterion=criterion, status="met",
                                         note="Seen in the CI log")
    assert pay.payments_evaluate(engagement_ids=[engagement.pk], today=TODAY)  # notifications
    sow_services.sow_version_submit(actor=procurement, version=version)
    request = ApprovalRequest.objects.get(engagement=engagement, kind="sow_version",
                                          status="open")
    engagement_services.approval_decide(actor=leader, request=request, decision="approve")
    engagement_services.change_request_open(
        actor=pm, engagement=engagement, kind="model_release", summary="Release v2",
        ticket_url="https://tickets.example.com/1", evaluation_url="https://ci.example.com/e/1")
    deliverable = milestones[0].deliverables.first() or engagement_services.deliverable_add(
        actor=pm, milestone=milestones[0], kind="runbook", title="Runbook walk-through",
        owner_role="mlops_engineer", acceptance="Walked through", count=1)
    engagement_services.deliverable_session_log(
        actor=pm, deliverable=deliverable, held_on=dt.date(2026, 9, 15), duration_minutes=45,
        attendees="Ada Lovelace")


def model_rows(model, path, engagement):
    return set(model._base_manager.filter(**{path: engagement}).values_list("pk", flat=True))


def test_visible_to_shows_each_client_its_own_rows_and_nothing_of_the_other(people, orgs,
                                                                            b_people):
    a = make_engagement(actor=people["procurement"], client=orgs["client"],
                        vendor=orgs["vendor"], title="A")
    b = make_engagement(actor=b_people["procurement"], client=orgs["other_client"],
                        vendor=orgs["other_vendor"], title="B")
    populate(a, pm=people["pm"], procurement=people["procurement"], leader=people["leader"])
    populate(b, **b_people)

    linked = engagement_linked_models()
    # Rows are attributed through each manager's own path (a model may have several paths to
    # an engagement, such as evidence through its criterion or through a change request).
    scoped = {m: m.objects.all().engagement_path for m in linked
              if m._meta.label_lower not in EXEMPT}
    empty = {m._meta.label_lower for m, path in scoped.items()
             if not (model_rows(m, path, a) and model_rows(m, path, b))}
    assert not empty & POPULATED, f"the test data left these models empty: {sorted(empty)}"
    # (user, their engagement, the other one, whether they must see rows of every model)
    for user, mine, theirs, sees_all in [(people["pm"], a, b, True),
                                         (b_people["pm"], b, a, True),
                                         (people["vendor"], a, b, False)]:
        assert list(Engagement.objects.visible_to(user)) == [mine]
        for model, path in scoped.items():
            label = model._meta.label_lower
            own, other = model_rows(model, path, mine), model_rows(model, path, theirs)
            seen = set(model.objects.visible_to(user).values_list("pk", flat=True))
            assert not seen & other, f"{label}: {user} sees rows of engagement {theirs.title}"
            assert seen <= own, f"{label}: {user} sees rows of no engagement of theirs"
            if sees_all and label in POPULATED:
                assert seen, f"{label}: {user} sees nothing of their own engagement"


# --- 2. Clause library tenancy -----------------------------------------------------------

TITLE = "Northwind escrow of model weights"
KEY = "northwind-weights-escrow"
DRAFT_BODY = "Northwind's unpublished wording: weights held in escrow for {{ client.name }}."


def token_client(user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def all_clause_ids(api, query=""):
    ids, url = [], f"/api/v1/clauses/?page_size=200{'&q=' + query if query else ''}"
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [c["id"] for c in body["results"]]
        url = body["next"]
    return ids


@pytest.fixture
def own_clause(people, orgs):
    sow_services.library_load()
    clause = sow_services.clause_create(
        actor=people["procurement"], key=KEY, category="ip_portability", title=TITLE,
        body="The vendor escrows the weights for {{ client.name }}.")
    return clause


def test_a_clause_created_by_client_procurement_belongs_to_their_organisation(own_clause, orgs):
    own_clause.refresh_from_db()
    assert own_clause.organisation == orgs["client"]
    versions = list(own_clause.versions.all())
    assert [(v.number, v.status) for v in versions] == [(1, "draft")]


@pytest.mark.parametrize("who", ["vendor", "other_pm", "outsider"])
def test_other_organisations_do_not_see_a_clients_own_clause_in_the_api(own_clause, people, who):
    api = token_client(people[who])
    everything = all_clause_ids(api)
    assert everything, "the shared starter library is listed"
    assert own_clause.pk not in everything
    assert all_clause_ids(api, KEY) == []
    assert own_clause.pk not in all_clause_ids(api, "escrow")
    assert api.get(f"/api/v1/clauses/{own_clause.pk}/").status_code == 404
    assert api.get(f"/api/v1/clauses/{own_clause.pk}/versions/").status_code == 404


@pytest.mark.parametrize("who", ["vendor", "other_pm", "outsider"])
def test_other_organisations_do_not_see_a_clients_own_clause_in_the_library_pages(
        client, own_clause, people, who):
    client.force_login(people[who])
    index = client.get("/library/")
    assert index.status_code == 200
    assert TITLE not in index.content.decode() and KEY not in index.content.decode()
    search = client.get(f"/library/?q={KEY}")
    assert search.status_code == 200 and TITLE not in search.content.decode()
    assert client.get(f"/library/{KEY}/").status_code == 404


@pytest.mark.parametrize("who", ["procurement", "pm", "leader"])
def test_the_creating_organisation_sees_its_own_clause(client, own_clause, people, who):
    api = token_client(people[who])
    assert own_clause.pk in all_clause_ids(api)
    assert all_clause_ids(api, KEY) == [own_clause.pk]
    detail = api.get(f"/api/v1/clauses/{own_clause.pk}/")
    assert detail.status_code == 200 and detail.json()["key"] == KEY
    versions = api.get(f"/api/v1/clauses/{own_clause.pk}/versions/").json()
    assert [(v["number"], v["status"]) for v in versions] == [(1, "draft")]
    client.force_login(people[who])
    assert TITLE in client.get("/library/").content.decode()
    assert client.get(f"/library/{KEY}/").status_code == 200


@pytest.fixture
def shared_draft(people):
    sow_services.library_load()
    clause = Clause.objects.get(key="two-key-rule")
    assert clause.organisation_id is None
    draft = sow_services.clause_version_create(actor=people["procurement"], clause=clause,
                                               body=DRAFT_BODY)
    assert draft.status == "draft"
    return clause, draft


def test_the_vendor_does_not_see_drafts_of_shared_library_clauses(client, people, shared_draft):
    clause, draft = shared_draft
    vendor = token_client(people["vendor"]).get(f"/api/v1/clauses/{clause.pk}/versions/")
    assert vendor.status_code == 200
    rows = vendor.json()
    assert rows, "the vendor sees the published library versions"
    assert {v["status"] for v in rows} <= {"published", "retired"}
    assert draft.pk not in {v["id"] for v in rows}
    assert all(DRAFT_BODY not in v["body"] for v in rows)
    client.force_login(people["vendor"])
    page = client.get(f"/library/{clause.key}/")
    assert page.status_code == 200 and "unpublished wording" not in page.content.decode()

    mine = token_client(people["procurement"]).get(f"/api/v1/clauses/{clause.pk}/versions/")
    assert (draft.pk, "draft") in {(v["id"], v["status"]) for v in mine.json()}


# --- 3. Library writes are audited -------------------------------------------------------

def test_library_writes_are_audited_on_the_creators_organisation_chain(people, orgs):
    actor = people["procurement"]
    clause = sow_services.clause_create(actor=actor, key=KEY, category="ip_portability",
                                        title=TITLE, body="Weights for {{ client.name }}.")
    first = clause.versions.get(number=1)
    second = sow_services.clause_version_create(actor=actor, clause=clause,
                                                body="Weights and code for {{ client.name }}.")
    sow_services.clause_version_set_status(actor=actor, version=second, status="published")
    sow_services.clause_version_set_status(actor=actor, version=first, status="retired")

    events = list(OrganisationAuditEvent.objects.filter(organisation=orgs["client"])
                  .order_by("seq"))
    assert [(e.verb, e.object_type, e.object_id) for e in events] == [
        ("clause.created", "sow.clause", str(clause.pk)),
        ("clause_version.created", "sow.clauseversion", str(second.pk)),
        ("clause_version.status_changed", "sow.clauseversion", str(second.pk)),
        ("clause_version.status_changed", "sow.clauseversion", str(first.pk)),
    ]
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert {e.actor_id for e in events} == {actor.pk}
    assert events[2].before == {"status": "draft"} and events[2].after["status"] == "published"
    assert events[3].before == {"status": "draft"} and events[3].after["status"] == "retired"
    assert not OrganisationAuditEvent.objects.exclude(organisation=orgs["client"]).exists()
    verified = audit_verify()
    assert verified["ok"] is True, verified

    with pytest.raises(RuleViolation) as refused:
        sow_services.clause_version_set_status(actor=actor, version=first, status="draft")
    assert refused.value.rule == "status_flow"
    first.refresh_from_db()
    assert first.status == "retired"
    assert OrganisationAuditEvent.objects.filter(organisation=orgs["client"]).count() == 4
    assert audit_verify()["ok"] is True


def test_edits_to_the_shared_library_go_on_the_editors_organisation_chain(people, orgs,
                                                                         shared_draft):
    clause, draft = shared_draft
    sow_services.clause_version_set_status(actor=people["procurement"], version=draft,
                                           status="published")
    verbs = list(OrganisationAuditEvent.objects.filter(organisation=orgs["client"])
                 .order_by("seq").values_list("verb", "object_id"))
    assert verbs == [("clause_version.created", str(draft.pk)),
                     ("clause_version.status_changed", str(draft.pk))]
    assert audit_verify()["ok"] is True


# --- 4. The gate tracker bumps versions --------------------------------------------------

@pytest.fixture
def gated_payment(engagement, people):
    ladder = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    criterion = ladder[0].criteria.first()
    payment = pay.payment_create(
        actor=people["procurement"], engagement=engagement, label="Gate 1",
        amount=Decimal("30000.00"), due_date=dt.date(2026, 10, 30),
        conditions=[{"kind": "criterion", "criterion": criterion.pk}])
    return payment, criterion


def test_the_gate_tracker_bumps_the_version_and_a_stale_if_match_is_refused(people,
                                                                           gated_payment):
    payment, criterion = gated_payment
    api = token_client(people["procurement"])
    url = f"/api/v1/payment-milestones/{payment.pk}/"
    before = api.get(url)
    assert before.status_code == 200 and before.headers["ETag"] == '"1"'
    assert payment.version == 1 and payment.status == "scheduled"

    engagement_services.criterion_verify(actor=people["pm"], criterion=criterion, status="met",
                                         note="Seen in the CI log")
    moves = pay.payments_evaluate(today=TODAY)
    assert [(m.payment_id, m.before, m.after) for m in moves] == [
        (payment.pk, "scheduled", "eligible")]
    payment.refresh_from_db()
    assert payment.status == "eligible" and payment.version == 2

    after = api.get(url)
    assert after.headers["ETag"] == '"2"' and after.json()["status"] == "eligible"
    stale = api.patch(url, {"label": "Gate one"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409, stale.content
    assert stale.json()["rule"] == "concurrent_edit"
    payment.refresh_from_db()
    assert payment.label == "Gate 1" and payment.version == 2
    fresh = api.patch(url, {"label": "Gate one"}, format="json", HTTP_IF_MATCH='"2"')
    assert fresh.status_code == 200 and fresh.headers["ETag"] == '"3"'


# --- 5. Status moves go through tables ---------------------------------------------------

@pytest.mark.parametrize("table, model", [
    (pay.PAYMENT_TRANSITIONS, PaymentMilestone),
    (sow_services.SOW_VERSION_TRANSITIONS, "sow.SowVersion"),
    (sow_services.CLAUSE_VERSION_TRANSITIONS, ClauseVersion),
])
def test_each_status_field_has_one_table_over_its_own_statuses(table, model):
    model = apps.get_model(model) if isinstance(model, str) else model
    statuses = set(model.Status.values)
    assert set(table) == statuses, "every status has a row (an empty set for a final one)"
    for before, after in table.items():
        assert set(after) <= statuses and before not in after


def test_transition_refuses_a_move_outside_the_table(engagement, people, gated_payment):
    payment, _ = gated_payment
    events = AuditEvent.objects.count()
    with pytest.raises(RuleViolation) as refused, transaction.atomic():
        transition(payment, table=pay.PAYMENT_TRANSITIONS, to="paid", actor=people["pm"],
                   verb="payment.status_changed", engagement=engagement)
    assert refused.value.rule == "status_flow"
    payment.refresh_from_db()
    assert payment.status == "scheduled" and payment.version == 1
    assert AuditEvent.objects.count() == events


def test_a_concurrent_claim_is_a_conflict_and_writes_no_audit_event(engagement, people,
                                                                     gated_payment):
    stale, _ = gated_payment
    PaymentMilestone.objects.filter(pk=stale.pk).update(status="eligible")
    events = AuditEvent.objects.count()
    with pytest.raises(ConflictError), transaction.atomic():
        transition(stale, table=pay.PAYMENT_TRANSITIONS, to="overdue", actor=people["pm"],
                   verb="payment.status_changed", engagement=engagement)
    current = PaymentMilestone.objects.get(pk=stale.pk)
    assert current.status == "eligible" and current.version == 1
    assert AuditEvent.objects.count() == events
    assert not AuditEvent.objects.filter(verb="payment.status_changed").exists()


def test_a_concurrent_claim_on_the_organisation_chain_writes_no_audit_event(people, orgs):
    clause = sow_services.clause_create(actor=people["procurement"], key=KEY,
                                        category="ip_portability", title=TITLE,
                                        body="Weights for {{ client.name }}.")
    stale = clause.versions.get(number=1)
    ClauseVersion.objects.filter(pk=stale.pk).update(status="retired")
    events = OrganisationAuditEvent.objects.count()
    with pytest.raises(ConflictError), transaction.atomic():
        transition(stale, table=sow_services.CLAUSE_VERSION_TRANSITIONS, to="published",
                   actor=people["procurement"], verb="clause_version.status_changed",
                   organisation=orgs["client"])
    assert ClauseVersion.objects.get(pk=stale.pk).status == "retired"
    assert OrganisationAuditEvent.objects.count() == events
