"""The site snapshot: everything every page shows around its content, in one item.

Menu, footer, categories, author names, recent posts and the site settings
are read by every page, so ingest keeps them together in one item
(``keys.SITE_SNAPSHOT``) and a page pays one GetItem for all of them (none
while a warm Lambda's copy is fresh: ``current``). ``Snapshot`` is the
typed object pages, feeds, comments and ingest read by attribute; the item stores it
as JSON (``to_data``/``from_data``), in the shape it always had. Ingest
rebuilds it (``chalicelib.publish.site_snapshot``); this module owns the one read of it, and the
warm copy both the web function and ingest use (``current``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from chalicelib import config, fields, keys
from chalicelib.models import Listing, SiteSnapshot, read
from chalicelib.site_settings import Settings


@dataclass(frozen=True)
class Link:
    """A link in the menu or footer, its title resolved."""

    title: str
    url: str


@dataclass(frozen=True)
@fields.completed(fields.CATEGORY, where=lambda declared: declared.snapshot)
class CategoryEntry:
    """A category as the widgets and menus show it: the fields chalicelib/fields.py's CATEGORY keeps
    in the snapshot."""

    slug: str
    name: str
    description: str = ""
    menu_order: int | None = None
    parent: str | None = None


@dataclass(frozen=True)
class RecentPost:
    """An entry of the recent-posts widget (scheduled ones are filtered when shown)."""

    slug: str
    title: str
    date: str


@dataclass(frozen=True)
class Snapshot:
    """What every page shows around its content. ``Snapshot()`` is a site with nothing uploaded."""

    settings: Settings = field(default_factory=Settings)
    menu: tuple[Link, ...] = (Link("Home", "/"),)
    footer: tuple[Link, ...] = ()
    categories: tuple[CategoryEntry, ...] = ()  # by name
    authors: dict[str, str] = field(default_factory=dict)  # slug -> display name
    recent: tuple[RecentPost, ...] = ()  # newest first
    # Sticky articles' home-listing entries as DynamoDB stores them (Listing.serialize), newest first.
    sticky: tuple[dict[str, Any], ...] = ()
    # Old URLs of category and author archives ("?cat=5", "category/old-name") -> the archive's path.
    term_aliases: dict[str, str] = field(default_factory=dict)
    built_at: str = ""  # part of every page's ETag

    def sticky_entries(self, now_iso: str) -> list[Listing]:
        """The sticky articles to put on top of the home page: those already published at ``now_iso``."""
        entries = [Listing.from_raw_data(data) for data in self.sticky]
        return [e for e in entries if e.date and e.date <= now_iso]

    def visible_recent(self, now_iso: str) -> list[RecentPost]:
        """The recent-posts widget at ``now_iso``: on every page, so a change to it changes them all."""
        return [r for r in self.recent if r.date <= now_iso][: self.settings.recent_posts]

    def category(self, slug: str) -> CategoryEntry | None:
        """The category with ``slug``, or None."""
        return next((c for c in self.categories if c.slug == slug), None)

    def term_name(self, kind: str, slug: str) -> str | None:
        """A category's or author's name (the snapshot holds both), or None: not here, or a tag."""
        if kind == "category":
            category = self.category(slug)
            return category.name if category is not None else None
        return self.authors.get(slug) if kind == "author" else None

    def category_name(self, slug: str) -> str:
        """A category's name (its slug if it has none)."""
        found = self.category(slug)
        return found.name if found else slug

    def to_data(self) -> dict[str, Any]:
        """The snapshot as the item stores it (JSON)."""
        return {"settings": self.settings.to_data(), "menu": [vars(link) for link in self.menu],
                "footer": [vars(link) for link in self.footer],
                "categories": [vars(c) for c in self.categories], "authors": dict(self.authors),
                "recent": [vars(r) for r in self.recent], "sticky": list(self.sticky),
                "term_aliases": dict(self.term_aliases), "built_at": self.built_at}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Snapshot:
        """The snapshot the item holds."""
        return cls(settings=Settings.from_data(data.get("settings") or {}),
                   menu=tuple(Link(**link) for link in data.get("menu", [])),
                   footer=tuple(Link(**link) for link in data.get("footer", [])),
                   categories=tuple(CategoryEntry(**c) for c in data.get("categories", [])),
                   authors=dict(data.get("authors", {})),
                   recent=tuple(RecentPost(**r) for r in data.get("recent", [])),
                   sticky=tuple(data.get("sticky", [])), term_aliases=dict(data.get("term_aliases", {})),
                   built_at=data.get("built_at", ""))


EMPTY = Snapshot()

_warm: dict[str, Any] = {"data": None, "expires": 0.0}


def current() -> Snapshot:
    """The site snapshot, from the warm copy while it is fresh (0 or 1 GetItem)."""
    cached = warm()
    if cached is None:
        cached = keep(read(SiteSnapshot, *keys.SITE_SNAPSHOT))
    return cached


def warm() -> Snapshot | None:
    """The warm copy, if it is still fresh (``site_cache_seconds``, chalicelib/config.py)."""
    return _warm["data"] if _warm["data"] is not None and time.monotonic() < _warm["expires"] else None


def keep(item: SiteSnapshot | None) -> Snapshot:
    """Keep the snapshot ``item`` holds (``EMPTY`` for none) as the warm copy, and return it."""
    data = Snapshot.from_data(item.data) if item is not None else EMPTY
    _warm.update(data=data, expires=time.monotonic() + config.current().site_cache_seconds)
    return data


def forget() -> None:
    """Forget the warm copy (tests, and the local stack after an upload)."""
    _warm.update(data=None, expires=0.0)
