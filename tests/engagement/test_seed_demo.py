import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engagement.audit import audit_verify
from engagement.models import AuditEvent, Engagement, User

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


def test_seed_demo_is_idempotent_and_builds_the_demo(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    events = AuditEvent.objects.count()
    call_command("seed_demo", "--force")
    assert AuditEvent.objects.count() == events
    engagement = Engagement.objects.get()
    assert (engagement.title, engagement.format, engagement.status) == (
        "Support-reply LLM fine-tune", "hybrid", "active")
    assert (engagement.client.name, engagement.vendor.name) == (
        "Northwind Retail", "Acme ML Partners")
    assert engagement.staffing.count() >= 6
    assert engagement.baselines.filter(stage="discovery").exists()
    for username in ("procurement", "pm", "leader", "vendor"):
        assert User.objects.get(username=username).check_password("offramp-demo")
    assert User.objects.get(username="vendor").side_in(engagement) == "vendor"
    assert audit_verify()["ok"]
    assert "offramp-demo" in capsys.readouterr().out
