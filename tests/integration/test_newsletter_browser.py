"""A new reader signs up for the newsletter in Chromium against `make run`'s server (issue 47).

Without JavaScript (the form needs none): subscribe on the article's form, read the confirmation
e-mail with `newsroom outbox` (what moto's SES accepted, as `make run` says), confirm from its link,
then unsubscribe with one click; no cookie is ever set. axe-core finds nothing on the sign-up page,
the article's form, or the confirmation and unsubscribe pages.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import PROJECT_DIR, SEED
from tests.integration.test_browser import browser  # noqa: F401  (the fixture)
from tests.integration.test_desk_browser import AXE, violations


def outbox(local_stack, to: str) -> list[dict]:  # type: ignore[type-arg]
    newsroom = str(Path(sys.executable).parent / "newsroom")
    done = subprocess.run([newsroom, "outbox", "--endpoint-url", local_stack["endpoint"], "--to", to],
                          cwd=PROJECT_DIR, env=local_stack["env"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make test installs it with npm)")
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
