"""The ladder page and every action on it. Each action answers htmx with the updated milestone
card (plus the timeline and warnings, out of band) and plain posts with a redirect."""

import datetime as dt
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.errors import ConflictError, DomainError
from common.inputs import parse_id
from common.placed import place, placed_messages

from .. import selectors, services
from ..forms import (
    CriterionForm,
    CriterionPanelForm,
    DeliverableForm,
    EvidenceForm,
    LadderGenerateForm,
    MilestoneForm,
    MilestoneTransitionForm,
    VerifyForm,
)
from ..models import Milestone, OwnershipMode

ROW_HEIGHT, LABEL_WIDTH, TOP = 30, 250, 34


def timeline(engagement, milestones, today):
    """Geometry for the SVG timeline: one row per milestone, one column per week."""
    weeks = engagement.length_weeks
    week_width = max(14, min(64, 880 // weeks))
    label_every = 1 if week_width >= 28 else (2 if week_width >= 18 else 4)
    current = engagement.week_of(today)
    rows = []
    for i, m in enumerate(milestones):
        rows.append({
            "m": m, "y": TOP + i * ROW_HEIGHT, "text_y": TOP + i * ROW_HEIGHT + 19,
            "x": LABEL_WIDTH + (m.start_week - 1) * week_width,
            "width": (m.end_week - m.start_week + 1) * week_width - 2,
        })
    return {
        "rows": rows, "width": LABEL_WIDTH + weeks * week_width + 10,
        "height": TOP + len(milestones) * ROW_HEIGHT + 8,
        "weeks": [{"n": n, "x": LABEL_WIDTH + (n - 1) * week_width,
                   "label": n == 1 or n % label_every == 0} for n in range(1, weeks + 1)],
        "week_width": week_width,
        "today_x": (LABEL_WIDTH + (current - 1) * week_width + week_width // 2
                    if 1 <= current <= weeks and today <= engagement.end_date else None),
        "current": current,
    }


def _ladder_context(request, engagement):
    milestones = selectors.ladder_for_page(engagement=engagement)
    today = timezone.localdate()
    warnings = services.ladder_warnings(engagement, milestones)
    by_milestone = {}
    for pk, message in warnings:
        by_milestone.setdefault(pk, []).append(message)
    for m in milestones:
        m.collapsed = not m.is_current(today)
        m.warnings = by_milestone.get(m.pk, [])
    _prepare_cards(milestones, placed=placed_messages(request))
    return {
        "engagement": engagement, "milestones": milestones, "tab": "ladder",
        "week": engagement.week_of(today), "timeline": timeline(engagement, milestones, today),
        "general_warnings": by_milestone.get(None, []),
        "ownership_modes": OwnershipMode,
        "generate_form": LadderGenerateForm(initial={"weeks": engagement.length_weeks}),
        "new_milestone_form": MilestoneForm(initial={
            "start_week": 1, "end_week": 1, "ownership_mode": OwnershipMode.INTERNAL_LEADS}),
        "criterion_form": CriterionForm(), "evidence_form": EvidenceForm(),
        "approved_changes": selectors.approved_changes(engagement=engagement),
        "deliverable_form": DeliverableForm(),
    }


def _prepare_cards(milestones, rehearsals=None, placed=None):
    """What each milestone card shows beyond its rows: what blocks submitting, the count of
    met criteria, the two keys of its acceptance request and the messages placed on it or on
    one of its criteria after a plain post."""
    placed = placed or {}
    for m in milestones:
        criteria = list(m.criteria.all())
        m.placed = placed.get(f"m-{m.pk}", [])
        for c in criteria:
            c.placed = placed.get(f"c-{c.pk}", [])
        if m.placed or any(c.placed for c in criteria):
            m.collapsed = False
        m.submit_problems = services.submit_problems(m, criteria, rehearsals)
        m.met_count = sum(c.status == "met" for c in criteria)
        req = m.acceptance_request
        m.keys = None
        if req:
            current = req.current_keys(req.approvals.all())
            m.keys = {"request": req, "current": current,
                      "slots": (current + [None, None])[:2] if req.status == "open" else current,
                      "needed": services.keys_needed(req, current)}


@login_required
def this_week(request):
    """The program manager's week across engagements: the open milestones of the current and
    next two weeks, each a full card whose actions answer in place; later ones listed."""
    today = timezone.localdate()
    current, later = selectors.this_week(user=request.user, today=today)
    go_lives = {m.engagement_id for m in current if m.kind == "go_live"}
    for m in current:
        m.collapsed, m.warnings = False, []
    _prepare_cards(current, list(services.accepted_rehearsals(go_lives)) if go_lives else [],
                   placed=placed_messages(request))
    return render(request, "engagement/this_week.html", {
        "current": current, "later": later, "today": today, "nav": "week",
        "until": today + dt.timedelta(weeks=Milestone.WEEKS_AHEAD),
        "ownership_modes": OwnershipMode, "criterion_form": CriterionForm(),
        "deliverable_form": DeliverableForm(),
    })


@login_required
def ladder(request, pk):
    engagement = selectors.engagement_get(user=request.user, pk=pk)
    return render(request, "engagement/ladder.html", _ladder_context(request, engagement))


def _answer(request, engagement, milestone_pk, *, error=None, done=None, conflict=None,
            criterion=None):
    """htmx: the milestone card (with the message inside the criterion acted on, when there is
    one) and, on the ladder page, the ladder summary; otherwise a redirect with a message."""
    if error and criterion is not None and request.FILES:
        error += " The chosen file was not kept: choose it again."
    if request.headers.get("HX-Request"):
        context = _ladder_context(request, engagement)
        card = next((m for m in context["milestones"] if m.pk == milestone_pk), None)
        context.update({
            "m": card, "card_error": error if criterion is None else None,
            "card_done": done if criterion is None else None, "conflict": conflict,
            "oob": not _from_week(request),
            "acted_on": criterion.pk if criterion is not None else None,
            "criterion_error": error if criterion is not None else None,
            "criterion_done": done if criterion is not None else None,
            # What was typed comes back into the panel when it was refused.
            "typed": {"url": request.POST.get("url", ""), "note": request.POST.get("note", "")}
            if error else {}})
        return render(request, "engagement/_milestone_response.html", context)
    # A plain post: back to the page it came from, with the message placed inside the
    # criterion or card acted on (common.placed), not at the top of a long page.
    anchor = f"c-{criterion.pk}" if criterion is not None else (
        f"m-{milestone_pk}" if milestone_pk else "")
    if error:
        messages.error(request, error, extra_tags=place(anchor) if anchor else "")
    elif done:
        messages.success(request, done, extra_tags=place(anchor) if anchor else "")
    page = (reverse("engagement:this_week") if _from_week(request)
            else reverse("engagement:ladder", kwargs={"pk": engagement.pk}))
    return redirect(page + (f"#{anchor}" if anchor else ""))


def _from_week(request):
    """Whether the action was taken on the "This week" page: htmx says so (hx-vals), a plain
    post by its same-origin Referer."""
    if request.POST.get("view") == "week":
        return True
    return urlsplit(request.META.get("HTTP_REFERER", "")).path == reverse("engagement:this_week")


def _card_action(request, engagement, milestone_pk, form, call, done, criterion=None):
    """Validate `form`, call the service with its data, answer with the updated card."""
    if not form.is_valid():
        return _answer(request, engagement, milestone_pk, error=_form_error(form),
                       criterion=criterion)
    try:
        call(**form.cleaned_data)
    except DomainError as exc:
        return _answer(request, engagement, milestone_pk, error=exc.message, criterion=criterion)
    return _answer(request, engagement, milestone_pk,
                   done=done(form.cleaned_data) if callable(done) else done, criterion=criterion)


def _form_error(form):
    return " ".join(f"{form.fields[f].label or f}: {e}" if f != "__all__" else e
                    for f, errs in form.errors.items() for e in errs)


@login_required
@require_POST
def ladder_generate(request, pk):
    engagement = selectors.engagement_get(user=request.user, pk=pk)
    form = LadderGenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect("engagement:ladder", pk=pk)
    try:
        ladder = services.ladder_generate(actor=request.user, engagement=engagement,
                                          **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Ladder generated: {len(ladder)} milestones over "
                                  f"{form.cleaned_data['weeks']} weeks.")
    return redirect("engagement:ladder", pk=pk)


@login_required
@require_POST
def milestone_create(request, pk):
    engagement = selectors.engagement_get(user=request.user, pk=pk)
    form = MilestoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect("engagement:ladder", pk=pk)
    data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    try:
        m = services.milestone_create(actor=request.user, engagement=engagement, **data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("engagement:ladder", pk=pk)
    messages.success(request, f"Milestone “{m.title}” added.")
    return redirect(reverse("engagement:ladder", kwargs={"pk": pk}) + f"#m-{m.pk}")


@login_required
@require_POST
def milestone_edit(request, pk, milestone_pk):
    m = selectors.milestone_get(user=request.user, engagement_pk=pk, pk=milestone_pk)
    form = MilestoneForm(request.POST, instance=m)
    if not form.is_valid():
        return _answer(request, m.engagement, m.pk, error=_form_error(form))
    data = {k: form.cleaned_data[k] for k in form.changed_data if k != "version"}
    try:
        services.milestone_update(actor=request.user, milestone=m, data=data,
                                  expected_version=form.cleaned_data.get("version"))
    except ConflictError as exc:
        return _answer(request, m.engagement, m.pk, conflict=exc,
                       error=f"{exc.message} Changed by {exc.changed_by}; your edit was not "
                             "saved. The card now shows the current values.")
    except DomainError as exc:
        return _answer(request, m.engagement, m.pk, error=exc.message)
    return _answer(request, m.engagement, m.pk, done="Milestone saved.")


@login_required
@require_POST
def milestone_move(request, pk, milestone_pk):
    m = selectors.milestone_get(user=request.user, engagement_pk=pk, pk=milestone_pk)
    try:
        services.milestone_move(actor=request.user, milestone=m,
                                direction=request.POST.get("direction", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("engagement:ladder", kwargs={"pk": pk}) + f"#m-{m.pk}")


@login_required
@require_POST
def milestone_delete(request, pk, milestone_pk):
    m = selectors.milestone_get(user=request.user, engagement_pk=pk, pk=milestone_pk)
    try:
        services.milestone_delete(actor=request.user, milestone=m)
    except DomainError as exc:
        return _answer(request, m.engagement, m.pk, error=exc.message)
    messages.success(request, f"Milestone “{m.title}” removed.")
    return redirect("engagement:ladder", pk=pk)


@login_required
@require_POST
def milestone_transition(request, pk, milestone_pk):
    m = selectors.milestone_get(user=request.user, engagement_pk=pk, pk=milestone_pk)
    form = MilestoneTransitionForm(request.POST)
    if not form.is_valid():
        return _answer(request, m.engagement, m.pk, error=_form_error(form))
    to = form.cleaned_data["to"]
    try:
        services.milestone_transition(actor=request.user, milestone=m, to=to,
                                      reason=form.cleaned_data["reason"],
                                      expected_version=form.cleaned_data.get("version"))
    except DomainError as exc:
        return _answer(request, m.engagement, m.pk, error=exc.message)
    done = {"in_progress": "Milestone started.",
            "submitted": "Submitted for acceptance: two keys needed.",
            "changes_requested": "Changes requested."}[to]
    return _answer(request, m.engagement, m.pk, done=done)


@login_required
@require_POST
def criterion_add(request, pk, milestone_pk):
    m = selectors.milestone_get(user=request.user, engagement_pk=pk, pk=milestone_pk)
    return _card_action(request, m.engagement, m.pk, CriterionForm(request.POST),
                        lambda **data: services.criterion_add(actor=request.user, milestone=m,
                                                              **data),
                        "Criterion added.")


@login_required
@require_POST
def criterion_verify(request, pk, criterion_pk):
    c = selectors.criterion_get(user=request.user, engagement_pk=pk, pk=criterion_pk)
    labels = dict(VerifyForm.base_fields["status"].choices)
    return _card_action(request, c.milestone.engagement, c.milestone_id, VerifyForm(request.POST),
                        lambda **data: services.criterion_verify(actor=request.user,
                                                                 criterion=c, **data),
                        lambda data: f"Criterion marked {labels[data['status']].lower()}.",
                        criterion=c)


def _evidence_add(request, criterion, *, kind, change_request, **data):
    change = selectors.approved_change(engagement=criterion.milestone.engagement,
                                       pk=change_request)
    return services.evidence_add(actor=request.user, criterion=criterion, kind=kind,
                                 change_request=change, **data)


@login_required
@require_POST
def evidence_add(request, pk, criterion_pk):
    c = selectors.criterion_get(user=request.user, engagement_pk=pk, pk=criterion_pk)
    return _card_action(request, c.milestone.engagement, c.milestone_id,
                        EvidenceForm(request.POST, request.FILES),
                        lambda **data: _evidence_add(request, c, **data),
                        "Evidence attached.", criterion=c)


RECORDED = {"": "Evidence attached.", "met": "Criterion marked met.",
            "not_met": "Criterion marked not met.", "open": "Criterion reopened."}


@login_required
@require_POST
def criterion_record(request, pk, criterion_pk):
    """The criterion's one panel: evidence and verdict in one submit."""
    c = selectors.criterion_get(user=request.user, engagement_pk=pk, pk=criterion_pk)
    return _card_action(request, c.milestone.engagement, c.milestone_id,
                        CriterionPanelForm(request.POST, request.FILES),
                        lambda **data: services.criterion_record(actor=request.user,
                                                                 criterion=c, **data),
                        lambda data: RECORDED[data["status"]], criterion=c)


def _card_call(request, engagement, milestone_pk, call, done):
    """Call a service that takes no form, answer with the updated card (or its refusal)."""
    try:
        call()
    except DomainError as exc:
        return _answer(request, engagement, milestone_pk, error=exc.message)
    return _answer(request, engagement, milestone_pk, done=done)


@login_required
@require_POST
def criterion_remove(request, pk, criterion_pk):
    c = selectors.criterion_get(user=request.user, engagement_pk=pk, pk=criterion_pk)
    return _card_call(request, c.milestone.engagement, c.milestone_id,
                    lambda: services.criterion_remove(actor=request.user, criterion=c),
                    "Criterion removed.")


@login_required
@require_POST
def evidence_remove(request, pk, evidence_pk):
    evidence = selectors.evidence_get(user=request.user, engagement_pk=pk, pk=evidence_pk)
    milestone = evidence.criterion.milestone
    return _card_call(request, milestone.engagement, milestone.pk,
                    lambda: services.evidence_remove(actor=request.user, evidence=evidence),
                    "Evidence removed.")


@login_required
@require_POST
def deliverable_remove(request, pk, milestone_pk, deliverable_pk):
    m = selectors.milestone_get(user=request.user, engagement_pk=pk, pk=milestone_pk)
    deliverable = get_object_or_404(m.deliverables.all(), pk=deliverable_pk)
    return _card_call(request, m.engagement, m.pk,
                    lambda: services.deliverable_remove(actor=request.user,
                                                        deliverable=deliverable),
                    "Deliverable removed.")


@login_required
@require_POST
def deliverable_settle(request, pk, milestone_pk, deliverable_pk):
    """Accept a knowledge-transfer deliverable (with how many were delivered), or waive it
    with a reason."""
    m = selectors.milestone_get(user=request.user, engagement_pk=pk, pk=milestone_pk)
    deliverable = get_object_or_404(m.deliverables.all(), pk=deliverable_pk)
    if request.POST.get("action") == "waive":
        return _card_call(request, m.engagement, m.pk, lambda: services.deliverable_waive(
            actor=request.user, deliverable=deliverable,
            reason=request.POST.get("reason", "")), "Deliverable waived.")
    delivered = parse_id(request.POST.get("delivered", ""))
    return _card_call(request, m.engagement, m.pk, lambda: services.deliverable_accept(
        actor=request.user, deliverable=deliverable, delivered=delivered),
        "Deliverable accepted.")


class SessionForm(forms.Form):
    held_on = forms.DateField(label="Held on")
    duration_minutes = forms.IntegerField(min_value=1, max_value=600, label="Minutes")
    attendees = forms.CharField(max_length=500)
    materials_url = forms.URLField(required=False, assume_scheme="https",
                                   label="Materials (link)")


@login_required
@require_POST
def deliverable_session(request, pk, milestone_pk, deliverable_pk):
    m = selectors.milestone_get(user=request.user, engagement_pk=pk, pk=milestone_pk)
    deliverable = get_object_or_404(m.deliverables.all(), pk=deliverable_pk)
    return _card_action(request, m.engagement, m.pk, SessionForm(request.POST),
                        lambda **data: services.deliverable_session_log(
                            actor=request.user, deliverable=deliverable, **data),
                        "Session logged.")


@login_required
@require_POST
def deliverable_edit(request, pk, milestone_pk, deliverable_pk):
    m = selectors.milestone_get(user=request.user, engagement_pk=pk, pk=milestone_pk)
    deliverable = get_object_or_404(m.deliverables.all(), pk=deliverable_pk)
    return _card_action(request, m.engagement, m.pk,
                        DeliverableForm(request.POST, prefix=f"d{deliverable.pk}"),
                        lambda **data: services.deliverable_update(
                            actor=request.user, deliverable=deliverable, data=data),
                        "Deliverable updated.")


@login_required
@require_POST
def evidence_edit(request, pk, evidence_pk):
    evidence = selectors.evidence_get(user=request.user, engagement_pk=pk, pk=evidence_pk)
    milestone = evidence.criterion.milestone
    return _card_call(request, milestone.engagement, milestone.pk,
                    lambda: services.evidence_update(
                        actor=request.user, evidence=evidence,
                        url=request.POST.get("url") if evidence.kind == "link" else None,
                        note=request.POST.get("note")), "Evidence updated.")


@login_required
@require_POST
def criterion_edit(request, pk, criterion_pk):
    c = selectors.criterion_get(user=request.user, engagement_pk=pk, pk=criterion_pk)
    return _card_action(request, c.milestone.engagement, c.milestone_id,
                        CriterionForm(request.POST, prefix=f"c{c.pk}"),
                        lambda **data: services.criterion_update(actor=request.user,
                                                                 criterion=c, data=data),
                        "Criterion updated.")


@login_required
def evidence_download(request, pk, evidence_pk):
    evidence = selectors.evidence_get(user=request.user, engagement_pk=pk, pk=evidence_pk)
    if not evidence.file:
        raise Http404("This evidence has no file.")
    response = FileResponse(evidence.file.open("rb"), as_attachment=True,
                            filename=evidence.original_name or "evidence",
                            content_type=evidence.content_type or "application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def deliverable_add(request, pk, milestone_pk):
    m = selectors.milestone_get(user=request.user, engagement_pk=pk, pk=milestone_pk)
    return _card_action(request, m.engagement, m.pk, DeliverableForm(request.POST),
                        lambda **data: services.deliverable_add(actor=request.user, milestone=m,
                                                                **data),
                        "Knowledge-transfer deliverable added.")
