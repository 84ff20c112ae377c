"""The admin's Settings screen: the site's settings (name, tagline, menus, footer pages, comment
rules, ``require_alt``), and its categories and authors: rename (a new slug leaves the old URL
redirecting), merge, and delete when nothing uses them. Admins only: editors and contributors get
403 and nothing written.

Everything is a file, as an upload is: ``settings/site.yaml``, ``categories/<slug>.yaml``,
``authors/<slug>.yaml``, and, when a slug changes or two terms merge, each article that names the
old one, rewritten to name the new one. Each write is checked first with ingest's own checker and
is conditional on the version the screen showed; ingest publishes, and the edge follows.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import yaml
from chalice.app import Response

from chalicelib import config, keys
from chalicelib.bucket import Conflict, ContentBucket
from chalicelib.content.content_format import ContentError, check_file, normalize_slug
from chalicelib.desk import documents, http, session
from chalicelib.desk.identity import Identity
from chalicelib.models import AuthorItem, CategoryItem, Listing, Post

SETTINGS_KEY = config.SETTINGS_PREFIX + "site.yaml"
NUMBERS = {"recent_posts": "Recent posts shown", "related_posts": "Related posts shown", "page_size": "Articles per page",
           "comments_close_after_days": "Close comments after (days, 0: never)",
           "comment_depth": "How deep replies nest", "preview_days": "Preview links last (days)"}
MAX_REWRITTEN = 200  # articles one rename or merge rewrites (more: it says so, and does nothing)
# Each kind: its files' prefix, the article field naming it, its record's model and partition.
KINDS: dict[str, tuple[str, str, Any, str]] = {
    "category": (config.CATEGORIES_PREFIX, "categories", CategoryItem, keys.CATEGORY_PK),
    "author": (config.AUTHORS_PREFIX, "author", AuthorItem, keys.AUTHOR_PK)}


def _read(bucket: ContentBucket, key: str) -> tuple[dict[str, Any], str]:
    try:
        raw, etag = bucket.get(key)
    except KeyError:
        return {}, ""
    data = yaml.safe_load(raw) or {}
    return (data if isinstance(data, dict) else {}), etag


def menu_lines(items: Any) -> str:
    """A menu as the screen's text box shows it: one link a line."""
    lines = []
    for item in items or []:
        if item == "home":
            lines.append("home")
        elif isinstance(item, dict) and len(item) == 1:
            kind, value = next(iter(item.items()))
            lines.append(f"{kind}: {value}")
        elif isinstance(item, dict) and {"title", "url"} <= set(item):
            lines.append(f"{item['title']} | {item['url']}")
    return "\n".join(lines)


def parse_menu(text: str) -> list[Any]:
    """The text box's lines as the settings file's links: ``home``, ``category: slug``, ``page: slug``,
    or ``Title | /url/``."""
    out: list[Any] = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        if line.lower() == "home":
            out.append("home")
        elif "|" in line:
            title, url = (part.strip() for part in line.split("|", 1))
            out.append({"title": title, "url": url})
        elif re.match(r"(category|page)\s*:", line):
            kind, value = (part.strip() for part in line.split(":", 1))
            out.append({kind: value})
        else:
            out.append({"title": line, "url": ""})  # refused by the checker, with its words
    return out


@http.guarded
@http.signed_in
@http.needs("admin")
def settings_screen(request: Any, who: Identity, token: str) -> Response:
    bucket = session.bucket_as(token)
    current, version = _read(bucket, SETTINGS_KEY)
    query = request.query_params or {}
    return http.screen("settings.html", who, token, settings=current, version=version, numbers=NUMBERS,
                       menu=menu_lines(current.get("menu")), footer=menu_lines(current.get("footer_links")),
                       categories=_terms("category"), authors=_terms("author"),
                       done=query.get("done", ""), failed=query.get("failed", ""))


def _terms(kind: str) -> list[dict[str, Any]]:
    prefix, _, model, pk = KINDS[kind]
    return [{"slug": item.sk, "name": item.name, "file": getattr(item, "source_key", None) or "",
             "count": _count(kind, item.sk)} for item in model.query(pk)]


def _count(kind: str, slug: str) -> int:
    """How many published articles the term's archive lists (one Query, keys only)."""
    name = keys.category_listing(slug) if kind == "category" else keys.author_listing(slug)
    return int(Listing.count(keys.listing_pk(name)))


def _back(done: str = "", failed: str = "") -> Response:
    return http.redirect("/desk/settings?" + (f"done={quote(done[:500])}" if done else f"failed={quote(failed[:500])}"))


@http.guarded
@http.signed_in
@http.needs("admin")
@http.writes
def save_settings(request: Any, who: Identity, token: str) -> Response:
    """The site settings form: written as ``settings/site.yaml``, keeping what the form does not show."""
    sent = http.form(request)
    bucket = session.bucket_as(token)
    current, version = _read(bucket, SETTINGS_KEY)
    if version != sent.get("version", ""):
        return _back(failed="The settings changed since you opened this screen; nothing was saved. They are shown "
                            "as they are now.")
    data: dict[str, Any] = dict(current)
    data["site_name"] = sent.get("site_name", "").strip()
    if sent.get("tagline", "").strip():
        data["tagline"] = sent["tagline"].strip()
    else:
        data.pop("tagline", None)
    for name in NUMBERS:
        number = sent.get(name, "").strip()
        if number:
            data[name] = int(number) if number.lstrip("-").isdigit() else number
        else:
            data.pop(name, None)
    data["require_alt"] = sent.get("require_alt") == "on"
    for box, name in (("menu", "menu"), ("footer", "footer_links")):
        links = parse_menu(sent.get(box, ""))
        if links:
            data[name] = links
        else:
            data.pop(name, None)
    raw = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000).encode()
    try:
        check_file(SETTINGS_KEY, raw)
    except ContentError as error:
        return _back(failed="Not saved: " + "; ".join(str(p) for p in error.problems))
    try:
        documents.write(bucket, SETTINGS_KEY, raw, version, who)
    except Conflict:
        return _back(failed="The settings changed while you saved; nothing was saved. They are shown as they are now.")
    return _back(done="Saved: every page shows the new settings within a minute.")


@http.guarded
@http.signed_in
@http.needs("admin")
@http.writes
def change_term(request: Any, who: Identity, token: str) -> Response:
    """Create, rename, merge or delete a category or an author (``kind``, ``action``)."""
    sent = http.form(request)
    kind, action = sent.get("kind", ""), sent.get("action", "")
    if kind not in KINDS or action not in ("create", "rename", "merge", "delete"):
        return _back(failed="Nothing done: unknown change.")
    prefix, field, model, pk = KINDS[kind]
    bucket = session.bucket_as(token)
    slug = normalize_slug(sent.get("slug", ""))
    name = " ".join(sent.get("name", "").split())
    if action == "create":
        return _create_term(bucket, who, kind, slug, name)
    item = model.get_or_none(pk, slug)
    if item is None:
        return _back(failed=f"There is no {kind} {slug}.")
    file_key = prefix + f"{slug}.yaml"
    current, version = _read(bucket, file_key)
    users = _articles_naming(kind, slug)
    if action == "delete":
        if users:
            return _back(failed=f"{item.name} is not deleted: {len(users)} article(s) use it. Merge it into another "
                                f"{kind} instead.")
        if version:
            bucket.delete(file_key)
        return _back(done=f"Deleted {kind} {item.name}.")
    target_slug = normalize_slug(sent.get("into", "") if action == "merge" else (sent.get("new_slug", "") or slug))
    new_name = name or item.name
    if not target_slug:
        return _back(failed="Give the new slug (letters and digits).")
    if len(users) > MAX_REWRITTEN:
        return _back(failed=f"{item.name} is used by {len(users)} articles; the desk rewrites at most {MAX_REWRITTEN} "
                            "at once. Nothing was changed.")
    if action == "rename" and target_slug == slug:  # the name alone: one file
        return _write_term(bucket, who, file_key, {**current, "name": new_name}, version) \
            or _back(done=f"Renamed to {new_name}.")
    return _move_term(bucket, who, kind, action, item, (current, version), target_slug, new_name, users)


def _create_term(bucket: ContentBucket, who: Identity, kind: str, slug: str, name: str) -> Response:
    """A new category's or author's file (its name, and the slug given or made from it)."""
    prefix, _, model, pk = KINDS[kind]
    if not slug and not name:
        return _back(failed=f"Give the new {kind} a name.")
    slug = slug or normalize_slug(name)
    if model.get_or_none(pk, slug) is not None:
        return _back(failed=f"/{kind}/{slug}/ exists already: choose another name.")
    return _write_term(bucket, who, prefix + f"{slug}.yaml", {"name": name or slug}, "") \
        or _back(done=f"Created {kind} {name}.")


def _move_term(bucket: ContentBucket, who: Identity, kind: str, action: str, item: Any,
               opened: tuple[dict[str, Any], str], target_slug: str, new_name: str, users: list[str]) -> Response:
    """Rename a term to a new slug, or merge it into another: the target's file names the old address
    as an alias (it redirects), the articles naming it are rewritten, and its own file goes."""
    prefix, field, model, pk = KINDS[kind]
    slug, (current, version) = item.sk, opened
    target = model.get_or_none(pk, target_slug)
    if action == "rename" and target is not None:
        return _back(failed=f"/{kind}/{target_slug}/ exists already: merge into it instead.")
    if action == "merge" and target is None:
        return _back(failed=f"There is no {kind} {target_slug} to merge into.")
    target_key = prefix + f"{target_slug}.yaml"
    target_meta, target_version = _read(bucket, target_key)
    aliases = [*(target_meta.get("aliases") or []), f"/{kind}/{slug}/", *(current.get("aliases") or [])]
    base = target_meta if action == "merge" else {**current, "name": new_name}
    written = _write_term(bucket, who, target_key, {**base, "name": base.get("name") or (target.name if target else new_name),
                                                 "aliases": list(dict.fromkeys(aliases))}, target_version)
    if written is not None:
        return written
    into_name = (target.name if target is not None else new_name)
    moved = 0
    for article_key in users:
        moved += _rename_in_article(bucket, who, article_key, field, item.name, slug, into_name, target_slug)
    if version:
        bucket.delete(prefix + f"{slug}.yaml")
    return _back(done=f"{'Merged' if action == 'merge' else 'Renamed'}: /{kind}/{slug}/ now redirects to "
                      f"/{kind}/{target_slug}/; {moved} article(s) rewritten.")


def _write_term(bucket: ContentBucket, who: Identity, key: str, meta: dict[str, Any], version: str) -> Response | None:
    """Write a term's file if the checker accepts it; the refusal to show, or None when written."""
    raw = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000).encode()
    try:
        check_file(key, raw)
        documents.write(bucket, key, raw, version, who)
    except ContentError as error:
        return _back(failed="Not saved: " + "; ".join(str(p) for p in error.problems))
    except Conflict:
        return _back(failed=f"{key} changed meanwhile; nothing was saved.")
    return None


def _articles_naming(kind: str, slug: str) -> list[str]:
    """The article files whose published version names the term (its archive's listing)."""
    name = keys.category_listing(slug) if kind == "category" else keys.author_listing(slug)
    found = []
    for entry in Listing.query(keys.listing_pk(name)):
        post = Post.get_or_none(*keys.post(entry.slug), attributes_to_get=["source_key"])
        if post is not None and post.source_key:
            found.append(post.source_key)
    return list(dict.fromkeys(found))


def _rename_in_article(bucket: ContentBucket, who: Identity, key: str, field: str, old_name: str, old_slug: str, new_name: str,
                       new_slug: str) -> int:
    try:
        opened = documents.open_file(key, bucket)
    except (KeyError, documents.Forbidden):
        return 0
    meta = dict(opened.meta)
    if field == "author":
        if normalize_slug(str(meta.get("author", ""))) != old_slug:
            return 0
        meta["author"] = new_name if normalize_slug(new_name) == new_slug else new_slug
    else:
        terms = meta.get("categories") or []
        terms = terms if isinstance(terms, list) else [terms]
        renamed = []
        for term in terms:
            spelled = term.get("slug", term.get("name")) if isinstance(term, dict) else term
            renamed.append((new_name if normalize_slug(new_name) == new_slug else {"name": new_name, "slug": new_slug})
                           if normalize_slug(str(spelled)) == old_slug else term)
        meta["categories"] = list({repr(t): t for t in renamed}.values())
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    data = f"---\n{front}---\n\n{opened.body.strip()}\n".encode()
    try:
        documents.write(bucket, key, data, opened.version, who)
    except Conflict:
        return 0
    return 1
