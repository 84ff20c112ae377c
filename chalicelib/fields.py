"""Every field of the content format, declared once: an article's, a page's, and the terms' (author,
category, tag). Everything else derives from these declarations, as Django's model fields drive the
form, the admin and the storage.

A ``Field`` says, in one line: its name in the front matter, its ``Kind`` (the type, the check and
how the item keeps it), whether it is required, whether pages have it, whether a contributor may set
it, where the item stores it (``stored_as``; copied onto archive entries: ``listed``), how the desk's
form edits it (``label``, ``hint``, ``widget``; no label: the form shows it under "Other fields in
this file") and where an article's page shows it (``page``: a place the template lays out generically;
None where the template has markup of its own for it, or does not show it).

What follows from the declaration, each in the module that owns it:

- the content format's checks and the file's type (``content.content_format``, ``content.files``:
  ``Article``, ``Author``, ``Category`` and ``Tag`` get an attribute for every declared field);
- the stored items (``models``: ``Post``, ``Listing``, ``AuthorItem``, ``CategoryItem``,
  ``TagItem`` get an attribute for every declared field they store; ``publish.articles.post_item``
  and ``publish.terms`` fill them);
- the site snapshot's categories (``snapshot.CategoryEntry``);
- the desk's form, its "Other fields" list and what a submission may not carry (``desk.documents``,
  ``templates/desk/editor.html``, ``content_format.submission_problems``);
- the article page's view model (``site.views``).

Where a field needs behaviour of its own (terms, dates, corrections, a password kept as a hash),
its ``Kind`` names it: ``Names``, ``Byline``, ``Moment``, ``Corrections``, ``Secret``. Nothing
here imports another package of ours: the root vocabulary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable, TypeVar

from chalicelib import clock

_Class = TypeVar("_Class", bound=type)


class Kind:
    """What a field holds: its type, its check (``content_format``), how the item keeps it
    (``storage``: "text", "flag", "number", "texts" for a list of strings, "json"), how the desk's
    form writes it as text and reads it back."""

    empty: Any = None  # the value when the file does not set it
    STORAGE = "text"

    @property
    def storage(self) -> str:
        """How the item keeps it."""
        return self.STORAGE

    def to_item(self, value: Any, typeset: Callable[[str], str]) -> Any:
        """The value as the item stores it (None: not stored)."""
        return value if value not in (None, "", (), []) else None

    def as_text(self, value: Any) -> str:
        """The front matter's value as the desk's form shows it."""
        return as_text(value)

    def from_form(self, text: str, written: Any) -> Any:
        """The front matter's value for what the form sent (``written``: the file's value before);
        ``REMOVE`` drops the field from the file."""
        return text if text else REMOVE


REMOVE: Any = object()  # ``Kind.from_form``'s answer for "the file does not set this field"


def as_text(value: Any) -> str:
    """A front-matter value as one line of text: a list's entries (a term's name) joined by commas,
    a moment as items write it, a flag as true or false."""
    if isinstance(value, list):
        return ", ".join(str(v.get("name", v)) if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, dt.datetime):
        return clock.iso(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Text(Kind):
    """One line or paragraph of text, at most ``max_chars``; ``typeset``: curly quotes and dashes on
    the item (``markup.typeset_text``); ``or_excerpt``: the item keeps the body's excerpt when empty."""

    max_chars: int
    typeset: bool = False
    or_excerpt: bool = False
    empty: Any = ""

    def to_item(self, value: Any, typeset: Callable[[str], str]) -> Any:
        if not value:
            return None
        return typeset(value) if self.typeset else value


@dataclass(frozen=True)
class Slug(Kind):
    """A slug made from the text given (``top_level``: the article's own address, the first segment
    of its URL, made from the file's name when the field is not set)."""

    top_level: bool = False


@dataclass(frozen=True)
class Address(Kind):
    """A path on the site (/media/photo.jpg) or an http(s) URL."""


@dataclass(frozen=True)
class Whole(Kind):
    """A whole number from ``minimum`` to ``maximum``."""

    minimum: int
    maximum: int
    STORAGE = "number"

    def to_item(self, value: Any, typeset: Callable[[str], str]) -> Any:
        return value


@dataclass(frozen=True)
class Flag(Kind):
    """True or false. ``kept_false``: the item stores false too (else only true, false as none)."""

    empty: Any = False
    kept_false: bool = True
    STORAGE = "flag"

    def to_item(self, value: Any, typeset: Callable[[str], str]) -> Any:
        return bool(value) if self.kept_false else (True if value else None)

    def from_form(self, text: str, written: Any) -> Any:
        return True if text == "true" else REMOVE


@dataclass(frozen=True)
class Moment(Kind):
    """A date and time (ISO 8601; UTC where no offset is given), kept as items write times."""

    def to_item(self, value: Any, typeset: Callable[[str], str]) -> Any:
        return clock.iso(value)

    def from_form(self, text: str, written: Any) -> Any:
        if text and as_text(written) == text:
            return written  # the same moment: kept as the file wrote it
        return text if text else REMOVE


@dataclass(frozen=True)
class Names(Kind):
    """Terms an article is filed under: each a name (its slug made from it) or ``{name, slug}``. The
    file's type keeps the slugs (the field's own name) and the names as written (``names_as``); the
    item keeps the slugs, or ``[slug, name]`` pairs (``pairs``)."""

    max_items: int
    names_as: str
    pairs: bool = False
    empty: Any = ()

    @property
    def storage(self) -> str:
        return "json" if self.pairs else "texts"

    def to_item(self, value: Any, typeset: Callable[[str], str]) -> Any:
        slugs, names = value
        return [[slug, name] for slug, name in zip(slugs, names, strict=True)] if self.pairs else list(slugs)

    def from_form(self, text: str, written: Any) -> Any:
        if not text:
            return REMOVE
        if as_text(written) == text:
            return written  # unchanged: kept as written (with any {name, slug} the editor did not touch)
        return [part.strip() for part in text.split(",") if part.strip()]


@dataclass(frozen=True)
class Byline(Kind):
    """The author's name as written; the file's type and the item keep its slug too (the field's own
    name) and the name (``name_as``)."""

    max_chars: int
    name_as: str

    def to_item(self, value: Any, typeset: Callable[[str], str]) -> Any:
        return value


@dataclass(frozen=True)
class Paths(Kind):
    """Old addresses (a site path or a WordPress id form such as ``?p=123``), at most ``max_items``."""

    max_items: int
    empty: Any = ()
    STORAGE = "texts"

    def to_item(self, value: Any, typeset: Callable[[str], str]) -> Any:
        return list(value)


@dataclass(frozen=True)
class Corrections(Kind):
    """Public corrections: ``{date, note}`` entries, oldest first, the notes typeset."""

    max_items: int
    max_chars: int
    empty: Any = ()
    STORAGE = "json"

    def to_item(self, value: Any, typeset: Callable[[str], str]) -> Any:
        return [{"date": clock.iso(when), "note": typeset(note)} for when, note in value] or None


@dataclass(frozen=True)
class Secret(Kind):
    """A password readers must give: the item keeps only its salted hash (``protected``)."""

    max_chars: int

    def to_item(self, value: Any, typeset: Callable[[str], str]) -> Any:
        from chalicelib.protected import hash_password

        return hash_password(value) if value else None


@dataclass(frozen=True)
class Field:
    """One field of the content format (see the module's docstring)."""

    name: str
    kind: Kind
    required: tuple[str, ...] = ()  # the file kinds that must set it ("article", "page")
    pages: bool = True  # pages have it too (else articles only; a page's is the kind's empty value)
    articles: bool = True  # articles have it (else pages only; an article's is the kind's empty value)
    contributors: bool = True  # a contributor's submission may set it
    stored_as: str | None = ""  # the item's attribute ("": the field's name; None: not an attribute of its own)
    listed: bool = False  # archive entries (``models.Listing``) copy it
    snapshot: bool = False  # the site snapshot keeps it (a term's)
    label: str = ""  # the desk's label; "" : the form does not edit it
    hint: str = ""  # said under the label, in plain words
    widget: str = "text"  # how the form edits it: text, textarea, slug, terms, byline, moment, hidden, page, flag
    page: str | None = None  # where the article page shows it: "header", "featured", "end"; None: see the docstring

    @property
    def attribute(self) -> str | None:
        """The item's attribute for this field, or None."""
        return None if self.stored_as is None else self.stored_as or self.name

    def of(self, kind: str) -> bool:
        """Whether a file of ``kind`` ("article", "page") has this field."""
        return self.articles if kind == "article" else self.pages


ARTICLE: tuple[Field, ...] = (
    Field("title", Text(300, typeset=True), required=("article", "page"), listed=True, label="Title"),
    Field("slug", Slug(top_level=True), stored_as=None, label="Slug", widget="slug"),
    Field("summary", Text(2000, typeset=True, or_excerpt=True), listed=True, label="Summary", widget="textarea"),
    Field("categories", Names(10, "category_names"), pages=False, listed=True, label="Categories",
          hint="Separate them with commas.", widget="terms"),
    Field("tags", Names(10, "tag_names", pairs=True), pages=False, label="Tags", hint="Separate them with commas.",
          widget="terms"),
    Field("author", Byline(200, "author_name"), pages=False, listed=True, label="Author", widget="byline"),
    Field("date", Moment(), required=("article",), listed=True, label="Publish at",
          hint="In your time zone ({zone}); stored in UTC.", widget="moment"),
    Field("image", Address(), listed=True, label="Featured image"),
    Field("image_alt", Text(1000), label="Describe the featured image",
          hint="Its alt text, for readers who cannot see the photo."),
    Field("draft", Flag(), label="Draft", widget="hidden"),
    Field("updated", Moment(), listed=True),
    Field("aliases", Paths(10), contributors=False),
    Field("comments", Flag(empty=True), pages=False, stored_as="comments_open"),
    Field("sticky", Flag(kept_false=False), pages=False, contributors=False, label="Sticky",
          hint="Keep it at the top of the home page, above newer articles (WordPress's \"Stick to the top of the "
               "blog\").", widget="flag"),
    Field("corrections", Corrections(20, 1000), pages=False, contributors=False),
    Field("password", Secret(200), stored_as="password_hash", label="Password",
          hint="Readers see the title and a password box; the text only with this password. Leave it empty for "
               "everyone to read it."),
    Field("live", Flag(kept_false=False), pages=False, contributors=False),
    Field("live_ended", Moment(), pages=False, contributors=False),
    Field("parent", Slug(), articles=False, label="Parent",
          hint="The page this one sits under: it lists this page, and this page shows it above its title. "
               "The address stays /slug/.", widget="page"),
)
"""An article's and a page's front matter, in the order the desk's form shows them (and a new file
writes them)."""

AUTHOR: tuple[Field, ...] = (
    Field("name", Text(200), required=("author",), snapshot=True),
    Field("bio", Text(5000)),
    Field("photo", Address()),  # a photo in Media (/media/...): the author page shows its sizes, with its alt text
    Field("aliases", Paths(10)),
)
CATEGORY: tuple[Field, ...] = (
    Field("name", Text(200), required=("category",), snapshot=True),
    Field("description", Text(5000), snapshot=True),
    Field("menu_order", Whole(0, 1000), snapshot=True),
    Field("parent", Slug(), snapshot=True),
    Field("aliases", Paths(10)),
)
TAG: tuple[Field, ...] = (
    Field("name", Text(200), required=("tag",)),
    Field("description", Text(5000)),
    Field("aliases", Paths(10)),
)
ENTRY: tuple[Field, ...] = (
    Field("time", Moment(), required=("entry",)),
    Field("author", Byline(200, "author_name")),
    Field("pinned", Flag(kept_false=False)),
    Field("correction", Text(1000, typeset=True)),
    Field("deleted", Flag(kept_false=False)),
)
"""A live blog's entry (``articles/<article>/live/<id>.md``: docs/content-format.md, "Live blogs"): when it
was posted, who wrote it, whether it is a key event (``pinned``), a public correction note, and whether it
was taken down (``deleted``: the file stays, the entry leaves the page and the feed)."""
TERMS = {"author": AUTHOR, "category": CATEGORY, "tag": TAG}
"""The terms' files (``authors/``, ``categories/``, ``tags/``), by kind."""


def named(declared: Iterable[Field], name: str) -> Field:
    """The declared field ``name``. :raise KeyError: none."""
    found = next((f for f in declared if f.name == name), None)
    if found is None:
        raise KeyError(name)
    return found


def attributes_of(kind: Kind, name: str) -> tuple[str, ...]:
    """The attributes a field of ``kind`` named ``name`` gives the file's type: its own, and the
    names as written for terms and bylines."""
    if isinstance(kind, Names):
        return name, kind.names_as
    if isinstance(kind, Byline):
        return name, kind.name_as
    return (name,)


def item_attributes(declared_field: Field) -> tuple[str, ...]:
    """The item's attributes for a field: its own (``Field.attribute``), and a byline's name as written."""
    own = declared_field.attribute
    if own is None:
        return ()
    return (own, declared_field.kind.name_as) if isinstance(declared_field.kind, Byline) else (own,)


def completed(declared: Iterable[Field], where: Callable[[Field], bool] = lambda f: True) -> Callable[[_Class], _Class]:
    """A class decorator, applied before ``dataclass``: each declared field (``where`` it applies) that
    the class does not annotate becomes a field of it, with its kind's empty value. The class
    annotates the fields code reads by name (so mypy knows their types); any other comes from here."""
    def complete(cls: _Class) -> _Class:
        notes = cls.__dict__.get("__annotations__")
        if notes is None:
            notes = {}
            cls.__annotations__ = notes
        for declared_field in declared:
            if not where(declared_field):
                continue
            for name in attributes_of(declared_field.kind, declared_field.name):
                if name not in notes:
                    notes[name] = "Any"
                    setattr(cls, name, declared_field.kind.empty)
        return cls
    return complete
