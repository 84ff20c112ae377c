"""Every rule a comment must pass refuses with its own code (code branches on codes, never on words)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from chalicelib.site import comment_rules
from chalicelib.site_settings import Settings

ORIGIN = "https://news.example.com"
POST = SimpleNamespace(slug="story", kind="article", comments_open=True, date="2024-01-01T00:00:00Z", password_hash=None)


def _form(**fields: str) -> bytes:
    from urllib.parse import urlencode

    return urlencode({"name": "Reader", "text": "Well said.", "token": comment_rules.form_token("story"),
                      **fields}).encode()


RULES = [
    ("foreign_origin", POST, {"origin": "https://evil.example"}, _form()),
    ("too_large", POST, {"origin": ORIGIN}, b"x" * (comment_rules.MAX_FORM_BYTES + 1)),
    ("unreadable", POST, {"origin": ORIGIN}, b"\xff\xfe"),
    ("expired_form", POST, {"origin": ORIGIN}, _form(token=f"{int(time.time()) - 4 * 86400}.forged")),
    ("honeypot", POST, {"origin": ORIGIN}, _form(**{comment_rules.HONEYPOT: "http://spam.example"})),
    ("closed", SimpleNamespace(**{**vars(POST), "comments_open": False}), {"origin": ORIGIN}, _form()),
    ("fields", POST, {"origin": ORIGIN}, _form(name="", text="")),
]


# Named by their codes: the bodies hold form tokens made from the clock, and xdist's workers must collect
# the same test names.
@pytest.mark.parametrize("code, post, headers, body", RULES, ids=[code for code, *_ in RULES])
def test_each_rule_refuses_with_its_code(code, post, headers, body):
    with pytest.raises(comment_rules.Refused) as refused:
        comment_rules.accept(post, Settings(), headers, ORIGIN, body, "192.0.2.1")
    assert refused.value.code == code
    assert refused.value.message  # and words a reader can act on


@pytest.mark.parametrize("name, words", [
    ("\u200b\u200c\u200d", "Name: please give a name"),  # only zero-width characters
    ("\u3164", "Name: please give a name"),  # a Hangul filler: blank once shown
    ("Bob\u202egnp.exe", "Name: contains characters that reverse the direction of text"),
    ("Evil\x9b31m", "Name: contains control characters."),  # C1: a terminal's escape sequence
])
def test_names_that_show_nothing_or_disguise_themselves_are_refused(name, words):
    from chalicelib.site.comment_rules import Refused, check_fields

    with pytest.raises(Refused) as refused:
        check_fields({"name": name, "text": "A fair point."})
    assert any(words in problem for problem in refused.value.problems), refused.value.problems


def test_the_moderators_terminal_sees_escapes_not_control_characters():
    from newsroom.cli.comments import shown

    assert shown("Bob\u202egnp.exe \x9b31m \u200b ok") == "Bob\\u202egnp.exe \\x9b31m \\u200b ok"
