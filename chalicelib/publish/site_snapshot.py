"""The site snapshot's rebuild (the item every page reads: ``chalicelib.snapshot``).

``rebuild`` recomputes it from a handful of bounded reads after each batch of
changes (the snapshot and the settings in one BatchGetItem, the pages the menu
and footer link to in another) and writes it conditionally on the version it
read. When the recent-posts widget changes, every page shows it, so the edge
drops every page.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PutError

from chalicelib import clock, fields, keys, retry
from chalicelib.models import AuthorItem, CategoryItem, Listing, Post, SettingsItem, SiteSnapshot, get_each
from chalicelib.publish import edge
from chalicelib.retry import ConcurrentChange
from chalicelib.site_settings import Settings
from chalicelib.snapshot import EMPTY, CategoryEntry, Link, RecentPost, Snapshot

RECENT_EXTRA = 10  # recent posts kept beyond the widget's size, to cover scheduled ones
MAX_STICKY = 10  # sticky articles kept on top of the home page, newest first
REBUILD_ATTEMPTS = 8


def rebuild() -> Snapshot:
    """Recompute the snapshot item: a handful of bounded reads, one conditional write.

    The write is conditional on the version read first, so a rebuild that
    read older state can never overwrite a newer one; it starts again.

    :raise ConcurrentChange: it lost the race REBUILD_ATTEMPTS times.
    """
    for _ in range(REBUILD_ATTEMPTS):
        found = get_each({keys.SITE_SNAPSHOT: SiteSnapshot, keys.SITE_SETTINGS: SettingsItem}, consistent_read=True)
        current = found.get(keys.SITE_SNAPSHOT)
        version = int(current.version) if current is not None else 0
        built = _build(found.get(keys.SITE_SETTINGS))
        condition = SiteSnapshot.version == version if current is not None else SiteSnapshot.pk.does_not_exist()
        try:
            SiteSnapshot(*keys.SITE_SNAPSHOT, data=built.to_data(), version=version + 1).save(condition=condition)
        except PutError as exc:
            if not retry.condition_failed(exc):
                raise
            continue
        before = Snapshot.from_data(current.data) if current is not None else EMPTY
        now = clock.now_iso()
        if before.visible_recent(now) != built.visible_recent(now):
            edge.changed([edge.RECENT])  # the widget, which every page fetches (the edge keeps pages a day)
        return built
    raise ConcurrentChange("site snapshot")


def _build(settings_item: SettingsItem | None) -> Snapshot:
    settings = Settings.from_data(settings_item.data) if settings_item else Settings()
    category_items = list(CategoryItem.query(keys.CATEGORY_PK, consistent_read=True))
    # Names only: bios are read on the author's own page, so the snapshot stays small.
    author_items = list(AuthorItem.query(keys.AUTHOR_PK, consistent_read=True,
                                         attributes_to_get=["pk", "sk", "name", "aliases"]))
    term_aliases = {alias: f"/category/{c.sk}/" for c in category_items for alias in c.aliases or []}
    term_aliases.update({alias: f"/author/{a.sk}/" for a in author_items for alias in a.aliases or []})
    # A term renamed or merged into another is no term any more, whatever item lingers for its old name
    # (removing a term's file keeps its name for the articles that still name it): its old address
    # redirects, so no list shows it, and menu and footer links to it follow it (``_resolve``).
    moved = {slug: term_aliases[f"category/{slug}"][len("/category/"):-1] for slug in (c.sk for c in category_items)
             if term_aliases.get(f"category/{slug}", f"/category/{slug}/") != f"/category/{slug}/"}
    categories = sorted((category_entry(c) for c in category_items if c.sk not in moved), key=lambda c: c.name.lower())
    authors = {a.sk: a.name for a in author_items}  # bylines: an article not yet rewritten still names the old one
    recent = tuple(
        RecentPost(slug=item.slug, title=item.title, date=item.date)
        for item in Listing.query(keys.listing_pk(keys.HOME), scan_index_forward=False, consistent_read=True,
                                  limit=settings.recent_posts + RECENT_EXTRA)
    )
    sticky = tuple(item.serialize() for item in Listing.query(
        keys.listing_pk(keys.STICKY), scan_index_forward=False, consistent_read=True, limit=MAX_STICKY))
    by_slug = {c.slug: c for c in categories}
    linked = [link.page for link in [*(settings.menu or []), *settings.footer_links] if link.page and not link.category]
    pages = get_each({keys.post(slug): Post for slug in linked}, consistent_read=True)  # no request if none
    if settings.menu is not None:
        menu = tuple(_resolve(link, by_slug, pages, moved) for link in settings.menu)
    else:
        in_menu = sorted((c for c in categories if c.menu_order is not None), key=lambda c: (c.menu_order, c.name.lower()))
        menu = (Link("Home", "/"),) + tuple(Link(c.name, f"/category/{c.slug}/") for c in in_menu)
    return Snapshot(settings=settings, menu=menu,
                    footer=tuple(_resolve(link, by_slug, pages, moved) for link in settings.footer_links),
                    categories=tuple(categories), authors=authors, recent=recent, sticky=sticky,
                    term_aliases=term_aliases, built_at=clock.now_iso())


def category_entry(item: CategoryItem) -> CategoryEntry:
    """A category as the snapshot keeps it: its slug and the fields declared for the snapshot
    (chalicelib/fields.py's CATEGORY, ``snapshot``), each its kind's empty value where the item has none."""
    values: dict[str, Any] = {}
    for declared in fields.CATEGORY:
        if declared.snapshot:
            value = item.attribute_values.get(declared.attribute or declared.name)
            values[declared.name] = declared.kind.empty if value is None else (
                int(value) if isinstance(declared.kind, fields.Whole) else value)
    return CategoryEntry(slug=item.sk, **values)


def _resolve(link: Any, categories: dict[str, CategoryEntry], pages: dict[tuple[str, str], Post],
             moved: dict[str, str] | None = None) -> Link:
    """A menu or footer link with its title: a category's name, a page's title (``pages``: the
    linked pages, read together), or as written. A link to a category renamed or merged (``moved``:
    old slug to new) names and links the category it became."""
    title = link.title or ""
    if link.category:
        slug = (moved or {}).get(link.category, link.category)
        category = categories.get(slug)
        title = category.name if category else slug
        if slug != link.category:
            return Link(title, f"/category/{slug}/")
    elif link.page:
        page = pages.get(keys.post(link.page))
        title = page.title if page is not None and page.title else link.page
    return Link(title, link.url)
