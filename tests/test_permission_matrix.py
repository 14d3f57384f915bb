"""The permission matrix: for every role on either side, every action, the page shows the
control exactly when the service takes the action.

Each user GETs the page the control lives on and we look for its `data-control` marker
(within its own criterion or payment row where the page has one per item); then the same
user calls the service inside a savepoint that is always rolled back. "Allowed" means the
service raised no NotAllowed. Pages and services ask the same django-rules permission, so
any difference here is a bug in a template or a service, not in this table.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from common.errors import DomainError, NotAllowed, RuleViolation
from engagement import services as eng
from engagement.models import Engagement, Role
from engagement.rules import can, require
from kpis import services as kpis
from payments import services as pay
from sow import services as sow
from tests.engagement.factories import (
    UserFactory,
    define_outcomes,
    make_engagement,
    prepare_for_activation,
)

pytestmark = pytest.mark.django_db

CLIENT_ROLES = (Role.PROCUREMENT, Role.PROGRAM_MANAGER, Role.LEADERSHIP, Role.ADMIN)
VENDOR_ROLES = (*CLIENT_ROLES, Role.VENDOR)  # vendor staff exist only in a vendor organisation
GATE_CHECKED_ON = dt.date(2026, 9, 20)  # inside the engagement (7 Sep to 2 Nov 2026)


# --- Who ---------------------------------------------------------------------------------

@dataclass
class Who:
    label: str
    user: object
    side: str  # "internal", "vendor", "-" (superuser: no side) or "none" (outsider)
    role: str
    outsider: bool = False

    def __str__(self):
        return f"{self.label} (side={self.side}, role={self.role})"


def make_users(orgs):
    people = []
    for kind, roles in (("client", CLIENT_ROLES), ("vendor", VENDOR_ROLES)):
        for role in roles:
            user = UserFactory(username=f"matrix-{kind}-{role}", organisation=orgs[kind],
                               role=role)
            people.append(Who(f"{kind}-org {role}", user,
                              "internal" if kind == "client" else "vendor", role))
    superuser = UserFactory(username="matrix-superuser", organisation=None, role=Role.ADMIN,
                            is_superuser=True, is_staff=True)
    people.append(Who("superuser", superuser, "-", "superuser"))
    # The strongest role in a third client organisation: only tenancy can refuse it.
    outsider = UserFactory(username="matrix-outsider", organisation=orgs["other_client"],
                           role=Role.ADMIN)
    people.append(Who("outsider (third client org)", outsider, "none", Role.ADMIN,
                      outsider=True))
    return people


# --- The engagement every action works on ------------------------------------------------

def fresh(obj):
    """A new read of `obj`, so one user's attempt never sees another's in-memory state."""
    return type(obj).objects.get(pk=obj.pk)


def build_world(orgs):
    """Built through the services: an active engagement with a generated ladder, KPIs, a RACI
    and a fixed-fee schedule of four payments (eligible without a request, approved by two
    client keys, invoiced, and one still waiting on its gate); plus a draft with no ladder."""
    people = make_users(orgs)
    by_label = {w.label: w.user for w in people}
    procurement = by_label["client-org procurement"]
    pm = by_label["client-org program_manager"]
    leader = by_label["client-org leadership"]
    vendor_staff = by_label["vendor-org vendor"]

    main = make_engagement(actor=procurement, client=orgs["client"], vendor=orgs["vendor"])
    bare = make_engagement(actor=procurement, client=orgs["client"], vendor=orgs["vendor"],
                           title="No ladder yet")
    ladder = eng.ladder_generate(actor=pm, engagement=main)
    first = ladder[0]
    crit_internal = first.criteria.filter(performer="internal").order_by("position").first()
    crit_vendor = first.criteria.filter(performer="vendor").order_by("position").first()
    assert crit_internal and crit_vendor, "the default ladder's first milestone has both kinds"
    gates = list(ladder[1].criteria.order_by("position"))[:3]
    assert len(gates) == 3

    define_outcomes(main, pm, ready=False)
    scheduled = [
        pay.payment_create(actor=procurement, engagement=main, label=f"Gate {i}",
                           amount=Decimal("30000.00"), due_date=dt.date(2026, 10, 30),
                           conditions=[{"kind": "criterion", "criterion": c.pk}])
        for i, c in enumerate(gates, start=1)
    ]
    scheduled.append(pay.payment_create(
        actor=procurement, engagement=main, label="Holdback", amount=Decimal("30000.00"),
        due_date=main.end_date, conditions=[{"kind": "milestone", "milestone": ladder[-1].pk}]))
    prepare_for_activation(main, pm)
    main = eng.engagement_transition(actor=pm, engagement=main, to="active")
    eng.raci_seed(actor=pm, engagement=main)

    for c in gates:
        eng.criterion_verify(actor=pm, criterion=c, status="met", note="Seen in the CI log")
    pay.payments_evaluate(engagement_ids=[main.pk], today=GATE_CHECKED_ON)
    eligible, approved, invoiced = (fresh(p) for p in scheduled[:3])
    for p in (approved, invoiced):
        request = pay.payment_request_release(actor=procurement, payment=p)
        eng.approval_decide(actor=leader, request=request, decision="approve")
        eng.approval_decide(actor=pm, request=request, decision="approve")
    pay.payment_mark_invoiced(actor=vendor_staff, payment=fresh(invoiced),
                              invoice_reference="INV-1")

    world = SimpleNamespace(
        orgs=orgs, people=people, pm=pm, main=fresh(main), bare=fresh(bare),
        crit_internal=fresh(crit_internal), crit_vendor=fresh(crit_vendor),
        eligible=fresh(eligible), approved=fresh(approved), invoiced=fresh(invoiced),
    )
    assert world.main.status == "active" and world.bare.status == "draft"
    assert (world.eligible.status, world.approved.status, world.invoiced.status) == (
        "eligible", "approved", "invoiced")
    assert not world.bare.milestones.exists()
    return world


@pytest.fixture
def world(orgs):
    return build_world(orgs)


@pytest.fixture
def closed_world(orgs):
    w = build_world(orgs)
    # The services close only an engagement whose work is proven and whose money is settled;
    # this world keeps payments in every state to see their controls, so both engagements
    # are closed directly (tests/engagement/test_engagement_transitions.py closes one for real).
    Engagement.objects.filter(pk__in=[w.main.pk, w.bare.pk]).update(
        status=Engagement.Status.CLOSED)
    w.main, w.bare = fresh(w.main), fresh(w.bare)
    assert w.main.status == w.bare.status == "closed"
    return w


# --- What ---------------------------------------------------------------------------------

def engagement_create(w, user):
    client, vendor = w.orgs["client"], w.orgs["vendor"]
    if user.organisation is not None:  # one's own organisation on its side of the contract
        if user.organisation.kind == "client":
            client = user.organisation
        else:
            vendor = user.organisation
    return eng.engagement_create(actor=user, title="Matrix engagement", client=client,
                                 vendor=vendor, format="project",
                                 start_date=dt.date(2026, 9, 7), length_weeks=8,
                                 contract_value=Decimal("50000.00"), currency="EUR")


@dataclass(frozen=True)
class Action:
    name: str
    marker: str  # the data-control attribute on the page
    permission: str  # what require() checks (for the closed test)
    page: Callable  # world -> path
    target: Callable  # world -> the object require() gets (None: no engagement)
    call: Callable  # (world, user) -> runs the service
    scope: Callable = lambda w: None  # world -> the id of the row/item the control sits in
    engagement_scoped: bool = True
    # Rules the world does not meet on purpose (the move's checklist): refused by them still
    # counts as allowed by permission.
    expected_rules: tuple = ()

    def __str__(self):
        return self.name


def detail(w):
    return f"/engagements/{w.main.pk}/"


def ladder_page(w):
    return f"/engagements/{w.main.pk}/ladder/"


def payments_page(w):
    return f"/engagements/{w.main.pk}/payments/"


ACTIONS = [
    Action("engagement-create", "engagement-create", "engagement.add_engagement",
           page=lambda w: "/engagements/", target=lambda w: None, call=engagement_create,
           engagement_scoped=False),
    Action("engagement-edit", "engagement-edit", "engagement.change_engagement",
           page=detail, target=lambda w: w.main,
           call=lambda w, u: eng.engagement_update(actor=u, engagement=fresh(w.main),
                                                   data={"title": "Renamed by the matrix"})),
    Action("engagement-transition", "engagement-transition", "engagement.transition_engagement",
           page=detail, target=lambda w: w.main,
           call=lambda w, u: eng.engagement_transition(actor=u, engagement=fresh(w.main),
                                                       to="transition"),
           expected_rules=("precondition",)),
    Action("staffing-assign", "staffing-assign", "engagement.change_staffing",
           page=detail, target=lambda w: w.main,
           call=lambda w, u: eng.staffing_assign(actor=u, engagement=fresh(w.main),
                                                 staffing_role="data_steward",
                                                 person_name="Dana Steward")),
    Action("baseline-record", "baseline-record", "engagement.record_baseline",
           page=detail, target=lambda w: w.main,
           call=lambda w, u: eng.baseline_record(actor=u, engagement=fresh(w.main),
                                                 stage="discovery", skills=1, process=2,
                                                 tooling=1, notes="Matrix")),
    Action("ladder-generate", "ladder-generate", "engagement.manage_ladder",
           page=lambda w: f"/engagements/{w.bare.pk}/ladder/", target=lambda w: w.bare,
           call=lambda w, u: eng.ladder_generate(actor=u, engagement=fresh(w.bare))),
    Action("milestone-add", "milestone-add", "engagement.manage_ladder",
           page=ladder_page, target=lambda w: w.main,
           call=lambda w, u: eng.milestone_create(actor=u, engagement=fresh(w.main),
                                                  title="Extra review", start_week=2,
                                                  end_week=3, ownership_mode="internal_leads")),
    Action("criterion-verify-internal", "criterion-verify", "engagement.verify_criterion",
           page=ladder_page, target=lambda w: w.crit_internal,
           scope=lambda w: f"c-{w.crit_internal.pk}",
           call=lambda w, u: eng.criterion_verify(actor=u, criterion=fresh(w.crit_internal),
                                                  status="met", note="Watched the run")),
    Action("criterion-verify-vendor", "criterion-verify", "engagement.verify_criterion",
           page=ladder_page, target=lambda w: w.crit_vendor,
           scope=lambda w: f"c-{w.crit_vendor.pk}",
           call=lambda w, u: eng.criterion_verify(actor=u, criterion=fresh(w.crit_vendor),
                                                  status="met", note="Read the document")),
    Action("evidence-add", "evidence-add", "engagement.add_evidence",
           page=ladder_page, target=lambda w: w.crit_internal.milestone,
           scope=lambda w: f"c-{w.crit_internal.pk}",
           call=lambda w, u: eng.evidence_add(actor=u, criterion=fresh(w.crit_internal),
                                              kind="note", note="Seen in the review")),
    Action("raci-save", "raci-save", "engagement.change_raci",
           page=lambda w: f"/engagements/{w.main.pk}/raci/", target=lambda w: w.main,
           call=lambda w, u: eng.raci_save(actor=u, engagement=fresh(w.main),
                                           cells=eng.raci_template())),
    Action("kpi-define", "kpi-define", "kpis.define_kpi",
           page=lambda w: f"/engagements/{w.main.pk}/kpis/", target=lambda w: w.main,
           call=lambda w, u: kpis.kpi_define(actor=u, engagement=fresh(w.main),
                                             layer="system", name="Latency p95",
                                             target=Decimal("300"),
                                             target_date=dt.date(2026, 10, 26))),
    Action("sow-create", "sow-create", "sow.draft_sow",
           page=lambda w: f"/engagements/{w.main.pk}/sows/", target=lambda w: w.main,
           call=lambda w, u: sow.sow_create(actor=u, engagement=fresh(w.main),
                                            title="Matrix SOW")),
    Action("clause-create", "clause-create", "sow.curate_library",
           page=lambda w: "/library/", target=lambda w: None, engagement_scoped=False,
           call=lambda w, u: sow.clause_create(actor=u, key="matrix-office-hours",
                                               category="enablement", title="Office hours",
                                               body="Weekly office hours with "
                                                    "{{ client.name }}.")),
    Action("payment-schedule", "payment-schedule", "payments.schedule_payment",
           page=payments_page, target=lambda w: w.main,
           # Time and materials: the fixed-fee schedule already matches the contract value.
           call=lambda w, u: pay.payment_create(
               actor=u, engagement=fresh(w.main), label="Extra days", amount=Decimal("1000.00"),
               due_date=dt.date(2026, 10, 30), commercial_model="time_and_materials",
               conditions=[{"kind": "criterion", "criterion": w.crit_internal.pk}])),
    Action("payment-release", "payment-release", "payments.request_release",
           page=payments_page, target=lambda w: w.eligible,
           scope=lambda w: f"p-{w.eligible.pk}",
           call=lambda w, u: pay.payment_request_release(actor=u, payment=fresh(w.eligible))),
    Action("payment-invoiced", "payment-invoiced", "payments.mark_invoiced",
           page=payments_page, target=lambda w: w.approved,
           scope=lambda w: f"p-{w.approved.pk}",
           call=lambda w, u: pay.payment_mark_invoiced(actor=u, payment=fresh(w.approved),
                                                       invoice_reference="INV-2")),
    Action("payment-paid", "payment-paid", "payments.mark_paid",
           page=payments_page, target=lambda w: w.invoiced,
           scope=lambda w: f"p-{w.invoiced.pk}",
           call=lambda w, u: pay.payment_mark_paid(actor=u, payment=fresh(w.invoiced),
                                                   paid_on=timezone.localdate())),
]


# --- Looking and trying -------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Controls(HTMLParser):
    """Every element with a data-control, with the ids of the elements it sits in."""

    def __init__(self, html):
        super().__init__()
        self.stack, self.found = [], []
        self.feed(html)
        self.close()

    def _see(self, tag, attrs, push):
        attrs = dict(attrs)
        ids = {i for _, i in self.stack if i} | ({attrs["id"]} if attrs.get("id") else set())
        if attrs.get("data-control"):
            self.found.append((attrs["data-control"], ids))
        if push and tag not in VOID:
            self.stack.append((tag, attrs.get("id")))

    def handle_starttag(self, tag, attrs):
        self._see(tag, attrs, push=True)

    def handle_startendtag(self, tag, attrs):
        self._see(tag, attrs, push=False)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def shows(self, marker, scope=None):
        return any(m == marker and (scope is None or scope in ids) for m, ids in self.found)


def get_page(user, path):
    browser = Client()
    browser.force_login(user)
    return browser.get(path)


class _RollBack(Exception):
    pass


def attempt(call, *args):
    """Run `call(*args)` in a savepoint that is always rolled back; the DomainError it raised,
    if any."""
    try:
        with transaction.atomic():
            call(*args)
            raise _RollBack
    except _RollBack:
        return None
    except DomainError as exc:
        return exc


def describe(exc):
    return "succeeded" if exc is None else f"{type(exc).__name__}(rule={exc.rule!r})"


# --- The matrix ---------------------------------------------------------------------------

@pytest.mark.parametrize("action", ACTIONS, ids=str)
def test_page_shows_the_control_exactly_when_the_service_allows(world, action):
    problems, allowed_by, refused_by = [], [], []
    for who in world.people:
        path = action.page(world)
        response = get_page(who.user, path)
        outcome = attempt(action.call, world, who.user)
        allowed = not isinstance(outcome, NotAllowed)
        (allowed_by if allowed else refused_by).append(who.label)
        where = f"{action.name}: {who}"

        if who.outsider and action.engagement_scoped:
            if response.status_code != 404:
                problems.append(f"{where}: GET {path} answered {response.status_code}, not 404")
            if not (isinstance(outcome, NotAllowed) and outcome.rule == "tenancy"):
                problems.append(f"{where}: the service gave {describe(outcome)}, not "
                                "NotAllowed(rule='tenancy')")
            continue

        if response.status_code != 200:
            problems.append(f"{where}: GET {path} answered {response.status_code}")
            continue
        shown = Controls(response.content.decode()).shows(action.marker, action.scope(world))
        if shown != allowed:
            problems.append(
                f"{where}: page {path} {'shows' if shown else 'hides'} "
                f"data-control=\"{action.marker}\" but the service {describe(outcome)} "
                f"(can({action.permission!r}) = {can(who.user, action.permission, action.target(world))})")
        elif allowed and outcome is not None and outcome.rule not in action.expected_rules:
            # Allowed by permission yet refused for another reason: the inputs are wrong.
            problems.append(f"{where}: allowed, but the service refused with "
                            f"{describe(outcome)}: {outcome.message}")

    assert not problems, "\n".join(problems)
    assert allowed_by, f"{action.name}: nobody may do it; the row proves nothing"
    assert refused_by, f"{action.name}: everybody may do it; the row proves nothing"


AFTER_CLOSE = {"baseline-record", "payment-invoiced", "payment-paid"}


def test_a_closed_engagement_shows_no_write_control_and_refuses_every_write(closed_world):
    w = closed_world
    problems, after_close_shown = [], {}
    for action in ACTIONS:
        if not action.engagement_scoped:
            continue
        for who in w.people:
            path = action.page(w)
            where = f"{action.name} on a closed engagement: {who}"
            response = get_page(who.user, path)
            if who.outsider:
                if response.status_code != 404:
                    problems.append(f"{where}: GET {path} answered {response.status_code}")
            elif response.status_code != 200:
                problems.append(f"{where}: GET {path} answered {response.status_code}")
                continue
            shown = not who.outsider and Controls(response.content.decode()).shows(
                action.marker, action.scope(w))

            if action.marker in AFTER_CLOSE:
                # The closing baseline may be recorded after the engagement closed, and money
                # already approved is still invoiced and paid.
                outcome = attempt(action.call, w, who.user)
                allowed = not isinstance(outcome, NotAllowed)
                if isinstance(outcome, RuleViolation) and outcome.rule == "closed":
                    problems.append(f"{where}: the service refused as closed")
                if not who.outsider and shown != allowed:
                    problems.append(f"{where}: shown={shown} but the service {describe(outcome)}")
                if shown:
                    after_close_shown.setdefault(action.marker, []).append(who.label)
                continue

            if shown:
                problems.append(f"{where}: page {path} shows data-control=\"{action.marker}\"")
            try:
                require(who.user, action.permission, action.target(w))
            except RuleViolation as exc:
                if exc.rule != "closed":
                    problems.append(f"{where}: require() refused with rule {exc.rule!r}")
            except DomainError as exc:
                problems.append(f"{where}: require() raised {describe(exc)}, not "
                                "RuleViolation(rule='closed')")
            else:
                problems.append(f"{where}: require({action.permission!r}) allowed it")
            outcome = attempt(action.call, w, who.user)
            if not (isinstance(outcome, RuleViolation) and outcome.rule == "closed"):
                problems.append(f"{where}: the service gave {describe(outcome)}, not "
                                "RuleViolation(rule='closed')")

    assert not problems, "\n".join(problems)
    assert set(after_close_shown) == AFTER_CLOSE, after_close_shown
