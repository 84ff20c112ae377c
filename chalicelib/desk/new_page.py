"""New page (``/desk/pages/new``): a site page (About, Contact...) made from a short form, its title,
address, body and, for admins, its place in the menu; then the editor opens it as any page.

The page is a file as any other, ``pages/<slug>.md``, checked with ingest's own checker (and the
slug rule the editor's save asks) and written only if no file is there yet; ingest publishes it.
Its place in the menu is a line of ``settings/site.yaml``'s menu (``page: <slug>``), inserted where
the admin chose, conditional on the settings as the form read them: the menu's order is the order of
its lines, as in WordPress's Menus screen, so a page's "order in menus" is where it is put there.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import yaml
from chalice.app import Response

from chalicelib import config
from chalicelib.bucket import Conflict, ContentBucket
from chalicelib.content.content_format import ContentError, normalize_slug
from chalicelib.desk import admin, documents, http, listing, session
from chalicelib.desk.identity import Identity
from chalicelib.site import store

SETTINGS_KEY = config.SETTINGS_PREFIX + "site.yaml"
NOT_IN_MENU = "none"


def _menu(bucket: ContentBucket) -> tuple[dict[str, Any], str, list[Any]]:
    """The settings file, its version, and its menu's links as the file has them (the default menu,
    Home and the categories in it, spelled out when the file has none).

    :raise ContentError: the settings file is not YAML fields.
    """
    settings, version = documents.read_fields(bucket, SETTINGS_KEY)
    links = settings.get("menu")
    if not isinstance(links, list):
        links = []
        for link in store.site().menu:
            if link.url == "/":
                links.append("home")
            elif link.url.startswith("/category/"):
                links.append({"category": link.url.split("/")[2]})
            else:
                links.append({"title": link.title, "url": link.url})
    return settings, version, links


@http.guarded
@http.signed_in
@http.needs("editor")
def form(request: Any, who: Identity, token: str) -> Response:
    query = request.query_params or {}
    failed = query.get("failed", "")
    try:
        menu = admin.menu_lines(_menu(session.bucket_as(token))[2]).splitlines() if who.may("admin") else []
    except ContentError as error:
        menu, failed = [], failed or f"{error} A page can be made, but not put in the menu until it is corrected."
    return http.screen("new_page.html", who, token, menu=menu, failed=failed,
                       sent={k: query.get(k, "") for k in ("title", "slug", "parent")},
                       parents=listing.parent_choices())


def _form_again(failed: str, sent: dict[str, str]) -> Response:
    """The form again, saying what failed, with what was typed."""
    return http.back("/desk/pages/new", failed=failed, also={k: sent.get(k, "")[:300] for k in ("title", "slug", "parent")})


@http.guarded
@http.signed_in
@http.needs("editor")
@http.writes
def create(request: Any, who: Identity, token: str) -> Response:
    """Write ``pages/<slug>.md`` (a draft, or to publish), and put it in the menu where asked."""
    sent = http.form(request)
    place = sent.get("menu_after", NOT_IN_MENU)
    if place != NOT_IN_MENU and not who.may("admin"):
        return http.answer(request, 403, "Not for your role", "Only an admin may change the menu. Nothing was saved.")
    title = " ".join(sent.get("title", "").split())
    slug = normalize_slug(sent.get("slug", "") or title)
    if not title or not slug:
        return _form_again("Give the page a title.", sent)
    key = f"{config.PAGES_PREFIX}{slug}.md"
    meta: dict[str, Any] = {"title": title}
    if sent.get("slug", "").strip():
        meta["slug"] = slug
    if parent := normalize_slug(sent.get("parent", "")):
        meta["parent"] = parent  # ingest checks it (a missing parent page is shown as plain text)
    if sent.get("action") == "draft":
        meta["draft"] = True
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    data = f"---\n{front}---\n\n{sent.get('body', '').strip()}\n".encode()
    problems = documents.check(key, data)
    if problems:
        return _form_again("Not saved: " + "; ".join(str(p) for p in problems), sent)
    bucket = session.bucket_as(token)
    try:
        settings, version, links = _menu(bucket) if place != NOT_IN_MENU else ({}, "", [])
    except ContentError as error:
        return _form_again(f"Nothing was saved: {error}", sent)
    try:
        documents.write(bucket, key, data, "", who)
    except Conflict:
        return _form_again(f"{key} exists already: choose another address (slug), or open that page.", sent)
    said = "Page created" + (" as a draft" if meta.get("draft") else "; it is live within a minute")
    if place != NOT_IN_MENU:
        at = 0 if place == "-1" else len(links) if place == "end" or not place.isdigit() else min(int(place) + 1, len(links))
        settings["menu"] = [*links[:at], {"page": slug}, *links[at:]]
        raw = yaml.safe_dump(settings, allow_unicode=True, sort_keys=False, width=1000).encode()
        try:
            documents.write(bucket, SETTINGS_KEY, raw, version, who)
            said += ", and in the menu"
        except Conflict:
            said += "; the settings changed meanwhile, so it is not in the menu yet: add it in Settings"
    return http.back(f"/desk/edit?key={quote(key)}", done=said + ".")
