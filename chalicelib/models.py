"""The DynamoDB schema: one table, several item types, declared once here.

Every item has a partition key ``pk`` and a sort key ``sk``. Readers' pages
are served by GetItem and Query only, never Scan:

=================  ========================  =========================  ==========================
item               pk                        sk                         serves
=================  ========================  =========================  ==========================
Post               ``post#<path>``           ``post``                   article / static page by URL;
                                                                        also 301s (kind="redirect")
Listing            ``list#<listing>``        ``<date>#<slug>``          archives newest first: ``home``,
                                                                        ``category#x``, ``author#x``,
                                                                        ``tag#x``, ``year#2022``,
                                                                        ``month#2022-07``
SiteSnapshot       ``site``                  ``site``                   menu, categories, authors,
                                                                        recent posts, footer (one read)
Settings           ``settings``              ``site``                   the parsed settings file
Author             ``author``                ``<slug>``                 authors, listed by one Query
Category           ``category``              ``<slug>``                 categories, listed by one Query
Source             ``source``                ``<bucket key>``           what each file published (ingest)
Ref                ``refs#<target slug>``    ``<referring slug>``       who shows a link to an article
Claim              ``claim#<slug>``          ``<bucket key>``           a file waiting for a taken slug
SearchTerm         ``term#<stem>``           ``<score>#<date>#<slug>``  search, best match first
Month              ``month``                 ``2022-07``                sitemap index (one Query)
MediaItem          ``media``                 ``<bucket key>``           an image's sizes (images function)
MediaUse           ``uses#<bucket key>``     ``<article bucket key>``   who shows an image (re-rendered
                                                                        when its sizes change)
RateLimit          ``ratelimit#<key hash>``  ``log`` / ``backoff``      sign-in, comment and password
                                                                        limits (TTL)
Sessions           ``session#<sub>``         ``sessions``               a desk user's ended sessions
                                                                        (checked on every desk request; TTL)
SignedIn           ``session#<sub>``         ``signed-in``              a desk user's last sign-in (People)
PeopleChange       ``people-log``            ``<ISO time>#<random>``    who changed whose account, how
Profile            ``people``                ``<sub>``                  a desk user's author slug and name;
                                                                        the Author picker's people (one Query)
EdgeClearing       ``edge``                  ``<bucket key>``           the invalidation that carried a
                                                                        file's last change (the desk)
LiveEntryItem      ``live#<folder>``         ``<time>#<entry id>``      a live blog's entries, newest first
                   ``live-key#<folder>``                                (one Query); its key events
Subscriber         ``subscriber#<hash>``     ``subscriber``             a newsletter reader: state, lists,
                                                                        consent, history
NewsletterIssue    ``issue#<send id>``       ``issue``                  one send: what its batches deliver
Delivery           ``delivery#<send id>``    ``<address hash>``         one reader's copy of one send (once)
Receiving          ``receiving#<newsletter>  ``<address hash>``         a newsletter's active readers, paged
                   #<hex digit>``                                       by a send (no Scan)
ReceivingCount     ``receiving-count#<nl>``  ``<hex digit>``            how many readers (16 items: one Query)
SendListed         ``sends``                 ``<created>#<send id>``    the sends, newest first (one Query)
HeldBatch          ``held#<send id>``        ``<batch id>``             a batch that came while paused
=================  ========================  =========================  ==========================

A category page, an author page or the home page is one Query of its listing
(plus the cached snapshot); an article page is one GetItem (plus the cached
snapshot). Listings are explicit items rather than a GSI because an article
sits in several categories and tags, and a GSI cannot index list elements.
Every key is spelled by ``keys``. The listing sort key starts with the ISO date, so "newest first, nothing in
the future" is a key condition. ``infra/template.yaml`` declares the same
table; tests/unit/test_schema.py keeps the two equal.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar, cast

from pynamodb.attributes import (
    Attribute,
    BinaryAttribute,
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.connection import TableConnection
from pynamodb.constants import NULL, STRING
from pynamodb.exceptions import AttributeDeserializationError, DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib import aws, config, fields, keys

BATCH_GET_KEYS = 100  # DynamoDB's limit per BatchGetItem
_Item = TypeVar("_Item", bound="_TableItem")


def text_list() -> ListAttribute[str]:
    """A list of strings, or none. PynamoDB types ``ListAttribute(of=UnicodeAttribute)`` as a list of
    attributes; what an item holds is a list of ``str``, and this says so in one place."""
    return cast("ListAttribute[str]", ListAttribute(of=UnicodeAttribute, null=True))


def number_list() -> ListAttribute[float]:
    """A list of numbers, or none (as ``text_list``)."""
    return cast("ListAttribute[float]", ListAttribute(of=NumberAttribute, null=True))


_STORAGE: dict[str, Callable[..., Attribute[Any]]] = {
    "text": UnicodeAttribute, "flag": BooleanAttribute, "number": NumberAttribute, "json": JSONAttribute,
    "texts": lambda null: text_list()}


def declared(declared_fields: tuple[fields.Field, ...], where: Callable[[fields.Field], bool] = lambda f: True,
             required_of: str = "") -> dict[str, Attribute[Any]]:
    """The attributes that store the declared fields (``where`` they apply) on an item, each of the
    type its kind keeps (``fields.Kind.storage``): for a model's class body (``vars().update``), so
    a field declared in chalicelib/fields.py is stored with nothing written here. Null, unless the
    field is required of files of ``required_of``; a flag the item keeps false too has its kind's
    empty value as default."""
    out: dict[str, Attribute[Any]] = {}
    for declared_field in declared_fields:
        if not where(declared_field):
            continue
        kind = declared_field.kind
        for name in fields.item_attributes(declared_field):
            if isinstance(kind, fields.Flag) and kind.kept_false:
                out[name] = BooleanAttribute(default=kind.empty)
            elif required_of and required_of in declared_field.required and kind.storage == "text":
                out[name] = UnicodeAttribute()
            else:
                out[name] = _STORAGE[kind.storage](null=True)
    return out


class _TableFromSettings(type):
    """PynamoDB reads ``Meta.table_name`` whenever it needs the table's name (connections, batch
    responses): answer with the settings in force then, not those at class creation."""

    @property
    def table_name(cls) -> str:
        return config.current().table


class _TableItem(Model):
    """Base of every item type: the shared table and its key schema."""

    @classmethod
    def _get_connection(cls) -> TableConnection:
        """PynamoDB's per-model connection (rebuilt when the table name changes), using the one
        DynamoDB client of the settings in force (chalicelib.aws). Each class has its own: PynamoDB
        would otherwise hand a model its base class's connection, whose schema lacks the model's
        index (``Source.desk``)."""
        if "_connection" not in cls.__dict__:
            cls._connection = None
        table = super()._get_connection()
        table.connection._client = aws.dynamodb_connection().client
        return table

    @classmethod
    def get_or_none(cls: type[_Item], pk: str, sk: str, consistent_read: bool = False, **options: Any) -> _Item | None:
        """The item at (pk, sk), or None if there is none (1 GetItem)."""
        try:
            return cls.get(pk, sk, consistent_read=consistent_read, **options)
        except DoesNotExist:
            return None

    @classmethod
    def _instantiate(cls: type[_Item], attribute_values: dict[str, dict[str, Any]]) -> _Item:
        """An item read from DynamoDB, as PynamoDB's own ``_instantiate`` makes it (the defaults, then
        each attribute present and not NULL, deserialized), in one pass over a plan made once per
        class: PynamoDB's version runs the model's constructor, sets the defaults twice and goes
        through each attribute's descriptor, 15 % of a listing page's CPU. Our models have no
        discriminator or map attributes, which its version also handles. tests/unit/test_schema.py
        checks both make the same item from the same data."""
        values: dict[str, Any] = {}
        for name, stored_as, attr_type, deserialize, default in _plan_of(cls):
            raw = attribute_values.get(stored_as)
            if raw and NULL not in raw:
                try:
                    value = raw[attr_type]
                except KeyError:
                    raise AttributeDeserializationError(stored_as, attr_type) from None
                values[name] = value if deserialize is None else deserialize(value)
            elif default is not None:
                values[name] = default() if callable(default) else default
        item = cls.__new__(cls)
        item.attribute_values = values
        return item

    class Meta(metaclass=_TableFromSettings):
        # Region and endpoint are the client's (chalicelib.aws); these only stop PynamoDB
        # from looking them up in its own settings at class creation.
        region = None
        host = None
        billing_mode = "PAY_PER_REQUEST"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


_Plan = list[tuple[str, str, str, Any, Any]]
_plans: dict[type, _Plan] = {}


def _plan_of(model: type[_TableItem]) -> _Plan:
    """How to read each attribute of ``model``: its name, its name in DynamoDB, its type there, its
    deserializer (None where PynamoDB's is the identity: strings, binary) and its default."""
    plan = _plans.get(model)
    if plan is None:
        plan = [(name, attr.attr_name, attr.attr_type, _reader(attr), attr.default)
                for name, attr in model.get_attributes().items()]
        _plans[model] = plan
    return plan


def _reader(attr: Attribute[Any]) -> Callable[[Any], Any] | None:
    if type(attr).deserialize is Attribute.deserialize:
        return None
    if isinstance(attr, ListAttribute) and attr.element_type is UnicodeAttribute:
        return functools.partial(_strings, attr.deserialize)
    return attr.deserialize


def _strings(pynamodbs: Callable[[Any], Any], values: list[dict[str, Any]]) -> list[str | None]:
    """A list of strings (``text_list``) as PynamoDB reads it, without the attribute object it makes
    for each list; anything but strings and NULLs goes to PynamoDB's own, which names the element."""
    try:
        return [None if NULL in value else value[STRING] for value in values]
    except (KeyError, TypeError):
        return cast("list[str | None]", pynamodbs(values))


def _key(pk: str, sk: str) -> dict[str, dict[str, str]]:
    """An item's key as DynamoDB's API writes it."""
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def read(model: type[_Item], pk: str, sk: str) -> _Item | None:
    """The item at (pk, sk), or None if there is none (1 GetItem, eventually consistent), through the
    DynamoDB client itself, as ``get_each`` reads: for readers' pages, where PynamoDB's own ``get``
    costs more than the item (it asks for the consumed capacity, makes a UUID and sends two signals
    a request). Errors are botocore's, as any client call's."""
    data = aws.dynamodb_connection().client.get_item(TableName=model.Meta.table_name, Key=_key(pk, sk))
    raw = data.get("Item")
    return model.from_raw_data(raw) if raw else None


SORT_KEY_TESTS = ("<", "<=", ">", ">=")


def read_range(model: type[_Item], pk: str, test: str, sk: str, limit: int, newest_first: bool = True) -> list[_Item]:
    """At most ``limit`` items of partition ``pk`` whose sort key is ``test`` (one of
    ``SORT_KEY_TESTS``) ``sk``, highest key first (or lowest): one Query through the client itself,
    as ``read``; more only where DynamoDB stops short of ``limit`` at the 1 MB it reads at most.
    PynamoDB's ``query`` builds its condition and two iterators for each: 7 % of a feed's CPU."""
    if test not in SORT_KEY_TESTS:
        raise ValueError(f"a sort key test is one of {SORT_KEY_TESTS}, not {test!r}")
    client = aws.dynamodb_connection().client
    request: dict[str, Any] = {"TableName": model.Meta.table_name, "KeyConditionExpression": f"pk = :pk AND sk {test} :sk",
                               "ExpressionAttributeValues": {":pk": {"S": pk}, ":sk": {"S": sk}},
                               "ScanIndexForward": not newest_first}
    items: list[_Item] = []
    while len(items) < limit:
        data = client.query(**request, Limit=limit - len(items))
        items += [model.from_raw_data(raw) for raw in data.get("Items", ())]
        if "LastEvaluatedKey" not in data:
            break
        request["ExclusiveStartKey"] = data["LastEvaluatedKey"]
    return items


def get_each(wanted: dict[tuple[str, str], type[_TableItem]],
             consistent_read: bool = False) -> dict[tuple[str, str], Any]:
    """Items of several kinds (``wanted``: key -> model), by key, in one BatchGetItem per 100 keys
    (DynamoDB's limit); those that do not exist are left out. Keys DynamoDB leaves unprocessed
    (throttling) are asked for again, as PynamoDB's own ``batch_get`` does."""
    found: dict[tuple[str, str], Any] = {}
    waiting = [_key(pk, sk) for pk, sk in wanted]
    while waiting:
        keys_to_get, waiting = waiting[:BATCH_GET_KEYS], waiting[BATCH_GET_KEYS:]
        # PynamoDB types the keys as strings; its connection sends them as DynamoDB keys, as here.
        data = _TableItem._get_connection().batch_get_item(keys_to_get, consistent_read=consistent_read)  # type: ignore[arg-type]
        table = config.current().table
        for raw in data.get("Responses", {}).get(table, []):
            key = (raw["pk"]["S"], raw["sk"]["S"])
            found[key] = wanted[key].from_raw_data(raw)
        waiting += data.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
    return found


class Post(_TableItem):
    """An article, a static page, or a redirect from an old URL to one."""

    kind = UnicodeAttribute()  # "article", "page" or "redirect"
    slug = UnicodeAttribute()
    # The front matter's fields, each stored as chalicelib/fields.py declares it (ARTICLE): the
    # attributes are made from the declaration. Those code reads by name are typed here, as PynamoDB
    # types its attributes (null or not); tests/unit/test_fields.py checks them against the declaration.
    vars().update(declared(fields.ARTICLE))
    title: str
    date: str  # ISO 8601 UTC, "2022-07-12T00:00:00Z"
    updated: str
    author: str  # author slug
    author_name: str  # as written in front matter
    categories: list[str]  # slugs, primary first
    tags: Any  # [[slug, name], ...]
    summary: str
    image: str
    image_alt: str  # the featured image described
    draft: bool
    aliases: list[str]
    corrections: Any  # [{"date", "note"}, ...]: public corrections, oldest first
    password_hash: str  # protected: "pbkdf2_sha256$<iterations>$<salt>$<hash>" (chalicelib/protected.py)
    sticky: bool  # front matter ``sticky: true``: on top of the home page
    comments_open: bool  # front matter ``comments: false`` closes them
    live: bool  # a live blog: its entries are items of their own (LiveEntryItem)
    live_ended: str  # ISO 8601 UTC: when the live blog ended (it stays as an archive)
    parent: str  # a page's parent page (its slug)
    # What ingest adds:
    body_html = UnicodeAttribute(null=True)  # one of body_html, body_gz, body_ref: see bodies.py
    body_gz = BinaryAttribute(null=True, legacy_encoding=False)
    body_ref = UnicodeAttribute(null=True)
    xrefs = JSONAttribute(null=True)  # {slug: {"title", "date"} or None} for each <!--xref:slug--> marker
    related = JSONAttribute(null=True)  # [{"slug", "title", "date"}, ...] candidates, newest first
    redirect_to = UnicodeAttribute(null=True)  # kind == "redirect": the slug it points to
    image_size = number_list()  # [width, height] of a /media/ image
    image_set = JSONAttribute(null=True)  # the featured image's sizes (chalicelib/content/images.py: picture_set)
    media = text_list()  # the media/ keys of the images it shows
    warned = BooleanAttribute(null=True)  # published with warnings (no alt text...): its file has a report
    search_keys = JSONAttribute(null=True)  # [[term, sk], ...] of its SearchTerm items
    source_key = UnicodeAttribute(null=True)
    source_etag = UnicodeAttribute(null=True)
    source_version = UnicodeAttribute(null=True)  # the S3 version published: what its preview link names
    comment_count = NumberAttribute(default=0)  # approved comments; changed only by atomic ADDs (publish/moderation.py)

    key_for = staticmethod(keys.post)  # the (pk, sk) of the post served at /<path>/


class LiveEntryItem(_TableItem):
    """One entry of a live blog (chalicelib/publish/live.py): its rendered text and what the page shows
    with it. The same item is kept under the key events' partition while it is pinned."""

    vars().update(declared(fields.ENTRY, lambda f: f.name != "deleted"))
    time: str  # ISO 8601 UTC
    author: str  # author slug
    author_name: str
    pinned: bool
    correction: str
    entry_id = UnicodeAttribute()  # the file's name: the entry's anchor (#entry-<id>)
    html = UnicodeAttribute()  # rendered and sanitized at ingest, as a body
    edited = UnicodeAttribute(null=True)  # ISO 8601 UTC: when a later version of its file was applied
    source_key = UnicodeAttribute()
    source_etag = UnicodeAttribute(null=True)


class Listing(_TableItem):
    """One article's entry in one archive (home, a category, an author...)."""

    slug = UnicodeAttribute()
    # The article's fields its archive entries copy (``listed`` in chalicelib/fields.py), made from the declaration:
    vars().update(declared(fields.ARTICLE, lambda f: f.listed, required_of="article"))
    title: str
    date: str
    summary: str
    author: str
    author_name: str
    categories: list[str]
    image: str
    updated: str  # last modification (the date where there is none), for sitemaps and feeds
    image_set = JSONAttribute(null=True)  # as Post.image_set
    label = UnicodeAttribute(null=True)  # tag listings: the tag's name as written


class SiteSnapshot(_TableItem):
    """Everything every page shows around its content, kept in one item."""

    data = JSONAttribute()
    version = NumberAttribute(default=0)  # rebuilds are conditional on it


class SettingsItem(_TableItem):
    """The site settings as last uploaded."""

    data = JSONAttribute()
    source_key = UnicodeAttribute(null=True)


class AuthorItem(_TableItem):
    """An author: display name and bio (the fields of chalicelib/fields.py's AUTHOR)."""

    vars().update(declared(fields.AUTHOR, required_of="author"))
    name: str
    bio: str
    aliases: list[str]  # old URLs of the archive ("?author=2")
    photo: str  # its file's: a photo in Media (/media/...)
    photo_set = JSONAttribute(null=True)  # that photo's sizes (images.picture_set) and ``alt``, the library's, at ingest
    source_key = UnicodeAttribute(null=True)  # None: known only from bylines


class CategoryItem(_TableItem):
    """A category: name, description, menu order, parent (the fields of chalicelib/fields.py's CATEGORY)."""

    vars().update(declared(fields.CATEGORY, required_of="category"))
    name: str
    description: str
    menu_order: float
    parent: str
    aliases: list[str]  # old URLs of the archive ("?cat=5")
    source_key = UnicodeAttribute(null=True)  # None: known only from articles


class TagItem(_TableItem):
    """A tag that has a file of its own (``tags/<slug>.yaml``): so its archive exists with no posts yet."""

    vars().update(declared(fields.TAG, required_of="tag"))
    name: str
    description: str
    source_key = UnicodeAttribute(null=True)
    moved_to = UnicodeAttribute(null=True)  # in ``tag-aliases`` (sk: an old address): the tag's archive now


TERM_ITEMS: dict[str, type[AuthorItem] | type[CategoryItem] | type[TagItem]] = {
    "author": AuthorItem, "category": CategoryItem, "tag": TagItem}  # by archive kind (chalicelib/archives.py)


class DeskIndex(GlobalSecondaryIndex["Source"]):  # type: ignore[no-untyped-call]  # PynamoDB's __init_subclass__
    """The articles' and pages' files, newest first: the desk's list, read a page at a time.

    Sparse: only a Source that lists an article or page carries ``desk_pk`` (``keys.DESK_PK``), so
    the index holds nothing else; ``desk_sk`` is ``keys.desk_order(date, key)``.
    """

    class Meta:
        index_name = "desk"
        projection = AllProjection()

    desk_pk = UnicodeAttribute(hash_key=True)
    desk_sk = UnicodeAttribute(range_key=True)


class Source(_TableItem):
    """What one file in the bucket currently publishes, for updates and deletes.

    ``revision`` grows by one with every change; writes are conditional on it,
    so two ingests of the same key cannot interleave (the loser re-reads S3 and
    tries again). ``settled`` is false between a change and the end of its
    follow-up work (links, snapshot), so a retry knows to redo that work.
    """

    kind = UnicodeAttribute()
    slug = UnicodeAttribute(null=True)
    etag = UnicodeAttribute(null=True)
    sequencer = UnicodeAttribute(null=True)  # of the newest S3 event applied (AWS only)
    status = UnicodeAttribute()  # "published", "invalid" or "removed"; a tombstone (keys.unpublished): "unpublished"
    problems = text_list()
    refused_etag = UnicodeAttribute(null=True)  # the version ``problems`` are about (newsroom publish waits for it)
    redirects = text_list()  # redirect paths this file created
    revision = NumberAttribute(default=0)
    settled = BooleanAttribute(default=True)
    # An article's or page's, for the desk's list (one Query shows every file with its state):
    title = UnicodeAttribute(null=True)
    date = UnicodeAttribute(null=True)  # as Post.date: a future one is scheduled
    draft = BooleanAttribute(null=True)
    author = UnicodeAttribute(null=True)
    categories = text_list()
    parent = UnicodeAttribute(null=True)  # a page's parent page (its slug): the desk's list and the parent's page
    desk_pk = UnicodeAttribute(null=True)  # set on articles' and pages' files: the desk index
    desk_sk = UnicodeAttribute(null=True)
    saved_by = UnicodeAttribute(null=True)  # a draft's or submission's: who saved it (the upload's ``uploaded-by``)
    saved_at = UnicodeAttribute(null=True)  # ... and when (ISO, UTC); a tombstone's: when it was unpublished
    desk = DeskIndex()


class Ref(_TableItem):
    """Article ``sk`` shows a link to article ``pk`` (cross-link or related post)."""


class SearchTerm(_TableItem):
    """Article ``slug`` contains term ``pk`` with the score encoded in ``sk`` (see search.py)."""

    slug = UnicodeAttribute()
    title = UnicodeAttribute()
    date = UnicodeAttribute()
    summary = UnicodeAttribute(null=True)


class Month(_TableItem):
    """A month that has had published articles (``sk`` = "2022-07"), for the sitemap index."""

    lastmod = UnicodeAttribute(null=True)
    articles = NumberAttribute(null=True)  # listed now; changed only inside the publishing transactions


class Claim(_TableItem):
    """File ``sk`` wants slug ``pk`` but another file has it; retried when it is freed."""


class Comment(_TableItem):
    """A reader's comment (chalicelib/site/comments.py).

    Where it lives says what state it is in: pending in ``comments-pending``
    (sk: its id), approved in ``comments#<article slug>`` (sk: its id, or
    ``<parent id>#<id>`` for a reply, so one Query returns threads in order),
    in the Trash (``comments-rejected``) or Spam (``comments-spam``) until ``expires``; each approved one is
    also listed, newest first, in ``comments-approved`` (its id, slug and parent only).
    """

    id = UnicodeAttribute()  # "20240501T120000Z-1a2b3c4d": sorts by time
    slug = UnicodeAttribute()  # the article's
    parent = UnicodeAttribute(null=True)  # the thread's top comment (its sort key groups the thread)
    reply_to = UnicodeAttribute(null=True)  # the reply this one answers, deeper in the thread (None: the top)
    level = NumberAttribute(null=True)  # 1 for a top comment, 2 for a reply to it...; None: 1 or 2 as above
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)  # for the editors only, never shown
    text = UnicodeAttribute()  # as written (plain text)
    html = UnicodeAttribute()  # escaped, paragraphs, links made clickable: rendered once, when posted
    created = UnicodeAttribute()  # ISO 8601 UTC
    client = UnicodeAttribute(null=True)  # keyed hash of the poster's address (spotting floods; no raw IPs)
    status = UnicodeAttribute()  # "pending", "approved", "spam" or "rejected" (in the Trash)
    expires = NumberAttribute(null=True)  # epoch seconds: DynamoDB's TTL deletes trashed and spam comments
    was = UnicodeAttribute(null=True)  # in the Trash or Spam: where it was before ("pending" or "approved")
    held = UnicodeAttribute(null=True)  # pending: "spam" when its address or e-mail was marked spam before
    edited = UnicodeAttribute(null=True)  # ISO 8601 UTC: when an editor last changed its text
    staff = BooleanAttribute(null=True)  # written from the desk, as the site


class MediaItem(_TableItem):
    """An image under media/ (``sk``: its bucket key) and the sizes the images function made of it."""

    status = UnicodeAttribute()  # "ready" or "invalid"
    etag = UnicodeAttribute(null=True)  # of the original the sizes were made from
    sequencer = UnicodeAttribute(null=True)  # of the newest S3 event applied (AWS only)
    width = NumberAttribute(null=True)  # as shown (orientation applied)
    height = NumberAttribute(null=True)
    format = UnicodeAttribute(null=True)  # JPEG, PNG, GIF, WEBP, HEIF, AVIF
    bytes = NumberAttribute(null=True)  # the original's
    digest = UnicodeAttribute(null=True)  # in the derivatives' names
    derivatives = JSONAttribute(null=True)  # [[key, width, height, mime, bytes], ...]
    problems = text_list()  # status "invalid": why
    made = UnicodeAttribute(null=True)  # ISO 8601 UTC
    alt = UnicodeAttribute(null=True)  # alt text: given at upload or in the library (object metadata ``alt``, percent-encoded)
    caption = UnicodeAttribute(null=True)  # object metadata ``caption``: shown under the photo where the article gives none
    credit = UnicodeAttribute(null=True)  # object metadata ``credit``: after the caption, as <small class="credit">
    focus = UnicodeAttribute(null=True)  # object metadata ``focus``: the part a crop keeps (images.FOCAL_POINTS)


class MediaUse(_TableItem):
    """Article file ``sk`` showed image ``pk`` when it was last rendered (it may since have stopped:
    its Post's ``media`` says what it shows now)."""


class RateLimit(_TableItem):
    """One counted key's recent events (pk ``ratelimit#<key hash>``): chalicelib/ratelimit.py."""

    expires = NumberAttribute()  # epoch seconds: DynamoDB's TTL removes a key quiet for a window
    times = number_list()  # a sliding log (chalicelib/ratelimit.py): when its last events were
    version = NumberAttribute(null=True)  # the sliding log's and the back-off's writes are conditional on it
    failures = NumberAttribute(null=True)  # a back-off: failures in a row
    not_before = NumberAttribute(null=True)  # a back-off: epoch seconds before which no attempt is checked


class Sessions(_TableItem):
    """A desk user's ended sessions (pk ``session#<sub>``): chalicelib/desk/session.py."""

    ended = JSONAttribute(null=True)  # {session id (origin_jti): when its ID token expires, epoch seconds}
    valid_after = NumberAttribute(null=True)  # epoch seconds: a session signed in before it is over
    version = NumberAttribute(null=True)  # writes are conditional on it
    expires = NumberAttribute()  # epoch seconds: DynamoDB's TTL removes the item when nothing in it matters


class SignedIn(_TableItem):
    """When a desk user last signed in (pk ``session#<sub>``, written by the web function at sign-in):
    Cognito keeps no such date without its advanced security features (chalicelib/desk/people.py)."""

    at = NumberAttribute()  # epoch seconds


class PeopleChange(_TableItem):
    """One change an admin made to someone's account on the People screen (pk ``people-log``): kept."""

    who = UnicodeAttribute()  # the admin's e-mail address
    whom = UnicodeAttribute()  # the account's e-mail address
    what = UnicodeAttribute()  # "invited as editor", "made an admin", "disabled"...


class Profile(_TableItem):
    """A desk user's author profile (pk ``people``, sk their sub), which they edit themselves; made at
    their first sign-in from the pool's name for them (chalicelib/desk/profile.py)."""

    name = UnicodeAttribute()  # as their byline names them (their author file's name, once they saved it)
    email = UnicodeAttribute()
    author = UnicodeAttribute(null=True)  # the author slug they sign as, fixed at their first sign-in
    version = NumberAttribute(default=0)  # counts their saves


class EdgeClearing(_TableItem):
    """The CloudFront invalidation that carried the last change of file ``sk`` (chalicelib/publish/edge.py);
    the desk asks CloudFront whether it has completed."""

    sent = UnicodeAttribute()  # ISO 8601 UTC, when ingest sent it (or found it had nothing to send)
    state = UnicodeAttribute()  # "sent", "failed" (CloudFront refused or did not answer), "nothing" (no page changed)
    distribution = UnicodeAttribute(null=True)
    invalidation = UnicodeAttribute(null=True)  # its id, when sent
    expires = NumberAttribute()  # epoch seconds: DynamoDB's TTL removes it after a week


class Subscriber(_TableItem):
    """A newsletter subscriber (pk ``subscriber#<address hash>``): chalicelib/newsletters/subscribers.py."""

    email = UnicodeAttribute()
    state = UnicodeAttribute()  # pending, active, unsubscribed, bounced, complained
    newsletters = text_list()  # the newsletters they get (while active)
    requested = text_list()  # the newsletters their last sign-up asked for, until confirmed
    nonce = UnicodeAttribute(null=True)  # the last confirmation link's: only that link confirms
    confirmation_sent = NumberAttribute(null=True)  # epoch seconds of the last confirmation e-mail
    consent = JSONAttribute(null=True)  # {at, form, wording, source, confirmed}: what they agreed to, and where
    history = JSONAttribute(null=True)  # [{at, change, ...}], every change, oldest first
    version = NumberAttribute(null=True)  # every write is conditional on it
    indexed = text_list()  # the newsletters it has a Receiving item of (written with it: subscribers.saved)


class Receiving(_TableItem):
    """An active reader of a newsletter (pk ``receiving#<newsletter>#<shard>``, sk the address hash):
    the index a send pages through, written in the transaction that saves the subscriber."""


class ReceivingCount(_TableItem):
    """How many readers one shard of a newsletter has (pk ``receiving-count#<newsletter>``, sk the shard)."""

    readers = NumberAttribute(default=0)


class NewsletterIssue(_TableItem):
    """One send of a newsletter (pk ``issue#<send id>``): what every batch of its fan-out delivers,
    where the fan-out is, and what happened (counters added to atomically)."""

    newsletter = UnicodeAttribute()
    subject = UnicodeAttribute()
    content = JSONAttribute()  # {site_name, text, html, site_url}: rendered once, the unsubscribe link per reader
    recipients = NumberAttribute()  # the readers counted when it started
    created = UnicodeAttribute()
    started_by = UnicodeAttribute(null=True)
    state = UnicodeAttribute(default="sending")  # scheduled, sending, paused, cancelled, done
    changed_by = JSONAttribute(null=True)  # [{at, who, change}]: pauses, resumes, a cancel
    # The plan (sending.py): the cursor the next plan step starts after ("" first, "~" when every
    # reader is in a batch), the step that took it, whether that step queued its batches.
    plan_cursor = UnicodeAttribute(default="")
    plan_step = UnicodeAttribute(null=True)
    plan_queued = BooleanAttribute(default=True)
    planned = NumberAttribute(default=0)  # readers put in batches
    # Sent and skipped: added by each batch as it ends (the progress shown while sending), then set from
    # the readers' copies when the send is done (sending.py: a killed batch's additions are lost).
    processed = NumberAttribute(default=0)  # readers sent or skipped
    sent = NumberAttribute(default=0)
    skipped = NumberAttribute(default=0)  # no longer receiving when their batch came
    found = NumberAttribute(default=0)  # copies a batch found taken already (a redelivery's, a duplicate's)
    recheck_at = NumberAttribute(null=True)  # processed + found a count of the copies waits for again
    delivered = NumberAttribute(default=0)
    bounced = NumberAttribute(default=0)
    complained = NumberAttribute(default=0)
    unsubscribed = NumberAttribute(default=0)


class SendListed(_TableItem):
    """A send in the list of sends (pk ``sends``, sk ``<created>#<send id>``): the desk's newest first."""

    send_id = UnicodeAttribute()


class HeldBatch(_TableItem):
    """A batch that came while its send was paused (pk ``held#<send id>``): queued again on resume."""

    body = UnicodeAttribute()


class Delivery(_TableItem):
    """One reader's copy of one send (pk ``delivery#<send id>``, sk the address hash): claimed before SES
    is asked, sent after; the conditional claim is what makes each reader get each send once, and the
    copies are what the send's final counts are read from."""

    state = UnicodeAttribute()  # "claimed" (SES being asked), "sent", "skipped" (no longer receiving)
    claimed = NumberAttribute()  # epoch seconds: a claim older than the lease was a crash, and is taken over
    message_id = UnicodeAttribute(null=True)  # SES's, once sent (by the sender, or by SES's Send event)
    # When SES's events about it came (chalicelib/newsletters/events.py): each counts on the send once.
    delivered_at = NumberAttribute(null=True)
    bounced_at = NumberAttribute(null=True)
    complained_at = NumberAttribute(null=True)
    unsubscribed_at = NumberAttribute(null=True)


ALL_MODELS = (Post, Listing, SiteSnapshot, SettingsItem, AuthorItem, CategoryItem, TagItem, Source, Ref, Claim,
              SearchTerm, Month, Comment, RateLimit, Sessions, MediaItem, MediaUse, EdgeClearing,
              SignedIn, PeopleChange, Profile, LiveEntryItem,
              Subscriber, NewsletterIssue, Delivery, Receiving, ReceivingCount, SendListed, HeldBatch)


def _read(attribute: Any, instance: Any, owner: Any) -> Any:
    """How each attribute of the models above is read (``_read_directly``): one dict lookup.
    PynamoDB's descriptor makes three calls and a type check for each read (it also serves map
    attributes, which these models do not have), and a listing page's template reads each entry's
    attributes several times: 5 % of its CPU, 13 % of search's. The value is the same
    (tests/unit/test_schema.py compares them)."""
    if instance is None:
        return attribute  # on the class: the attribute itself (conditions, schema)
    return instance.attribute_values.get(attribute.attr_path[-1])


def _read_directly(model: type[_TableItem]) -> None:
    """Give each attribute of ``model`` the read of ``_read``: its class becomes a subclass of its
    own class with that ``__get__``, so every other PynamoDB behaviour is as it was."""
    for name, attribute in model.get_attributes().items():
        kind = type(attribute)
        if kind.__get__ is _read:
            continue
        if attribute.attr_name != name:  # a DynamoDB name of its own: PynamoDB's read maps it
            raise TypeError(f"{model.__name__}.{name} is stored as {attribute.attr_name}")
        attribute.__class__ = _direct.setdefault(kind, type(kind.__name__, (kind,), {"__get__": _read}))


_direct: dict[type, type] = {}
for _model in ALL_MODELS:
    _read_directly(_model)
