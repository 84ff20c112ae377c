"""Turn an article body into safe HTML, once, at ingest.

Markdown (CommonMark plus GitHub tables and strikethrough) is rendered by
markdown-it-py; the result, or an HTML body as uploaded, is then cleaned by
nh3 (the Ammonia sanitizer) against an allowlist. Only ingest imports this
module: the web handler serves the stored HTML and never loads either library.

Cross-links: a link with no text to another article, ``[](/other-slug/)``, is
stored as a marker ``<!--xref:other-slug-->`` that the page renderer replaces
with a link showing that article's *current* title (see ``pages.fill_xrefs``).
Comments never survive sanitizing, so a marker can only come from here.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "del", "dd", "div", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "abbr": {"title"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
URL_SCHEMES = {"http", "https", "mailto"}

_XREF_ANCHOR = re.compile(r'<a href="/([a-z0-9-]+)/?"(?: rel="[^"]*")?></a>')
_TAG = re.compile(r"<[^>]+>")

_markdown = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


@dataclass(frozen=True)
class RenderedBody:
    """Sanitized body HTML plus what the renderer needs to know about it."""

    html: str
    xrefs: tuple[str, ...]  # slugs of cross-linked articles, in order
    excerpt: str  # plain text of the first paragraph, for summaries


def render_body(body: str, body_format: str) -> RenderedBody:
    """Render Markdown (or take HTML), sanitize it, and find the cross-links."""
    raw = _markdown.render(body) if body_format == "markdown" else body
    clean = sanitize_html(raw)
    xrefs: list[str] = []

    def to_marker(match: re.Match[str]) -> str:
        slug = match.group(1)
        if slug not in xrefs:
            xrefs.append(slug)
        return f"<!--xref:{slug}-->"

    marked = _XREF_ANCHOR.sub(to_marker, clean)
    return RenderedBody(html=marked, xrefs=tuple(xrefs), excerpt=first_paragraph_text(clean))


def sanitize_html(raw: str) -> str:
    """Keep only allowlisted tags, attributes and URL schemes."""
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


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
    found: list[str] = []
    for attrs in _IMG.findall(clean_html):
        src = dict(_ATTR.findall(attrs)).get("src", "")
        if src.startswith("/media/") and src not in found:
            found.append(src)
    return found


def finish_images(clean_html: str, sizes: dict[str, tuple[int, int]]) -> str:
    """Give every image its width and height (where known) and lazy loading.

    Runs after sanitizing, so the attributes it adds are ours, not the editor's.
    Known sizes stop the layout from shifting as images arrive.
    """

    def rebuild(match: re.Match[str]) -> str:
        attrs = dict(_ATTR.findall(match.group(1)))
        size = sizes.get(attrs.get("src", ""))
        if size and "width" not in attrs and "height" not in attrs:
            attrs["width"], attrs["height"] = str(size[0]), str(size[1])
        attrs.setdefault("alt", "")
        attrs["loading"] = "lazy"
        attrs["decoding"] = "async"
        return "<img " + " ".join(f'{name}="{value}"' for name, value in attrs.items()) + ">"

    return _IMG.sub(rebuild, clean_html)
