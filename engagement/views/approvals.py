from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from common.errors import DomainError

from .. import selectors, services
from ..forms import DecisionForm


@login_required
def inbox(request):
    requests = list(selectors.approvals_inbox(user=request.user)
                    .prefetch_related("approvals__user"))
    for r in requests:
        current = r.current_keys(r.approvals.all())
        r.slots = (current + [None, None])[:2]
        r.needed = services.keys_needed(r, current)
    return render(request, "engagement/approvals_inbox.html", {"requests": requests})


@login_required
@require_POST
def decide(request, request_pk):
    approval_request = selectors.approval_request_get(user=request.user, pk=request_pk)
    form = DecisionForm(request.POST)
    back = request.POST.get("next") or "approvals:inbox"
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
    else:
        try:
            services.approval_decide(actor=request.user, request=approval_request,
                                     **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            approval_request.refresh_from_db()
            verb = "approved" if form.cleaned_data["decision"] == "approve" else "rejected"
            outcome = {"approved": " Both keys are turned: it is approved.",
                       "rejected": " The request is closed as rejected."}.get(
                approval_request.status, " One more key is needed.")
            messages.success(request, f"You {verb}: {approval_request.summary}.{outcome}")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("approvals:inbox")


@login_required
def notifications(request):
    """Your notifications, newest first; opening the page marks them read."""
    from django.utils import timezone

    from ..models import User
    from ..services.notifications import email_preference_set

    if request.method == "POST":
        try:
            email_preference_set(user=request.user,
                                 preference=request.POST.get("email_preference", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "E-mail setting saved.")
        return redirect("approvals:notifications")
    items = list(request.user.notifications.select_related("engagement")[:100])
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "engagement/notifications.html", {
        "items": items, "preferences": User.EmailPreference.choices,
        "preference": request.user.email_preference})
