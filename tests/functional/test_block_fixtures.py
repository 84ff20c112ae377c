"""Every block fixture of the block editor (Gutenberg's own, in tests/data/gutenberg-blocks/) shows a
reader what WordPress showed, through the real import: WXR -> converter -> the stored HTML.

Each fixture is imported as the body of a post; what a reader sees is asserted as elements (tag,
classes, attributes) and their text. Whatever is not shown must be in the import report, by block.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chalicelib.content.markup import render_body
from chalicelib.imports import blocks
from chalicelib.imports.wordpress import convert

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "gutenberg-blocks"


def wxr(body: str, meta: dict[str, str] | None = None, extra_items: str = "") -> str:
    postmeta = "".join(f"<wp:postmeta><wp:meta_key>{k}</wp:meta_key><wp:meta_value><![CDATA[{v}]]></wp:meta_value>"
                       "</wp:postmeta>" for k, v in (meta or {}).items())
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:wp="http://wordpress.org/export/1.2/" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/">
<channel><title>Blocks</title><link>https://news.example.org</link><wp:wxr_version>1.2</wp:wxr_version>
<wp:base_blog_url>https://news.example.org</wp:base_blog_url>
<item><title>Post</title><link>https://news.example.org/post/</link><dc:creator>ed</dc:creator>
<content:encoded><![CDATA[{body}]]></content:encoded><wp:post_id>5</wp:post_id>
<wp:post_date_gmt>2024-01-02 03:04:05</wp:post_date_gmt><wp:post_name>post</wp:post_name><wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type>{postmeta}</item>{extra_items}
</channel></rss>"""


def imported(tmp_path: Path, body: str, **kwargs) -> tuple[str, list[str], Counter[str]]:  # type: ignore[no-untyped-def]
    """The HTML the site stores for ``body`` (sanitized, typeset), the report's notes on it, block counts."""
    export = tmp_path / "export.xml"
    export.write_text(wxr(body, **kwargs), encoding="utf-8")
    migration = convert(export)
    text = migration.files["articles/post.html"].decode()
    stored = render_body(text.split("---\n", 2)[2], "html").html
    notes = [n for notes in migration.notes.values() for n in notes
             if not n.startswith("upload not copied")]  # the fixtures' media are on WordPress's test server
    return stored, notes, migration.blocks


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.classes = set(attrs.get("class", "").split())
        self.text = ""

    def ancestors(self):  # type: ignore[no-untyped-def]
        node = self.parent
        while node:
            yield node
            node = node.parent


class Tree(HTMLParser):
    VOID = {"img", "br", "hr", "source", "track", "input", "meta", "link"}

    def __init__(self, fragment: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        element = Element(tag, {k: v or "" for k, v in attrs}, self.open[-1] if self.open else None)
        self.elements.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        while self.open and self.open.pop().tag != tag:
            pass

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        for element in self.open:
            element.text += data


def _simple(selector: str, element: Element) -> bool:
    match = re.fullmatch(r"([a-z0-9]+)((?:\.[\w-]+)*)((?:\[[\w-]+(?:[\^$]?=[^\]]*)?\])*)", selector)
    assert match, selector
    tag, classes, attrs = match.groups()
    if element.tag != tag or not set(filter(None, classes.split("."))) <= element.classes:
        return False
    for name, op, value in re.findall(r"\[([\w-]+)([\^$]?=)?([^\]]*)\]", attrs):
        have = element.attrs.get(name)
        if have is None or op == "=" and have != value or op == "^=" and not have.startswith(value) or \
                op == "$=" and not have.endswith(value):
            return False
    return True


def find(stored: str, selector: str) -> list[Element]:
    """Elements matching a descendant selector such as ``figure.wp-block-audio audio[controls]``."""
    *outer, last = re.findall(r"(?:[^\s\[]|\[[^\]]*\])+", selector)
    found = []
    for element in Tree(stored).elements:
        if not _simple(last, element):
            continue
        ancestors, wanted = list(element.ancestors()), list(reversed(outer))
        for ancestor in ancestors:
            if wanted and _simple(wanted[0], ancestor):
                wanted.pop(0)
        if not wanted:
            found.append(element)
    return found


def shows(stored: str, selector: str, text: str | None = None) -> bool:
    return any(text is None or _squash(text) in _squash(e.text) for e in find(stored, selector))


def _squash(text: str) -> str:
    """White space folded, as a reader sees it."""
    return re.sub(r"\s+", " ", text).strip()


# fixture -> what a reader sees (selector, text or None), and words the report must say (or None).
EXPECTED: dict[str, tuple[list[tuple[str, str | None]], str | None]] = {
    "core__audio": ([("figure.wp-block-audio.alignright audio[controls]", None)], "<audio> source"),
    "core__button__custom-width": ([("div.wp-block-button a.wp-block-button__link", "Custom Width Button")], None),
    "core__button__squared": ([("div.wp-block-button a.wp-block-button__link", "My button")], None),
    "core__buttons": ([("div.wp-block-buttons.alignwide div.wp-block-button a", "My button 1"),
                       ("div.wp-block-buttons div.wp-block-button a", "My button 2")], None),
    "core__code": ([("pre.wp-block-code code", "return <Button>Click Me!</Button>;")], None),
    "core__column": ([("div.wp-block-column p", "Column One, Paragraph Two")], None),
    "core__columns": ([("div.wp-block-columns div.wp-block-column p", "Column One, Paragraph One"),
                       ("div.wp-block-columns div.wp-block-column p", "Column Three, Paragraph One")], None),
    "core__cover": ([("div.wp-block-cover img.wp-block-cover__image-background[src^=data:image/jpeg]", None),
                     ("div.wp-block-cover p.has-text-align-center", "Guten Berg!")], None),
    "core__cover__gradient-image": ([("div.wp-block-cover img.wp-block-cover__image-background[src]", None),
                                     ("div.wp-block-cover__inner-container p", "Cover!")], None),
    "core__cover__video": ([("div.wp-block-cover video.wp-block-cover__video-background[muted]", None),
                            ("div.wp-block-cover p", "Guten Berg!")], "<video> source data:"),
    "core__details": ([("details.wp-block-details summary", "Details")], None),
    "core__embed": ([("figure.wp-block-embed a[href=https://example.com/]", "example.com"),
                     ("figure.wp-block-embed figcaption", "Embedded content from an example URL")], None),
    "core__file__new-window": ([("div.wp-block-file a[href$=keycodes.js]", "6546"),
                                ("div.wp-block-file a.wp-block-file__button[download]", "Download")], None),
    "core__file__no-download-button": ([("div.wp-block-file a", "lkjfijwef")], None),
    "core__file__pdf-preview": ([("div.wp-block-file a", "yolo")], "PDF preview is shown as a link"),
    "core__footnotes": ([("ol.wp-block-footnotes li[id=1]", "test"), ("li a[href=#1-link]", "↩︎")], None),
    "core__freeform__undelimited": ([("p", "Testing freeform block with some"), ("div span", "content")], None),
    "core__gallery-with-caption": ([("figure.wp-block-gallery.columns-2 figure.wp-block-image img[alt]", None),
                                    ("figure.wp-block-gallery figcaption", "Gallery Caption")], None),
    "core__gallery": ([("figure.wp-block-gallery.columns-2 ul.blocks-gallery-grid li img", None)], None),
    "core__gallery__columns": ([("figure.wp-block-gallery.columns-1 li.blocks-gallery-item img", None)], None),
    "core__group": ([("div.wp-block-group.alignfull p", "This is a group block.")], None),
    "core__heading__deprecated-1": ([("h3.has-text-align-right", "A picture is worth a thousand words")], None),
    "core__heading__h2": ([("h2", "A picture is worth a thousand words, or so the saying goes")], None),
    "core__heading__h4-em": ([("h4 em", "Inserter"), ("h4", "The Inserter Tool")], None),
    "core__html": ([("h1", "Some HTML code"), ("div", "This is a div")], None),
    "core__image": ([("figure.wp-block-image img[src$=foo.png]", None)], None),
    "core__image__center-caption": ([("figure.wp-block-image.aligncenter img[src^=data:image/png]", None),
                                     ("figure.aligncenter figcaption", "Press the “really wide” button")], None),
    "core__image__custom-link": ([("figure.wp-block-image a[href=https://wordpress.org/] img", None)], None),
    "core__list-item": ([("li", None)], None),
    "core__list__deprecated-v0": ([("ul li", "two"), ("ul li", "three")], None),
    "core__list__deprecated-v2": ([("ol[type=A] li", "Item 1")], None),
    "core__list__ul": ([("ul li", "Text & Headings"), ("ul li em", "Lists")], None),
    "core__media-text": ([("div.wp-block-media-text.is-stacked-on-mobile figure.wp-block-media-text__media img",
                           None), ("div.wp-block-media-text__content p", "My Content")], None),
    "core__media-text__image-alt-no-align": ([("figure.wp-block-media-text__media img[alt=my alt]", None)], None),
    "core__media-text__video": ([("div.wp-block-media-text.alignwide figure video[controls]", None),
                                 ("div.wp-block-media-text__content p", "My Content")], "<video> source data:"),
    "core__paragraph__align-right": ([("p.has-text-align-right", "which is separate from the above")], None),
    "core__paragraph__deprecated": ([("p em", "still"), ("p", "Unwrapped is still valid.")], None),
    "core__preformatted": ([("pre.wp-block-preformatted em", "preformatted"),
                            ("pre.wp-block-preformatted", "And more!")], None),
    "core__pullquote": ([("figure.wp-block-pullquote blockquote p", "Testing pullquote block"),
                         ("figure.wp-block-pullquote cite", "with a caption")], None),
    "core__pullquote__multi-paragraph": ([("figure.wp-block-pullquote blockquote p strong", "one"),
                                          ("figure.wp-block-pullquote cite", "by whomever")], None),
    "core__quote__style-1": ([("blockquote.wp-block-quote p", "The editor will endeavour"),
                              ("blockquote.wp-block-quote p", "Matt Mullenweg, 2017")], None),
    "core__quote__style-2": ([("blockquote.wp-block-quote.is-style-large cite", "Maya Angelou")], None),
    "core__separator": ([("hr.wp-block-separator", None)], None),
    "core__spacer": ([("div.wp-block-spacer", None)], None),
    "core__table": ([("figure.wp-block-table table.has-fixed-layout thead th", "Musician"),
                     ("figure.wp-block-table td a[href^=https://wordpress.org/news/]", ".70")], None),
    "core__table__caption": ([("figure.wp-block-table figcaption", None), ("table td", "Miles Davis")], None),
    "core__table__scope-attribute": ([("table thead th[scope=col]", "Version")], None),
    "core__verse": ([("pre.wp-block-verse em", "verse"), ("pre.wp-block-verse", "And more!")], None),
    "core__video": ([("figure.wp-block-video video[controls]", None)], "<video> source data:"),
}


def test_every_fixture_has_its_expectations():
    assert sorted(EXPECTED) == sorted(p.name.split(".")[0] for p in FIXTURES.glob("core__*.html"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_block_fixture_shows_what_a_reader_saw_in_wordpress(tmp_path, name):
    source = next(FIXTURES.glob(f"{name}.*html")).read_text()
    stored, notes, counts = imported(tmp_path, source)
    elements, reported = EXPECTED[name]
    for selector, text in elements:
        assert shows(stored, selector, text), f"{name}: no {selector} showing {text!r} in\n{stored}"
    if reported:
        assert any(reported in note for note in notes), notes
    else:
        assert notes == [], notes
    # Every block was rendered or reported; no block's text went missing without a word.
    assert sum(counts.values()) == len(re.findall(r"<!--\s+wp:", source))
    words = Counter(re.findall(r"\w+", html.unescape(re.sub(r"<[^>]+>", " ", re.sub(
        r"<!--.*?-->|<(object|script)\b.*?</\1>", " ", source, flags=re.DOTALL))).lower()))
    shown = Counter(re.findall(r"\w+", html.unescape(re.sub(r"<[^>]+>", " ", stored)).lower()))
    assert not (words - shown) or notes, f"{name}: lost {sorted((words - shown).elements())[:10]}"


def test_audio_and_video_from_the_sites_media_or_https_play(tmp_path):
    stored, notes, _ = imported(tmp_path, '<!-- wp:audio --><figure class="wp-block-audio"><audio controls '
                                'src="https://cdn.example.org/a.mp3"></audio></figure><!-- /wp:audio -->'
                                '<!-- wp:video --><figure class="wp-block-video"><video controls '
                                'src="javascript:alert(1)"></video></figure><!-- /wp:video -->')
    assert find(stored, "audio[src=https://cdn.example.org/a.mp3][controls]")
    assert find(stored, "video[controls]") and not find(stored, "video[src]")
    assert any("<video> source javascript:alert(1)" in n for n in notes), notes


def test_embeds_become_cards_with_their_title_from_wordpress_cache_and_no_script(tmp_path):
    tweet = "https://twitter.com/WordPress/status/1057136472321613824"
    body = (f'<!-- wp:core-embed/twitter {{"url":"{tweet}","type":"rich","providerNameSlug":"twitter"}} -->\n'
            f'<figure class="wp-block-embed-twitter"><div class="wp-block-embed__wrapper">\n{tweet}\n</div></figure>\n'
            '<!-- /wp:core-embed/twitter -->\n'
            '<!-- wp:embed {"url":"https://www.youtube.com/watch?v=ex8fMxXJDJw","providerNameSlug":"youtube"} -->\n'
            '<figure class="wp-block-embed is-provider-youtube"><div class="wp-block-embed__wrapper">\n'
            'https://www.youtube.com/watch?v=ex8fMxXJDJw\n</div><figcaption>The keynote</figcaption></figure>\n'
            '<!-- /wp:embed -->')
    cache = {
        "_oembed_874fe46ae491204826d1694d2ef33bc0": '<blockquote class="twitter-tweet"><p lang="en">WordPress 5.0 '
        'Beta 2 <a href="https://t.co/x">https://t.co/x</a></p>&mdash; WordPress (@WordPress) <a href="https://twitter'
        '.com/WordPress/status/1057136472321613824?ref_src=twsrc">October 30, 2018</a></blockquote><script async '
        'src="https://platform.twitter.com/widgets.js"></script>',
        "_oembed_8954002f3cee8b890d4d590be308ea1a": '<iframe title="State of the Word 2018" width="720" '
        'src="https://www.youtube.com/embed/ex8fMxXJDJw?feature=oembed"></iframe>',
    }
    stored, notes, counts = imported(tmp_path, body, meta=cache)
    assert shows(stored, f"figure.embed-card a[href={tweet}] span.embed-title", "WordPress 5.0 Beta 2")
    assert shows(stored, "figure.embed-card span.embed-provider", "X (Twitter)")
    assert shows(stored, "figure.embed-card a[href=https://www.youtube.com/watch?v=ex8fMxXJDJw] span.embed-title",
                 "State of the Word 2018")
    assert shows(stored, "figure.embed-card figcaption", "The keynote")
    assert "<script" not in stored and "<iframe" not in stored and notes == [] and counts["rendered"] == 2


def test_footnotes_come_from_the_posts_meta_and_link_both_ways(tmp_path):
    body = ('<!-- wp:paragraph --><p>A claim<sup data-fn="9b7b-4c" class="fn"><a href="#9b7b-4c" id="9b7b-4c-link">1'
            '</a></sup>.</p><!-- /wp:paragraph -->\n<!-- wp:footnotes /-->')
    stored, notes, _ = imported(tmp_path, body, meta={"footnotes": '[{"content":"The <em>source</em> said so.",'
                                                                   '"id":"9b7b-4c"}]'})
    assert shows(stored, "p sup.fn a[href=#9b7b-4c][id=9b7b-4c-link]", "1")
    assert shows(stored, "ol.wp-block-footnotes li[id=9b7b-4c]", "The source said so.")
    assert shows(stored, "ol.wp-block-footnotes li a[href=#9b7b-4c-link]") and notes == []


def test_reusable_blocks_are_replaced_by_their_content(tmp_path):
    reusable = ('<item><title>Signup</title><wp:post_id>77</wp:post_id><wp:post_type>wp_block</wp:post_type>'
                '<wp:status>publish</wp:status><content:encoded><![CDATA[<!-- wp:paragraph --><p>Get our newsletter'
                '</p><!-- /wp:paragraph -->]]></content:encoded></item>')
    stored, notes, _ = imported(tmp_path, '<!-- wp:block {"ref":77} /-->\n<!-- wp:block {"ref":78} /-->',
                                extra_items=reusable)
    assert shows(stored, "p", "Get our newsletter")
    assert notes == ["block wp:block: reusable block 78 is not in the export; left out"]


def test_dynamic_and_plugin_blocks_are_reported_by_name(tmp_path):
    body = ('<!-- wp:latest-posts {"postsToShow":3} /-->\n<!-- wp:paragraph --><p>Kept</p><!-- /wp:paragraph -->\n'
            '<!-- wp:nextpage --><!--nextpage--><!-- /wp:nextpage -->\n'
            '<!-- wp:acme/poll {"id":3} /-->\n<!-- wp:acme/box --><div class="acme-box">Boxed</div><!-- /wp:acme/box -->')
    stored, notes, counts = imported(tmp_path, body)
    assert shows(stored, "p", "Kept") and shows(stored, "div", "Boxed")
    assert notes == ["block wp:latest-posts: drawn by WordPress from the whole site at view time; left out",
                     "block wp:acme/poll: block acme/poll has no saved HTML (drawn by its plugin); left out",
                     "block wp:acme/box: block acme/box is not a core block; its saved HTML is kept"]
    assert counts == {"rendered": 2, "reported": 3}  # the page break is kept: the post shows a part at a time


def test_classic_content_shortcodes_and_alignment_keep_their_meaning(tmp_path):
    body = ('<p style="text-align: center;">Centred</p>\n\n<img class="alignright size-medium" src="https://cdn.example'
            '.org/a.jpg" alt="A">\n\nhttps://www.youtube.com/watch?v=abcdefgh\n\n'
            '[audio mp3="https://cdn.example.org/talk.mp3"][/audio]\n\n[video src="/media/clip.mp4" poster="/media/p.jpg"]'
            '\n\n[embed]https://vimeo.com/123456[/embed]')
    stored, notes, _ = imported(tmp_path, body)
    assert shows(stored, "p.has-text-align-center", "Centred") and find(stored, "img.alignright[src]")
    assert shows(stored, "figure.embed-card a[href=https://www.youtube.com/watch?v=abcdefgh] span.embed-provider",
                 "YouTube")
    assert find(stored, "figure.wp-block-audio audio[controls] source[src=https://cdn.example.org/talk.mp3]")
    assert find(stored, "figure.wp-block-video video[controls][poster=/media/p.jpg] source[src=/media/clip.mp4]")
    assert shows(stored, "figure.embed-card a[href=https://vimeo.com/123456] span.embed-provider", "Vimeo")
    assert notes == []


def test_a_cover_whose_image_wordpress_kept_in_a_style_keeps_it(tmp_path):
    body = ('<!-- wp:cover {"url":"https://cdn.example.org/sea.jpg","hasParallax":true,"isRepeated":true} -->\n'
            '<div class="wp-block-cover has-parallax is-repeated" style="background-image:url(https://cdn.example.org/'
            'sea.jpg)"><div class="wp-block-cover__inner-container"><!-- wp:paragraph --><p>At sea</p>'
            '<!-- /wp:paragraph --></div></div>\n<!-- /wp:cover -->')
    stored, notes, _ = imported(tmp_path, body)
    assert find(stored, "div.wp-block-cover.has-parallax img.wp-block-cover__image-background"
                        "[src=https://cdn.example.org/sea.jpg]")
    assert shows(stored, "div.wp-block-cover p", "At sea") and "style=" not in stored and notes == []


@pytest.mark.parametrize("hostile", [
    '<!-- wp:html --><script>alert(1)</script><p>after</p><!-- /wp:html -->',
    '<!-- wp:embed {"url":"javascript:alert(1)"} --><figure class="wp-block-embed">x</figure><!-- /wp:embed -->',
    '<!-- wp:cover {"url":"javascript:alert(1)"} --><div class="wp-block-cover"></div><!-- /wp:cover -->',
    '<!-- wp:footnotes /-->',
])
def test_hostile_block_content_is_harmless(tmp_path, hostile):
    from tests.unit.test_markup import assert_harmless

    stored, _, _ = imported(tmp_path, hostile, meta={"footnotes": '[{"id":"x\\" onclick=\\"alert(1)","content":'
                                                                  '"<img src=x onerror=alert(1)>"}]'})
    assert_harmless(stored)


def test_the_block_parser_keeps_every_character_between_delimiters():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pieces = st.sampled_from(["<!-- wp:paragraph -->", "<!-- /wp:paragraph -->", "<!-- wp:image {\"id\":1} /-->",
                              "<!-- wp:group {\"a\":{\"b\":\"}\"}} -->", "<!-- /wp:group -->", "<!-- /wp:quote -->",
                              "<p>", "</p>", "text", " ", "}", "-->", "<!--", "\n"])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(pieces, max_size=30))
    def check(parts: list[str]) -> None:
        content = "".join(parts)
        tree = blocks.parse(content)

        def strings(nodes):  # type: ignore[no-untyped-def]
            for node in nodes:
                if isinstance(node, str):
                    yield node
                else:
                    yield from strings(node.parts)

        assert "".join(strings(tree)) == blocks.DELIMITER.sub("", content)
        notes: list[str] = []
        blocks.render(content, blocks.Context(notes.append, lambda text: text))

    check()
