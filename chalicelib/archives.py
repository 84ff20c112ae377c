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

**Query parameters.** ``QUERY_PARAMETERS`` names every query parameter a reader's page answers, in two
kinds: ``WORDPRESS_QUERY``, WordPress's old queries (``?p=123``, ``?cat=5``, ``?s=``...), which old links
still carry, and ``OWN_QUERY``, our cursors, the comment note and search. The lists are one fact read by
the routes (``web.site_of`` keeps only these, so a page never sees another), by the CloudFront function in
front of the pages (``devstack/package.py`` writes both lists into it: it drops every other name,
``utm_*``, ``fbclid``, ``gclid``, a random one) and by the pages' cache policy. CloudFront's default quota
is 10 query strings a cache policy, fewer than the names, so WordPress's travel in one parameter,
``WORDPRESS_FOLD`` (``wp``): the function folds the ones a request carries into it, their pairs sorted and
spelled one way (``?year=2024&monthnum=07`` is ``?wp=monthnum%3D07%26year%3D2024``), and ``web.site_of``
unfolds it. The cache policy lists ``CACHE_KEY_QUERY``: our names and the fold. So a tracked link is the
same cached page as the bare one, and an invalidation of the bare path reaches it.

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

# Every query parameter a reader's page reads, and why (see the module docstring); nothing else passes
# the edge or reaches a page. A route that reads a new one adds it to one of the two
# (tests/unit/test_routes.py); the cache policy has room for three more of our own (CACHE_KEY_QUERY).
WORDPRESS_QUERY: dict[str, str] = dict(sorted({
    "p": "WordPress: a post by its old id (/?p=123), kept as the article's alias",
    "page_id": "WordPress: a page by its old id",
    "attachment_id": "WordPress: an attachment by its old id",
    "s": "WordPress: search from the front page (/?s=oil)",
    "feed": "WordPress: the site's feed (/?feed=rss2)",
    "m": "WordPress: a month or year archive (/?m=202407)",
    "year": "WordPress: a year archive (/?year=2024)",
    "monthnum": "WordPress: with year, a month archive",
    **{kind.wordpress_query: f"WordPress: a {kind.name}'s archive (/?{kind.wordpress_query}=...)"
       for kind in ARCHIVES},
}.items()))
OWN_QUERY: dict[str, str] = dict(sorted({
    "after": "an archive's older page (a signed paging cursor)",
    "before": "an archive's newer page (a signed paging cursor)",
    "comments": "an article's older comments (a paging cursor)",
    "comment": "the note shown after posting a comment (?comment=pending)",
    "q": "the search page's words (/search/?q=oil)",
    "page": "the search page's page number",
    "since": "a live blog's older updates: the page starting at this entry (its time and id)",
}.items()))
QUERY_PARAMETERS: dict[str, str] = dict(sorted({**WORDPRESS_QUERY, **OWN_QUERY}.items()))
# The one parameter WordPress's names travel in between the edge and the origin (see the module docstring).
WORDPRESS_FOLD = "wp"
# The names in the pages' cache key: within CloudFront's default quota of 10 query strings a cache policy
# (CloudFront Developer Guide, "Quotas": "Query strings per cache policy").
CACHE_KEY_QUERY = tuple(sorted({*OWN_QUERY, WORDPRESS_FOLD}))
NAMES = tuple(BY_NAME)  # ("category", "tag", "author")

# The fixed first path segments of app.py's routes (the archives' come from ARCHIVES).
ROUTE_SEGMENTS = frozenset({*NAMES, "feed", "search", "sitemaps", "static", "media", "sizes", "preview", "desk",
                            "widgets", "subscribe", "newsletter"})
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
