from . import selectors


def approvals(request):
    """The approvals and notifications counts in the top bar (two COUNT queries per page)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"approvals_waiting": selectors.approvals_inbox_count(user=user),
            "notifications_unread": user.notifications.filter(read_at__isnull=True).count()}
