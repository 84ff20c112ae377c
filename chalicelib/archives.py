"""The site's URL space in one place: the archive kinds, and every fixed first path segment.

**Archive kinds.** A category, a tag and an author each have an archive at ``/<kind>/<slug>/``,
its feeds at ``.../feed/`` and ``.../feed/atom/``, a listing (``keys.archive(kind, slug)``), a
term file under its folder (``categories/oil.yaml``), a term item, and the query WordPress
answered for it (``?cat=5``). ``ARCHIVES`` is the one list of them: the routes in ``app.py``, the
page and feed renderers, the paths the edge drops, the old-URL forms, the content format's file
kinds and the reserved slugs are all read from it. Adding a kind is an entry here and its
template (``templates/blog/listing.html`` serves every kind that needs no other).

How a kind's page finds the term's name (``names_from``):

- ``"snapshot"``: the site snapshot has it (categories: no read beyond the listing's);
- ``"item"``: its term item, one GetItem (authors: the bio is not in the snapshot);
- ``"listing"``: the first entry's label, and only when the archive is empty its term item, to
  tell a tag without posts (200, "nothing found", as WordPress) from no tag at all (404).

**Route segments.** ``ROUTE_SEGMENTS`` are the fixed first segments of ``app.py``'s routes;
``RESERVED_SLUGS`` adds the words WordPress's own URLs used. An article or page can take none of
them: behind API Gateway a fixed segment wins over ``/{slug}``, so such an article would be
unreachable (``tests/unit/test_routes.py`` checks ``app.routes`` against this).

Pure data: no reads, no settings.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArchiveKind:
    """One kind of archive named by a term's slug."""

    name: str  # its URL's first segment, its listing's prefix, its term files' and items' kind
    folder: str  # where its term files live in the bucket
    heading: str  # the archive's heading, from the term's name
    title: str  # the page's <title>, from the term's name
    description: str  # the page's description where the term has none of its own
    names_from: str  # "snapshot", "item" or "listing": see the module docstring
    wordpress_query: str  # WordPress's query for it: ?cat=5, ?tag=oil, ?author=2
    wordpress_by_id: bool  # the query names a numeric id (the import keeps it as the term's alias)

    def path(self, slug: str) -> str:
        """``/tag/oil/``."""
        return f"/{self.name}/{slug}/"

    def paths(self, slug: str) -> list[str]:
        """Every path that shows the first page of this archive: the page and its feeds."""
        return [self.path(slug), f"{self.path(slug)}feed/", f"{self.path(slug)}feed/atom/"]


ARCHIVES = (
    ArchiveKind("category", "categories/", heading="{name}", title="{name}", description="{name}: latest articles",
                names_from="snapshot",
                wordpress_query="cat", wordpress_by_id=True),
    ArchiveKind("tag", "tags/", heading="Tag: {name}", title="Tag: {name}", description="Articles tagged {name}",
                names_from="listing",
                wordpress_query="tag", wordpress_by_id=False),
    ArchiveKind("author", "authors/", heading="Author: {name}", title="{name}", description="Articles by {name}",
                names_from="item",
                wordpress_query="author", wordpress_by_id=True),
)
BY_NAME = {kind.name: kind for kind in ARCHIVES}
NAMES = tuple(BY_NAME)  # ("category", "tag", "author")

# The fixed first path segments of app.py's routes (the archives' come from ARCHIVES).
ROUTE_SEGMENTS = frozenset({*NAMES, "feed", "search", "sitemaps", "static", "media", "sizes", "preview", "desk",
                            "widgets"})
# The recent-posts widget on its own (app.py ``recent_posts``): every page's script fetches it, and a
# new article invalidates it instead of every page (publish/edge.py).
RECENT_PATH = "/widgets/recent/"
# Words an article or page slug cannot be: every route segment, and those WordPress's URLs used,
# which old links may still name (/page/2/, /comments/feed/, /wp-admin/...).
RESERVED_SLUGS = ROUTE_SEGMENTS | {"page", "comments", "api", "wp-admin", "wp-content", "wp-includes", "wp-json"}


def kind_of_listing(listing: str) -> tuple[ArchiveKind, str] | None:
    """The archive kind and slug a listing name (``tag#oil``) is for, or None (home, dates)."""
    name, _, slug = listing.partition("#")
    kind = BY_NAME.get(name)
    return (kind, slug) if kind is not None and slug else None
