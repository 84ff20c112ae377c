"""The classic editor's body, as WordPress shows it: paragraphs (``autop``), shortcodes
(``expand``: [caption], [gallery], [audio], [video], [embed]), alignment by class, and a URL alone
on its line as an embed (``auto_embeds``, with the titles WordPress cached). Block editor content is
``chalicelib.imports.blocks``'.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from chalicelib.imports import blocks
from chalicelib.imports.wordpress import wxr

BLOCK_LEVEL = re.compile(r"^\s*<(?:p|div|h[1-6]|ul|ol|li|table|thead|tbody|tr|td|th|blockquote|pre|figure|"
                         r"figcaption|hr|dl|dt|dd|section|article|aside|header|footer|address|form|"
                         r"fieldset|details|summary|!--)[\s>/]", re.IGNORECASE)
KNOWN_SHORTCODES = {"caption", "wp_caption", "gallery", "audio", "video", "embed", "playlist"}


def auto_embeds(body: str, item: Element) -> str:
    """WordPress turns a URL alone on its line in classic content into an embed (oEmbed)."""
    titles = embed_titles(item)

    def card(match: re.Match[str]) -> str:
        url = html.unescape(match.group(1))
        return blocks.embed_card(url, titles(url)) if _provider(url) else match.group(0)

    return re.sub(r"^[ \t]*(https?://[^\s<>\"]+)[ \t]*$", card, body, flags=re.MULTILINE)


def expand(body: str, item: Element, post_id: str, attachments: Mapping[str, Element],
           note: Callable[[str], None]) -> str:
    """The classic editor's shortcodes in ``body`` as HTML: [caption], [gallery] (of ``attachments``,
    the export's, by id or attached to ``post_id``), [audio], [video], [embed]; [playlist] and the
    unknown ones are told to ``note``."""
    def gallery(match: re.Match[str]) -> str:
        attrs = _attributes(match.group(1))
        ids = [i.strip() for i in attrs.get("ids", "").split(",") if i.strip()] or [
            i for i, a in attachments.items() if wxr.text(a, "wp_post_parent") == post_id]
        images = [attachments[i] for i in ids if i in attachments
                  and wxr.text(attachments[i], "wp_attachment_url").lower().endswith(
                      (".jpg", ".jpeg", ".png", ".gif", ".webp"))]
        if not images:
            note("a [gallery] had no images in the export; left out")
            return ""
        columns = attrs.get("columns", "3")
        columns = columns if columns.isdigit() and 1 <= int(columns) <= 10 else "3"
        return f'<figure class="wp-block-gallery gallery columns-{columns}">' + "".join(
            f'<figure class="wp-block-image"><img src="{html.escape(wxr.text(a, "wp_attachment_url"), quote=True)}" '
            f'alt="{html.escape(wxr.plain(wxr.text(a, "title")), quote=True)}">'
            + (f"<figcaption>{html.escape(wxr.plain(wxr.text(a, 'excerpt_encoded')))}</figcaption>"
               if wxr.text(a, "excerpt_encoded") else "") + "</figure>"
            for a in images) + "</figure>"

    def media(match: re.Match[str]) -> str:
        kind, attrs = match.group(1), _attributes(match.group(2))
        if kind == "playlist":
            note("[playlist] is not supported; left out")
            return ""
        formats = ("mp3", "m4a", "ogg", "oga", "wav", "flac") if kind == "audio" else \
            ("mp4", "m4v", "webm", "ogv", "mov")
        urls = [attrs[k] for k in ("src", *formats) if attrs.get(k)] or \
            ([attrs["0"]] if attrs.get("0") else [])
        if not urls:
            note(f"a [{kind}] had no source; left out")
            return ""
        sources = "".join(f'<source src="{html.escape(u, quote=True)}">' for u in dict.fromkeys(urls))
        poster = f' poster="{html.escape(attrs["poster"], quote=True)}"' if kind == "video" and \
            attrs.get("poster") else ""
        return (f'<figure class="wp-block-{kind}"><{kind} controls preload="metadata"{poster}>{sources}'
                f'<a href="{html.escape(urls[0], quote=True)}">{kind.capitalize()}: '
                f"{html.escape(urls[0])}</a></{kind}></figure>")

    def embed(match: re.Match[str]) -> str:
        url = html.unescape(wxr.plain(match.group(1)))
        return blocks.embed_card(url, embed_titles(item)(url)) if url.startswith(("http://", "https://")) \
            else ""

    body = re.sub(r"\[(?:wp_)?caption([^\]]*)\](.*?)\[/(?:wp_)?caption\]", _caption, body, flags=re.DOTALL)
    body = re.sub(r"\[gallery([^\]]*)\]", gallery, body)
    body = re.sub(r"\[(audio|video|playlist)([^\]]*)\](?:.*?\[/\1\])?", media, body, flags=re.DOTALL)
    body = re.sub(r"\[embed[^\]]*\](.*?)\[/embed\]", embed, body, flags=re.DOTALL)
    for unknown in sorted(set(re.findall(r"\[([a-z][a-z0-9_-]*)(?:\s[^\]]*)?\](?:[^\[]*\[/\1\])?", body))
                          - KNOWN_SHORTCODES):
        note(f"shortcode [{unknown}] is not supported; left as text")
    return body


def _attributes(text: str) -> dict[str, str]:
    attrs = {k: v1 or v2 or v3 for k, v1, v2, v3 in
             re.findall(r'([\w-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|(\S+))', text)}
    bare = re.sub(r'[\w-]+\s*=\s*(?:"[^"]*"|\'[^\']*\'|\S+)', "", text).split()
    if bare:
        attrs.setdefault("0", bare[0])
    return attrs


def _caption(match: re.Match[str]) -> str:
    """A ``[caption]`` shortcode as a ``<figure>`` with its ``<figcaption>`` (the image, the words)."""
    attrs, inner = _attributes(match.group(1)), match.group(2)
    media = re.match(r"\s*((?:<a\b[^>]*>)?\s*<img\b[^>]*>\s*(?:</a>)?)(.*)$", inner, re.DOTALL)
    if not media:
        return inner
    align = attrs.get("align", "")
    cls = f' class="wp-caption {align}"' if align in ("alignleft", "alignright", "aligncenter") else \
        ' class="wp-caption"'
    words = media.group(2).strip() or attrs.get("caption", "").strip()  # older exports: caption="..."
    return f"<figure{cls}>{media.group(1)}<figcaption>{words}</figcaption></figure>"


def aligned_by_class(body: str) -> str:
    """``style="text-align: center"`` (how the classic editor aligns) as a class our stylesheet draws:
    the site's pages carry no inline styles."""

    def restyle(match: re.Match[str]) -> str:
        align = re.search(r"text-align:\s*(left|center|right|justify)", match.group(2))
        if not align:
            return match.group(0)
        tag = match.group(1) + match.group(3)
        return blocks.add_class(tag, f"has-text-align-{align.group(1)}") if align.group(1) != "justify" else tag

    return re.sub(r'(<(?:p|h[1-6]|div|li|td|th)\b[^>]*?)\sstyle="([^"]*)"([^>]*>)', restyle, body,
                  flags=re.IGNORECASE)


def _provider(url: str) -> bool:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return any(host == known or host.endswith("." + known) for known in blocks.PROVIDERS)


def embed_titles(item: Element) -> Callable[[str], str | None]:
    """Titles from WordPress's oEmbed cache (``_oembed_<hash>`` meta), found by the embedded page's id
    (a video's ``v=``, a tweet's status number, else the URL's last path segment)."""
    cached = [value for key, value in wxr.meta(item).items()
              if key.startswith("_oembed_") and not key.startswith("_oembed_time_") and value != "{{unknown}}"]

    def title(url: str) -> str | None:
        parts = urlsplit(url)
        token = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p).get("v") or \
            next((s for s in reversed(parts.path.split("/")) if s), "")
        if len(token) < 4:
            return None
        for value in cached:
            if token in value:
                named = re.search(r'\stitle="([^"]+)"', value)
                if named:
                    return html.unescape(named.group(1))
                said = re.search(r"<blockquote\b[^>]*>(.*?)</blockquote>", value, re.DOTALL)
                if said:
                    return wxr.plain(re.sub(r"<a\b[^>]*>(?:October|[A-Z][a-z]+ \d).*?</a>\s*$", "",
                                         said.group(1))).strip()[:200] or None
        return None

    return title


def autop(text: str) -> str:
    """WordPress's wpautop, the part that matters: blank-line-separated text becomes paragraphs."""
    text = text.replace("\r\n", "\n")
    chunks = re.split(r"\n\s*\n", text)
    out = []
    for chunk in chunks:
        chunk = chunk.strip()
        if not chunk:
            continue
        if BLOCK_LEVEL.match(chunk) or re.match(r"^\[(?:gallery|caption|audio|video|embed|playlist)", chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    return "\n\n".join(out)
