"""The mistakes people make in the desk's editor, in Debian's Chromium against `make run` (the newsroom day
of 7 December 2026, docs/usability/day-2026-12-07.md): a Publish at typed only halfway, a save while the
network is down, a double-click on Publish. Each test checks what the editor then sees and what a reader
gets: the status line, the problem beside the field, the public page, the file in the bucket."""

from __future__ import annotations

import json
import time

import boto3
from playwright.sync_api import expect

from tests.integration.conftest import accounts, signed_in
from tests.integration.test_browser import browser  # noqa: F401 - the fixture

BUCKET = "newsroom-dev-content"


def write(page, title: str, text: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.url.split("/desk/")[0] + "/desk/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body", exact=True).click()
    page.keyboard.type(text)


def saves_of(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The actions the page sends to /desk/save, as they are sent."""
    sent: list[str] = []
    page.on("request", lambda request: sent.append(json.loads(request.post_data or "{}").get("action", ""))
            if request.url.endswith("/desk/save") else None)
    return sent


def test_a_publish_at_with_a_date_and_no_time_never_publishes_now(local_stack, browser):  # noqa: F811
    """Chromium's date and time box holds "12/31/2026, --:-- --" as the value "": Publish must refuse it,
    not take it as "no date" and put an embargoed story live at once."""
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "editor")
    write(page, "Embargoed until the new year", "Not before midnight on the 31st.")
    sent = saves_of(page)
    date = page.get_by_label("Publish at")
    date.focus()
    page.keyboard.type("12312026")  # the date; the time left as --:--
    page.locator("#publish").click()
    page.locator("#e-date").filter(has_text="not a whole date and time").wait_for(timeout=5000)
    assert "Publish at is not a whole date and time" in page.locator("#problems").inner_text()
    time.sleep(2)
    assert sent == []
    assert page.context.request.get(base + "/embargoed-until-the-new-year/").status == 404
    # Finished, it schedules; cleared, it publishes now (the two ways out the message names).
    date.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.type("0930AM")
    assert page.locator("#publish").inner_text().startswith("Schedule for Thu 31 Dec")
    page.locator("#publish").click()
    page.get_by_role("status").filter(has_text="Scheduled for Thu 31 Dec").wait_for(timeout=15000)
    assert page.context.request.get(base + "/embargoed-until-the-new-year/").status == 404
    assert page.errors == []


def test_a_save_while_offline_says_it_was_not_saved_and_keeps_the_text(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "editor")
    write(page, "Written on the train", "The tunnel cut the signal.")
    page.context.set_offline(True)
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("status").filter(has_text="Not saved").wait_for(timeout=10000)
    assert "Your text is still here" in page.get_by_role("status").inner_text()
    assert page.get_by_label("Title").input_value() == "Written on the train"
    page.context.set_offline(False)
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("status").filter(has_text="Draft saved").wait_for(timeout=15000)
    assert page.context.request.get(base + "/desk/edit?key=articles%2Fwritten-on-the-train.md").status == 200


def test_a_double_click_on_publish_publishes_once_and_reports_no_problem(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "editor")
    write(page, "Clicked twice", "One story, one click too many.")
    sent = saves_of(page)
    page.locator("#publish").dblclick()
    page.get_by_role("status").filter(has_text="Published").wait_for(timeout=15000)
    time.sleep(2)
    assert sent == ["publish"]
    assert page.locator("#problems").is_hidden()
    assert page.context.request.get(base + "/clicked-twice/").status == 200
    # On a live article, the second click is not taken for a colleague's save (no conflict panel).
    page.get_by_label("Summary").fill("A summary added later.")
    sent.clear()
    page.locator("#publish").dblclick()
    page.get_by_role("status").filter(has_text="Published").wait_for(timeout=15000)
    time.sleep(2)
    assert sent == ["publish"]
    assert page.locator("#conflict").is_hidden()
    s3 = boto3.client("s3", endpoint_url=local_stack["endpoint"], region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    stored = s3.get_object(Bucket=BUCKET, Key="articles/clicked-twice.md")["Body"].read().decode()
    assert "A summary added later." in stored
    assert page.errors == []


def test_a_new_article_in_a_tab_closed_before_its_first_save_is_offered_in_the_next_new_article(local_stack, browser):  # noqa: F811
    """No title yet, so nothing was saved to the server: the tab's copy in this browser is the only one.
    Closed (or crashed), it is offered when the reporter opens New article again, not left unseen."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # two tabs of one browser
    page = context.new_page()
    email, password = accounts(local_stack)["editor"]
    page.goto(local_stack["base"] + "/desk/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/desk/articles")
    page.goto(local_stack["base"] + "/desk/new")
    page.get_by_label("Body", exact=True).click()
    page.keyboard.type("Twenty minutes of notes, no headline yet.")
    time.sleep(1)  # kept in this browser as typed
    again = context.new_page()
    page.close()  # the tab closed without its beforeunload (a crash, a laptop battery)
    again.goto(local_stack["base"] + "/desk/new")
    offer = again.locator("#restore")
    offer.filter(has_text="This browser kept changes to").wait_for(timeout=5000)
    assert "a new article" in offer.inner_text()
    again.get_by_role("button", name="Restore them").click()
    assert "Twenty minutes of notes, no headline yet." in again.locator("#f-body").input_value()
    assert again.get_by_label("Body", exact=True).inner_text().strip() == "Twenty minutes of notes, no headline yet."
    context.close()


def test_deleting_a_live_blog_update_asks_first_and_a_no_keeps_it(local_stack, browser):  # noqa: F811
    """Delete sits beside Edit or correct under every posted update: a slip must not take an update
    off the site with no way back in the desk."""
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "editor")
    page.goto(base + "/desk/live")
    page.get_by_label("Title").fill("Count night")
    page.get_by_label("Introduction").fill("The count, as it happens.")
    page.get_by_role("button", name="Start live blog").click()
    page.get_by_label("Update").fill("Turnout passes forty percent.")
    page.get_by_role("button", name="Post update").click()
    entries = page.locator("#live-entries")
    entries.get_by_text("Turnout passes forty percent.").wait_for(timeout=15000)
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    entries.get_by_role("button", name="Delete").click()
    time.sleep(2)
    assert asked and "Delete this update" in asked[0]
    assert "Turnout passes forty percent." in entries.inner_text()
    assert "Turnout passes forty percent." in page.context.request.get(base + "/count-night/").text()
    page.once("dialog", lambda dialog: dialog.accept())
    entries.get_by_role("button", name="Delete").click()
    page.get_by_text("Deleted").first.wait_for(timeout=15000)
    # the list follows the deletion when it next refreshes: wait for it, as a reader of the screen would
    expect(page.locator("#live-entries")).not_to_contain_text("Turnout passes forty percent.", timeout=15000)


def test_save_draft_on_a_scheduled_article_never_calls_it_live(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "editor")
    write(page, "Budget vote on Wednesday", "The vote is set for Wednesday.")
    page.get_by_label("Publish at").fill("2099-01-02T09:00")
    page.locator("#publish").click()
    page.get_by_role("status").filter(has_text="Scheduled for").wait_for(timeout=15000)
    page.goto(base + "/desk/edit?key=articles%2Fbudget-vote-on-wednesday.md")
    assert page.locator("#state-text").inner_text().startswith("Scheduled for Fri 2 Jan 2099")
    page.get_by_label("Summary").fill("Moved to the afternoon.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("status").filter(has_text="goes live without them").wait_for(timeout=15000)
    state = page.locator("#state-text").inner_text()
    assert state.startswith("Scheduled for Fri 2 Jan 2099") and "Changes in draft" in state and "Live" not in state
    assert "still shows the live version" not in page.get_by_role("status").inner_text()
    assert page.context.request.get(base + "/budget-vote-on-wednesday/").status == 404
