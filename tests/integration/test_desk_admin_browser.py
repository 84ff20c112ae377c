"""The desk's admin screens of issue 45 in Debian's Chromium against `make run`, tried as a new admin
would: an approved comment taken down from the desk and gone from the article; each new screen with
no axe violation, no sideways scrolling at 390 px, usable from the keyboard, and shot at 1,280 and
390 px into /work/brief/shots/ (where it exists) for the closing note."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.integration.conftest import needs_axe, sideways, signed_in, violations, wait_for
from tests.integration.test_browser import SCREENS, browser  # noqa: F401 - the fixture
from tests.integration.test_desk_browser import publish_from_the_editor

BRIEF_SHOTS = Path("/work/brief/shots")


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """A full-page screenshot at the page's width: into the artifacts, and into the brief's folder if there is one."""
    width = page.viewport_size["width"]
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"45-{name}-{width}.png"), full_page=True)
    if BRIEF_SHOTS.is_dir():
        page.screenshot(path=str(BRIEF_SHOTS / f"45-{name}-{width}.png"), full_page=True)


def post_comment(browser, base: str, slug: str, name: str, text: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    reader = browser.new_page()
    reader.goto(f"{base}/{slug}/", wait_until="load")
    reader.fill("#name-new", name)
    reader.fill("#text-new", text)
    reader.click("form.comment-form button[type=submit] >> nth=-1")
    reader.wait_for_load_state("load")
    reader.close()


def test_an_approved_comment_is_taken_down_from_the_desk_and_is_gone_from_the_article(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    editor = signed_in(browser, local_stack, "editor")
    publish_from_the_editor(editor, base, "Taken down from the desk", "Comments welcome.")
    post_comment(browser, base, "taken-down-from-the-desk", "Troll", "A defamatory claim about a named person.")
    editor.goto(base + "/desk/comments")
    editor.locator(".comment", has_text="defamatory claim").get_by_role("button", name="Approve").click()
    editor.get_by_role("status").filter(has_text="approved").wait_for()
    assert "defamatory claim" in editor.context.request.get(base + "/taken-down-from-the-desk/").text()
    tabs = editor.get_by_role("navigation", name="Comment states")
    tabs.get_by_role("link", name="Approved").click()
    editor.wait_for_url("**/desk/comments?tab=approved")
    row = editor.locator(".comment", has_text="defamatory claim")
    expect(row.get_by_role("link", name="Taken down from the desk")).to_have_count(1)  # the title, not the path
    row.get_by_role("button", name="Trash", exact=True).click()
    editor.get_by_role("status").filter(has_text="moved to the Trash").wait_for()
    gone = wait_for(lambda: "defamatory claim" not in editor.context.request.get(
        base + "/taken-down-from-the-desk/").text(), timeout=5)
    assert gone is not None
    page = editor.context.request.get(base + "/taken-down-from-the-desk/").text()
    assert "0 comments" in page
    editor.get_by_role("button", name="Undo").click()  # right after: it is back
    editor.get_by_role("status").filter(has_text="approved").wait_for()
    assert "defamatory claim" in editor.context.request.get(base + "/taken-down-from-the-desk/").text()
    editor.locator(".comment", has_text="defamatory claim").get_by_role("button", name="Trash", exact=True).click()
    editor.get_by_role("status").filter(has_text="moved to the Trash").wait_for()
    assert editor.errors == []


def test_comments_can_be_moderated_from_the_keyboard_alone(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    editor = signed_in(browser, local_stack, "editor")
    publish_from_the_editor(editor, base, "Keyboard moderation", "Comments welcome.")
    post_comment(browser, base, "keyboard-moderation", "Sara", "Typed for the keyboard test.")
    editor.goto(base + "/desk/comments")
    row = editor.locator(".comment", has_text="Typed for the keyboard test.")
    row.get_by_role("checkbox").focus()
    editor.keyboard.press("Space")
    for _ in range(20):  # Tab to the row's Approve button
        editor.keyboard.press("Tab")
        if editor.evaluate("document.activeElement.textContent.trim()") == "Approve":
            break
    editor.keyboard.press("Enter")
    editor.get_by_role("status").filter(has_text="approved").wait_for()
    assert "Typed for the keyboard test." in editor.context.request.get(base + "/keyboard-moderation/").text()


def test_a_tag_is_renamed_and_the_old_address_redirects(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    editor = signed_in(browser, local_stack, "editor")
    editor.goto(base + "/desk/new")
    editor.get_by_label("Title").fill("Tagged in the browser")
    editor.get_by_label("Tags").fill("Old tag name")
    editor.get_by_label("Body", exact=True).fill("A story with a tag.")
    editor.get_by_role("button", name="Publish", exact=True).click()
    editor.get_by_role("link", name="Open the page").wait_for(timeout=15000)
    page = signed_in(browser, local_stack, "admin")
    page.get_by_role("navigation", name="Desk").get_by_role("link", name="Tags", exact=True).click()
    page.get_by_role("heading", name="Tags", level=1).wait_for()
    page.get_by_label("Search tags").fill("old tag")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("New name for Old tag name").fill("New tag name")
    page.get_by_label("New slug for Old tag name").fill("new-tag-name")
    page.locator("tr", has_text="/tag/old-tag-name/").get_by_role("button", name="Rename").click()
    page.get_by_role("status").filter(has_text="now redirects").wait_for()
    moved = wait_for(lambda: page.context.request.get(base + "/tag/old-tag-name/", max_redirects=0).status == 301,
                     timeout=30)
    assert moved is not None
    answer = page.context.request.get(base + "/tag/old-tag-name/", max_redirects=0)
    assert answer.headers["location"].endswith("/tag/new-tag-name/")
    assert "Tagged in the browser" in page.context.request.get(base + "/tag/new-tag-name/").text()
    assert page.errors == []


def test_a_category_in_the_menu_is_renamed_and_the_menu_and_sidebar_follow(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "admin")
    page.goto(base + "/desk/settings")
    menu = page.get_by_label("Menu", exact=True)
    menu.fill("home\ncategory: lending\n" + menu.input_value())
    page.get_by_role("button", name="Save settings").click()
    page.get_by_role("status").filter(has_text="Saved").wait_for()
    shown = wait_for(lambda: 'class="menu"' in (html := page.context.request.get(base + "/").text())
                     and "/category/lending/" in html.split('class="menu"', 1)[1].split("</nav>", 1)[0], timeout=30)
    assert shown is not None
    page.get_by_role("navigation", name="Desk").get_by_role("link", name="Categories", exact=True).click()
    page.get_by_label("New name for Lending").fill("Loans and credit")
    page.get_by_label("New slug for Lending").fill("loans-and-credit")
    page.locator("tr", has_text="/category/lending/").get_by_role("button", name="Rename").click()
    page.get_by_role("status").filter(has_text="menu and footer links follow").wait_for()

    def followed() -> bool:
        html = page.context.request.get(base + "/").text()
        menu_html = html.split('class="menu"', 1)[1].split("</nav>", 1)[0]
        side = html.split('id="widget-categories"', 1)[1].split("</section>", 1)[0]
        return ("/category/loans-and-credit/" in menu_html and "/category/lending/" not in html
                and ">Loans and credit<" in side and ">Lending<" not in side)

    assert wait_for(followed, timeout=30) is not None
    assert page.context.request.get(base + "/category/lending/", max_redirects=0).status == 301
    assert page.errors == []


def test_settings_after_the_theme_unit_test_import_is_under_5000_px(local_stack, browser, tmp_path):  # noqa: F811
    import subprocess

    from tests.integration.conftest import BIN

    export = Path(__file__).resolve().parents[1] / "data" / "themeunittestdata.wordpress.xml"
    subprocess.run([str(BIN / "newsroom"), "import-wordpress", str(export), "--endpoint-url", local_stack["endpoint"]],
                   env=local_stack["env"], check=True, capture_output=True)
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "admin")
    arrived = wait_for(lambda: page.context.request.get(base + "/tag/8bit/").status == 200
                       and "aciform" in page.context.request.get(base + "/desk/categories").text(), timeout=240)
    assert arrived is not None
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(base + "/desk/settings")
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 5000, (width, height)
        assert page.locator("form").count() <= 3
        shoot(page, "settings")
        for name in ("categories", "tags"):
            page.goto(base + f"/desk/{name}")
            assert page.locator("tbody tr").count() <= 50
            shoot(page, name)


def test_a_photos_alt_text_is_added_after_upload_and_the_article_shows_it(local_stack, browser):  # noqa: F811
    import boto3

    from devstack.photos import photo

    base = local_stack["base"]
    s3 = boto3.client("s3", endpoint_url=local_stack["endpoint"], region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.put_object(Bucket="newsroom-dev-content", Key="media/2024/05/harbour-at-dusk.jpg", Body=photo(1200, 800),
                  ContentType="image/jpeg")  # uploaded without alt text (the default allows it)
    editor = signed_in(browser, local_stack, "editor")
    sized = wait_for(lambda: "harbour-at-dusk.jpg" in editor.context.request.get(base + "/desk/media").text()
                     and "No alt text" in editor.context.request.get(base + "/desk/media").text(), timeout=30)
    assert sized is not None
    editor.goto(base + "/desk/new")  # the photo written as Markdown, in the body's source view
    editor.get_by_label("Title").fill("The harbour tonight")
    editor.get_by_role("button", name="Markdown", exact=True).click()
    editor.get_by_role("textbox", name="Body (Markdown)").fill("Boats came in.\n\n![](/media/2024/05/harbour-at-dusk.jpg)")
    editor.get_by_role("button", name="Publish", exact=True).click()
    editor.get_by_role("link", name="Open the page").wait_for(timeout=15000)
    assert 'alt=""' in editor.context.request.get(base + "/the-harbour-tonight/").text()
    editor.get_by_role("navigation", name="Desk").get_by_role("link", name="Media", exact=True).click()
    expect(editor.locator("#count-media")).to_have_count(1)  # counted beside Media
    photo_card = editor.locator(".photo", has_text="harbour-at-dusk.jpg")
    photo_card.get_by_label("Alt text").fill("Fishing boats moored in the harbour at dusk")
    photo_card.get_by_label("Credit").fill("Photo: The Gazette")
    photo_card.get_by_role("button", name="Save words").click()
    editor.get_by_role("status").filter(has_text="Saved the words").wait_for()
    shown = wait_for(lambda: 'alt="Fishing boats moored in the harbour at dusk"' in editor.context.request.get(
        base + "/the-harbour-tonight/").text(), timeout=30)
    assert shown is not None
    assert "Photo: The Gazette" in editor.context.request.get(base + "/the-harbour-tonight/").text()
    assert editor.errors == []


def test_a_category_is_renamed_from_the_keyboard_alone(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "admin")
    page.goto(base + "/desk/categories")
    page.get_by_label("Search categories").focus()  # the import above made more than a page of them
    page.keyboard.type("tehran")
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/categories?q=tehran")
    page.get_by_label("New name for Tehran").focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("Tehran City")
    page.keyboard.press("Tab")  # to "New slug for Tehran"
    page.keyboard.press("Control+a")
    page.keyboard.type("tehran-city")
    page.keyboard.press("Tab")  # to Rename
    assert page.evaluate("document.activeElement.textContent.trim()") == "Rename"
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="now redirects").wait_for()
    assert wait_for(lambda: page.context.request.get(base + "/category/tehran/", max_redirects=0).status == 301,
                    timeout=30) is not None


def test_a_new_page_is_made_and_put_in_the_menu(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "admin")
    page.get_by_role("navigation", name="Desk").get_by_role("link", name="Pages", exact=True).click()
    page.get_by_role("link", name="New page").click()
    page.get_by_label("Title").fill("Corrections policy")
    page.get_by_label("Body").fill("We correct our mistakes openly.")
    page.get_by_label("Place in the menu").select_option(label="Last")
    page.get_by_role("button", name="Publish page").click()
    page.wait_for_url("**/desk/edit?key=pages/corrections-policy.md**")
    live = wait_for(lambda: 'href="/corrections-policy/"' in page.context.request.get(base + "/").text().split(
        'class="menu"', 1)[-1].split("</nav>", 1)[0], timeout=30)
    assert live is not None
    assert "We correct our mistakes openly." in page.context.request.get(base + "/corrections-policy/").text()
    assert page.errors == []


SCREEN_PATHS = {"comments": "/desk/comments?tab=approved", "categories": "/desk/categories", "tags": "/desk/tags",
                "settings": "/desk/settings", "media": "/desk/media", "new-page": "/desk/pages/new"}


@needs_axe
@pytest.mark.parametrize("width", [1280, 390])
def test_the_new_screens_pass_axe_fit_a_phone_and_are_shot(local_stack, browser, width):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "admin", width=width, axe=True)
    found = {}
    for name, path in SCREEN_PATHS.items():
        page.goto(base + path)
        shoot(page, name)
        found[name] = violations(page)
        overflow = sideways(page)
        assert overflow <= 0, (name, width, overflow)
    page.context.close()
    assert found == {name: [] for name in found}


def test_a_contributor_edits_their_profile_at_390_px_and_their_author_page_shows_it(local_stack, browser):  # noqa: F811
    """Name, bio and photo typed in Your profile on a phone reach the public author page (the photo by its
    sizes, with the library's alt text); neither page scrolls sideways at 390 px."""
    import boto3

    from devstack.photos import photo

    base = local_stack["base"]
    s3 = boto3.client("s3", endpoint_url=local_stack["endpoint"], region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.put_object(Bucket="newsroom-dev-content", Key="media/2024/05/portrait.jpg", Body=photo(800, 800),
                  ContentType="image/jpeg", Metadata={"alt": "Head%20and%20shoulders%20of%20the%20reporter"})
    page = signed_in(browser, local_stack, "contributor", width=390)
    assert wait_for(lambda: s3.list_objects_v2(Bucket="newsroom-dev-content", Prefix="sizes/2024/05/portrait")
                    .get("KeyCount"), timeout=30)  # sized by the images function
    page.goto(base + "/desk/profile")
    author = page.get_by_role("link", name="your author page").get_attribute("href")
    page.get_by_label("Name").fill("Rana Karimi")
    page.get_by_label("Bio").fill("Covers the oil ministry. <b>Not bold</b>")
    page.get_by_label("Photo").fill("/media/2024/05/portrait.jpg")
    page.get_by_role("button", name="Save profile").click()
    page.get_by_role("status").filter(has_text="Your profile is saved.").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "profile")
    shown = wait_for(lambda: "Rana Karimi" in page.context.request.get(base + author).text(), timeout=30)
    assert shown is not None
    page.goto(base + author)
    expect(page.get_by_role("heading", level=1)).to_have_text("Author: Rana Karimi")
    expect(page.locator(".archive-header p")).to_contain_text("Covers the oil ministry. <b>Not bold</b>")
    portrait = page.get_by_role("img", name="Head and shoulders of the reporter")
    assert portrait.evaluate("img => img.complete && img.naturalWidth > 0")  # a size the site serves
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "author-page")
    assert page.errors == []
