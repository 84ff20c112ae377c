"""Real-browser checks in Debian's Chromium against `make run`'s server.

Home, a category, an article and a search, on a desktop and a 360 px phone:
no console errors, no horizontal scrolling, the headline visible. Screenshots
go to test-artifacts/screens/ for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.integration.conftest import PROJECT_DIR, SEED

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENS = PROJECT_DIR / "test-artifacts" / "screens"
PAGES = {"home": "/", "category": "/category/iranian-news/", "article": SEED, "search": "/search/?q=drones"}
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("chromium is missing: `make test` installs it (apt-get install chromium) as root")
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium from Debian, started as the machine allows (root, no network beyond loopback)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_page_renders_cleanly_in_chromium(local_stack, browser, name, viewport):
    page = browser.new_page(viewport=VIEWPORTS[viewport])
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(local_stack["base"] + PAGES[name], wait_until="load")
    assert response is not None and response.status == 200
    if name != "home":
        expect(page.locator("h1").first).to_be_visible()
    expect(page.locator("nav.menu a").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{overflow}px of horizontal scrolling"
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}-{viewport}.png"), full_page=False)
    assert errors == []
    page.close()


def test_a_cached_page_shows_the_recent_posts_widget_as_it_is_now(local_stack, browser):
    """A page the edge made yesterday shows today's widget: its script replaces the list with the
    widget's own path (here answering with a story the page has never seen); that path's failing
    leaves the page's own list."""
    base = local_stack["base"]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    fresh = '<ul>\n  <li><a href="/just-in/">Just in: the story the page has never seen</a></li>\n</ul>\n'
    page.route("**/widgets/recent/", lambda route: route.fulfill(status=200, body=fresh,
                                                                  content_type="text/html; charset=utf-8"))
    page.goto(base + SEED, wait_until="load")
    widget = page.locator("[data-fresh]")
    widget.get_by_role("link", name="Just in: the story the page has never seen").wait_for(timeout=5000)
    expect(widget.locator("li")).to_have_count(1)
    assert errors == []
    page.unroute("**/widgets/recent/")
    page.route("**/widgets/recent/", lambda route: route.fulfill(status=503, body="down"))
    page.goto(base + SEED, wait_until="networkidle")
    expect(widget).not_to_contain_text("Just in")
    expect(widget.locator("li")).not_to_have_count(0)
    assert errors == []
    page.close()


def test_search_box_submits_and_finds_the_seed_article(local_stack, browser):
    page = browser.new_page(viewport=VIEWPORTS["phone"])
    page.goto(local_stack["base"] + "/", wait_until="load")
    page.fill("input[name=q]", "Putin Tehran")
    page.click("form.search button")
    page.wait_for_load_state("load")
    assert "/search/?q=Putin+Tehran" in page.url
    expect(page.locator("h2 a", has_text="Iran-Russia alliance grows")).to_have_count(1)
    page.close()


def test_a_reader_posts_a_comment_through_the_form_and_sees_it_after_approval(local_stack, browser):
    import re
    import subprocess

    from tests.integration.conftest import BIN

    page = browser.new_page(viewport=VIEWPORTS["phone"])
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(local_stack["base"] + SEED, wait_until="load")
    page.fill("#name-new", "Reader in Chromium")
    page.fill("#text-new", "Posted from a real browser, see https://example.com/source")
    page.click("form.comment-form button[type=submit] >> nth=-1")
    page.wait_for_load_state("load")
    assert page.url.endswith(SEED + "?comment=pending#comments")
    expect(page.locator(".comment-notice")).to_be_visible()
    expect(page.locator(".comment", has_text="Posted from a real browser")).to_have_count(0)

    def newsroom(*args: str) -> str:
        done = subprocess.run([str(BIN / "newsroom"), "comments", *args, "--endpoint-url", local_stack["endpoint"]],
                              env=local_stack["env"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    listed = newsroom("list")
    comment_id = re.search(r"^(\S+)\s.*Reader in Chromium", listed, re.MULTILINE).group(1)
    assert "approved" in newsroom("approve", comment_id)
    page.goto(local_stack["base"] + SEED, wait_until="load")
    page.reload(wait_until="load")  # the page is cached for a minute (max-age=60); a reload revalidates it
    shown = page.locator(f"#comment-{comment_id}")
    expect(shown).to_be_visible()
    expect(shown).to_contain_text("Posted from a real browser")
    expect(shown.locator("a[rel='nofollow ugc noopener']")).to_have_attribute("href", "https://example.com/source")
    expect(page.locator("#comments-heading")).to_contain_text("1 comment")
    assert errors == []
    page.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_chromium_loads_a_photo_size_near_its_display_width_never_the_original(local_stack, browser, viewport):
    """On a phone and on a desktop, each photo Chromium fetches is a size at most twice as wide as
    it is shown, and never the original upload."""
    import boto3

    from devstack.photos import photo

    s3 = boto3.client("s3", endpoint_url=local_stack["endpoint"], region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    bucket = "newsroom-dev-content"
    s3.put_object(Bucket=bucket, Key="media/browser/street.jpg", Body=photo())
    s3.put_object(Bucket=bucket, Key="articles/street-photos.md", Body=(
        "---\ntitle: Street photos\ndate: 2024-05-01\nimage: /media/browser/street.jpg\n---\n\n"
        "A day in Tehran.\n\n![A street](/media/browser/street.jpg)\n").encode())
    from tests.integration.conftest import fetch, wait_for

    url = local_stack["base"] + "/street-photos/"
    assert wait_for(lambda: "/sizes/browser/street-" in fetch(url)[1], timeout=60, interval=0.5) is not None
    page = browser.new_page(viewport=VIEWPORTS[viewport])
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if request.resource_type == "image" else None)
    page.goto(url, wait_until="load")
    page.locator("div.body img").scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    shown = page.evaluate("""() => [...document.querySelectorAll('article img')].map(img => ({
        src: img.currentSrc, width: img.getBoundingClientRect().width, ratio: window.devicePixelRatio}))""")
    assert len(shown) == 2 and not any("/media/" in u for u in fetched), fetched
    for image in shown:
        assert "/sizes/browser/street-" in image["src"]
        loaded = int(image["src"].rsplit("-", 1)[1].split(".")[0])
        assert loaded <= 2 * image["width"] * image["ratio"], (viewport, image, loaded)
    page.close()
