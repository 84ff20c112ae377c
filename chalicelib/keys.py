"""Every partition key, sort key and listing name in the table, built here and nowhere else.

``models`` declares the item types and this module spells their keys (the
table in the ``models`` docstring shows both). A listing *name* (``home``,
``category#oil``...) names an archive; its items live under
``listing_pk(name)`` and sort by ``listing_sk(date, slug)``, newest last, so
"newest first, nothing in the future" is one key condition.
"""

from __future__ import annotations

import re

from chalicelib import config

# --- archives ------------------------------------------------------------------------

HOME = "home"
STICKY = "sticky"  # the listing of sticky articles (read into the site snapshot)
LATEST = "~"  # sorts after every slug character: f"{now}#{LATEST}" ends "nothing in the future"


def archive(kind: str, slug: str) -> str:
    """The listing of a category, tag or author: ``category#oil``."""
    return f"{kind}#{slug}"


def category_listing(slug: str) -> str:
    return archive("category", slug)


def tag_listing(slug: str) -> str:
    return archive("tag", slug)


def author_listing(slug: str) -> str:
    return archive("author", slug)


def year_listing(year: str) -> str:
    """``year#2022``."""
    return f"year#{year}"


def month_listing(month: str) -> str:
    """``month#2022-07``."""
    return f"month#{month}"


def tag_of(listing: str) -> str | None:
    """The tag slug a listing name is for, or None if it is not a tag's."""
    return listing.removeprefix("tag#") if listing.startswith("tag#") else None


def listing_pk(listing: str) -> str:
    """Where a listing's entries live: ``list#home``."""
    return f"list#{listing}"


def listing_sk(date: str, slug: str) -> str:
    """An entry's place in its listing: by date, then slug."""
    return f"{date}#{slug}"


def listing_end(now_iso: str) -> str:
    """The sort key after every entry dated ``now_iso`` or earlier."""
    return listing_sk(now_iso, LATEST)


# --- one item per thing ----------------------------------------------------------------

def post(path: str) -> tuple[str, str]:
    """The article, page or redirect served at ``/<path>/``."""
    return f"post#{path}", "post"


def pending(key: str) -> tuple[str, str]:
    """The preview copy of a pending version (``drafts/...``, ``submissions/...``): never served but by
    its preview link."""
    return f"pending#{key}", "post"


def live_folder(article_key: str) -> str:
    """Where a live blog's entry files live: its article's key without the suffix
    (``articles/iran-war.md``: ``articles/iran-war``; its entries are ``articles/iran-war/live/<id>.md``)."""
    stem, dot, suffix = article_key.rpartition(".")
    return stem if dot and "/" not in suffix else article_key


LIVE_SEGMENT = "/live/"  # an entry's file: ``<folder>/live/<name>`` (docs/content-format.md, "Live blogs")
LIVE_ENTRY_ID = r"[A-Za-z0-9_-]{1,80}"  # an entry's id: its file's name without the suffix
_LIVE_ENTRY_SK = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ#" + LIVE_ENTRY_ID)
_LIVE_PK = "live#"


def live_entry_key(article_key: str, name: str) -> str:
    """The bucket key of the live blog entry ``name`` (``2026...Z-ab12cd.md``) of an article's file:
    ``articles/iran-war/live/<name>``."""
    return f"{live_folder(article_key)}{LIVE_SEGMENT}{name}"


def live_entry_parts(key: str) -> tuple[str, str] | None:
    """The live blog's folder and the entry's file name of an entry's bucket key, or None where
    ``key`` is no entry's (``articles/iran-war/live/a.md``: ``("articles/iran-war", "a.md")``)."""
    if not key.startswith(config.ARTICLES_PREFIX) or key.endswith("/"):
        return None
    folder, marker, name = key.rpartition(LIVE_SEGMENT)
    if not marker or len(folder) <= len(config.ARTICLES_PREFIX) or "/" in name or not name:
        return None
    return folder, name


def live_entries_pk(folder: str) -> str:
    """A live blog's entries, newest last (sk: ``live_entry_sk``): ``live#articles/iran-war``, by the
    article's file without its suffix, so a renamed slug keeps its entries."""
    return f"{_LIVE_PK}{folder}"


def live_key_events_pk(folder: str) -> str:
    """A live blog's pinned entries (key events), the same sort keys as its entries."""
    return f"live-key#{folder}"


def live_key_events_of(entries_pk: str) -> str:
    """The key events' partition of the live blog whose entries' partition is ``entries_pk``."""
    return live_key_events_pk(entries_pk.removeprefix(_LIVE_PK))


def live_entry_sk(time: str, entry_id: str) -> str:
    """An entry's place in its live blog: by time (ISO 8601 UTC to the second), then its id."""
    return f"{time}#{entry_id}"


def is_live_entry_sk(text: str) -> bool:
    """Whether ``text`` (a reader's ``?since=``) is a place an entry could have (``live_entry_sk``)."""
    return _LIVE_ENTRY_SK.fullmatch(text) is not None


SOURCE_PK = "source"  # sk: the bucket key


def source(key: str) -> tuple[str, str]:
    """What the file at bucket ``key`` last published."""
    return SOURCE_PK, key


EDGE_PK = "edge"  # sk: the bucket key


def edge_clearing(key: str) -> tuple[str, str]:
    """The invalidation that carried the last change of the file at bucket ``key`` to the edge."""
    return EDGE_PK, key


DESK_PK = "desk"  # the desk index's partition of articles' files (models.DeskIndex)
DESK_PAGES_PK = "desk#pages"  # ... and of pages' files: each list reads its own


def desk_pk(kind: str | None) -> str:
    """The desk index partition a file of ``kind`` ("article" or "page") is listed in."""
    return DESK_PAGES_PK if kind == "page" else DESK_PK


UNPUBLISHED_PK = "unpublished"  # sk: the bucket key of an article or page taken down: its row in the desk's list


def unpublished(key: str) -> tuple[str, str]:
    """The tombstone of the article or page file at ``key`` once it is unpublished (models.Source-shaped,
    listed in the desk index with status "unpublished"), until it is published again."""
    return UNPUBLISHED_PK, key


def desk_order(date: str | None, key: str, changed: str) -> str:
    """Where a file sorts in the desk's list, newest first: by its date, or by when it last changed
    (a refused file with no date is news to its editor)."""
    return f"{date or changed}#{key}"


SITE_SNAPSHOT = ("site", "site")
SITE_SETTINGS = ("settings", "site")
AUTHOR_PK = "author"  # sk: the author's slug
CATEGORY_PK = "category"  # sk: the category's slug
TAG_PK = "tag"  # sk: the tag's slug (a tag with a file of its own)
MONTH_PK = "month"  # sk: "2022-07"


def author(slug: str) -> tuple[str, str]:
    return AUTHOR_PK, slug


def category(slug: str) -> tuple[str, str]:
    return CATEGORY_PK, slug


TAGS_NAMED_PK = "tags-named"  # sk: a tag's slug: every tag an article named (the desk's Tags screen)
TAG_ALIASES_PK = "tag-aliases"  # sk: an old address of a tag (``tag/old-name``), its item naming where it went


def tag(slug: str) -> tuple[str, str]:
    return TAG_PK, slug


def term(kind: str, slug: str) -> tuple[str, str]:
    """The term item of an archive kind (``archives.ARCHIVES``): ``author(slug)``, ``category(slug)``..."""
    return {"author": author, "category": category, "tag": tag}[kind](slug)


def month(month_: str) -> tuple[str, str]:
    return MONTH_PK, month_


MEDIA_PK = "media"  # sk: the image's bucket key


MEDIA_WITHOUT_ALT = "media-without-alt"  # sk: the bucket key of a photo with sizes and no alt text (the desk counts them)


def media(key: str) -> tuple[str, str]:
    """An image's sizes (``media/2024/photo.jpg``)."""
    return MEDIA_PK, key


def media_uses_pk(key: str) -> str:
    """Where the articles showing the image at bucket ``key`` are listed (sk: their bucket keys)."""
    return f"uses#{key}"


# --- links, claims, search --------------------------------------------------------------

def refs_pk(target_slug: str) -> str:
    """Where the articles showing a link to ``target_slug`` are listed (sk: the referring slug)."""
    return f"refs#{target_slug}"


def ref_target(pk: str) -> str:
    """The slug a ``refs#`` partition is about."""
    return pk.removeprefix("refs#")


def claim_pk(slug: str) -> str:
    """Where files waiting for a taken slug are listed (sk: their bucket keys)."""
    return f"claim#{slug}"


def term_pk(term: str) -> str:
    """A search term's index partition (sk: chalicelib.content.search.sort_key)."""
    return f"term#{term}"


# --- comments ---------------------------------------------------------------------------

COMMENTS_PENDING = "comments-pending"  # sk: the comment's id
COMMENTS_REJECTED = "comments-rejected"  # sk: the comment's id
COMMENTS_GONE = "comments-gone"  # sk: the id of a comment rejected or deleted (no content kept), never re-imported
COMMENTS_APPROVED = "comments-approved"  # sk: an approved comment's id; where it lives (the desk's Approved tab)
COMMENTS_SPAM = "comments-spam"  # sk: the comment's id; kept 30 days (TTL)
COMMENTS_SPAMMERS = "comments-spammers"  # sk: ``client#<hash>`` or ``email#<hash>`` of a comment marked spam


def comments_pk(article_slug: str) -> str:
    """An article's approved comments (sk: id, or ``<parent id>#<id>`` for a reply)."""
    return f"comments#{article_slug}"


def reply_sk(parent_id: str | None, comment_id: str) -> str:
    """An approved comment's sort key: replies sort right after their parent."""
    return f"{parent_id}#{comment_id}" if parent_id else comment_id


def rate_limit_pk(client: str) -> str:
    """One client's counter: a comment window (sk: the window's start), a sliding log (sk:
    ``SLIDING_WINDOW``) or a back-off (sk: ``BACKOFF``): chalicelib/ratelimit.py."""
    return f"ratelimit#{client}"


SUBSCRIBER_PREFIX = "subscriber#"


def subscriber(address_hash: str) -> tuple[str, str]:
    """A newsletter subscriber, by the hash of their address (chalicelib/newsletters/subscribers.py)."""
    return f"{SUBSCRIBER_PREFIX}{address_hash}", "subscriber"


def newsletter_issue(send_id: str) -> tuple[str, str]:
    """One send of a newsletter (chalicelib/newsletters/sending.py)."""
    return f"issue#{send_id}", "issue"


def send_of(issue_pk: str) -> str:
    """The send id of a ``newsletter_issue`` key."""
    return issue_pk.removeprefix("issue#")


def delivery(send_id: str, address_hash: str) -> tuple[str, str]:
    """One reader's copy of one send: the claim that makes it go once (chalicelib/newsletters/sending.py)."""
    return f"delivery#{send_id}", address_hash


# Who receives a newsletter: one item per (newsletter, active reader), spread over 16 partitions by the
# first hex digit of the address hash, so a million readers never meet one partition's write limit and
# the shards, read in order, list the readers in the order of their hashes (chalicelib/newsletters/subscribers.py).
RECEIVING_SHARDS = "0123456789abcdef"


def receiving_shard(newsletter: str, shard: str) -> str:
    """The partition of one shard of a newsletter's readers: ``receiving#Daily briefing#a``."""
    return f"receiving#{newsletter}#{shard}"


def receiving(newsletter: str, address_hash: str) -> tuple[str, str]:
    """One reader of one newsletter (sk: their address hash)."""
    return receiving_shard(newsletter, address_hash[0]), address_hash


def receiving_count(newsletter: str, shard: str) -> tuple[str, str]:
    """How many readers one shard of a newsletter has (the 16 of a newsletter: one Query)."""
    return receiving_count_pk(newsletter), shard


def receiving_count_pk(newsletter: str) -> str:
    return f"receiving-count#{newsletter}"


SENDS_PK = "sends"  # sk: "<created ISO>#<send id>": every send, newest last (the desk's list: one Query)


def send_listed(created: str, send_id: str) -> tuple[str, str]:
    """A send's entry in the list of sends."""
    return SENDS_PK, f"{created}#{send_id}"


def held(send_id: str, batch_id: str) -> tuple[str, str]:
    """A batch that arrived while its send was paused, kept until it is resumed."""
    return held_pk(send_id), batch_id


def held_pk(send_id: str) -> str:
    return f"held#{send_id}"


SLIDING_WINDOW = "log"
BACKOFF = "backoff"  # a counted key's failures and the time before which it may not try again


def sessions(sub: str) -> tuple[str, str]:
    """A desk user's ended sessions, and when they last signed out everywhere (chalicelib/desk/session.py)."""
    return f"session#{sub}", "sessions"


def signed_in(sub: str) -> tuple[str, str]:
    """When a desk user last signed in (the People screen's "Last sign-in": chalicelib/desk/people.py)."""
    return f"session#{sub}", "signed-in"


PEOPLE_LOG_PK = "people-log"  # sk: "<ISO time>#<random>": who changed whose account, and how (the People screen)
PEOPLE_PK = "people"  # sk: a desk user's sub: the author they sign as (chalicelib/desk/profile.py)
