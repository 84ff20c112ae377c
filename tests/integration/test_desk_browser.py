"""The desk in Debian's Chromium against `make run`, as a newcomer uses it (issue 29): sign in with the
account `make run` printed, write a new article, preview it, publish it, see it on the site; then the
contributor's path, a reload that keeps what was typed, and sign out. Controls are found by their
visible labels, as a screen reader names them."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.integration.conftest import accounts, needs_axe, sign_in, signed_in, violations, wait_for
from tests.integration.test_browser import SCREENS, browser  # noqa: F401 - the fixture


def test_make_run_prints_one_account_per_role_and_the_desk(local_stack):
    assert set(accounts(local_stack)) == {"contributor", "editor", "admin"}
    local_stack["log"].seek(0)
    said = local_stack["log"].read()
    assert '"desk": "http://127.0.0.1:' in said
    noise = [line for line in said.splitlines()
             if any(word in line for word in ("Warning", "WARNING", "ERROR", "Traceback", "Override settings for pynamo",
                                              "Using Default settings"))
             and "newsroom.ingest" not in line]  # ingest's own report lines name outcomes, not faults of the setup
    assert noise == []


def test_an_editor_writes_previews_publishes_and_sees_it_live(local_stack, browser):  # noqa: F811
    page = signed_in(browser, local_stack, "editor", width=390)  # a phone's width
    page.get_by_role("link", name="New article").first.click()
    page.get_by_label("Title").fill("Written in the browser")
    page.get_by_label("Categories").fill("Tehran")  # one the site has: the desk refuses a typo
    page.get_by_label("Body", exact=True).fill("First paragraph -- typed in the **desk**.")
    page.get_by_role("button", name="Preview").click()
    frame = page.frame_locator("iframe[title=Preview]")
    frame.locator("h1").filter(has_text="Written in the browser").wait_for()
    expect(frame.locator("body")).to_contain_text("typed in the")
    started = time.monotonic()
    page.get_by_role("button", name="Publish").click()
    page.get_by_role("link", name="Open the page").wait_for(timeout=15000)
    expect(page.get_by_role("status")).to_contain_text("Published: live since")
    seen = wait_for(lambda: "Written in the browser" in page.context.request.get(local_stack["base"] + "/").text(),
                    timeout=5)
    assert seen is not None and time.monotonic() - started < 15
    assert page.context.request.get(local_stack["base"] + "/written-in-the-browser/").status == 200
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "desk-editor-phone.png"), full_page=True)
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url("**/desk/sign-in")
    assert page.errors == []


def test_a_contributor_can_only_submit(local_stack, browser):  # noqa: F811
    page = signed_in(browser, local_stack, "contributor")
    page.goto(local_stack["base"] + "/desk/new")
    expect(page.get_by_role("button", name="Submit for review")).to_be_visible()
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)
    page.get_by_label("Title").fill("For the editors")
    page.get_by_label("Body", exact=True).fill("Please check this.")
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_role("status").filter(has_text="in review").wait_for(timeout=15000)
    assert page.context.request.get(local_stack["base"] + "/for-the-editors/").status == 404
    assert page.errors == []
    # The same request the editor's Publish button sends, forged from the contributor's own signed-in page.
    forged = page.evaluate("""() => fetch("/desk/save", {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json",
                  "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content},
        body: JSON.stringify({action: "publish", key: "", version: "", body: "Forged.",
                              fields: {title: "Forged by a contributor", date: "2024-03-01T09:00:00Z"}})})
        .then(r => r.status)""")
    assert forged == 403
    assert page.context.request.get(local_stack["base"] + "/forged-by-a-contributor/").status == 404


def test_typing_survives_a_reload(local_stack, browser):  # noqa: F811
    page = signed_in(browser, local_stack, "editor")
    page.goto(local_stack["base"] + "/desk/new")
    page.get_by_label("Title").fill("Not saved yet")
    page.get_by_label("Body", exact=True).fill("Words the connection almost lost.")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    page.reload()
    page.get_by_role("button", name="Restore them").click()
    expect(page.get_by_label("Body", exact=True)).to_have_text("Words the connection almost lost.")  # the rich text
    expect(page.locator("#f-body")).to_have_value("Words the connection almost lost.\n")  # the form's field
    expect(page.get_by_label("Title")).to_have_value("Not saved yet")
    assert asked == ["beforeunload"]  # leaving with unsaved changes asked first


def publish_from_the_editor(page, base: str, title: str, body: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/desk/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body", exact=True).fill(body)
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("link", name="Open the page").wait_for(timeout=15000)


def test_a_phone_photo_is_uploaded_with_alt_text_inserted_and_published(local_stack, browser, tmp_path):  # noqa: F811
    """Straight to S3 with the presigned POST (moto's S3 here), its sizes made by the images function,
    inserted into the body, published: the page shows the sizes and never the original, and the
    library names the article that shows it."""
    from devstack.photos import photo

    base = local_stack["base"]
    picture = tmp_path / "IMG_0042.jpg"
    picture.write_bytes(photo(2000, 1500))  # EXIF with GPS, turned, as a phone takes it
    page = signed_in(browser, local_stack, "editor")
    page.goto(base + "/desk/new")
    page.get_by_label("Title").fill("Crowd at the square")
    page.get_by_label("Body", exact=True).fill("The crowd grew all afternoon.")
    page.get_by_label("Upload photo").set_input_files(str(picture))
    page.get_by_label("Alt text", exact=True).fill("Thousands in the square at dusk")
    page.get_by_role("button", name="Upload", exact=True).click()
    page.locator("#queue").get_by_text("Ready:").wait_for(timeout=30000)
    page.locator("#queue").get_by_role("button", name="Insert").click()
    page.get_by_role("group", name="Photo details").get_by_role("button", name="Done").click()
    inserted = re.compile(r"!\[Thousands in the square at dusk\]\(/(media/\d{4}/\d{2}/img-0042[-\d]*\.jpg)\)")
    expect(page.locator("#f-body")).to_have_value(inserted)  # the body's source, as the form sends it
    key = inserted.search(page.locator("#f-body").input_value()).group(1)
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("link", name="Open the page").wait_for(timeout=20000)
    live = page.context.request.get(base + "/crowd-at-the-square/").text()
    assert "/sizes/" in live and f"/{key}" not in live and 'alt="Thousands in the square at dusk"' in live
    page.goto(base + "/desk/media")
    card = page.locator(".photo", has_text=key)
    expect(card.get_by_role("link", name="/crowd-at-the-square/")).to_have_count(1)
    assert page.errors == []


def test_history_lists_three_versions_and_restores_the_first(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "editor")
    publish_from_the_editor(page, base, "Three drafts", "The first wording.")
    for words in ("The second wording.", "The third wording, final."):
        page.goto(base + "/desk/edit?key=articles/three-drafts.md")
        page.get_by_label("Body", exact=True).fill(words)
        page.get_by_role("button", name="Publish", exact=True).click()
        page.get_by_role("link", name="Open the page").wait_for(timeout=15000)
    page.goto(base + "/desk/edit?key=articles/three-drafts.md")
    page.get_by_role("link", name="History").click()
    page.wait_for_url("**/desk/history?**")
    versions = page.locator(".versions > li")
    expect(versions).to_have_count(3)
    expect(versions.nth(0).locator("ins").filter(has_text="third")).to_have_count(1)  # the body's diff, word by word
    versions.nth(2).get_by_role("button", name=re.compile("^Restore the version of ")).click()
    expect(page.locator("#restore-what")).to_contain_text("becomes the live version")
    page.get_by_role("button", name=re.compile("^Restore the version of ")).click()
    page.get_by_role("status").filter(has_text="Restored").wait_for()
    shown = wait_for(lambda: "The first wording." in page.context.request.get(base + "/three-drafts/").text(),
                     timeout=15)
    assert shown is not None
    assert page.errors == []


def test_a_comment_is_approved_and_another_rejected_from_the_queue(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    editor = signed_in(browser, local_stack, "editor")
    publish_from_the_editor(editor, base, "Open for comments", "Tell us what you think.")
    reader = browser.new_page()
    for name, text in (("Sara", "A fair and careful report."), ("Spammer", "Cheap watches at example.com")):
        reader.goto(base + "/open-for-comments/", wait_until="load")
        reader.fill("#name-new", name)
        reader.fill("#text-new", text)
        reader.click("form.comment-form button[type=submit] >> nth=-1")
        reader.wait_for_load_state("load")
    editor.goto(base + "/desk/comments")
    nav = editor.get_by_role("navigation", name="Desk")
    expect(nav.get_by_role("link", name="Comments", exact=True)).to_have_count(1)
    expect(editor.locator("#count-comments")).to_have_text("2 waiting")  # whitespace collapsed, as before
    editor.locator(".comment", has_text="A fair and careful report.").get_by_role("button", name="Approve").click()
    editor.get_by_role("status").filter(has_text="approved").wait_for()
    editor.locator(".comment", has_text="Cheap watches").get_by_role("button", name="Trash", exact=True).click()
    editor.get_by_role("status").filter(has_text="moved to the Trash").wait_for()
    page = reader.context.request.get(base + "/open-for-comments/").text()
    assert "A fair and careful report." in page and "Cheap watches" not in page
    assert editor.errors == []


def test_a_refused_file_is_found_opened_mended_and_published(local_stack, browser):  # noqa: F811
    import boto3

    base = local_stack["base"]
    s3 = boto3.client("s3", endpoint_url=local_stack["endpoint"], region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.put_object(Bucket="newsroom-dev-content", Key="articles/mend-me.md",
                  Body=b"---\ntitle: Mend me\ndate: yesterday-ish\n---\nA file uploaded with a mistake.\n")
    page = signed_in(browser, local_stack, "editor")
    refused = wait_for(lambda: page.goto(base + "/desk/refused") and "articles/mend-me.md" in page.content(), timeout=15)
    assert refused is not None
    page.get_by_role("link", name="date").first.click()
    page.wait_for_url("**/desk/edit?key=articles/mend-me.md#f-date")
    expect(page.get_by_role("alert").first).to_contain_text("Ingest refused this file")
    page.get_by_label("Publish at").fill("2024-05-01T09:00")
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("link", name="Open the page").wait_for(timeout=15000)
    assert page.context.request.get(base + "/mend-me/").status == 200
    page.goto(base + "/desk/refused")
    assert "articles/mend-me.md" not in page.content()


def test_a_contributor_reaches_no_editor_or_admin_screen(local_stack, browser):  # noqa: F811
    page = signed_in(browser, local_stack, "contributor")
    nav = page.get_by_role("navigation", name="Desk")
    expect(nav.get_by_role("link", name="Articles", exact=True)).to_have_count(1)
    for name in ("Media", "Comments", "Refused", "Settings"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_have_count(0)
    for path in ("/desk/settings", "/desk/comments", "/desk/media", "/desk/history?key=articles/x.md"):
        assert page.goto(local_stack["base"] + path).status == 403


def test_an_admin_renames_a_category_and_the_old_address_redirects(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "admin")
    page.get_by_role("navigation", name="Desk").get_by_role("link", name="Categories", exact=True).click()
    page.get_by_label("New slug for Lending").fill("loans")
    page.get_by_label("New name for Lending").fill("Loans")
    page.locator("tr", has_text="/category/lending/").get_by_role("button", name="Rename").click()
    page.get_by_role("status").filter(has_text="now redirects").wait_for()
    moved = wait_for(lambda: page.context.request.get(base + "/category/lending/", max_redirects=0).status == 301,
                     timeout=30)
    assert moved is not None
    assert page.context.request.get(base + "/category/loans/").status == 200
    assert page.errors == []




@needs_axe
def test_axe_finds_no_violations_on_any_desk_screen(local_stack, browser):  # noqa: F811
    """The sign-in page, the list, the editor, and the editor showing a mistake beside its field."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})  # to inject axe only
    page = context.new_page()
    page.goto(local_stack["base"] + "/desk/sign-in")
    found = {"sign-in": violations(page)}
    email, password = accounts(local_stack)["editor"]
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    found["sign-in refused"] = violations(page)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/desk/articles")
    found["articles"] = violations(page)
    page.goto(local_stack["base"] + "/desk/new")
    found["editor"] = violations(page)
    page.get_by_label("Title").fill("Reserved")
    page.get_by_label("Slug").fill("sizes")
    page.get_by_role("button", name="Preview").click()
    page.locator("#e-slug").filter(has_text="reserved").wait_for()
    found["editor with a mistake"] = violations(page)
    page.goto(local_stack["base"] + "/desk/sign-out")
    context.clear_cookies()
    sign_in(page, local_stack, "admin")
    for screen in ("/desk/settings", "/desk/categories", "/desk/tags", "/desk/import", "/desk/pages", "/desk/media", "/desk/comments",
                   "/desk/comments?tab=trash", "/desk/refused",
                   "/desk/deleted", "/desk/history?key=articles/iran-russia-alliance-grows-as-biden-heads-to-middle-east-amid-growing-threats.md"):
        page.goto(local_stack["base"] + screen)
        found[screen] = violations(page)
    context.close()
    assert found == {name: [] for name in found}


def test_the_publish_flow_works_from_the_keyboard_alone(local_stack, browser):  # noqa: F811
    page = signed_in(browser, local_stack, "editor")
    page.goto(local_stack["base"] + "/desk/new")
    page.get_by_label("Title").focus()
    page.keyboard.type("Keyboard only")
    for _ in range(40):  # Tab to the body, as a keyboard user does
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('role')") == "textbox":  # the body's rich text
            break
    page.keyboard.type("Typed without a mouse.")
    while page.evaluate("document.activeElement.dataset.action") != "publish":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Open the page").wait_for(timeout=15000)
    assert page.context.request.get(local_stack["base"] + "/keyboard-only/").status == 200


def test_an_editor_corrects_schedules_and_unpublishes(local_stack, browser):  # noqa: F811
    """The rest of a newcomer's path: publish with the toolbar's bold, correct it with a public note,
    schedule another for tomorrow, unpublish the first (404 on the site), sign out."""
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "editor")
    page.goto(base + "/desk/new")
    page.get_by_label("Title").fill("To be corrected")
    body = page.get_by_label("Body", exact=True)
    body.fill("The vote was on Monday.")
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    for _ in "Monday":
        page.keyboard.press("Shift+ArrowLeft")
    page.get_by_role("button", name="Bold").click()
    expect(page.locator("#f-body")).to_have_value("The vote was on **Monday**.\n")
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("link", name="Open the page").wait_for(timeout=15000)
    assert "<strong>Monday</strong>" in page.context.request.get(base + "/to-be-corrected/").text()

    page.goto(base + "/desk/edit?key=articles/to-be-corrected.md")
    page.get_by_label("Body", exact=True).fill("The vote was on Tuesday.")
    page.get_by_label("Correction note").fill("An earlier version gave the wrong day.")
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("link", name="Open the page").wait_for(timeout=15000)
    shown = wait_for(lambda: "wrong day" in (text := page.context.request.get(base + "/to-be-corrected/").text())
                     and "Tuesday" in text, timeout=10)
    assert shown

    page.goto(base + "/desk/new")
    page.get_by_label("Title").fill("Tomorrow's story")
    page.get_by_label("Body", exact=True).fill("Not yet.")
    page.get_by_label("Publish at").fill(page.evaluate(
        "() => { const d = new Date(Date.now() + 86400000); d.setSeconds(0, 0);"
        " return new Date(d - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16); }"))
    page.get_by_role("button", name="Schedule").click()
    page.get_by_role("status").filter(has_text="scheduled").wait_for(timeout=15000)
    assert page.context.request.get(base + "/tomorrows-story/").status == 404

    page.goto(base + "/desk/edit?key=articles/to-be-corrected.md")
    page.once("dialog", lambda dialog: (dialog.message.startswith("Unpublish \u201cTo be corrected\u201d")
                                        and dialog.accept()))
    page.get_by_role("button", name="Unpublish").click()
    gone = wait_for(lambda: page.context.request.get(base + "/to-be-corrected/").status == 404, timeout=10)
    assert gone
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url("**/desk/sign-in")
    assert page.errors == []


def test_a_wordpress_export_uploaded_in_the_desk_matches_the_command_and_goes_live(local_stack, browser, tmp_path):  # noqa: F811
    """The importer's test export through the desk: the dry run's report is the command's, then the
    real import, every published item reachable."""
    import json
    import subprocess

    from tests.integration.conftest import BIN

    export = Path(__file__).resolve().parents[1] / "data" / "themeunittestdata.wordpress.xml"
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "admin")
    page.goto(base + "/desk/import")
    page.get_by_label("WordPress export").set_input_files(str(export))
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_role("status").filter(has_text="Dry run done").wait_for(timeout=60000)
    with page.expect_download() as download:
        page.get_by_role("link", name="The report").click()
    desk_report = json.loads(Path(download.value.path()).read_text())
    cli = tmp_path / "cli.json"
    subprocess.run([str(BIN / "newsroom"), "import-wordpress", str(export), "--dry-run", "--report", str(cli),
                    "--endpoint-url", local_stack["endpoint"]], env=local_stack["env"], check=True,
                   capture_output=True)
    assert desk_report == json.loads(cli.read_text())
    page.get_by_role("button", name="Import for real").click()
    page.get_by_role("status").filter(has_text=re.compile("^Done: ")).wait_for(timeout=240000)
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"(^|\s)0 refused"))
    for path in ("/lorem-ipsum/", "/page-with-comments/", "/category/aciform/", "/tag/8bit/"):
        assert page.context.request.get(base + path).status == 200, path
    assert page.errors == []


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
