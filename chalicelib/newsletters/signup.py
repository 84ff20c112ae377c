"""The sign-up form: its fields, the words it shows, and their checks.

The form is on ``/subscribe/`` and on every article; the route (``chalicelib/site/subscribe.py``)
applies the protection comments have (``comment_rules``: the browser's Origin, a signed form token
issued for ``FORM_SCOPE``, a honeypot, a rate limit per client) before these checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FORM_SCOPE = "newsletter:signup"  # the form token's scope (no article slug can contain ":")
MAX_EMAIL_CHARS = 254  # RFC 5321's path limit
CONSENT_WORDING = "Unsubscribe from any e-mail with one click. We never share your address."
# The same answer for every address, known or not: nothing tells a stranger who is subscribed.
SENT_HEADING = "Check your inbox"
SENT_MESSAGE = ("If this address can receive our newsletters, an e-mail is on its way to it with a link to "
                "confirm. Nothing is sent until you click that link. It works for 7 days.")
_EMAIL = re.compile(r"^[^@\s<>\"(),;:\\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*"
                    r"[A-Za-z0-9])?)+$")
_FORM_NAME = re.compile(r"^(subscribe-page|article:[a-z0-9][a-z0-9-]{0,199})$")


@dataclass(frozen=True)
class SignUp:
    """A sign-up form's fields, checked."""

    email: str
    newsletters: tuple[str, ...]
    form: str


class Invalid(Exception):
    """What is wrong with the form, one line per field, in the reader's words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def is_address(email: str) -> bool:
    """Whether ``email`` is an address we can send to (as the form checks it)."""
    return len(email) <= MAX_EMAIL_CHARS and email.isascii() and bool(_EMAIL.match(email))


def check(form: dict[str, list[str]], offered: tuple[str, ...]) -> SignUp:
    """The sign-up a form asks for: an address, and at least one of the ``offered`` newsletters.

    :raise Invalid: naming each field and its problem.
    """
    problems = []
    email = (form.get("email") or [""])[0].strip()
    if not email:
        problems.append("Email: please give the address the newsletters should go to.")
    elif len(email) > MAX_EMAIL_CHARS or not _EMAIL.match(email) or not email.isascii():
        problems.append("Email: this is not an e-mail address (for example, name@example.com).")
    asked = [name for name in form.get("newsletter", []) if name]
    unknown = [name for name in asked if name not in offered]
    if unknown:
        problems.append("Newsletters: we have no newsletter called " + ", ".join(f"“{n[:80]}”" for n in unknown) + ".")
    elif not asked and len(offered) > 1:
        problems.append("Newsletters: please tick at least one.")
    form_name = (form.get("form") or ["subscribe-page"])[0]
    if not _FORM_NAME.match(form_name):
        form_name = "subscribe-page"
    if problems:
        raise Invalid(problems)
    chosen = tuple(name for name in offered if name in asked) or offered[:1]
    return SignUp(email=email, newsletters=chosen, form=form_name)
