"""What a content file becomes: a typed object (``Article``, ``Author``, ``Category``, ``Tag``,
``Settings``), or a ``ContentError`` that names the file, each field and the problem.

The vocabulary of the content format, with no parsing here: ``front_matter`` reads the bytes,
``content_format`` checks the fields and builds these. Ingest, the editors' tool and the importer
all speak in these types. Their fields are those chalicelib/fields.py declares (``fields.completed``
adds each one not written here); the ones code reads by name are written here, with their types.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from chalicelib import fields
from chalicelib.problems import ContentError, Problem, fault_of_ours, printable
from chalicelib.site_settings import Settings

__all__ = ["Article", "Author", "Category", "ContentError", "ContentFile", "LiveEntry", "Problem", "Settings", "Tag",
           "fault_of_ours", "printable"]


@dataclass(frozen=True)
@fields.completed(fields.ARTICLE)
class Article:
    """An article or static page, ready for Markdown rendering."""

    kind: str  # "article" or "page"
    key: str
    slug: str
    title: str
    date: dt.datetime | None
    body: str
    body_format: str  # "markdown" or "html"
    author: str | None = None  # author slug
    author_name: str | None = None  # as written, used when no author file exists
    categories: tuple[str, ...] = ()  # category slugs, first is the primary
    category_names: tuple[str, ...] = ()  # as written, same order
    tags: tuple[str, ...] = ()  # tag slugs
    tag_names: tuple[str, ...] = ()
    summary: str = ""
    image: str | None = None
    image_alt: str = ""  # the featured image described for readers who cannot see it
    draft: bool = False
    updated: dt.datetime | None = None
    aliases: tuple[str, ...] = ()
    comments: bool = True  # readers may comment (front matter ``comments: false`` closes them)
    sticky: bool = False  # kept on top of the home page's first page (WordPress's sticky posts)
    corrections: tuple[tuple[dt.datetime, str], ...] = ()  # public notes of what was corrected, and when
    password: str | None = None  # readers see the title and a form; the body only with this password
    parent: str | None = None  # a page's parent page (its slug); an article has none


@dataclass(frozen=True)
@fields.completed(fields.AUTHOR)
class Author:
    """A byline: display name and biography."""

    key: str
    slug: str
    name: str
    bio: str = ""
    photo: str | None = None  # a photo in Media, by its address (/media/2026/12/me.jpg)
    aliases: tuple[str, ...] = ()  # old URLs of the archive (/?author=2, /author/old-login/)


@dataclass(frozen=True)
@fields.completed(fields.CATEGORY)
class Category:
    """A category: display name, description and place in the menu."""

    key: str
    slug: str
    name: str
    description: str = ""
    menu_order: int | None = None
    parent: str | None = None
    aliases: tuple[str, ...] = ()  # old URLs of the archive (/?cat=5, /category/old-name/)


@dataclass(frozen=True)
@fields.completed(fields.TAG)
class Tag:
    """A tag with a file of its own: its archive answers even before any article carries it."""

    key: str
    slug: str
    name: str
    description: str = ""
    aliases: tuple[str, ...] = ()  # old URLs of the archive (/tag/old-name/): they redirect here


@dataclass(frozen=True)
@fields.completed(fields.ENTRY)
class LiveEntry:
    """One update of a live blog (``articles/<article>/live/<id>.md``): its article is the file
    ``articles/<article>.<suffix>``, named here by its folder (``articles/<article>``)."""

    key: str
    folder: str  # the article's file without its suffix: ``articles/iran-war``
    id: str  # the file's name without its suffix: the entry's anchor on the page
    body: str
    body_format: str  # "markdown" or "html"
    time: dt.datetime | None = None
    author: str | None = None  # author slug
    author_name: str | None = None
    pinned: bool = False  # a key event: listed at the top of the page
    correction: str = ""  # a public correction note, shown with the entry
    deleted: bool = False  # taken down: gone from the page and the feed, the file kept


ContentFile = Article | Author | Category | Tag | Settings | LiveEntry
