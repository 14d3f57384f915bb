"""In-app notifications and their e-mail twins."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db.models import Q

from ..models import Notification, Role
from ..outbox import outbox_enqueue

SEND_MAIL = "engagement.send_mail"


def engagement_stewards(engagement_ids):
    """Client-side program managers and leadership of the given engagements, by engagement."""
    from ..models import Engagement

    clients = dict(Engagement.objects.filter(pk__in=engagement_ids).values_list("pk", "client_id"))
    users = get_user_model().objects.filter(
        Q(organisation_id__in=set(clients.values())),
        role__in=[Role.PROGRAM_MANAGER, Role.LEADERSHIP], is_active=True)
    by_org = {}
    for user in users:
        by_org.setdefault(user.organisation_id, []).append(user)
    return {engagement_id: by_org.get(org, []) for engagement_id, org in clients.items()}


def notify_many(items):
    """items: (engagement, [users], message, url). One insert; the e-mails go through the
    outbox. Must run inside the caller's transaction."""
    rows, mails = [], []
    for engagement, users, message, url in items:
        for user in users:
            rows.append(Notification(user=user, engagement=engagement, message=message[:300],
                                     url=url))
            if user.email and getattr(user, "email_preference", "immediate") == "immediate":
                link = settings.OFFRAMP_BASE_URL.rstrip("/") + url if url.startswith("/") else url
                mails.append((f"Offramp: {message[:120]}",
                              f"{message}\n\n{link}", settings.DEFAULT_FROM_EMAIL, [user.email]))
    Notification.objects.bulk_create(rows)
    if mails:
        outbox_enqueue(kind=SEND_MAIL, payload={"messages": [list(m) for m in mails]})
    return rows


def send_mail_later(recipients, subject, body):
    """E-mails go out from the worker through the outbox (an SMTP server that is slow or down
    never holds a request, and nothing is lost). Must run inside the caller's transaction."""
    if recipients:
        outbox_enqueue(kind=SEND_MAIL, payload={"messages": [
            [subject, body, settings.DEFAULT_FROM_EMAIL, [r]] for r in recipients]})


def send_mail_now(payload):
    """The outbox handler: send what was queued (raises, so the outbox retries)."""
    send_mass_mail([tuple(m) for m in payload["messages"]], fail_silently=False)


def milestones_overdue_notify(*, today=None):
    """Tell the client's program managers once about each milestone past its end week and
    not accepted, in engagements under way (a claiming UPDATE, a read, one insert)."""
    import datetime as dt

    from django.db import transaction
    from django.urls import reverse
    from django.utils import timezone

    from ..models import Milestone

    today = today or timezone.localdate()
    with transaction.atomic():
        candidates = Milestone.objects.select_for_update(skip_locked=True).filter(
            overdue_notified_at__isnull=True, engagement__status__in=["active", "transition"],
        ).exclude(status=Milestone.Status.ACCEPTED)
        due = [m for m in candidates.select_related("engagement")
               if m.engagement.start_date + dt.timedelta(weeks=m.end_week) <= today]
        if not due:
            return 0
        Milestone.objects.filter(pk__in=[m.pk for m in due]).update(
            overdue_notified_at=timezone.now())
        stewards = engagement_stewards({m.engagement_id for m in due})
        notify_many([
            (m.engagement, [u for u in stewards[m.engagement_id]
                            if u.role == Role.PROGRAM_MANAGER],
             f"{m.engagement.title}: milestone “{m.title}” is past its end (week {m.end_week}) "
             "and not accepted.",
             reverse("engagement:ladder", args=[m.engagement_id]) + f"#m-{m.pk}")
            for m in due])
    return len(due)


def digests_send(*, now=None):
    """Once a day: each user on the digest gets one e-mail with the notifications not yet
    digested; claimed with a conditional update, so a retried run sends nothing twice."""
    from django.db import transaction
    from django.utils import timezone

    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        pending = list(Notification.objects.select_for_update(skip_locked=True, of=("self",))
                       .filter(digested_at__isnull=True, user__email_preference="digest")
                       .exclude(user__email="").select_related("user", "engagement")
                       .order_by("user_id", "created_at"))
        if not pending:
            return 0
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(digested_at=now)
        by_user = {}
        for n in pending:
            by_user.setdefault(n.user_id, []).append(n)
        base = settings.OFFRAMP_BASE_URL.rstrip("/")
        messages = []
        for items in by_user.values():
            user = items[0].user
            lines = [f"- {n.message}\n  {base + n.url if n.url.startswith('/') else n.url}"
                     for n in items]
            messages.append([f"Offramp: {len(items)} notification"
                             f"{'s' if len(items) != 1 else ''} today",
                             "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [user.email]])
            sent += 1
        outbox_enqueue(kind=SEND_MAIL, payload={"messages": messages})
    return sent


def email_preference_set(*, user, preference):
    """A user's own choice: each notification by e-mail, a daily digest, or none."""
    from common.errors import DomainError

    if preference not in user.EmailPreference.values:
        raise DomainError("Choose immediately, a daily digest or no e-mail.",
                          rule="invalid_field", field="email_preference")
    get_user_model().objects.filter(pk=user.pk).update(email_preference=preference)
    user.email_preference = preference
