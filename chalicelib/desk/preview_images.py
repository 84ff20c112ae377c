"""The desk preview's pictures, as the site will show them: each photo under media/ by its sizes (the
``<picture>`` ingest writes, ``images.picture_set``), read from its ``MediaItem``; nothing is written.

A photo whose sizes are still being made (uploaded a moment ago) has none yet, and readers never get
an original (``images.is_private_original``): the preview shows that original to the editor alone,
through a short-lived presigned GET made with the editor's own role, and says so under the preview.
A contributor's role may not read media/ (infra/template.yaml's ContributorPolicy), so a link signed
with it would only be refused: their preview shows the photo's alt text in its place until it is sized.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from chalicelib import config, keys
from chalicelib.content import images, markup
from chalicelib.models import MediaItem

ORIGINAL_SECONDS = 600  # how long the preview's link to an original still being sized works


@dataclass(frozen=True)
class Pictures:
    """The body with its photos sized, the featured image's sizes, and the photos still being sized."""

    html: str
    image_set: dict[str, Any] | None
    image: str | None  # the featured image's address for the page: a presigned original while it is sized
    waiting: tuple[str, ...] = field(default=())


def sized(html: str, featured: str | None, s3: Any | None) -> Pictures:
    """``html`` (rendered and sanitized) and the featured image ``featured`` as the site will show
    them; ``s3``: the editor's client, to show an original that has no sizes yet (None: a role that
    may not read originals, whose preview leaves such a photo's address as it is)."""
    shown = markup.media_images(html)
    photos = {src: key for src in shown + ([featured] if featured else [])
              if src.startswith("/media/") and images.is_derivable(key := images.key_of(src))}
    found = {item.sk: item for item in MediaItem.batch_get([keys.media(k) for k in set(photos.values())])} \
        if photos else {}
    sets: dict[str, dict[str, Any]] = {}
    originals: dict[str, str] = {}
    for src, key in photos.items():
        item = found.get(key)
        if item is not None and item.status == "ready":
            sets[src] = images.picture_set(item.derivatives or [], int(item.width), int(item.height))
        elif s3 is None:
            originals[src] = src
        else:
            originals[src] = s3.generate_presigned_url("get_object", ExpiresIn=ORIGINAL_SECONDS, Params={
                "Bucket": config.current().bucket, "Key": key})
    body = markup.finish_images(html, {}, sets)
    for src, url in originals.items():
        body = re.sub(r'(<img\b[^>]*\bsrc=")' + re.escape(src) + '"', _pointing_at(url), body)
    image = originals.get(featured or "", featured)
    return Pictures(body, sets.get(featured or ""), image, tuple(sorted(set(photos[s] for s in originals))))


def _pointing_at(url: str) -> Callable[[re.Match[str]], str]:
    """An ``<img src="…"`` rewritten to ``url`` (escaped as an attribute value)."""
    escaped = url.replace("&", "&amp;").replace('"', "&quot;")
    return lambda match: f'{match.group(1)}{escaped}"'

