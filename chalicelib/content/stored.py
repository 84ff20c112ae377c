"""An article's declared fields as its item keeps them (chalicelib/fields.py: each kind's
``to_item``): times as items write them, titles and notes typeset, slugs and names of terms, a
password as its salted hash.

Ingest stores these on the article's item (``publish.articles.post_item``); the desk's preview
shows a checked file from the same values without storing anything (``site.pages.preview_page``),
so the preview and the page agree field by field.
"""

from __future__ import annotations

from typing import Any

from chalicelib import fields
from chalicelib.content.files import Article, LiveEntry
from chalicelib.content.markup import typeset_text


def item_values(article: Article, excerpt: str) -> dict[str, Any]:
    """The article's declared fields as its item stores them, by attribute; an empty summary (a
    kind ``or_excerpt``) is the body's ``excerpt``."""
    out: dict[str, Any] = {}
    for declared in fields.ARTICLE:
        names = fields.item_attributes(declared)
        if not names:
            continue
        value = getattr(article, declared.name)
        if isinstance(declared.kind, fields.Names):
            value = (value, getattr(article, declared.kind.names_as))
        out[names[0]] = declared.kind.to_item(value, typeset_text)
        if isinstance(declared.kind, fields.Byline):
            out[names[1]] = getattr(article, declared.kind.name_as)
        if out[names[0]] is None and getattr(declared.kind, "or_excerpt", False):
            out[names[0]] = excerpt
    return out


def entry_values(entry: LiveEntry) -> dict[str, Any]:
    """A live blog entry's declared fields (``fields.ENTRY``) as its item stores them, by attribute
    (``deleted`` is not stored: a deleted entry has no item)."""
    out: dict[str, Any] = {}
    for declared in fields.ENTRY:
        if declared.name == "deleted":
            continue
        names = fields.item_attributes(declared)
        out[names[0]] = declared.kind.to_item(getattr(entry, declared.name), typeset_text)
        if isinstance(declared.kind, fields.Byline):
            out[names[1]] = getattr(entry, declared.kind.name_as)
    return {name: value for name, value in out.items() if value is not None}
