"""Convert a WordPress export (WXR 1.0 to 1.2) into our content files.

``convert(path)`` reads the export (``wxr``) and returns a ``Migration``: the files to upload,
keyed by bucket key, and one ``Outcome`` per thing in the export (imported, skipped or failed, with
the reason). Authors, categories and tags become term files; posts and pages articles and pages,
their bodies through the block converter (``chalicelib.imports.blocks``) or the classic editor's
(``shortcodes``), their uploads copied from where the old site's are (``fetching``). Nothing here
touches AWS; ``newsroom import-wordpress`` uploads the files through the normal path
(``newsroom.publisher``), so an import is ingested like any editor's upload.

The output is a pure function of the export (and the media folder): running
the import again produces the same bytes, and the publisher skips files whose
bytes are already in the bucket, so a re-run changes nothing.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

import yaml

from chalicelib import config, keys, outside_paths
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
from chalicelib.imports.wordpress import fetching, shortcodes, wxr
from chalicelib.imports.wordpress.fetching import MediaSource
from chalicelib.imports.wordpress.migration import ImportedComment, Migration, Outcome
from chalicelib.imports.wordpress.wxr import read_export

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's, where built: same output, 10x faster
MAX_COMMENT_CHARS = 5000  # chalicelib.site.comments' limits
MAX_NAME_CHARS = 80
UNPUBLISHED = {"draft": "a draft", "private": "private", "pending": "pending review"}


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
        kind, post_id = wxr.text(item, "wp_post_type"), wxr.text(item, "wp_post_id")
        if kind == "page":
            pages[post_id] = (wxr.text(item, "wp_post_name"), wxr.text(item, "wp_post_parent"))
        if kind == "attachment":
            attachments.setdefault(post_id, item)
        elif kind == "wp_block":
            reusable.setdefault(post_id, item)
        if kind not in ("post", "page"):
            others.append((kind, post_id))

    def posts() -> Iterator[Element]:
        second = read_export(path)
        next(second)
        return (item for item in second if wxr.text(item, "wp_post_type") in ("post", "page"))

    media = media_from if isinstance(media_from, MediaSource) or media_from is None else MediaSource(media_from)
    return _Converter(channel, media, posts, attachments, reusable, others, pages).run()


class _Converter:
    def __init__(self, channel: Element, media_from: MediaSource | None, posts: Callable[[], Iterator[Element]],
                 attachments: dict[str, Element], reusable: dict[str, Element], others: list[tuple[str, str]],
                 pages: dict[str, tuple[str, str]] | None = None):
        self.channel = channel
        self.media_from = media_from
        self.base_host = urlsplit(wxr.text(channel, "wp_base_blog_url") or wxr.text(channel, "link")).netloc
        self.migration = Migration(site_name=wxr.text(channel, "title"))
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
            self._post(item, wxr.text(item, "wp_post_type"))
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
            login = wxr.text(author, "wp_author_login")
            name = wxr.text(author, "wp_author_display_name") or login
            slug = normalize_slug(login)
            meta: dict[str, Any] = {"name": name}
            if wxr.text(author, "wp_author_id").isdigit():
                meta["aliases"] = [f"/?author={int(wxr.text(author, 'wp_author_id'))}"]  # WordPress's id form
            self._file(f"authors/{slug}.yaml", meta)
            self._outcome("author", name, "imported", key=f"authors/{slug}.yaml")

    def _categories(self) -> None:
        for category in self.channel.findall("wp_category"):
            slug = _slug(wxr.text(category, "wp_category_nicename"))
            name = html.unescape(wxr.text(category, "wp_cat_name")) or slug
            meta: dict[str, Any] = {"name": name}
            if wxr.text(category, "wp_category_description"):
                meta["description"] = wxr.text(category, "wp_category_description")
            if wxr.text(category, "wp_category_parent"):
                meta["parent"] = _slug(wxr.text(category, "wp_category_parent"))
            if wxr.text(category, "wp_term_id").isdigit():
                meta["aliases"] = [f"/?cat={int(wxr.text(category, 'wp_term_id'))}"]  # WordPress's id form
            self._file(f"categories/{slug}.yaml", meta)
            self._outcome("category", name, "imported", key=f"categories/{slug}.yaml")

    def _tags(self) -> None:
        """Every tag gets a file of its own, so that its archive answers as WordPress's does even
        while no published post carries it (200, "nothing found"; an unknown tag is a 404)."""
        for tag in self.channel.findall("wp_tag"):
            name = html.unescape(wxr.text(tag, "wp_tag_name")).strip()
            slug = _slug(wxr.text(tag, "wp_tag_slug")) or normalize_slug(name)
            if not slug:
                self._outcome("tag", name or "(no name)", "skipped", "it has neither a slug nor a name")
                continue
            meta: dict[str, Any] = {"name": name or slug}
            if wxr.text(tag, "wp_tag_description"):
                meta["description"] = wxr.text(tag, "wp_tag_description")
            self._file(f"tags/{slug}.yaml", meta)
            self._outcome("tag", name or slug, "imported", key=f"tags/{slug}.yaml")

    # --- posts and pages ---------------------------------------------------------------

    def _post(self, item: Element, kind: str) -> None:
        status = wxr.text(item, "wp_status")
        post_id = wxr.text(item, "wp_post_id")
        title = wxr.plain(wxr.text(item, "title"))
        name = f"{kind} {post_id} ({title or 'no title'})"
        if status == "trash":
            self._outcome(kind, name, "skipped", "in the WordPress trash")
            return
        slug = self._claim_slug(_slug(wxr.text(item, "wp_post_name")) or normalize_slug(title) or f"{kind}-{post_id}",
                                post_id, name)
        meta: dict[str, Any] = {"title": (title or "Untitled")[:MAX_TITLE_CHARS]}
        if not title:
            self.migration.note(name, "had no title; imported as 'Untitled'")
        date = wxr.date(item)
        if date:
            meta["date"] = date
        elif kind == "post":
            meta["date"] = "1970-01-01T00:00:00Z"
            self.migration.note(name, "had no date")
        if kind == "post":
            if wxr.text(item, "dc_creator"):
                meta["author"] = normalize_slug(wxr.text(item, "dc_creator"))
            meta.update(self._terms(item, name))
            if wxr.text(item, "wp_is_sticky") == "1":
                meta["sticky"] = True  # kept on top of the home page, as in WordPress
            if wxr.text(item, "wp_comment_status") == "closed":
                meta["comments"] = False  # closed in WordPress: no form here either
        excerpt = wxr.plain(wxr.text(item, "excerpt_encoded"))
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
        elif wxr.text(item, "wp_post_password"):  # as on WordPress: its title and a form; the body with the password
            meta["password"] = wxr.text(item, "wp_post_password")[:200]
        if kind == "page" and (parent := self._parent_slug(wxr.text(item, "wp_post_parent"))):
            meta["parent"] = parent
        by_id = [f"/?{'p' if kind == 'post' else 'page_id'}={int(post_id)}"] if post_id.isdigit() else []
        key = f"{'articles' if kind == 'post' else 'pages'}/{slug}.html"
        aliases = self._free((self._aliases(item, slug) + by_id)[:MAX_ALIASES], key, name)  # the old permalink, /?p=ID
        if aliases:
            meta["aliases"] = aliases
        body = self._body(item, name, post_id)
        self._comments(item, slug, name)  # a page's too: shown on it, closed to new ones
        if kind == "post" and wxr.meta(item).get("liveblog") in ("enable", "archive"):
            self._liveblog(item, key, name, meta)  # Automattic's Liveblog plugin: its entries are comments
        self._file(key, meta, body)
        if unpublished:
            self._outcome(kind, name, "unpublished", f"{unpublished} in WordPress: imported with draft: true", key)
        else:
            self._outcome(kind, name, "imported", "scheduled: appears at its date" if status == "future" else "",
                          key)

    def _liveblog(self, item: Element, key: str, name: str, meta: dict[str, Any]) -> None:
        """A live blog of Automattic's Liveblog plugin (post meta ``liveblog``: ``enable``, or ``archive`` once
        ended): the post gets ``live`` (and ``live_ended``, the last entry's time), and each entry, a comment of
        type ``liveblog``, a file of its own, ``articles/<slug>/live/wp-<id>.html``. An edit is a later entry
        naming the one it replaces (comment meta ``liveblog_replaces``): the entry keeps its time and takes the
        new text, or, empty, is deleted; ``liveblog_key_entry`` makes it a key event."""
        entries: dict[str, dict[str, Any]] = {}
        found = sorted((c for c in item.findall("wp_comment") if wxr.text(c, "wp_comment_type") == "liveblog"),
                       key=lambda c: wxr.text(c, "wp_comment_date_gmt"))
        for comment in found:
            wp_id = wxr.text(comment, "wp_comment_id")
            said = {wxr.text(m, "wp_meta_key"): wxr.text(m, "wp_meta_value") for m in comment.findall("wp_commentmeta")}
            created = wxr.date(comment, ("wp_comment_date_gmt", "wp_comment_date"))
            content, replaces = wxr.text(comment, "wp_comment_content"), said.get("liveblog_replaces", "")
            key_event = said.get("liveblog_key_entry", "") not in ("", "0", "false")
            if created is None or not wp_id.isdigit() or (replaces and replaces not in entries):
                self._outcome("liveblog", f"live blog entry {wp_id} on {name}", "failed",
                              "no valid date or id" if created is None or not wp_id.isdigit()
                              else f"replaces entry {replaces}, which is not in the export")
            elif replaces:
                entries[replaces].update(html=content, deleted=not content.strip(), edited=True,
                                         pinned=entries[replaces]["pinned"] or key_event)
            else:
                entries[wp_id] = {"time": created, "author": wxr.plain(wxr.text(comment, "wp_comment_author")),
                                  "html": content, "pinned": key_event, "deleted": not content.strip(), "edited": False}
        for wp_id, entry in entries.items():
            front = {"time": entry["time"], **({"author": entry["author"][:200]} if entry["author"] else {}),
                     **({"pinned": True} if entry["pinned"] else {}), **({"deleted": True} if entry["deleted"] else {})}
            entry_key = keys.live_entry_key(key, f"wp-{int(wp_id)}.html")
            self._file(entry_key, front, "" if entry["deleted"] else entry["html"])
            self._outcome("liveblog", f"live blog entry {wp_id} on {name}", "imported",
                          "deleted in WordPress: imported with deleted: true" if entry["deleted"]
                          else "edited in WordPress: its last text" if entry["edited"] else "", entry_key)
        meta["live"] = True
        if wxr.meta(item).get("liveblog") == "archive":
            meta["live_ended"] = max((e["time"] for e in entries.values()), default=meta.get("date") or "1970-01-01T00:00:00Z")

    def _comments(self, item: Element, slug: str, name: str) -> None:
        """Approved and pending comments, threads nested as they were; pingbacks, spam and trash skipped."""
        kept: dict[str, tuple[str, str, int]] = {}  # WordPress id -> (its parent's WordPress id, new id, level)
        found = sorted(item.findall("wp_comment"), key=lambda c: wxr.text(c, "wp_comment_date_gmt"))
        for comment in found:
            wp_id, approved = wxr.text(comment, "wp_comment_id"), wxr.text(comment, "wp_comment_approved")
            kind = wxr.text(comment, "wp_comment_type") or "comment"
            label = f"{kind} {wp_id} on {name}"
            if kind == "liveblog":
                continue  # a live blog's entry (``_liveblog``)
            if kind != "comment":
                self._outcome("comment", label, "skipped", f"{kind}s are not comments here")
                continue
            if approved not in ("0", "1"):
                self._outcome("comment", label, "skipped", f"marked {approved} in WordPress")
                continue
            created = wxr.date(comment, ("wp_comment_date_gmt", "wp_comment_date"))
            if created is None or not wp_id.isdigit():
                self._outcome("comment", label, "failed", "no valid date or id")
                continue
            new_id = f"{created[:10].replace('-', '')}T{created[11:19].replace(':', '')}Z-{int(wp_id) % 2 ** 32:08x}"
            answered = wxr.text(comment, "wp_comment_parent")
            root = answered
            while root in kept and kept[root][0] not in ("", "0"):  # up to the thread's top comment
                root = kept[root][0]
            threaded = root in kept and approved == "1"
            parent = kept[root][1] if threaded else None
            reply_to = kept[answered][1] if threaded and answered != root else None
            level = kept[answered][2] + 1 if threaded else 1
            kept[wp_id] = (answered, new_id, level)
            text = _comment_text(wxr.text(comment, "wp_comment_content"))
            author = wxr.plain(wxr.text(comment, "wp_comment_author")) or "Anonymous"
            if not text:
                self._outcome("comment", label, "skipped", "empty")
                continue
            if len(text) > MAX_COMMENT_CHARS or len(author) > MAX_NAME_CHARS:
                self.migration.note(label, "shortened to this site's limits")
            email = wxr.text(comment, "wp_comment_author_email")
            self.migration.comments.append(ImportedComment(
                slug=slug, id=new_id, parent=parent, reply_to=reply_to, level=level if level > 2 else None,
                name=author[:MAX_NAME_CHARS],
                email=email[:254] if "@" in email else None, text=text[:MAX_COMMENT_CHARS],
                created=created, approved=approved == "1"))
            self._outcome("comment", label, "imported", "" if approved == "1" else "pending moderation")

    def _claim_slug(self, slug: str, post_id: str, name: str) -> str:
        wanted = slug
        if slug in RESERVED_SLUGS or re.fullmatch(r"\d{4}", slug) or slug in self.taken:
            slug = f"{slug}-{post_id}"
            why = ("is used by " + self.taken[wanted]) if wanted in self.taken else "is reserved for the site's own pages"
            self.migration.note(name, f"slug '{wanted}' {why}; imported as '{slug}' (the old URL redirects)")
        self.taken[slug] = name
        return slug

    def _terms(self, item: Element, name: str) -> dict[str, list[str]]:
        categories = list(dict.fromkeys(_slug(c.get("nicename", "")) or normalize_slug(c.text or "")
                             for c in item.findall("category") if c.get("domain") == "category"))
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
        link = urlsplit(wxr.text(item, "link"))
        path = _as_path(link.path)
        if path and "?" not in wxr.text(item, "link"):
            paths.append(path)
        name = _as_path(wxr.text(item, "wp_post_name"))
        if name:
            paths.append(name)
            if wxr.text(item, "wp_post_type") == "page":
                paths.append("/".join([*self._ancestors(wxr.text(item, "wp_post_parent")), name]))
        return [f"/{p}/" for p in dict.fromkeys(paths) if p != slug]

    def _parent_slug(self, parent: str) -> str | None:
        """A page's parent page's slug (WordPress's ``post_parent``), when the export has that page; None
        for a top-level page or a parent left out of the export."""
        if not parent or parent == "0" or parent not in self.pages:
            return None
        return _slug(self.pages[parent][0]) or None

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
        thumbnail = next((wxr.text(m, "wp_meta_value") for m in item.findall("wp_postmeta")
                          if wxr.text(m, "wp_meta_key") == "_thumbnail_id"), "")
        attachment = self.attachments.get(thumbnail)
        if not thumbnail:
            return None, ""
        if attachment is None:
            self.migration.note(name, f"featured image {thumbnail} is not in the export; left out")
            return None, ""
        alt = wxr.plain(wxr.meta(attachment).get("_wp_attachment_image_alt", ""))[:MAX_ALT_CHARS]
        return self._media_url(wxr.text(attachment, "wp_attachment_url"), name), alt

    # --- bodies --------------------------------------------------------------------------

    def _body(self, item: Element, name: str, post_id: str) -> str:
        body = wxr.text(item, "content_encoded")
        if blocks.has_blocks(body):
            context = blocks.Context(lambda message: self.migration.note(name, message), shortcodes.autop,
                                     footnotes=_footnotes(item), embed_title=shortcodes.embed_titles(item),
                                     reusable=self._reusable, counts=self.migration.blocks)
            body = blocks.render(body, context)
        else:
            body = shortcodes.autop(shortcodes.auto_embeds(body, item))
        body = shortcodes.expand(body, item, post_id, self.attachments,
                                 lambda message: self.migration.note(name, message))
        body = shortcodes.aligned_by_class(body)
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
        return wxr.text(item, "content_encoded") if item is not None else None

    def _media_url(self, url: str, name: str) -> str:
        """The site path of a copied upload, or the original URL (reported) when there is no copy."""
        if url in self.copied:
            return self.copied[url]
        try:
            relative = fetching.uploads_path(url, self.base_host)
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
            upload = fetching.uploads_path(url, self.base_host) is not None
        except outside_paths.PathRefused:
            upload = True
        if upload:
            return self._media_url(url, name)
        if parts.netloc == self.base_host:
            return (parts.path or "/") + (f"#{parts.fragment}" if parts.fragment else "")
        return url

    def _attachment(self, item: Element) -> None:
        url = wxr.text(item, "wp_attachment_url")
        name = f"attachment {wxr.text(item, 'wp_post_id')} ({_shown(url)})"
        parent = wxr.text(item, "wp_post_parent")
        try:
            relative = fetching.uploads_path(url, self.base_host)
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
        for variant in self.media_from.variants(relative, wxr.meta(item).get("_wp_attachment_metadata", "")):
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

def _comment_text(content: str) -> str:
    """A WordPress comment's HTML as the plain text comments are here: paragraphs and line breaks
    kept, a link's address kept after its words."""
    def link(match: re.Match[str]) -> str:
        words, url = wxr.plain(match.group(2)), html.unescape(match.group(1))
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


def _as_path(text: str) -> str:
    """A URL path as WordPress answers it: decoded, without invisible format characters (bidi
    controls, zero-width joiners: WordPress's sanitize_title drops them), no outer slashes."""
    return "".join(c for c in unquote(text) if unicodedata.category(c) != "Cf").strip("/")


def _shown(url: str) -> str:
    return url if len(url) <= 80 else url[:60] + "…"


def _footnotes(item: Element) -> list[dict[str, Any]]:
    """The block editor keeps footnote texts in the post's ``footnotes`` meta (JSON)."""
    try:
        notes = json.loads(wxr.meta(item).get("footnotes") or "[]")
    except ValueError:
        return []
    return [n for n in notes if isinstance(n, dict) and isinstance(n.get("id"), str)] if isinstance(notes, list) \
        else []
