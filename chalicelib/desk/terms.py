"""The Categories, Tags and Authors screens (admins): each term with its address and post count,
searched and paged 50 at a time (categories as a tree of parents and children); create, rename (a
new slug leaves the old address redirecting), merge, and delete (when no article uses it, or moving
its articles to another term).

Everything is a file, as an upload is: ``categories/<slug>.yaml``, ``tags/<slug>.yaml``,
``authors/<slug>.yaml``; when a slug changes or two terms merge, each article naming the old one is
rewritten to name the new one, and so are the menu and footer links of ``settings/site.yaml``, in the
same change: nothing is left naming a term that is gone. Each write is checked first with ingest's own
checker and is conditional on the version read; ingest publishes, and the edge follows. A term whose
old address another term's file claims (``aliases``) is no term any more: no list shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlencode

import yaml
from chalice.app import Response

from chalicelib import config, keys
from chalicelib.bucket import Conflict, ContentBucket
from chalicelib.content.content_format import ContentError, check_file, normalize_slug
from chalicelib.desk import documents, http, session
from chalicelib.desk.identity import Identity
from chalicelib.models import AuthorItem, CategoryItem, Listing, Post, TagItem

PAGE = 50  # terms a screen shows at once
MAX_REWRITTEN = 200  # articles one rename or merge rewrites (more: it says so, and does nothing)
SETTINGS_KEY = config.SETTINGS_PREFIX + "site.yaml"


@dataclass(frozen=True)
class Kind:
    """What a kind of term is: its files, the article field naming it, its items and its screen."""

    name: str  # "category", "tag", "author": its archive's first segment
    plural: str  # the screen's heading
    prefix: str
    field: str  # the article front matter's
    model: Any
    pk: str
    screen: str  # the desk's address

    def listing(self, slug: str) -> str:
        return {"category": keys.category_listing, "tag": keys.tag_listing, "author": keys.author_listing}[self.name](slug)


KINDS = {kind.name: kind for kind in (
    Kind("category", "Categories", config.CATEGORIES_PREFIX, "categories", CategoryItem, keys.CATEGORY_PK,
         "/desk/categories"),
    Kind("tag", "Tags", config.TAGS_PREFIX, "tags", TagItem, keys.TAG_PK, "/desk/tags"),
    Kind("author", "Authors", config.AUTHORS_PREFIX, "author", AuthorItem, keys.AUTHOR_PK, "/desk/authors"))}


# --- the screens ----------------------------------------------------------------------------------

def screen(kind_name: str) -> Callable[..., Response]:
    """The screen of one kind of term (``/desk/categories``, ``/desk/tags``, ``/desk/authors``)."""
    kind = KINDS[kind_name]

    @http.guarded
    @http.signed_in
    @http.needs("admin")
    def view(request: Any, who: Identity, token: str) -> Response:
        query = request.query_params or {}
        wanted = " ".join(query.get("q", "").split())[:100]
        everything = terms_of(kind)
        if wanted:
            needle = wanted.casefold()
            everything = [t for t in everything if needle in t["name"].casefold() or needle in t["slug"]]
        pages = max(1, -(-len(everything) // PAGE))
        number = int(query.get("page", "1")) if query.get("page", "1").isdigit() else 1
        number = min(max(1, number), pages)
        shown = everything[(number - 1) * PAGE:number * PAGE]
        for term in shown:
            term["count"] = _count(kind, term["slug"])

        def link(page: int) -> str:
            return f"{kind.screen}?{urlencode({'q': wanted, 'page': page} if wanted else {'page': page})}"

        return http.screen("terms.html", who, token, kind=kind, terms=shown, total=len(everything), q=wanted,
                           page=number, pages=pages, newer=link(number - 1) if number > 1 else "",
                           older=link(number + 1) if number < pages else "",
                           done=query.get("done", ""), failed=query.get("failed", ""))
    return view


def terms_of(kind: Kind) -> list[dict[str, Any]]:
    """Every term of a kind (one Query), those moved into another left out; categories as a tree
    (each parent followed by its children, ``depth`` deep), the others by name."""
    items = list(kind.model.query(kind.pk))
    if kind.name == "tag":  # and those only articles name, without a file of their own
        own = {item.sk for item in items}
        items += [item for item in TagItem.query(keys.TAGS_NAMED_PK) if item.sk not in own]
    claimed = {alias for item in items for alias in (getattr(item, "aliases", None) or [])}
    if kind.name == "tag":
        claimed |= {old.sk for old in TagItem.query(keys.TAG_ALIASES_PK)}
    found = [{"slug": item.sk, "name": item.name, "parent": getattr(item, "parent", None) or "",
              "file": getattr(item, "source_key", None) or "", "depth": 0}
             for item in items if f"{kind.name}/{item.sk}" not in claimed]
    found.sort(key=lambda t: (t["name"].casefold(), t["slug"]))
    if kind.name != "category":
        return found
    slugs = {t["slug"] for t in found}
    children: dict[str, list[dict[str, Any]]] = {}
    for term in found:
        children.setdefault(term["parent"] if term["parent"] in slugs and term["parent"] != term["slug"] else "",
                            []).append(term)
    tree: list[dict[str, Any]] = []
    seen: set[str] = set()

    def walk(parent: str, depth: int) -> None:
        for term in children.get(parent, []):
            if term["slug"] in seen:  # a loop of parents: shown once
                continue
            seen.add(term["slug"])
            tree.append({**term, "depth": min(depth, 5)})
            walk(term["slug"], depth + 1)

    walk("", 0)
    tree.extend(t for t in found if t["slug"] not in seen)  # parents in a loop, not reached from the top
    return tree


def _count(kind: Kind, slug: str) -> int:
    """How many published articles the term's archive lists (one Query, keys only)."""
    return int(Listing.count(keys.listing_pk(kind.listing(slug))))


# --- the changes ----------------------------------------------------------------------------------

@http.guarded
@http.signed_in
@http.needs("admin")
@http.writes
def change(request: Any, who: Identity, token: str) -> Response:
    """Create, rename, merge or delete a category, tag or author (``kind``, ``action``)."""
    sent = http.form(request)
    kind = KINDS.get(sent.get("kind", ""))
    action = sent.get("action", "")
    if kind is None or action not in ("create", "rename", "merge", "delete"):
        return http.back("/desk/settings", failed="Nothing done: unknown change.")
    bucket = session.bucket_as(token)
    slug = normalize_slug(sent.get("slug", ""))
    name = " ".join(sent.get("name", "").split())
    if action == "create":
        return _create(bucket, who, kind, slug, name, normalize_slug(sent.get("parent", "")))
    item = _find(kind, slug)
    if item is None:
        return http.back(kind.screen, failed=f"There is no {kind.name} {slug}.")
    file_key = kind.prefix + f"{slug}.yaml"
    try:
        current, version = documents.read_fields(bucket, file_key)
    except ContentError as error:
        return http.back(kind.screen, failed=f"Nothing was done: {error}")
    users = _articles_naming(kind, slug)
    into = normalize_slug(sent.get("into", ""))
    if action == "delete" and not into:
        if users:
            return http.back(kind.screen, failed=f"{item.name} is not deleted: {len(users)} article(s) use it. Choose a "
                                      f"{kind.name} to move them to, or merge it into another {kind.name}.")
        if version:
            bucket.delete(file_key)
        problem = _follow_in_settings(bucket, who, kind, slug, None)
        return http.back(kind.screen, done=f"Deleted {kind.name} {item.name}." + problem)
    target_slug = into if action in ("merge", "delete") else (normalize_slug(sent.get("new_slug", "")) or slug)
    new_name = name or item.name
    if not target_slug:
        return http.back(kind.screen, failed="Give the new slug (letters and digits).")
    if target_slug == slug and action != "rename":
        return http.back(kind.screen, failed=f"Choose another {kind.name} than {item.name} itself.")
    if len(users) > MAX_REWRITTEN:
        return http.back(kind.screen, failed=f"{item.name} is used by {len(users)} articles; the desk rewrites at most "
                                  f"{MAX_REWRITTEN} at once. Nothing was changed.")
    if action == "rename" and target_slug == slug:  # the name alone: one file
        meta = {**current, "name": new_name} if current else {"name": new_name}
        return _write_term(bucket, who, kind, file_key, meta, version) or http.back(kind.screen, done=f"Renamed to {new_name}.")
    return _move_term(bucket, who, kind, action, item, (current, version), target_slug, new_name, users)


def _find(kind: Kind, slug: str) -> Any:
    """A term's item, or for a tag no file describes, the desk's note that articles name it; None if neither."""
    if not slug:
        return None
    item = kind.model.get_or_none(kind.pk, slug)
    if item is None and kind.name == "tag":
        item = TagItem.get_or_none(keys.TAGS_NAMED_PK, slug)
    return item


def _create(bucket: ContentBucket, who: Identity, kind: Kind, slug: str, name: str, parent: str) -> Response:
    """A new term's file (its name, the slug given or made from it, a category's parent)."""
    if not slug and not name:
        return http.back(kind.screen, failed=f"Give the new {kind.name} a name.")
    slug = slug or normalize_slug(name)
    if _find(kind, slug) is not None:
        return http.back(kind.screen, failed=f"/{kind.name}/{slug}/ exists already: choose another name.")
    meta: dict[str, Any] = {"name": name or slug}
    if parent and kind.name == "category":
        if CategoryItem.get_or_none(keys.CATEGORY_PK, parent) is None:
            return http.back(kind.screen, failed=f"There is no category {parent} to be the parent.")
        meta["parent"] = parent
    return _write_term(bucket, who, kind, kind.prefix + f"{slug}.yaml", meta, "") \
        or http.back(kind.screen, done=f"Created {kind.name} {name or slug}.")


def _move_term(bucket: ContentBucket, who: Identity, kind: Kind, action: str, item: Any,
               opened: tuple[dict[str, Any], str], target_slug: str, new_name: str, users: list[str]) -> Response:
    """Rename a term to a new slug, merge it into another, or delete it moving its articles to another:
    the target's file names the old address as an alias (it redirects; not for a delete), the articles
    and the settings naming it are rewritten, and its own file goes."""
    slug, (current, version) = item.sk, opened
    target = _find(kind, target_slug)
    if action == "rename" and target is not None:
        return http.back(kind.screen, failed=f"/{kind.name}/{target_slug}/ exists already: merge into it instead.")
    if action in ("merge", "delete") and target is None:
        return http.back(kind.screen, failed=f"There is no {kind.name} {target_slug} to move its articles to.")
    target_key = kind.prefix + f"{target_slug}.yaml"
    try:
        target_meta, target_version = documents.read_fields(bucket, target_key)
    except ContentError as error:
        return http.back(kind.screen, failed=f"Nothing was done: {error}")
    base = {**target_meta} if action != "rename" else {**current, "name": new_name}
    base["name"] = base.get("name") or (target.name if target is not None else new_name)
    if action != "delete":
        aliases = [*(target_meta.get("aliases") or []), f"/{kind.name}/{slug}/", *(current.get("aliases") or [])]
        base["aliases"] = list(dict.fromkeys(aliases))
    if action == "rename" or base != target_meta or not target_version:
        written = _write_term(bucket, who, kind, target_key, base, target_version)
        if written is not None:
            return written
    into_name = target.name if target is not None else new_name
    moved = sum(_rename_in_article(bucket, who, article_key, kind, slug, into_name, target_slug)
                for article_key in users)
    problem = _follow_in_settings(bucket, who, kind, slug, target_slug)
    if version:
        bucket.delete(kind.prefix + f"{slug}.yaml")
    said = {"rename": "Renamed", "merge": "Merged", "delete": "Deleted"}[action]
    where = f"/{kind.name}/{slug}/ now redirects to /{kind.name}/{target_slug}/" if action != "delete" else \
        f"{item.name} is gone; its articles are in {into_name}"
    return http.back(kind.screen, done=f"{said}: {where}; {moved} article(s) rewritten." + problem)


def _write_term(bucket: ContentBucket, who: Identity, kind: Kind, key: str, meta: dict[str, Any],
                version: str) -> Response | None:
    """Write a term's file if the checker accepts it; the refusal to show, or None when written."""
    raw = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000).encode()
    try:
        check_file(key, raw)
        documents.write(bucket, key, raw, version, who)
    except ContentError as error:
        return http.back(kind.screen, failed="Not saved: " + "; ".join(str(p) for p in error.problems))
    except Conflict:
        return http.back(kind.screen, failed=f"{key} changed meanwhile; nothing was saved.")
    return None


def _articles_naming(kind: Kind, slug: str) -> list[str]:
    """The article files whose published version names the term (its archive's listing)."""
    found = []
    for entry in Listing.query(keys.listing_pk(kind.listing(slug))):
        post = Post.get_or_none(*keys.post(entry.slug), attributes_to_get=["source_key"])
        if post is not None and post.source_key:
            found.append(post.source_key)
    return list(dict.fromkeys(found))


def _rename_in_article(bucket: ContentBucket, who: Identity, key: str, kind: Kind, old_slug: str, new_name: str,
                       new_slug: str) -> int:
    try:
        opened = documents.open_file(key, bucket)
    except (KeyError, documents.Forbidden):
        return 0
    meta = dict(opened.meta)
    named = new_name if normalize_slug(new_name) == new_slug else {"name": new_name, "slug": new_slug}
    if kind.field == "author":
        if normalize_slug(str(meta.get("author", ""))) != old_slug:
            return 0
        meta["author"] = new_name if normalize_slug(new_name) == new_slug else new_slug
    else:
        terms = meta.get(kind.field) or []
        terms = terms if isinstance(terms, list) else [terms]
        renamed = []
        for term in terms:
            spelled = term.get("slug", term.get("name")) if isinstance(term, dict) else term
            renamed.append(named if normalize_slug(str(spelled)) == old_slug else term)
        meta[kind.field] = list({repr(t): t for t in renamed}.values())
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    data = f"---\n{front}---\n\n{opened.body.strip()}\n".encode()
    try:
        documents.write(bucket, key, data, opened.version, who)
    except Conflict:
        return 0
    return 1


def _follow_in_settings(bucket: ContentBucket, who: Identity, kind: Kind, old: str, new: str | None) -> str:
    """The menu and footer links naming a term follow it to ``new`` (or go, with the term): written in
    the same change, conditional on the version read. Returns "" or what could not be done."""
    try:
        settings, version = documents.read_fields(bucket, SETTINGS_KEY)
    except ContentError as error:
        return f" The menu still names the old one ({error}): change it in Settings."
    if not version:
        return ""
    old_path, new_path = f"/{kind.name}/{old}/", f"/{kind.name}/{new}/" if new else None
    changed = False
    for box in ("menu", "footer_links"):
        links = settings.get(box)
        if not isinstance(links, list):
            continue
        kept: list[Any] = []
        for link in links:
            if isinstance(link, dict) and kind.name == "category" and link.get("category") == old:
                changed = True
                if new:
                    kept.append({**link, "category": new})
                continue
            if isinstance(link, dict) and str(link.get("url", "")).rstrip("/") + "/" == old_path:
                changed = True
                if new_path:
                    kept.append({**link, "url": new_path})
                continue
            kept.append(link)
        settings[box] = kept
    if not changed:
        return ""
    raw = yaml.safe_dump(settings, allow_unicode=True, sort_keys=False, width=1000).encode()
    try:
        check_file(SETTINGS_KEY, raw)
        documents.write(bucket, SETTINGS_KEY, raw, version, who)
    except (ContentError, Conflict):
        return " The menu still names the old one: change it in Settings."
    return " The menu and footer links follow."
