"""Every rule a comment must pass refuses with its own code (code branches on codes, never on words)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from chalicelib.site import comment_rules
from chalicelib.site_settings import Settings

ORIGIN = "https://news.example.com"
POST = SimpleNamespace(slug="story", kind="article", comments_open=True, date="2024-01-01T00:00:00Z")


def _form(**fields: str) -> bytes:
    from urllib.parse import urlencode

    return urlencode({"name": "Reader", "text": "Well said.", "token": comment_rules.form_token("story"),
                      **fields}).encode()


@pytest.mark.parametrize("code, post, headers, body", [
    ("foreign_origin", POST, {"origin": "https://evil.example"}, _form()),
    ("too_large", POST, {"origin": ORIGIN}, b"x" * (comment_rules.MAX_FORM_BYTES + 1)),
    ("unreadable", POST, {"origin": ORIGIN}, b"\xff\xfe"),
    ("expired_form", POST, {"origin": ORIGIN}, _form(token=f"{int(time.time()) - 4 * 86400}.forged")),
    ("honeypot", POST, {"origin": ORIGIN}, _form(**{comment_rules.HONEYPOT: "http://spam.example"})),
    ("closed", SimpleNamespace(**{**vars(POST), "comments_open": False}), {"origin": ORIGIN}, _form()),
    ("fields", POST, {"origin": ORIGIN}, _form(name="", text="")),
])
def test_each_rule_refuses_with_its_code(code, post, headers, body):
    with pytest.raises(comment_rules.Refused) as refused:
        comment_rules.accept(post, Settings(), headers, ORIGIN, body, "192.0.2.1")
    assert refused.value.code == code
    assert refused.value.message  # and words a reader can act on
