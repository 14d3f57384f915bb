"""Operator visibility (issue 10): JSON log lines carry the request, user and engagement;
/metrics is there for the scraper and nobody else."""

import io
import json
import logging

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """Log records of the request middleware, rendered by the deployment's formatter."""
    from config.observability import logging_config

    formatter_config = logging_config("json", "INFO")["formatters"]["structured"]
    factory = formatter_config.pop("()")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(factory(**formatter_config))
    logger = logging.getLogger("django_structlog")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line]
    logger.removeHandler(handler)


def test_every_request_logs_a_json_line_with_request_user_and_engagement(
        client, people, engagement, json_lines):
    client.force_login(people["pm"])
    assert client.get(f"/engagements/{engagement.pk}/ladder/").status_code == 200
    finished = [line for line in json_lines() if line["event"] == "request_finished"]
    assert finished, json_lines()
    line = finished[-1]
    assert line["request_id"] and line["user_id"] == people["pm"].pk
    assert str(line["engagement_id"]) == str(engagement.pk)
    assert line["level"] == "info" and "timestamp" in line


def test_metrics_are_for_the_scraper_only(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("offramp_outbox_backlog", "offramp_jobs_stuck", "offramp_render_jobs",
                 "offramp_gate_evaluation_lag_seconds", "offramp_celery_queue_depth",
                 "django_http_requests_latency_seconds_by_view_method"):
        assert name in body, name
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    with override_settings(OFFRAMP_METRICS_TOKEN="s3cret-scrape"):
        assert client.get("/metrics", REMOTE_ADDR="203.0.113.9",
                          HTTP_AUTHORIZATION="Bearer s3cret-scrape").status_code == 200
        assert client.get("/metrics", REMOTE_ADDR="203.0.113.9",
                          HTTP_AUTHORIZATION="Bearer wrong").status_code == 404


def test_the_heartbeat_command_fails_when_the_sweeper_is_late():
    import datetime as dt

    from django.core.management import CommandError, call_command
    from django.utils import timezone

    from engagement.models import Heartbeat

    with pytest.raises(CommandError, match="No sweeper heartbeat"):
        call_command("heartbeat", "sweeper")
    Heartbeat.objects.create(name="sweeper", at=timezone.now() - dt.timedelta(minutes=10))
    with pytest.raises(CommandError, match="sweeper: last at"):
        call_command("heartbeat", "sweeper", "--max-age", "180")
    Heartbeat.objects.filter(name="sweeper").update(at=timezone.now())
    call_command("heartbeat", "sweeper", "--max-age", "180")
