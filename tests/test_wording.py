"""Words and numbers that misled (issue: every user's week): each regression found by trying
the product, checked through the page or function a user meets."""

import re
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from engagement import services as engagement_services

ROOT = Path(__file__).resolve().parent.parent


def test_clause_text_makes_possessives_of_names_ending_in_s():
    from sow.templating import render

    html = render("Hosted in {{ vendor.name|possessive }} and {{ client.name|possessive }} "
                  "accounts.", {"vendor": {"name": "Acme ML Partners"},
                                "client": {"name": "Northwind Retail"}})
    assert "Acme ML Partners&#39; and Northwind Retail&#39;s" in html or \
        "Acme ML Partners' and Northwind Retail's" in html
    library = (ROOT / "sow" / "data" / "clauses.toml").read_text()
    assert not re.search(r"\}\}'s", library), "the library still writes name}}'s"


def test_the_currency_list_offers_money_only():
    from engagement.currencies import currency_choices, is_iso_4217

    codes = {c for c, _ in currency_choices()}
    assert {"EUR", "USD", "XOF", "XAF", "CHF"} <= codes
    assert not {"XAU", "XTS", "XXX", "XDR", "XAG"} & codes
    assert not is_iso_4217("XAU")


def test_the_clause_page_names_rules_in_words(client, people):
    from sow.services import library_load

    library_load()
    client.force_login(people["procurement"])
    body = client.get("/library/acceptance-rehearsal-retrain/").content.decode()
    assert "no_rehearsal_retrain" not in body and "rehearsal" in body.lower()


def test_an_empty_schedule_is_not_called_short_of_the_contract_value(client, people,
                                                                    draft_engagement):
    client.force_login(people["procurement"])
    body = client.get(f"/engagements/{draft_engagement.pk}/payments/").content.decode()
    assert "short of" not in body and "No payments scheduled" in body


def test_the_timeline_uses_glyphs_every_font_has():
    text = (ROOT / "templates" / "engagement" / "_ladder_summary.html").read_text()
    assert "⧗" not in text


def test_a_milestone_moved_over_another_is_warned(engagement, people):
    ladder = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    fresh = engagement_services.ladder_warnings(engagement, ladder)
    assert not any("overlaps" in w for _, w in fresh)  # a shared boundary week is a handover
    second = ladder[1]
    engagement_services.milestone_update(actor=people["pm"], milestone=second,
                                         data={"start_week": ladder[0].start_week},
                                         expected_version=second.version)
    ladder = list(engagement.milestones.all())
    warned = [w for _, w in engagement_services.ladder_warnings(engagement, ladder)]
    assert any("overlaps" in w and second.title in w for w in warned)


def test_the_audit_log_reads_in_words(client, people, engagement):
    client.force_login(people["pm"])
    body = client.get(f"/engagements/{engagement.pk}/audit/").content.decode()
    assert "client_id" not in body and "off_ramp_date" not in body
    assert "Off-ramp date: none" in body and "Client: Northwind Retail" in body


def test_frozen_versions_are_not_called_drafts(client, people, engagement):
    from sow import services as sow_services
    from tests.sow.factories import build_sow

    sow = build_sow(engagement, people["procurement"])
    for why in ("Testing labels.", "Testing labels again."):
        sow_services.sow_freeze(actor=people["procurement"], sow=sow, justification=why,
                                acknowledge_warnings=True)
    client.force_login(people["procurement"])
    body = client.get(f"/engagements/{engagement.pk}/sows/{sow.pk}/").content.decode()
    assert "Superseded" in body and ">Frozen<" in body and ">Draft<" not in body


@pytest.mark.django_db
def test_seed_demo_ends_with_the_logins_and_prints_no_mail(settings, capsys):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Subject:" not in out
    assert out.rstrip().splitlines()[-1].lstrip().startswith("vendor")


def test_make_run_takes_a_port():
    done = subprocess.run(["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert "runserver 127.0.0.1:8123" in done.stdout


@pytest.mark.parametrize(("source", "line", "words"), [
    ("Hello {{ client.name", 1, "“{{” on line 1 is never closed"),
    ("a\nb\n{% for m in milestones %}{{ m.title }}", 3,
     "{% for %} on line 3 is never closed: add {% endfor %}"),
    ("{% if milestones %}x", 1, "{% if %} on line 1 is never closed: add {% endif %}"),
    ("one\n{{ client.name }\nthree", 2, "single “}”"),
    ("{% for m in milestones %}{{ m.title }}{% endif %}", 1, "close it with {% endfor %}"),
    ("{{ cleint.name }}", 1, "Did you mean “client”?"),
])
def test_template_errors_are_in_plain_words_with_the_line(source, line, words):
    from sow.context import VARIABLES
    from sow.templating import ClauseTemplateError, validate

    with pytest.raises(ClauseTemplateError) as err:
        validate(source, VARIABLES)
    problem = err.value.problems[0]
    assert problem.line == line and words in problem.message
    assert "every {% for %} needs" not in problem.message  # not the old catch-all


def test_htmx_indicator_styles_come_from_our_css_not_inline():
    base = (ROOT / "templates" / "base.html").read_text()
    css = (ROOT / "static" / "css" / "offramp.css").read_text()
    assert '"includeIndicatorStyles": false' in base
    assert ".htmx-request .htmx-indicator" in css


def test_the_timeline_is_a_group_of_links_not_an_image():
    text = (ROOT / "templates" / "engagement" / "_ladder_summary.html").read_text()
    svg = text.split("<svg", 1)[1].split(">", 1)[0]
    assert 'role="img"' not in svg and 'role="group"' in svg
