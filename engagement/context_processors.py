from . import selectors


def approvals(request):
    """The approvals count in the top bar (one COUNT query per page for a signed-in user)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"approvals_waiting": selectors.approvals_inbox_count(user=user)}
