"""Reading a WordPress export (WXR 1.0 to 1.2): safely (defusedxml: no DTDs, so no entity expansion
and no external entities), as a stream (one item in memory at a time), with its namespaced tags
renamed (``wp_post_id``, ``content_encoded``...); and what an element says: its text, its post meta,
its date, an HTML fragment as plain text. Nothing here converts anything (``converting``).
"""

from __future__ import annotations

import codecs
import datetime as dt
import html
import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from chalicelib import clock

# Namespace URIs of WXR 1.0-1.2 (http and https, as WordPress.org and WordPress.com write them) -> prefix.
_NAMESPACES = (
    (re.compile(r"^https?://wordpress\.org/export/1\.\d/excerpt/$"), "excerpt"),
    (re.compile(r"^https?://wordpress\.org/export/1\.\d/$"), "wp"),
    (re.compile(r"^http://purl\.org/rss/1\.0/modules/content/$"), "content"),
    (re.compile(r"^http://purl\.org/dc/elements/1\.1/$"), "dc"),
)


class ExportError(Exception):
    """The export cannot be read: nothing was converted."""


def read_export(path: Path) -> Iterator[Element]:
    """The export's ``<channel>`` once, then each ``<item>``, read as a stream (``iterparse``): namespaced
    tags renamed ``wp_post_id``, ``content_encoded``... Each item is taken out of the tree once the
    caller is done with it, so memory holds one item at a time, whatever the export's size.

    :raise ExportError: not readable, not XML, declares a DTD or entities, or is not a WXR file.
    """
    _check_encoding(path)
    try:
        depth, root, channel, in_channel, announced = 0, None, None, False, False
        for event, element in iterparse(str(path), events=("start", "end"), forbid_dtd=True,
                                        forbid_entities=True, forbid_external=True):
            if event == "start":
                depth += 1
                _rename(element)
                if depth == 1:
                    root = element
                elif depth == 2:
                    in_channel = channel is None and element.tag == "channel" and root is not None and \
                        root.tag == "rss"
                    channel = element if in_channel else channel
                elif depth == 3 and in_channel and element.tag == "item" and not announced and \
                        channel is not None and channel.find("wp_wxr_version") is not None:
                    announced = True
                    yield channel
                continue
            depth -= 1
            if depth == 2 and in_channel and element.tag == "item" and channel is not None:
                if announced:
                    yield element
                channel.remove(element)
            elif depth == 1:
                in_channel = False
        # Only now, the whole file read: a file that is not well-formed XML is told so first.
        if channel is None or channel.find("wp_wxr_version") is None:
            raise ExportError(f"{path}: not a WordPress export (WXR): no <rss><channel> with <wp:wxr_version>")
        if not announced:  # an export with no items at all
            yield channel
    except DefusedXmlException:
        raise ExportError(f"{path}: refused: the file declares a DTD or entities; "
                          "WordPress exports never do, so this is not one (or it was tampered with)") from None
    except ParseError as exc:
        line, column = exc.position
        raise ExportError(f"{path}: not well-formed XML at line {line}, column {column + 1}: {exc.msg}") from None
    except OSError as exc:
        raise ExportError(f"{path}: cannot be read: {exc.strerror}") from None


_DECLARATION = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")


def _check_encoding(path: Path) -> None:
    """The export's declared encoding must be one this reads as text: known, and ASCII-compatible
    (UTF-8, as WordPress writes, or a single-byte one). UTF-7, UTF-16 and names nobody knows are
    refused in one line, before anything is read.

    :raise ExportError: naming the encoding.
    """
    try:
        with open(path, "rb") as file:
            head = file.read(200)
    except OSError as exc:
        raise ExportError(f"{path}: cannot be read: {exc.strerror}") from None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExportError(f"{path}: is UTF-16; save the export as UTF-8 (WordPress writes UTF-8)")
    found = _DECLARATION.match(head)
    if found is None:
        return  # no declaration: XML's default, UTF-8
    name = found.group(1).decode("ascii")
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise ExportError(f"{path}: declares the encoding {name!r}, which is not one known here; save the "
                          "export as UTF-8") from None
    sample = '<?xml version="1.0"?><rss>'
    if codec.name in ("utf-7", "utf-16", "utf-32") or codec.name.startswith(("utf-16", "utf-32")) \
            or sample.encode(codec.name, errors="replace") != sample.encode("ascii"):
        raise ExportError(f"{path}: declares the encoding {name!r}, which this importer does not read (it "
                          "must be ASCII-compatible, as UTF-8 is); save the export as UTF-8")


def _rename(element: Element) -> None:
    if isinstance(element.tag, str) and element.tag.startswith("{"):
        uri, local = element.tag[1:].split("}", 1)
        prefix = next((p for pattern, p in _NAMESPACES if pattern.match(uri)), None)
        element.tag = f"{prefix}_{local}" if prefix else local


def text(element: Element | None, tag: str) -> str:
    """The text of ``element``'s child ``tag`` (of ``element`` itself for "text"), stripped; "" if none."""
    if element is None:
        return ""
    found = element.find(tag) if tag != "text" else element
    return (found.text or "").strip() if found is not None else ""


def plain(fragment: str) -> str:
    """HTML (a title, an excerpt) as plain text."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def meta(item: Element) -> dict[str, str]:
    """An item's post meta (``wp_postmeta``): key -> value."""
    return {text(m, "wp_meta_key"): text(m, "wp_meta_value") for m in item.findall("wp_postmeta")}


def date(item: Element, tags: tuple[str, str] = ("wp_post_date_gmt", "wp_post_date")) -> str | None:
    """A post's (or, with comment tags, a comment's) date as ISO 8601 UTC: GMT first, else local."""
    for tag in tags:
        value = text(item, tag)
        if value and not value.startswith("0000"):
            try:
                return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").strftime(clock.ITEM_FORMAT)
            except ValueError:
                continue
    return None
