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
from typing import Any, Callable

from slugify import slugify

from chalicelib import clock, config, fields, keys
from chalicelib.archives import RESERVED_SLUGS
from chalicelib.content import images
from chalicelib.content.files import (
    Article,
    Author,
    Category,
    ContentError,
    ContentFile,
    LiveEntry,
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
__all__ = ["Article", "Author", "Category", "ContentError", "ContentFile", "LiveEntry", "MAX_FILE_BYTES",
           "MAX_FRONT_MATTER_BYTES", "MAX_NESTING", "MAX_NUMBER_CHARS", "Problem", "RESERVED_SLUGS", "Settings", "Tag",
           "fault_of_ours", "printable"]



def _limit(name: str, what: str = "max_chars") -> int:
    """A limit of an article's field, as chalicelib/fields.py declares it."""
    limit: int = getattr(fields.named(fields.ARTICLE, name).kind, what)
    return limit


# Hard limits (declared with the fields, chalicelib/fields.py): a file past one is refused with a
# report, never truncated. The counts also keep one publish within DynamoDB's 100 items per transaction.
MAX_TITLE_CHARS = _limit("title")
MAX_SUMMARY_CHARS = _limit("summary")
MAX_CATEGORIES = _limit("categories", "max_items")
MAX_TAGS = _limit("tags", "max_items")
MAX_ALIASES = _limit("aliases", "max_items")
MAX_ALT_CHARS = _limit("image_alt")  # a featured image's description
MAX_SLUG_CHARS = 120

MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")

ARTICLE_FIELDS = {f.name for f in fields.ARTICLE if f.articles}
MAX_CORRECTIONS = _limit("corrections", "max_items")
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
MAX_CORRECTION_CHARS = _limit("corrections")
PAGE_FIELDS = {f.name for f in fields.ARTICLE if f.pages}
AUTHOR_FIELDS = {f.name for f in fields.AUTHOR}
CATEGORY_FIELDS = {f.name for f in fields.CATEGORY}
TAG_FIELDS = {f.name for f in fields.TAG}
SETTINGS_FIELDS = {"site_name", "tagline", "menu", "footer_links", "recent_posts",
                   "related_posts", "page_size", "language", "comments_close_after_days", "preview_days",
                   "comment_depth", "require_alt", "newsletters", "time_zone"}


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
EDITORS_ONLY_FIELDS = tuple(f.name for f in fields.ARTICLE if not f.contributors) + ("redirect",)
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
        written = clock.iso(article.date)
        if written not in kept_dates:
            problems.append(Problem("date", f"a submission may not be dated in the past ({written}): leave the "
                                            "date as the desk sets it, or give a future one; an editor dates it "
                                            "when publishing"))
    return problems


# A live blog's entry: ``articles/<article>/live/<id>.md``, beside the article's file ``articles/<article>.md``
# (docs/content-format.md, "Live blogs"); chalicelib/keys.py spells its key.
_ENTRY_ID = re.compile(keys.LIVE_ENTRY_ID)
MAX_ENTRY_BYTES = 200_000  # an entry is an update of a few paragraphs, a photo or an embed


def kind_of_key(key: str) -> str | None:
    """Say which kind of content a bucket key holds, or None if ingest ignores it."""
    if keys.live_entry_parts(key) is not None:
        return "entry"
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
    if kind == "entry":
        return parse_entry(key, data)
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
    check = _Checker(key, meta, ARTICLE_FIELDS if kind == "article" else PAGE_FIELDS,
                     required={f.name for f in fields.ARTICLE if kind in f.required})
    values = _read_fields(check, _ARTICLE_READ_ORDER, kind, PurePosixPath(key).stem)
    if values["parent"] is not None and values["parent"] == values["slug"]:
        check.problems.append(Problem("parent", "a page cannot be its own parent"))
    if not body.strip():
        check.problems.append(Problem("body", "is empty; write the article below the front matter"))
    elif body_format == "markdown" and body.count("[") > MAX_MARKDOWN_BRACKETS:
        check.problems.append(Problem("body", f"has {body.count('['):,} '[' characters; a Markdown body may have "
                                      f"{MAX_MARKDOWN_BRACKETS:,} (each may open a link, and reading them is slow)"))
    elif (depth := nesting_depth(body)) > MAX_HTML_DEPTH:
        check.problems.append(Problem("body", f"has HTML elements nested {depth:,} deep; the limit is "
                                      f"{MAX_HTML_DEPTH} (close the elements you open)"))
    check.raise_if_any()
    return Article(kind=kind, key=key, body=body, body_format=body_format, **values)


def parse_entry(key: str, data: bytes) -> LiveEntry:
    """Parse a live blog's entry: front matter (``fields.ENTRY``), then its text in Markdown or HTML.

    :raise ContentError: the entry is not valid; every problem is listed, naming the file and the field.
    """
    parts = keys.live_entry_parts(key)
    if parts is None:  # pragma: no cover - kind_of_key said "entry"
        raise ContentError(key, [Problem("file", "is not a live blog entry (articles/<article>/live/<id>.md)")])
    folder, name = parts
    path = PurePosixPath(name)
    suffix = path.suffix.lower()
    problems = []
    if suffix not in MARKDOWN_SUFFIXES + HTML_SUFFIXES:
        problems.append(Problem("file", f"unsupported file type '{suffix or '(none)'}'; use .md, .markdown, .html "
                                "or .htm"))
    if not _ENTRY_ID.fullmatch(path.stem):
        problems.append(Problem("file", f"'{path.stem[:100]}' cannot name an entry: use 1 to 80 letters, digits, "
                                "'-' or '_' (the desk names entries by their time, e.g. 20261207T121500Z-k3f9)"))
    if len(data) > MAX_ENTRY_BYTES:
        problems.append(Problem("file", f"is {len(data):,} bytes; an entry may have {MAX_ENTRY_BYTES:,} (post a "
                                "longer piece as an article and link to it)"))
    if problems:
        raise ContentError(key, problems)
    meta, body = split_front_matter(key, decode(key, data))
    check = _Checker(key, meta, {f.name for f in fields.ENTRY}, required={f.name for f in fields.ENTRY
                                                                         if "entry" in f.required})
    values = _read_fields(check, fields.ENTRY, "entry", path.stem)
    if not body.strip() and not values["deleted"]:
        check.problems.append(Problem("body", "is empty; write the update below the front matter"))
    elif suffix in MARKDOWN_SUFFIXES and body.count("[") > MAX_MARKDOWN_BRACKETS:
        check.problems.append(Problem("body", f"has {body.count('['):,} '[' characters; the limit is "
                                      f"{MAX_MARKDOWN_BRACKETS:,}"))
    elif (depth := nesting_depth(body)) > MAX_HTML_DEPTH:
        check.problems.append(Problem("body", f"has HTML elements nested {depth:,} deep; the limit is "
                                      f"{MAX_HTML_DEPTH} (close the elements you open)"))
    check.raise_if_any()
    return LiveEntry(key=key, folder=folder, id=path.stem, body=body,
                     body_format="markdown" if suffix in MARKDOWN_SUFFIXES else "html", **values)


def _read_fields(check: _Checker, declared: tuple[fields.Field, ...], kind: str, stem: str) -> dict[str, Any]:
    """Each declared field of a file of ``kind`` read and checked (its problems gathered by ``check``),
    as the file's type keeps it; a field the kind does not have gets its empty value. ``stem``: the
    file's name, where a slug comes from when the file gives none."""
    values: dict[str, Any] = {}
    for declared_field in declared:
        names = fields.attributes_of(declared_field.kind, declared_field.name)
        if not declared_field.of(kind):
            found: Any = _EMPTY_PAIRS.get(type(declared_field.kind), declared_field.kind.empty)
        else:
            found = _READERS[type(declared_field.kind)](check, declared_field, stem)
        values.update(zip(names, found, strict=True) if len(names) > 1 else {names[0]: found})
    return values


def _read_text(check: _Checker, declared: fields.Field, stem: str) -> Any:
    text = check.text(declared.name, max_chars=declared.kind.max_chars, required=False)  # type: ignore[attr-defined]
    return text or declared.kind.empty


def _read_slug(check: _Checker, declared: fields.Field, stem: str) -> Any:
    if getattr(declared.kind, "top_level", False):
        given = check.meta.get(declared.name)
        return check.slug(declared.name if declared.name in check.meta else "file name",
                          given if given is not None else stem, top_level=True)
    written = check.text(declared.name, max_chars=200, required=False)
    return check.slug(declared.name, written) if written else None


def _read_names(check: _Checker, declared: fields.Field, stem: str) -> Any:
    return _by_slug(check.terms(declared.name, declared.kind.max_items))  # type: ignore[attr-defined]


def _read_byline(check: _Checker, declared: fields.Field, stem: str) -> Any:
    name = check.text(declared.name, max_chars=declared.kind.max_chars, required=False)  # type: ignore[attr-defined]
    return (normalize_slug(name) if name else None), (name or None)


def _read_paths(check: _Checker, declared: fields.Field, stem: str) -> Any:
    paths = (_alias_path(check, a) for a in check.string_list(declared.name, declared.kind.max_items))  # type: ignore[attr-defined]
    return tuple(path for path in paths if path)


# The order an article's problems have always been reported in (an editor's summary, a report); a
# field declared since is read after these, in the declaration's order.
_READ_FIRST = ("title", "date", "updated", "slug", "summary", "image", "image_alt", "draft", "comments", "sticky",
               "aliases", "author", "categories", "tags", "corrections", "password")
_ARTICLE_READ_ORDER = tuple(sorted(fields.ARTICLE, key=lambda f: _READ_FIRST.index(f.name) if f.name in _READ_FIRST
                                   else len(_READ_FIRST)))
_EMPTY_PAIRS: dict[type, Any] = {fields.Names: ((), ()), fields.Byline: (None, None)}
_READERS: dict[type, Callable[[_Checker, fields.Field, str], Any]] = {
    fields.Text: _read_text,
    fields.Secret: lambda check, f, stem: check.text(f.name, max_chars=f.kind.max_chars, required=False) or None,  # type: ignore[attr-defined]
    fields.Slug: _read_slug,
    fields.Address: lambda check, f, stem: check.url(f.name),
    fields.Whole: lambda check, f, stem: check.integer(f.name, minimum=f.kind.minimum, maximum=f.kind.maximum),  # type: ignore[attr-defined]
    fields.Flag: lambda check, f, stem: check.boolean(f.name, default=f.kind.empty),
    fields.Moment: lambda check, f, stem: check.datetime(f.name),
    fields.Names: _read_names,
    fields.Byline: _read_byline,
    fields.Paths: _read_paths,
    fields.Corrections: lambda check, f, stem: check.corrections(f.name),
}
"""How each kind of field is read from the front matter, with its checks."""


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
    """Parse ``authors/<slug>.yaml``: name (required), bio and photo (a photo in Media, by its address).

    :raise ContentError: the file is not valid.
    """
    check, values = _read_term(key, data, "author")
    photo = values.get("photo")
    if photo and not (photo.startswith("/" + config.MEDIA_PREFIX) and ".." not in photo
                      and images.is_derivable(images.key_of(photo))):
        check.problems.append(Problem("photo", f"'{photo[:100]}' must be a photo in Media, by its address "
                                               "(such as /media/2026/12/me.jpg)"))
    check.raise_if_any()
    return Author(key=key, **values)


def parse_category(key: str, data: bytes) -> Category:
    """Parse ``categories/<slug>.yaml``: name, description, menu_order, parent.

    :raise ContentError: the file is not valid.
    """
    check, values = _read_term(key, data, "category")
    if values["parent"] is not None and values["parent"] == values["slug"]:
        check.problems.append(Problem("parent", "a category cannot be its own parent"))
    check.raise_if_any()
    return Category(key=key, **values)


def parse_tag(key: str, data: bytes) -> Tag:
    """Parse ``tags/<slug>.yaml``: name and description.

    :raise ContentError: the file is not valid.
    """
    check, values = _read_term(key, data, "tag")
    check.raise_if_any()
    return Tag(key=key, **values)


def _read_term(key: str, data: bytes, kind: str) -> tuple[_Checker, dict[str, Any]]:
    """A term's file (``fields.TERMS[kind]``): its slug from the file's name, then each declared field."""
    meta = load_yaml_file(key, data)
    declared = fields.TERMS[kind]
    check = _Checker(key, meta, {f.name for f in declared}, required={f.name for f in declared if kind in f.required})
    slug = check.slug("file name", PurePosixPath(key).stem)
    return check, {"slug": slug, **_read_fields(check, declared, kind, PurePosixPath(key).stem)}


def _known_zone(name: str) -> bool:
    """Whether the IANA database has a zone called ``name``."""
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


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
    newsletters = tuple(check.string_list("newsletters", max_items=10)) if "newsletters" in meta else None
    time_zone = check.text("time_zone", max_chars=64, required=False) or None
    if time_zone is not None and not _known_zone(time_zone):
        check.problems.append(Problem("time_zone", f"“{time_zone}” is not a time zone; use a name such as "
                                      "Europe/London or Asia/Tehran (the IANA database's)"))
    check.raise_if_any()
    given = {"tagline": tagline, "menu": tuple(menu) if menu is not None else None,
             "footer_links": tuple(footer) if footer else None, "recent_posts": recent, "related_posts": related,
             "page_size": page_size, "language": language, "comments_close_after_days": close_after,
             "preview_days": preview_days, "comment_depth": depth, "require_alt": require_alt,
             "newsletters": newsletters, "time_zone": time_zone}
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
