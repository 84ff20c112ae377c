"""Convert a WordPress export (WXR 1.0 to 1.2) into our content files.

``convert(path)`` reads the export safely (defusedxml: no DTDs, so no entity
expansion and no external entities) and returns a ``Migration``: the files to
upload, keyed by bucket key, and one ``Outcome`` per thing in the export
(imported, skipped or failed, with the reason). Nothing here touches AWS;
``newsroom import-wordpress`` uploads the files through the normal path
(``newsroom.publisher``), so an import is ingested like any editor's upload.

The output is a pure function of the export (and the media folder): running
the import again produces the same bytes, and the publisher skips files whose
bytes are already in the bucket, so a re-run changes nothing.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import html
import json
import re
import unicodedata
from collections import ChainMap, Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError

import yaml
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from chalicelib import clock, config, outside_paths
from chalicelib.content.content_format import (
    MAX_ALIASES,
    MAX_ALT_CHARS,
    MAX_CATEGORIES,
    MAX_SUMMARY_CHARS,
    MAX_TAGS,
    MAX_TITLE_CHARS,
    RESERVED_SLUGS,
    normalize_slug,
)
from chalicelib.content.markup import is_media_source
from chalicelib.imports import blocks
from chalicelib.imports.fetch import FetchRefused, check_address, fetch

# Namespace URIs of WXR 1.0-1.2 (http and https, as WordPress.org and WordPress.com write them) -> prefix.
_NAMESPACES = (
    (re.compile(r"^https?://wordpress\.org/export/1\.\d/excerpt/$"), "excerpt"),
    (re.compile(r"^https?://wordpress\.org/export/1\.\d/$"), "wp"),
    (re.compile(r"^http://purl\.org/rss/1\.0/modules/content/$"), "content"),
    (re.compile(r"^http://purl\.org/dc/elements/1\.1/$"), "dc"),
)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's, where built: same output, 10x faster
MAX_COMMENT_CHARS = 5000  # chalicelib.site.comments' limits
MAX_NAME_CHARS = 80
UNPUBLISHED = {"draft": "a draft", "private": "private", "pending": "pending review"}
BLOCK_LEVEL = re.compile(r"^\s*<(?:p|div|h[1-6]|ul|ol|li|table|thead|tbody|tr|td|th|blockquote|pre|figure|"
                         r"figcaption|hr|dl|dt|dd|section|article|aside|header|footer|address|form|"
                         r"fieldset|details|summary|!--)[\s>/]", re.IGNORECASE)
KNOWN_SHORTCODES = {"caption", "wp_caption", "gallery", "audio", "video", "embed", "playlist"}


class ExportError(Exception):
    """The export cannot be read: nothing was converted."""


@dataclass(frozen=True)
class Outcome:
    """What became of one thing in the export."""

    kind: str  # post, page, author, category, tag, attachment, comment, liveblog (an entry), other
    name: str
    status: str  # imported, unpublished, skipped, failed; after an upload: refused, waiting
    reason: str = ""
    key: str = ""  # the file it became, if any


@dataclass(frozen=True)
class ImportedComment:
    """A WordPress comment, for chalicelib.publish.moderation.import_comment (after its article is live)."""

    slug: str  # the article's new slug
    id: str  # "<date>-<WordPress comment id, hex>": the same on every run
    parent: str | None  # the thread's top comment
    reply_to: str | None  # the reply it answers, below the top (None: it answers the top comment)
    level: int | None  # 1: a top comment, 2: a reply to it, 3...; None: 1 or 2 as ``parent`` says
    name: str
    email: str | None
    text: str  # plain text
    created: str
    approved: bool  # else pending


def remote_source(address: str) -> MediaSource:
    """The old site's address as the imports function may download from it (``fetch.check_address``):
    never a host off the public internet, on any hop. :raise FetchRefused: why not."""
    return MediaSource(check_address(address), allow_private=False)


class MediaSource:
    """Where the old site's uploads are: a copy of its ``wp-content/uploads`` folder, or the old
    site's address (``https://old.example.com``), downloaded from where still reachable.

    Every path it is asked for is data (``outside_paths``): checked before it names a file in the
    folder or the download cache, and the file must then be inside that folder."""

    MAX_BYTES = 200 * 1024 * 1024
    TIMEOUT = 30.0

    def __init__(self, where: str | Path, cache: Path | None = None, allow_private: bool = True):
        self.allow_private = allow_private
        self.url = str(where).rstrip("/") if str(where).startswith(("http://", "https://")) else None
        if self.url and "/wp-content/uploads" not in self.url:
            self.url += "/wp-content/uploads"
        self.folder = Path(where) if self.url is None else None
        self._cache = cache
        self.failures: dict[str, str] = {}  # relative path -> why it could not be had

    def get(self, relative: str) -> Path | None:
        """The upload at ``2019/05/photo.jpg``, as a local file; None when there is none (or when it is
        refused: ``failures`` says why).

        Only what the editor named is read: in a folder, regular files inside it (no link out of it, no
        device); from an address, that site only (a redirect to another host or scheme is refused), and
        never an address off the public internet unless the editor gave the old site's address as one
        such (an intranet WordPress, on their own machine)."""
        if relative in self.failures:
            return None
        try:
            if self.folder is not None:
                return self._from_folder(relative)
            target = outside_paths.inside(self.cache, relative)
        except outside_paths.PathRefused as refused:
            self.failures[relative] = f"not read: {refused.reason}"
            return None
        if target.is_file():
            return target
        if target.exists():
            self.failures[relative] = f"not read: {relative} is not a regular file"
            return None
        from urllib.parse import quote

        address = f"{self.url}/{quote(relative)}"
        try:
            data = fetch(address, self.MAX_BYTES, self.TIMEOUT, allow_private=self.allow_private)
        except FetchRefused as refused:
            self.failures[relative] = f"not downloaded: {refused}"
            return None
        except (OSError, ValueError) as error:
            self.failures[relative] = f"could not download {address}: {getattr(error, 'reason', error)}"
            return None
        if len(data) > self.MAX_BYTES:
            self.failures[relative] = f"{address} is larger than {self.MAX_BYTES // 2 ** 20} MB"
            return None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as error:  # a folder of the cache has the name of another upload
            self.failures[relative] = f"could not keep {address}: {error.strerror}"
            return None
        return target

    def _from_folder(self, relative: str) -> Path | None:
        """A regular file inside the folder. :raise PathRefused: a path that leads out of it."""
        assert self.folder is not None
        resolved = outside_paths.inside(self.folder, relative)
        path = self.folder / relative
        if not path.exists() and not path.is_symlink():
            return None
        if path.is_symlink():
            self.failures[relative] = f"not read: {relative} is a link out of the folder {self.folder}"
            return None
        if not resolved.is_file():
            self.failures[relative] = f"not read: {relative} is not a regular file"
            return None
        return resolved

    @property
    def cache(self) -> Path:
        if self._cache is None:
            import tempfile

            self._cache = Path(tempfile.mkdtemp(prefix="newsroom-media-"))
        return self._cache

    def variants(self, relative: str, metadata: str) -> list[str]:
        """The size variants WordPress made of an upload (``photo-300x200.jpg``...): named in its
        ``_wp_attachment_metadata``, and, in a folder, the files beside it named that way. Names are
        as the export gives them: each is checked where it is read (``get``)."""
        folder, name = PurePosixPath(relative).parent, PurePosixPath(relative)
        found = [f"{folder}/{f}" if str(folder) != "." else f
                 for f in re.findall(r's:4:"file";s:\d+:"([^"/]+)"', metadata)]
        if self.folder is not None and (self.folder / str(folder)).is_dir():
            pattern = re.compile(re.escape(name.stem) + r"-\d+x\d+" + re.escape(name.suffix) + "$")
            found += [str(folder / p.name) for p in sorted((self.folder / str(folder)).iterdir())
                      if pattern.match(p.name)]
        return [v for v in _unique(found) if v != relative]


class _FilesOnDisk(Mapping[str, bytes]):
    """Bucket key -> bytes, read when asked: one upload in memory at a time, however many."""

    def __init__(self, paths: dict[str, Path]):
        self.paths = paths

    def __getitem__(self, key: str) -> bytes:
        return self.paths[key].read_bytes()

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)


@dataclass
class Migration:
    """The files an export becomes, and what became of each thing in it."""

    site_name: str
    files: dict[str, bytes] = field(default_factory=dict)  # bucket key -> bytes (content files)
    media: dict[str, Path] = field(default_factory=dict)  # bucket key -> the copied upload on disk
    outcomes: list[Outcome] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)  # item -> warnings (kept, but changed)
    old_paths: dict[str, str] = field(default_factory=dict)  # old permalink path -> new key
    comments: list[ImportedComment] = field(default_factory=list)
    blocks: Counter[str] = field(default_factory=Counter)  # editor blocks: rendered / reported

    def settle(self, refused: dict[str, str], waiting: set[str], kept: Iterable[str] = ()) -> None:
        """Say what really became of each item once its file was uploaded: refused by the site (with
        why), not yet applied when the import stopped waiting, or kept: another version of the file
        was already there, and an import never overwrites (``uploads.upload``'s ``keep_existing``)."""
        kept_keys = set(kept)
        self.outcomes = [
            dataclasses.replace(o, status="refused", reason=refused[o.key]) if o.key in refused
            else dataclasses.replace(o, status="waiting", reason="uploaded; not applied yet when the import "
                                     "stopped waiting") if o.key in waiting
            else dataclasses.replace(o, status="skipped", reason=_already_there(o.key)) if o.key in kept_keys else o
            for o in self.outcomes]
        shown = {o.key for o in self.outcomes}
        self.outcomes += [Outcome("file", key, "skipped", _already_there(key), key)
                          for key in sorted(kept_keys - shown)]  # a size variant, an upload no attachment names

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter[str]] = {}
        for outcome in self.outcomes:
            out.setdefault(outcome.kind, Counter())[outcome.status] += 1
        return {kind: dict(counter) for kind, counter in sorted(out.items())}

    def note(self, name: str, message: str) -> None:
        self.notes.setdefault(name, []).append(message)

    def uploads(self) -> Mapping[str, bytes]:
        """Everything to upload, bucket key -> bytes: the content files, then the media, read from disk
        one at a time."""
        # ChainMap writes only to its first map; the files on disk are only read.
        return ChainMap(self.files, _FilesOnDisk(self.media))  # type: ignore[arg-type]


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


def _check_wxr(path: Path, channel: Element) -> None:
    if channel.find("wp_wxr_version") is None:
        raise ExportError(f"{path}: not a WordPress export (WXR): no <rss><channel> with <wp:wxr_version>")


def convert(path: Path, media_from: str | Path | MediaSource | None = None) -> Migration:
    """Convert the export at ``path``; ``media_from`` is where its uploads are (a copy of its
    wp-content/uploads folder, or the old site's address), if anywhere.

    Two passes over the file, each a stream: the first reads it all (so a file that is not well-formed
    XML is refused before anything is converted) and keeps only the channel's own elements, the
    attachments and the reusable blocks; the second converts the posts and pages one at a time.
    """
    stream = read_export(path)
    channel = next(stream)
    attachments: dict[str, Element] = {}
    reusable: dict[str, Element] = {}
    others: list[tuple[str, str]] = []  # (post type, id) of every item that is not a post or page, in order
    pages: dict[str, tuple[str, str]] = {}  # a page's id -> (its post_name, its parent's id): nested paths
    for item in stream:
        kind, post_id = _text(item, "wp_post_type"), _text(item, "wp_post_id")
        if kind == "page":
            pages[post_id] = (_text(item, "wp_post_name"), _text(item, "wp_post_parent"))
        if kind == "attachment":
            attachments.setdefault(post_id, item)
        elif kind == "wp_block":
            reusable.setdefault(post_id, item)
        if kind not in ("post", "page"):
            others.append((kind, post_id))

    def posts() -> Iterator[Element]:
        second = read_export(path)
        next(second)
        return (item for item in second if _text(item, "wp_post_type") in ("post", "page"))

    media = media_from if isinstance(media_from, MediaSource) or media_from is None else MediaSource(media_from)
    return _Converter(channel, media, posts, attachments, reusable, others, pages).run()


class _Converter:
    def __init__(self, channel: Element, media_from: MediaSource | None, posts: Callable[[], Iterator[Element]],
                 attachments: dict[str, Element], reusable: dict[str, Element], others: list[tuple[str, str]],
                 pages: dict[str, tuple[str, str]] | None = None):
        self.channel = channel
        self.media_from = media_from
        self.base_host = urlsplit(_text(channel, "wp_base_blog_url") or _text(channel, "link")).netloc
        self.migration = Migration(site_name=_text(channel, "title"))
        self.posts = posts
        self.attachments = attachments
        self.reusable = reusable
        self.others = others
        self.pages = pages or {}
        self.copied: dict[str, str] = {}  # original URL -> /media/... path
        self.refused: set[tuple[str, str]] = set()  # (item, upload URL) whose path was refused
        self.taken: dict[str, str] = {}  # slug -> item name that has it

    def run(self) -> Migration:
        self._authors()
        self._categories()
        self._tags()
        for item in self.posts():
            self._post(item, _text(item, "wp_post_type"))
        for kind, post_id in self.others:
            if kind == "attachment":
                self._attachment(self.attachments[post_id])
            else:
                self._outcome("other", f"{kind} {post_id}", "skipped",
                              "menus are set in settings/site.yaml" if kind == "nav_menu_item"
                              else f"WordPress post type '{kind}' has no equivalent here")
        return self.migration

    # --- terms and people -----------------------------------------------------------

    def _authors(self) -> None:
        for author in self.channel.findall("wp_author"):
            login = _text(author, "wp_author_login")
            name = _text(author, "wp_author_display_name") or login
            slug = normalize_slug(login)
            meta: dict[str, Any] = {"name": name}
            if _text(author, "wp_author_id").isdigit():
                meta["aliases"] = [f"/?author={int(_text(author, 'wp_author_id'))}"]  # WordPress's id form
            self._file(f"authors/{slug}.yaml", meta)
            self._outcome("author", name, "imported", key=f"authors/{slug}.yaml")

    def _categories(self) -> None:
        for category in self.channel.findall("wp_category"):
            slug = _slug(_text(category, "wp_category_nicename"))
            name = html.unescape(_text(category, "wp_cat_name")) or slug
            meta: dict[str, Any] = {"name": name}
            if _text(category, "wp_category_description"):
                meta["description"] = _text(category, "wp_category_description")
            if _text(category, "wp_category_parent"):
                meta["parent"] = _slug(_text(category, "wp_category_parent"))
            if _text(category, "wp_term_id").isdigit():
                meta["aliases"] = [f"/?cat={int(_text(category, 'wp_term_id'))}"]  # WordPress's id form
            self._file(f"categories/{slug}.yaml", meta)
            self._outcome("category", name, "imported", key=f"categories/{slug}.yaml")

    def _tags(self) -> None:
        """Every tag gets a file of its own, so that its archive answers as WordPress's does even
        while no published post carries it (200, "nothing found"; an unknown tag is a 404)."""
        for tag in self.channel.findall("wp_tag"):
            name = html.unescape(_text(tag, "wp_tag_name")).strip()
            slug = _slug(_text(tag, "wp_tag_slug")) or normalize_slug(name)
            if not slug:
                self._outcome("tag", name or "(no name)", "skipped", "it has neither a slug nor a name")
                continue
            meta: dict[str, Any] = {"name": name or slug}
            if _text(tag, "wp_tag_description"):
                meta["description"] = _text(tag, "wp_tag_description")
            self._file(f"tags/{slug}.yaml", meta)
            self._outcome("tag", name or slug, "imported", key=f"tags/{slug}.yaml")

    # --- posts and pages ---------------------------------------------------------------

    def _post(self, item: Element, kind: str) -> None:
        status = _text(item, "wp_status")
        post_id = _text(item, "wp_post_id")
        title = _plain(_text(item, "title"))
        name = f"{kind} {post_id} ({title or 'no title'})"
        if status == "trash":
            self._outcome(kind, name, "skipped", "in the WordPress trash")
            return
        slug = self._claim_slug(_slug(_text(item, "wp_post_name")) or normalize_slug(title) or f"{kind}-{post_id}",
                                post_id, name)
        meta: dict[str, Any] = {"title": (title or "Untitled")[:MAX_TITLE_CHARS]}
        if not title:
            self.migration.note(name, "had no title; imported as 'Untitled'")
        date = _date(item)
        if date:
            meta["date"] = date
        elif kind == "post":
            meta["date"] = "1970-01-01T00:00:00Z"
            self.migration.note(name, "had no date")
        if kind == "post":
            if _text(item, "dc_creator"):
                meta["author"] = normalize_slug(_text(item, "dc_creator"))
            meta.update(self._terms(item, name))
            if _text(item, "wp_is_sticky") == "1":
                meta["sticky"] = True  # kept on top of the home page, as in WordPress
            if _text(item, "wp_comment_status") == "closed":
                meta["comments"] = False  # closed in WordPress: no form here either
        excerpt = _plain(_text(item, "excerpt_encoded"))
        if excerpt:
            meta["summary"] = excerpt[:MAX_SUMMARY_CHARS]
        image, alt = self._featured_image(item, name)
        if image:
            meta["image"] = image
            if alt:
                meta["image_alt"] = alt
        unpublished = UNPUBLISHED.get(status)
        if unpublished:
            meta["draft"] = True
        elif _text(item, "wp_post_password"):  # as on WordPress: its title and a form; the body with the password
            meta["password"] = _text(item, "wp_post_password")[:200]
        by_id = [f"/?{'p' if kind == 'post' else 'page_id'}={int(post_id)}"] if post_id.isdigit() else []
        key = f"{'articles' if kind == 'post' else 'pages'}/{slug}.html"
        aliases = self._free((self._aliases(item, slug) + by_id)[:MAX_ALIASES], key, name)  # the old permalink, /?p=ID
        if aliases:
            meta["aliases"] = aliases
        body = self._body(item, name, post_id)
        self._comments(item, slug, name)  # a page's too: shown on it, closed to new ones
        liveblog = _meta(item).get("liveblog", "") if kind == "post" else ""
        if liveblog in ("enable", "archive"):  # Automattic's Liveblog plugin: its entries are comments
            meta["live"] = True
            ended = self._liveblog(item, key, name)
            if liveblog == "archive":
                meta["live_ended"] = ended or meta.get("date") or "1970-01-01T00:00:00Z"
        self._file(key, meta, body)
        if unpublished:
            self._outcome(kind, name, "unpublished", f"{unpublished} in WordPress: imported with draft: true", key)
        else:
            self._outcome(kind, name, "imported", "scheduled: appears at its date" if status == "future" else "",
                          key)

    def _comments(self, item: Element, slug: str, name: str) -> None:
        """Approved and pending comments, threads nested as they were; pingbacks, spam and trash skipped."""
        kept: dict[str, tuple[str, str, int]] = {}  # WordPress id -> (its parent's WordPress id, new id, level)
        found = sorted(item.findall("wp_comment"), key=lambda c: _text(c, "wp_comment_date_gmt"))
        for comment in found:
            wp_id, approved = _text(comment, "wp_comment_id"), _text(comment, "wp_comment_approved")
            kind = _text(comment, "wp_comment_type") or "comment"
            label = f"{kind} {wp_id} on {name}"
            if kind == "liveblog":
                continue  # a live blog's entry (``_liveblog``)
            if kind != "comment":
                self._outcome("comment", label, "skipped", f"{kind}s are not comments here")
                continue
            if approved not in ("0", "1"):
                self._outcome("comment", label, "skipped", f"marked {approved} in WordPress")
                continue
            created = _date(comment, ("wp_comment_date_gmt", "wp_comment_date"))
            if created is None or not wp_id.isdigit():
                self._outcome("comment", label, "failed", "no valid date or id")
                continue
            new_id = f"{created[:10].replace('-', '')}T{created[11:19].replace(':', '')}Z-{int(wp_id) % 2 ** 32:08x}"
            answered = _text(comment, "wp_comment_parent")
            root = answered
            while root in kept and kept[root][0] not in ("", "0"):  # up to the thread's top comment
                root = kept[root][0]
            threaded = root in kept and approved == "1"
            parent = kept[root][1] if threaded else None
            reply_to = kept[answered][1] if threaded and answered != root else None
            level = kept[answered][2] + 1 if threaded else 1
            kept[wp_id] = (answered, new_id, level)
            text = _comment_text(_text(comment, "wp_comment_content"))
            author = _plain(_text(comment, "wp_comment_author")) or "Anonymous"
            if not text:
                self._outcome("comment", label, "skipped", "empty")
                continue
            if len(text) > MAX_COMMENT_CHARS or len(author) > MAX_NAME_CHARS:
                self.migration.note(label, "shortened to this site's limits")
            email = _text(comment, "wp_comment_author_email")
            self.migration.comments.append(ImportedComment(
                slug=slug, id=new_id, parent=parent, reply_to=reply_to, level=level if level > 2 else None,
                name=author[:MAX_NAME_CHARS],
                email=email[:254] if "@" in email else None, text=text[:MAX_COMMENT_CHARS],
                created=created, approved=approved == "1"))
            self._outcome("comment", label, "imported", "" if approved == "1" else "pending moderation")

    def _liveblog(self, item: Element, key: str, name: str) -> str | None:
        """A live blog of Automattic's Liveblog plugin: its entries, which the plugin keeps as comments of type
        ``liveblog``, each as a file of its own (``articles/<slug>/live/wp-<id>.html``). An edit is a later
        entry naming the one it replaces (comment meta ``liveblog_replaces``): the entry keeps its time and
        takes the new text, or, empty, is deleted; ``liveblog_key_entry`` makes it a key event. Returns the
        last entry's time (when an archived live blog ended)."""
        entries: dict[str, dict[str, Any]] = {}
        found = sorted((c for c in item.findall("wp_comment") if _text(c, "wp_comment_type") == "liveblog"),
                       key=lambda c: _text(c, "wp_comment_date_gmt"))
        for comment in found:
            wp_id = _text(comment, "wp_comment_id")
            label = f"live blog entry {wp_id} on {name}"
            meta = {_text(m, "wp_meta_key"): _text(m, "wp_meta_value") for m in comment.findall("wp_commentmeta")}
            created = _date(comment, ("wp_comment_date_gmt", "wp_comment_date"))
            if created is None or not wp_id.isdigit():
                self._outcome("liveblog", label, "failed", "no valid date or id")
                continue
            content = _text(comment, "wp_comment_content")
            replaces = meta.get("liveblog_replaces", "")
            key_event = meta.get("liveblog_key_entry", "") not in ("", "0", "false")
            if replaces:
                entry = entries.get(replaces)
                if entry is None:
                    self._outcome("liveblog", label, "skipped", f"replaces entry {replaces}, which is not in the export")
                    continue
                entry.update(html=content, deleted=not content.strip(), edited=True)
                entry["pinned"] = entry["pinned"] or key_event
                continue
            entries[wp_id] = {"time": created, "author": _plain(_text(comment, "wp_comment_author")), "html": content,
                              "pinned": key_event, "deleted": not content.strip(), "edited": False}
        folder = key.rsplit(".", 1)[0]
        for wp_id, entry in entries.items():
            label = f"live blog entry {wp_id} on {name}"
            front: dict[str, Any] = {"time": entry["time"]}
            if entry["author"]:
                front["author"] = entry["author"][:200]
            if entry["pinned"]:
                front["pinned"] = True
            if entry["deleted"]:
                front["deleted"] = True
            entry_key = f"{folder}/live/wp-{int(wp_id)}.html"
            self._file(entry_key, front, entry["html"] if not entry["deleted"] else "")
            self._outcome("liveblog", label, "imported", "deleted in WordPress: imported with deleted: true"
                          if entry["deleted"] else "edited in WordPress: its last text" if entry["edited"] else "",
                          entry_key)
        return max((e["time"] for e in entries.values()), default=None)

    def _claim_slug(self, slug: str, post_id: str, name: str) -> str:
        wanted = slug
        if slug in RESERVED_SLUGS or re.fullmatch(r"\d{4}", slug) or slug in self.taken:
            slug = f"{slug}-{post_id}"
            why = ("is used by " + self.taken[wanted]) if wanted in self.taken else "is reserved for the site's own pages"
            self.migration.note(name, f"slug '{wanted}' {why}; imported as '{slug}' (the old URL redirects)")
        self.taken[slug] = name
        return slug

    def _terms(self, item: Element, name: str) -> dict[str, list[str]]:
        categories = _unique(_slug(c.get("nicename", "")) or normalize_slug(c.text or "")
                             for c in item.findall("category") if c.get("domain") == "category")
        tags: dict[str, str] = {}  # slug -> name: each slug once, with its first spelling, in order
        for element in item.findall("category"):
            if element.get("domain") == "post_tag":
                slug, label = _tag(element)
                tags.setdefault(slug, label)
        out: dict[str, list[Any]] = {}
        for field_name, values, limit in (("categories", [(c, c) for c in categories], MAX_CATEGORIES),
                                          ("tags", list(tags.items()), MAX_TAGS)):
            values = [(slug, label) for slug, label in values if slug]
            if len(values) > limit:
                self.migration.note(name, f"had {len(values)} {field_name}; kept the first {limit}, dropped: "
                                          + ", ".join(label for _, label in values[limit:]))
                values = values[:limit]
            if values:
                # A tag keeps WordPress's slug (its archive URL) where the name would make another one.
                out[field_name] = [label if field_name == "categories" or normalize_slug(label) == slug
                                   else {"name": label, "slug": slug} for slug, label in values]
        return out

    def _free(self, aliases: list[str], key: str, name: str) -> list[str]:
        """The aliases no earlier item of the export claimed, each now ``key``'s; the others are left out
        with a note (an old address leads to one article: ingest would refuse the second file)."""
        kept = []
        for alias in aliases:
            holder = self.migration.old_paths.setdefault(alias, key)
            if holder == key:
                kept.append(alias)
            else:
                self.migration.note(name, f"old address {alias} already leads to {holder}; left out of its aliases")
        return kept

    def _aliases(self, item: Element, slug: str) -> list[str]:
        """The paths WordPress answered for this item that are not ours: its link's path, its own
        post_name where our slug differs (one we normalise, such as an emoji), and a page's nested
        path under its parents (``/parent/child/``, as WordPress's page permalinks are)."""
        paths = []
        link = urlsplit(_text(item, "link"))
        path = _as_path(link.path)
        if path and "?" not in _text(item, "link"):
            paths.append(path)
        name = _as_path(_text(item, "wp_post_name"))
        if name:
            paths.append(name)
            if _text(item, "wp_post_type") == "page":
                paths.append("/".join([*self._ancestors(_text(item, "wp_post_parent")), name]))
        return [f"/{p}/" for p in dict.fromkeys(paths) if p != slug]

    def _ancestors(self, parent: str) -> list[str]:
        """The post_names of a page's parents, outermost first (a loop in the export ends the walk)."""
        names: list[str] = []
        seen: set[str] = set()
        while parent and parent != "0" and parent in self.pages and parent not in seen and len(names) < 20:
            seen.add(parent)
            name, parent = self.pages[parent]
            names.insert(0, _as_path(name))
        return names

    def _featured_image(self, item: Element, name: str) -> tuple[str | None, str]:
        """The featured image's address here and its alt text as WordPress kept it (the attachment's
        ``_wp_attachment_image_alt``); (None, "") without one."""
        thumbnail = next((_text(m, "wp_meta_value") for m in item.findall("wp_postmeta")
                          if _text(m, "wp_meta_key") == "_thumbnail_id"), "")
        attachment = self.attachments.get(thumbnail)
        if not thumbnail:
            return None, ""
        if attachment is None:
            self.migration.note(name, f"featured image {thumbnail} is not in the export; left out")
            return None, ""
        alt = _plain(_meta(attachment).get("_wp_attachment_image_alt", ""))[:MAX_ALT_CHARS]
        return self._media_url(_text(attachment, "wp_attachment_url"), name), alt

    # --- bodies --------------------------------------------------------------------------

    def _body(self, item: Element, name: str, post_id: str) -> str:
        body = _text(item, "content_encoded")
        if blocks.has_blocks(body):
            context = blocks.Context(lambda message: self.migration.note(name, message), _autop,
                                     footnotes=_footnotes(item), embed_title=_embed_titles(item),
                                     reusable=self._reusable, counts=self.migration.blocks)
            body = blocks.render(body, context)
        else:
            body = _autop(self._auto_embeds(body, item))
        body = self._shortcodes(body, name, post_id, item)
        body = _aligned_by_class(body)
        body = re.sub(r'(<(?:img|source|audio|video|track)\b[^>]*?\s(?:src|poster)=")([^"]+)"',
                      lambda m: m.group(1) + html.escape(self._media_url(html.unescape(m.group(2)), name), quote=True)
                      + '"', body)
        body = re.sub(r'(<a\b[^>]*?\shref=")([^"]+)"',
                      lambda m: m.group(1) + html.escape(self._local_link(html.unescape(m.group(2)), name), quote=True)
                      + '"', body)
        for tag, url in re.findall(r'<(audio|video|source|track)\b[^>]*?\ssrc="([^"]*)"', body):
            if not is_media_source(html.unescape(url)):
                self.migration.note(name, f"<{tag}> source {_shown(html.unescape(url))} is neither https: nor a "
                                          "copied upload; it does not play here (pass --media-from)")
        if not re.sub(r"<[^>]+>|\s", "", body) and not re.search(r"<(?:img|audio|video|hr|li|figure|div)\b", body):
            self.migration.note(name, "had no content")
            body = "<p></p>"
        return body.strip() + "\n"

    def _reusable(self, ref: int) -> str | None:
        item = self.reusable.get(str(ref))
        return _text(item, "content_encoded") if item is not None else None

    def _auto_embeds(self, body: str, item: Element) -> str:
        """WordPress turns a URL alone on its line in classic content into an embed (oEmbed)."""
        titles = _embed_titles(item)

        def card(match: re.Match[str]) -> str:
            url = html.unescape(match.group(1))
            return blocks.embed_card(url, titles(url)) if _provider(url) else match.group(0)

        return re.sub(r"^[ \t]*(https?://[^\s<>\"]+)[ \t]*$", card, body, flags=re.MULTILINE)

    def _shortcodes(self, body: str, name: str, post_id: str, item: Element) -> str:
        def gallery(match: re.Match[str]) -> str:
            attrs = _attributes(match.group(1))
            ids = [i.strip() for i in attrs.get("ids", "").split(",") if i.strip()] or [
                i for i, a in self.attachments.items() if _text(a, "wp_post_parent") == post_id]
            images = [self.attachments[i] for i in ids if i in self.attachments
                      and _text(self.attachments[i], "wp_attachment_url").lower().endswith(
                          (".jpg", ".jpeg", ".png", ".gif", ".webp"))]
            if not images:
                self.migration.note(name, "a [gallery] had no images in the export; left out")
                return ""
            columns = attrs.get("columns", "3")
            columns = columns if columns.isdigit() and 1 <= int(columns) <= 10 else "3"
            return f'<figure class="wp-block-gallery gallery columns-{columns}">' + "".join(
                f'<figure class="wp-block-image"><img src="{html.escape(_text(a, "wp_attachment_url"), quote=True)}" '
                f'alt="{html.escape(_plain(_text(a, "title")), quote=True)}">'
                + (f"<figcaption>{html.escape(_plain(_text(a, 'excerpt_encoded')))}</figcaption>"
                   if _text(a, "excerpt_encoded") else "") + "</figure>"
                for a in images) + "</figure>"

        def media(match: re.Match[str]) -> str:
            kind, attrs = match.group(1), _attributes(match.group(2))
            if kind == "playlist":
                self.migration.note(name, "[playlist] is not supported; left out")
                return ""
            formats = ("mp3", "m4a", "ogg", "oga", "wav", "flac") if kind == "audio" else \
                ("mp4", "m4v", "webm", "ogv", "mov")
            urls = [attrs[k] for k in ("src", *formats) if attrs.get(k)] or \
                ([attrs["0"]] if attrs.get("0") else [])
            if not urls:
                self.migration.note(name, f"a [{kind}] had no source; left out")
                return ""
            sources = "".join(f'<source src="{html.escape(u, quote=True)}">' for u in _unique(urls))
            poster = f' poster="{html.escape(attrs["poster"], quote=True)}"' if kind == "video" and \
                attrs.get("poster") else ""
            return (f'<figure class="wp-block-{kind}"><{kind} controls preload="metadata"{poster}>{sources}'
                    f'<a href="{html.escape(urls[0], quote=True)}">{kind.capitalize()}: '
                    f"{html.escape(urls[0])}</a></{kind}></figure>")

        def embed(match: re.Match[str]) -> str:
            url = html.unescape(_plain(match.group(1)))
            return blocks.embed_card(url, _embed_titles(item)(url)) if url.startswith(("http://", "https://")) \
                else ""

        body = re.sub(r"\[(?:wp_)?caption([^\]]*)\](.*?)\[/(?:wp_)?caption\]", _caption, body, flags=re.DOTALL)
        body = re.sub(r"\[gallery([^\]]*)\]", gallery, body)
        body = re.sub(r"\[(audio|video|playlist)([^\]]*)\](?:.*?\[/\1\])?", media, body, flags=re.DOTALL)
        body = re.sub(r"\[embed[^\]]*\](.*?)\[/embed\]", embed, body, flags=re.DOTALL)
        for unknown in sorted(set(re.findall(r"\[([a-z][a-z0-9_-]*)(?:\s[^\]]*)?\](?:[^\[]*\[/\1\])?", body))
                              - KNOWN_SHORTCODES):
            self.migration.note(name, f"shortcode [{unknown}] is not supported; left as text")
        return body

    def _media_url(self, url: str, name: str) -> str:
        """The site path of a copied upload, or the original URL (reported) when there is no copy."""
        if url in self.copied:
            return self.copied[url]
        try:
            relative = _uploads_path(url, self.base_host)
        except outside_paths.PathRefused as refused:
            self._refused(name, url, refused)
            return url
        if relative is None:
            return url
        source = self.media_from.get(relative) if self.media_from else None
        if source is None:
            if self.media_from and relative in self.media_from.failures:
                self.migration.note(name, f"upload not copied ({self.media_from.failures[relative]}), original "
                                          f"URL kept: {url}")
            elif not url.startswith("https://"):
                self.migration.note(name, f"upload not copied (no local copy), original URL kept: {url}")
            return url
        key = outside_paths.key_under(config.MEDIA_PREFIX, relative)
        self.migration.media[key] = source
        self.copied[url] = "/" + key
        return "/" + key

    def _refused(self, name: str, url: str, refused: outside_paths.PathRefused) -> None:
        """An upload address whose path may not name a file: nothing is read or copied, the post
        keeps the original URL, and the report lists it under the post it came from, once."""
        if (name, url) in self.refused:
            return
        self.refused.add((name, url))
        self._outcome("upload", name, "refused", f"{_shown(url)}: not copied: the path {refused.reason}; the "
                      "original URL is kept")

    def _local_link(self, url: str, name: str) -> str:
        """Links to the old site become site paths (their old permalinks redirect)."""
        parts = urlsplit(url)
        try:
            upload = _uploads_path(url, self.base_host) is not None
        except outside_paths.PathRefused:
            upload = True
        if upload:
            return self._media_url(url, name)
        if parts.netloc == self.base_host:
            return (parts.path or "/") + (f"#{parts.fragment}" if parts.fragment else "")
        return url

    def _attachment(self, item: Element) -> None:
        url = _text(item, "wp_attachment_url")
        name = f"attachment {_text(item, 'wp_post_id')} ({_shown(url)})"
        parent = _text(item, "wp_post_parent")
        try:
            relative = _uploads_path(url, self.base_host)
        except outside_paths.PathRefused as refused:
            self._outcome("attachment", name, "refused", f"not copied: the path {refused.reason}"
                          + (f" (attached to post {parent})" if parent not in ("", "0") else ""))
            return
        if self.media_from and relative:
            self._media_url(url, name)
        if url not in self.copied:
            reason = self.media_from.failures.get(relative or "") if self.media_from else None
            self._outcome("attachment", name, "skipped", (reason + "; posts keep the original URL") if reason else
                          "no local copy (pass --media-from with the site's wp-content/uploads or its address); "
                          "posts keep the original URL")
            return
        assert self.media_from is not None and relative is not None
        variants, not_read = [], []
        for variant in self.media_from.variants(relative, _meta(item).get("_wp_attachment_metadata", "")):
            source = self.media_from.get(variant)
            if source is not None:
                self.migration.media[outside_paths.key_under(config.MEDIA_PREFIX, variant)] = source
                variants.append(variant)
            elif self.media_from.failures.get(variant, "").startswith("not read: "):
                not_read.append(f"{outside_paths.shown(variant)} {self.media_from.failures[variant]}")
        self._outcome("attachment", name, "imported", f"copied to {self.copied[url]}"
                      + (f" with {len(variants)} size variants" if variants else "")
                      + (f"; size variants refused: {'; '.join(not_read)}" if not_read else ""),
                      key=self.copied[url].lstrip("/"))

    # --- output ---------------------------------------------------------------------------

    def _file(self, key: str, meta: dict[str, Any], body: str | None = None) -> None:
        front = yaml.dump(meta, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=1000)
        self.migration.files[key] = (f"---\n{front}---\n\n{body}" if body is not None else front).encode()

    def _outcome(self, kind: str, name: str, status: str, reason: str = "", key: str = "") -> None:
        self.migration.outcomes.append(Outcome(kind, name, status, reason, key))


# --- helpers --------------------------------------------------------------------------------

def _already_there(key: str) -> str:
    """Why an import left ``key`` as it was."""
    return (f"already exists: {key} holds another version, kept as it is (to replace it: import-wordpress "
            f"--dry-run --out DIR, then newsroom publish DIR/{key})")


def _text(element: Element | None, tag: str) -> str:
    if element is None:
        return ""
    found = element.find(tag) if tag != "text" else element
    return (found.text or "").strip() if found is not None else ""


def _plain(fragment: str) -> str:
    """HTML (a title, an excerpt) as plain text."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def _comment_text(content: str) -> str:
    """A WordPress comment's HTML as the plain text comments are here: paragraphs and line breaks
    kept, a link's address kept after its words."""
    def link(match: re.Match[str]) -> str:
        words, url = _plain(match.group(2)), html.unescape(match.group(1))
        return url if words in ("", url) else f"{words} ({url})"

    text = re.sub(r'<a\s[^>]*href=["\']([^"\']+)["\'][^>]*>(.*?)</a>', link, content, flags=re.I | re.S)
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.I)
    text = re.sub(r"</p>|<p[^>]*>", "\n\n", text, flags=re.I)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    paragraphs = [re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"\n\s*\n", text.replace("\r", ""))]
    return "\n\n".join(p for p in paragraphs if p)


def _tag(element: Element) -> tuple[str, str]:
    """A post's tag as (slug, name): WordPress's own slug (its nicename), else one made from the name."""
    label = html.unescape(element.text or "").strip()
    return _slug(element.get("nicename", "")) or normalize_slug(label), label


def _slug(nicename: str) -> str:
    return normalize_slug(unquote(nicename)) if nicename else ""


def _unique(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    return [v for v in values if not (v in seen or seen.add(v))]  # type: ignore[func-returns-value]


def _date(item: Element, tags: tuple[str, str] = ("wp_post_date_gmt", "wp_post_date")) -> str | None:
    """A post's (or, with comment tags, a comment's) date as ISO 8601 UTC: GMT first, else local."""
    for tag in tags:
        value = _text(item, tag)
        if value and not value.startswith("0000"):
            try:
                return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").strftime(clock.ITEM_FORMAT)
            except ValueError:
                continue
    return None


def _attributes(text: str) -> dict[str, str]:
    attrs = {k: v1 or v2 or v3 for k, v1, v2, v3 in
             re.findall(r'([\w-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|(\S+))', text)}
    bare = re.sub(r'[\w-]+\s*=\s*(?:"[^"]*"|\'[^\']*\'|\S+)', "", text).split()
    if bare:
        attrs.setdefault("0", bare[0])
    return attrs



def _caption(match: re.Match[str]) -> str:
    """A ``[caption]`` shortcode as a ``<figure>`` with its ``<figcaption>`` (the image, the words)."""
    attrs, inner = _attributes(match.group(1)), match.group(2)
    media = re.match(r"\s*((?:<a\b[^>]*>)?\s*<img\b[^>]*>\s*(?:</a>)?)(.*)$", inner, re.DOTALL)
    if not media:
        return inner
    align = attrs.get("align", "")
    cls = f' class="wp-caption {align}"' if align in ("alignleft", "alignright", "aligncenter") else \
        ' class="wp-caption"'
    words = media.group(2).strip() or attrs.get("caption", "").strip()  # older exports: caption="..."
    return f"<figure{cls}>{media.group(1)}<figcaption>{words}</figcaption></figure>"

def _uploads_path(url: str, base_host: str) -> str | None:
    """``2013/03/photo.jpg`` for a WordPress upload URL, else None: the path after
    ``/wp-content/uploads/`` (or a WordPress.com ``/files/``), decoded once and checked as data.

    :raise outside_paths.PathRefused: an upload URL whose path may not name a file (absolute,
        ``..``, encoded twice...).
    """
    parts = urlsplit(url)
    if "/wp-content/uploads/" in parts.path:
        relative = parts.path.split("/wp-content/uploads/", 1)[1]
    elif parts.netloc.endswith(".files.wordpress.com") or (parts.netloc == base_host and
                                                             re.match(r"^/files/\d{4}/", parts.path)):
        relative = parts.path.removeprefix("/").removeprefix("files/")
    else:
        return None
    return outside_paths.relative(relative, encoded=True)


def _aligned_by_class(body: str) -> str:
    """``style="text-align: center"`` (how the classic editor aligns) as a class our stylesheet draws:
    the site's pages carry no inline styles."""

    def restyle(match: re.Match[str]) -> str:
        align = re.search(r"text-align:\s*(left|center|right|justify)", match.group(2))
        if not align:
            return match.group(0)
        tag = match.group(1) + match.group(3)
        return blocks.add_class(tag, f"has-text-align-{align.group(1)}") if align.group(1) != "justify" else tag

    return re.sub(r'(<(?:p|h[1-6]|div|li|td|th)\b[^>]*?)\sstyle="([^"]*)"([^>]*>)', restyle, body,
                  flags=re.IGNORECASE)


def _as_path(text: str) -> str:
    """A URL path as WordPress answers it: decoded, without invisible format characters (bidi
    controls, zero-width joiners: WordPress's sanitize_title drops them), no outer slashes."""
    return "".join(c for c in unquote(text) if unicodedata.category(c) != "Cf").strip("/")


def _shown(url: str) -> str:
    return url if len(url) <= 80 else url[:60] + "…"


def _meta(item: Element) -> dict[str, str]:
    return {_text(m, "wp_meta_key"): _text(m, "wp_meta_value") for m in item.findall("wp_postmeta")}


def _footnotes(item: Element) -> list[dict[str, Any]]:
    """The block editor keeps footnote texts in the post's ``footnotes`` meta (JSON)."""
    try:
        notes = json.loads(_meta(item).get("footnotes") or "[]")
    except ValueError:
        return []
    return [n for n in notes if isinstance(n, dict) and isinstance(n.get("id"), str)] if isinstance(notes, list) \
        else []


def _provider(url: str) -> bool:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return any(host == known or host.endswith("." + known) for known in blocks.PROVIDERS)


def _embed_titles(item: Element) -> Callable[[str], str | None]:
    """Titles from WordPress's oEmbed cache (``_oembed_<hash>`` meta), found by the embedded page's id
    (a video's ``v=``, a tweet's status number, else the URL's last path segment)."""
    cached = [value for key, value in _meta(item).items()
              if key.startswith("_oembed_") and not key.startswith("_oembed_time_") and value != "{{unknown}}"]

    def title(url: str) -> str | None:
        parts = urlsplit(url)
        token = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p).get("v") or \
            next((s for s in reversed(parts.path.split("/")) if s), "")
        if len(token) < 4:
            return None
        for value in cached:
            if token in value:
                named = re.search(r'\stitle="([^"]+)"', value)
                if named:
                    return html.unescape(named.group(1))
                said = re.search(r"<blockquote\b[^>]*>(.*?)</blockquote>", value, re.DOTALL)
                if said:
                    return _plain(re.sub(r"<a\b[^>]*>(?:October|[A-Z][a-z]+ \d).*?</a>\s*$", "",
                                         said.group(1))).strip()[:200] or None
        return None

    return title


def _autop(text: str) -> str:
    """WordPress's wpautop, the part that matters: blank-line-separated text becomes paragraphs."""
    text = text.replace("\r\n", "\n")
    chunks = re.split(r"\n\s*\n", text)
    out = []
    for chunk in chunks:
        chunk = chunk.strip()
        if not chunk:
            continue
        if BLOCK_LEVEL.match(chunk) or re.match(r"^\[(?:gallery|caption|audio|video|embed|playlist)", chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    return "\n\n".join(out)
