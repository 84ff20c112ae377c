"""The desk's Articles and Pages lists: one row per article, its state in words, the status tabs with
their counts, filters by name, a month, and search over titles and bodies.

What flows in: the desk index (``models.DeskIndex``), which lists every article's and page's file:
the live file, its draft (``drafts/``), its submission (``submissions/``) and, once it is taken
down, its tombstone (``keys.UNPUBLISHED_PK``: what it was, so the list still shows it). What flows
out: ``Listing``, a page of ``Row``s and the counts of each tab, for ``templates/desk/articles.html``.

One row per article: a draft or a submission of an article is shown on that article's row ("Live ·
changes in draft by NAME, 10:42"), never as a row of its own; a tombstone whose article is live
again is not shown. The rows are grouped from one read of the index (its small projection: no
body, no HTML), so the grouping, the tabs' counts and every filter are exact whatever the page;
``bench/desk_list.py`` measures that read at 10,000 articles.

Search reuses the site's term index (``content.search``, written at ingest from each published
article's title, summary and body) and does not read the whole index: the articles the term index
names for every word (``MAX_TERM_HITS`` best a term), read by key, and the files it does not hold
(drafts, submissions, refused, unpublished: few), read with a filter DynamoDB applies; a word matches
by its stem there, or as part of the title. The tabs' counts are then the search's.

Dates are shown in the editor's zone: the browser's (``zones.ZONE_COOKIE``, set by ``desk.js``), else UTC,
and the month filter's months are that zone's months.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Iterable

from chalicelib import clock, config, keys
from chalicelib.bucket import live_key
from chalicelib.content import search as search_terms
from chalicelib.content.content_format import normalize_slug
from chalicelib.desk.identity import Identity
from chalicelib.models import SearchTerm, Source

PAGE_SIZE = 50
MAX_TERM_HITS = 2000  # a query term's best articles read from the term index (one or two Query pages)
TABS = (("", "All"), ("mine", "Mine"), ("live", "Live"), ("scheduled", "Scheduled"), ("draft", "Drafts"),
        ("in review", "In review"), ("unpublished", "Unpublished"), ("refused", "Refused"))
_SHOWN = ("pk", "sk", "kind", "status", "etag", "refused_etag", "title", "slug", "date", "draft", "author", "categories",
          "problems", "parent", "desk_sk", "saved_by", "saved_at")


@dataclass(frozen=True)
class Pending:
    """A draft or submission of an article that is live (or was): shown on its row."""

    key: str
    state: str  # "draft" or "in review"
    by: str  # who saved it ("" if not known)
    at: str  # when (ISO, UTC)


@dataclass(frozen=True)
class Row:
    """One article or page, as the list shows it."""

    key: str  # the file the row opens: the live file, or the draft or submission when that is all there is
    title: str
    slug: str
    state: str  # "live", "scheduled", "draft", "in review", "unpublished", "refused"
    date: str | None
    author: str | None  # the author's slug
    categories: tuple[str, ...]
    problems: tuple[str, ...] = ()
    pending: tuple[Pending, ...] = ()
    order: str = ""  # where it sorts, newest first (the index's key)
    etag: str = ""  # the version of ``key`` the list shows (a bulk action's writes are conditional on it)
    parent: str = ""  # a page's parent page (its slug)
    depth: int = 0  # how far under another row of the list it is shown (``nested``)
    others: tuple[tuple[str, str], ...] = ()  # its other files (draft, submission) and the version of each shown

    @property
    def ticked(self) -> str:
        """What its box sends when ticked: each of its files with the version the list shows
        (``key|etag``, then ``|key=etag`` a draft or submission), so a bulk action is conditional on them."""
        return "|".join([self.key, self.etag, *(f"{key}={etag}" for key, etag in self.others)])


@dataclass
class Listing:
    """One page of a list, the counts of each tab, and the cursor of the next page ("" at the end)."""

    rows: list[Row]
    counts: dict[str, int]
    older: str
    months: list[tuple[str, str]] = field(default_factory=list)  # ("2026-12", "December 2026"), newest first


def state_of(source: Source, now: str) -> str:
    """What state one file is in, in the list's words (``Row.state``)."""
    if source.status == "invalid":
        return "refused"
    if source.status == "unpublished":
        return "unpublished"
    if source.sk.startswith(config.SUBMISSIONS_PREFIX):
        return "draft" if source.draft else "in review"  # a contributor's work saved, not yet sent
    if source.sk.startswith(config.DRAFTS_PREFIX) or source.draft:
        return "draft"
    if source.date and source.date > now:
        return "scheduled"
    return "live"


def author_of(who: Identity) -> str:
    """The author slug the signed-in person writes as: the byline the editor gives them by default."""
    return normalize_slug(who.name)


def month_of(date: str | None, zone: dt.tzinfo) -> str:
    """The month ("2026-12") of an ISO date in ``zone``; "" if there is none."""
    if not date:
        return ""
    try:
        return _parsed(date).astimezone(zone).strftime("%Y-%m")
    except ValueError:
        return ""


def read_index(kind: str) -> list[Source]:
    """Every file the desk index lists for ``kind`` ("article" or "page"), newest first, without
    their bodies (a projection of what the list shows)."""
    return list(Source.desk.query(keys.desk_pk(kind), scan_index_forward=False, attributes_to_get=list(_SHOWN)))


def rows_of(sources: Iterable[Source], now: str) -> list[Row]:
    """One row per article, newest first: drafts and submissions on their article's row."""
    by_article: dict[str, list[Source]] = defaultdict(list)
    order: list[str] = []
    for source in sources:
        article = live_key(source.sk)
        if article not in by_article:
            order.append(article)
        by_article[article].append(source)
    return [_row(article, by_article[article], now) for article in order]


def _row(article: str, files: list[Source], now: str) -> Row:
    live = next((f for f in files if f.sk == article and f.status != "unpublished"), None)
    gone = next((f for f in files if f.status == "unpublished"), None)
    pending = [f for f in files if f.sk != article and f.status != "unpublished"]
    main = live or gone or pending[0]
    others = tuple(Pending(f.sk, state_of(f, now), f.saved_by or "", f.saved_at or "")
                   for f in pending if f is not main and state_of(f, now) != "refused")
    refused = [p for f in pending if state_of(f, now) == "refused" and f is not main for p in (f.problems or [])]
    return Row(key=main.sk if main is not gone else article, title=main.title or main.slug or article,
               slug=main.slug or "", state=state_of(main, now), date=main.date, author=main.author,
               categories=tuple(main.categories or ()), problems=tuple(main.problems or ()) + tuple(refused),
               pending=others, order=main.desk_sk or "", etag=version_of(main) if main is not gone else "",
               parent=main.parent or "",
               others=tuple((f.sk, version_of(f)) for f in pending if f is not main))


def version_of(source: Source) -> str:
    """The version of a file as ingest last saw it: the one it refused, if a newer one was refused."""
    return (source.refused_etag if source.problems and source.refused_etag else source.etag) or ""


def nested(rows: list[Row]) -> list[Row]:
    """Pages as WordPress's Pages screen lists them: each under its parent, indented (``depth``), when
    the parent is on the same screen; the others in their order."""
    by_slug = {row.slug: row for row in rows if row.slug}
    children: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.parent in by_slug and row.parent != row.slug:
            children[row.parent].append(row)
    shown: list[Row] = []
    placed: set[str] = set()

    def place(row: Row, depth: int) -> None:
        if row.key in placed:
            return  # a loop in files not yet refused: each row once
        placed.add(row.key)
        shown.append(replace(row, depth=depth))
        for child in children.get(row.slug, []):
            place(child, depth + 1)

    for row in rows:
        if row.parent not in by_slug or row.parent == row.slug:
            place(row, 0)
    for row in rows:
        place(row, 0)
    return shown


def parent_choices(kind: str = "page") -> list[tuple[str, str]]:
    """The published pages a page may name as its parent: (slug, title), by title."""
    found = {s.slug: s.title or s.slug for s in read_index(kind) if s.status == "published" and s.slug
             and s.sk.startswith(config.PAGES_PREFIX)}
    return sorted(((slug, title or slug) for slug, title in found.items()), key=lambda c: c[1].lower())


def listing(who: Identity, kind: str = "article", tab: str = "", query: str = "", category: str = "",
            author: str = "", month: str = "", after: str = "", zone: dt.tzinfo | None = None) -> Listing:
    """The page of ``kind``'s list after the cursor ``after`` (a row's ``order``), for ``tab`` (one of
    ``TABS``), filtered; the tabs' counts are of the rows the other filters leave."""
    zone = zone or dt.timezone.utc
    now = clock.now_iso()
    if query.strip():
        hits = _term_hits(query)
        rows = _searched(rows_of(_found_by_search(kind, query, hits), now), query, hits)
    else:
        rows = rows_of(read_index(kind), now)
    months = sorted({m for m in (month_of(r.date, zone) for r in rows) if m}, reverse=True)
    chosen = [r for r in rows if _matches(r, category, author, month, zone)]
    mine = author_of(who)
    counts = {name: 0 for name, _ in TABS}
    for row in chosen:
        counts[""] += 1
        counts[row.state] = counts.get(row.state, 0) + 1
        counts["mine"] += row.author == mine
        for other in row.pending:  # a live article with changes in review is in In review too
            if other.state != row.state:
                counts[other.state] = counts.get(other.state, 0) + 1
    shown = [r for r in chosen if _in_tab(r, tab, mine)]
    if after:
        shown = [r for r in shown if r.order < after]
    page = shown[:PAGE_SIZE]
    older = page[-1].order if len(shown) > PAGE_SIZE else ""
    return Listing(page, counts, older, [(m, _month_name(m)) for m in months])


def _in_tab(row: Row, tab: str, mine: str) -> bool:
    if tab == "":
        return True
    if tab == "mine":
        return row.author == mine
    return row.state == tab or any(p.state == tab for p in row.pending)


def _matches(row: Row, category: str, author: str, month: str, zone: dt.tzinfo) -> bool:
    return ((not category or normalize_slug(category) in row.categories)
            and (not author or row.author == normalize_slug(author))
            and (not month or month_of(row.date, zone) == month))


def _term_hits(query: str) -> dict[str, set[str]]:
    """Each term of ``query`` (``search.query_terms``) and the slugs of its best ``MAX_TERM_HITS``
    articles in the site's term index: at most ``search.MAX_QUERY_TERMS`` Queries."""
    return {term: {item.slug for item in SearchTerm.query(keys.term_pk(term), limit=MAX_TERM_HITS,
                                                             attributes_to_get=["pk", "sk", "slug"])}
            for term in search_terms.query_terms(query)}


def _found_by_search(kind: str, query: str, hits: dict[str, set[str]]) -> list[Source]:
    """The files a search can match, newest first, without reading the whole index: the live files of
    the articles the term index names for every word it indexes (read by key), and the files the term
    index does not hold (drafts, submissions, refused and unpublished ones: few, read with a filter)."""
    from chalicelib.models import Post

    stems = [set(search_terms.words(w)) for w in query.lower().split() if w not in search_terms.STOPWORDS]
    wanted: set[str] | None = None
    for word_stems in stems:
        if word_stems:
            slugs = set.intersection(*(hits.get(stem, set()) for stem in word_stems))
            wanted = slugs if wanted is None else wanted & slugs
    files: list[tuple[str, str]] = []
    if wanted:
        prefix = "pages/" if kind == "page" else "articles/"
        posts = Post.batch_get([keys.post(slug) for slug in sorted(wanted)], attributes_to_get=["pk", "sk", "source_key"])
        for post in posts:
            if post.source_key and post.source_key.startswith(prefix):
                files.append(keys.source(post.source_key))  # its draft and submission: in the filtered Query
    found = {(s.pk, s.sk): s for s in Source.batch_get(files, attributes_to_get=list(_SHOWN))} if files else {}
    not_indexed = ((Source.status != "published") | Source.sk.startswith(config.DRAFTS_PREFIX)
                   | Source.sk.startswith(config.SUBMISSIONS_PREFIX) | (Source.draft == True))  # noqa: E712
    for source in Source.desk.query(keys.desk_pk(kind), filter_condition=not_indexed, attributes_to_get=list(_SHOWN)):
        found.setdefault((source.pk, source.sk), source)
    return sorted(found.values(), key=lambda s: s.desk_sk or "", reverse=True)


def _searched(rows: list[Row], query: str, hits: dict[str, set[str]]) -> list[Row]:
    """The rows where each word of ``query`` is in the article's indexed text (its stem among the
    article's terms in the site's term index) or in its title. A stopword is ignored; a word the index
    leaves out (a single digit) must be in the title."""
    def holds(row: Row, word: str) -> bool:
        if word in f"{row.title} {row.slug}".lower():
            return True
        stems = search_terms.words(word)
        return bool(stems) and all(stem in hits and row.slug in hits[stem] for stem in stems)

    words = [w for w in query.lower().split() if w not in search_terms.STOPWORDS]
    return [r for r in rows if all(holds(r, w) for w in words)]


def _month_name(month: str) -> str:
    return dt.datetime.strptime(month + "-01", "%Y-%m-%d").strftime("%B %Y")


def shown_at(date: str | None, zone: dt.tzinfo) -> str:
    """An ISO date as the list says it, in ``zone``: "7 Dec 2026, 10:42"."""
    if not date:
        return ""
    try:
        moment = _parsed(date).astimezone(zone)
    except ValueError:
        return date
    return f"{moment.day} {moment:%b %Y, %H:%M}"


def _parsed(date: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(date)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
