"""The program manager's weekly update, counted in clicks: from anywhere, one milestone with
two criteria is started, gets its evidence (a file for one criterion, a link for the other),
both criteria are marked met and it is submitted for acceptance, in at most six clicks."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from engagement import services
from engagement.models import Milestone
from tests.browser.conftest import log_in
from tests.engagement.factories import make_engagement, under_way

pytestmark = pytest.mark.browser

MAX_CLICKS = 6


class Clicks:
    """Every click and every file chosen (the file chooser is a click) goes through here."""

    def __init__(self):
        self.count = 0

    def click(self, locator):
        self.count += 1
        locator.click()

    def choose_file(self, locator, path):
        self.count += 1
        locator.set_input_files(path)


@pytest.fixture
def week_milestone(people, orgs):
    engagement = under_way(make_engagement(
        actor=people["procurement"], client=orgs["client"], vendor=orgs["vendor"],
        title="Claims triage", start_date=timezone.localdate() - dt.timedelta(weeks=1),
        length_weeks=10))
    ladder = services.ladder_generate(actor=people["pm"], engagement=engagement)
    m = ladder[0]
    for extra in list(m.criteria.order_by("position"))[2:]:
        services.criterion_remove(actor=people["pm"], criterion=extra)
    assert m.criteria.count() == 2
    return m


def test_weekly_update_takes_at_most_six_clicks(page, people, week_milestone, tmp_path):
    report = Path(tmp_path) / "baseline-report.pdf"
    report.write_bytes(b"%PDF-1.4\n% baseline report\n")
    first, second = week_milestone.criteria.order_by("position")
    clicks = Clicks()

    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, "pm")
    clicks.click(page.get_by_role("navigation", name="Main").get_by_role("link",
                                                                         name="This week"))
    card = page.locator(f"#m-{week_milestone.pk}")
    expect(card).to_be_visible()
    clicks.click(card.get_by_role("button", name="Start milestone"))
    expect(card.locator(".milestone-head")).to_contain_text("In progress")

    item = card.locator(f"#c-{first.pk}")
    clicks.choose_file(item.get_by_label("File"), str(report))
    clicks.click(item.get_by_role("button", name="Mark met"))
    expect(card.locator(f"#c-{first.pk} .criterion-head")).to_contain_text("✓ Met")
    expect(card.locator(f"#c-{first.pk}")).to_contain_text("baseline-report.pdf")

    item = card.locator(f"#c-{second.pk}")
    item.get_by_label("Link").fill("https://wiki.example.com/baseline")
    clicks.click(item.get_by_role("button", name="Mark met"))
    expect(card.locator(f"#c-{second.pk} .criterion-head")).to_contain_text("✓ Met")

    submit = card.get_by_role("button", name="Submit for acceptance")
    # The next action stays on screen at the foot of the card, without scrolling.
    expect(submit).to_be_in_viewport()
    clicks.click(submit)
    expect(card.get_by_role("status")).to_contain_text("two keys needed")

    assert clicks.count <= MAX_CLICKS, clicks.count
    assert not errors, errors  # no CSP refusal or script error on any swap
    m = Milestone.objects.get(pk=week_milestone.pk)
    assert m.status == "submitted"
    assert sorted(m.criteria.values_list("status", flat=True)) == ["met", "met"]
    kinds = sorted(e.kind for c in m.criteria.all() for e in c.evidence.all())
    assert kinds == ["file", "link"]


def test_a_refused_mark_shows_its_error_inside_the_criterion(page, people, week_milestone):
    first = week_milestone.criteria.order_by("position").first()
    log_in(page, "pm")
    page.goto("/engagements/this-week/")
    item = page.locator(f"#c-{first.pk}")
    item.locator("summary", has_text="Mark met").click()  # not started: the panel is closed
    item.get_by_label("Link").fill("https://ci.example.com/run/3")
    item.get_by_role("button", name="Mark not met").click()
    alert = page.locator(f"#c-{first.pk}").get_by_role("alert")
    expect(alert).to_contain_text("Say why the criterion is not met.")
    expect(alert).to_be_in_viewport()
    expect(alert).to_be_focused()
    # What was typed is still there, and nothing was attached.
    expect(page.locator(f"#c-{first.pk}").get_by_label("Link")).to_have_value(
        "https://ci.example.com/run/3")
    assert not first.evidence.exists()


def test_the_sticky_footer_never_hides_the_focused_control(page, people, week_milestone):
    """Tabbing through a long card: each focused control stays above the card's footer."""
    services.milestone_transition(actor=people["pm"], milestone=week_milestone,
                                  to="in_progress")
    page.set_viewport_size({"width": 1280, "height": 600})
    log_in(page, "pm")
    page.goto("/engagements/this-week/")
    footer = page.locator(f"#m-{week_milestone.pk} footer.milestone-next")
    page.locator(f"#m-{week_milestone.pk} h3").click()
    hidden = []
    for _ in range(25):
        page.keyboard.press("Tab")
        box = page.evaluate("""() => {
            const el = document.activeElement, r = el.getBoundingClientRect();
            return [r.top, r.bottom, el.outerHTML.slice(0, 80)]; }""")
        foot = footer.bounding_box()
        if foot and box[1] > foot["y"] + 1 and box[0] < foot["y"] + foot["height"]:
            if not footer.evaluate("(f, el) => f.contains(document.activeElement)", None):
                hidden.append(box[2])
    assert not hidden, hidden


def test_without_javascript_the_message_lands_in_the_criterion(browser, live_server, people,
                                                               week_milestone):
    services.milestone_transition(actor=people["pm"], milestone=week_milestone,
                                  to="in_progress")
    first = week_milestone.criteria.order_by("position").first()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, "pm")
        page.goto("/engagements/this-week/")
        page.locator(f"#c-{first.pk}").get_by_role("button", name="Mark met").click()
        # Back on the page it came from, at the criterion, with the refusal inside it.
        assert page.url.endswith(f"/engagements/this-week/#c-{first.pk}")
        alert = page.locator(f"#c-{first.pk}").get_by_role("alert")
        expect(alert).to_contain_text("Attach a file, paste a link or write how it was verified.")
        expect(alert).to_be_in_viewport()
        expect(page.locator("main > .messages")).not_to_contain_text("Attach a file")
    finally:
        context.close()
