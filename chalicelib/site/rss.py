"""RSS 2.0 documents, written as strings: the site's feeds and an article's comments feed.

The feeds were made with feedgen, which builds an lxml tree through a setter per field and then
serializes it: a third of a feed's CPU, more than the DynamoDB read it shows. What a feed says is
a short fixed shape, so it is written here directly, element for element and byte for byte as
feedgen wrote it (tests/unit/test_rss.py compares the two on generated feeds), with XML's
escaping as lxml applies it. Atom feeds, rarely asked for, are still feedgen's.

Text goes in as given: callers escape plain text as HTML first where feed readers render it as
HTML (``feeds._as_text``). Characters XML 1.0 cannot carry (most control characters) are dropped,
where lxml would refuse the whole document.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from email.utils import format_datetime  # RFC 822 dates in English, whatever the locale

DOCS = "http://www.rssboard.org/rss-specification"
GENERATOR = "newsroom"
_XML_CHARS = "\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff"  # what XML 1.0 can carry
_NOT_XML = re.compile(f"[^{_XML_CHARS}]")
_TO_ESCAPE = re.compile(f"[&<>\r]|[^{_XML_CHARS}]")  # escaped, or dropped


@dataclass
class Item:
    """One ``<item>``: ``guid`` is its permalink; ``categories`` are their names."""

    title: str
    link: str
    description: str
    published: dt.datetime
    author: str | None = None  # "email (name)", as RSS spells an author
    categories: list[str] = field(default_factory=list)


@dataclass
class Channel:
    """The ``<channel>``: ``link`` the page it follows, ``self_link`` the feed's own address."""

    title: str
    link: str
    description: str
    self_link: str
    built: dt.datetime  # lastBuildDate
    language: str | None = None


def document(channel: Channel, items: list[Item]) -> str:
    """The RSS 2.0 document: the channel, then ``items`` in the order given."""
    parts = ["<?xml version='1.0' encoding='UTF-8'?>\n",
             '<rss xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
             ' version="2.0"><channel>',
             _element("title", channel.title), _element("link", channel.link),
             _element("description", channel.description),
             f'<atom:link href="{_attribute(channel.self_link)}" rel="self"/>',
             _element("docs", DOCS), _element("generator", GENERATOR)]
    if channel.language:
        parts.append(_element("language", channel.language))
    parts.append(_element("lastBuildDate", _date(channel.built)))
    for item in items:
        parts.append("<item>")
        parts += [_element(name, text) for name, text in
                  (("title", item.title), ("link", item.link), ("description", item.description)) if text]
        if item.author:
            parts.append(_element("author", item.author))
        parts.append(f'<guid isPermaLink="true">{_text(item.link)}</guid>')
        parts += [_element("category", name) for name in item.categories]
        parts += [_element("pubDate", _date(item.published)), "</item>"]
    parts.append("</channel></rss>")
    return "".join(parts)


def _element(name: str, text: str) -> str:
    return f"<{name}>{_text(text)}</{name}>"


def _date(moment: dt.datetime) -> str:
    """A date as RSS writes it (RFC 822). A warm function writes the same articles' dates feed after
    feed, so each is formatted once (keyed with its offset: equal moments in other zones are written
    otherwise)."""
    return _rfc822(moment, moment.utcoffset())


@functools.lru_cache(maxsize=4096)
def _rfc822(moment: dt.datetime, offset: dt.timedelta | None) -> str:
    return format_datetime(moment)


def _text(value: str) -> str:
    """Text as lxml escapes it (``str.replace`` in a chain: a fifth of ``str.translate``'s CPU here);
    most text (addresses, names) has nothing to escape, and one search says so."""
    if _TO_ESCAPE.search(value) is None:
        return value
    return _NOT_XML.sub("", value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        "\r", "&#13;")


def _attribute(value: str) -> str:
    """An attribute's value as lxml escapes it."""
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
