"""Parse and validate the files editors put in the content bucket.

One module knows the content format (see docs/content-format.md); both the
ingest function and the editors' CLI call it, so ``newsroom check`` and the
site always agree. Input is a bucket key and the file's bytes; output is a
plain dataclass, or a ``ContentError`` listing every problem with the file,
the field and what to do. Nothing here touches AWS or renders Markdown.

YAML is read with a safe loader that also refuses anchors and aliases, so no
object construction and no alias-expansion bombs.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePosixPath
from typing import Any

from slugify import slugify

from chalicelib import config
from chalicelib.archives import RESERVED_SLUGS
from chalicelib.content.files import (
    Article,
    Author,
    Category,
    ContentError,
    ContentFile,
    Problem,
    Settings,
    Tag,
    fault_of_ours,
    printable,
)
from chalicelib.content.front_matter import (
    MAX_FILE_BYTES,
    MAX_FRONT_MATTER_BYTES,
    MAX_NESTING,
    MAX_NUMBER_CHARS,
    date_fault,
    decode,
    load_yaml_file,
    split_front_matter,
)
from chalicelib.site_settings import MenuItem

# The content format's public face: the types (chalicelib/content/files.py), the reader's limits
# (front_matter.py) and the reserved slugs (chalicelib/archives.py owns them) are named here too.
__all__ = ["Article", "Author", "Category", "ContentError", "ContentFile", "MAX_FILE_BYTES", "MAX_FRONT_MATTER_BYTES",
           "MAX_NESTING", "MAX_NUMBER_CHARS", "Problem", "RESERVED_SLUGS", "Settings", "Tag", "fault_of_ours",
           "printable"]

# Hard limits: a file past one is refused with a report, never truncated. The
# counts also keep one publish within DynamoDB's 100 items per transaction.
MAX_TITLE_CHARS = 300
MAX_SUMMARY_CHARS = 2000
MAX_CATEGORIES = 10
MAX_TAGS = 10
MAX_ALIASES = 10
MAX_ALT_CHARS = 1000  # a featured image's description
MAX_SLUG_CHARS = 120

MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")

ARTICLE_FIELDS = {"title", "date", "slug", "author", "categories", "tags", "summary",
                  "image", "image_alt", "draft", "updated", "aliases", "comments", "sticky", "corrections",
                  "password"}
MAX_CORRECTIONS = 20
# Elements inside elements in a body. The sanitizer's HTML parser (html5ever, as browsers parse) does
# work that grows with the depth at every step: 20,000 nested <div>s took 0.8 s, 40,000 took 3.2 s.
# Real articles stay under 30; past the limit a file is refused before anything parses it.
MAX_HTML_DEPTH = 200
# Each "[" of a Markdown body may open a link: the Markdown parser spends ~12 µs on each, so 2 MB of
# them would take ~28 s, the ingest function's whole timeout. 50,000 is ~0.6 s, and far more than any
# article's links.
MAX_MARKDOWN_BRACKETS = 50_000
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                   "track", "wbr"})
_TAG_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*?(/?)>")
MAX_CORRECTION_CHARS = 1000
PAGE_FIELDS = {"title", "date", "slug", "summary", "image", "image_alt", "draft", "updated", "aliases", "password"}
AUTHOR_FIELDS = {"name", "bio", "aliases"}
CATEGORY_FIELDS = {"name", "description", "menu_order", "parent", "aliases"}
TAG_FIELDS = {"name", "description"}
SETTINGS_FIELDS = {"site_name", "tagline", "menu", "footer_links", "recent_posts",
                   "related_posts", "page_size", "language", "comments_close_after_days", "preview_days",
                   "comment_depth", "require_alt"}


def check_file(key: str, data: bytes) -> ContentFile:
    """``parse_file``, for callers that must never raise anything but ContentError (``newsroom
    check``, ingest): a fault of ours while parsing becomes a report that says so.

    :raise ContentError: the file is not valid, or broke the parser.
    """
    try:
        return parse_file(key, data)
    except ContentError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is this file's report, never a retry
        raise fault_of_ours(key, exc) from exc


# What only an editor may set: a contributor's submission carrying one is refused (by ingest, by the
# desk's save and by Approve), since approving publishes the file as it is. ``redirect`` is no field
# of the format at all (every file naming it is refused as an unknown field); it is listed so that the
# rule says so too.
EDITORS_ONLY_FIELDS = ("sticky", "aliases", "corrections", "redirect")
SUBMISSION_DATE_GRACE = dt.timedelta(hours=1)  # a form filled in at 10:00 and sent at 10:40 is not backdated


def submission_problems(article: Article, meta: dict[str, Any], submitted_at: dt.datetime,
                        kept_dates: tuple[str | None, ...] = ()) -> list[Problem]:
    """What a contributor's submission may not carry: a field only an editor may set
    (``EDITORS_ONLY_FIELDS``: it would go live on approval as written), or a date more than
    ``SUBMISSION_DATE_GRACE`` before ``submitted_at`` (when the file was written), unless it is one of
    ``kept_dates`` (ISO, UTC): the date an earlier version of the same submission was accepted with,
    or the live article's own date (a change to it keeps its date). [] if none."""
    problems = [Problem(name, "a submission may not set this: only an editor may, after reviewing it "
                              "(approving publishes the file as it is)")
                for name in EDITORS_ONLY_FIELDS if meta.get(name) not in (None, False, "", [], {})]
    if article.date is not None and article.date < submitted_at - SUBMISSION_DATE_GRACE:
        written = article.date.strftime("%Y-%m-%dT%H:%M:%SZ")
        if written not in kept_dates:
            problems.append(Problem("date", f"a submission may not be dated in the past ({written}): leave the "
                                            "date as the desk sets it, or give a future one; an editor dates it "
                                            "when publishing"))
    return problems


def kind_of_key(key: str) -> str | None:
    """Say which kind of content a bucket key holds, or None if ingest ignores it."""
    for prefix, kind in ((config.ARTICLES_PREFIX, "article"), (config.PAGES_PREFIX, "page"),
                         (config.AUTHORS_PREFIX, "author"), (config.CATEGORIES_PREFIX, "category"),
                         (config.TAGS_PREFIX, "tag"), (config.SETTINGS_PREFIX, "settings")):
        if key.startswith(prefix) and len(key) > len(prefix) and not key.endswith("/"):
            return kind
    return None


def _by_slug(terms: list[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Slugs and names of terms, each slug once (first spelling wins), in order."""
    first: dict[str, str] = {}
    for slug, name in terms:
        first.setdefault(slug, name)
    return tuple(first), tuple(first.values())


def normalize_slug(text: str) -> str:
    """Turn any text into a URL slug: NFKC, transliterated, lowercase, [a-z0-9-]."""
    return slugify(str(text), max_length=MAX_SLUG_CHARS, word_boundary=True)


def parse_file(key: str, data: bytes) -> ContentFile:
    """Parse any ingested file by its prefix.

    :raise ContentError: the file is not valid; every problem is listed.
    """
    kind = kind_of_key(key)
    if kind in ("article", "page"):
        return parse_article(key, data, kind)
    if kind == "author":
        return parse_author(key, data)
    if kind == "category":
        return parse_category(key, data)
    if kind == "tag":
        return parse_tag(key, data)
    if kind == "settings":
        return parse_settings(key, data)
    raise ContentError(key, [Problem("file", "is not under a content prefix ("
                                     + ", ".join(config.INGESTED_PREFIXES) + ")")])


def parse_article(key: str, data: bytes, kind: str = "article") -> Article:
    """Parse an article or page: YAML front matter, then Markdown or HTML.

    :raise ContentError: the file is not valid; every problem is listed.
    """
    suffix = PurePosixPath(key).suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        body_format = "markdown"
    elif suffix in HTML_SUFFIXES:
        body_format = "html"
    else:
        raise ContentError(key, [Problem("file", f"unsupported file type '{suffix or '(none)'}'; "
                                         "use .md, .markdown, .html or .htm")])
    text = decode(key, data)
    meta, body = split_front_matter(key, text)
    fields = ARTICLE_FIELDS if kind == "article" else PAGE_FIELDS
    check = _Checker(key, meta, fields, required={"title", "date"} if kind == "article" else {"title"})

    title = check.text("title", max_chars=MAX_TITLE_CHARS)
    date = check.datetime("date")
    updated = check.datetime("updated")
    slug_source = meta.get("slug") if meta.get("slug") is not None else PurePosixPath(key).stem
    slug = check.slug("slug" if "slug" in meta else "file name", slug_source, top_level=True)
    summary = check.text("summary", max_chars=MAX_SUMMARY_CHARS, required=False) or ""
    image = check.url("image")
    image_alt = check.text("image_alt", max_chars=MAX_ALT_CHARS, required=False) or ""
    draft = check.boolean("draft")
    comments = check.boolean("comments", default=True) if kind == "article" else True
    sticky = check.boolean("sticky") if kind == "article" else False
    aliases = tuple(_alias_path(check, a) for a in check.string_list("aliases", MAX_ALIASES))
    author_name = check.text("author", max_chars=200, required=False) if kind == "article" else None
    categories, category_names = _by_slug(check.terms("categories", MAX_CATEGORIES) if kind == "article" else [])
    tags, tag_names = _by_slug(check.terms("tags", MAX_TAGS) if kind == "article" else [])
    corrections = check.corrections("corrections") if kind == "article" else ()
    password = check.text("password", max_chars=200, required=False) or None
    if not body.strip():
        check.problems.append(Problem("body", "is empty; write the article below the front matter"))
    elif body_format == "markdown" and body.count("[") > MAX_MARKDOWN_BRACKETS:
        check.problems.append(Problem("body", f"has {body.count('['):,} '[' characters; a Markdown body may have "
                                      f"{MAX_MARKDOWN_BRACKETS:,} (each may open a link, and reading them is slow)"))
    elif (depth := nesting_depth(body)) > MAX_HTML_DEPTH:
        check.problems.append(Problem("body", f"has HTML elements nested {depth:,} deep; the limit is "
                                      f"{MAX_HTML_DEPTH} (close the elements you open)"))
    check.raise_if_any()
    return Article(
        kind=kind, key=key, slug=slug, title=title, date=date, body=body, body_format=body_format,
        author=normalize_slug(author_name) if author_name else None, author_name=author_name,
        categories=categories, category_names=category_names, tags=tags, tag_names=tag_names,
        summary=summary, image=image, image_alt=image_alt, draft=draft, updated=updated,
        aliases=tuple(a for a in aliases if a), comments=comments, sticky=sticky, corrections=corrections,
        password=password,
    )


def nesting_depth(body: str) -> int:
    """How deep a body's HTML elements nest at most, counted in one pass (void and self-closed
    elements do not nest; a stray closing tag closes nothing)."""
    depth = deepest = 0
    for closing, name, self_closed in _TAG_TOKEN.findall(body):
        if name.lower() in _VOID or self_closed:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


def parse_author(key: str, data: bytes) -> Author:
    """Parse ``authors/<slug>.yaml``: name (required) and bio.

    :raise ContentError: the file is not valid.
    """
    meta = load_yaml_file(key, data)
    check = _Checker(key, meta, AUTHOR_FIELDS, required={"name"})
    slug = check.slug("file name", PurePosixPath(key).stem)
    name = check.text("name", max_chars=200)
    bio = check.text("bio", max_chars=5000, required=False) or ""
    aliases = tuple(a for a in (_alias_path(check, a) for a in check.string_list("aliases", MAX_ALIASES)) if a)
    check.raise_if_any()
    return Author(key=key, slug=slug, name=name, bio=bio, aliases=aliases)


def parse_category(key: str, data: bytes) -> Category:
    """Parse ``categories/<slug>.yaml``: name, description, menu_order, parent.

    :raise ContentError: the file is not valid.
    """
    meta = load_yaml_file(key, data)
    check = _Checker(key, meta, CATEGORY_FIELDS, required={"name"})
    slug = check.slug("file name", PurePosixPath(key).stem)
    name = check.text("name", max_chars=200)
    description = check.text("description", max_chars=5000, required=False) or ""
    menu_order = check.integer("menu_order", minimum=0, maximum=1000)
    parent_name = check.text("parent", max_chars=200, required=False)
    parent = check.slug("parent", parent_name) if parent_name else None
    if parent == slug:
        check.problems.append(Problem("parent", "a category cannot be its own parent"))
    aliases = tuple(a for a in (_alias_path(check, a) for a in check.string_list("aliases", MAX_ALIASES)) if a)
    check.raise_if_any()
    return Category(key=key, slug=slug, name=name, description=description,
                    menu_order=menu_order, parent=parent, aliases=aliases)


def parse_tag(key: str, data: bytes) -> Tag:
    """Parse ``tags/<slug>.yaml``: name and description.

    :raise ContentError: the file is not valid.
    """
    meta = load_yaml_file(key, data)
    check = _Checker(key, meta, TAG_FIELDS, required={"name"})
    slug = check.slug("file name", PurePosixPath(key).stem)
    name = check.text("name", max_chars=200)
    description = check.text("description", max_chars=5000, required=False) or ""
    check.raise_if_any()
    return Tag(key=key, slug=slug, name=name, description=description)


def parse_settings(key: str, data: bytes) -> Settings:
    """Parse ``settings/site.yaml``: site name, tagline, menu, footer links.

    :raise ContentError: the file is not valid.
    """
    if PurePosixPath(key).name not in ("site.yaml", "site.yml"):
        raise ContentError(key, [Problem("file", "the settings file must be named settings/site.yaml")])
    meta = load_yaml_file(key, data)
    check = _Checker(key, meta, SETTINGS_FIELDS, required={"site_name"})
    site_name = check.text("site_name", max_chars=200)
    tagline = check.text("tagline", max_chars=500, required=False)
    menu = check.links("menu") if "menu" in meta else None
    footer = check.links("footer_links") if "footer_links" in meta else ()
    recent = check.integer("recent_posts", minimum=0, maximum=20)
    related = check.integer("related_posts", minimum=0, maximum=8)
    page_size = check.integer("page_size", minimum=1, maximum=50)
    language = check.text("language", max_chars=20, required=False) or None
    close_after = check.integer("comments_close_after_days", minimum=0, maximum=36500)
    preview_days = check.integer("preview_days", minimum=1, maximum=90)
    depth = check.integer("comment_depth", minimum=1, maximum=10)
    require_alt = check.boolean("require_alt") if "require_alt" in meta else None
    check.raise_if_any()
    given = {"tagline": tagline, "menu": tuple(menu) if menu is not None else None,
             "footer_links": tuple(footer) if footer else None, "recent_posts": recent, "related_posts": related,
             "page_size": page_size, "language": language, "comments_close_after_days": close_after,
             "preview_days": preview_days, "comment_depth": depth, "require_alt": require_alt}
    # Only the fields the file sets: Settings keeps the only copy of the defaults.
    return Settings(key=key, site_name=site_name, **{k: v for k, v in given.items() if v is not None})  # type: ignore[arg-type]


def _alias_path(check: "_Checker", alias: str) -> str:
    """Reduce an old URL (absolute or a path) to its path without slashes at the ends; WordPress's
    id forms (``/?p=123``, ``/?page_id=12``, ``/?attachment_id=5``) to ``?p=123`` (``old_urls``)."""
    scheme = re.match(r"\s*([a-z][a-z0-9+.-]*):", alias, flags=re.IGNORECASE)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        check.problems.append(Problem("aliases", f"'{alias}' is not an address on this site: an alias is an old "
                                      "URL path such as /2022/07/old-slug/"))
        return ""
    path = re.sub(r"^[a-z]+://[^/]+", "", alias.strip(), flags=re.IGNORECASE)
    by_id = re.fullmatch(r"/*(?:index\.php)?\?(p|page_id|attachment_id|cat|author)=0*(\d{1,20})", path)
    if by_id:
        return f"?{by_id[1]}={int(by_id[2])}"
    path = path.split("?")[0].split("#")[0].strip("/")
    if not path or any(seg in ("", ".", "..") for seg in path.split("/")):
        check.problems.append(Problem("aliases", f"'{alias}' is not a URL path such as /2022/07/old-slug/"))
        return ""
    return path


class _Checker:
    """Collects every problem in one file instead of stopping at the first."""

    def __init__(self, key: str, meta: dict[Any, Any], allowed: set[str], required: set[str]) -> None:
        self.key = key
        self.meta = meta
        self.problems: list[Problem] = []
        for name in meta:
            if not isinstance(name, str):
                self.problems.append(Problem(str(name), "field names must be text"))
            elif name not in allowed:
                self.problems.append(Problem(name, "is not a known field; known fields are "
                                             + ", ".join(sorted(allowed))))
        for name in sorted(required):
            if meta.get(name) in (None, ""):
                self.problems.append(Problem(name, "is required"))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ContentError(self.key, self.problems)

    def text(self, name: str, max_chars: int, required: bool = True) -> str:
        value = self.meta.get(name)
        if value is None:
            return ""
        if isinstance(value, (dict, list)):
            self.problems.append(Problem(name, f"must be text, not a {'list' if isinstance(value, list) else 'mapping'}"))
            return ""
        text = str(value).strip()
        if len(text) > max_chars:
            self.problems.append(Problem(name, f"is {len(text)} characters; the limit is {max_chars}"))
        return text

    def url(self, name: str) -> str | None:
        value = self.text(name, max_chars=2000, required=False)
        if value and not re.match(r"^(https?://[^\s]+|/[^\s]*)$", value, re.IGNORECASE):
            self.problems.append(Problem(name, f"'{value[:100]}' must be a path such as /media/photo.jpg "
                                         "or an http(s):// URL"))
            return None
        return value or None

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.meta.get(name, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problems.append(Problem(name, f"must be true or false, not '{value}'"))
            return default
        return value

    def integer(self, name: str, minimum: int, maximum: int) -> int | None:
        value = self.meta.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problems.append(Problem(name, f"must be a whole number, not '{value}'"))
            return None
        if not minimum <= value <= maximum:
            self.problems.append(Problem(name, f"must be between {minimum} and {maximum}, not {value}"))
            return None
        return value

    def datetime(self, name: str) -> dt.datetime | None:
        value = self.meta.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            parsed = value
        elif isinstance(value, dt.date):
            parsed = dt.datetime(value.year, value.month, value.day)
        else:
            text = str(value).strip()
            try:
                parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError as exc:
                if re.match(r"\d{4}-\d{1,2}-\d{1,2}", text) and "out of range" in str(exc):
                    self.problems.append(Problem(name, f"'{value}' is not a real date ({date_fault(text, exc)})"))
                else:
                    self.problems.append(Problem(name, f"is not an ISO 8601 date: '{value}'; "
                                                 "write it as 2022-07-12 or 2022-07-12T09:30:00+04:30"))
                return None
        if parsed.tzinfo is None:  # documented: times without an offset are UTC
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        try:
            return parsed.astimezone(dt.timezone.utc)
        except OverflowError:
            self.problems.append(Problem(name, f"'{value}' is outside the dates this site can show "
                                         "(years 1 to 9999, in UTC)"))
            return None

    def _entries(self, name: str, max_items: int) -> list[Any]:
        """A list field's entries (a single value is a list of one); none if it is not a list or too long."""
        value = self.meta.get(name)
        if value is None:
            return []
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            self.problems.append(Problem(name, "must be a list, such as [Tehran, Iranian news]"))
            return []
        if len(value) > max_items:
            self.problems.append(Problem(name, f"has {len(value)} entries; the limit is {max_items}"))
            return []
        return value

    def corrections(self, name: str) -> tuple[tuple[dt.datetime, str], ...]:
        """Public corrections: a list of ``{date: ..., note: ...}``, oldest first."""
        value = self.meta.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or len(value) > MAX_CORRECTIONS:
            self.problems.append(Problem(name, f"must be a list of at most {MAX_CORRECTIONS} entries, each "
                                         "'- {date: 2024-03-02T10:00:00Z, note: What was wrong and is now right.}'"))
            return ()
        found = []
        for number, entry in enumerate(value, 1):
            if not isinstance(entry, dict) or set(entry) != {"date", "note"}:
                self.problems.append(Problem(name, f"entry {number} must have a date and a note, and nothing else"))
                continue
            when = _Checker(self.key, {"date": entry["date"]}, {"date"}, {"date"}).datetime("date")
            note = str(entry["note"] or "").strip()
            if when is None:
                self.problems.append(Problem(name, f"entry {number}: the date is not an ISO 8601 date"))
            elif not note or len(note) > MAX_CORRECTION_CHARS:
                self.problems.append(Problem(name, f"entry {number}: the note must be 1 to {MAX_CORRECTION_CHARS} "
                                             "characters"))
            else:
                found.append((when, note))
        return tuple(found)

    def string_list(self, name: str, max_items: int) -> list[str]:
        out = []
        for item in self._entries(name, max_items):
            if isinstance(item, (dict, list)) or item is None or isinstance(item, bool):
                self.problems.append(Problem(name, f"entries must be text, not '{item}'"))
            elif len(str(item)) > 200:
                self.problems.append(Problem(name, "entries must be at most 200 characters"))
            else:
                out.append(str(item).strip())
        return out

    def terms(self, name: str, max_items: int) -> list[tuple[str, str]]:
        """Categories or tags as (slug, name): each entry a name (its slug made from it) or
        ``{name: ..., slug: ...}`` (a slug kept as it was, e.g. WordPress's ``mustread``)."""
        out = []
        for item in self._entries(name, max_items):
            spelled = item
            if isinstance(item, dict) and "name" in item and set(item) <= {"name", "slug"}:
                spelled = item["name"]
            if isinstance(spelled, (dict, list)) or spelled is None or isinstance(spelled, bool):
                self.problems.append(Problem(name, f"entries must be names or {{name: ..., slug: ...}}, not '{item}'"))
            elif len(str(spelled)) > 200:
                self.problems.append(Problem(name, "entries must be at most 200 characters"))
            else:
                term = str(spelled).strip()
                slug = self.slug(name, item.get("slug", term) if isinstance(item, dict) else term)
                if slug:
                    out.append((slug, term))
        return out

    def slug(self, name: str, value: Any, top_level: bool = False) -> str:
        """A slug made from ``value``. Only an article's or page's slug (``top_level``: the first
        segment of its URL) can collide with the site's own paths; a category, tag or author lives
        under /category/, /tag/ or /author/ and may have any slug, as in WordPress."""
        slug = normalize_slug(value) if value is not None else ""
        if not slug:
            self.problems.append(Problem(name, f"'{value}' gives an empty slug; use letters or digits"))
        elif top_level and slug in RESERVED_SLUGS:
            self.problems.append(Problem(name, f"'{slug}' is reserved for the site's own pages; choose another slug"))
        elif top_level and re.fullmatch(r"\d{4}", slug):
            self.problems.append(Problem(name, f"'{slug}' looks like a year, which the date archives use; choose another slug"))
        return slug

    def links(self, name: str) -> list[MenuItem]:
        value = self.meta.get(name)
        if not isinstance(value, list):
            self.problems.append(Problem(name, "must be a list of links"))
            return []
        out = []
        for item in value:
            link = self._link(name, item)
            if link:
                out.append(link)
        return out

    def _link(self, name: str, item: Any) -> MenuItem | None:
        if item == "home":
            return MenuItem("Home", "/")
        if isinstance(item, dict) and set(item) == {"category"}:
            slug = normalize_slug(item["category"])
            return MenuItem("", f"/category/{slug}/", category=slug) if slug else None
        if isinstance(item, dict) and set(item) == {"page"}:
            slug = normalize_slug(item["page"])
            return MenuItem("", f"/{slug}/", page=slug) if slug else None
        if isinstance(item, dict) and set(item) == {"title", "url"}:
            url = str(item["url"]).strip()
            if not re.match(r"^(/|https?://)", url):
                self.problems.append(Problem(name, f"url '{url}' must start with / or http(s)://"))
                return None
            return MenuItem(str(item["title"]).strip(), url)
        self.problems.append(Problem(name, f"entry '{item}' must be 'home', {{category: slug}}, "
                                     "{page: slug} or {title: ..., url: ...}"))
        return None
