"""KPI pages. Thin: parse input, call a selector or a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.errors import DomainError
from engagement import selectors as engagement_selectors
from engagement.rules import can
from engagement.views import apply_domain_error

from . import charts, selectors, services, sources
from .forms import CsvImportForm, KPIForm, SourceImportForm
from .importing import read_csv
from .models import KPI
from .status import __doc__ as STATUS_RULE  # noqa: N812 - shown on the page as written


def _engagement(request, pk):
    return engagement_selectors.engagement_get(user=request.user, pk=pk)


def _common(engagement, tab="kpis"):
    return {"engagement": engagement, "tab": tab,
            "week": engagement.week_of(timezone.localdate())}


def _status_rule():
    """The rule's numbered points from kpis.status, as the page shows them."""
    text = STATUS_RULE.split("\n\n", 1)[1]
    items, current = [], []
    for line in text.splitlines():
        if line[:2].rstrip(".").isdigit() and current:
            items.append(" ".join(current))
            current = []
        current.append(line.strip().lstrip("0123456789. "))
    items.append(" ".join(current))
    return [i.replace("**", "") for i in items if i]


@login_required
def kpi_list(request, pk):
    engagement = _engagement(request, pk)
    form = KPIForm(request.POST or None, engagement=engagement)
    if request.method == "POST" and form.is_valid():
        data, waypoints = form.service_fields()
        try:
            services.kpi_define(actor=request.user, engagement=engagement, waypoints=waypoints,
                                **data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "KPI added.")
            return redirect("kpis:list", pk=pk)
    kpis = selectors.kpi_rows(engagement=engagement)
    for k in kpis:
        k.spark = charts.sparkline(k)
    layers = [{"layer": layer, "kpis": [k for k in kpis if k.layer == layer]}
              for layer in KPI.Layer]
    return render(request, "kpis/kpi_list.html", {
        **_common(engagement), "layers": layers, "form": form, "kpis": kpis,
        "problems": services.activation_problems(engagement)
        if engagement.status == "draft" else [],
        "status_rule": _status_rule(), "catalogue": services.catalogue(),
        "added": {k.catalogue_key for k in kpis if k.catalogue_key},
    })


@login_required
def kpi_detail(request, pk, kpi_pk):
    engagement = _engagement(request, pk)
    kpi = selectors.kpi_detail(user=request.user, pk=kpi_pk)
    if kpi.engagement_id != engagement.pk:
        raise Http404
    form = KPIForm(request.POST or None, instance=kpi, engagement=engagement)
    if request.method == "POST":
        if form.is_valid():
            data, waypoints = form.service_fields()
            try:
                services.kpi_update(actor=request.user, kpi=kpi, data=data, waypoints=waypoints,
                                    expected_version=_version(request))
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, "KPI saved.")
                return redirect("kpis:detail", pk=pk, kpi_pk=kpi_pk)
        kpi = selectors.kpi_detail(user=request.user, pk=kpi_pk)
    return render(request, "kpis/kpi_detail.html", {
        **_common(engagement), "kpi": kpi, "form": form,
        "chart": charts.line_chart(kpi, start=engagement.start_date,
                                   end=services.definitions.last_day(engagement)),
        "values": list(reversed(kpi.series)),
        "can_delete": engagement.status == "draft" and not kpi.series,
        "status_rule": _status_rule(),
    })


def _version(request):
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@login_required
@require_POST
def kpi_delete(request, pk, kpi_pk):
    engagement = _engagement(request, pk)
    kpi = selectors.kpi_detail(user=request.user, pk=kpi_pk)
    if kpi.engagement_id != engagement.pk:
        raise Http404
    try:
        services.kpi_delete(actor=request.user, kpi=kpi)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("kpis:detail", pk=pk, kpi_pk=kpi_pk)
    messages.success(request, f"KPI “{kpi.name}” deleted.")
    return redirect("kpis:list", pk=pk)


@login_required
@require_POST
def catalogue_add(request, pk):
    engagement = _engagement(request, pk)
    try:
        kpi = services.kpi_add_from_catalogue(actor=request.user, engagement=engagement,
                                              key=request.POST.get("key", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("kpis:list", pk=pk)
    messages.success(request, f"Added “{kpi.name}”, due on the engagement's last day: adjust "
                              "its target and date if needed.")
    return redirect("kpis:detail", pk=pk, kpi_pk=kpi.pk)


@login_required
def record_week(request, pk):
    """One form for a date's values of every KPI of the engagement."""
    engagement = _engagement(request, pk)
    kpis = selectors.kpi_rows(engagement=engagement)
    today = timezone.localdate()
    last = services.definitions.last_day(engagement)
    default_day = min(today, last)
    day = request.POST.get("date") or request.GET.get("date") or f"{default_day:%Y-%m-%d}"
    error, field_errors = None, {}
    if request.method == "POST":
        rows = [{"kpi": k.pk, "date": day, "value": request.POST.get(f"value-{k.pk}", ""),
                 "note": request.POST.get(f"note-{k.pk}", ""), "source": "manual"}
                for k in kpis if request.POST.get(f"value-{k.pk}", "").strip()]
        if not rows:
            error = "Enter at least one value."
        else:
            try:
                outcome = services.measurements_record(actor=request.user, engagement=engagement,
                                                       rows=rows, via="week form")
            except DomainError as exc:
                error = exc.message
                if getattr(exc, "row", None) is not None:
                    field_errors[rows[exc.row]["kpi"]] = exc.message
            else:
                messages.success(request, f"Saved: {outcome.created} new, {outcome.updated} "
                                          f"changed, {outcome.unchanged} unchanged.")
                return redirect("kpis:list", pk=pk)
    for k in kpis:
        k.entered = request.POST.get(f"value-{k.pk}", "")
        k.note_entered = request.POST.get(f"note-{k.pk}", "")
        k.error = field_errors.get(k.pk)
    return render(request, "kpis/record.html", {
        **_common(engagement), "kpis": kpis, "day": day, "error": error,
        "min_day": engagement.start_date, "max_day": min(today, last),
        "can_record": can(request.user, "kpis.record_measurement", engagement),
    })


@login_required
def csv_import(request, pk):
    """Upload or paste a CSV → a preview with every row's problem → save only when all valid."""
    engagement = _engagement(request, pk)
    form = CsvImportForm(request.POST or None, request.FILES or None)
    preview, text = None, ""
    if request.method == "POST" and request.POST.get("confirm") and form.is_valid():
        # The preview re-posts the text it showed; it is checked again before anything is saved.
        text = form.cleaned_data["text"]
        preview = read_csv(text, selectors.kpis_for(engagement=engagement))
        if preview.ok:
            try:
                outcome = services.measurements_record(
                    actor=request.user, engagement=engagement, via="csv import",
                    rows=[{k: r[k] for k in ("kpi", "date", "value", "source", "note")}
                          for r in preview.rows])
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Imported {len(preview.rows)} rows: "
                                          f"{outcome.created} new, {outcome.updated} changed, "
                                          f"{outcome.unchanged} unchanged.")
                return redirect("kpis:list", pk=pk)
    elif request.method == "POST" and form.is_valid():
        text = _read_upload(form)
        if text is None:
            form.add_error("file", "The file is not UTF-8 text: save it as CSV (UTF-8).")
        elif not text.strip():
            form.add_error("text", "Choose a CSV file or paste its text.")
        else:
            preview = read_csv(text, selectors.kpis_for(engagement=engagement))
    return render(request, "kpis/import.html", {
        **_common(engagement), "form": form, "preview": preview,
        "text": text if preview is not None else "",
        "can_record": can(request.user, "kpis.record_measurement", engagement),
    })


def _read_upload(form):
    upload = form.cleaned_data.get("file")
    if upload is None:
        return form.cleaned_data.get("text") or ""
    if upload.size > 2 * 1024 * 1024:
        return "x" * (2 * 1024 * 1024 + 1)  # read_csv reports the size
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


@login_required
@require_POST
def measurement_delete(request, pk, kpi_pk, measurement_pk):
    engagement = _engagement(request, pk)
    kpi = selectors.kpi_detail(user=request.user, pk=kpi_pk)
    measurement = next((m for m in kpi.series if m.pk == measurement_pk), None)
    if kpi.engagement_id != engagement.pk or measurement is None:
        raise Http404
    try:
        services.measurement_delete(actor=request.user, measurement=measurement,
                                    reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Value removed.")
    return redirect("kpis:detail", pk=pk, kpi_pk=kpi_pk)


@login_required
def source_import(request, pk):
    """Capability KPIs from the client's systems: a git log export or CI pipeline runs."""
    engagement = _engagement(request, pk)
    form = SourceImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            raw = data["file"].read(sources.MAX_BYTES + 1)
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise DomainError("The file is not UTF-8 text.", rule="invalid_field",
                                  field="file") from None
            if data["kind"] == "git":
                outcome, weeks, skipped = services.import_git_authorship(
                    actor=request.user, engagement=engagement,
                    changes=sources.read_git_export(text),
                    internal_domains=data["internal_domain"])
            else:
                outcome, weeks, skipped = services.import_pipeline_runs(
                    actor=request.user, engagement=engagement, runs=sources.read_runs(text),
                    internal_domains=data["internal_domain"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"{len(weeks)} week(s) read: {outcome.created} new "
                                      f"values, {outcome.updated} changed, {outcome.unchanged} "
                                      f"unchanged; {len(skipped)} week(s) outside the "
                                      "engagement left out.")
            return redirect("kpis:list", pk=pk)
    return render(request, "kpis/sources.html", {
        **_common(engagement), "form": form,
        "can_record": can(request.user, "kpis.record_measurement", engagement),
    })


# --- People: competency and drills ----------------------------------------------------------

@login_required
def competency(request, pk):
    from engagement.models import KnowledgeTransferDeliverable, Side, StaffingAssignment

    from .forms import AssessmentForm

    engagement = _engagement(request, pk)
    people = StaffingAssignment.objects.filter(engagement=engagement, side=Side.INTERNAL,
                                               left_on__isnull=True)
    checks = KnowledgeTransferDeliverable.objects.filter(
        milestone__engagement=engagement, kind="competency_check").select_related(
        "milestone__engagement").order_by("milestone__end_week", "id")
    form = AssessmentForm(request.POST or None, request.FILES or None, people=people,
                          checks=checks,
                          initial={"assessed_on": timezone.localdate(),
                                   "round": request.GET.get("round", "other"),
                                   "deliverable": request.GET.get("check")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assessment_record(
                actor=request.user, engagement=engagement, person=data["person"],
                area=data["area"], level=data["level"], round=data["round"],
                assessed_on=data["assessed_on"], note=data["note"],
                evidence_url=data["evidence_url"], evidence_file=data["evidence_file"],
                deliverable=data["deliverable"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"Assessment of {data['person'].display_name} recorded.")
            return redirect("kpis:competency", pk=pk)
    data = selectors.heatmap(engagement=engagement)
    linked = {}
    for a in data["assessments"]:
        if a.deliverable_id:
            linked[a.deliverable_id] = linked.get(a.deliverable_id, 0) + 1
    rounds = [{"check": d, "round": "end" if i == len(checks) - 1 else "mid",
               "assessments": linked.get(d.pk, 0)} for i, d in enumerate(checks)]
    return render(request, "kpis/competency.html", {
        **_common(engagement, "competency"), "form": form, "rounds": rounds, **data,
    })


@login_required
def rubric(request, pk):
    """The client organisation's rubric, cell by cell (its own wording over the defaults)."""
    from .models import Area, Level

    engagement = _engagement(request, pk)
    organisation = engagement.client
    if request.method == "POST":
        try:
            services.rubric_cell_update(actor=request.user, organisation=organisation,
                                        area=request.POST.get("area", ""),
                                        level=request.POST.get("level", ""),
                                        description=request.POST.get("description", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Rubric cell saved.")
        return redirect("kpis:rubric", pk=pk)
    cells = services.rubric_for(organisation)
    return render(request, "kpis/rubric.html", {
        **_common(engagement, "competency"), "organisation": organisation,
        "rows": [{"area": a, "cells": [{"level": lv, "text": cells[(a.value, lv.value)]}
                                       for lv in Level]} for a in Area],
        "levels": list(Level),
        "can_edit": can(request.user, "kpis.edit_rubric", organisation),
    })


@login_required
def drills(request, pk):
    from engagement.models import AcceptanceCriterion, StaffingAssignment

    from .forms import DrillPlanForm, DrillRecordForm

    engagement = _engagement(request, pk)
    criteria = AcceptanceCriterion.objects.filter(
        milestone__engagement=engagement, method="incident_drill").select_related("milestone")
    form = DrillPlanForm(request.POST or None, criteria=criteria,
                         initial={"planned_for": timezone.localdate()})
    if request.method == "POST" and request.POST.get("action") == "schedule":
        try:
            new = services.drills_schedule(actor=request.user, engagement=engagement)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{len(new)} drill{'s' if len(new) != 1 else ''} planned.")
        return redirect("kpis:drills", pk=pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.drill_plan(actor=request.user, engagement=engagement, **data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Drill planned.")
            return redirect("kpis:drills", pk=pk)
    people = StaffingAssignment.objects.filter(engagement=engagement,
                                               left_on__isnull=True).select_related("user")
    rows = selectors.drills_for(engagement=engagement)
    for d in rows:
        d.record_form = DrillRecordForm(people=people, prefix=f"d{d.pk}", initial={
            "held_on": d.held_on or d.planned_for, "detect_minutes": d.detect_minutes,
            "restore_minutes": d.restore_minutes, "primary_responder": d.primary_responder_id,
            "vendor_role": d.vendor_role if d.held_on else "shadowing",
            "postmortem_url": d.postmortem_url})
    return render(request, "kpis/drills.html", {
        **_common(engagement, "drills"), "form": form, "drills": rows,
        "today": timezone.localdate(),
        "can_run": can(request.user, "kpis.run_drill", engagement),
        "can_review": can(request.user, "kpis.review_drill", engagement),
    })


def _drill(request, pk, drill_pk):
    from django.shortcuts import get_object_or_404

    engagement = _engagement(request, pk)
    return engagement, get_object_or_404(selectors.drills_visible(user=request.user),
                                         pk=drill_pk, engagement=engagement)


@login_required
@require_POST
def drill_record(request, pk, drill_pk):
    from django.urls import reverse

    from engagement.models import StaffingAssignment

    from .forms import DrillRecordForm

    engagement, drill = _drill(request, pk, drill_pk)
    form = DrillRecordForm(request.POST, request.FILES, prefix=f"d{drill.pk}",
                           people=StaffingAssignment.objects.filter(engagement=engagement))
    if not form.is_valid():
        messages.error(request, "The drill was not recorded. " + " ".join(
            f"{form.fields[f].label}: {e}" for f, errs in form.errors.items() for e in errs))
    else:
        try:
            drill = services.drill_record(actor=request.user, drill=drill, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Drill recorded: {drill.get_result_display().lower()}. "
                                      f"{drill.result_reason}")
    return redirect(reverse("kpis:drills", args=[pk]) + f"#drill-{drill_pk}")


@login_required
@require_POST
def drill_review(request, pk, drill_pk):
    from django.urls import reverse

    _, drill = _drill(request, pk, drill_pk)
    try:
        drill = services.drill_review(actor=request.user, drill=drill,
                                      review=request.POST.get("review", ""),
                                      note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Review saved: the drill {drill.get_result_display().lower()}"
                                  f". {drill.result_reason}")
    return redirect(reverse("kpis:drills", args=[pk]) + f"#drill-{drill_pk}")


@login_required
def drill_postmortem(request, pk, drill_pk):
    from django.http import FileResponse

    _, drill = _drill(request, pk, drill_pk)
    if not drill.postmortem_file:
        raise Http404
    return FileResponse(drill.postmortem_file.open("rb"), as_attachment=True,
                        filename=drill.postmortem_name or "postmortem")


@login_required
def assessment_evidence(request, pk, assessment_pk):
    from django.http import FileResponse
    from django.shortcuts import get_object_or_404

    engagement = _engagement(request, pk)
    a = get_object_or_404(selectors.assessments_visible(user=request.user), pk=assessment_pk,
                          engagement=engagement)
    if not a.evidence_file:
        raise Http404
    return FileResponse(a.evidence_file.open("rb"), as_attachment=True,
                        filename=a.evidence_name or "evidence")
