"""Turn an article body into safe HTML, once, at ingest.

Markdown (CommonMark plus GitHub tables and strikethrough) is rendered by
markdown-it-py; the result, or an HTML body as uploaded, is then cleaned by
nh3 (the Ammonia sanitizer) against an allowlist. Only ingest imports this
module: the web handler serves the stored HTML and never loads either library.

Typography (curly quotes, dashes, ellipses) is set by smartypants on the
sanitized HTML, so imported and newly written articles read alike.

Photos with a caption and a credit: in Markdown, an image alone on a paragraph's first line and
the caption on the lines after it, the last one ``Credit: ...`` when there is a credit; in HTML,
``<figure>`` with ``<img>`` and ``<figcaption>``, the credit last in ``<small class="credit">``.
Both render as that ``<figure>`` (``_figures``; docs/content-format.md).

Embeds: an address of a provider in ``chalicelib.content.embeds`` alone in a paragraph, a line of
its own in Markdown or ``<p>address</p>`` in HTML, becomes the same link card the WordPress import
writes (``_embed_cards``), in both formats by one rule on the HTML before sanitizing.

Cross-links: a link with no text to another article, ``[](/other-slug/)``, is
stored as a marker ``<!--xref:other-slug-->`` that the page renderer replaces
with a link showing that article's *current* title (see ``pages.fill_xrefs``).
Comments never survive sanitizing, so a marker can only come from here.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from typing import Any

import nh3
import smartypants
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from chalicelib.bodies import PAGE_BREAK
from chalicelib.content.embeds import embed_card, provider

ALLOWED_TAGS = {
    "a", "abbr", "address", "audio", "b", "blockquote", "br", "caption", "cite", "code", "del", "dd",
    "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "source", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "track", "u", "ul", "video",
    "var", "samp", "dfn",
}
# HTML's obsolete phrase elements, as WordPress's posts still carry them: each becomes the element
# HTML5 has for the same meaning (an acronym is an abbreviation, teletype text is code), so the
# words keep their markup and the page stays valid HTML.
OBSOLETE_ELEMENTS = {"acronym": "abbr", "tt": "code", "big": 'span class="is-big"'}
_OBSOLETE = re.compile(r"<(/?)(acronym|tt|big)\b", re.IGNORECASE)
# WordPress's page break in a post's body: <!--nextpage--> (Markdown passes it through as HTML).
_NEXTPAGE = re.compile(r"<!--\s*nextpage\s*-->", re.IGNORECASE)
_MEDIA = {"src", "preload", "controls", "loop", "muted"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id", "download", "target"},  # target: "_blank" only, with rel="noopener" (nh3)
    "img": {"src", "alt", "title", "width", "height"},
    "audio": _MEDIA,
    "video": _MEDIA | {"poster", "autoplay", "playsinline", "width", "height"},
    "source": {"src", "type"},
    "track": {"src", "kind", "srclang", "label", "default"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start", "reversed", "type"},
    "li": {"id"},
    "sup": {"id"},
    "details": {"open"},
    "abbr": {"title"},
    "dfn": {"title"},
    "q": {"cite"},
    "blockquote": {"cite"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
URL_SCHEMES = {"http", "https", "mailto", "data"}  # data: only as an image's src: see _attribute

# The classes our stylesheet (templates/site/style.css) draws: WordPress's own block and alignment
# classes, kept so that imported posts keep their layout, and editors may use them too. Any other
# class is dropped.
BLOCK_CLASSES = frozenset({
    "alignleft", "alignright", "aligncenter", "alignwide", "alignfull", "alignnone",
    "has-text-align-left", "has-text-align-center", "has-text-align-right",
    "wp-block-image", "wp-block-gallery", "blocks-gallery-grid", "blocks-gallery-item", "blocks-gallery-caption",
    "has-nested-images", "is-cropped", "gallery", "wp-caption",
    *(f"columns-{n}" for n in range(1, 11)),  # [gallery columns="10"] is WordPress's too
    "wp-block-columns", "wp-block-column", "are-vertically-aligned-center", "is-not-stacked-on-mobile",
    "wp-block-group", "wp-block-media-text", "wp-block-media-text__media", "wp-block-media-text__content",
    "has-media-on-the-right", "is-stacked-on-mobile", "is-image-fill",
    "wp-block-cover", "wp-block-cover__image-background", "wp-block-cover__video-background",
    "wp-block-cover__inner-container", "wp-block-cover__background", "has-background-dim", "has-parallax",
    "is-repeated", "is-light",
    "wp-block-buttons", "wp-block-button", "wp-block-button__link", "is-style-outline",
    "wp-block-quote", "wp-block-pullquote", "is-style-large", "is-style-solid-color",
    "wp-block-verse", "wp-block-code", "wp-block-preformatted", "wp-block-table", "is-style-stripes",
    "has-fixed-layout", "wp-block-file", "wp-block-file__button", "wp-block-audio", "wp-block-video",
    "wp-block-separator", "is-style-wide", "is-style-dots", "wp-block-spacer", "wp-block-details",
    "wp-block-footnotes", "fn", "wp-element-caption",
    "wp-block-embed", "embed-card", "embed-title", "embed-provider", "embed-url",
    "is-big",  # what <big> was
    "wp-nextpage",  # <hr>: a <!--nextpage--> break (pages show one part at a time: chalicelib/site/pages.py)
})
_CLASSED_TAGS = ("a", "audio", "blockquote", "details", "div", "figcaption", "figure", "h1", "h2", "h3", "h4",
                 "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "span", "summary", "sup", "table", "ul",
                 "video")
CREDIT_CLASS = "credit"  # a photo's credit, last in its <figcaption>: <small class="credit">
ALLOWED_CLASSES = {tag: set(BLOCK_CLASSES) for tag in _CLASSED_TAGS} | {"small": {CREDIT_CLASS}}

# Ids an article may carry (heading anchors, footnotes), except those the page's own templates use.
BODY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}")
TEMPLATE_IDS = re.compile(r"(?:comments?|respond|content|q|related-heading|(?:comment|widget|email|name|text|"
                          r"website)-.*)")
DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp|avif);base64,[A-Za-z0-9+/=\s]+", re.IGNORECASE)
MEDIA_TAGS = {"audio", "video", "source", "track"}
MEDIA_SOURCES = ("https://", "/media/")  # where audio and video may play from


def _attribute(tag: str, name: str, value: str) -> str | None:
    """nh3's last word on each attribute that the allowlist kept."""
    if name == "id":
        return value if BODY_ID.fullmatch(value) and not TEMPLATE_IDS.fullmatch(value) else None
    if name == "target":
        return "_blank" if value.strip().lower() == "_blank" else None
    if name in ("src", "href", "cite", "poster"):
        if value.lower().startswith("data:"):
            return value if tag == "img" and name == "src" and DATA_IMAGE.fullmatch(value) else None
        if tag in MEDIA_TAGS or name == "poster":
            return value if is_media_source(value) else None
    return value


def is_media_source(url: str) -> bool:
    """Audio and video play from https: or from the site's own media, nothing else."""
    return url.startswith(MEDIA_SOURCES)


_XREF_ANCHOR = re.compile(r'<a href="/([a-z0-9-]+)/?"(?: rel="[^"]*")?></a>')
_TAG = re.compile(r"<[^>]+>")

_markdown = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_CREDIT = re.compile(r"credit:[ \t]*", re.IGNORECASE)


def _figures(state: StateCore) -> None:
    """A paragraph whose first line is one image and whose next lines are its caption (the last one
    ``Credit: ...`` when there is a credit) is a photo: ``<figure>`` with ``<figcaption>``."""
    tokens: list[Token] = []
    at = 0
    while at < len(state.tokens):
        token = state.tokens[at]
        children = state.tokens[at + 1].children if token.type == "paragraph_open" else None
        if children and len(children) >= 3 and children[0].type == "image" and children[1].type == "softbreak":
            figure = Token("html_block", "", 0)
            figure.content = _figure_html(state, children)
            tokens.append(figure)
            at += 3
            continue
        tokens.append(token)
        at += 1
    state.tokens = tokens


def _figure_html(state: StateCore, children: list[Token]) -> str:
    """A figure's HTML from its paragraph's inline tokens: the image, then the caption's lines."""
    lines: list[list[Token]] = [[]]
    for child in children[2:]:
        if child.type == "softbreak":
            lines.append([])
        else:
            lines[-1].append(child)
    credit: list[Token] = []
    last = lines[-1]
    if last and last[0].type == "text" and _CREDIT.match(last[0].content):
        first = last[0].copy()
        first.content = _CREDIT.sub("", first.content, count=1)
        credit = [first, *last[1:]]
        lines.pop()
    renderer, options, env = state.md.renderer, state.md.options, state.env
    assert isinstance(renderer, RendererHTML)  # the only renderer ours has
    caption = "\n".join(renderer.renderInline(line, options, env) for line in lines).strip()
    credit_html = renderer.renderInline(credit, options, env).strip() if credit else ""
    if credit_html:
        caption += (" " if caption else "") + f'<small class="{CREDIT_CLASS}">{credit_html}</small>'
    image = renderer.renderInline(children[:1], options, env)
    return f"<figure>{image}<figcaption>{caption}</figcaption></figure>\n"


_markdown.core.ruler.push("figures", _figures)
# An address alone in a paragraph: a line of its own in Markdown, <p>address</p> in HTML.
_EMBED_LINE = re.compile(r"<p>[ \t\r\n]*(https?://[^\s<>\"]+)[ \t\r\n]*</p>")


def _embed_cards(raw: str) -> str:
    """Each embed address alone in a paragraph, as the link card the site shows for embeds."""
    def card(match: re.Match[str]) -> str:
        url = html.unescape(match.group(1))
        return embed_card(url, None) if provider(url) else match.group(0)

    return _EMBED_LINE.sub(card, raw)


@dataclass(frozen=True)
class RenderedBody:
    """Sanitized body HTML plus what the renderer needs to know about it."""

    html: str
    xrefs: tuple[str, ...]  # slugs of cross-linked articles, in order
    excerpt: str  # plain text of the first paragraph, for summaries
    image_set: dict[str, Any] | None = None  # the featured image's sizes (images.picture_set), once known
    media: tuple[str, ...] = ()  # the media/ keys of the photos it shows or links to
    warnings: tuple[str, ...] = ()  # for the editor's report (an image without alt text...)


def render_body(body: str, body_format: str) -> RenderedBody:
    """Render Markdown (or take HTML), sanitize it, and find the cross-links."""
    raw = _embed_cards(_markdown.render(body) if body_format == "markdown" else body)
    raw = _NEXTPAGE.sub(PAGE_BREAK, raw)  # a comment the sanitizer would drop: kept as an element it keeps
    clean = typeset(sanitize_html(_OBSOLETE.sub(_modern_element, raw)))
    xrefs: list[str] = []

    def to_marker(match: re.Match[str]) -> str:
        slug = match.group(1)
        if slug not in xrefs:
            xrefs.append(slug)
        return f"<!--xref:{slug}-->"

    marked = _XREF_ANCHOR.sub(to_marker, clean)
    return RenderedBody(html=marked, xrefs=tuple(xrefs), excerpt=first_paragraph_text(clean))


def _modern_element(match: re.Match[str]) -> str:
    """``<acronym`` -> ``<abbr``, ``</big`` -> ``</span``: an obsolete element's tag as HTML5 has it."""
    closing, name = match.group(1), OBSOLETE_ELEMENTS[match.group(2).lower()]
    return f"<{closing}{name.split()[0] if closing else name}"


def sanitize_html(raw: str) -> str:
    """Keep only allowlisted tags, attributes and URL schemes."""
    return _cleaner().clean(raw).replace(' class=""', "")


@functools.cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


# Each alternative may start only where a run of its characters starts (the look-behinds), and its
# runs never give back (possessive): on a 100 KB word the old pattern tried every start, 90 s of CPU.
_URL_TEXT = re.compile(r"(?<![a-z0-9+.-])(?:[a-z][a-z0-9+.-]*+://|www\.)[^\s<>\"']++"
                       r"|(?<![\w.+-])[\w.+-]++@[\w-]++\.[\w.-]++", re.IGNORECASE)
_HELD = re.compile("\x00(\\d+)\x00")
# Where smartypants opens a quote that is an apostrophe, as wptexturize knows: a decade ('90s), rock 'n'
# roll, and wptexturize's own list of words that start elided ('cause, 'tis, 'em...).
_ELIDED = re.compile(r"\u2018(?=\d\ds\b)|(?<=\s)\u2018(?=n\u2019\s)"
                     r"|\u2018(?=(?:tain\u2019t|twere|twas|tis|twill|til|bout|nuff|round|cause|em)\b)", re.IGNORECASE)
_TYPOGRAPHY = smartypants.Attr.q | smartypants.Attr.b | smartypants.Attr.e | smartypants.Attr.u | smartypants.Attr.w
# Dashes and dimensions as wptexturize makes them, in each run of text between two tags (so "^" and
# "$" are a tag's edge too): "---" and a spaced "--" are em dashes, any other "--" an en dash (not
# in punycode's "xn--"), a spaced "-" an en dash, and "150x150" a multiplication sign.
_SPACE = r"(?:[\r\n\t \xa0]|&nbsp;|&#160;)"
_AFTER_SPACE = r"(?:(?<=^)|(?<=[\r\n\t \xa0])|(?<=&nbsp;)|(?<=&#160;))"
_DASHES = (
    (re.compile(r"---"), "\u2014"),
    (re.compile(rf"{_AFTER_SPACE}--(?={_SPACE}|$)"), "\u2014"),
    (re.compile(r"(?<!xn)--"), "\u2013"),
    (re.compile(rf"{_AFTER_SPACE}-(?={_SPACE}|$)"), "\u2013"),
    (re.compile(r"\b((?:0[\d.,]+|[1-9][\d.,]*))x(\d[\d.,]*)\b"), "\\1\u00d7\\2"),
    (re.compile(r" \(tm\)", re.IGNORECASE), " \u2122"),
)
_RAW_TEXT = ("pre", "code", "kbd", "samp", "script", "style", "tt", "var")  # wptexturize leaves these alone
_TAG_OR_TEXT = re.compile(r"(<!--.*?-->|<[^>]*>)", re.DOTALL)


def typeset(clean_html: str) -> str:
    """Curly quotes and apostrophes, en and em dashes (``--``, ``---``) and ellipses, as WordPress's
    wptexturize shows them: in text only, never in tags and attributes, ``<pre>``/``<code>``/``<kbd>``,
    or in URLs and e-mail addresses written out in the text."""
    held: list[str] = []

    def hold(match: re.Match[str]) -> str:
        held.append(match.group(0))
        return f"\x00{len(held) - 1}\x00"

    # A backslash is shown as written, as WordPress shows it; smartypants would read "\\'" as an escape.
    text = clean_html.replace("\x00", "").replace("\x01", "").replace("\\", "\x01")
    dashed = _dashes(_URL_TEXT.sub(hold, text))
    typeset_html = smartypants.smartypants(dashed, _TYPOGRAPHY)
    typeset_html = _ELIDED.sub("\u2019", typeset_html)
    return _HELD.sub(lambda match: held[int(match.group(1))], typeset_html).replace("\x01", "\\")


def _dashes(html_text: str) -> str:
    """wptexturize's dashes and dimensions (``_DASHES``) in each run of text, outside tags and
    outside the elements whose text is literal (``_RAW_TEXT``)."""
    out, literal = [], 0
    for part in _TAG_OR_TEXT.split(html_text):
        if part.startswith("<"):
            name = re.match(r"</?([a-zA-Z0-9]+)", part)
            if name and name.group(1).lower() in _RAW_TEXT and not part.endswith("/>"):
                literal = max(0, literal + (-1 if part.startswith("</") else 1))
            out.append(part)
        elif literal or not part:
            out.append(part)
        else:
            for pattern, replacement in _DASHES:
                part = pattern.sub(replacement, part)
            out.append(part)
    return "".join(out)


def typeset_text(text: str) -> str:
    """``typeset`` for plain text (titles, summaries): the same quotes and dashes, and the
    text stays text (a ``<`` in a headline is not taken for a tag)."""
    return html.unescape(typeset(html.escape(text, quote=False)))


def first_paragraph_text(clean_html: str, limit: int = 300) -> str:
    """Plain text of the first non-empty paragraph, cut at a word boundary."""
    for para in re.findall(r"<p>(.*?)</p>", clean_html, flags=re.DOTALL):
        text = html.unescape(_TAG.sub("", para)).strip()
        if text:
            if len(text) <= limit:
                return text
            return text[:limit].rsplit(" ", 1)[0] + "…"
    return ""


_IMG = re.compile(r"<img\b([^>]*)>")
_ATTR = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


def media_images(clean_html: str) -> list[str]:
    """The ``/media/...`` image sources in sanitized HTML, in order, once each."""
    return list(dict.fromkeys(src for attrs in _image_attributes(clean_html)
                              if (src := attrs.get("src", "")).startswith("/media/")))


def _image_attributes(clean_html: str) -> list[dict[str, str]]:
    """The attributes of each ``<img>`` in sanitized HTML (values as written, escaped)."""
    return [dict(_ATTR.findall(attrs)) for attrs in _IMG.findall(clean_html)]


_LONE_IMAGE = re.compile(r"<p>\s*(<img\b[^>]*>)\s*</p>")


def describe_images(clean_html: str, words: dict[str, dict[str, str | None]]) -> str:
    """What the media library says of each photo (``words``: src -> its ``alt``, ``caption`` and
    ``credit``), where the article says nothing: an image without alt text gets the photo's, and a
    photo alone in a paragraph becomes a ``<figure>`` with the photo's caption and credit. The
    article's own words always win (an ``alt`` written, a figure with its caption)."""
    if not words:
        return clean_html

    def captioned(match: re.Match[str]) -> str:
        said = words.get(html.unescape(dict(_ATTR.findall(match.group(1))).get("src", ""))) or {}
        if not (said.get("caption") or said.get("credit")):
            return match.group(0)
        caption = html.escape(said.get("caption") or "", quote=False)
        if said.get("credit"):
            credit = html.escape(said.get("credit") or "", quote=False)
            caption += (" " if caption else "") + f'<small class="{CREDIT_CLASS}">{credit}</small>'
        return f"<figure>{match.group(1)}<figcaption>{caption}</figcaption></figure>"

    def alt(match: re.Match[str]) -> str:
        attrs = dict(_ATTR.findall(match.group(1)))
        given = (words.get(html.unescape(attrs.get("src", ""))) or {}).get("alt")
        if not given or attrs.get("alt", "").strip():
            return match.group(0)
        attrs["alt"] = html.escape(given, quote=True)
        return "<img " + " ".join(f'{name}="{value}"' for name, value in attrs.items()) + ">"

    return _IMG.sub(alt, _LONE_IMAGE.sub(captioned, clean_html))


def finish_images(clean_html: str, sizes: dict[str, tuple[int, int]],
                  sets: dict[str, dict[str, Any]] | None = None) -> str:
    """Give every image its width and height (where known) and lazy loading; a photo with sizes
    (``sets``: src -> ``images.picture_set``) becomes a ``<picture>`` with ``srcset``.

    Runs after sanitizing, so the attributes it adds are ours, not the editor's.
    Known sizes stop the layout from shifting as images arrive.
    """
    from chalicelib.content import images

    def rebuild(match: re.Match[str]) -> str:
        attrs = dict(_ATTR.findall(match.group(1)))
        if sets and attrs.get("src", "") in sets:
            return images.picture_html(sets[attrs["src"]], attrs)
        size = sizes.get(attrs.get("src", ""))
        if size and "width" not in attrs and "height" not in attrs:
            attrs["width"], attrs["height"] = str(size[0]), str(size[1])
        attrs.setdefault("alt", "")
        attrs["loading"] = "lazy"
        attrs["decoding"] = "async"
        return "<img " + " ".join(f'{name}="{value}"' for name, value in attrs.items()) + ">"

    def relink(match: re.Match[str]) -> str:  # a link to a photo's original gets its largest clean copy
        return match.group(1) + html.escape((sets or {})[match.group(2)]["largest"]) + match.group(3)

    finished = _IMG.sub(rebuild, clean_html)
    if sets:
        finished = _MEDIA_LINK.sub(lambda m: relink(m) if m.group(2) in sets else m.group(0), finished)
    return finished


_MEDIA_LINK = re.compile(r'(<a\b[^>]*?\shref=")(/media/[^"]+)(")')


def media_links(clean_html: str) -> list[str]:
    """The ``/media/...`` targets of links in sanitized HTML (a photo linked to its original)."""
    return list(dict.fromkeys(m.group(2) for m in _MEDIA_LINK.finditer(clean_html)))


def missing_alt(clean_html: str, featured: str | None, featured_alt: str) -> list[tuple[str, str]]:
    """Each image a reader who cannot see it gets no words for, as (field, message): the body's images
    without alt text, and a featured image without ``image_alt``. Ingest and ``newsroom check`` say
    these as warnings, or refuse the file where the site's settings say ``require_alt``."""
    missing = [("body", f"image {src or '(no src)'} has no alt text: describe it for readers who cannot see it")
               for src in images_without_alt(clean_html)]
    if featured and not featured_alt.strip():
        missing.append(("image_alt", f"the featured image {featured} has no alt text: describe it in image_alt"))
    return missing


REQUIRE_ALT = " (the site's settings say require_alt)"  # what a refusal adds to a missing_alt message


def images_without_alt(clean_html: str) -> list[str]:
    """The sources of the images in sanitized HTML that have no alt text (or only spaces)."""
    return [html.unescape(attrs.get("src", "")) for attrs in _image_attributes(clean_html)
            if not attrs.get("alt", "").strip()]
