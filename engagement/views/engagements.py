"""Pages. Thin: parse input, call a selector or a service, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from common.errors import ConflictError, DomainError

from .. import selectors, services
from ..audit import audit_verify
from ..filtersets import EngagementFilter
from ..forms import BaselineForm, EngagementEditForm, EngagementForm, StaffingForm, TransitionForm
from ..models import Engagement, ReadinessBaseline
from ..rules import can, describe_permission, transition_fixes


def apply_domain_error(form, exc):
    placed = False
    for field, msgs in exc.fields.items():
        if field in form.fields and not form.fields[field].disabled:
            for msg in msgs:
                form.add_error(field, msg)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _page(request, qs):
    paginator = Paginator(qs, settings.OFFRAMP_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


@login_required
def engagement_list(request):
    filterset = EngagementFilter(request.GET, queryset=selectors.engagement_list(user=request.user),
                                 request=request)
    page = _page(request, filterset.qs)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode(),
               **_progress_columns(page.object_list)}
    template = ("engagement/_engagement_table.html" if request.headers.get("HX-Request")
                else "engagement/engagement_list.html")
    response = render(request, template, context)
    # One URL answers with a fragment or a page: caches (and Back) must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _progress_columns(engagements):
    """The page's progress columns: the ladder's (here) and those other apps registered, each
    read for the whole page at once."""
    from ..extensions import list_columns

    ids = [e.pk for e in engagements]
    progress = selectors.progress_for(ids, today=timezone.localdate())
    columns = [(c.label, c.values(ids)) for c in list_columns()]
    for e in engagements:
        p = progress.get(e.pk, selectors.NO_PROGRESS)
        e.current_milestone = p["current"]
        e.criteria_met, e.criteria_total = p["criteria_met"], p["criteria_total"]
        e.criteria_share = p["criteria_met"] / p["criteria_total"] if p["criteria_total"] else 0
        e.extra = [{**values.get(e.pk, {"text": "—", "share": None}), "label": label}
                   for label, values in columns]
    return {"extra_columns": [label for label, _ in columns]}


@login_required
def engagement_create(request):
    if not can(request.user, "engagement.add_engagement"):
        # Refused before the form is filled in, with the same words the service would use.
        return render(request, "refused.html", {"message": describe_permission(
            "engagement.add_engagement")}, status=403)
    partners = selectors.organisation_partner_choices(user=request.user)
    initial = {}
    if request.user.organisation_id:
        org = request.user.organisation
        initial["client" if org.kind == "client" else "vendor"] = org.pk
    form = EngagementForm(request.POST or None, partner_choices=partners, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            engagement = services.engagement_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"Engagement “{engagement.title}” created as a draft.")
            return redirect("engagement:detail", pk=engagement.pk)
    return render(request, "engagement/engagement_form.html", {"form": form, "creating": True})


@login_required
def engagement_edit(request, pk):
    engagement = selectors.engagement_get(user=request.user, pk=pk)
    form = EngagementEditForm(request.POST or None, instance=engagement,
                              initial={"version": engagement.version})
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.changed_data
                if name != "version" and not form.fields[name].disabled}
        try:
            services.engagement_update(actor=request.user, engagement=engagement, data=data,
                                       expected_version=form.cleaned_data["version"])
        except ConflictError as exc:
            conflict = exc
            fresh = Engagement.objects.get(pk=pk)
            conflict.rows = [
                {"label": form.fields[name].label, "theirs": getattr(fresh, name),
                 "yours": form.cleaned_data.get(name)}
                for name in form.fields if name != "version" and name in data
            ]
            # Offer to apply the user's values on top of the current version.
            form.data = form.data.copy()
            form.data["version"] = fresh.version
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Changes saved.")
            return redirect("engagement:detail", pk=pk)
    return render(request, "engagement/engagement_form.html",
                  {"form": form, "engagement": engagement, "conflict": conflict})


@login_required
def engagement_detail(request, pk):
    engagement = selectors.engagement_get(user=request.user, pk=pk, for_page=True)
    next_moves = [
        {"to": to, "problems": services.engagement_transition_problems(engagement, to),
         "fixes": transition_fixes(to)}
        for to in sorted(services.ENGAGEMENT_TRANSITIONS[engagement.status])
    ]
    people = selectors.engagement_people(engagement=engagement)
    return render(request, "engagement/engagement_detail.html", {
        "engagement": engagement,
        "week": engagement.week_of(timezone.localdate()),
        "baselines": selectors.baselines_side_by_side(engagement),
        "events": selectors.latest_audit_events(engagement=engagement),
        "next_moves": next_moves,
        "staffing_form": StaffingForm(people=people),
        "tab": "overview",
    })


@login_required
@require_POST
def engagement_transition(request, pk):
    engagement = selectors.engagement_get(user=request.user, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status to move to.")
        return redirect("engagement:detail", pk=pk)
    try:
        services.engagement_transition(actor=request.user, engagement=engagement,
                                       to=form.cleaned_data["to"],
                                       reason=form.cleaned_data["reason"],
                                       acknowledge_warnings=form.acknowledged())
    except DomainError as exc:
        messages.error(request, exc.message)
        if form.cleaned_data["to"] in services.ENGAGEMENT_TRANSITIONS[engagement.status]:
            return redirect(reverse("engagement:move",
                                    kwargs={"pk": pk, "to": form.cleaned_data["to"]}))
    else:
        messages.success(request, f"The engagement is now {form.cleaned_data['to']}.")
    return redirect("engagement:detail", pk=pk)


CHECKLISTS = {
    "active": ["At least one KPI in each layer (business, system, capability); a retainer has "
               "an off-ramp date and a capability target in every quarter.",
               "A payment schedule gated on capability; a fixed-fee schedule adds up to the "
               "contract value.",
               "A project has a rehearsal retrain on its ladder; a hybrid's every milestone "
               "has a stream.",
               "An internal ML product owner and an internal engineering owner are named in "
               "staffing."],
    "transition": ["Go-live is accepted, with its incident drill passed.",
                   "Every knowledge-transfer deliverable is accepted, or waived with a reason."],
    "closed": ["Every payment is paid.", "The closing readiness baseline is recorded."],
}


@login_required
def engagement_move(request, pk, to):
    """The confirmation step of a status move: what it requires, what is still missing, the
    warnings to read, and what becomes fixed."""
    engagement = selectors.engagement_get(user=request.user, pk=pk)
    if to not in services.ENGAGEMENT_TRANSITIONS.get(engagement.status, set()):
        raise Http404("That is not this engagement's next status.")
    problems = services.engagement_transition_problems(engagement, to)
    return render(request, "engagement/move.html", {
        "engagement": engagement, "tab": "overview", "to": to,
        "week": engagement.week_of(timezone.localdate()),
        "requirements": CHECKLISTS[to], "problems": problems, "fixes": transition_fixes(to),
        "pending": services.checklists.PENDING_CLOSE_ITEMS if to == "closed" else [],
        "warnings": [] if problems else services.engagement_transition_warnings(engagement, to),
        "fixed_fields": sorted(services.engagements.DRAFT_ONLY_FIELDS) if to == "active" else [],
        "form": TransitionForm(initial={"to": to}),
    })


@login_required
@require_POST
def staffing_add(request, pk):
    engagement = selectors.engagement_get(user=request.user, pk=pk)
    form = StaffingForm(request.POST, people=selectors.engagement_people(engagement=engagement))
    if form.is_valid():
        try:
            services.staffing_assign(actor=request.user, engagement=engagement,
                                     **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Person added to the staffing.")
    else:
        errors = [e for errs in form.errors.values() for e in errs]
        messages.error(request, " ".join(errors))
    return redirect(f"{engagement.get_absolute_url()}#staffing")


@login_required
@require_POST
def staffing_remove(request, pk, assignment_pk):
    engagement = selectors.engagement_get(user=request.user, pk=pk)
    assignment = get_object_or_404(engagement.staffing.all(), pk=assignment_pk)
    try:
        services.staffing_remove(actor=request.user, assignment=assignment)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Person removed from the staffing.")
    return redirect(f"{engagement.get_absolute_url()}#staffing")


@login_required
def baseline_record(request, pk, stage):
    engagement = selectors.engagement_get(user=request.user, pk=pk)
    if stage not in ReadinessBaseline.Stage.values:
        return redirect("engagement:detail", pk=pk)
    existing = engagement.baselines.filter(stage=stage).first()
    form = BaselineForm(request.POST or None, instance=existing,
                        initial={"stage": stage, "assessed_on": timezone.localdate()})
    form.fields["stage"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "stage"}
        try:
            services.baseline_record(actor=request.user, engagement=engagement, stage=stage,
                                     **data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Readiness baseline saved.")
            return redirect(f"{engagement.get_absolute_url()}#baseline")
    return render(request, "engagement/baseline_form.html", {
        "engagement": engagement, "form": form,
        "stage_label": ReadinessBaseline.Stage(stage).label,
    })


@login_required
def engagement_audit(request, pk):
    engagement = selectors.engagement_get(user=request.user, pk=pk)
    page = _page(request, selectors.audit_events_for(user=request.user,
                                                     engagement_id=engagement.pk))
    return render(request, "engagement/engagement_audit.html", {
        "engagement": engagement, "page": page, "tab": "audit",
        "chain": audit_verify(engagement_id=engagement.pk),
        "week": engagement.week_of(timezone.localdate()),
    })



@login_required
def search(request):
    """Everything the user may see that matches, grouped by kind (each app adds its kinds)."""
    from ..extensions import search_kinds

    text = (request.GET.get("q") or "").strip()[:200]
    groups = []
    if len(text) >= 2:
        for kind in search_kinds():
            results = kind.search(request.user, text, 10)
            if results:
                groups.append({"label": kind.label, "results": results})
    return render(request, "engagement/search.html", {"q": text, "groups": groups,
                                                       "too_short": 0 < len(text) < 2})
