"""The URL forms a WordPress site answered, and where each now lives here.

A moved site keeps its old links working (issue 15): readers' bookmarks,
search engines' indexes and other sites' links hold these. Two kinds:

- **Forms with the old numeric ids**: ``/?p=123``, ``/?page_id=12`` and
  ``/?attachment_id=5``. The import gives each article and page its own as
  aliases (``content_format`` keeps them as ``?p=123``), so they are
  redirects like any other old URL: :func:`id_alias` names the one a query
  asks for.
- **Forms that need no data**, by rule (:func:`redirect_for`): ``?tag=``,
  ``?feed=``, ``?m=``, ``?year=``; ``/page/N/`` of every archive (our paging
  is by cursor, so the first page); day archives (to their month); the feed
  variants (``/feed/rss2/``...) and ``/comments/feed/``; and a post's own
  ``/<post>/feed/`` and ``/<post>/attachment/<name>/`` (to its comments feed
  and to the post); and all of these under the subdirectory a WordPress site
  lived in (``/blog/category/x/`` to ``/category/x/``).

Every redirect is a 301 (``pages``). The archive kinds come from ``archives``. Pure functions: no
reads, no settings.
"""

from __future__ import annotations

import re

from chalicelib import archives

# WordPress's numeric-id queries: the import keeps each as an alias of what it named.
ID_PARAMETERS = ("p", "page_id", "attachment_id") + tuple(
    kind.wordpress_query for kind in archives.ARCHIVES if kind.wordpress_by_id)
_KINDS = "|".join(archives.NAMES)  # category|tag|author
_ARCHIVE_PAGE = re.compile(rf"^(?P<archive>(?:{_KINDS})/[^/]+|\d{{4}}(?:/\d{{2}})?)?/?page/\d+$")
_DAY = re.compile(r"^(?P<month>\d{4}/\d{2})/\d{2}$")
_FEED_VARIANT = re.compile(rf"^(?P<archive>(?:(?:{_KINDS})/[^/]+/)?)feed/(?:rss2|rss|rdf)$")
_DATE_PART = re.compile(r"^\d{4}$")
_ROOT_ARCHIVE = re.compile(rf"^(?:(?:{_KINDS})/[^/]+(?:/feed(?:/atom)?)?|feed(?:/atom)?|\d{{4}}(?:/\d{{2}})?)$")
_POST_SUFFIX = re.compile(r"^(?P<post>.+?)/(?:feed(?:/(?:rss2|rss|rdf|atom))?|attachment/[^/]+|trackback|amp)$")


def id_alias(query: dict[str, str]) -> str | None:
    """The alias a ``?p=ID`` (``page_id``, ``attachment_id``) query names: ``"?p=123"``; else None."""
    for name in ID_PARAMETERS:
        value = query.get(name, "").strip()
        if value.isdigit() and len(value) <= 20:
            return f"?{name}={int(value)}"
    return None


def id_candidates(alias: str) -> list[str]:
    """Where the item a ``?p=ID`` names may be kept: WordPress answers ``?p=`` for a post of any
    type, so a page's ``?page_id=`` and an attachment's ``?attachment_id=`` alias stand for it too
    (``/?p=3`` -> ``/privacy-policy/`` on WordPress itself). Other forms name one kind only."""
    name, _, value = alias.removeprefix("?").partition("=")
    if name != "p":
        return [alias]
    return [f"?{other}={value}" for other in ("p", "page_id", "attachment_id")]


def query_redirect(query: dict[str, str]) -> str | None:
    """Where a WordPress query on the front page now lives (a site path), for the forms that need no data."""
    for kind in archives.ARCHIVES:  # ?tag=oil (by slug); ?cat=5 and ?author=2 are ids, kept as aliases
        if not kind.wordpress_by_id and (slug := query.get(kind.wordpress_query, "").strip()):
            return kind.path(slug.split(",")[0].split("+")[0]) if re.fullmatch(r"[\w,+-]{1,200}", slug) else None
    if query.get("feed") in ("rss2", "rss", "rdf", "atom"):
        return "/feed/atom/" if query["feed"] == "atom" else "/feed/"
    month = query.get("m", "")
    if re.fullmatch(r"\d{4}(\d{2}){0,2}", month):
        return f"/{month[:4]}/{month[4:6]}/" if len(month) >= 6 else f"/{month}/"
    wordpress_queries = (*ID_PARAMETERS, *(kind.wordpress_query for kind in archives.ARCHIVES), "m", "feed")
    if query and all(name in wordpress_queries and not value.strip() for name, value in query.items()):
        return "/"  # an empty WordPress query (``/?cat=``): WordPress drops it and shows the front page
    if re.fullmatch(r"\d{4}", query.get("year", "")):
        month = query.get("monthnum", "")
        return f"/{query['year']}/{int(month):02d}/" if month.isdigit() and 1 <= int(month) <= 12 \
            else f"/{query['year']}/"
    return None


def redirect_for(path: str) -> tuple[str, str | None] | None:
    """For a path nothing here answers (no slashes at the ends): ``(target, post_path)``.

    ``target`` is the site path to redirect to; ``post_path``, when set, is an old post path the
    caller must first resolve to the post's slug (the target then names the post).
    """
    if (match := _ARCHIVE_PAGE.match(path)) is not None:
        return (f"/{match['archive']}/" if match["archive"] else "/"), None
    if (match := _DAY.match(path)) is not None:
        return f"/{match['month']}/", None
    if path == "comments/feed" or path.startswith("comments/feed/"):
        return "/feed/", None
    if (match := _FEED_VARIANT.match(path)) is not None:
        return f"/{match['archive']}feed/", None
    if (match := _POST_SUFFIX.match(path)) is not None:
        suffix = path[len(match["post"]) + 1:]
        return ("comments/feed/" if suffix.startswith("feed") else ""), match["post"]
    return under_old_base(path)


def under_old_base(path: str) -> tuple[str, None] | None:
    """An archive or feed URL of a WordPress site that lived in a subdirectory (``/blog/category/x/``,
    ``/demo/feed/``, ``/blog/2024/01/``): the same archive here, at the root. Its posts' own URLs
    there are aliases the import wrote."""
    base, _, rest = path.partition("/")
    if not rest or _DATE_PART.match(base) or rest.startswith("comments/feed"):  # an article's own feed: 404
        return None
    if _ROOT_ARCHIVE.match(rest):
        return f"/{rest}/", None
    found = redirect_for(rest)
    return (found[0], None) if found is not None and found[1] is None else None
