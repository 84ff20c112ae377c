"""Read what readers' pages need from DynamoDB: GetItem and Query, never Scan.

The site snapshot (menu, categories, authors, recent posts, footer) is one
item that every page shows; a warm Lambda keeps it for
``config.SITE_CACHE_SECONDS`` so most pages cost a single request. Everything
else is read fresh on each request. Nothing here writes.
"""

from __future__ import annotations

import time
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib import config
from chalicelib.models import AuthorItem, Listing, Post, SiteSnapshot

EMPTY_SITE: dict[str, Any] = {
    "settings": {"site_name": "Newsroom", "tagline": "", "recent_posts": 5, "related_posts": 4,
                 "page_size": 10, "language": "en", "footer_links": [], "menu": None},
    "menu": [{"title": "Home", "url": "/"}],
    "footer": [],
    "categories": [],
    "authors": {},
    "recent": [],
}

_site_cache: dict[str, Any] = {"data": None, "expires": 0.0}


def site() -> dict[str, Any]:
    """The site snapshot, from the warm cache when fresh (0 or 1 GetItem)."""
    now = time.monotonic()
    if _site_cache["data"] is None or now >= _site_cache["expires"]:
        try:
            data = SiteSnapshot.get("site", "site").data
        except DoesNotExist:
            data = EMPTY_SITE
        _site_cache.update(data=data, expires=now + config.SITE_CACHE_SECONDS)
    return _site_cache["data"]


def clear_site_cache() -> None:
    """Forget the cached snapshot (tests, and the local stack after an upload)."""
    _site_cache.update(data=None, expires=0.0)


def post_at(path: str) -> Post | None:
    """The article, page or redirect served at ``/<path>/`` (1 GetItem)."""
    try:
        return Post.get(*Post.key_for(path))
    except DoesNotExist:
        return None


def author(slug: str) -> AuthorItem | None:
    """An author's name and bio (1 GetItem)."""
    try:
        return AuthorItem.get("author", slug)
    except DoesNotExist:
        return None


def listing(name: str, limit: int, now_iso: str) -> list[Listing]:
    """The newest ``limit`` entries of an archive, leaving out scheduled ones (1 Query)."""
    return list(Listing.query(
        f"list#{name}",
        Listing.sk <= f"{now_iso}#~",  # '~' sorts after every slug character
        scan_index_forward=False,
        limit=limit,
    ))
