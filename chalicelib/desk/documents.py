"""The desk's articles: files in the content bucket, read and written as an upload would.

An article is ``articles/<slug>.md``: YAML front matter and the Markdown body, exactly the format of
``docs/content-format.md``. The desk writes the same files to the same keys as ``newsroom``
(``articles/``, ``drafts/articles/``, ``submissions/articles/``), and ingest does the rest: checks,
renders, publishes, reports, previews, due times and the edge. Nothing here writes the table.

Every write is conditional on what the person saw: the editor opens a file with the version of
every key an action of theirs may write (``versions_seen``: the file, its live key, its draft), sends
them back, and each write carries the version of *its own* key (S3's conditional writes:
``If-Match`` on the ETag, ``If-None-Match: *`` where the person saw no file), so a stale save is
refused (``Conflict``, with both versions) instead of overwriting a colleague: two drafts of one
live article, two submissions of one article, a draft published over a newer live correction, an
approval of a submission changed since it was opened (``read_opened``) or over a newer live edit.
A save that changes nothing writes nothing, so opening and saving an
article leaves its file byte for byte as it was. Each write records who made it (object metadata
``uploaded-by``), so the history names the person.

Roles are enforced here, where the write happens: a contributor may only submit (``submissions/``);
an editor may publish, schedule, unpublish and approve; ``actions.COMMANDS`` says which role each needs.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from chalicelib import clock, config, fields
from chalicelib.bucket import ContentBucket, live_key, submission_owner
from chalicelib.content import corrections, front_matter
from chalicelib.content.content_format import ContentError, Problem, check_file, normalize_slug
from chalicelib.content.files import Article
from chalicelib.desk.identity import Identity
from chalicelib.publish.articles import slug_held_by
from chalicelib.publish.pending import submission_refusals

FORM = tuple(f for f in fields.ARTICLE if f.label)  # the fields the editor's form edits, in its order
FIELDS = tuple(f.name for f in FORM)


class Forbidden(Exception):
    """This person's role may not do that; ``message`` says so in words."""


class NotYours(Forbidden):
    """A contributor asked for a file that is not a submission of their own (``check_own_work``)."""


@dataclass
class Draft:
    """What the editor sends: the fields, the body, and the versions they started from."""

    key: str  # "" for a new article
    version: str  # the ETag they opened ("" for a new article)
    fields: dict[str, str]
    body: str
    correction: str = ""  # a public correction note, published with the change
    versions: dict[str, str] = field(default_factory=dict)  # each key's ETag as they opened it ("": no file)
    now: bool = False  # "Publish now instead": go live now, the date becoming now, whatever "Publish at" says
    zone: str = "UTC"  # the editor's time zone, for what the desk says back

    def seen(self, key: str) -> str:
        """The version of ``key`` this person started from: "" if they saw no file there."""
        return self.versions.get(key, self.version if key == self.key else "")


@dataclass
class Opened:
    """A file as the editor opens it."""

    key: str
    version: str
    fields: dict[str, str]
    body: str
    raw: bytes = field(repr=False, default=b"")
    meta: dict[str, Any] = field(default_factory=dict)  # the front matter as it is: what the editor does not edit stays


def check_key(key: str) -> str:
    """A key the desk may open: an article or page file, live or pending, and a path that is data
    (``outside_paths``). :raise Forbidden: any other."""
    from chalicelib import outside_paths

    inner = live_key(key)
    try:
        outside_paths.relative(key)
    except outside_paths.PathRefused as refused:
        raise Forbidden(f"{outside_paths.shown(key)} is not an article or page file: it {refused.reason}") from None
    if not re.fullmatch(r"(articles|pages)/[a-z0-9][a-z0-9/_-]{0,200}\.(md|markdown|html)", inner):
        raise Forbidden(f"{key} is not an article or page file")
    return key


# --- reading ------------------------------------------------------------------------------------

def open_file(key: str, bucket: ContentBucket, who: Identity | None = None) -> Opened:
    """A file's fields and body, and its version, read through ``bucket`` (with the signed-in person's
    client: the web function's own role cannot read content); given ``who``, only if theirs to open
    (``check_own_work``). :raise KeyError: no such file. :raise NotYours: not theirs."""
    check_key(key)
    if who is not None:
        check_own_work(bucket, key, who)
    raw, etag = bucket.get(key)
    meta, body = split(raw)
    shown = {f.name: f.kind.as_text(meta.get(f.name)) for f in FORM if meta.get(f.name) is not None}
    return Opened(key, etag, shown, body, raw, meta)


def open_last_version(key: str, bucket: ContentBucket) -> Opened | None:
    """An unpublished file (its newest version a deletion) as the editor opens it: its last text,
    at version "" (there is no file now, so publishing it again writes only if nobody has meanwhile);
    None if it never had a version."""
    check_key(key)
    newest: tuple[Any, str] | None = None
    for page in bucket.versions(key):
        for entry in page.get("Versions", []):
            if entry["Key"] == key and (newest is None or entry["LastModified"] > newest[0]):
                newest = (entry["LastModified"], entry["VersionId"])
    if newest is None:
        return None
    raw, _ = bucket.version(key, newest[1])
    meta, body = split(raw)
    shown = {f.name: f.kind.as_text(meta.get(f.name)) for f in FORM if meta.get(f.name) is not None}
    return Opened(key, "", shown, body, raw, meta)


def corrections_shown(meta: dict[str, Any], zone: Any) -> list[tuple[str, str, str]]:
    """The file's public corrections, oldest first, as the editor lists them: (ISO date, the date in
    the editor's zone, the note)."""
    from chalicelib.desk import zones

    out = []
    for entry in meta.get("corrections") or []:
        if isinstance(entry, dict) and entry.get("note"):
            when = zones.moment(entry.get("date"))
            out.append((clock.iso(when) if when else "", zones.shown(entry.get("date"), zone), str(entry["note"])))
    return out


def versions_seen(key: str, bucket: ContentBucket, who: Identity) -> dict[str, str]:
    """The version of every key an action of ``who``'s on the opened file ``key`` may write, as they are
    now ("" where there is no file): the file itself, its live key and, for a live file, its draft; for a
    draft or submission of changes, its live key's version is the one it was written over
    (``config.BASED_ON``). A contributor's actions write their submission only (their role may read no
    other key, and their save asks the table whether a live file is there: ``actions._live_exists``)."""
    live = live_key(key)
    wanted = [key, live] if key != live else [key, config.DRAFTS_PREFIX + key]
    if not who.may("editor"):
        wanted = [name for name in wanted if name.startswith(config.SUBMISSIONS_PREFIX)]
    found: dict[str, str] = {}
    based_on = ""
    for name in wanted:
        etag, metadata = bucket.head(name)
        found[name] = etag or ""
        if name == key and key.startswith(config.PENDING_PREFIXES):
            based_on = metadata.get(config.BASED_ON, "")
    # A draft or submission of changes was written over the live version its author saw: publishing or
    # approving it is conditional on that version, so a change made live since (a typo fixed, a bulk tag)
    # is shown as a conflict rather than silently undone by the older draft, and a takedown since (the
    # live file gone) as "deleted" rather than undone by putting the article back.
    if based_on and live in found:
        found[live] = based_on
    return found


def submitted_by(bucket: ContentBucket, key: str, who: Identity) -> bool:
    """Whether ``key`` is a submission whose current version ``who`` wrote (its ``uploaded-by``)."""
    if not key.startswith(config.SUBMISSIONS_PREFIX) or submission_owner(key) != bucket.owner:
        return False
    _, metadata = bucket.head(key)
    return str(metadata.get(config.UPLOADED_BY, "")).endswith(f"<{who.email}>")


def check_own_work(bucket: ContentBucket, key: str, who: Identity) -> None:
    """An editor or admin may open, save and lock any article or page; a contributor only their own
    submissions (as WordPress keeps a contributor out of another's posts): ``key`` must be under
    their own folder of ``submissions/`` (``bucket.owner``: the only one their role's credentials reach,
    infra/template.yaml's ContributorPolicy) and free or last written by them (``submitted_by``, as
    ``views.status`` asks). A key outside their folder is refused before any request S3 would refuse.
    ``bucket`` is theirs (``session.bucket_as`` given ``who``: ``unlisted``, so S3's 403 for a free key is
    no file).

    :raise NotYours: not a submission, or another person's.
    """
    if who.may("editor"):
        return
    if not key.startswith(config.SUBMISSIONS_PREFIX):
        raise NotYours(f"{key} is not a submission: a contributor opens and changes their own submissions only.")
    if not bucket.owner or submission_owner(key) != bucket.owner:  # their role reaches their own folder only
        raise NotYours(f"{key} is another person's submission: a contributor opens and changes their own only "
                        "(for a new article, choose another title or slug).")
    version, metadata = bucket.head(key)
    if version is not None and not str(metadata.get(config.UPLOADED_BY, "")).endswith(f"<{who.email}>"):
        raise NotYours(f"{key} is another person's submission: a contributor opens and changes their own only "
                        "(for a new article, choose another title or slug).")


def read_opened(bucket: ContentBucket, key: str, version: str) -> tuple[bytes, dt.datetime | None]:
    """The bytes of ``key`` and when they were written, if it is still at ``version``: what the person
    reviewed, not what is there now. :raise Conflict: it changed (or went) since they opened it."""
    data, _, _, modified = bucket.read_dated(key, if_version=version)
    return data or b"", modified


def split(raw: bytes) -> tuple[dict[str, Any], str]:
    """A file's front matter and its body, read by ingest's own hardened reader (no aliases, type tags
    or oversized front matter). A file it refuses opens with no fields and its body; ``check`` says why."""
    try:
        return front_matter.split_front_matter("", front_matter.decode("", raw))
    except ContentError:
        text = raw.decode("utf-8", errors="replace").lstrip("\ufeff").replace("\r\n", "\n")
        match = re.match(r"---\n.*?\n(?:---|\.\.\.)\s*\n?(.*)", text, re.DOTALL)
        return {}, (match.group(1) if match else text).strip()


def other_fields(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """The front matter's fields the form does not edit, each with its value as text, in the file's
    order: shown read-only beside the form, so what is approved is what was seen."""
    return [(str(name), _shown(value)) for name, value in meta.items() if name not in FIELDS]


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_shown(v)}" for k, v in value.items())
    if isinstance(value, list):
        return " | ".join(_shown(v) for v in value) if any(isinstance(v, dict) for v in value) else _as_text(value)
    return _as_text(value)


def _as_text(value: Any) -> str:
    return fields.as_text(value)


# --- writing ------------------------------------------------------------------------------------

def compose(sent: dict[str, str], body: str, base: dict[str, Any] | None = None,
            correction: str = "", corrected_at: str = "") -> bytes:
    """The file for these fields and body. ``base``: the front matter the file had; every field the
    editor does not edit (aliases, sticky, comments, corrections...) stays as it was, in its place.
    ``correction``: a public note, added to the article's corrections with ``corrected_at``."""
    meta: dict[str, Any] = dict(base or {})
    for declared in FORM:  # each field as its kind reads the form's text (``fields.Kind.from_form``)
        if declared.name not in sent:
            continue  # a field this form does not show (a contributor's has no Sticky): kept as it was
        value = declared.kind.from_form((sent.get(declared.name) or "").strip(), meta.get(declared.name))
        if value is fields.REMOVE:
            meta.pop(declared.name, None)
        else:
            meta[declared.name] = value
    if correction.strip():
        meta["corrections"] = [*(meta.get("corrections") or []), {"date": corrected_at, "note": correction.strip()}]
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{front}---\n\n{body.strip()}\n".encode()


def check(key: str, data: bytes, written: dt.datetime | None = None) -> list[Problem]:
    """The problems ``newsroom check`` and ingest would report, in the same words; [] if none. A
    submission (``submissions/``, ``written`` now unless given) must hold only what a contributor may set."""
    try:
        parsed = check_file(live_key(key), data)
    except ContentError as error:
        return list(error.problems)
    if not isinstance(parsed, Article):
        return [Problem("file", "is not an article or page")]
    refused = submission_refusals(key, parsed, data, written)
    if refused:
        return refused
    holder = slug_held_by(parsed.slug, live_key(key))
    if holder is not None:
        return [Problem("slug", f"/{parsed.slug}/ is taken by {holder}: choose another slug")]
    return []


def publish_date(given: str, now_requested: bool, now: str) -> str:
    """The date a Publish writes: a future "Publish at" is kept, so the article is scheduled for it
    and never goes live early (WordPress's "Schedule", Ghost's "Schedule for later"); only an explicit
    "Publish now instead" (``now_requested``) replaces it with ``now``. A past date is kept (a
    backdated story); no date is ``now``."""
    from chalicelib.desk.zones import moment

    return now if now_requested or moment(given) is None else given


def is_future(date: str, now: str) -> bool:
    """Whether ``date`` (as the form sends it) is after ``now``: a Publish of it schedules."""
    from chalicelib.desk.zones import moment

    when, at = moment(date), moment(now)
    return when is not None and at is not None and when > at


def suggested_slug(title: str) -> str:
    """The slug a title gives (the editor may change it)."""
    return normalize_slug(title)


def new_key(fields: dict[str, str]) -> str:
    """Where a new article goes: ``articles/<slug>.md`` (the slug field, else the title's)."""
    slug = normalize_slug(fields.get("slug") or fields.get("title") or "")
    if not slug:
        raise Forbidden("An article needs a title.")
    return f"articles/{slug}.md"


def read_fields(bucket: ContentBucket, key: str) -> tuple[dict[str, Any], str]:
    """A settings or term file's fields (``settings/site.yaml``, ``authors/<slug>.yaml``) and its
    version (ETag): ``({}, "")`` when there is none, ``({}, etag)`` when it is empty.

    :raise ContentError: it is not YAML ``key: value`` fields (the file, the line and the problem).
    """
    try:
        raw, etag = bucket.get(key)
    except KeyError:
        return {}, ""
    return (front_matter.load_yaml_file(key, raw) if raw.strip() else {}), etag


def written_by(bucket: ContentBucket, key: str) -> str:
    """Who wrote the file at ``key`` now (its ``uploaded-by`` name), "" if the bucket does not say or
    it is gone: what a refusal of a stale page names."""
    _, metadata = bucket.head(key)
    return str(metadata.get(config.UPLOADED_BY, "")).split(" <", 1)[0]


def write(bucket: ContentBucket, key: str, data: bytes, version: str, who: Identity,
          metadata: dict[str, str] | None = None) -> str:
    """Put ``data`` at ``key`` if the file is still at ``version`` ("" for none); return its new ETag.
    ``metadata``: more object metadata beside who wrote it (``reverted-from`` for a restore).

    A live article's published corrections stay (``corrections.kept``): a file written over it
    without one of them (an older draft, a restored version) gets it back.

    :raise Conflict: someone saved it meanwhile (or created it, for a new file).
    """
    if version and key == live_key(key) and key.startswith(config.ARTICLES_PREFIX):
        try:
            current, _ = bucket.get(key)
        except KeyError:
            current = None
        data = corrections.kept(data, current)
    return bucket.put(key, data, if_version=version,
                      metadata={config.UPLOADED_BY: f"{who.name} <{who.email}>"[:200], **(metadata or {})})


def _now() -> str:
    return clock.now_iso()


