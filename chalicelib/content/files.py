"""What a content file becomes: a typed object (``Article``, ``Author``, ``Category``, ``Tag``,
``Settings``), or a ``ContentError`` that names the file, each field and the problem.

The vocabulary of the content format, with no parsing here: ``front_matter`` reads the bytes,
``content_format`` checks the fields and builds these. Ingest, the editors' tool and the importer
all speak in these types.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from chalicelib.site_settings import Settings

__all__ = ["Article", "Author", "Category", "ContentError", "ContentFile", "Problem", "Settings", "Tag",
           "fault_of_ours", "printable"]

SURROGATE = re.compile(  # half of a UTF-16 pair: no character, nothing can store it
    "[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with any lone surrogate replaced by U+FFFD, so it can be written as UTF-8."""
    return SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: which field, what is wrong, where.

    Its words can always be stored, printed and written as UTF-8: a lone
    surrogate quoted from the file becomes U+FFFD.
    """

    field: str
    message: str
    line: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "field", printable(self.field))
        object.__setattr__(self, "message", printable(self.message))

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.field}: {self.message}{where}"


class ContentError(Exception):
    """A file an editor uploaded cannot be published; ``problems`` says why."""

    def __init__(self, key: str, problems: list[Problem]):
        self.key = key
        self.problems = problems
        super().__init__("\n".join(f"{key}: {p}" for p in problems))


def fault_of_ours(key: str, exc: BaseException) -> ContentError:
    """The report for a file that broke the site's own code (``exc``): not the editor's mistake to
    find, so it says so, and what to do, in words (the operators get ``exc`` in the log: see ``ingest``)."""
    return ContentError(key, [Problem("file", "could not be published because of a fault in the site's own "
                                      "software; the site is unchanged. Please report "
                                      "this file to the site's developers; changing the file may work around it")])


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Author:
    """A byline: display name and biography."""

    key: str
    slug: str
    name: str
    bio: str = ""
    aliases: tuple[str, ...] = ()  # old URLs of the archive (/?author=2, /author/old-login/)


@dataclass(frozen=True)
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
class Tag:
    """A tag with a file of its own: its archive answers even before any article carries it."""

    key: str
    slug: str
    name: str
    description: str = ""


ContentFile = Article | Author | Category | Tag | Settings
