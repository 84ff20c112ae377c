"""A new reader signs up for the newsletter in Chromium against `make run`'s server (issue 47).

Without JavaScript (the form needs none): subscribe on the article's form, read the confirmation
e-mail with `newsroom outbox` (what moto's SES accepted, as `make run` says), confirm from its link,
then unsubscribe with one click; no cookie is ever set. axe-core finds nothing on the sign-up page,
the article's form, or the confirmation and unsubscribe pages.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.integration.conftest import PROJECT_DIR, SEED, accounts, needs_axe, signed_in, violations, wait_for
from tests.integration.test_browser import SCREENS, browser  # noqa: F401  (the fixture)
from tests.integration.test_desk_lists_browser import SEED_KEY


def outbox(local_stack, to: str) -> list[dict]:  # type: ignore[type-arg]
    newsroom = str(Path(sys.executable).parent / "newsroom")
    done = subprocess.run([newsroom, "outbox", "--endpoint-url", local_stack["endpoint"], "--to", to],
                          cwd=PROJECT_DIR, env=local_stack["env"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@needs_axe
def test_a_reader_subscribes_confirms_and_unsubscribes_without_javascript(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    assert f"newsroom outbox --endpoint-url {local_stack['endpoint']}" in local_stack.printed()

    checked = browser.new_context(bypass_csp=True)  # to inject axe only
    page = checked.new_page()
    page.goto(base + "/subscribe/")
    found = {"subscribe": violations(page)}
    page.goto(base + SEED)
    found["article"] = violations(page)

    context = browser.new_context(java_script_enabled=False)
    reader = context.new_page()
    reader.goto(base + SEED)
    form = reader.locator("form.newsletter-form")
    form.get_by_label("Email address").fill("new.reader@example.com")
    form.get_by_role("button", name="Subscribe").click()
    reader.get_by_role("heading", name="Check your inbox").wait_for()

    [message] = outbox(local_stack, "new.reader@example.com")
    assert message["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    confirm = next(link for link in message["links"] if "/newsletter/confirm/" in link)
    reader.goto(confirm)
    page.goto(confirm)
    found["confirm"] = violations(page)
    reader.get_by_role("button", name="Confirm my subscription").click()
    reader.get_by_role("heading", name="You are subscribed").wait_for()
    assert "Daily briefing" in reader.locator("main").inner_text()

    unsubscribe = message["headers"]["List-Unsubscribe"].strip("<>")
    reader.goto(unsubscribe)
    page.goto(unsubscribe)
    found["unsubscribe"] = violations(page)
    reader.get_by_role("button", name="Unsubscribe").click()
    reader.get_by_role("heading", name="You are unsubscribed").wait_for()
    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    found["unsubscribed"] = violations(page)

    assert context.cookies() == [] and checked.cookies() == []
    assert found == {name: [] for name in found}
    context.close()
    checked.close()


def subscribe(browser, base: str, local_stack, email: str) -> dict:  # type: ignore[no-untyped-def, type-arg]  # noqa: F811
    """A reader signs up on the article's form without JavaScript and confirms from the e-mail; the
    confirmation e-mail."""
    context = browser.new_context(java_script_enabled=False)
    reader = context.new_page()
    reader.goto(base + SEED)
    form = reader.locator("form.newsletter-form")
    form.get_by_label("Email address").fill(email)
    form.get_by_role("button", name="Subscribe").click()
    reader.get_by_role("heading", name="Check your inbox").wait_for()
    [message] = outbox(local_stack, email)
    reader.goto(next(link for link in message["links"] if "/newsletter/confirm/" in link))
    reader.get_by_role("button", name="Confirm my subscription").click()
    reader.get_by_role("heading", name="You are subscribed").wait_for()
    context.close()
    return message


def newsletters_to(local_stack, email: str, subject: str) -> list[dict]:  # type: ignore[type-arg]
    return [m for m in outbox(local_stack, email) if m["subject"] == subject]


def arrived(local_stack, email: str, subject: str, count: int = 1) -> list[dict]:  # type: ignore[type-arg]
    """The newsletters the relay's sender sent to ``email`` (make run's newsletters relay), once ``count`` are in."""
    assert wait_for(lambda: len(newsletters_to(local_stack, email, subject)) >= count, timeout=60, interval=0.5), \
        f"no newsletter {subject!r} reached {email}"
    return newsletters_to(local_stack, email, subject)


def no_sideways_scroll(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


@needs_axe
def test_an_editor_sends_from_the_desk_and_one_click_or_a_complaint_stops_the_next(local_stack, browser):  # noqa: F811
    """Issue 47's Done-when: a reader subscribes and confirms; an editor sends the article from the desk
    (keyboard only on the send screen); the e-mail has both unsubscribe headers; one POST to its
    unsubscribe address stops the next send; a complaint event suppresses an address. axe finds nothing
    on the send screen or the Newsletters screen, and neither scrolls sideways at 390 px."""
    base = local_stack["base"]
    subscribe(browser, base, local_stack, "leaving.reader@example.com")
    subscribe(browser, base, local_stack, "staying.reader@example.com")
    editor_email = accounts(local_stack)["editor"][0]

    page = signed_in(browser, local_stack, "editor")
    page.goto(base + f"/desk/edit?key={SEED_KEY}")
    page.get_by_role("link", name="Send as newsletter").click()
    page.get_by_role("heading", name="Send as newsletter").wait_for()
    title = page.locator("#subject").inner_text()
    send_button = page.get_by_role("button", name=re.compile(r"^Send to \d+ readers? of Daily briefing$"))
    expect(send_button).to_be_visible()
    readers = int(re.search(r"Send to (\d+)", send_button.inner_text()).group(1))
    assert readers >= 2  # the two above (and any other test's readers still subscribed)

    test_button = page.get_by_role("button", name="Send a test to me")
    test_button.scroll_into_view_if_needed()  # as a person scrolls past the preview to it
    test_button.click()
    expect(page.get_by_role("status")).to_contain_text(f"was sent to {editor_email} (only to you")
    assert arrived(local_stack, editor_email, f"[Test] {title}")

    for _ in range(60):  # the keyboard alone reaches the Send button and presses it
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").startswith("Send to "):
            break
    else:
        pytest.fail("Tab never reached the Send button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/newsletters?send=*")
    expect(page.get_by_role("status")).to_contain_text(f"to {readers} readers of Daily briefing")
    [got] = arrived(local_stack, "leaving.reader@example.com", title)
    assert got["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = got["headers"]["List-Unsubscribe"].strip("<>")
    assert one_click.startswith(base + "/newsletter/unsubscribe/?t=")  # the site's own address: https where it is
    assert arrived(local_stack, "staying.reader@example.com", title)
    page.reload()
    expect(page.locator("tbody tr").first).to_contain_text("Done")

    answered = page.request.post(one_click, data="List-Unsubscribe=One-Click",  # a mail client's one POST
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answered.status == 200 and "You are unsubscribed" in answered.text()

    complaint = {"eventType": "Complaint", "complaint": {"complainedRecipients": [
        {"emailAddress": "staying.reader@example.com"}]}}
    applied = subprocess.run([sys.executable, "-c", "import json, sys; from chalicelib.newsletters import events; "
                              "print(json.dumps(events.apply(sys.argv[1])))", json.dumps(complaint)],
                             cwd=PROJECT_DIR, env={**local_stack["env"], "AWS_ENDPOINT_URL": local_stack["endpoint"]},
                             capture_output=True, text=True, timeout=60)
    assert applied.returncode == 0 and len(json.loads(applied.stdout)) == 1, applied.stderr

    page.goto(base + f"/desk/newsletter?key={SEED_KEY}")
    after = page.locator("#readers").inner_text()
    assert after.startswith((f"{readers - 2} reader", "Nobody receives")), after  # both left the list
    if readers > 2:
        page.get_by_role("button", name=re.compile(r"^Send to ")).click()
        page.wait_for_url("**/desk/newsletters?send=*")
    time.sleep(3)  # the relay's sender would have sent by now
    assert len(newsletters_to(local_stack, "leaving.reader@example.com", title)) == 1
    assert len(newsletters_to(local_stack, "staying.reader@example.com", title)) == 1

    found = {}
    for width in (1280, 390):
        checked = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 900})  # to inject axe only
        checked.add_cookies(page.context.cookies())
        audit = checked.new_page()
        for name, path in (("send", f"/desk/newsletter?key={SEED_KEY}"), ("digest", "/desk/newsletter?digest=today"),
                           ("newsletters", "/desk/newsletters")):
            audit.goto(base + path)
            found[f"{name} at {width}"] = violations(audit)
            assert no_sideways_scroll(audit) <= 0, f"{path} scrolls sideways at {width} px"
            if width == 390 and name != "digest":
                SCREENS.mkdir(parents=True, exist_ok=True)
                audit.screenshot(path=str(SCREENS / f"desk-{name}-390.png"), full_page=True)
        first = audit.locator("tbody tr").first
        if width == 1280 and first.get_by_role("button", name=re.compile("^Cancel")).count():
            first.get_by_role("button", name=re.compile("^Cancel")).click()
            audit.get_by_role("button", name="Yes, cancel the send").wait_for()
            found["cancel confirmation"] = violations(audit)
        checked.close()
    assert found == {name: [] for name in found}
    assert page.errors == []
    page.context.close()
