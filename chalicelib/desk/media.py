"""Photos in the desk: upload straight to S3, the media library, and deleting what nothing shows.

- **Upload**: the desk asks for a presigned POST (``upload``) for one file: its key is chosen here
  (``media/<year>/<month>/<name>``, never an existing file's), and the policy S3 enforces allows that
  key only, under ``media/``, one of ``TYPES``, at most ``MAX_BYTES``, for ``EXPIRES`` seconds, with
  the alt text and the uploader as object metadata. The browser posts the file to S3 itself (a
  Lambda could not take 60 MB), signed with the person's role. The images function makes the sizes
  and keeps the alt text on the photo's record (``MediaItem.alt``); ``state`` says how far it is.
- **Library**: the photos, newest first, with their sizes or why none could be made, the articles
  showing each (``renditions.showing``), "unused", search by name or alt text.
- **Describe**: alt text, caption and credit changed after upload (``describe``): the photo's object
  metadata replaced in place (a copy onto itself, conditional on the version seen), so the images
  function records the words and every article showing the photo is rendered again with them where
  the article gives none (``markup.describe_images``). Photos without alt text are listed first.
- **Replace**: a new file at a photo's address (``upload`` with ``replace``), of the same type, its
  words kept: the images function makes its sizes again, drops the old ones from the bucket and the
  edge, and renders again every article showing it.
- **Delete**: refused while an article shows the photo (``newsroom media delete`` without
  ``--force``); the images function removes its sizes.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import unicodedata
from typing import Any
from urllib.parse import quote

from chalice.app import Response

from chalicelib import config, keys
from chalicelib.bucket import Conflict, ContentBucket
from chalicelib.content import images
from chalicelib.desk import documents, http, session
from chalicelib.desk.identity import Identity
from chalicelib.models import MediaItem
from chalicelib.publish import renditions
from chalicelib.site import store

MAX_BYTES = images.MAX_ORIGINAL_BYTES  # 60 MB: what the images function reads at most
EXPIRES = 300  # seconds a presigned POST may be used
LIBRARY = "/desk/media"
TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
         "image/heic": ".heic", "image/heif": ".heif", "image/avif": ".avif"}
SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".avif"}
PAGE_SIZE = 48
MAX_READ = 5000  # records one library page reads at most (newest first needs them sorted)


class Refused(ValueError):
    """An upload the desk will not sign: ``field`` and the words to show beside it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def media_type(name: str, declared: str) -> str:
    """The file's type as S3 will store it: the browser's, or (HEIC has none in most browsers) its name's.

    :raise Refused: not a photo type the site makes sizes of. :raise PathRefused: a name that is a path."""
    from chalicelib import outside_paths

    outside_paths.file_name(name)
    suffix = posixpath.splitext(name.lower())[1]
    if declared in TYPES and (suffix in SUFFIXES or not suffix):
        return declared
    by_name = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
               ".webp": "image/webp", ".heic": "image/heic", ".heif": "image/heif", ".avif": "image/avif"}
    if not declared or declared == "application/octet-stream":
        if suffix in by_name:
            return by_name[suffix]
    raise Refused("file", f"{name or 'this file'} is not a photo the site can show: upload a JPEG, PNG, GIF, WebP, "
                  "AVIF or HEIC file")


def media_key(key: str, photo: bool = False) -> str | None:
    """A key a desk form or query names, if it may name a file under ``media/`` (``outside_paths``: no
    ``..``, ``.`` or empty segment, NUL, control character, backslash, look-alike or twice-encoded form,
    nothing longer than S3 keeps); ``photo``: one the site makes sizes of. None: it may not."""
    from chalicelib import outside_paths

    if not key.startswith(config.MEDIA_PREFIX):
        return None
    try:
        outside_paths.relative(key)
    except outside_paths.PathRefused:
        return None
    return key if not photo or images.is_derivable(key) else None


def clean_name(name: str, mime: str) -> str:
    """A safe file name from the one uploaded: lower case ASCII words, the type's suffix."""
    stem, suffix = posixpath.splitext(posixpath.basename(name.replace("\\", "/")))
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_stem).strip("-")[:80] or "photo"
    suffix = suffix.lower() if suffix.lower() in SUFFIXES else TYPES[mime]
    return slug + suffix


def new_key(name: str, mime: str, bucket: ContentBucket, now: dt.datetime | None = None) -> str:
    """Where an upload goes: ``media/<yyyy>/<mm>/<name>``, numbered when the name is taken."""
    moment = now or dt.datetime.now(dt.timezone.utc)
    stem, suffix = posixpath.splitext(clean_name(name, mime))
    folder = f"{config.MEDIA_PREFIX}{moment:%Y/%m}/"
    for n in range(1, 21):
        key = f"{folder}{stem}{'' if n == 1 else f'-{n}'}{suffix}"
        if not bucket.exists(key):
            return key
    return f"{folder}{stem}-{moment:%d%H%M%S%f}{suffix}"


def presigned_post(s3: Any, key: str, mime: str, alt: str, who: Identity,
                   kept: dict[str, str] | None = None) -> dict[str, Any]:
    """The form the browser posts the file with: S3 refuses any other key, type, size or metadata,
    and the form after ``EXPIRES`` seconds. ``kept``: the caption and credit of a photo replaced."""
    fields = {"Content-Type": mime, "x-amz-meta-alt": quote(alt, safe=" "),
              f"x-amz-meta-{config.UPLOADED_BY}": quote(f"{who.name} <{who.email}>"[:200], safe=" <>@"),
              **{f"x-amz-meta-{name}": value for name, value in (kept or {}).items()}}
    conditions: list[Any] = [{"bucket": config.current().bucket}, ["starts-with", "$key", config.MEDIA_PREFIX],
                             {"key": key}, ["content-length-range", 1, MAX_BYTES],
                             *({name: value} for name, value in fields.items())]
    post: dict[str, Any] = s3.generate_presigned_post(Bucket=config.current().bucket, Key=key, Fields=fields,
                                                      Conditions=conditions, ExpiresIn=EXPIRES)
    return post


@http.guarded
@http.signed_in
@http.needs("editor")
@http.writes
def upload(request: Any, who: Identity, token: str) -> Response:
    """A presigned POST for one photo: {"key", "url", "fields"}; 400 naming the field when refused."""
    sent = http.body(request)
    name, alt = str(sent.get("name", ""))[:300], " ".join(str(sent.get("alt", "")).split())[:1000]
    try:
        size = int(sent.get("size") or 0)
        mime = media_type(name, str(sent.get("type", "")))
        if size > MAX_BYTES:
            raise Refused("file", f"{name} is {size / 1048576:.0f} MB: a photo may be at most "
                          f"{MAX_BYTES // 1048576} MB")
        if not alt and not sent.get("replace") and store.site().settings.require_alt:
            raise Refused("alt", "give the photo alt text: describe it for readers who cannot see it "
                          "(the site's settings say require_alt)")
    except (Refused, ValueError) as refused:
        return http.json_answer({"problems": [{"field": getattr(refused, "field", "file"), "message": str(refused)}]},
                                400)
    bucket = session.bucket_as(token)
    replaced = str(sent.get("replace", ""))
    if replaced:  # a new file at a photo's address: its words kept, its sizes made again
        if bucket.etag(replaced) != str(sent.get("etag", "")):  # only the photo the library showed
            return http.stale(request, LIBRARY, f"The photo {replaced}", documents.written_by(bucket, replaced))
        found = _replaceable(bucket, replaced, mime)
        if isinstance(found, Refused):
            return http.json_answer({"problems": [{"field": "file", "message": str(found)}]}, 400)
        words = renditions.described(found)
        kept = {n: quote(v, safe=" ") for n, v in words.items() if v and n != "alt"}
        post = presigned_post(bucket.s3, replaced, mime, alt or words["alt"] or "", who, kept)
        return http.json_answer({"key": replaced, "src": "/" + replaced, "url": post["url"], "fields": post["fields"]})
    key = new_key(name, mime, bucket)
    post = presigned_post(bucket.s3, key, mime, alt, who)
    return http.json_answer({"key": key, "src": "/" + key, "url": post["url"], "fields": post["fields"]})


def _replaceable(bucket: ContentBucket, key: str, mime: str) -> dict[str, str] | Refused:
    """The metadata of the photo at ``key`` that a new file of type ``mime`` may replace, or why not: it
    must be a photo there now, and the new file of the type its name says (the address keeps its name)."""
    if media_key(key, photo=True) is None:
        return Refused("file", f"{key[:300]} is not a photo under {config.MEDIA_PREFIX}")
    etag, metadata = bucket.head(key)
    if etag is None:
        return Refused("file", f"{key} is not there any more")
    suffix = posixpath.splitext(key.lower())[1]
    if TYPES.get(mime) != suffix and not (mime == "image/jpeg" and suffix == ".jpeg"):
        return Refused("file", f"{key} is a {suffix[1:].upper()} file: replace it with one of the same type, so "
                               "its address stays right")
    return metadata


def state(item: MediaItem | None) -> dict[str, Any]:
    """How far a photo is: its sizes being made, ready (with its sizes), or refused (with why)."""
    if item is None:
        return {"state": "making", "message": "Sizes being made…"}
    if item.status != "ready":
        return {"state": "refused", "message": "Refused: " + "; ".join(item.problems or ["not an image"])}
    widths = sorted({int(d[1]) for d in item.derivatives or []})
    return {"state": "ready", "alt": item.alt or "", "width": int(item.width or 0), "height": int(item.height or 0),
            "thumb": _thumb(item),
            "message": f"Ready: {len(item.derivatives or [])} sizes ({', '.join(map(str, widths))} px wide)"
            if widths else "Ready (served as a download)"}


@http.guarded
@http.signed_in
@http.needs("editor")
def status(request: Any, who: Identity, token: str) -> Response:
    key = (request.query_params or {}).get("key", "")
    if media_key(key) is None:
        return http.json_answer({"error": f"{key[:300]} is not a file under {config.MEDIA_PREFIX}"}, 400)
    return http.json_answer({"key": key, **state(MediaItem.get_or_none(*keys.media(key), consistent_read=True))})


def _records(query: str) -> list[MediaItem]:
    words = query.lower().split()
    found = []
    for n, item in enumerate(MediaItem.query(keys.MEDIA_PK)):
        if n >= MAX_READ:
            break
        if all(w in f"{item.sk} {item.alt or ''}".lower() for w in words):
            found.append(item)
    found.sort(key=lambda i: (i.made or "", i.sk), reverse=True)
    found.sort(key=lambda i: bool(i.alt) or i.status != "ready" or not i.derivatives)  # without alt text first
    return found


@http.guarded
@http.signed_in
@http.needs("editor")
def library(request: Any, who: Identity, token: str) -> Response:
    """The media library (``/desk/media``) or, ``?format=json``, the newest photos for the editor's panel."""
    query = request.query_params or {}
    unused = bool(query.get("unused"))
    try:
        start = max(0, int(query.get("start", "0")))
    except ValueError:
        start = 0
    records = _records(query.get("q", ""))
    rows = []
    for item in records[start:]:
        users = renditions.showing(item.sk)
        if unused and users:
            continue
        rows.append({"key": item.sk, "src": "/" + item.sk, "users": users, "photo": images.is_derivable(item.sk),
                     "thumb": _thumb(item), "caption": item.caption or "", "credit": item.credit or "",
                     "focus": item.focus or "",
                     "etag": item.etag or "", **state(item)})
        if len(rows) == PAGE_SIZE:
            break
    if query.get("format") == "json":
        return http.json_answer({"photos": [{k: v for k, v in r.items() if k != "users"} for r in rows]})
    shown_to = start + len(rows)
    return http.screen("media.html", who, token, rows=rows, query=query, unused=unused, focal_points=images.FOCAL_POINTS,
                       more=shown_to if shown_to < len(records) and len(rows) == PAGE_SIZE else None,
                       done=query.get("done", ""), failed=query.get("failed", ""),
                       media_script=http.static_url("media.js"), require_alt=store.site().settings.require_alt,
                       headers=upload_headers())


def upload_headers() -> dict[str, str]:
    """A page that uploads photos may also connect to the bucket's origin."""
    return {"Content-Security-Policy": http.csp(upload_origin())}


def _thumb(item: MediaItem) -> str:
    """The smallest size a browser shows (JPEG, PNG or GIF), as the site serves it."""
    shown = [d for d in item.derivatives or [] if d[3] in ("image/jpeg", "image/png", "image/gif")]
    return "/" + min(shown, key=lambda d: d[1])[0] if shown else ""


def upload_origin() -> str:
    """Where the browser posts photos: the bucket's S3 origin (the local stand-in's, on this machine)."""
    settings = config.current()
    if settings.endpoint_url:
        return http.origin_of(settings.endpoint_url)
    return f"https://{settings.bucket}.s3.amazonaws.com https://{settings.bucket}.s3.{settings.region}.amazonaws.com"


@http.guarded
@http.signed_in
@http.needs("editor")
@http.writes
def delete(request: Any, who: Identity, token: str) -> Response:
    """Delete a file under media/, refused while an article shows it."""
    key = http.form(request).get("key", "")
    if media_key(key) is None:
        return http.answer(request, 400, "Not deleted", f"{key[:300]} is not a file under {config.MEDIA_PREFIX}.")
    users = renditions.showing(key)
    if users:
        shown = ", ".join(f"{path} ({article})" for article, path in users)
        return http.back(LIBRARY, failed=f"{key} is not deleted: {len(users)} article{'s' if len(users) > 1 else ''} "
                                         f"show it: {shown}")
    bucket = session.bucket_as(token)
    try:  # only the version the library showed (its ``etag``): a photo replaced since is not theirs to delete
        bucket.delete(key, if_version=http.form(request).get("etag", ""))
    except Conflict:
        return http.stale(request, LIBRARY, f"The photo {key}", documents.written_by(bucket, key))
    return http.back(LIBRARY, done=f"Deleted {key}; its sizes go with it.")


@http.guarded
@http.signed_in
@http.needs("editor")
@http.writes
def describe(request: Any, who: Identity, token: str) -> Response:
    """A photo's alt text, caption and credit, changed after upload: its object metadata replaced in
    place, only if it is still the version the library showed (``etag``)."""
    sent = http.form(request)
    key = sent.get("key", "")
    if media_key(key, photo=True) is None:
        return http.answer(request, 400, "Not changed", f"{key[:300]} is not a photo under {config.MEDIA_PREFIX}.")
    words = {name: " ".join(sent.get(name, "").split())[:limit] for name, limit in renditions.DESCRIBED.items()}
    if words["focus"] not in images.FOCAL_POINTS:
        words["focus"] = ""  # the centre, as a photo without one
    if not words["alt"] and store.site().settings.require_alt:
        return http.back(LIBRARY, failed=f"{key}: give the photo alt text (the site's settings say require_alt).")
    bucket = session.bucket_as(token)
    _, metadata = bucket.head(key)
    kept = {name: value for name, value in metadata.items() if name not in renditions.DESCRIBED}
    kept.update({name: quote(value, safe=" ") for name, value in words.items() if value})
    try:
        bucket.describe(key, kept, sent.get("etag", ""))
    except KeyError:
        return http.back(LIBRARY, failed=f"{key} is not there any more.")
    except Conflict:
        return http.stale(request, LIBRARY, f"The photo {key}", documents.written_by(bucket, key))
    users = renditions.showing(key)
    return http.back(LIBRARY, done=f"Saved the words of {key}" + (
        f"; {len(users)} article{'s' if len(users) != 1 else ''} showing it will show them within a minute."
        if users else "."))


