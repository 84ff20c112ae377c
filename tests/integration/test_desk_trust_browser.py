"""The editor an editor can trust (issue 43), in Debian's Chromium against `make run`, in the editor's
own time zone (Europe/London): a future date turns Publish into "Schedule for …", which never goes
live early; the state line and the outcome beside the buttons; the heading, History and Unpublish
after the first save, without a reload; drafts saved while typing; one browser copy per tab; leaving
with unsaved changes asks; axe and 390 px on every state this changes."""

from __future__ import annotations

import datetime as dt
import re
import time
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.integration.conftest import needs_axe, sideways, violations
from tests.integration.conftest import signed_in as desk_signed_in
from tests.integration.test_browser import browser  # noqa: F401 - the fixture

ZONE = "Europe/London"


def signed_in(browser, stack, role: str = "editor", width: int = 1280, bypass_csp: bool = False):  # type: ignore[no-untyped-def]  # noqa: F811
    """Signed in as ``role`` in the newsroom's time zone (``bypass_csp``: for axe)."""
    return desk_signed_in(browser, stack, role, width, axe=bypass_csp, timezone_id=ZONE)


def in_two_days_at_ten() -> dt.datetime:
    day = dt.datetime.now(ZoneInfo(ZONE)).date() + dt.timedelta(days=2)
    return dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZoneInfo(ZONE))


def test_a_future_date_schedules_and_publish_now_instead_is_explicit(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack)
    page.goto(base + "/desk/new")
    assert page.locator("#state").inner_text().startswith("New article: not saved yet.")
    assert page.get_by_role("button", name="Unpublish").count() == 0 or not page.get_by_role(
        "button", name="Unpublish").is_visible()
    page.get_by_label("Title").fill("Embargoed budget")
    page.get_by_label("Body", exact=True).fill("Not before Wednesday.")
    when = in_two_days_at_ten()
    page.get_by_label("Publish at").fill(when.strftime("%Y-%m-%dT%H:%M"))
    label = f"Schedule for {when:%a} {when.day} {when:%b}, 10:00 (Europe/London)"
    schedule = page.get_by_role("button", name=label, exact=True)
    assert schedule.is_visible()
    assert page.get_by_role("button", name="Publish", exact=True).count() == 0  # the date decides the action
    assert page.get_by_role("button", name="Publish now instead").is_visible()
    assert "changes \u201cPublish at\u201d to now" in page.locator("#h-publish-now").inner_text()
    schedule.click()
    status = page.get_by_role("status").filter(has_text="Scheduled for")
    status.wait_for(timeout=15000)
    assert f"Scheduled for {when:%a} {when.day} {when:%b}, 10:00 (Europe/London)" in status.inner_text()
    expect(status).to_be_in_viewport()  # beside the buttons, in view (scrolled there if the page moved)
    assert page.evaluate("document.activeElement.id") == "publish"  # focus stays where it was
    assert page.context.request.get(base + "/embargoed-budget/").status == 404
    # The first save made it an article: heading, address, state, History and Unpublish, without a reload
    assert page.locator("h1").inner_text() == "Embargoed budget"
    assert "key=articles%2Fembargoed-budget.md" in page.url
    assert page.locator("#state").inner_text().startswith("Scheduled for ")
    assert page.get_by_role("link", name="History").is_visible()
    assert page.get_by_role("button", name="Unpublish").is_visible()
    time.sleep(2)
    assert page.context.request.get(base + "/embargoed-budget/").status == 404  # still not live
    page.get_by_role("button", name="Publish now instead").click()
    page.get_by_role("link", name="Open the page").wait_for(timeout=15000)
    assert "Published: live since" in page.get_by_role("status").inner_text()
    assert page.locator("#state").inner_text().startswith("Live since ")
    assert page.get_by_role("link", name="View on site").get_attribute("href") == "/embargoed-budget/"
    assert page.get_by_role("button", name="Publish", exact=True).is_visible()  # the date is now: Publish again
    assert page.context.request.get(base + "/embargoed-budget/").status == 200
    assert page.errors == []


def test_typing_is_saved_as_a_draft_and_each_tab_keeps_its_own_copy(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    first = signed_in(browser, local_stack)
    first.goto(base + "/desk/new")
    first.evaluate("document.getElementById('editor').dataset.autosaveMs = '600000'")  # no server save in this part
    first.get_by_label("Title").fill("First tab story")
    first.get_by_label("Body", exact=True).fill("Words of the first tab.")
    second = first.context.new_page()
    second.goto(base + "/desk/new")
    second.evaluate("document.getElementById('editor').dataset.autosaveMs = '600000'")
    second.get_by_label("Title").fill("Second tab story")
    second.get_by_label("Body", exact=True).fill("Words of the second tab.")
    for page, title in ((first, "First tab story"), (second, "Second tab story")):
        asked: list[str] = []
        page.once("dialog", lambda dialog, asked=asked: (asked.append(dialog.type), dialog.accept()))
        page.reload()
        assert asked == ["beforeunload"]  # leaving with unsaved changes asks first
        offer = page.locator("#restore")
        assert offer.is_visible()
        said = offer.inner_text()
        assert f"\u201c{title}\u201d" in said and re.search(r"typed at \w{3} \d+ \w{3}, \d\d:\d\d \(Europe/London\)", said)
        page.get_by_role("button", name="Restore them").click()
        assert page.get_by_label("Title").input_value() == title  # its own, never the other tab's
    # Saved to the server within a minute of typing (the wait shortened to a second here)
    page = signed_in(browser, local_stack)
    page.goto(base + "/desk/new")
    page.evaluate("document.getElementById('editor').dataset.autosaveMs = '1000'")
    page.get_by_label("Title").fill("Saved while typing")
    page.get_by_label("Body", exact=True).fill("Nobody pressed a button.")
    page.get_by_role("status").filter(has_text="Draft saved automatically").wait_for(timeout=20000)
    assert "key=articles%2Fsaved-while-typing.md" in page.url
    page.get_by_role("status").filter(has_text="Preview link").wait_for(timeout=15000)  # ingest has it
    assert "Draft saved automatically at " in page.get_by_role("status").inner_text()
    assert page.locator("#state").inner_text().startswith("Draft: not on the site.")
    assert page.context.request.get(base + "/saved-while-typing/").status == 404
    fresh = page.context.new_page()  # the server has it: another tab opens it, words and all
    fresh.goto(base + "/desk/edit?key=articles/saved-while-typing.md")
    assert fresh.get_by_label("Body", exact=True).inner_text() == "Nobody pressed a button."
    assert fresh.locator("#state").inner_text().startswith("Draft")
    assert page.errors == [] and first.errors == []


def test_a_contributors_typing_is_saved_to_their_submissions(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "contributor")
    page.goto(base + "/desk/new")
    page.evaluate("document.getElementById('editor').dataset.autosaveMs = '1000'")
    page.get_by_label("Title").fill("Notes from the field")
    page.get_by_label("Body", exact=True).fill("Half written.")
    page.get_by_role("status").filter(has_text="Draft saved automatically").wait_for(timeout=20000)
    # in their own folder: their identity pool identity id ("us-east-1:<guid>"), as their role's policy names it
    assert re.search(r"key=submissions%2Fus-east-1(:|%3A)[0-9a-f-]{36}%2Farticles%2Fnotes-from-the-field\.md", page.url), page.url
    page.get_by_role("status").filter(has_text="Send it for review").wait_for(timeout=15000)
    assert page.locator("#state").inner_text().startswith("Draft, not yet sent for review.")
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_role("status").filter(has_text="In review").wait_for(timeout=15000)
    assert page.errors == []


@needs_axe
def test_axe_and_390_px_on_every_editor_state_history_and_restore(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    found: dict[str, list[str]] = {}
    wide: dict[str, int] = {}
    page = signed_in(browser, local_stack, bypass_csp=True)
    page.goto(base + "/desk/new")
    page.get_by_label("Title").fill("Axe story")
    page.get_by_label("Body", exact=True).fill("Checked in every state.")
    page.get_by_label("Publish at").fill(in_two_days_at_ten().strftime("%Y-%m-%dT%H:%M"))
    found["editor, future date"] = violations(page)
    page.get_by_role("button", name=re.compile("^Schedule for ")).click()
    page.get_by_role("status").filter(has_text="Scheduled for").wait_for(timeout=15000)
    found["editor, scheduled"] = violations(page)
    page.get_by_role("button", name="Publish now instead").click()
    page.get_by_role("link", name="Open the page").wait_for(timeout=15000)
    found["editor, live"] = violations(page)
    page.get_by_label("Body", exact=True).fill("Checked in every state, and corrected.")
    page.get_by_label("Correction note").fill("An earlier version said otherwise.")
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("link", name="Open the page").wait_for(timeout=15000)
    page.goto(base + "/desk/edit?key=articles/axe-story.md")
    assert "An earlier version said otherwise." in page.locator(".corrections").inner_text()
    found["editor, with corrections"] = violations(page)
    page.goto(base + "/desk/history?key=articles/axe-story.md")
    found["history"] = violations(page)
    page.get_by_role("link", name=re.compile("^Open this version")).first.click()
    found["version"] = violations(page)
    page.goto(base + "/desk/history?key=articles/axe-story.md")
    page.get_by_role("button", name=re.compile("^Restore the version of ")).last.click()
    assert re.search(r"becomes the live version; its 1 correction stays\.", page.locator("#restore-what").inner_text())
    found["restore, asked"] = violations(page)
    page.goto(base + "/desk/edit?key=articles/axe-story.md")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Unpublish").click()
    page.get_by_role("status").filter(has_text="Unpublished").wait_for(timeout=15000)
    found["editor, unpublished"] = violations(page)
    page.context.close()
    narrow = signed_in(browser, local_stack, width=390)
    for path in ("/desk/new", "/desk/edit?key=articles/axe-story.md", "/desk/history?key=articles/axe-story.md"):
        narrow.goto(base + path)
        wide[path] = sideways(narrow)
    assert found == {name: [] for name in found}
    assert wide == {path: 0 for path in wide}


def test_the_preview_shows_a_photo_whose_sizes_are_being_made(local_stack, browser, tmp_path):  # noqa: F811
    """Uploaded and inserted, then previewed at once: every picture in the preview loads (its sizes, or
    its original for the editor while the sizes are made), and none points at a /media/ address."""
    from devstack.photos import photo

    base = local_stack["base"]
    picture = tmp_path / "IMG_0077.jpg"
    picture.write_bytes(photo(2000, 1500))
    page = signed_in(browser, local_stack)
    page.goto(base + "/desk/new")
    page.get_by_label("Title").fill("Pictures in the preview")
    page.get_by_label("Body", exact=True).fill("Before the photo.")
    page.get_by_label("Upload photo").set_input_files(str(picture))
    page.get_by_label("Alt text", exact=True).fill("A street at night")
    page.get_by_role("button", name="Upload", exact=True).click()
    page.locator("#queue").get_by_role("button", name="Insert").wait_for(timeout=30000)
    page.locator("#queue").get_by_role("button", name="Insert").click()
    page.get_by_role("button", name="Preview").click()
    # Read from the editor's page (the frame is same-origin and runs no script of its own)
    find = "document.getElementById('preview').contentDocument.querySelector('img[alt=\"A street at night\"]')"
    page.wait_for_function(f"() => !!{find}", timeout=15000)
    page.evaluate(f"() => {find}.scrollIntoView()")  # loading="lazy", as on the site: it loads when in view
    page.wait_for_function(f"() => {find}.complete && {find}.naturalWidth > 0", timeout=20000)
    src = page.evaluate(f"() => {find}.getAttribute('src')")
    assert not src.startswith("/media/")  # the readers' 404
    assert page.errors == []
