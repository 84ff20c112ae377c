"""Markdown rendering and sanitizing, done once at ingest."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from chalicelib.markup import render_body


def test_markdown_with_table_and_strikethrough():
    body = render_body("# Head\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ *new*\n", "markdown")
    assert "<table>" in body.html and "<td>1</td>" in body.html
    assert "<del>old</del>" in body.html or "<s>old</s>" in body.html
    assert "<em>new</em>" in body.html


def test_empty_internal_link_becomes_cross_link_marker():
    body = render_body("**SEE ALSO:** [](/other-story/)\n\nText [named](/kept/).\n", "markdown")
    assert body.xrefs == ("other-story",)
    assert "<!--xref:other-story-->" in body.html
    assert '<a href="/kept/" rel="noopener noreferrer">named</a>' in body.html


def test_excerpt_is_first_paragraph_text():
    assert render_body("# T\n\nFirst *para* here.\n\nSecond.\n", "markdown").excerpt == "First para here."


class _Elements(HTMLParser):
    """Collects what a browser would act on: tags, attributes, comments."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)

    def handle_comment(self, data):  # type: ignore[no-untyped-def]
        self.comments.append(data)


def assert_harmless(html: str) -> None:
    """No script-capable element, handler, style or dangerous URL in ``html``."""
    found = _Elements()
    found.feed(html)
    assert not {"script", "iframe", "object", "embed", "svg", "style", "form", "base"} & set(found.tags), html
    for name, value in found.attributes:
        assert not name.startswith("on") and name != "style", html
        if name in ("href", "src", "cite"):
            assert not value.strip().lower().startswith(("javascript:", "vbscript:", "data:")), html
    assert found.comments == [], html


@pytest.mark.parametrize("attack", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" JaVaScRiPt:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="x.swf"></object>',
    '<svg onload="alert(1)"></svg>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<!--xref:forged-->",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[x](javascript:alert(1))",
    "<form action=/x><button>go</button></form>",
])
def test_dangerous_markup_does_not_survive(attack):
    for fmt in ("markdown", "html"):
        assert_harmless(render_body(attack, fmt).html)
