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
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler
from slugify import slugify

from chalicelib import config
from chalicelib.archives import RESERVED_SLUGS
from chalicelib.site_settings import MenuItem, Settings

# Settings is a file kind too; RESERVED_SLUGS is checked here (chalicelib/archives.py owns it).
__all__ = ["Article", "Author", "Category", "ContentError", "Problem", "RESERVED_SLUGS", "Settings", "Tag"]

# Hard limits: a file past one is refused with a report, never truncated. The
# counts also keep one publish within DynamoDB's 100 items per transaction.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_FRONT_MATTER_BYTES = 32 * 1024
MAX_TITLE_CHARS = 300
MAX_SUMMARY_CHARS = 2000
MAX_CATEGORIES = 10
MAX_TAGS = 10
MAX_ALIASES = 10
MAX_SLUG_CHARS = 120
MAX_NESTING = 20  # lists and mappings inside one another, in any YAML
MAX_NUMBER_CHARS = 30  # digits (and sign, point, exponent) of one number


_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with any lone surrogate replaced by U+FFFD, so it can be written as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
YAML_SUFFIXES = (".yaml", ".yml")

ARTICLE_FIELDS = {"title", "date", "slug", "author", "categories", "tags", "summary",
                  "image", "draft", "updated", "aliases", "comments", "sticky"}
PAGE_FIELDS = {"title", "date", "slug", "summary", "image", "draft", "updated", "aliases"}
AUTHOR_FIELDS = {"name", "bio", "aliases"}
CATEGORY_FIELDS = {"name", "description", "menu_order", "parent", "aliases"}
TAG_FIELDS = {"name", "description"}
SETTINGS_FIELDS = {"site_name", "tagline", "menu", "footer_links", "recent_posts",
                   "related_posts", "page_size", "language", "comments_close_after_days", "preview_days",
                   "comment_depth", "require_alt"}


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
    """The report for a file that broke the site's own code: not the editor's mistake to find, so
    it says so, and what to do (the operators are told too: see ``ingest``)."""
    return ContentError(key, [Problem("file", f"could not be published because of a fault in the site's own "
                                      f"software ({type(exc).__name__}); the site is unchanged. Please report "
                                      "this file to the site's developers; changing the file may work around it")])


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
    draft: bool = False
    updated: dt.datetime | None = None
    aliases: tuple[str, ...] = ()
    comments: bool = True  # readers may comment (front matter ``comments: false`` closes them)
    sticky: bool = False  # kept on top of the home page's first page (WordPress's sticky posts)


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
    text = _decode(key, data)
    meta, body = _split_front_matter(key, text)
    fields = ARTICLE_FIELDS if kind == "article" else PAGE_FIELDS
    check = _Checker(key, meta, fields, required={"title", "date"} if kind == "article" else {"title"})

    title = check.text("title", max_chars=MAX_TITLE_CHARS)
    date = check.datetime("date")
    updated = check.datetime("updated")
    slug_source = meta.get("slug") if meta.get("slug") is not None else PurePosixPath(key).stem
    slug = check.slug("slug" if "slug" in meta else "file name", slug_source, top_level=True)
    summary = check.text("summary", max_chars=MAX_SUMMARY_CHARS, required=False) or ""
    image = check.url("image")
    draft = check.boolean("draft")
    comments = check.boolean("comments", default=True) if kind == "article" else True
    sticky = check.boolean("sticky") if kind == "article" else False
    aliases = tuple(_alias_path(check, a) for a in check.string_list("aliases", MAX_ALIASES))
    author_name = check.text("author", max_chars=200, required=False) if kind == "article" else None
    categories, category_names = _by_slug(check.terms("categories", MAX_CATEGORIES) if kind == "article" else [])
    tags, tag_names = _by_slug(check.terms("tags", MAX_TAGS) if kind == "article" else [])
    if not body.strip():
        check.problems.append(Problem("body", "is empty; write the article below the front matter"))
    check.raise_if_any()
    return Article(
        kind=kind, key=key, slug=slug, title=title, date=date, body=body, body_format=body_format,
        author=normalize_slug(author_name) if author_name else None, author_name=author_name,
        categories=categories, category_names=category_names, tags=tags, tag_names=tag_names,
        summary=summary, image=image, draft=draft, updated=updated,
        aliases=tuple(a for a in aliases if a), comments=comments, sticky=sticky,
    )


def parse_author(key: str, data: bytes) -> Author:
    """Parse ``authors/<slug>.yaml``: name (required) and bio.

    :raise ContentError: the file is not valid.
    """
    meta = _load_yaml_file(key, data)
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
    meta = _load_yaml_file(key, data)
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
    meta = _load_yaml_file(key, data)
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
    meta = _load_yaml_file(key, data)
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


# --- reading -----------------------------------------------------------------

class _OverLimit(yaml.constructor.ConstructorError):
    """A value the loader refused for one of its limits (reported under the value's field)."""


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader with limits checked as it reads, each refusal pointing at its line.

    No anchors or aliases (no expansion bombs); nesting at most MAX_NESTING
    deep; numbers of at most MAX_NUMBER_CHARS characters; dates that exist.
    """

    depth = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, "YAML anchors and aliases (& and *) are not allowed", event.start_mark)
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if self.depth >= MAX_NESTING:
                raise yaml.composer.ComposerError(  # the stubs type the C loader's Mark apart; both are marks
                    None, None, f"lists and mappings are nested more than {MAX_NESTING} deep",
                    event.start_mark)  # type: ignore[arg-type]
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1
        return super().compose_node(parent, index)

    def construct_yaml_int(self, node):  # type: ignore[no-untyped-def]
        self._short_number(node)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node):  # type: ignore[no-untyped-def]
        self._short_number(node)
        return super().construct_yaml_float(node)

    def construct_yaml_timestamp(self, node):  # type: ignore[no-untyped-def]
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise _OverLimit(
                None, None, f"'{node.value}' is not a real date ({_date_fault(node.value, exc)})",
                node.start_mark) from None

    def _short_number(self, node) -> None:  # type: ignore[no-untyped-def]
        if len(node.value) > MAX_NUMBER_CHARS:
            raise _OverLimit(
                None, None, f"a number of {len(node.value):,} characters; the limit is {MAX_NUMBER_CHARS}",
                node.start_mark)


_NoAliasLoader.add_constructor("tag:yaml.org,2002:int", _NoAliasLoader.construct_yaml_int)
_NoAliasLoader.add_constructor("tag:yaml.org,2002:float", _NoAliasLoader.construct_yaml_float)
_NoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", _NoAliasLoader.construct_yaml_timestamp)

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")


def _date_fault(text: str, exc: Exception) -> str:
    """Why a date does not exist, in words: 'February has no day 30'."""
    found = re.match(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})", str(text))
    if found:
        month, day = int(found.group(2)), int(found.group(3))
        if not 1 <= month <= 12:
            return f"there is no month {month}"
        if day < 1 or day > 28:
            return f"{MONTH_NAMES[month - 1]} has no day {day}" + (f" in {found.group(1)}" if month == 2 and day == 29 else "")
    return "outside the dates this site can show" if isinstance(exc, OverflowError) else str(exc)


class _SafeFrontMatter(YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        return yaml.load(fm, Loader=_NoAliasLoader)  # noqa: S506 - loader is SafeLoader-based


def _decode(key: str, data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise ContentError(key, [Problem("file", f"is {len(data):,} bytes; the limit is "
                                         f"{MAX_FILE_BYTES:,} bytes")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(key, [Problem("file", f"is not UTF-8 text (bad byte at offset {exc.start}); "
                                         "save it as UTF-8")]) from None
    return text.lstrip("\ufeff").replace("\r\n", "\n")


def _split_front_matter(key: str, text: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---"):
        raise ContentError(key, [Problem("front matter", "is missing; the file must start with a "
                                         "'---' line, then YAML fields, then another '---' line", 1)])
    end = re.search(r"^(?:---|\.\.\.)\s*$", text[3:], re.MULTILINE)
    if end is None:
        raise ContentError(key, [Problem("front matter", "has no closing '---' line", 1)])
    if len(text[: end.end() + 3].encode()) > MAX_FRONT_MATTER_BYTES:
        raise ContentError(key, [Problem("front matter", f"is larger than {MAX_FRONT_MATTER_BYTES:,} bytes")])
    try:
        post = frontmatter.loads(text, handler=_SafeFrontMatter())
    except yaml.YAMLError as exc:
        raise ContentError(key, [_yaml_problem("front matter", exc, text)]) from None
    meta = post.metadata
    if not isinstance(meta, dict):
        raise ContentError(key, [Problem("front matter", "must be YAML 'key: value' fields", 1)])
    _refuse_lone_surrogates(key, meta)
    return meta, post.content


def _load_yaml_file(key: str, data: bytes) -> dict[str, Any]:
    if PurePosixPath(key).suffix.lower() not in YAML_SUFFIXES:
        raise ContentError(key, [Problem("file", "must be a YAML file ending in .yaml or .yml")])
    text = _decode(key, data)
    try:
        meta = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - loader is SafeLoader-based
    except yaml.YAMLError as exc:
        raise ContentError(key, [_yaml_problem("yaml", exc, text)]) from None
    if not isinstance(meta, dict):
        raise ContentError(key, [Problem("yaml", "must be 'key: value' fields")])
    _refuse_lone_surrogates(key, meta)
    return meta


def _yaml_problem(field_name: str, exc: yaml.YAMLError, text: str) -> Problem:
    """The problem a YAML error is; a value refused by a limit is named by its field where its line says."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    line = mark.line + 1 if mark is not None else None  # front matter text starts on the "---" line
    if isinstance(exc, _OverLimit) and line is not None:
        lines = text.splitlines()
        named = re.match(r"\s*([A-Za-z_][\w-]*)\s*:", lines[line - 1]) if line <= len(lines) else None
        if named:
            return Problem(named.group(1), problem, line)
    return Problem(field_name, f"is not valid YAML: {problem}", line)


def _refuse_lone_surrogates(key: str, meta: dict[str, Any]) -> None:
    """Text must be text: a YAML escape such as "\\ud83d" (half of a UTF-16 pair) is no character,
    and nothing can store or show it.

    :raise ContentError: naming each field that holds one.
    """
    def holds(value: Any) -> bool:
        if isinstance(value, str):
            return bool(_SURROGATE.search(value))
        if isinstance(value, dict):
            return any(holds(k) or holds(v) for k, v in value.items())
        return isinstance(value, list) and any(holds(v) for v in value)

    fields = [name for name, value in meta.items() if holds(name) or holds(value)]
    if fields:
        raise ContentError(key, [Problem(str(name), "holds an escape such as \\ud83d that is half of a character "
                                         "(a lone surrogate); write the character itself, or its full escape")
                                 for name in fields])


def _alias_path(check: "_Checker", alias: str) -> str:
    """Reduce an old URL (absolute or a path) to its path without slashes at the ends; WordPress's
    id forms (``/?p=123``, ``/?page_id=12``, ``/?attachment_id=5``) to ``?p=123`` (``old_urls``)."""
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
                    self.problems.append(Problem(name, f"'{value}' is not a real date ({_date_fault(text, exc)})"))
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
