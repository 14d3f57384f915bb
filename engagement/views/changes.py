"""The production changes of an engagement: the list, with each change's two keys, and the
form to ask for one."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from common.errors import DomainError

from .. import selectors, services
from ..models import ApprovalRequest, ChangeRequest


class ChangeRequestForm(forms.ModelForm):
    ticket_url = forms.URLField(assume_scheme="https", max_length=500, label="Change ticket",
                                help_text="The ticket in your change process.")
    evaluation_url = forms.URLField(assume_scheme="https", max_length=500,
                                    label="Evaluation run",
                                    help_text="The evaluation run this change passed.")

    class Meta:
        model = ChangeRequest
        fields = ["kind", "summary", "ticket_url", "evaluation_url", "risk"]


@login_required
def changes(request, pk):
    engagement = selectors.engagement_get(user=request.user, pk=pk)
    form = ChangeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.change_request_open(actor=request.user, engagement=engagement,
                                                  **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Change requested: two keys decide it, at least one "
                                      "client-side, never yours.")
            return redirect(f"{request.path}#cr-{change.pk}")
    rows = list(ChangeRequest.objects.filter(engagement=engagement)
                .select_related("requested_by"))
    keys = {r.subject_id: r for r in ApprovalRequest.objects.filter(
        engagement=engagement, kind=ApprovalRequest.Kind.PRODUCTION_CHANGE)
        .prefetch_related("approvals__user")}
    for row in rows:
        req = keys.get(str(row.pk))
        current = req.current_keys(req.approvals.all()) if req else []
        row.keys = {"request": req, "slots": (current + [None, None])[:2],
                    "needed": services.keys_needed(req, current) if req else ""}
    return render(request, "engagement/changes.html", {
        "engagement": engagement, "tab": "changes", "rows": rows, "form": form,
        "week": engagement.week_of(timezone.localdate())})
