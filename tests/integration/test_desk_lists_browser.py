"""Issue 43's lists, pickers and locks in Debian's Chromium against `make run`, as editors use them:
one row per article with its state in words, the status tabs from the keyboard, the pickers' ARIA
combobox, a take-over the first editor hears of at once, the conflict panel focused and readable,
and no sideways scrolling at 390 px. axe-core finds nothing on any of those screens and states."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.integration.conftest import needs_axe, sideways, signed_in, violations, wait_for
from tests.integration.test_browser import SCREENS, browser  # noqa: F401 - the fixture
from tests.integration.test_desk_browser import publish_from_the_editor

SEED_KEY = "articles/iran-russia-alliance-grows-as-biden-heads-to-middle-east-amid-growing-threats.md"


def test_a_draft_of_a_live_article_is_on_its_row_and_opens_from_it(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "editor")
    publish_from_the_editor(page, base, "One row only", "Live words.")
    page.goto(base + "/desk/edit?key=articles/one-row-only.md")
    page.get_by_label("Body", exact=True).fill("Words for later.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("status").filter(has_text="draft").wait_for(timeout=15000)
    page.goto(base + "/desk/articles?q=one+row+only")
    expect(page.get_by_role("link", name="One row only", exact=True)).to_have_count(1)  # never twice
    row = page.locator("tr", has_text="One row only")
    wait_for(lambda: page.reload() or "changes in draft" in row.inner_text(), timeout=15)
    assert re.search(r"Live since .*changes in draft by Local Editor", " ".join(row.inner_text().split()))
    row.get_by_role("link", name="Open the draft").click()
    page.wait_for_url("**/desk/edit?key=drafts/articles/one-row-only.md")
    expect(page.get_by_label("Body", exact=True)).to_have_text("Words for later.", use_inner_text=True)
    assert page.errors == []


def test_the_status_tabs_count_and_filter_from_the_keyboard(local_stack, browser):  # noqa: F811
    page = signed_in(browser, local_stack, "editor")
    tabs = page.get_by_role("navigation", name="Articles by state")
    shown = [" ".join(link.split()) for link in tabs.get_by_role("link").all_inner_texts()]
    assert [re.sub(r" \(\d+\)$", "", link) for link in shown] == [
        "All", "Mine", "Live", "Scheduled", "Drafts", "In review", "Unpublished", "Refused"]
    live = int(re.search(r"Live \((\d+)\)", tabs.inner_text()).group(1))
    assert live >= 11  # the sample site's articles
    tabs.get_by_role("link", name=re.compile(r"^Live")).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/articles?tab=live")
    expect(page.locator("tbody tr")).to_have_count(min(live, 50))
    expect(page.locator("tbody tr").first).to_contain_text("Live since")
    page.get_by_label("Category").select_option(label="Tehran")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**category=tehran**")
    expect(page.locator("tbody tr")).to_have_count(2)
    assert page.errors == []


def test_the_category_picker_suggests_the_sites_terms_and_refuses_a_typo_until_created(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "editor")
    page.goto(base + "/desk/new")
    page.get_by_label("Title").fill("Picked from the list")
    page.get_by_label("Body", exact=True).fill("Words.")
    categories = page.get_by_role("combobox", name="Categories")
    categories.focus()
    page.keyboard.type("Teh")
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(categories).to_have_attribute("aria-expanded", "true")
    expect(listbox.get_by_role("option", name="Tehran")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    expect(categories).to_have_attribute("aria-activedescendant", listbox.get_by_role("option").first.get_attribute("id"))
    page.keyboard.press("Enter")
    expect(categories).to_have_value("Tehran, ")
    expect(categories).to_have_attribute("aria-expanded", "false")
    page.keyboard.type("Tehrn City")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Publish", exact=True).click()
    alert = page.locator("#problems")
    alert.filter(has_text="Unknown category 'Tehrn City'").wait_for()
    expect(page.locator("#e-categories")).to_have_text(re.compile(r"^Unknown category 'Tehrn City'"))
    categories.focus()
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    page.keyboard.type("y")
    listbox.get_by_role("option", name="Create category \u2018Tehrn City\u2019").wait_for()
    page.keyboard.press("ArrowUp")  # the last option: create it
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("link", name="Open the page").wait_for(timeout=15000)
    assert wait_for(lambda: page.context.request.get(base + "/category/tehrn-city/").status == 200, timeout=10)
    assert [e for e in page.errors if "status of 400" not in e] == []  # the refused save's answer only


def test_a_take_over_reaches_the_first_editor_at_once_and_their_save_is_refused(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    first = signed_in(browser, local_stack, "editor")
    publish_from_the_editor(first, base, "Held by two", "Words.")
    first.goto(base + "/desk/edit?key=articles/held-by-two.md")
    first.get_by_label("Body", exact=True).fill("The first editor's words, not yet saved.")
    second = signed_in(browser, local_stack, "admin")
    second.goto(base + "/desk/edit?key=articles/held-by-two.md")
    second.get_by_text("Local Editor is editing this article").wait_for(timeout=10000)
    second.get_by_role("button", name="Take over").click()
    dialog = first.get_by_role("dialog", name="Local Admin took over this article")
    dialog.wait_for(timeout=8000)  # within one check (5 s)
    assert first.evaluate("document.activeElement.id") == "taken-over-ok"
    first.get_by_role("button", name="Keep my text here").click()
    first.get_by_role("button", name="Publish", exact=True).click()
    first.locator("#problems").filter(has_text="Local Admin is editing this article").wait_for()
    expect(first.get_by_label("Body", exact=True)).to_have_text("The first editor's words, not yet saved.", use_inner_text=True)
    second.close()  # the admin leaves: the lock is let go at once
    first.get_by_role("status").filter(has_text="Local Admin has left").wait_for(timeout=10000)
    assert [e for e in first.errors if "409" not in e and "423" not in e] == []


def test_the_lock_clears_when_the_other_editor_closes_the_tab(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    first = signed_in(browser, local_stack, "editor")
    first.goto(base + "/desk/edit?key=" + SEED_KEY)
    first.wait_for_timeout(500)
    second = signed_in(browser, local_stack, "admin")
    second.goto(base + "/desk/edit?key=" + SEED_KEY)
    notice = second.get_by_text("Local Editor is editing this article")
    notice.wait_for(timeout=10000)
    first.close()
    notice.wait_for(state="hidden", timeout=10000)  # the next check after the tab closed, not 135 s later


def test_the_conflict_panel_is_focused_and_says_who_saved_what(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    first = signed_in(browser, local_stack, "editor")
    publish_from_the_editor(first, base, "Saved twice", "The vote is on Monday.")
    first.goto(base + "/desk/edit?key=articles/saved-twice.md")
    second = signed_in(browser, local_stack, "admin")
    second.goto(base + "/desk/edit?key=articles/saved-twice.md")
    second.get_by_role("button", name="Take over").click()
    second.get_by_label("Body", exact=True).fill("The vote is on Tuesday.")
    second.get_by_role("button", name="Publish", exact=True).click()
    second.get_by_role("link", name="Open the page").wait_for(timeout=15000)
    first.get_by_role("button", name="Keep my text here").click()  # the take-over's dialog
    second.close()  # gone: the lock is let go, and the first editor's save reaches the version check
    first.get_by_role("status").filter(has_text="has left").wait_for(timeout=10000)
    first.get_by_label("Body", exact=True).fill("The vote is on Wednesday.")
    first.get_by_role("button", name="Publish", exact=True).click()
    panel = first.get_by_role("region", name=re.compile("Local Admin saved this article at"))
    panel.wait_for(timeout=10000)
    assert first.evaluate("document.activeElement.id") == "conflict"
    expect(panel.locator("del", has_text="Tuesday.")).to_have_count(1)
    expect(panel.locator("ins", has_text="Wednesday.")).to_have_count(1)
    expect(panel.locator("#conflict-diff")).not_to_contain_text("---")
    panel.get_by_role("button", name="Copy their text into yours").click()
    expect(first.get_by_label("Body", exact=True)).to_have_text("The vote is on Tuesday.", use_inner_text=True)


def test_bulk_unpublish_confirms_how_many_and_shows_its_progress(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "editor")
    for title in ("Bulk one", "Bulk two"):
        publish_from_the_editor(page, base, title, "Words.")
    page.goto(base + "/desk/articles?q=bulk")
    page.get_by_label("Select all").check()
    page.get_by_label("Bulk action").select_option(label="Unpublish")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("heading", name="Unpublish 2 articles?").wait_for()
    page.get_by_role("button", name="Unpublish 2 articles").click()
    page.get_by_role("status").filter(has_text="of 2 done").wait_for(timeout=30000)
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^2 of 2 done\."))  # else it names what was not done
    expect(page.locator("progress")).to_have_attribute("value", "2")
    gone = wait_for(lambda: page.context.request.get(base + "/bulk-one/").status == 404
                    and page.context.request.get(base + "/bulk-two/").status == 404, timeout=15)
    assert gone is not None
    page.get_by_role("link", name="Back to the articles").click()
    page.goto(base + "/desk/articles?tab=unpublished&q=bulk")
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody")).to_contain_text("Unpublished")
    assert page.errors == []


SCREENS_390 = ("/desk/articles", "/desk/refused", "/desk/settings", "/desk/history?key=" + SEED_KEY, "/desk/pages")


def test_no_list_screen_scrolls_sideways_at_390_px(local_stack, browser):  # noqa: F811
    import boto3

    s3 = boto3.client("s3", endpoint_url=local_stack["endpoint"], region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    long_name = "articles/" + "a-very-long-file-name-without-any-break-" * 4 + "x.md"
    s3.put_object(Bucket="newsroom-dev-content", Key=long_name, Body=b"---\ntitle: Long\n---\nNo date.\n")
    page = signed_in(browser, local_stack, "admin", width=390)
    wait_for(lambda: page.goto(local_stack["base"] + "/desk/refused") and long_name in page.content(), timeout=15)
    wide = {}
    for screen in SCREENS_390:
        page.goto(local_stack["base"] + screen)
        wide[screen] = sideways(page)
    assert wide == {screen: 0 for screen in SCREENS_390}
    page.goto(local_stack["base"] + "/desk/articles")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "desk-articles-390.png"))


@needs_axe
def test_axe_finds_nothing_on_the_lists_the_pickers_and_the_panels(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "editor", axe=True)
    found = {"articles": violations(page)}
    page.goto(base + "/desk/articles?tab=live&category=tehran")
    found["articles, a tab and a filter"] = violations(page)
    page.set_viewport_size({"width": 390, "height": 900})
    found["articles at 390 px"] = violations(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "/desk/articles")
    page.get_by_label("Select all").check()
    page.get_by_label("Bulk action").select_option(label="Add a tag")
    page.get_by_label("Tag to add").fill("Checked")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("heading", name=re.compile("Add the tag Checked")).wait_for()
    found["bulk confirmation"] = violations(page)
    page.goto(base + "/desk/new")
    page.get_by_role("combobox", name="Categories").focus()
    page.keyboard.type("Ir")
    page.keyboard.press("ArrowDown")
    found["editor, picker open"] = violations(page)
    page.context.close()
    assert found == {name: [] for name in found}
