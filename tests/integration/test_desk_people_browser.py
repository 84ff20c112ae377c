"""People and roles in Debian's Chromium against `make run` (issue 45), as a new admin tries them: a
colleague is invited, signs in with the invitation printed where `make run` prints its accounts,
chooses a password, is made an editor, then disabled, and their open session stops working. Then
"Forgot password" from the sign-in page; axe, the keyboard alone, and a phone's width on both screens."""

from __future__ import annotations

import re
import time

from tests.integration.conftest import needs_axe, signed_in, violations, wait_for
from tests.integration.test_browser import SCREENS, browser  # noqa: F401 - the fixture


def printed(stack: dict, kind: str) -> dict[str, str]:
    """The ``KIND: EMAIL SECRET`` lines `make run` printed (the stand-in mails nothing), the last of each."""
    stack["log"].seek(0)
    return dict(re.findall(rf"^{kind}: (\S+) (\S+)$", stack["log"].read(), re.MULTILINE))


def _printed_for(stack: dict, kind: str, email: str) -> str:
    found = wait_for(lambda: email in printed(stack, kind), timeout=10)
    assert found is not None, f"no {kind} for {email} in make run's output"
    return printed(stack, kind)[email]


def _sign_in(page, base: str, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/desk/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_colleague_is_invited_signs_in_is_made_an_editor_then_disabled(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    admin = signed_in(browser, local_stack, "admin")
    admin.get_by_role("navigation", name="Desk").get_by_role("link", name="People").click()
    admin.get_by_role("heading", name="People", level=1).wait_for()
    admin.get_by_label("E-mail address").fill("cole@example.com")
    admin.get_by_label("Name (optional)").fill("Cole League")
    admin.get_by_label("Role", exact=True).select_option("contributor")
    admin.get_by_role("button", name="Invite").click()
    admin.get_by_role("status").filter(has_text="Invited cole@example.com as a contributor").wait_for()
    card = admin.locator(".person", has_text="cole@example.com")
    assert "invited" in card.inner_text()
    temporary = _printed_for(local_stack, "desk invitation", "cole@example.com")
    assert temporary not in admin.content()  # never on the page

    colleague = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(colleague, base, "cole@example.com", temporary)
    colleague.get_by_role("heading", name="Choose your password").wait_for()
    colleague.get_by_label("New password", exact=True).fill("Coles-Own-Password-7")
    colleague.get_by_label("New password again").fill("Coles-Own-Password-7")
    colleague.get_by_role("button", name="Set password and sign in").click()
    colleague.wait_for_url("**/desk/articles")
    assert "Cole League (contributor)" in colleague.locator(".who").inner_text()

    card.get_by_label("Role for Cole League").select_option("editor")
    card.get_by_role("button", name="Change role").click()
    admin.get_by_role("status").filter(has_text="Cole League is now an editor").wait_for()
    time.sleep(1.05)  # auth_time is whole seconds: a sign-in in the second their sessions ended is ended too
    _sign_in(colleague, base, "cole@example.com", "Coles-Own-Password-7")  # the new role is in a new session
    colleague.wait_for_url("**/desk/articles")
    assert "Cole League (editor)" in colleague.locator(".who").inner_text()
    colleague.get_by_role("link", name="Media").wait_for()  # an editor's screens

    admin.locator(".person", has_text="cole@example.com").get_by_role("button", name="Disable").click()
    admin.get_by_role("status").filter(has_text="Disabled Cole League: their open sessions have ended.").wait_for()
    changes = admin.get_by_role("region", name="Changes").inner_text()
    assert "cole@example.com disabled" in changes and "cole@example.com made an editor (was a contributor)" in changes
    assert "cole@example.com invited as a contributor" in changes

    # Their open page: its next write is refused, and the next screen is the sign-in page.
    locked = colleague.evaluate("""() => fetch("/desk/lock", {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json",
                  "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content},
        body: JSON.stringify({key: "articles/anything.md"})}).then(r => r.status)""")
    assert locked == 401
    colleague.get_by_role("link", name="Media").click()
    colleague.wait_for_url("**/desk/sign-in")
    _sign_in(colleague, base, "cole@example.com", "Coles-Own-Password-7")
    colleague.get_by_role("alert").filter(has_text="not right").wait_for()
    assert admin.errors == []


def test_forgot_password_from_the_keyboard_alone(local_stack, browser):  # noqa: F811
    base = local_stack["base"]
    page = browser.new_page(viewport={"width": 390, "height": 800})
    page.goto(base + "/desk/sign-in")
    for _ in range(12):  # Tab to the link, as someone without a mouse does
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Forgot your password?":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/forgot-password")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the desk's name
    page.keyboard.press("Tab")
    page.keyboard.type("contributor@desk.example.com")
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="If an account has this address").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    code = _printed_for(local_stack, "desk password code", "contributor@desk.example.com")
    assert code not in page.content()
    page.get_by_label("Code").focus()
    page.keyboard.type(code)
    page.keyboard.press("Tab")
    page.keyboard.type("A-Keyboard-Password-5")
    page.keyboard.press("Tab")
    page.keyboard.type("A-Keyboard-Password-5")
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Your new password is set").wait_for()
    _sign_in(page, base, "contributor@desk.example.com", "A-Keyboard-Password-5")
    page.wait_for_url("**/desk/articles")


def test_people_is_usable_from_the_keyboard_and_at_a_phones_width(local_stack, browser):  # noqa: F811
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page = signed_in(browser, local_stack, "admin", width=width)
        page.goto(local_stack["base"] + "/desk/people")
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        page.screenshot(path=str(SCREENS / f"45-people-{width}.png"), full_page=True)
        assert page.errors == []
    page.get_by_label("E-mail address").focus()
    page.keyboard.type("keys@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type("Key Board")
    page.keyboard.press("Tab")
    page.keyboard.press("End")  # the role: the last of the list, admin
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Invite"
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Invited keys@example.com as an admin").wait_for()


@needs_axe
def test_axe_finds_no_violations_on_people_and_forgot_password(local_stack, browser):  # noqa: F811
    from tests.integration.conftest import accounts

    base = local_stack["base"]
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})  # to inject axe only
    page = context.new_page()
    found = {}
    page.goto(base + "/desk/forgot-password")
    found["forgot password"] = violations(page)
    page.get_by_label("E-mail address").fill("editor@desk.example.com")
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("Code").wait_for()
    found["forgot password: the code"] = violations(page)
    page.get_by_label("Code").fill("123456")
    page.get_by_label("New password", exact=True).fill("Another-Password-1")
    page.get_by_label("New password again").fill("Another-Password-2")
    page.get_by_role("button", name="Set my new password").click()
    page.get_by_role("alert").wait_for()
    found["forgot password: a mistake"] = violations(page)
    email, password = accounts(local_stack)["admin"]
    _sign_in(page, base, email, password)
    page.wait_for_url("**/desk/articles")
    page.goto(base + "/desk/profile")
    found["profile"] = violations(page)
    page.get_by_label("Photo").fill("https://elsewhere.example/me.jpg")
    page.get_by_role("button", name="Save profile").click()
    page.get_by_role("alert").wait_for()
    found["profile: a mistake"] = violations(page)
    page.goto(base + "/desk/people")
    found["people"] = violations(page)
    page.locator(".person").last.get_by_role("button", name="Remove").click()
    page.get_by_role("heading", name=re.compile("^Remove ")).wait_for()
    found["people: remove?"] = violations(page)
    context.close()
    assert found == {name: [] for name in found}


def test_a_colleague_edits_their_profile_at_a_phones_width_and_the_picker_lists_them(local_stack, browser):  # noqa: F811
    page = signed_in(browser, local_stack, "editor", width=390)
    page.get_by_role("navigation", name="Desk").get_by_role("link", name="Profile").click()
    page.get_by_role("heading", name="Your profile").wait_for()
    page.get_by_label("Name").fill("Edie Tor")
    page.get_by_label("Bio").fill("Edits the morning news.")
    page.get_by_role("button", name="Save profile").click()
    page.get_by_role("status").filter(has_text="Your profile is saved.").wait_for()
    assert page.get_by_label("Bio").input_value() == "Edits the morning news."
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    choices = page.context.request.get(local_stack["base"] + "/desk/author-choices").json()["authors"]
    # renamed, they keep the author address of their first sign-in (chalicelib/desk/profile.py); addresses: admins'
    assert {"name": "Edie Tor", "slug": "local-editor", "kind": "person", "email": ""} in choices
    assert any(c["kind"] == "author" for c in choices)  # the sample content's authors, beside the people
    assert page.errors == []
