"""Embeds: an address of a video, a post or a photo on another site, shown as a link card.

A body that names a YouTube, Vimeo, X, Instagram, TikTok, Bluesky... address alone in a paragraph
(a line of its own in Markdown, ``<p>address</p>`` in HTML) shows a card: the title, the provider's
name and the address, as one link. WordPress shows a player or the post's widget there; we load no
third party's script or frame on our pages, so a reader follows the link instead. The WordPress
import writes the same card for the embeds it brings over (``chalicelib.imports.blocks``), and the
desk's editor shows such a line as a card (its list of providers is this one, see
``desk-editor/write_facts.py``).
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

# Embed providers WordPress knows, by host: (slug, name shown on the card).
PROVIDERS = {
    "youtube.com": ("youtube", "YouTube"), "youtu.be": ("youtube", "YouTube"),
    "vimeo.com": ("vimeo", "Vimeo"), "twitter.com": ("twitter", "X (Twitter)"), "x.com": ("twitter", "X (Twitter)"),
    "wordpress.com": ("wordpress", "WordPress"), "wordpress.tv": ("wordpress-tv", "WordPress.tv"),
    "soundcloud.com": ("soundcloud", "SoundCloud"), "spotify.com": ("spotify", "Spotify"),
    "instagram.com": ("instagram", "Instagram"), "facebook.com": ("facebook", "Facebook"),
    "tiktok.com": ("tiktok", "TikTok"), "flickr.com": ("flickr", "Flickr"), "reddit.com": ("reddit", "Reddit"),
    "dailymotion.com": ("dailymotion", "Dailymotion"), "ted.com": ("ted", "TED"),
    "mastodon.social": ("mastodon", "Mastodon"), "bsky.app": ("bluesky", "Bluesky"),
}


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.").removeprefix("m.")


def provider(url: str) -> tuple[str, str] | None:
    """(slug, name) of the provider an address belongs to, or None for any other site."""
    host = _host(url)
    return next((v for k, v in PROVIDERS.items() if host == k or host.endswith("." + k)), None)


def embed_card(url: str, title: str | None, caption: str = "", provider_slug: str | None = None) -> str:
    """A link card for an embedded page: what WordPress shows in a player or widget, without loading a
    third party's script or frame."""
    host = _host(url)
    slug, name = provider(url) or (provider_slug or "", host)
    if provider_slug and slug != provider_slug and name == host:
        name = provider_slug.replace("-", " ").title()
    shown = title or f"Open on {name or 'the web'}"
    esc = html.escape
    figcaption = f'<figcaption class="wp-element-caption">{caption}</figcaption>' if caption else ""
    return (f'<figure class="wp-block-embed embed-card"><a href="{esc(url, quote=True)}">'
            f'<span class="embed-title">{esc(shown)}</span> '
            f'<span class="embed-provider">{esc(name or "Link")}</span> '
            f'<span class="embed-url">{esc(url)}</span></a>{figcaption}</figure>')
