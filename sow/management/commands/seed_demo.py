"""Demo data for a fresh machine. Idempotent: running it again changes nothing.

It lives in the sow app because it is the one app allowed to import the others (engagement
and, through its services, kpis); the engagement core imports neither."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from engagement import services
from engagement.models import (
    ApprovalRequest,
    Engagement,
    Organisation,
    ReadinessBaseline,
    Role,
    User,
)
from kpis.services import kpi_define
from payments import services as payment_services
from sow import services as sow_services
from sow.selectors import fix_clauses
from sow.services import library_load

# The vendor's draft for the demo, in its own words (imported, then checked).
VENDOR_DRAFT = """# Statement of Work: Support Assistant

## 1. Services
The Vendor will fine-tune a language model on the Client's support tickets and deploy it
behind the Client's help-desk tool.

## 2. Intellectual Property
All work product, including model weights and training code, is the exclusive property of
the Vendor. The Client receives a licence to use the model for as long as the support fees
are paid.

## 3. Knowledge Transfer
The Vendor will provide training to the Client's staff on an as-needed basis.

## 4. Fees
Fifty per cent of the fee is due on signature and fifty per cent on go-live.
"""

DEMO_SOW = [
    "deliverables-by-milestone", "training-repository", "data-contracts", "evaluation-harness",
    "model-registry", "model-card", "monitoring-runbooks", "infrastructure-as-code",
    "acceptance-by-criteria", "acceptance-rehearsal-retrain", "acceptance-incident-drill",
    "client-ownership", "export-path", "knowledge-transfer-plan", "office-hours-pairing",
    "competency-gates", "fixed-fee-with-gates", "holdback", "transition-plan", "off-ramp",
    "two-key-rule", "raci", "data-location", "data-retention-deletion",
]

PASSWORD = "offramp-demo"
TITLE = "Support-reply LLM fine-tune"
USERS = [
    ("procurement", "Priya", "Natarajan", "client", Role.PROCUREMENT),
    ("pm", "Marta", "Lindqvist", "client", Role.PROGRAM_MANAGER),
    ("leader", "Leon", "Okafor", "client", Role.LEADERSHIP),
    ("vendor", "Victor", "Hale", "vendor", Role.VENDOR),
]


class Command(BaseCommand):
    help = "Load the demo organisations, users and engagement (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="Run even with DEBUG off (never on a real deployment).")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates users with a published password; it runs only "
                               "with DEBUG on, or with --force.")
        orgs = self._seed()
        # After the commit, so the logins come last (below any e-mail the console prints).
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at http://127.0.0.1:8000/"))
        self.stdout.write(f"  password for every demo user: {PASSWORD}")
        for username, first, last, org, role in USERS:
            self.stdout.write(f"  {username:<12} {first} {last}, {orgs[org]} ({role.label})")

    @transaction.atomic
    def _seed(self):
        client, _ = Organisation.objects.get_or_create(
            name="Northwind Retail", defaults={"kind": Organisation.Kind.CLIENT})
        vendor, _ = Organisation.objects.get_or_create(
            name="Acme ML Partners", defaults={"kind": Organisation.Kind.VENDOR})
        orgs = {"client": client, "vendor": vendor}
        users = {}
        for username, first, last, org, role in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "organisation": orgs[org],
                          "role": role, "email": f"{username}@example.com"},
            )
            if created:
                user.set_password(PASSWORD)
                user.save(update_fields=["password"])
            users[username] = user

        library_load()
        if not Engagement.objects.filter(title=TITLE, client=client).exists():
            engagement = self._engagement(client, vendor, users)
            ladder = self._ladder(engagement, users)
            self._payments(engagement, users)
            self._activate(engagement, users)
            self._progress(ladder, users)
            self._sow(engagement, users)
            self._vendor_draft(engagement, users)
        return orgs

    def _engagement(self, client, vendor, users):
        pm = users["pm"]
        start = dt.date.today() - dt.timedelta(weeks=3)
        engagement = services.engagement_create(
            actor=users["procurement"], title=TITLE, client=client, vendor=vendor,
            format=Engagement.Format.HYBRID,
            use_case="Fine-tune a language model that drafts replies to customer-support "
                     "tickets, and leave Northwind's team able to retrain, evaluate and ship "
                     "it without Acme.",
            start_date=start, length_weeks=12, contract_value=Decimal("240000.00"),
            currency="EUR", off_ramp_date=start + dt.timedelta(weeks=12),
        )
        for role, user, name in [
            ("lead_consultant", users["vendor"], ""),
            ("enablement_lead", None, "Grace Whitfield"),
            ("mlops_engineer", None, "Tomasz Wr\u00f3bel"),
            ("ml_product_owner", pm, ""),
            ("ml_engineer", None, "Aisha Bello"),
            ("data_steward", None, "Jonas Berg"),
            ("platform_partner", None, "Ravi Menon"),
            ("executive_sponsor", users["leader"], ""),
        ]:
            services.staffing_assign(actor=pm, engagement=engagement, staffing_role=role,
                                     user=user, person_name=name)
        services.baseline_record(
            actor=pm, engagement=engagement, stage=ReadinessBaseline.Stage.DISCOVERY,
            skills=1, process=1, tooling=0, assessed_on=start,
            notes="Two ML engineers have fine-tuned small models in notebooks; no evaluation "
                  "suite, no model registry, deployments are manual.",
        )
        target = start + dt.timedelta(weeks=11)
        for layer, name, unit, direction, base, goal in [
            ("business", "Tickets answered with an accepted draft", "%", "up", 0, 35),
            ("system", "Evaluation suite pass rate", "%", "up", 0, 95),
            ("capability", "Time to retrain, run by the internal team", "days", "down", 20, 2),
            ("capability", "Share of training runs started by the internal team", "%", "up",
             0, 80),
        ]:
            kpi_define(actor=pm, engagement=engagement, layer=layer, name=name, unit=unit,
                       direction=direction, baseline=Decimal(base), target=Decimal(goal),
                       target_date=target, source="manual")
        return engagement

    def _activate(self, engagement, users):
        services.engagement_transition(actor=users["pm"], engagement=engagement, to="active",
                                       reason="Kick-off held; outcomes and payments agreed.")

    def _ladder(self, engagement, users):
        """The hybrid ladder and the RACI, from their templates."""
        pm = users["pm"]
        services.raci_seed(actor=pm, engagement=engagement)
        return services.ladder_generate(actor=pm, engagement=engagement)

    def _progress(self, ladder, users):
        """Discovery accepted with two keys, the pipeline under way; the tracker then runs."""
        from payments.services import payments_evaluate

        pm = users["pm"]
        discovery, pipeline = ladder[0], ladder[1]
        services.milestone_transition(actor=pm, milestone=discovery, to="in_progress")
        for criterion in discovery.criteria.all():
            services.evidence_add(actor=users["vendor"], criterion=criterion, kind="link",
                                  url="https://wiki.northwind.example/ml/discovery")
            verifier = users["vendor"] if criterion.performer == "vendor" else pm
            services.criterion_verify(actor=verifier, criterion=criterion, status="met",
                                      note="Reviewed in the week 2 steering meeting.")
        services.milestone_transition(actor=pm, milestone=discovery, to="submitted")
        request = ApprovalRequest.objects.get(subject_id=str(discovery.pk), status="open")
        services.approval_decide(actor=users["leader"], request=request, decision="approve",
                                 reason="Baseline and evaluation definitions look right.")
        services.approval_decide(actor=users["vendor"], request=request, decision="approve")
        services.milestone_transition(actor=pm, milestone=pipeline, to="in_progress")
        repro = pipeline.criteria.filter(performer="vendor").first()
        services.evidence_add(actor=users["vendor"], criterion=repro, kind="link",
                              url="https://ci.northwind.example/pipelines/118")
        services.criterion_verify(actor=users["vendor"], criterion=repro, status="met",
                                  note="Clean checkout reproduced the first run's metrics.")
        payments_evaluate(engagement_ids=[discovery.engagement_id])

    def _payments(self, engagement, users):
        """Fixed fee of 240,000 EUR in five gated instalments (agreed before activation)."""
        from engagement.models import AcceptanceCriterion, Milestone

        pm = users["procurement"]
        ladder = {m.kind: m for m in Milestone.objects.filter(engagement=engagement,
                                                             stream="delivery")}
        drill = AcceptanceCriterion.objects.filter(milestone=ladder["go_live"],
                                                   method="incident_drill").first()
        handoff = Milestone.objects.get(engagement=engagement, kind="transition")
        plan = [
            ("Discovery and baseline accepted", "36000.00", ladder["discovery"], []),
            ("Pipeline skeleton accepted", "48000.00", ladder["pipeline"], []),
            ("Evaluation gates in CI", "48000.00", ladder["evaluation"], []),
            ("Rehearsal retrain by the internal team", "60000.00", ladder["rehearsal_retrain"],
             []),
        ]
        for label, amount, milestone, _ in plan:
            payment_services.payment_create(
                actor=pm, engagement=engagement, label=label, amount=Decimal(amount),
                due_date=min(milestone.due_date + dt.timedelta(days=7), engagement.end_date),
                conditions=[{"kind": "milestone", "milestone": milestone.pk}])
        payment_services.payment_create(
            actor=pm, engagement=engagement, label="Holdback: incident drill and handoff",
            amount=Decimal("48000.00"), due_date=engagement.end_date,
            conditions=[{"kind": "criterion", "criterion": drill.pk},
                        {"kind": "milestone", "milestone": handoff.pk}])

    def _vendor_draft(self, engagement, users):
        """The vendor's own first draft, imported as text: what procurement checks first."""
        sow_services.sow_import(actor=users["procurement"], engagement=engagement,
                                title="Vendor's first draft (imported)", text=VENDOR_DRAFT)

    def _sow(self, engagement, users):
        """A SOW built from the starter library, its schedules, and one frozen version."""
        procurement = users["procurement"]
        sow = sow_services.sow_create(actor=procurement, engagement=engagement,
                                      title="Statement of work: support-reply LLM fine-tune")
        versions = fix_clauses(DEMO_SOW, user=procurement)
        for key in DEMO_SOW:
            sow_services.sow_section_add(actor=procurement, sow=sow, clause_version=versions[key])
        for schedule in ("ladder", "raci", "kpis", "staffing", "enablement", "payments"):
            sow_services.sow_section_add(actor=procurement, sow=sow, schedule=schedule)
        sow_services.sow_freeze(actor=procurement, sow=sow)
