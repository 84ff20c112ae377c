"""The content bucket: the one adapter every read and write of content in S3 goes through.

Ingest, the images function, resync, the importer, the desk and the editors' tool all reach the
bucket through ``ContentBucket``. It takes the S3 client to use: none, for the settings' own
(``aws.s3_client``: the functions' roles), or one handed in (the desk passes the signed-in person's,
``desk.session.s3_as``, so every desk read and write is that person's, with their role's rights).

One rule for each thing every caller needs:

- **a missing object** (``is_missing``: S3 says ``NoSuchKey``, ``404`` or ``NotFound``) is an
  answer, never an error: ``None``, ``False`` or ``KeyError`` as each method says; to a role that may
  not list the bucket (a contributor's, ``unlisted``) S3 says ``403`` of a missing key instead, so
  through such a client a ``403`` on a read is missing too (it asks only for keys its role may read);
- **a conditional write** (``put``): on the version the writer saw, ``If-Match`` its ETag, or
  ``If-None-Match: *`` where they saw no file; S3 refusing it (``lost``) raises ``Conflict`` with
  what is there now, so no one overwrites a colleague's save they never saw;
- **which live file a key is** (``live_key``): ``articles/x.md`` for itself and for its pending
  versions ``drafts/articles/x.md`` and ``submissions/<owner>/articles/x.md`` (``submission_key``:
  each person's submissions under their own folder, the only one their credentials reach; and,
  written before that layout, ``submissions/articles/x.md``, which editors alone read and approve);
- reports for editors (``reports/``) and preview records (``previews/``), where ingest does not look.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any, Iterator

from botocore.exceptions import ClientError

from chalicelib import config
from chalicelib.aws import s3_client
from chalicelib.problems import ContentError, printable

MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
# What S3 says of a missing key to a role without s3:ListBucket (API_GetObject.html, "Permissions").
MISSING_UNLISTED = frozenset({"AccessDenied", "403"})
LOST = frozenset({"PreconditionFailed", "412", "ConditionalRequestConflict"})  # a conditional write lost
IMAGE_HEAD_BYTES = 65536  # enough of an image for its width and height
MARKDOWN = "text/markdown; charset=utf-8"


def error_code(exc: ClientError) -> str | None:
    """S3's code for a failed request ("NoSuchKey", "412"...)."""
    return exc.response.get("Error", {}).get("Code")


def is_missing(exc: ClientError) -> bool:
    """Whether S3 answered that there is no object at the key."""
    return error_code(exc) in MISSING


def is_pending(key: str) -> bool:
    """Whether ``key`` is a pending version (a draft of a live file, or a submission)."""
    return key.startswith(config.PENDING_PREFIXES)


def live_key(key: str) -> str:
    """The live file ``key`` is, or is a pending version of: ``articles/x.md`` for
    ``drafts/articles/x.md``, ``submissions/<owner>/articles/x.md`` or (the layout before owners)
    ``submissions/articles/x.md``; any other key as it is."""
    if key.startswith(config.SUBMISSIONS_PREFIX):
        rest = key[len(config.SUBMISSIONS_PREFIX):]
        owner = submission_owner(key)
        return rest[len(owner) + 1:] if owner is not None else rest
    if key.startswith(config.DRAFTS_PREFIX):
        return key[len(config.DRAFTS_PREFIX):]
    return key


# Whose submission a key is: the first folder under submissions/, the caller's own as IAM names it in the
# contributor's policy (infra/template.yaml, ContributorPolicy): a desk contributor's identity pool id
# (``${cognito-identity.amazonaws.com:sub}``: "us-east-1:1b9c...", region, colon, GUID) or an IAM user's name
# (``${aws:username}``: letters, digits and ``+=,.@_-``, up to 64). A folder named as a content folder
# (``articles/``, ``pages/``) is the layout before owners: ``submissions/articles/x.md`` is nobody's.
OWNER = re.compile(r"[A-Za-z0-9+=,.@_:-]{1,128}")
SUBMITTED_FOLDERS = ("articles", "pages")


def submission_owner(key: str) -> str | None:
    """The owner folder of the submission ``key`` (``submissions/<owner>/articles/x.md``), or None where
    ``key`` is no submission or one at the layout before owners (``submissions/articles/x.md``)."""
    if not key.startswith(config.SUBMISSIONS_PREFIX):
        return None
    owner, slash, _ = key[len(config.SUBMISSIONS_PREFIX):].partition("/")
    if not slash or owner in SUBMITTED_FOLDERS or OWNER.fullmatch(owner) is None:
        return None
    return owner


def submission_key(owner: str, live: str) -> str:
    """Where ``owner``'s submission of the live file ``live`` is: ``submissions/<owner>/articles/x.md``.

    :raise ValueError: ``owner`` is no owner folder (``OWNER``, and never a content folder's name)."""
    if OWNER.fullmatch(owner) is None or owner in SUBMITTED_FOLDERS:
        raise ValueError(f"{owner!r} cannot own submissions: a name of letters, digits and +=,.@_:- is needed, "
                         f"never {' or '.join(SUBMITTED_FOLDERS)}")
    return f"{config.SUBMISSIONS_PREFIX}{owner}/{live}"


class Conflict(Exception):
    """Someone wrote the file since this person read it: ``theirs`` is what is in the bucket now
    (version ``etag``; both None if it is gone), ``opened`` the version this person had ("" for none)."""

    def __init__(self, key: str, theirs: bytes | None, etag: str | None, opened: str = "") -> None:
        super().__init__(key)
        self.key, self.theirs, self.etag, self.opened = key, theirs, etag, opened


@dataclass(frozen=True)
class Found:
    """A file as read, with what S3 says of it."""

    data: bytes
    etag: str | None
    version: str | None  # None where the bucket keeps no versions
    modified: dt.datetime | None
    metadata: dict[str, str]
    content_type: str | None
    cache_control: str | None


@dataclass(frozen=True)
class ContentBucket:
    """One content bucket (``name``), reached through ``client`` (None: the settings' S3 client).
    ``unlisted``: the client's role may not list the bucket, so S3 says 403 of a missing key.
    ``owner``: the person's own submissions folder (``submission_key``), the one their role reaches."""

    name: str
    client: Any = None
    unlisted: bool = False
    owner: str = ""

    @classmethod
    def of(cls, client: Any = None, unlisted: bool = False, owner: str = "") -> ContentBucket:
        """The settings' content bucket, reached through ``client`` (a person's, for the desk)."""
        return cls(config.current().bucket, client, unlisted, owner)

    def missing(self, exc: ClientError) -> bool:
        """Whether S3's refusal of a read says there is no object at the key (``MISSING``; and
        ``MISSING_UNLISTED`` through a client that may not list the bucket)."""
        return is_missing(exc) or (self.unlisted and error_code(exc) in MISSING_UNLISTED)

    @property
    def s3(self) -> Any:
        """The S3 client this bucket is reached through."""
        return self.client if self.client is not None else s3_client()

    # --- reading ---------------------------------------------------------------------------------

    def read(self, key: str, limit: int) -> tuple[bytes | None, str | None]:
        """The file at ``key`` and its ETag, reading at most ``limit`` + 1 bytes (a larger file is
        refused without being loaded whole); (None, None) if it is gone."""
        data, etag, _ = self.read_version(key, limit)
        return data, etag

    def read_version(self, key: str, limit: int) -> tuple[bytes | None, str | None, str | None]:
        """``read``, and the S3 version it read (None where the bucket keeps no versions): what a
        preview link is bound to, so the same bytes uploaded again are another upload."""
        return self.read_dated(key, limit)[:3]

    def read_dated(self, key: str, limit: int | None = None,
                   if_version: str | None = None) -> tuple[bytes | None, str | None, str | None, dt.datetime | None]:
        """``read_version``, and when the version was written (S3's LastModified, UTC). ``limit``
        None reads it whole. ``if_version``: only that version, what the person saw.

        :raise Conflict: ``if_version`` is given and the file is at another one, or gone."""
        found = self.fetch(key, limit, if_version)
        if found is None:
            return None, None, None, None
        return found.data, found.etag, found.version, found.modified

    def fetch(self, key: str, limit: int | None = None, if_version: str | None = None) -> Found | None:
        """The file at ``key`` with what S3 says of it, reading at most ``limit`` + 1 bytes (None: all);
        None if there is none. ``if_version``: only that version, what the person saw.

        :raise Conflict: ``if_version`` is given and the file is at another one, or gone."""
        condition = {"IfMatch": if_version} if if_version else {}
        try:
            response = self.s3.get_object(Bucket=self.name, Key=key, **condition)
        except ClientError as exc:
            if if_version and (self.missing(exc) or error_code(exc) in LOST):
                theirs, etag = self.current(key)
                raise Conflict(key, theirs, etag, if_version) from None
            if self.missing(exc):
                return None
            raise
        version, modified = response.get("VersionId"), response.get("LastModified")
        return Found(response["Body"].read(limit + 1) if limit is not None else response["Body"].read(),
                     _etag(response), version if version and version != "null" else None,
                     modified if isinstance(modified, dt.datetime) else None, dict(response.get("Metadata") or {}),
                     response.get("ContentType"), response.get("CacheControl"))

    def current(self, key: str) -> tuple[bytes | None, str | None]:
        """The whole file at ``key`` and its ETag; (None, None) if there is none, or it cannot be read."""
        try:
            found = self.s3.get_object(Bucket=self.name, Key=key)
        except ClientError:
            return None, None
        return found["Body"].read(), _etag(found)

    def get(self, key: str) -> tuple[bytes, str]:
        """The whole file at ``key`` and its ETag. :raise KeyError: there is none."""
        data, etag, _, _ = self.read_dated(key)
        if data is None or etag is None:
            raise KeyError(key)
        return data, etag

    def stream(self, key: str, chunk_bytes: int = 1 << 20) -> Iterator[bytes]:
        """The file at ``key`` a chunk at a time (an export may be larger than the function's memory)."""
        yield from self.s3.get_object(Bucket=self.name, Key=key)["Body"].iter_chunks(chunk_bytes)

    def read_json(self, key: str, shown_only: bool = False) -> Any:
        """The JSON document at ``key``, or None where there is none, this client may not read it,
        or it is not JSON. ``shown_only``: it is only shown (a report, a preview link), so any
        failure to read it is None too, never an error page."""
        try:
            return json.loads(self.s3.get_object(Bucket=self.name, Key=key)["Body"].read())
        except ClientError as exc:
            if shown_only or self.missing(exc) or error_code(exc) in MISSING_UNLISTED:
                return None
            raise
        except ValueError:
            return None

    def read_head(self, key: str, size: int) -> tuple[bytes | None, str | None]:
        """The first ``size`` bytes of the file at ``key`` and its ETag; (None, None) if it is gone."""
        try:
            response = self.s3.get_object(Bucket=self.name, Key=key, Range=f"bytes=0-{size - 1}")
        except ClientError as exc:
            if error_code(exc) == "InvalidRange":
                return b"", None
            if self.missing(exc):
                return None, None
            raise
        return response["Body"].read(size), _etag(response)

    def exists(self, key: str) -> bool:
        """Whether a file is at ``key`` now (1 HeadObject)."""
        return self.etag(key) is not None

    def head(self, key: str) -> tuple[str | None, dict[str, str]]:
        """The ETag of the file at ``key`` and its object metadata; (None, {}) if there is none (1 HeadObject)."""
        try:
            response = self.s3.head_object(Bucket=self.name, Key=key)
        except ClientError as exc:
            if self.missing(exc):
                return None, {}
            raise
        return _etag(response), dict(response.get("Metadata") or {})

    def etag(self, key: str) -> str | None:
        """The ETag of the file at ``key`` now, or None if there is none (1 HeadObject, nothing downloaded)."""
        return self.head(key)[0]

    def image_size(self, src: str) -> tuple[int, int] | None:
        """Width and height of an image under media/, from its first 64 KiB; None if not there."""
        import io

        import imagesize

        head, _ = self.read_head(urllib.parse.unquote(src.lstrip("/")), IMAGE_HEAD_BYTES)
        if not head:
            return None
        width, height = imagesize.get(io.BytesIO(head))
        return (width, height) if width > 0 and height > 0 else None

    def listed(self, prefix: str) -> Iterator[dict[str, Any]]:
        """Every object under ``prefix`` as S3 lists it (``Key``, ``LastModified``, ``Size``...)."""
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix):
            yield from page.get("Contents", [])

    def count(self, prefix: str, at_most: int) -> tuple[int, bool]:
        """How many objects are under ``prefix``, counting at most ``at_most`` (one request), and whether
        there are more."""
        listed = self.s3.list_objects_v2(Bucket=self.name, Prefix=prefix, MaxKeys=at_most)
        return int(listed.get("KeyCount", 0)), bool(listed.get("IsTruncated"))

    def versions(self, prefix: str, max_items: int | None = None) -> Iterator[dict[str, Any]]:
        """Every version and deletion under ``prefix``, as S3 lists them (pages of ``Versions`` and
        ``DeleteMarkers``; at most ``max_items`` in all)."""
        limit = {"PaginationConfig": {"MaxItems": max_items}} if max_items else {}
        yield from self.s3.get_paginator("list_object_versions").paginate(Bucket=self.name, Prefix=prefix, **limit)

    def version(self, key: str, version_id: str) -> tuple[bytes, dict[str, str]]:
        """The bytes of one version of ``key`` and its object metadata.

        :raise LookupError: no such version of this file (or it is a deletion)."""
        try:
            found = self.s3.get_object(Bucket=self.name, Key=key, VersionId=version_id)
        except ClientError as error:
            raise LookupError(f"{key} has no version {version_id} (a deletion has no content; "
                              f"`newsroom history {key}` lists them)") from error
        return found["Body"].read(), dict(found.get("Metadata") or {})

    # --- writing ---------------------------------------------------------------------------------

    def put(self, key: str, data: bytes, if_version: str | None = None, content_type: str = MARKDOWN,
            metadata: dict[str, str] | None = None, report_theirs: bool = True, cache_control: str = "") -> str:
        """Write ``data`` at ``key``; return its new ETag. ``if_version``: only if the file is still at
        that version (its ETag), or, "", only if there is none; None writes whatever is there.
        ``cache_control``: what the edge and browsers are told when they fetch it (a photo's size).

        :raise Conflict: the file is not at ``if_version`` (someone wrote it meanwhile); it carries
            their bytes and version (only the version, without ``report_theirs``).
        """
        condition: dict[str, str] = {} if if_version is None else {"IfMatch": if_version} if if_version \
            else {"IfNoneMatch": "*"}
        if cache_control:
            condition["CacheControl"] = cache_control
        try:
            answer = self.s3.put_object(Bucket=self.name, Key=key, Body=data, ContentType=content_type,
                                        Metadata=metadata or {}, **condition)
        except ClientError as exc:
            # An If-Match on a key with no object (deleted meanwhile) is a lost write too: S3 answers it
            # 404 NoSuchKey (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html)
            if error_code(exc) not in LOST and not (if_version and is_missing(exc)):
                raise
            theirs, etag = self.current(key) if report_theirs else (None, self.etag(key))
            raise Conflict(key, theirs, etag, if_version or "") from None
        return _etag(answer) or ""

    def delete(self, key: str, if_version: str | None = None) -> None:
        """Delete ``key`` (a versioned bucket keeps the version: it can be restored). ``if_version``:
        only if the file is still at that version, or gone (a file this person never saw is not
        theirs to take down). :raise Conflict: someone wrote it meanwhile."""
        if if_version is not None:
            theirs, etag = self.current(key)
            if etag is not None and etag != if_version:
                raise Conflict(key, theirs, etag, if_version)
        self.s3.delete_object(Bucket=self.name, Key=key)

    def delete_many(self, keys: list[str]) -> None:
        """Delete these keys, a thousand a request (S3's limit)."""
        for start in range(0, len(keys), 1000):
            self.s3.delete_objects(Bucket=self.name, Delete={
                "Objects": [{"Key": k} for k in keys[start:start + 1000]], "Quiet": True})

    def copy(self, key: str, to: str) -> None:
        """Copy the file at ``key`` to ``to``, within the bucket (nothing downloaded)."""
        self.s3.copy_object(Bucket=self.name, Key=to, CopySource={"Bucket": self.name, "Key": key})

    def describe(self, key: str, metadata: dict[str, str], if_etag: str) -> None:
        """Replace the object metadata of the file at ``key`` (a photo's alt text, caption and credit),
        its bytes, type and address unchanged: a copy onto itself, only if it is still the version seen
        (``if_etag``; ``Conflict`` otherwise). S3 tells its queue as of any upload.

        :raise KeyError: there is no file at ``key``.
        """
        try:
            found = self.s3.head_object(Bucket=self.name, Key=key)
            if _etag(found) != if_etag:
                raise Conflict(key, None, _etag(found))
            self.s3.copy_object(Bucket=self.name, Key=key, CopySource={"Bucket": self.name, "Key": key},
                                CopySourceIfMatch=f'"{if_etag}"', MetadataDirective="REPLACE", Metadata=metadata,
                                ContentType=found.get("ContentType") or "application/octet-stream",
                                **({"CacheControl": found["CacheControl"]} if found.get("CacheControl") else {}))
        except ClientError as exc:
            if is_missing(exc):
                raise KeyError(key) from exc
            if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412"):
                raise Conflict(key, None, None) from exc
            raise

    def store_body(self, key: str, html: bytes) -> None:
        """Keep an article body too large for its DynamoDB item (bodies.py)."""
        self.put(key, html, content_type="text/html; charset=utf-8")

    def write_report(self, key: str, report: dict[str, Any]) -> None:
        """Leave a report an editor can read next to the content: UTF-8 JSON whatever it quotes (a
        character UTF-8 cannot carry becomes U+FFFD, and the report says so)."""
        text = json.dumps(report, indent=2, ensure_ascii=False)
        if printable(text) != text:
            report = {**report, "note": "characters that cannot be written as text were replaced with \ufffd"}
            text = printable(json.dumps(report, indent=2, ensure_ascii=False))
        self.put(report_key(key), text.encode("utf-8"), content_type="application/json; charset=utf-8")

    def report_refusal(self, key: str, error: ContentError) -> None:
        """The report for a file that was not published: each problem with its field and line."""
        from chalicelib.clock import now_iso

        self.write_report(key, {
            "file": key,
            "status": "not published",
            "problems": [{"field": p.field, "problem": p.message, "line": p.line} for p in error.problems],
            "message": str(error),
            "at": now_iso(),
        })

    def delete_report(self, key: str) -> None:
        """Clear the report for ``key``: the file is fine now, or gone."""
        self.delete(report_key(key))

    def write_preview(self, key: str, record: dict[str, Any]) -> None:
        """The status record of a draft or scheduled file: its preview link (chalicelib/preview.py)."""
        self.put(preview_key(key), json.dumps(record, indent=2, ensure_ascii=False).encode("utf-8"),
                 content_type="application/json; charset=utf-8")

    def delete_preview(self, key: str) -> None:
        """The file is live now, or gone: its preview link no longer works, so its record goes."""
        self.delete(preview_key(key))

    def report_problems(self, key: str) -> list[dict[str, Any]]:
        """The problems of ingest's report on ``key`` (why it was refused), or [] if it has none."""
        report = self.read_json(report_key(key), shown_only=True)
        problems = report.get("problems") if isinstance(report, dict) else None
        return [p for p in problems if isinstance(p, dict)] if isinstance(problems, list) else []

    def preview_link(self, key: str) -> dict[str, Any] | None:
        """The status record of a draft or scheduled ``key`` (its preview link and expiry), or None."""
        record = self.read_json(preview_key(key), shown_only=True)
        return record if isinstance(record, dict) and record.get("preview") else None


def _etag(response: dict[str, Any]) -> str | None:
    return str(response.get("ETag", "")).strip('"') or None


def preview_key(key: str) -> str:
    """Where the status record (the preview link) of ``key`` is written."""
    return f"{config.PREVIEWS_PREFIX}{key}.json"


def reports(s3: Any, bucket: str, limit: int = 100) -> tuple[list[dict[str, Any]], int]:
    """The newest ``limit`` reports ingest left (files refused, or published with warnings), newest
    first, each with when it was written (``modified``), and how many there are in all. Read with
    the caller's client: ``newsroom errors`` and the desk's Refused screen, as the person asking."""
    found = ContentBucket(bucket, s3)
    listed = sorted(found.listed(config.REPORTS_PREFIX), key=lambda o: (o["LastModified"], o["Key"]), reverse=True)
    out = []
    for obj in listed[:limit]:
        body = found.read_json(obj["Key"], shown_only=True)  # None: deleted meanwhile (the file was fixed)
        if isinstance(body, dict):
            out.append({**body, "modified": obj["LastModified"]})
    return out, len(listed)


def report_key(key: str) -> str:
    """Where the error report for ``key`` is written."""
    return f"{config.REPORTS_PREFIX}{key}.json"
