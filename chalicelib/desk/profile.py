"""Each person's own author profile (name, bio, photo), and the Author picker's list of people and
authors together (``author_choices``).

**One source of truth: the author's file.** A person's public author page (``/author/<slug>/``) and
every byline come from ``authors/<slug>.yaml``, as every author's do. Saving a profile writes that
file (checked first with ingest's own checker, conditional on the version the person opened); ingest
then does what it does for any author file: publishes the name, bio and photo (the photo by its
sizes, with the library's alt text, and again when the library's words for it change), rebuilds the
site snapshot the bylines read, and drops every page from the edge (``edge.EVERYTHING``: bylines are
on every listing). An admin's Authors screen, ``newsroom`` and an upload edit the same file, with
the same history and undo. The alternative, the public page reading the ``Profile`` item, would
make two sources for one author (which name wins when the file says otherwise?) and leave bylines,
feeds and the edge to follow by a path of their own.

- **Which author a person is.** A ``Profile`` item (pk ``people``, sk their Cognito sub) links the
  person to the author slug they sign as (``author``): the slug of the pool's name for them at their
  first sign-in (``ensure``), which is the byline the editor and the live blog give them by default
  (``listing.author_of``). It is fixed then: renaming themselves changes their byline's name, not
  their address, and nobody becomes another author by changing their name in the pool.
- **Who may write it.** The web function writes the file and the item (its role may put
  ``authors/*`` and items whose partition is ``people``): the slug comes from the person's own item,
  whose key comes from their verified ID token, never from the form, so nobody edits another's. No
  desk role has to be widened to its person's own file, which IAM cannot express for Cognito
  user-pool subs (its policy variables name identity-pool ids).
- **What it holds.** The bio is text (the page escapes it; no markup is kept); the photo is the
  address of a photo in the library (``MediaItem``), looked up as data, never read as a file name.
- ``author_choices`` is what the editor's Author combobox lists: the site's authors (one Query of
  ``author``) and the desk's people (one Query of ``people``), one entry per author, people first,
  each by their author's published name. One read each, whoever is asking: it needs no admin right
  (and below admin, the answer carries no one's e-mail address).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import yaml
from chalice.app import Response
from pynamodb.exceptions import PutError

from chalicelib import config, keys, retry
from chalicelib.bucket import Conflict, ContentBucket
from chalicelib.content.content_format import ContentError, check_file, normalize_slug
from chalicelib.desk import documents, http
from chalicelib.desk.identity import Identity
from chalicelib.models import AuthorItem, MediaItem, Profile

log = logging.getLogger("newsroom.desk")
MAX_NAME = 200
MAX_BIO = 5000  # as an author file's bio (chalicelib/fields.py)
PHOTO = re.compile(r"^/media/(?:[\w-]+/)*[\w-]+(?:\.[\w-]+)*\.(?:jpe?g|png|webp|avif|gif)$", re.IGNORECASE)
SHOWN = ("name", "bio", "photo")  # what the profile edits of its author's file; the rest is kept


def ensure(who: Identity) -> None:
    """Make ``who``'s profile from the pool's name for them, if they have none yet (at sign-in): the
    author they sign as is fixed now."""
    try:
        Profile(keys.PEOPLE_PK, who.sub, name=who.name[:MAX_NAME] or who.email, email=who.email,
                author=normalize_slug(who.name or who.email), version=1).save(condition=Profile.pk.does_not_exist())
    except PutError as exc:
        if not retry.condition_failed(exc):
            raise


def author_of(mine: Profile | None, who: Identity) -> str:
    """The author slug ``who`` signs as: their profile's, or (a profile made before it kept one) the
    slug of the pool's name for them, as the editor's default byline."""
    return (mine.author if mine is not None else None) or normalize_slug(who.name or who.email)


def file_of(slug: str) -> str:
    """The bucket key of an author's file."""
    return f"{config.AUTHORS_PREFIX}{slug}.yaml"


def author_choices() -> list[dict[str, str]]:
    """Everyone the Author field may name: ``{"name", "slug", "kind": "person" | "author", "email"}``,
    people first, each author once (a person whose author has a file is listed as the person, by the
    file's name), by name."""
    authors = {str(a.sk): a for a in AuthorItem.query(keys.AUTHOR_PK)}
    people = []
    for p in Profile.query(keys.PEOPLE_PK):
        slug = p.author or normalize_slug(p.name)
        published = authors.get(slug)
        people.append({"name": published.name if published is not None and published.name else p.name,
                       "slug": slug, "kind": "person", "email": p.email})
    named = {p["name"].casefold() for p in people} | {p["slug"] for p in people}
    others = [{"name": a.name, "slug": slug, "kind": "author", "email": ""}
              for slug, a in authors.items() if a.name and a.name.casefold() not in named and slug not in named]
    return sorted(people, key=lambda c: c["name"].casefold()) + sorted(others, key=lambda c: c["name"].casefold())


def _problems(name: str, bio: str, photo: str) -> dict[str, str]:
    found = {}
    if not name:
        found["name"] = "Name: enter the name your articles are signed with."
    elif len(name) > MAX_NAME:
        found["name"] = f"Name: at most {MAX_NAME} characters (this one has {len(name)})."
    if len(bio) > MAX_BIO:
        found["bio"] = f"Bio: at most {MAX_BIO} characters (this one has {len(bio)})."
    if photo and (not PHOTO.match(photo) or ".." in photo):
        found["photo"] = ("Photo: give the address of a photo in Media, such as /media/2026/12/me.jpg "
                          "(upload it there first).")
    return found


def _in_media(photo: str) -> MediaItem | None:
    """The library's record of the photo at this address (``/media/...``), or None."""
    return MediaItem.get_or_none(*keys.media(photo.lstrip("/")))


def _thumb(photo: str) -> str:
    from chalicelib.desk import media

    item = _in_media(photo) if photo else None
    return media._thumb(item) if item is not None else ""


def _opened(bucket: ContentBucket, key: str) -> tuple[dict[str, Any], str, str]:
    """The author file's fields, its version, and what is wrong with it ("" if nothing): a file that
    is not YAML fields is shown as empty, and saving replaces it."""
    try:
        fields, version = documents.read_fields(bucket, key)
        return fields, version, ""
    except ContentError as error:
        return {}, bucket.etag(key) or "", f"{error} Saving replaces it with what is below."


def _shown(fields: dict[str, Any], mine: Profile) -> dict[str, str]:
    text = {name: fields.get(name) for name in SHOWN}
    return {name: str(value) if isinstance(value, (str, int, float)) else "" for name, value in text.items()} | \
        {"name": str(text["name"] or mine.name)}


@http.guarded
@http.signed_in
def screen(request: Any, who: Identity, token: str) -> Response:
    """The signed-in person's own profile, to edit: their author file's name, bio and photo."""
    ensure(who)
    mine = Profile.get(keys.PEOPLE_PK, who.sub, consistent_read=True)
    slug = author_of(mine, who)
    fields, version, broken = _opened(ContentBucket.of(), file_of(slug))
    done = (request.query_params or {}).get("done", "")
    shown = _shown(fields, mine)
    return http.screen("profile.html", who, token, profile={**shown, "version": version}, author=slug,
                       thumb=_thumb(shown["photo"]), problems={"file": broken} if broken else {},
                       done="Your profile is saved. Your author page and bylines show it within a minute."
                       if done else "")


@http.guarded
@http.signed_in
@http.writes
def save(request: Any, who: Identity, token: str) -> Response:
    """Save the person's own profile as their author file, if it is still the version they opened."""
    sent = http.form(request)
    name, bio, photo = " ".join(sent.get("name", "").split()), sent.get("bio", "").strip(), sent.get("photo", "").strip()
    seen = sent.get("version", "")
    shown = {"name": name, "bio": bio, "photo": photo, "version": seen}
    mine = Profile.get_or_none(keys.PEOPLE_PK, who.sub, consistent_read=True)
    slug = author_of(mine, who)

    def refused(status: int, problems: dict[str, str]) -> Response:
        return http.screen("profile.html", who, token, status, profile=shown, author=slug, problems=problems, done="")

    problems = _problems(name, bio, photo)
    if photo and "photo" not in problems and _in_media(photo) is None:
        problems["photo"] = f"Photo: {photo} is not in Media. Upload it there first, then give its address."
    if problems:
        return refused(400, problems)
    if not slug:  # a name in the pool with no letter or digit to make an address of
        return refused(409, {"version": "Your name in the desk's accounts gives no author address (/author/…/). "
                                        "Ask an admin to give you a name with letters in People; nothing was saved."})
    twin = next((p for p in Profile.query(keys.PEOPLE_PK) if p.sk != who.sub and p.author == slug), None)
    if twin is not None:  # two people the pool names alike: neither writes the other's author page
        return refused(409, {"version": f"Another person of the desk also signs as /author/{slug}/, "
                                        "so neither of you can change it here. Ask an admin to give one of you "
                                        "another name in People; nothing was saved."})
    bucket, key = ContentBucket.of(), file_of(slug)
    kept = {k: v for k, v in _opened(bucket, key)[0].items() if k not in SHOWN}
    meta = {"name": name, **({"bio": bio} if bio else {}), **({"photo": photo} if photo else {}), **kept}
    raw = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000).encode()
    try:
        check_file(key, raw)
        documents.write(bucket, key, raw, seen, who)
    except ContentError as error:
        return refused(400, {p.field if p.field in SHOWN else "file": f"{p.field.capitalize()}: {p.message}"
                             for p in error.problems})
    except Conflict:
        return refused(409, {"version": "Your profile was changed elsewhere (another tab, or an admin's Authors "
                                        "screen) since you opened it. Reload to see it; what you typed is below."})
    version = int(mine.version) if mine is not None else 0
    Profile(keys.PEOPLE_PK, who.sub, name=name, email=who.email, author=slug, version=version + 1).save()
    log.info(json.dumps({"event": "desk_profile_saved", "author": slug}))
    return http.back("/desk/profile", done="1")


@http.guarded
@http.signed_in
def choices(request: Any, who: Identity, token: str) -> Response:
    """``author_choices`` as JSON, for the editor's Author combobox: ``{"authors": [...]}``. The
    people's e-mail addresses only to an admin (the People screen shows them every address): the
    picker needs names, and a contributor is not told everyone's address (an admin's is their user name)."""
    shown = author_choices()
    if not who.may("admin"):
        shown = [{**choice, "email": ""} for choice in shown]
    return http.json_answer({"authors": shown})
