"""The payment schedule page, its actions and the finance exports."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.exports import safe_cell, xlsx_response
from engagement import selectors as engagement_selectors

from . import selectors
from . import services as payment_services
from .forms import PaidForm, PaymentForm
from .selectors import schedule_rows


@login_required
def payments(request, pk):
    engagement = engagement_selectors.engagement_get(user=request.user, pk=pk)
    rows = schedule_rows(engagement)
    totals = payment_services.schedule_totals(rows, engagement.contract_value)
    proven, total_criteria = selectors.capability_proven(engagement)
    value = engagement.contract_value or 1
    return render(request, "payments/payments.html", {
        "engagement": engagement, "tab": "payments", "rows": rows, "totals": totals,
        "week": engagement.week_of(timezone.localdate()),
        "released_pct": round(100 * totals["released"] / value),
        "proven_pct": round(100 * proven / total_criteria) if total_criteria else 0,
        "proven": proven, "total_criteria": total_criteria,
        "milestones": selectors.gate_choices(engagement),
        "plugged": selectors.plugged_choices(engagement),
        "today": timezone.localdate(),
    })


@login_required
@require_POST
def payment_create(request, pk):
    engagement = engagement_selectors.engagement_get(user=request.user, pk=pk)
    form = PaymentForm(request.POST, engagement=engagement)
    if not form.is_valid():
        messages.error(request, "The payment was not scheduled. " + " ".join(
            f"{form.fields[f].label or f.replace('_', ' ').capitalize()}: {e}"
            for f, errs in form.errors.items() for e in errs))
        return redirect("payments:schedule", pk=pk)
    data = form.cleaned_data
    try:
        payment = payment_services.payment_create(
            actor=request.user, engagement=engagement, label=data["label"],
            amount=data["amount"], due_date=data["due_date"], conditions=form.conditions(),
            commercial_model=data["commercial_model"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Payment “{payment.label}” scheduled; the gate tracker "
                                  "checks its gate now.")
    return redirect("payments:schedule", pk=pk)


@login_required
@require_POST
def payment_action(request, pk, payment_pk):
    engagement = engagement_selectors.engagement_get(user=request.user, pk=pk)
    payment = get_object_or_404(selectors.payments_visible(user=request.user),
                                engagement=engagement, pk=payment_pk)
    action = request.POST.get("action")
    try:
        if action == "release":
            payment_services.payment_request_release(actor=request.user, payment=payment)
            messages.success(request, "Release requested: two keys needed, both from client-side users.")
        elif action == "invoiced":
            payment_services.payment_mark_invoiced(
                actor=request.user, payment=payment,
                invoice_reference=request.POST.get("invoice_reference", ""))
            messages.success(request, "Invoice recorded.")
        elif action == "waive":
            payment_services.payment_request_waiver(actor=request.user, payment=payment,
                                                    reason=request.POST.get("reason", ""))
            messages.success(request, "Waiver requested: two keys needed, both from client-side "
                                      "users.")
        elif action == "write_off":
            payment_services.payment_write_off(actor=request.user, payment=payment,
                                               reason=request.POST.get("reason", ""))
            messages.success(request, "Payment written off.")
        elif action == "paid":
            form = PaidForm(request.POST)
            if not form.is_valid():
                raise DomainError("Choose the date the payment arrived.", field="paid_on")
            payment_services.payment_mark_paid(actor=request.user, payment=payment,
                                               paid_on=form.cleaned_data["paid_on"])
            messages.success(request, "Payment recorded as paid.")
        else:
            messages.error(request, "Unknown action.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("payments:schedule", kwargs={"pk": pk}) + f"#p-{payment.pk}")


@login_required
@require_POST
def evaluate_gates(request, pk):
    engagement = engagement_selectors.engagement_get(user=request.user, pk=pk)
    try:
        moved = payment_services.payments_check_gates(actor=request.user, engagement=engagement)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("payments:schedule", pk=pk)
    messages.success(request, f"Gates checked: {len(moved)} payment"
                              f"{'s' if len(moved) != 1 else ''} changed state.")
    return redirect("payments:schedule", pk=pk)


def export_rows(engagement):
    header = ["Label", "Amount", "Currency", "Due date", "Commercial model", "Status", "Gate",
              "Gate met", "Invoice reference", "Paid on"]
    rows = []
    for p in schedule_rows(engagement):
        gate = "; ".join(
            g["words"]
            + (" (met)" if g["met"] else " (open)") for g in p.gate)
        rows.append([p.label, p.amount, engagement.currency, p.due_date.isoformat(),
                     p.get_commercial_model_display(), p.get_status_display(), gate,
                     "yes" if p.gate_met else "no", p.invoice_reference,
                     p.paid_on.isoformat() if p.paid_on else ""])
    return header, rows


@login_required
def payments_export(request, pk, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404("Exports are CSV or XLSX.")
    engagement = engagement_selectors.engagement_get(user=request.user, pk=pk)
    header, rows = export_rows(engagement)
    name = f"payment-schedule-engagement-{engagement.pk}"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        return xlsx_response(name, "Payments", header, rows, money_columns=(1,))
    response["Cache-Control"] = "private, no-store"
    return response
