"""Who is told what, once: approval requests to those who can turn a key, decisions to the
requester, money moving to both sides' program managers and the vendor lead, finished PDFs
to who asked."""

import datetime as dt
from decimal import Decimal

import pytest

from engagement import services as engagement_services
from engagement.models import Notification
from payments import services as pay


def told(username, text):
    return Notification.objects.filter(user__username=username, message__contains=text).count()


@pytest.fixture
def eligible(engagement, people):
    ladder = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    c = ladder[0].criteria.first()
    p = pay.payment_create(actor=people["procurement"], engagement=engagement, label="Gate A",
                           amount=Decimal("10000.00"), due_date=dt.date(2026, 10, 30),
                           conditions=[{"kind": "criterion", "criterion": c.pk}])
    engagement_services.criterion_verify(actor=people["pm"], criterion=c, status="met",
                                         note="seen")
    pay.payments_evaluate(today=dt.date(2026, 9, 20))
    return p


def test_a_request_tells_each_key_holder_once_and_the_decision_tells_the_requester(
        engagement, people, eligible):
    request = pay.payment_request_release(actor=people["procurement"], payment=eligible)
    # Money leaving the client: client-side keys only; the requester is not told of its own.
    assert told("leader", "waits for your key") == 1
    assert told("pm", "waits for your key") == 1
    assert told("vendor", "waits for your key") == 0
    assert told("procurement", "waits for your key") == 0
    engagement_services.approval_decide(actor=people["leader"], request=request,
                                        decision="approve")
    assert told("procurement", "was approved") == 0
    engagement_services.approval_decide(actor=people["pm"], request=request, decision="approve")
    assert told("procurement", "was approved with two keys") == 1


def test_a_rejection_tells_the_requester_why(engagement, people, eligible):
    request = pay.payment_request_release(actor=people["procurement"], payment=eligible)
    engagement_services.approval_decide(actor=people["leader"], request=request,
                                        decision="reject", reason="Evidence is thin.")
    assert told("procurement", "Evidence is thin.") == 1


def test_money_moving_tells_both_sides_and_the_vendor_lead(engagement, people, eligible):
    engagement_services.staffing_assign(actor=people["pm"], engagement=engagement,
                                        staffing_role="lead_consultant", user=people["vendor"])
    assert told("vendor", "is eligible") == 0  # the tracker ran before the vendor lead joined
    request = pay.payment_request_release(actor=people["procurement"], payment=eligible)
    for who in ("leader", "pm"):
        engagement_services.approval_decide(actor=people[who], request=request,
                                            decision="approve")
    assert told("vendor", "is approved for release") == 1
    assert told("pm", "is approved for release") == 1
    pay.payment_mark_invoiced(actor=people["vendor"], payment=eligible, invoice_reference="I-9")
    pay.payment_mark_paid(actor=people["leader"], payment=eligible, paid_on=dt.date(2026, 11, 2))
    assert told("vendor", "is invoiced (I-9)") == 1 and told("vendor", "is paid") == 1
    assert told("pm", "is paid") == 1


def test_an_eligible_payment_tells_the_vendor_lead_too(engagement, people):
    engagement_services.staffing_assign(actor=people["pm"], engagement=engagement,
                                        staffing_role="lead_consultant", user=people["vendor"])
    ladder = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    c = ladder[0].criteria.first()
    pay.payment_create(actor=people["procurement"], engagement=engagement, label="Gate B",
                       amount=Decimal("5000.00"), due_date=dt.date(2026, 10, 30),
                       conditions=[{"kind": "criterion", "criterion": c.pk}])
    engagement_services.criterion_verify(actor=people["pm"], criterion=c, status="met",
                                         note="seen")
    pay.payments_evaluate(today=dt.date(2026, 9, 20))
    pay.payments_evaluate(today=dt.date(2026, 9, 21))  # a second run moves nothing
    assert told("vendor", "is eligible for release") == 1
    assert told("pm", "is eligible for release") == 1


def test_a_finished_pdf_tells_who_asked(engagement, people, weasyprint_available):
    from sow.services import pdf as pdf_services
    from tests.sow.pdf_helpers import frozen_version

    version = frozen_version(engagement, people, schedules=())
    job, _ = pdf_services.render_request(actor=people["leader"], version=version)
    pdf_services.render_job_execute(job.pk)
    assert told("leader", "is ready") == 1
    pdf_services.render_job_execute(job.pk)  # a repeated delivery tells nobody again
    assert told("leader", "is ready") == 1


def test_an_overdue_milestone_tells_the_program_managers_once(engagement, people):
    from engagement.services.notifications import milestones_overdue_notify
    from engagement.tasks import milestones_overdue_notify as task

    ladder = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    first_end = engagement.start_date + dt.timedelta(weeks=ladder[0].end_week)
    assert milestones_overdue_notify(today=first_end - dt.timedelta(days=1)) == 0
    assert milestones_overdue_notify(today=first_end) >= 1
    task.apply()  # a retried beat run tells nobody again
    assert told("pm", f"“{ladder[0].title}” is past its end") == 1
    assert told("leader", "is past its end") == 0


def test_email_follows_each_users_setting_and_the_digest_goes_once(client, engagement, people,
                                                                   eligible, mailoutbox,
                                                                   django_capture_on_commit_callbacks,
                                                                   inline_tasks):
    from engagement.models import User
    from engagement.services.notifications import digests_send
    from engagement.tasks import digests_send as task

    for who in ("leader", "pm", "procurement"):
        User.objects.filter(pk=people[who].pk).update(email=f"{who}@example.com")
    for who, pref in (("leader", "digest"), ("pm", "off")):
        client.force_login(people[who])
        assert client.post("/approvals/notifications/",
                           {"email_preference": pref}).status_code == 302
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        pay.payment_request_release(actor=people["procurement"], payment=eligible)
    recipients = [m.to[0] for m in mailoutbox]
    assert "leader@example.com" not in recipients and "pm@example.com" not in recipients
    assert told("leader", "waits for your key") == 1  # still told in the app
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send() == 1
    digest = [m for m in mailoutbox if m.to == ["leader@example.com"]]
    assert len(digest) == 1 and "waits for your key" in digest[0].body
    with django_capture_on_commit_callbacks(execute=True):
        task.apply()  # a retried daily run sends nothing again
    assert len([m for m in mailoutbox if m.to == ["leader@example.com"]]) == 1
    assert not [m for m in mailoutbox if m.to == ["pm@example.com"]]


def test_messages_never_nest_quotes(engagement, people, eligible):
    request = pay.payment_request_release(actor=people["procurement"], payment=eligible)
    engagement_services.approval_decide(actor=people["leader"], request=request,
                                        decision="reject", reason="Evidence is thin.")
    for message in Notification.objects.values_list("message", flat=True):
        depth = 0
        for ch in message:
            depth += {"“": 1, "”": -1}.get(ch, 0)
            assert depth <= 1, message
