"""Each person's own author profile (name, bio, photo), and the Author picker's list of people and
authors together (``author_choices``).

- A profile is one ``Profile`` item per person (pk ``people``, sk their Cognito sub), made at their
  first sign-in from the pool's name for them (``ensure``), and changed only by its person on
  /desk/profile: the key comes from their verified ID token, never from the form, so nobody edits
  another's. Each save is conditional on the version the person opened (two tabs: the second is told).
- The web function writes it (its role may write items whose partition is ``people``, and no other
  content): no desk role has to be widened to its person's own item, which IAM cannot express for
  Cognito user-pool subs (its policy variables name identity-pool ids).
- ``author_choices`` is what the editor's Author combobox lists: the site's authors (one Query of
  ``author``) and the desk's people (one Query of ``people``), one entry per name, people first
  marked so. One read each, whoever is asking: it needs no admin right (and below admin, the answer
  carries no one's e-mail address).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from chalice.app import Response
from pynamodb.exceptions import PutError

from chalicelib import keys, retry
from chalicelib.content.content_format import normalize_slug
from chalicelib.desk import http
from chalicelib.desk.identity import Identity
from chalicelib.models import AuthorItem, MediaItem, Profile

log = logging.getLogger("newsroom.desk")
MAX_NAME = 200
MAX_BIO = 5000  # as an author file's bio (chalicelib/fields.py)
PHOTO = re.compile(r"^/media/(?:[\w-]+/)*[\w-]+(?:\.[\w-]+)*\.(?:jpe?g|png|webp|avif|gif)$", re.IGNORECASE)


def ensure(who: Identity) -> None:
    """Make ``who``'s profile from the pool's name for them, if they have none yet (at sign-in)."""
    try:
        Profile(keys.PEOPLE_PK, who.sub, name=who.name[:MAX_NAME] or who.email, email=who.email, version=1).save(
            condition=Profile.pk.does_not_exist())
    except PutError as exc:
        if not retry.condition_failed(exc):
            raise


def author_choices() -> list[dict[str, str]]:
    """Everyone the Author field may name: ``{"name", "slug", "kind": "person" | "author", "email"}``,
    people first, each name once (a person who is also an author file is listed as the person), by name."""
    people = [{"name": p.name, "slug": normalize_slug(p.name), "kind": "person", "email": p.email}
              for p in Profile.query(keys.PEOPLE_PK)]
    named = {p["name"].casefold() for p in people} | {p["slug"] for p in people}
    authors = [{"name": a.name, "slug": str(a.sk), "kind": "author", "email": ""}
               for a in AuthorItem.query(keys.AUTHOR_PK)
               if a.name and a.name.casefold() not in named and str(a.sk) not in named]
    return sorted(people, key=lambda c: c["name"].casefold()) + sorted(authors, key=lambda c: c["name"].casefold())


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


@http.guarded
@http.signed_in
def screen(request: Any, who: Identity, token: str) -> Response:
    """The signed-in person's own profile, to edit."""
    ensure(who)
    mine = Profile.get(keys.PEOPLE_PK, who.sub, consistent_read=True)
    done = (request.query_params or {}).get("done", "")
    return http.screen("profile.html", who, token, profile={"name": mine.name, "bio": mine.bio or "",
                                                           "photo": mine.photo or "", "version": mine.version},
                       thumb=_thumb(mine.photo or ""), problems={}, done="Your profile is saved." if done else "")


@http.guarded
@http.signed_in
@http.writes
def save(request: Any, who: Identity, token: str) -> Response:
    """Save the person's own profile, if it is still the version they opened."""
    sent = http.form(request)
    name, bio, photo = " ".join(sent.get("name", "").split()), sent.get("bio", "").strip(), sent.get("photo", "").strip()
    seen = sent.get("version", "")
    shown = {"name": name, "bio": bio, "photo": photo, "version": seen}
    problems = _problems(name, bio, photo)
    if photo and "photo" not in problems and _in_media(photo) is None:
        problems["photo"] = f"Photo: {photo} is not in Media. Upload it there first, then give its address."
    if problems:
        return http.screen("profile.html", who, token, 400, profile=shown, problems=problems, done="")
    mine = Profile.get_or_none(keys.PEOPLE_PK, who.sub, consistent_read=True)
    version = int(mine.version) if mine is not None else 0
    if str(version) != seen:
        return http.screen("profile.html", who, token, 409, profile=shown, done="", problems={
            "version": "Your profile was changed elsewhere (another tab?) since you opened it. Reload to see it; "
                       "what you typed is below."})
    try:
        Profile(keys.PEOPLE_PK, who.sub, name=name, email=who.email, bio=bio or None, photo=photo or None,
                version=version + 1).save(condition=(Profile.version == version) if mine is not None
                                          else Profile.pk.does_not_exist())
    except PutError as exc:
        if not retry.condition_failed(exc):
            raise
        return http.screen("profile.html", who, token, 409, profile=shown, done="", problems={
            "version": "Your profile was changed elsewhere at the same moment. Reload and try again."})
    log.info(json.dumps({"event": "desk_profile_saved"}))
    return http.redirect("/desk/profile?done=1")


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
