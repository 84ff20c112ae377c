"""The desk's rich-text body in Debian's Chromium against `make run` (issue 44, part B): the editor
page mounts the body editor (desk-editor/, vendored at templates/desk/vendor/body-editor/) over the
body's textarea, which stays the form's field and the "Markdown"/"HTML" source view (templates/desk/body.js).

Each test writes as an editor does, with the keyboard and the clipboard, and checks what a reader
then gets: the public page's markup and the file stored in the bucket."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import boto3
import pytest

from tests.integration.conftest import AXE, BIN, accounts, fetch, local_stack, needs_axe, signed_in, violations, wait_for  # noqa: F401 - the fixture
from tests.integration.test_browser import browser  # noqa: F401 - the fixture

BUCKET = "newsroom-dev-content"
SEED_KEY = "articles/iran-russia-alliance-grows-as-biden-heads-to-middle-east-amid-growing-threats.md"
# What Google Docs puts on the clipboard (text/html) for two paragraphs, a bold and an italic run, a
# link through google.com/url and a bulleted list (the shapes desk-editor/src/paste.js names).
GOOGLE_DOCS = (
    '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-5a1c2e7f-7fff-1b2c-8e9a-3c4d5e6f7a8b">'
    '<p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:11pt;'
    'font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;'
    'font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;">'
    'The ministry </span><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;'
    'background-color:transparent;font-weight:700;font-style:normal;vertical-align:baseline;white-space:pre-wrap;">'
    'confirmed</span><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;font-weight:400;'
    'font-style:italic;vertical-align:baseline;white-space:pre-wrap;"> the figures</span><span style="font-size:'
    '11pt;font-family:Arial,sans-serif;font-weight:400;white-space:pre-wrap;"> in a </span><a href="https://www.'
    'google.com/url?q=https://example.org/statement&amp;sa=D&amp;source=editors&amp;ust=1700000000000000&amp;usg='
    'AOvVaw0abc" style="text-decoration:none;"><span style="font-size:11pt;font-family:Arial,sans-serif;color:'
    '#1155cc;font-weight:400;text-decoration:underline;-webkit-text-decoration-skip:none;white-space:pre-wrap;">'
    'statement</span></a><span style="font-size:11pt;font-family:Arial,sans-serif;white-space:pre-wrap;">.</span>'
    '</p><ul style="margin-top:0;margin-bottom:0;padding-inline-start:48px;"><li dir="ltr" style="list-style-type:'
    'disc;font-size:11pt;font-family:Arial,sans-serif;color:#000000;" aria-level="1"><p dir="ltr" role=" '
    'presentation" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:11pt;'
    'font-family:Arial,sans-serif;white-space:pre-wrap;">Exports up four percent</span></p></li></ul>'
    '<br><p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:11pt;'
    'font-family:Arial,sans-serif;color:#000000;white-space:pre-wrap;">Pasted from the reporter\'s notes.</span>'
    '</p></b><br class="Apple-interchange-newline">')


def s3(stack: dict):  # type: ignore[no-untyped-def]
    return boto3.client("s3", endpoint_url=stack["endpoint"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def stored(stack: dict, key: str) -> tuple[bytes, str]:
    """The file in the bucket and its ETag."""
    got = s3(stack).get_object(Bucket=BUCKET, Key=key)
    return got["Body"].read(), got["ETag"]


def paste(page, html: str, text: str = "") -> None:  # type: ignore[no-untyped-def]
    """Paste ``html`` into the focused element as the browser does: a ClipboardEvent with both types."""
    page.evaluate("""([html, text]) => {
        const data = new DataTransfer();
        data.setData("text/html", html);
        data.setData("text/plain", text);
        document.activeElement.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
    }""", [html, text])


def live_page(page, base: str, path: str, needle: str) -> str:  # type: ignore[no-untyped-def]
    found: dict[str, str] = {}

    def has() -> bool:
        found["text"] = page.context.request.get(base + path).text()
        return needle in found["text"]
    assert wait_for(has, timeout=15) is not None, found.get("text", "")[:2000]
    return found["text"]


def article_html(page_text: str) -> str:
    """The article's body on the public page."""
    match = re.search(r'<div class="body">(.*?)</article>', page_text, re.S)
    return match.group(1) if match else page_text


# ---- 1. mounted on the body, writing the same file ----

def test_the_body_is_a_rich_text_box_named_body_and_the_form_keeps_the_source(local_stack, browser):  # noqa: F811
    page = signed_in(browser, local_stack, "editor")
    page.goto(local_stack["base"] + "/desk/new")
    body = page.get_by_label("Body", exact=True)
    assert body.get_attribute("role") == "textbox" and body.get_attribute("aria-multiline") == "true"
    assert body.get_attribute("contenteditable") == "true"
    assert page.get_by_role("textbox", name="Body", exact=True).count() == 1
    assert page.locator("#f-body").is_hidden() and page.locator("#f-body").get_attribute("name") == "body"
    body.click()
    page.keyboard.type("## Heading typed")
    page.keyboard.press("Enter")
    page.keyboard.type("A paragraph with ")
    page.keyboard.press("Control+i")
    page.keyboard.type("feeling")
    page.keyboard.press("Control+i")
    page.keyboard.type(".")
    assert body.locator("h2").inner_text() == "Heading typed" and body.locator("em").inner_text() == "feeling"
    assert page.locator("#f-body").input_value() == "## Heading typed\n\nA paragraph with *feeling*.\n"
    assert page.locator("#body-count").inner_text() == "6 words, about 1 min to read"  # as it is typed
    page.keyboard.type(" " + " ".join(["word"] * 240))
    assert page.locator("#body-count").inner_text() == "246 words, about 2 min to read"
    # For the page's other scripts: window.DeskBody
    api = page.evaluate("""() => { const seen = []; DeskBody.onChange(text => seen.push(text));
        const before = [DeskBody.get() === document.getElementById("f-body").value, DeskBody.get().endsWith(" word\\n"),
                        DeskBody.isChanged()];
        DeskBody.set("Set **from** outside.\\n", true);
        return {before, after: DeskBody.get(), changed: DeskBody.isChanged(), seen,
                field: document.getElementById("f-body").value}; }""")
    assert api == {"before": [True, True, True],
                   "after": "Set **from** outside.\n", "changed": False, "seen": ["Set **from** outside.\n"],
                   "field": "Set **from** outside.\n"}
    assert body.locator("strong").inner_text() == "from"
    body.locator("strong").click()
    page.keyboard.press("End")
    page.keyboard.type(" More.")
    assert page.evaluate("DeskBody.isChanged()")
    page.keyboard.press("Control+a")
    page.keyboard.type("## Heading typed")
    page.keyboard.press("Enter")
    page.keyboard.type("A paragraph with ")
    page.keyboard.press("Control+i")
    page.keyboard.type("feeling")
    page.keyboard.press("Control+i")
    page.keyboard.type(".")
    assert page.locator("#f-body").input_value() == "## Heading typed\n\nA paragraph with *feeling*.\n"
    # The source view: today's textarea, switchable, in sync both ways.
    page.get_by_role("button", name="Markdown", exact=True).click()
    source = page.get_by_role("textbox", name="Body (Markdown)")
    assert source.is_visible() and body.is_hidden()
    assert source.input_value() == "## Heading typed\n\nA paragraph with *feeling*.\n"
    source.fill("## Heading typed\n\nA paragraph with **weight**.\n")
    page.get_by_role("button", name="Markdown", exact=True).click()
    assert body.is_visible() and body.locator("strong").inner_text() == "weight"
    assert page.locator("#f-body").input_value() == "## Heading typed\n\nA paragraph with **weight**.\n"
    assert page.errors == []


@pytest.mark.parametrize("kind", ["markdown", "imported html"])
def test_opening_an_article_and_saving_it_unchanged_writes_nothing(local_stack, browser, request, kind):  # noqa: F811
    key = SEED_KEY if kind == "markdown" else request.getfixturevalue("imported_post")
    before, etag = stored(local_stack, key)
    page = with_pictures(signed_in(browser, local_stack, "editor"))
    page.goto(local_stack["base"] + "/desk/edit?key=" + key)
    page.get_by_label("Body", exact=True).wait_for()
    assert page.evaluate("window.DeskBody.rich && !window.DeskBody.isChanged()")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("status").filter(has_text="Nothing changed.").wait_for(timeout=10000)
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("status").filter(has_text="Nothing changed.").wait_for(timeout=10000)
    assert stored(local_stack, key) == (before, etag)
    listed = s3(local_stack).list_objects_v2(Bucket=BUCKET, Prefix="drafts/")
    assert all(not o["Key"].endswith(key.rsplit("/", 1)[-1]) for o in listed.get("Contents", []))
    assert page.errors == []


def test_table_editing_and_the_conflict_panel_are_fetched_only_when_needed(local_stack, browser):  # noqa: F811
    """The first load's budget (docs/performance.md): a new article fetches neither table editing
    nor the conflict panel's script; a body with a table fetches table editing, and Tab then moves
    from cell to cell, and the edit is saved in the table."""
    key = "articles/a-table-to-edit.md"
    s3(local_stack).put_object(Bucket=BUCKET, Key=key, Body=(
        "---\ntitle: A table to edit\ndate: 2024-01-01T00:00:00Z\n---\nOil.\n\n"
        "| Month | Barrels |\n|:---|---:|\n| May | 1.5m |\n").encode())
    page = signed_in(browser, local_stack, "editor")
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(local_stack["base"] + "/desk/new")
    page.wait_for_function("window.DeskBody && window.DeskBody.rich")
    page.wait_for_load_state("networkidle")
    assert [u for u in fetched if "/desk/static/" in u] and not [u for u in fetched if "tables" in u or "conflict" in u]
    page.goto(local_stack["base"] + "/desk/edit?key=" + key)
    page.wait_for_function("window.DeskBody && window.DeskBody.rich && window.BodyEditorTables")
    assert [u for u in fetched if "/desk/static/body-editor-tables." in u]
    page.get_by_role("textbox", name="Body").get_by_text("Month", exact=True).click()
    page.keyboard.press("Tab")
    page.keyboard.type("Tonnes")
    assert "| Month | Tonnes |" in page.locator("#f-body").input_value()
    assert page.errors == []


def test_without_the_editor_script_the_textarea_works_as_before(local_stack, browser):  # noqa: F811
    page = signed_in(browser, local_stack, "editor")
    page.route("**/desk/static/body-editor.*.js", lambda route: route.fulfill(status=503, body="down"))
    page.goto(local_stack["base"] + "/desk/new")
    body = page.get_by_label("Body", exact=True)
    assert body.evaluate("e => e.tagName") == "TEXTAREA" and body.is_visible()
    assert page.get_by_role("button", name="Bold").first.is_visible()  # the Markdown toolbar, as before
    page.get_by_label("Title").fill("Written without the rich text")
    body.fill("Plain **Markdown** still publishes.")
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("link", name="Open the page").wait_for(timeout=15000)
    shown = live_page(page, local_stack["base"], "/written-without-the-rich-text/", "still publishes")
    assert "<strong>Markdown</strong>" in shown
    assert [e for e in page.errors if "503" not in e] == []


@pytest.fixture(scope="module")
def imported_post(local_stack, tmp_path_factory):  # noqa: F811
    """One generated WordPress post (Gutenberg blocks with their <!-- wp: --> comments: devstack/wxr.py)
    imported into the stack with `newsroom import-wordpress`, as an editor's site arrives."""
    from devstack.wxr import write_export

    export = write_export(tmp_path_factory.mktemp("wxr") / "export.xml", posts=1, comments=0)
    assert "<!-- wp:paragraph -->" in export.read_text()
    done = subprocess.run([str(BIN / "newsroom"), "import-wordpress", str(export), "--endpoint-url",
                           local_stack["endpoint"]], env=local_stack["env"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert wait_for(lambda: "Story number 0" in fetch(local_stack["base"] + "/story-0/")[1], timeout=30) is not None
    return "articles/story-0.html"


PIXEL = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                      "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def with_pictures(page):  # type: ignore[no-untyped-def]
    """The imported post's photos are on the old site's CDN (not on this machine): a pixel stands in."""
    page.route("https://cdn.example.org/**", lambda route: route.fulfill(status=200, body=PIXEL, content_type="image/png"))
    return page


def upload_photo(page, tmp_path: Path, alt: str) -> None:  # type: ignore[no-untyped-def]
    """A photo uploaded with the panel (straight to S3), ready to insert."""
    from devstack.photos import photo

    picture = tmp_path / "IMG_0099.jpg"
    picture.write_bytes(photo(1200, 800))
    page.get_by_label("Upload photo").set_input_files(str(picture))
    page.get_by_label("Alt text", exact=True).fill(alt)
    page.get_by_role("button", name="Upload", exact=True).click()
    page.locator("#queue").get_by_text("Ready:").wait_for(timeout=30000)


# ---- 5. done when ----

def test_an_editor_writes_with_the_keyboard_pastes_from_docs_adds_a_photo_and_publishes(local_stack, browser, tmp_path):  # noqa: F811
    base = local_stack["base"]
    page = signed_in(browser, local_stack, "editor")
    page.goto(base + "/desk/new")
    page.get_by_label("Title").fill("Written in the rich text")
    upload_photo(page, tmp_path, "Delegates leaving the hall")
    body = page.get_by_label("Body", exact=True)
    body.click()
    page.keyboard.type("The council met on ")
    page.keyboard.press("Control+b")
    page.keyboard.type("Tuesday")
    page.keyboard.press("Control+b")
    page.keyboard.type(" evening.")
    page.keyboard.press("Enter")
    page.keyboard.type("- Roads first")
    page.keyboard.press("Enter")
    page.keyboard.type("Schools second")
    assert body.locator("ul > li").count() == 2
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # an empty item ends the list
    assert body.locator("ul > li").count() == 2
    paste(page, GOOGLE_DOCS, "The ministry confirmed the figures in a statement.")
    page.locator("#queue").get_by_role("button", name="Insert").click()
    details = page.get_by_role("group", name="Photo details")
    assert details.get_by_label("Describe the photo (alt text)").input_value() == "Delegates leaving the hall"
    details.get_by_label("Caption").fill("Delegates leave after the vote.")
    details.get_by_label("Credit").fill("Sara Ahmadi")
    details.get_by_role("button", name="Done").click()
    source = page.locator("#f-body").input_value()
    assert "The council met on **Tuesday** evening.\n\n- Roads first\n- Schools second\n" in source
    assert "Delegates leave after the vote.\nCredit: Sara Ahmadi" in source
    assert "style" not in source and "span" not in source and "google.com/url" not in source
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("link", name="Open the page").wait_for(timeout=20000)
    shown = article_html(live_page(page, base, "/written-in-the-rich-text/", "Schools second"))
    assert "<strong>Tuesday</strong>" in shown
    assert re.search(r"<ul>\s*<li>Roads first</li>\s*<li>Schools second</li>\s*</ul>", shown), shown
    assert "<strong>confirmed</strong> <em>the figures</em>" in shown  # the space outside: Markdown's *…*
    assert '<a href="https://example.org/statement"' in shown and "<li>Exports up four percent</li>" in shown
    assert "Pasted from the reporter" in shown and "style=" not in shown and "<span" not in shown.split("<figure")[0]
    figure = re.search(r"<figure[^>]*>.*?</figure>", shown, re.S)
    assert figure, shown
    assert 'alt="Delegates leaving the hall"' in figure.group(0)
    assert re.search(r"<figcaption>Delegates leave after the vote\. <small class=\"credit\">Sara Ahmadi</small></figcaption>",
                     figure.group(0)), figure.group(0)
    assert page.errors == []


FIXTURES = Path(__file__).resolve().parents[2] / "desk-editor" / "test" / "fixtures"
# What a reader must get from each office app's clipboard (fixtures: their sources in their comments).
OFFICE_PASTES = {
    "paste-word-windows-nested.html": (
        "**Tehran, 7 December** — the council agreed three points.\n\n- First point\n  - A detail of the first, "
        "*in italics*\n    - A detail of the detail\n- **Second point**\n\n1. First reading\n2. Second reading\n",
        ["<p><strong>Tehran, 7 December</strong> — the council agreed three points.</p>",
         "<ul><li>First point<ul><li>A detail of the first, <em>in italics</em><ul><li>A detail of the detail</li>"
         "</ul></li></ul></li><li><strong>Second point</strong></li></ul><ol><li>First reading</li>"
         "<li>Second reading</li></ol>"]),
    "paste-word-mac.html": (
        "**Budget talks** resumed on Monday.\n\n- Oil revenue\n- Subsidies\n\nAfter the list.\n",
        ["<p><strong>Budget talks</strong> resumed on Monday.</p><ul><li>Oil revenue</li><li>Subsidies</li></ul>"
         "<p>After the list.</p>"]),
    "paste-google-docs.html": (
        "## Oil exports rise\n\nExports reached **1.5 million barrels** *a day*, the [ministry said]"
        "(https://www.shana.ir/news/1).\n\n- China\n- Syria\n\n<table><tbody><tr><td><p><strong>Month</strong></p>"
        "</td><td><p><strong>Barrels</strong></p></td></tr><tr><td><p>May</p></td><td><p>1.5m</p></td></tr></tbody>"
        "</table>\n",  # a table with no header row is no Markdown table: kept as HTML
        ["<h2>Oil exports rise</h2><p>Exports reached <strong>1.5 million barrels</strong> <em>a day</em>, the ",
         '<a href="https://www.shana.ir/news/1"', ">ministry said</a>.</p><ul><li>China</li><li>Syria</li></ul>"]),
    "paste-libreoffice.html": (
        "**Kharg island** exports rose.\n\n- To China\n  - *mostly crude*\n- To Syria\n\n**Sources** said so.\n",
        ["<p><strong>Kharg island</strong> exports rose.</p><ul><li>To China<ul><li><em>mostly crude</em></li></ul>"
         "</li><li>To Syria</li></ul><p><strong>Sources</strong> said so.</p>"]),
}


@pytest.mark.parametrize("fixture", sorted(OFFICE_PASTES))
def test_pasted_from_word_docs_or_libreoffice_readers_get_real_lists_without_bullet_characters(local_stack, browser, fixture):  # noqa: F811
    """Usability day M2: Word's list paragraphs reached readers as "·   First point"."""
    base = local_stack["base"]
    markdown, shown_parts = OFFICE_PASTES[fixture]
    title = "Pasted from " + fixture.removesuffix(".html").removeprefix("paste-")
    page = signed_in(browser, local_stack, "editor")
    page.goto(base + "/desk/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body", exact=True).click()
    paste(page, (FIXTURES / fixture).read_text(encoding="utf-8"), "plain text the browser also offers")
    body = page.get_by_label("Body", exact=True)
    assert body.locator("li").count() >= 2
    source = page.locator("#f-body").input_value()
    assert source.strip() == markdown.strip(), source
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("link", name="Open the page").wait_for(timeout=20000)
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    shown = article_html(live_page(page, base, f"/{slug}/", "</ul>"))
    flat = re.sub(r"\s*\n\s*", "", shown)  # the renderer's line breaks between tags
    for part in shown_parts:
        assert part in flat, flat
    assert not re.search("[\u00b7\u00a7\u2022\uf0b7\u00a0]|&nbsp;|&#183;|style=|class=\"Mso|mso-", shown), shown
    assert page.errors == []


def test_an_imported_wordpress_post_opens_as_text_and_one_word_changes_only_that_word(local_stack, browser, imported_post):  # noqa: F811
    before, _ = stored(local_stack, imported_post)
    page = with_pictures(signed_in(browser, local_stack, "editor"))
    page.goto(local_stack["base"] + "/desk/edit?key=" + imported_post)
    body = page.get_by_label("Body", exact=True)
    text = body.inner_text()
    assert "Paragraph 0 of story 0" in text and "Section 0" in text
    assert not re.search(r"<!--|wp:|</?(p|h2|figure|blockquote|img|a|span)\b", text), text
    assert body.locator("h2").inner_text() == "Section 0"
    # "settled" in the first paragraph becomes "agreed": double-click the word and type over it
    first = body.locator("p", has_text="Paragraph 0 of story 0")
    first.get_by_text("settled").first.wait_for()
    box = first.evaluate("""p => { const r = document.createRange(); const t = p.firstChild;
        const at = t.textContent.indexOf("settled"); r.setStart(t, at); r.setEnd(t, at + 7);
        const b = r.getBoundingClientRect(); return {x: b.x + b.width / 2, y: b.y + b.height / 2}; }""")
    page.mouse.dblclick(box["x"], box["y"])
    page.keyboard.type("agreed")
    assert page.evaluate("DeskBody.isChanged()")
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("link", name="Open the page").wait_for(timeout=20000)
    after, _ = stored(local_stack, imported_post)
    assert after != before
    assert after == before.replace(b"Paragraph 0 of story 0: the council said \"it's settled\"",
                                   b"Paragraph 0 of story 0: the council said \"it's agreed\"", 1)
    shown = live_page(page, local_stack["base"], "/story-0/", "agreed")
    assert shown.count("settled") == 3
    assert page.errors == []


# ---- 2. writing as people expect ----

def test_shortcuts_markdown_rules_undo_and_a_toolbar_of_one_tab_stop(local_stack, browser):  # noqa: F811
    page = signed_in(browser, local_stack, "editor")
    page.goto(local_stack["base"] + "/desk/new")
    body = page.get_by_label("Body", exact=True)
    body.click()
    page.keyboard.type("1. First")
    page.keyboard.press("Enter")
    page.keyboard.type("Second")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("---")
    page.keyboard.type("Some **strong** words and a link")
    for _ in "a link":
        page.keyboard.press("Shift+ArrowLeft")
    page.once("dialog", lambda dialog: dialog.accept("https://example.org/"))
    page.keyboard.press("Control+k")
    page.get_by_label("Body", exact=True).locator("a[href='https://example.org/']").wait_for()
    page.keyboard.press("End")
    page.keyboard.type(" ")
    page.keyboard.press("Control+b")
    assert "Bold on" in page.locator(".be-live").inner_text()  # said to screen readers
    page.keyboard.type("end")
    page.keyboard.press("Enter")
    page.keyboard.type("> Quoted")
    source = page.locator("#f-body").input_value()
    assert source.endswith("> Quoted\n") and source.startswith("1. First\n2. Second\n") and "\n---\n" in source
    assert "Some **strong** words and [a link](https://example.org/) **end**\n" in source, source
    page.keyboard.press("Control+z")
    assert "Quoted" not in page.locator("#f-body").input_value()
    page.keyboard.press("Control+Shift+z")
    assert "> Quoted" in page.locator("#f-body").input_value()
    # the toolbar: one tab stop; arrow keys move between its buttons
    toolbar = page.get_by_role("toolbar", name="Formatting")
    assert toolbar.locator("button[tabindex='0']").count() == 1
    toolbar.locator("button[tabindex='0']").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.textContent") == "Subheading"
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.textContent") == "Markdown"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "textbox"
    assert page.errors == []


# ---- 6. accessible, on a phone ----

@needs_axe
def test_axe_finds_nothing_on_the_rich_body_on_a_touch_phone(local_stack, browser, imported_post):  # noqa: F811
    context = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True, device_scale_factor=3)  # bypass: to inject axe only
    page = with_pictures(context.new_page())
    email, password = accounts(local_stack)["editor"]
    page.goto(local_stack["base"] + "/desk/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").tap()
    page.wait_for_url("**/desk/articles")
    page.goto(local_stack["base"] + "/desk/edit?key=" + imported_post)
    body = page.get_by_label("Body", exact=True)
    body.locator("p").first.tap()
    page.keyboard.type("Tapped in. ")
    page.get_by_role("button", name="Bold").tap()
    page.keyboard.type("Strong")
    assert body.locator("strong").inner_text() == "Strong"
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert violations(page) == []
    page.get_by_role("button", name="More", exact=True).tap()  # on a phone the source view is in More
    page.get_by_role("menuitemcheckbox", name="HTML", exact=True).tap()
    assert page.get_by_role("textbox", name="Body (HTML)").is_visible()
    assert violations(page) == []
    context.close()


def boxes_apart(boxes: list[tuple[str, dict]]) -> None:
    for a, (name, box) in enumerate(boxes):
        for other, obox in boxes[a + 1:]:
            apart = (box["x"] + box["width"] <= obox["x"] or obox["x"] + obox["width"] <= box["x"]
                     or box["y"] + box["height"] <= obox["y"] or obox["y"] + obox["height"] <= box["y"])
            assert apart, (name, box, other, obox)


def whole_and_on_top(page, locator, width: int, height: int) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    """Each element's name and box: inside the viewport, 44 px tall, its label not cut, nothing over it."""
    boxes = []
    for i in range(locator.count()):
        element = locator.nth(i)
        name, box = element.inner_text(), element.bounding_box()
        assert box is not None, name
        assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["height"] >= 44, (name, box)
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (name, box)
        assert element.evaluate("b => b.scrollWidth <= b.clientWidth"), name
        assert element.evaluate("""b => {
            const r = b.getBoundingClientRect(), hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)
            return hit === b || b.contains(hit) }"""), name
        boxes.append((name, box))
    boxes_apart(boxes)
    return boxes


def test_the_toolbar_at_390_px_shows_every_button_whole_and_reaches_each_by_keyboard(local_stack, browser):  # noqa: F811
    """Usability day M3: at 390 px the labels were clipped ("Head", "Subh") and the row scrolled out of sight.
    Now: Bold, Italic, Link, List and More (a menu of the rest, the ARIA menu button pattern), in one row."""
    context = browser.new_context(bypass_csp=AXE.exists(), viewport={"width": 390, "height": 844},
                                  has_touch=True, is_mobile=True)  # bypass: to inject axe only
    page = context.new_page()
    email, password = accounts(local_stack)["editor"]
    page.goto(local_stack["base"] + "/desk/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/desk/articles")
    page.goto(local_stack["base"] + "/desk/new")
    toolbar = page.get_by_role("toolbar", name="Formatting")
    toolbar.scroll_into_view_if_needed()
    shown = toolbar.locator(":scope > button:visible")
    boxes = whole_and_on_top(page, shown, 390, 844)
    assert [name for name, _ in boxes] == ["Bold", "Italic", "Link", "List", "More"]
    assert len({box["y"] for _, box in boxes}) == 1, "one row"
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert toolbar.evaluate("t => t.scrollWidth <= t.clientWidth")
    # one tab stop (a button shown); the arrow keys reach each button in turn, then wrap to the first
    assert toolbar.locator("button[tabindex='0']").count() == 1
    page.get_by_label("Title").focus()
    for _ in range(60):  # Tab through the form's fields to the toolbar
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('[role=toolbar]') !== null"):
            break
    reached = []
    for _ in boxes:
        reached.append(page.evaluate("document.activeElement.textContent"))
        page.keyboard.press("ArrowRight")
    assert reached == ["Bold", "Italic", "Link", "List", "More"], reached
    assert page.evaluate("document.activeElement.textContent") == "Bold"
    # More: Enter opens its menu on the first item; Down goes through every other command; Escape closes
    page.keyboard.press("ArrowLeft")
    more = toolbar.get_by_role("button", name="More")
    assert more.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu", name="More formatting")
    assert more.get_attribute("aria-expanded") == "true" and menu.is_visible()
    items = [page.evaluate("document.activeElement.textContent")]
    for _ in range(7):
        page.keyboard.press("ArrowDown")
        items.append(page.evaluate("document.activeElement.textContent"))
    assert items == ["Heading", "Subheading", "Quote", "Numbered list", "Code", "Code block", "Divider", "Markdown"], items
    whole_and_on_top(page, menu.locator("button"), 390, 844)
    assert menu.get_by_role("menuitemcheckbox", name="Heading", exact=True).get_attribute("aria-checked") == "false"
    if AXE.exists():
        assert violations(page) == []
    page.keyboard.press("Escape")
    assert menu.is_hidden() and page.evaluate("document.activeElement.textContent") == "More"
    # a command from the menu, by keyboard, applies to the text and the menu closes
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "textbox"
    page.keyboard.type("Typed at 390 px")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent") == "More"
    page.keyboard.press("ArrowUp")  # opens on the last item
    assert page.evaluate("document.activeElement.textContent") == "Markdown"
    page.keyboard.press("Home")
    page.keyboard.press("Enter")  # Heading: done, and back to the text, as the toolbar's own buttons do
    assert menu.is_hidden() and page.evaluate("document.activeElement.getAttribute('role')") == "textbox"
    assert page.locator("#f-body").input_value() == "Typed at 390 px\n===\n" or \
        page.locator("#f-body").input_value().startswith("## Typed at 390 px"), page.locator("#f-body").input_value()
    if AXE.exists():
        assert violations(page) == []
    # turned to landscape on a tablet: More is gone, and the one tab stop is a button shown
    assert toolbar.locator("button[tabindex='0']").inner_text() == "More"
    page.set_viewport_size({"width": 1024, "height": 700})
    assert toolbar.get_by_role("button", name="More").is_hidden()
    stop = toolbar.locator("button[tabindex='0']")
    assert stop.count() == 1 and stop.is_visible() and stop.inner_text() == "Heading"
    context.close()


# ---- 3. photos: dragged from the library, dropped as a file, carried in pasted text ----

def test_photos_are_dragged_from_the_library_dropped_as_files_and_uploaded_from_pasted_text(local_stack, browser, tmp_path):  # noqa: F811
    import base64

    from devstack.photos import photo

    base = local_stack["base"]
    page = signed_in(browser, local_stack, "editor")
    page.set_viewport_size({"width": 1280, "height": 2400})  # the text and the library both in view, to drag
    page.goto(base + "/desk/new")
    upload_photo(page, tmp_path, "Boats in the harbour")
    page.goto(base + "/desk/new")  # the library lists it now
    page.get_by_label("Title").fill("Photos three ways")
    body = page.get_by_label("Body", exact=True)
    body.click()
    page.keyboard.type("Harbour report.")
    row = page.locator("#library li", has_text="Boats in the harbour").first
    row.drag_to(body)
    figures = body.locator(".be-figure")
    assert figures.count() == 1
    details = page.get_by_role("group", name="Photo details")
    details.get_by_label("Caption").fill("Boats at dawn.")
    details.get_by_role("button", name="Done").click()
    assert re.search(r"!\[Boats in the harbour\]\(/media/\S+\)\nBoats at dawn\.\n", page.locator("#f-body").input_value())
    assert figures.first.locator("img").get_attribute("src").startswith("/sizes/")  # shown at a size the desk serves

    # a file dropped on the text goes up as the panel's uploads do: alt text first
    jpeg = base64.b64encode(photo(800, 600)).decode()
    body.evaluate("""(text, data) => {
        const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], "IMG_7001.jpg", {type: "image/jpeg"}));
        const box = text.getBoundingClientRect();
        text.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true,
                                                   clientX: box.left + 20, clientY: box.top + 20}));
    }""", jpeg)
    assert page.locator("#e-alt").is_visible()
    page.get_by_label("Alt text", exact=True).fill("Fishermen mending nets")
    page.get_by_role("button", name="Upload", exact=True).click()
    details = page.get_by_role("group", name="Photo details")  # in the text when ready, its details open
    details.wait_for(timeout=30000)
    assert details.get_by_label("Describe the photo (alt text)").input_value() == "Fishermen mending nets"
    details.get_by_role("button", name="Done").click()
    assert body.locator(".be-figure img[alt='Fishermen mending nets']").get_attribute("src").startswith("/sizes/")

    # pasted text: the photo it carries (data:) is uploaded; one on another site is listed, with why
    body.locator("p", has_text="Harbour report.").click()
    page.keyboard.press("End")
    paste(page, f'<p>Pasted with photos.</p><img src="data:image/jpeg;base64,{jpeg}" alt="Nets drying">'
                '<img src="https://images.example.net/a.jpg" alt="From elsewhere">')
    listed = page.locator("#not-brought-over")
    assert "images.example.net" in listed.inner_text() and "From elsewhere" in listed.inner_text()
    body.locator(".be-figure img[alt='Nets drying']").wait_for(timeout=30000)
    assert body.locator(".be-figure").count() == 3
    source = page.locator("#f-body").input_value()
    assert "Pasted with photos." in source and "data:" not in source and "images.example.net" not in source
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("link", name="Open the page").wait_for(timeout=20000)
    shown = article_html(live_page(page, base, "/photos-three-ways/", "Pasted with photos."))
    for alt in ("Boats in the harbour", "Fishermen mending nets", "Nets drying"):
        assert f'alt="{alt}"' in shown, alt
    assert "<figcaption>Boats at dawn.</figcaption>" in shown
    # opened again: each photo shown at one of its sizes (the original is never served), none asked for in vain
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(base + "/desk/edit?key=articles/photos-three-ways.md")
    shown_at = page.get_by_label("Body", exact=True).locator("img[data-src]")  # the photos, as the file has them
    assert wait_for(lambda: shown_at.count() == 3 and all(
        (src or "").startswith("/sizes/") for src in shown_at.evaluate_all("l => l.map(i => i.getAttribute('src'))")),
        timeout=10) is not None, (shown_at.evaluate_all("l => l.map(i => i.outerHTML)"), page.locator("#f-body").input_value())
    assert missing == [] and page.errors == []
