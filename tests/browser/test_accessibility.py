"""axe-core (vendored from the npm package, tests/browser/vendor) finds no violation on the
main pages."""

from pathlib import Path

import pytest

from engagement import services as engagement_services
from kpis.services import kpi_define
from tests.browser.conftest import log_in
from tests.sow.factories import build_sow

pytestmark = pytest.mark.browser
AXE = (Path(__file__).parent / "vendor" / "axe-4.10.2.min.js").read_text()


def violations(page):
    # Evaluated through the browser's debugging protocol: the page's CSP (rightly) refuses
    # inline scripts, and the test must not loosen it.
    page.evaluate(AXE + "\n;0")
    assert page.evaluate("axe.version") == "4.10.2"
    return page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.map(v => v.id + " (" + v.nodes.length + "): " +
                                v.nodes.slice(0, 2).map(n => n.target.join(" ")).join(" | "));
    }""")


def test_main_pages_have_no_axe_violations(page, people, engagement):
    import datetime as dt

    engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    engagement_services.raci_seed(actor=people["pm"], engagement=engagement)
    kpi_define(actor=people["pm"], engagement=engagement, layer="capability",
               name="Internal share of merged changes", target=70,
               target_date=dt.date(2026, 11, 1))
    sow = build_sow(engagement, people["procurement"], keys=["two-key-rule",
                                                         "evaluation-harness"])
    from sow import services as sow_services

    for why in ("First.", "Second."):
        sow_services.sow_freeze(actor=people["procurement"], sow=sow, justification=why,
                                acknowledge_warnings=True)
    log_in(page, "pm")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    e = engagement.pk
    found = {}
    for url in ("/portfolio/", "/engagements/", "/engagements/this-week/",
                f"/engagements/{e}/", f"/engagements/{e}/ladder/",
                f"/engagements/{e}/raci/", f"/engagements/{e}/payments/",
                f"/engagements/{e}/kpis/", f"/engagements/{e}/drills/",
                f"/engagements/{e}/competency/", f"/engagements/{e}/sows/{sow.pk}/",
                "/approvals/", "/approvals/notifications/", "/library/", "/contracts/",
                "/search/?q=retrain", f"/engagements/{e}/sows/{sow.pk}/versions/1/",
                f"/engagements/{e}/sows/{sow.pk}/redline/"):
        page.goto(url)
        problems = violations(page)
        # One way to validate: the server's error summary or in-place message, never the
        # browser's own pop-up on some forms and not others.
        popups = page.evaluate("document.querySelectorAll('form:not([novalidate])').length")
        if popups:
            problems = [*problems, f"{popups} form(s) validated by browser pop-ups"]
        if problems:
            found[url] = problems
    assert not found, found
    assert not errors, errors  # no CSP refusals or script errors in the console
