"""Markdown rendering and sanitizing, done once at ingest."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from chalicelib.content.markup import render_body


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


@pytest.mark.parametrize("fmt, body", [
    ("markdown", "\"Quoted,\" she said -- it's the 'best' of the year... or so --- they say.\n"),
    ("html", "<p>&quot;Quoted,&quot; she said -- it's the 'best' of the year... or so --- they say.</p>"),
])
def test_typography_as_wordpress_shows_it(fmt, body):
    """A spaced "--" is an em dash, as WordPress's own test says (wptexturize('Hey -- boo?') gives
    'Hey &#8212; boo?')."""
    assert render_body(body, fmt).html.strip() == \
        "<p>“Quoted,” she said — it’s the ‘best’ of the year… or so — they say.</p>"


@pytest.mark.parametrize("body, shown", [
    ("<p>Office - Video</p>", "<p>Office – Video</p>"),  # a spaced hyphen: an en dash
    ("<p>a --<em>b</em></p>", "<p>a —<em>b</em></p>"),  # "--" at a tag's edge, after a space: em
    ("<p>a--b and xn--bcher-kva.example</p>", "<p>a–b and xn--bcher-kva.example</p>"),  # en; not punycode
    ("<p>a---b</p>", "<p>a—b</p>"),
    ("<p>Thumbnails are 150x150, hex 0x1F stays</p>", "<p>Thumbnails are 150×150, hex 0x1F stays</p>"),
    ("<p>- a line that starts with one</p>", "<p>– a line that starts with one</p>"),
    ("<p>Acme (tm)</p>", "<p>Acme ™</p>"),
    ("<pre>a -- b 150x150</pre>", "<pre>a -- b 150x150</pre>"),  # literal text is left alone
    ("<p><var>x-1</var> <code>--flag</code></p>", "<p><var>x-1</var> <code>--flag</code></p>"),
])
def test_dashes_and_dimensions_as_wptexturize_makes_them(body, shown):
    assert render_body(body, "html").html.strip() == shown


@pytest.mark.parametrize("body, shown", [
    ('<p><acronym title="National Aeronautics">NASA</acronym></p>', '<p><abbr title="National Aeronautics">NASA</abbr></p>'),
    ("<p><tt>ls -l</tt></p>", "<p><code>ls -l</code></p>"),
    ("<p><BIG>Big</BIG> <var>n</var></p>", '<p><span class="is-big">Big</span> <var>n</var></p>'),
])
def test_obsolete_phrase_elements_keep_their_meaning_in_html5(body, shown):
    """acronym, tt and big lost their element (keeping only the text): each is its HTML5 equivalent now."""
    assert render_body(body, "html").html.strip() == shown


def test_links_that_open_a_new_tab_keep_it_and_cannot_reach_back():
    html = render_body('<p><a href="https://example.com/" target="_blank">out</a> '
                       '<a href="/in/" target="_parent">in</a></p>', "html").html
    assert '<a href="https://example.com/" target="_blank" rel="noopener noreferrer">out</a>' in html
    assert '<a href="/in/" rel="noopener noreferrer">in</a>' in html  # other targets are dropped


def test_typography_never_touches_code_urls_or_attributes():
    body = render_body('Run `a --b "c"` at <https://example.com/a--b?x="y"> or www.example.com/a--b, '
                       'mail ed--in@example.com, [the "docs"](/docs--old/ "it\'s").\n\n'
                       '```\nprint("--")\n```\n', "markdown").html
    assert '<code>a --b "c"</code>' in body
    assert 'href="https://example.com/a--b?x=%22y%22"' in body and ">https://example.com/a--b?x=" in body
    assert "www.example.com/a--b," in body and "ed--in@example.com" in body
    assert 'href="/docs--old/" title="it\'s"' in body and "“docs”" in body
    assert 'print("--")' in body


def test_block_and_alignment_classes_are_kept_and_others_dropped():
    body = render_body('<figure class="wp-block-image alignwide my-theme-x"><img class="alignleft evil" src="/m.jpg" '
                       'alt=""></figure><p class="has-text-align-center" id="content">x</p><h2 id="why">Why</h2>',
                       "html").html
    assert '<figure class="wp-block-image alignwide">' in body and '<img class="alignleft" src="/m.jpg"' in body
    assert '<p class="has-text-align-center">x</p>' in body  # our template's ids are not an article's to take
    assert '<h2 id="why">Why</h2>' in body


def test_only_raster_data_images_and_only_https_or_own_media_players_survive():
    body = render_body('<img src="data:image/png;base64,iVBORw0KGgo="><img src="data:image/svg+xml;base64,PHN2Zz4=">'
                       '<a href="data:image/png;base64,iVBORw0KGgo=">x</a><audio controls src="http://a.example/x.mp3">'
                       '</audio><video controls src="/media/v.mp4" poster="javascript:alert(1)"></video>', "html").html
    assert body.count("data:") == 1 and '<img src="data:image/png;base64,iVBORw0KGgo=">' in body
    assert "<audio controls></audio>" in body.replace('=""', "")
    assert '<video controls="" src="/media/v.mp4"></video>' in body
