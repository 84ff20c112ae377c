"""WordPress block-editor (Gutenberg) content, turned into the HTML our site shows.

A post saved by the block editor is HTML with its blocks marked by comments::

    <!-- wp:image {"align":"wide"} --><figure class="wp-block-image alignwide">...</figure><!-- /wp:image -->
    <!-- wp:latest-posts /-->

``parse`` reads that grammar as WordPress's own parser does (``WP_Block_Parser``: the same
delimiter pattern; an unclosed block ends with the document; a stray closer is text), and
``render`` writes each block as a reader of the WordPress site saw it, from the HTML WordPress
saved, mended where WordPress draws the block at view time:

- embeds become a card (title, provider, link) with no third-party script;
- footnotes come from the post's ``footnotes`` meta;
- a cover keeps its background image even when WordPress kept it in a style attribute;
- reusable blocks (``wp:block``) are replaced by their content;
- dynamic blocks (latest posts, archives...) have no saved HTML: they are reported.

The sanitizer (``chalicelib.content.markup``) keeps WordPress's block and alignment classes from a fixed
allowlist, so the layout survives. Whatever cannot be shown is *reported* through ``note`` with
the block's name; a block whose text would not survive sanitizing is reported too, so nothing is
dropped silently.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from chalicelib.content.embeds import PROVIDERS as PROVIDERS  # wordpress/shortcodes.py reads them here
from chalicelib.content.embeds import embed_card as embed_card
from chalicelib.content.markup import sanitize_html

# WP_Block_Parser's delimiter pattern (wp-includes/class-wp-block-parser.php), possessive as there.
DELIMITER = re.compile(
    r"<!--\s+(?P<closer>/)?wp:(?P<namespace>[a-z][a-z0-9_-]*/)?(?P<name>[a-z][a-z0-9_-]*)\s+"
    r"(?P<attrs>\{(?:(?:[^}]+|\}+(?=\})|(?!\}\s+/?-->).)*+)?\}\s+)?(?P<void>/)?-->", re.DOTALL)

# Blocks whose saved HTML is what WordPress shows; the sanitizer keeps their classes.
STATIC = {
    "paragraph", "heading", "list", "list-item", "quote", "pullquote", "verse", "preformatted", "code",
    "table", "separator", "image", "gallery", "columns", "column", "group", "row", "stack", "buttons",
    "button", "media-text", "details", "details-summary", "details-content", "audio", "video", "spacer",
    "cover", "text-columns", "subhead", "missing",
}
# Dynamic blocks with nothing of the post's own to show (drawn from the whole site at view time).
SITE_WIDGETS = {
    "latest-posts", "latest-comments", "archives", "categories", "tag-cloud", "calendar", "rss", "search",
    "page-list", "navigation", "social-links", "social-link", "loginout", "post-title", "post-date",
    "post-author", "post-excerpt", "post-featured-image", "post-terms", "query", "comments", "site-title",
    "site-logo", "site-tagline", "template-part", "legacy-widget", "widget-group",
}
_FIRST_TAG = re.compile(r"^(\s*<[a-z][a-z0-9]*)((?:\s[^>]*)?)(/?>)", re.IGNORECASE)
_CLASS = re.compile(r'\sclass="([^"]*)"')
_TAGS = re.compile(r"<[^>]*>")
_WORDS = re.compile(r"\w+")
_LIST_TYPES = {"decimal": "1", "lower-alpha": "a", "upper-alpha": "A", "lower-roman": "i", "upper-roman": "I"}
_MAX_DEPTH = 20  # reusable blocks inside reusable blocks: WordPress stops loops too


@dataclass
class Block:
    name: str  # "core/paragraph", "jetpack/slideshow"
    attrs: dict[str, Any]
    parts: list[str | Block] = field(default_factory=list)  # saved HTML and inner blocks, in order
    void: bool = False
    too_deep: bool = False  # blocks inside it past MAX_BLOCK_DEPTH lost their delimiters

    @property
    def short(self) -> str:
        return self.name.removeprefix("core/")

    def saved_html(self) -> str:
        return "".join(p if isinstance(p, str) else p.saved_html() for p in self.parts)


def has_blocks(content: str) -> bool:
    return DELIMITER.search(content) is not None


MAX_BLOCK_DEPTH = 40  # blocks inside blocks; deeper delimiters are dropped, their content kept


def parse(content: str) -> list[str | Block]:
    """The document as freeform HTML and blocks, as ``WP_Block_Parser::parse`` reads it. Blocks nested
    deeper than ``MAX_BLOCK_DEPTH`` lose their delimiters (never their content), so no post can make
    rendering recurse without bound (500 nested groups did); ``render`` reports it."""
    top: list[str | Block] = []
    stack: list[Block] = []
    at, skipped = 0, 0
    for match in DELIMITER.finditer(content):
        text = content[at:match.start()]
        at = match.end()
        (stack[-1].parts if stack else top).append(text) if text else None
        name = (match.group("namespace") or "core/") + match.group("name")
        if match.group("closer") and skipped:
            skipped -= 1  # closes a block whose opener was dropped for its depth
            continue
        if not match.group("closer") and not match.group("void") and len(stack) >= MAX_BLOCK_DEPTH:
            stack[-1].too_deep = True  # the delimiter goes; what it wraps stays in the deepest block
            skipped += 1
            continue
        if match.group("closer"):
            if stack and stack[-1].name == name:
                stack.pop()
            elif any(b.name == name for b in stack):  # closes an outer block: the inner ones end too
                while stack.pop().name != name:
                    pass
            continue  # a closer with no opener is dropped, as WordPress does
        block = Block(name, _attrs(match.group("attrs")), void=bool(match.group("void")))
        (stack[-1].parts if stack else top).append(block)
        if not block.void:
            stack.append(block)
    rest = content[at:]
    if rest:
        (stack[-1].parts if stack else top).append(rest)
    return top


def _attrs(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass
class Context:
    """What rendering a post needs from the rest of the export."""

    note: Callable[[str], None]  # reports one problem with this post
    autop: Callable[[str], str]  # WordPress's wpautop, for classic (freeform) content
    footnotes: list[dict[str, Any]] = field(default_factory=list)  # the post's ``footnotes`` meta
    embed_title: Callable[[str], str | None] = lambda url: None  # from WordPress's oEmbed cache
    reusable: Callable[[int], str | None] = lambda ref: None  # a wp_block post's content
    counts: Counter[str] = field(default_factory=Counter)  # rendered / reported, per block


def render(content: str, context: Context) -> str:
    """The post's HTML as WordPress showed it (before sanitizing and media URL rewriting)."""
    parts = parse(content)
    if _too_deep(parts):
        context.note(f"blocks nested more than {MAX_BLOCK_DEPTH} deep: the inner ones are kept as their content")
    return _render_parts(parts, context, depth=0, freeform=True)


def _too_deep(parts: list[str | Block]) -> bool:
    todo = [p for p in parts if isinstance(p, Block)]
    while todo:
        block = todo.pop()
        if block.too_deep:
            return True
        todo += [p for p in block.parts if isinstance(p, Block)]
    return False


def _render_parts(parts: list[str | Block], context: Context, depth: int, freeform: bool = False) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            # Between top-level blocks is classic content; inside a block it is the block's own markup.
            out.append(context.autop(part) if freeform and part.strip() else part)
        else:
            out.append(_render_block(part, context, depth))
    return "".join(out)


def _render_block(block: Block, context: Context, depth: int) -> str:
    own: list[str] = []  # this block's problems; its inner blocks report their own
    inner_reported: list[str] = []

    def from_inner(message: str) -> None:
        inner_reported.append(message)
        context.note(message)

    inner_context = Context(from_inner, context.autop, context.footnotes, context.embed_title,
                            context.reusable, context.counts)
    mine = Context(own.append, context.autop, context.footnotes, context.embed_title, context.reusable,
                   context.counts)
    if block.short == "block":
        rendered = _reusable(block, mine, inner_context, depth)
    elif block.short == "embed" or block.name.startswith("core-embed/"):
        rendered = _embed(block, mine)
    elif block.short == "footnotes":
        rendered = _footnotes(block, context.footnotes)
    elif block.short == "freeform":
        rendered = context.autop(block.saved_html())
    else:
        rendered = _mend(block, _render_parts(block.parts, inner_context, depth), mine)
    if not own and not inner_reported and not _saved_is_silent(block):
        lost = _lost_words(block, rendered)
        if lost:
            own.append("text that cannot be shown was left out: " + " ".join(lost[:12]))
    for message in own:
        context.note(f"block wp:{block.short}: {message}")
    context.counts["reported" if own else "rendered"] += 1
    return rendered


def _mend(block: Block, inner: str, context: Context) -> str:
    """A block's saved HTML, mended where WordPress adds to it at view time."""
    name, attrs = block.short, block.attrs
    if block.name.startswith("core/") and name in SITE_WIDGETS:
        context.note("drawn by WordPress from the whole site at view time; left out")
        return ""
    if block.name.startswith("core/") and name == "more":
        return ""  # only cuts the excerpt on listings; the single page shows everything
    if name == "nextpage":
        return "<!--nextpage-->"  # a page break: the post is shown a part at a time, as on WordPress
    if name in ("shortcode", "html"):
        for tag in sorted(set(re.findall(r"<(script|iframe|style|form|object|embed|svg|canvas|input)\b",
                                         inner, re.IGNORECASE))):
            context.note(f"custom HTML: <{tag.lower()}> is not shown on this site; left out")
        return inner
    if not block.name.startswith("core/"):
        if block.void:
            context.note(f"block {block.name} has no saved HTML (drawn by its plugin); left out")
        elif block.name.split("/")[0] not in ("jetpack", "coblocks", "kadence", "generateblocks", "yoast-seo"):
            context.note(f"block {block.name} is not a core block; its saved HTML is kept")
        return inner
    if block.void and name not in STATIC:
        context.note("drawn by WordPress at view time; left out")
        return ""
    if name == "file":
        if "<object" in inner:
            context.note("the inline PDF preview is shown as a link")
        inner = re.sub(r"<object\b.*?</object>", "", inner, flags=re.DOTALL | re.IGNORECASE)
    if name == "cover":
        inner = _cover_image(attrs, inner)
    if name == "list" and attrs.get("type") in _LIST_TYPES and attrs.get("ordered"):
        inner = re.sub(r"^(\s*<ol\b)", rf'\1 type="{_LIST_TYPES[attrs["type"]]}"', inner, count=1)
    if name == "gallery" and isinstance(attrs.get("columns"), int):
        inner = add_class(inner, f"columns-{max(1, min(8, attrs['columns']))}")
    align = attrs.get("textAlign") or (attrs.get("align") if name in ("paragraph", "heading") else None)
    if align in ("left", "center", "right"):
        inner = add_class(inner, f"has-text-align-{align}")
    elif attrs.get("align") in ("left", "right", "center", "wide", "full"):
        inner = add_class(inner, f"align{attrs['align']}")
    if name == "spacer":
        return '<div class="wp-block-spacer"></div>'
    return inner


def _cover_image(attrs: dict[str, Any], inner: str) -> str:
    """A cover whose image WordPress keeps as a CSS background (parallax, repeated, older
    versions) gets it as an ``<img>``: our pages carry no inline styles."""
    url = attrs.get("url")
    if not isinstance(url, str) or not url or attrs.get("backgroundType") == "video":
        return inner
    if re.search(r'<img\b[^>]*\ssrc="', inner):
        return inner
    image = f'<img class="wp-block-cover__image-background" alt="" src="{html.escape(url, quote=True)}">'
    return _FIRST_TAG.sub(lambda m: m.group(0) + image, inner, count=1) if _FIRST_TAG.match(inner) else \
        image + inner


def _embed(block: Block, context: Context) -> str:
    saved = block.saved_html()
    url = block.attrs.get("url")
    if not isinstance(url, str) or not url:
        found = re.search(r"https?://[^\s<\"']+", _TAGS.sub(" ", saved))
        url = found.group(0) if found else ""
    caption = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", saved, re.DOTALL)
    if not url:
        context.note("an embed with no URL; left out")
        return ""
    return embed_card(url, context.embed_title(url), caption.group(1).strip() if caption else "",
                      block.attrs.get("providerNameSlug"))


def _footnotes(block: Block, footnotes: list[dict[str, Any]]) -> str:
    if footnotes:
        items = "".join(
            f'<li id="{html.escape(str(note["id"]), quote=True)}">{note.get("content", "")} '
            f'<a href="#{html.escape(str(note["id"]), quote=True)}-link">↩︎</a></li>'
            for note in footnotes if isinstance(note, dict) and note.get("id"))
        return f'<ol class="wp-block-footnotes">{items}</ol>'
    saved = block.saved_html()
    listed = re.search(r"<ol\b[^>]*>.*</ol>", saved, re.DOTALL)
    return re.sub(r"^<ol\b[^>]*>", '<ol class="wp-block-footnotes">', listed.group(0)) if listed else ""


def _reusable(block: Block, mine: Context, inner: Context, depth: int) -> str:
    ref = block.attrs.get("ref")
    content = mine.reusable(ref) if isinstance(ref, int) else None
    if content is None:
        mine.note(f"reusable block {ref} is not in the export; left out")
        return ""
    if depth >= _MAX_DEPTH:
        mine.note(f"reusable block {ref} nests too deeply; left out")
        return ""
    return _render_parts(parse(content), inner, depth + 1, freeform=True)


def add_class(fragment: str, name: str) -> str:
    """``fragment`` with class ``name`` on its first element (once)."""
    match = _FIRST_TAG.match(fragment)
    if not match:
        return fragment
    attrs = match.group(2)
    found = _CLASS.search(attrs)
    if found:
        if name in found.group(1).split():
            return fragment
        attrs = attrs[:found.start(1)] + (found.group(1) + " " + name).strip() + attrs[found.end(1):]
    else:
        attrs += f' class="{name}"'
    return match.group(1) + attrs + match.group(3) + fragment[match.end():]


def _saved_is_silent(block: Block) -> bool:
    """Blocks with nothing of their own for a reader to read (their text is checked in their children)."""
    return block.short in ("embed", "footnotes", "block") or block.name.startswith("core-embed/")


def _lost_words(block: Block, rendered: str) -> list[str]:
    """Words a reader saw in WordPress that sanitizing ``rendered`` would drop."""
    before = Counter(_words(block.saved_html()))
    after = Counter(_words(sanitize_html(rendered)))
    return list((before - after).elements())


def _words(fragment: str) -> list[str]:
    text = re.sub(r"<(script|style|object)\b.*?</\1>", " ", fragment, flags=re.DOTALL | re.IGNORECASE)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.DOTALL)
    return _WORDS.findall(html.unescape(_TAGS.sub(" ", text)).lower())
