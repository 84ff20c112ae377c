"""The names an article picks, Categories, Tags and Author, chosen from what exists.

The editor's pickers (``templates/desk/combobox.js``, the ARIA Authoring Practices combobox) offer
the site's categories, tags and authors (``choices``); a save names only what exists
(``unknown_names``), so a typo never becomes a public page ("Tehrn City" published
``/category/tehrn-city/`` and put it in the sidebar). As in WordPress:

- a category or an author the site does not have is refused, with a message naming it; an editor or
  an admin may create it, explicitly: the picker's "Create category 'Tehrn City'" sends it in the
  save's ``create`` list, and ingest registers it with the article (an editor's role writes
  articles, not term files);
- tags are free: a new tag is created with the article (the picker suggests the existing ones first);
- the Author is the signed-in person by default, and a contributor may name only an author the site
  has, or themselves: they cannot invent authors.

A name matches a term by its slug (``normalize_slug``), so "oil" and "Oil" are the same category.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from chalicelib import keys
from chalicelib.content.content_format import normalize_slug
from chalicelib.desk.identity import Identity
from chalicelib.models import TagItem
from chalicelib.problems import Problem
from chalicelib.site import store

MAX_TAG_CHOICES = 2000  # tags with a file of their own offered as suggestions, at most


@dataclass(frozen=True)
class Choices:
    """What the pickers offer: each kind's names (slug -> name), sorted by name when shown."""

    categories: dict[str, str]
    tags: dict[str, str]
    authors: dict[str, str]

    def of(self, field: str) -> list[str]:
        """The names the picker of ``field`` ("categories", "tags", "author") offers, by name."""
        found = {"categories": self.categories, "tags": self.tags, "author": self.authors}.get(field, {})
        return sorted(found.values(), key=str.lower)


def choices(extra_tags: Iterable[str] = ()) -> Choices:
    """The site's categories and authors (the site snapshot) with the desk's people (their profiles),
    and its tags: those with a file of their own, and ``extra_tags`` (the article's own)."""
    site = store.site()
    tags = {item.sk: item.name for item in TagItem.query(keys.TAG_PK, limit=MAX_TAG_CHOICES)}
    tags.update({normalize_slug(name): name for name in extra_tags if name.strip()})
    from chalicelib.desk import profile  # the desk's people, who sign articles too (issue 45)

    authors = {**dict(site.authors), **{c["slug"]: c["name"] for c in profile.author_choices() if c["slug"]}}
    return Choices({c.slug: c.name for c in site.categories}, tags, authors)


def names_in(text: str) -> list[str]:
    """The names a picker's text holds: comma-separated, as the form sends them."""
    return [part.strip() for part in text.split(",") if part.strip()]


def create_list(sent: Any) -> set[tuple[str, str]]:
    """The ``(kind, slug)`` pairs the person chose to create: the save's ``create``, a list of
    ``"category:Name"`` / ``"author:Name"`` (or one string of them, a line each)."""
    entries = sent.splitlines() if isinstance(sent, str) else sent if isinstance(sent, list) else []
    wanted = set()
    for entry in entries:
        kind, _, name = str(entry).partition(":")
        if kind in ("category", "author") and normalize_slug(name):
            wanted.add((kind, normalize_slug(name)))
    return wanted


def written_author(author: str, known: Choices) -> str:
    """What an article's ``author`` is written as: the name picked, or its author's slug where the name
    does not make it (a person who renamed themselves: /author/local-editor/ is "Sam Writer"; writing
    the name would make another author). Bylines show the author's name either way."""
    name = author.strip()
    if not name or normalize_slug(name) in known.authors:
        return author
    slugs = [slug for slug, shown in known.authors.items() if shown.casefold() == name.casefold()]
    return slugs[0] if len(slugs) == 1 else author


def unknown_names(who: Identity, fields: dict[str, str], create: set[tuple[str, str]],
                  known: Choices | None = None) -> list[Problem]:
    """The problems of the categories and author ``fields`` names: each one the site does not have
    (and ``who`` may not create, or did not choose to), in words naming it."""
    known = known or choices()
    problems = []
    may_create = who.may("editor")
    for name in names_in(fields.get("categories", "")):
        slug = normalize_slug(name)
        if slug in known.categories or (may_create and ("category", slug) in create):
            continue
        problems.append(Problem("categories", f"Unknown category '{name}': choose one of the site's categories"
                                + (f", or choose Create category '{name}'" if may_create
                                   else " (an editor can create it)")))
    author = fields.get("author", "").strip()
    slug = normalize_slug(written_author(author, known))
    if author and slug not in known.authors and slug != normalize_slug(who.name) \
            and not (may_create and ("author", slug) in create):
        problems.append(Problem("author", f"Unknown author '{author}': choose one of the site's authors"
                                + (f", or choose Create author '{author}'" if may_create
                                   else " or yourself (an editor can add authors)")))
    return problems
