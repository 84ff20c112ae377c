"""Photos with a caption and a credit, and embed addresses, as ingest renders them (issue 44).

The content format (docs/content-format.md): in Markdown, an image alone on a paragraph's first
line, then the caption's lines, the last one ``Credit: ...`` when there is a credit; in HTML, a
``<figure>`` with its ``<img>`` and a ``<figcaption>`` ending in ``<small class="credit">``. An
embed address alone in a paragraph is the link card the WordPress import writes.
"""

from __future__ import annotations

from chalicelib.content.embeds import embed_card
from chalicelib.content.markup import render_body


def test_a_markdown_photo_with_a_caption_and_a_credit_is_a_figure() -> None:
    body = "![Putin and Raisi shake hands](/media/2022/07/putin-raisi.jpg)\nPutin and *Raisi* in Tehran.\nCredit: Sergei Savostyanov/TASS\n"
    assert render_body(body, "markdown").html == (
        '<figure><img src="/media/2022/07/putin-raisi.jpg" alt="Putin and Raisi shake hands">'
        '<figcaption>Putin and <em>Raisi</em> in Tehran. <small class="credit">Sergei Savostyanov/TASS</small>'
        "</figcaption></figure>\n")


def test_a_caption_alone_or_a_credit_alone_makes_a_figure_too() -> None:
    caption = render_body("![Oil tanker](/media/t.jpg)\nAt Kharg island,\non Monday.\n", "markdown").html
    assert caption == '<figure><img src="/media/t.jpg" alt="Oil tanker"><figcaption>At Kharg island,\non Monday.</figcaption></figure>\n'
    credit = render_body("![Oil tanker](/media/t.jpg)\ncredit: Reuters\n", "markdown").html
    assert credit == ('<figure><img src="/media/t.jpg" alt="Oil tanker"><figcaption><small class="credit">Reuters</small>'
                      "</figcaption></figure>\n")


def test_an_image_alone_in_its_paragraph_or_within_text_stays_as_it_was() -> None:
    assert render_body("![Tanker](/media/t.jpg)\n", "markdown").html == '<p><img src="/media/t.jpg" alt="Tanker"></p>\n'
    inline = render_body("See ![Tanker](/media/t.jpg)\nthe tanker.\n", "markdown").html
    assert "<figure>" not in inline and "<p>See" in inline


def test_an_html_figure_keeps_its_caption_and_credit_and_nothing_unsafe() -> None:
    body = ('<figure class="wp-block-image"><img src="/media/t.jpg" alt="Tanker" onerror="x()">'
            '<figcaption>At <b>Kharg</b><script>x()</script> <small class="credit bold" style="color:red">Reuters</small>'
            "</figcaption></figure>")
    assert render_body(body, "html").html == (
        '<figure class="wp-block-image"><img src="/media/t.jpg" alt="Tanker"><figcaption>At <b>Kharg</b> '
        '<small class="credit">Reuters</small></figcaption></figure>')


def test_an_embed_address_on_its_own_line_is_a_card_in_markdown_and_in_html() -> None:
    url = "https://www.youtube.com/watch?v=M7lc1UVf-VE&t=10"
    card = render_body(embed_card(url, None), "html").html
    assert "Open on YouTube" in card and 'href="https://www.youtube.com/watch?v=M7lc1UVf-VE&amp;t=10"' in card
    assert render_body(f"Before.\n\n{url}\n\nAfter.\n", "markdown").html == f"<p>Before.</p>\n{card}\n<p>After.</p>\n"
    assert render_body(f"<p>Before.</p>\n<p>{url.replace('&', '&amp;')}</p>\n<p>After.</p>", "html").html == \
        f"<p>Before.</p>\n{card}\n<p>After.</p>"
    for address, provider in [("https://vimeo.com/76979871", "Vimeo"), ("https://x.com/nasa/status/1", "X (Twitter)"),
                              ("https://www.instagram.com/p/BpmueLLgEn_/", "Instagram"),
                              ("https://www.tiktok.com/@nasa/video/7", "TikTok"),
                              ("https://bsky.app/profile/nasa.gov/post/3k", "Bluesky")]:
        shown = render_body(address + "\n", "markdown").html
        assert f'<span class="embed-provider">{provider}</span>' in shown, address
        assert "<script" not in shown and "<iframe" not in shown


def test_an_address_of_another_site_or_inside_a_sentence_stays_text() -> None:
    assert render_body("https://example.org/report\n", "markdown").html == "<p>https://example.org/report</p>\n"
    sentence = render_body("Watch https://www.youtube.com/watch?v=abc today.\n", "markdown").html
    assert "embed-card" not in sentence
    linked = render_body('<p><a href="https://vimeo.com/1">https://vimeo.com/1</a></p>', "html").html
    assert "embed-card" not in linked
