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
from kpis.services import kpi_define, measurements_record
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
RETAINER_TITLE = "Fraud-scoring model retainer"
PROJECT_TITLE = "Operations triage automation"
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
        import os

        from django.core import mail

        # The demo's notifications would go out as e-mails (printed whole by the console
        # backend in local mode, burying the logins): they are kept in memory instead and
        # stay readable in the app under Notifications.
        saved = settings.EMAIL_BACKEND
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        outbox = getattr(mail, "outbox", None)
        try:
            orgs = self._seed()
        finally:
            settings.EMAIL_BACKEND = saved
            if outbox is not None:
                mail.outbox = outbox
        port = os.environ.get("PORT", "8000")
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready. Log in at http://127.0.0.1:{port}/"))
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
            self._measurements(engagement, users)
            self._progress(ladder, users)
            self._people(engagement, users)
            self._sow(engagement, users)
            self._vendor_draft(engagement, users)
        other_vendor, _ = Organisation.objects.get_or_create(
            name="Globex AI", defaults={"kind": Organisation.Kind.VENDOR})
        if not Engagement.objects.filter(title=RETAINER_TITLE, client=client).exists():
            self._retainer(client, other_vendor, users)
        if not Engagement.objects.filter(title=PROJECT_TITLE, client=client).exists():
            self._project(client, vendor, users)
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

    def _measurements(self, engagement, users):
        """Three weeks of values: the business and system KPIs and the internal share of runs
        on track, time to retrain just behind its path (at risk)."""
        today = dt.date.today()
        series = {
            "Tickets answered with an accepted draft": [0, 4, 7, 11],
            "Evaluation suite pass rate": [0, 12, 22, 31],
            "Time to retrain, run by the internal team": [20, 19, 18, "16.8"],
            "Share of training runs started by the internal team": [0, 10, 20, 30],
        }
        kpis = {k.name: k for k in engagement.kpis.all()}
        rows = [{"kpi": kpis[name].pk, "date": min(today, engagement.start_date
                                                    + dt.timedelta(weeks=week)),
                 "value": value, "source": "demo"}
                for name, values in series.items() for week, value in enumerate(values)]
        measurements_record(actor=users["pm"], engagement=engagement, rows=rows, via="demo")

    def _people(self, engagement, users):
        """Competency at the start and now (some areas reach independent), two drills held
        (one passed; one led by the vendor, which does not count) and the go-live drill
        planned."""
        from engagement.models import StaffingAssignment
        from kpis import services as kpi_services

        pm, leader = users["pm"], users["leader"]
        staff = {a.display_name: a for a in StaffingAssignment.objects.filter(
            engagement=engagement).select_related("user")}
        start, now = engagement.start_date, min(dt.date.today(), engagement.end_date)
        rounds = [
            ("Aisha Bello", {"data_pipeline": ("intermediate", "independent"),
                             "training_runs": ("beginner", "intermediate"),
                             "evaluation": ("beginner", "intermediate"),
                             "deployment": ("beginner", "beginner"),
                             "monitoring_incidents": ("beginner", "intermediate")}),
            ("Jonas Berg", {"data_pipeline": ("intermediate", "independent"),
                            "evaluation": ("beginner", "beginner")}),
            ("Marta Lindqvist", {"evaluation": ("intermediate", "independent"),
                                 "monitoring_incidents": ("beginner", "intermediate")}),
        ]
        for name, areas in rounds:
            person = staff[name]
            for area, (first, latest) in areas.items():
                for day, level, round_ in ((start, first, "start"), (now, latest, "mid")):
                    kpi_services.assessment_record(
                        actor=pm, engagement=engagement, person=person, area=area,
                        level=level, assessed_on=day, round=round_,
                        note=f"Observed in week {(day - start).days // 7 + 1}: "
                             f"{level} against the rubric.")
        passed = kpi_services.drill_plan(actor=pm, engagement=engagement,
                                         scenario="drift_alert",
                                         planned_for=start + dt.timedelta(days=10))
        kpi_services.drill_record(
            actor=pm, drill=passed, held_on=start + dt.timedelta(days=10), detect_minutes=8,
            restore_minutes=42, primary_responder=staff["Aisha Bello"],
            vendor_role="shadowing",
            postmortem_url="https://wiki.northwind.example/ml/postmortems/drift-drill-1")
        kpi_services.drill_review(actor=leader, drill=passed, review="complete",
                                  note="Clear timeline; the alert threshold change is tracked.")
        vendor_led = kpi_services.drill_plan(actor=pm, engagement=engagement,
                                             scenario="bad_release",
                                             planned_for=start + dt.timedelta(days=17))
        kpi_services.drill_record(
            actor=pm, drill=vendor_led, held_on=start + dt.timedelta(days=17),
            detect_minutes=5, restore_minutes=25, primary_responder=staff["Victor Hale"],
            vendor_role="primary",
            postmortem_url="https://wiki.northwind.example/ml/postmortems/rollback-drill-1")
        kpi_services.drills_schedule(actor=pm, engagement=engagement)

    def _other_engagement(self, users, *, client, vendor, title, use_case, format, weeks_ago,
                          length_weeks, value, off_ramp=None):
        start = dt.date.today() - dt.timedelta(weeks=weeks_ago)
        engagement = services.engagement_create(
            actor=users["procurement"], title=title, client=client, vendor=vendor,
            format=format, use_case=use_case, start_date=start, length_weeks=length_weeks,
            contract_value=Decimal(value), currency="EUR", off_ramp_date=off_ramp)
        for role, user, name in [("ml_product_owner", users["pm"], ""),
                                 ("executive_sponsor", users["leader"], ""),
                                 ("lead_consultant", None, "Dana Whitcombe"),
                                 ("ml_engineer", None, "Lea Novak")]:
            services.staffing_assign(actor=users["pm"], engagement=engagement,
                                     staffing_role=role, user=user, person_name=name)
        services.raci_seed(actor=users["pm"], engagement=engagement)
        services.ladder_generate(actor=users["pm"], engagement=engagement)
        return engagement

    def _weekly(self, engagement, users, kpi, values):
        measurements_record(actor=users["pm"], engagement=engagement, via="demo", rows=[
            {"kpi": kpi.pk, "date": min(dt.date.today(), engagement.start_date
                                        + dt.timedelta(weeks=week)),
             "value": value, "source": "demo"} for week, value in enumerate(values)])

    def _retainer(self, client, vendor, users):
        """A retainer paid as time and materials, month by month on capability OKRs."""
        pm = users["pm"]
        start = dt.date.today() - dt.timedelta(weeks=9)
        engagement = self._other_engagement(
            users, client=client, vendor=vendor, title=RETAINER_TITLE,
            use_case="Keep the card-fraud scoring model current while Northwind's risk "
                     "analytics team takes over retraining and monitoring.",
            format=Engagement.Format.RETAINER, weeks_ago=9, length_weeks=26,
            value="180000.00", off_ramp=start + dt.timedelta(weeks=26))
        kpis = {}
        for layer, name, unit, direction, base, goal, due in [
            ("business", "Fraud losses per 10,000 transactions", "EUR", "down", 140, 100, 26),
            ("system", "Drift alerts handled within SLA", "%", "up", 50, 95, 26),
            ("capability", "Training runs started by the internal team", "%", "up", 0, 50, 12),
            ("capability", "Training runs started by the internal team by the off-ramp",
             "%", "up", 50, 90, 26),
        ]:
            kpis[name] = kpi_define(actor=pm, engagement=engagement, layer=layer, name=name,
                                    unit=unit, direction=direction, baseline=Decimal(base),
                                    target=Decimal(goal), source="manual",
                                    target_date=start + dt.timedelta(weeks=due))
        share = kpis["Training runs started by the internal team"]
        for month in range(6):
            due = min(start + dt.timedelta(weeks=4 * (month + 1) + 1), engagement.end_date)
            payment_services.payment_create(
                actor=users["procurement"], engagement=engagement,
                label=f"Month {month + 1} (time and materials)", amount=Decimal("30000.00"),
                due_date=due, commercial_model="time_and_materials",
                conditions=[{"kind": "kpi", "ref": share.pk,
                             "threshold": str(min(10 * (month + 1), 50))}])
        self._activate(engagement, users)
        self._weekly(engagement, users, kpis["Fraud losses per 10,000 transactions"],
                     [140, 138, 133, 130, 126, 124, 121, 118, 116, 113])
        self._weekly(engagement, users, kpis["Drift alerts handled within SLA"],
                     [50, 55, 60, 62, 66, 70, 71, 74, 78, 80])
        self._weekly(engagement, users, share, [0, 5, 8, 12, 18, 22, 25, 31, 34, 38])
        self._weekly(engagement, users,
                     kpis["Training runs started by the internal team by the off-ramp"],
                     [50, 52, 55, 58, 61, 63, 66, 69, 71, 74])
        from payments.selectors import schedule_rows
        from payments.services import payment_request_release, payments_evaluate

        payments_evaluate(engagement_ids=[engagement.pk])
        # The first month was released with two client-side keys.
        first = min(schedule_rows(engagement), key=lambda p: p.position)
        request = payment_request_release(actor=users["pm"], payment=first)
        for who in ("leader", "procurement"):
            services.approval_decide(actor=users[who], request=request, decision="approve",
                                     reason="The month's OKR was met.")

    def _project(self, client, vendor, users):
        """A fixed-fee project that is off track: the internal team is not taking over."""
        pm = users["pm"]
        engagement = self._other_engagement(
            users, client=client, vendor=vendor, title=PROJECT_TITLE,
            use_case="Classify and route incoming operations tickets automatically, with "
                     "Northwind's platform team owning the model at the end.",
            format=Engagement.Format.PROJECT, weeks_ago=6, length_weeks=10,
            value="90000.00")
        due = engagement.start_date + dt.timedelta(weeks=10)
        kpis = {}
        for layer, name, unit, direction, base, goal in [
            ("business", "Operations cases handled automatically", "%", "up", 0, 60),
            ("system", "Evaluation pass rate", "%", "up", 0, 95),
            ("capability", "Internal share of merged changes", "%", "up", 0, 70),
        ]:
            kpis[layer] = kpi_define(actor=pm, engagement=engagement, layer=layer, name=name,
                                     unit=unit, direction=direction, baseline=Decimal(base),
                                     target=Decimal(goal), target_date=due, source="manual")
        from engagement.models import Milestone

        ladder = list(Milestone.objects.filter(engagement=engagement).order_by("position"))
        shares = [Decimal("0.2"), Decimal("0.3"), Decimal("0.3"), Decimal("0.2")]
        for part, milestone in zip(shares, ladder[:1] + ladder[2:5], strict=True):
            payment_services.payment_create(
                actor=users["procurement"], engagement=engagement,
                label=f"{milestone.title} accepted",
                amount=(Decimal("90000.00") * part).quantize(Decimal("0.01")),
                due_date=min(milestone.due_date + dt.timedelta(days=7), engagement.end_date),
                conditions=[{"kind": "milestone", "milestone": milestone.pk}])
        self._activate(engagement, users)
        self._weekly(engagement, users, kpis["business"], [0, 5, 11, 17, 23, 30, 35])
        self._weekly(engagement, users, kpis["system"], [0, 20, 38, 50, 61, 70, 78])
        self._weekly(engagement, users, kpis["capability"], [0, 2, 3, 5, 5, 6, 8])

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
        pass_rate = engagement.kpis.get(layer="system")
        for label, amount, milestone, _ in plan:
            conditions = [{"kind": "milestone", "milestone": milestone.pk}]
            if milestone.kind == "evaluation":
                # Money for evaluation waits on the suite itself passing, not on a report.
                conditions.append({"kind": "kpi", "ref": pass_rate.pk, "threshold": "90"})
            payment_services.payment_create(
                actor=pm, engagement=engagement, label=label, amount=Decimal(amount),
                due_date=min(milestone.due_date + dt.timedelta(days=7), engagement.end_date),
                conditions=conditions)
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
