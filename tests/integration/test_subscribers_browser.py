"""A subscriber's own data and the desk's Subscribers screen in Chromium against `make run`'s server
(issue 47): a reader opens "Manage your subscription" from the confirmation e-mail, sees their data
and deletes it; an admin imports a Mailchimp export. axe-core finds nothing on each screen, and at a
phone's 390 px nothing scrolls sideways."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.integration.conftest import needs_axe, sideways, signed_in, violations
from tests.integration.test_browser import browser  # noqa: F401  (the fixture)
from tests.integration.test_newsletter_browser import outbox

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "subscribers" / "mailchimp-subscribed.csv"


@needs_axe
def test_a_reader_manages_and_deletes_their_data_from_the_e_mail(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    context = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 800})  # to inject axe only
    page = context.new_page()
    page.goto(base + "/subscribe/")
    page.get_by_label("Email address").fill("manager@example.com")
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    [message] = outbox(local_stack, "manager@example.com")
    page.goto(next(link for link in message["links"] if "/newsletter/confirm/" in link))
    page.get_by_role("button", name="Confirm my subscription").click()
    page.get_by_role("heading", name="You are subscribed").wait_for()

    page.goto(next(link for link in message["links"] if link.endswith("&manage=1")))
    page.get_by_role("heading", name="Your subscription").wait_for()
    for shown in ("manager@example.com", "Subscribed", "confirmed"):
        expect(page.locator("main")).to_contain_text(shown)
    found = {"manage": violations(page)}
    assert sideways(page) == 0
    page.get_by_role("link", name="Delete my data").click()
    page.get_by_role("heading", name="Delete your data?").wait_for()
    found["delete?"] = violations(page)
    page.get_by_role("button", name="Delete my data").click()
    page.get_by_role("heading", name="Your data is deleted").wait_for()
    found["deleted"] = violations(page)
    assert sideways(page) == 0
    assert found == {name: [] for name in found}
    context.close()


@needs_axe
def test_an_admin_imports_a_mailchimp_export_on_the_subscribers_screen(local_stack, browser):  # noqa: F811
    page = signed_in(browser, local_stack, "admin", width=390, axe=True)
    page.get_by_role("link", name="Subscribers").click()
    page.get_by_role("heading", name="Subscribers", exact=True).wait_for()
    found = {"subscribers": violations(page)}
    assert sideways(page) == 0
    page.get_by_role("button", name="Import").click()  # no file yet: the problem is named
    page.get_by_role("link", name="Choose the exported CSV file first.").wait_for()
    found["no file"] = violations(page)
    page.get_by_label("The exported CSV file (or Mailchimp's zip)").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="Import").click()
    page.get_by_text("Imported mailchimp-subscribed.csv: 8 rows from Mailchimp").wait_for(timeout=60_000)
    expect(page.locator("main")).to_contain_text("the same address as row 2")
    found["imported"] = violations(page)
    assert sideways(page) == 0
    page.get_by_label("E-mail address").fill("ann@example.com")
    page.get_by_role("button", name="Find").click()
    page.locator("#found").filter(has_text="import:Mailchimp").wait_for()
    found["found"] = violations(page)
    assert found == {name: [] for name in found} and page.errors == []
    page.context.close()
