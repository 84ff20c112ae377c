"""Render readers' HTML pages: data from ``store`` in, responses out.

Each ``render_*`` function takes the Chalice request, makes the page's
DynamoDB reads through ``store`` (one per page when the site snapshot is
warm; the page names its extra reads where it has any), computes the page's
ETag from that data, and only when the client does not already have that
version (``web.respond``) builds the page's view model (``views``: the chrome
and the page, typed) and renders one template with it. Autoescape is on for every
template; the only HTML marked safe is article bodies, sanitized at ingest.

A page whose reads fail in AWS (throttling, a timeout, an error, no
endpoint at all) answers the site's own 503 page, never a traceback or
Chalice's JSON: ``web.when_aws_fails`` wraps every route in ``app.py``. Against
a local stand-in that is not running, it says in one line what to start.

Scheduled articles are hidden by comparing dates with the clock, so a future
``date`` goes live on time with no job and no redeploy: archive Queries
exclude the future in their key condition, and the article page, related
posts and recent posts compare at render time.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import unquote

from chalice.app import Response
from markupsafe import Markup

from chalicelib import archives, bodies, config, keys, old_urls, preview
from chalicelib.clock import now_iso
from chalicelib.live_blog import fragment_path
from chalicelib.models import Post, Source
from chalicelib.site import comment_rules, comments, live, paging, store, templating, views, web
from chalicelib.site.views import Crumb, Head, PageChrome
from chalicelib.site.web import Site
from chalicelib.snapshot import Link, Snapshot

log = logging.getLogger("newsroom.pages")

_XREF_MARKER = re.compile(r"<!--xref:([a-z0-9-]+)-->")
_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^(0[1-9]|1[0-2])$")
MONTHS = templating.MONTHS


def render_template(template: str, chrome: PageChrome, page: Any) -> str:
    """A page's template rendered with its chrome and its view model (``views``), and nothing else."""
    return templating.environment().get_template(template).render(chrome=chrome, page=page)


def chrome(site: Site, snapshot: Snapshot, now: str, scripts: bool = True) -> PageChrome:
    """What every page shows around its content: header, menu, widgets, footer (``scripts``: with our
    one script, which the desk's preview frame does not run). The same snapshot, address and recent
    posts make the same chrome: a warm function makes it once and hands it to page after page."""
    recent = tuple(snapshot.visible_recent(now))
    key = (id(snapshot), site.base, site.origin, scripts, recent)
    made = _chromes.get(key)
    if made is None or made.site is not snapshot.settings:  # (an id is reused once its snapshot is gone)
        if len(_chromes) >= 32:
            _chromes.clear()
        made = _chromes[key] = PageChrome(
            site=snapshot.settings, base=site.base,
            stylesheet=site.link(f"/static/style.{web.code_version()}.css"),
            recent_script=site.link(f"/static/recent.{web.code_version()}.js") if scripts else None,
            recent_fragment=site.link(archives.RECENT_PATH),
            menu=tuple([Link(item.title, _local(site, item.url)) for item in snapshot.menu]),
            footer=tuple([Link(item.title, _local(site, item.url)) for item in snapshot.footer]),
            categories=snapshot.categories, recent=recent,
            category_names={c.slug: c.name for c in snapshot.categories}, author_names=snapshot.authors,
            home_url=site.url("/"))
    return made


_chromes: dict[tuple[Any, ...], PageChrome] = {}


def _local(site: Site, url: str) -> str:
    return site.base + url if url.startswith("/") else url


def snapshot_version(snapshot: Snapshot) -> str:
    """When the site snapshot was built: part of every page's ETag."""
    return snapshot.built_at


# --- archives ---------------------------------------------------------------------

def render_home(request: Any) -> Response:
    """The front page: newest articles, paged."""
    site = web.site_of(request)
    if site.query.get("s") is not None:
        return render_search(request, site.query.get("s", ""))
    if (alias := old_urls.id_alias(site.query)) is not None:  # WordPress's /?p=123: the import's alias
        if alias.startswith(("?cat=", "?author=")):  # a category's or author's: in the snapshot
            target = store.site().term_aliases.get(alias)
            return web.redirect(site.link(target)) if target else render_not_found(None, store.site(), site)
        candidates = old_urls.id_candidates(alias)
        post = store.post_at(alias) if len(candidates) == 1 else store.first_post_at(candidates)
        if post is not None and post.kind == "redirect" and post.redirect_to:
            return web.redirect(site.link(f"/{post.redirect_to}/"))
        return render_not_found(None, store.site(), site)
    if (target := old_urls.query_redirect(site.query)) is not None:
        return web.redirect(site.link(target))
    snapshot = store.site()
    settings = snapshot.settings
    return _archive(site, snapshot, keys.HOME, canonical="/", heading=None, title=None,
                    description=settings.tagline or settings.site_name, feed="/feed/", pinned=True)


def render_archive(request: Any, kind_name: str, slug: str) -> Response:
    """The archive of a category, tag or author (``archives.ARCHIVES``): its articles, newest first, or
    "nothing found" while it has none, as WordPress answers. A category's name is in the snapshot (no
    extra read), an author's bio in its item (one GetItem), a tag's name on its entries (its item is
    read only when it has none). :raise 404: no such term; an old name of it redirects."""
    kind = archives.BY_NAME[kind_name]
    site = web.site_of(request)
    snapshot = store.site()
    if (moved := moved_term(snapshot, kind, slug)) is not None:
        return web.redirect(site.link(moved))
    known = store.term(kind, slug, snapshot) if kind.names_from != "listing" else None
    if kind.names_from != "listing" and known is None:
        return term_moved_or_not_found(request, site, snapshot, kind, slug)

    def term(entries: list[Any]) -> store.Term | None:
        if known is not None:
            return known
        if entries:
            return store.Term(next((e.label for e in entries if e.label), slug))
        return store.term(kind, slug, snapshot)  # no articles: a tag of its own, or no tag at all

    return _archive(site, snapshot, keys.archive(kind.name, slug), canonical=kind.path(slug), heading=None,
                    title=None, description=None, feed=f"{kind.path(slug)}feed/", kind=kind, term=term,
                    missing=lambda: term_moved_or_not_found(request, site, snapshot, kind, slug))


def moved_term(snapshot: Snapshot, kind: archives.ArchiveKind, slug: str) -> str | None:
    """Where a term renamed or merged into another now is: another term's file names this archive as
    its old address (``aliases``), which wins over what the old name still holds (the desk's rename
    rewrites its articles; an item for the old name may linger)."""
    moved = snapshot.term_aliases.get(f"{kind.name}/{slug}")
    return moved if moved is not None and moved != kind.path(slug) else None


def term_moved_or_not_found(request: Any, site: Site, snapshot: Snapshot, kind: archives.ArchiveKind,
                             slug: str, suffix: str = "") -> Response:
    """A term that is not here: its old name redirects to its new archive (``suffix``: its feed), and so
    does a slug WordPress wrote that ours normalise (``post_tag``, ``Oil``: ``post-tag``, ``oil``); anything
    else is a 404."""
    moved = snapshot.term_aliases.get(f"{kind.name}/{slug}")
    if moved is None and kind.name == "tag":  # a tag's old addresses are not in the snapshot: tags are many
        moved = store.moved_tag(slug)
    normal = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-") if slug.isascii() else ""
    if moved is None and normal not in ("", slug):
        moved = kind.path(normal)
    return web.redirect(site.link(moved + suffix)) if moved else render_not_found(request, snapshot, site)


def is_month(year: str, month: str) -> bool:
    """Whether ``/<year>/<month>/`` names a month archive."""
    return bool(_YEAR.match(year) and _MONTH.match(month))


def _old_wordpress_url(site: Site, path: str) -> Response | None:
    """The 301 for a WordPress URL form nothing here holds (``old_urls``), or None."""
    found = old_urls.redirect_for(path.strip("/"))
    if found is None:
        return None
    target, post_path = found
    if post_path is None:
        return web.redirect(site.link(target))
    post = store.post_at(post_path)
    slug = (post.redirect_to if post.kind == "redirect" else post.slug) if post is not None else None
    if slug:
        return web.redirect(site.link(f"/{slug}/{target}"))
    elsewhere = old_urls.under_old_base(path.strip("/"))  # /blog/feed/: not a post's feed after all
    return web.redirect(site.link(elsewhere[0])) if elsewhere is not None else None


def render_date_archive(request: Any, year: str, month: str | None = None) -> Response:
    """Articles of one year or month. :raise 404: not a date."""
    if not _YEAR.match(year) or (month is not None and not _MONTH.match(month)):
        return render_not_found(request)
    site = web.site_of(request)
    snapshot = store.site()
    if month is None:
        name, path, heading = keys.year_listing(year), f"/{year}/", f"Archive: {year}"
    else:
        name, path = keys.month_listing(f"{year}-{month}"), f"/{year}/{month}/"
        heading = f"Archive: {MONTHS[int(month) - 1]} {year}"
    return _archive(site, snapshot, name, canonical=path, heading=heading, title=heading,
                    description=heading, feed=None, empty_is_404=True)


def _archive(site: Site, snapshot: Snapshot, listing: str, canonical: str, heading: str | None,
             title: str | None, description: str | None, feed: str | None, empty_is_404: bool = False,
             kind: archives.ArchiveKind | None = None, term: Callable[[list[Any]], store.Term | None] | None = None,
             missing: Callable[[], Response] | None = None, pinned: bool = False) -> Response:
    """An archive page; ``pinned``: the snapshot's sticky articles lead its first page, as in WordPress.
    A term's archive (``kind``) names it with ``term(entries)``, and answers ``missing()`` where that is None."""
    if (redirect := web.canonical_redirect(site, canonical)) is not None:
        return redirect
    now = now_iso()
    after, before = site.query.get("after"), site.query.get("before")
    try:
        page = store.listing_page(listing, snapshot.settings.page_size, now,
                                  after=paging.decode(listing, after) if after else None,
                                  before=paging.decode(listing, before) if before else None)
    except paging.BadCursor:
        return render_error(site, snapshot, 400, "This page link is not valid",
                            "The link to this page of the archive is damaged or out of date.",
                            first_page=site.link(canonical))
    entries = list(page.entries)
    sticky = snapshot.sticky_entries(now) if pinned and not (after or before) else []
    if sticky:
        slugs = {e.slug for e in sticky}
        entries = sticky + [e for e in entries if e.slug not in slugs]
    if not entries and empty_is_404 and not (after or before):
        return render_not_found(None, snapshot, site)
    version: tuple[Any, ...] = ()
    photo = None
    if kind is not None and term is not None:
        named = term(list(page.entries))
        if named is None:
            return missing() if missing is not None else render_not_found(None, snapshot, site)
        heading, title = kind.heading.format(name=named.name), kind.title.format(name=named.name)
        description, version = named.description or kind.description.format(name=named.name), named.version
        photo = named.photo
    older = site.link(canonical, after=paging.encode(listing, page.older)) if page.older else None
    newer = site.link(canonical, before=paging.encode(listing, page.newer)) if page.newer else None
    if newer is None and (after or before):
        newer = site.link(canonical)
    head = Head(title, description, site.url(canonical), robots="noindex, follow" if after or before else None,
                feed=site.link(feed) if feed else None, breadcrumb=(Crumb(heading),) if heading else ())

    def render() -> str:
        shown = views.ListingPage(head, heading, tuple(views.entry(e) for e in entries),
                                  frozenset(e.slug for e in sticky), older, newer, photo)
        return render_template("blog/listing.html", chrome(site, snapshot, now), shown)

    parts = (listing, snapshot_version(snapshot), page.older, page.newer, after, before, version,
             web.shown(entries))
    return web.respond(site, render, parts)


# --- articles and pages ----------------------------------------------------------

def render_post(request: Any, path: str) -> Response:
    """An article or static page at ``/<path>/``, or its redirect. :raise 404: none visible."""
    site = web.site_of(request)
    path = unquote(path)  # old URLs (aliases) may hold any character; slugs never hold "%"
    if path == "index.php" or ("/" not in path and old_urls.id_alias(site.query)):
        return render_home(request)  # WordPress's /index.php(?p=123), and /blog/?p=123 under a subdirectory
    if _YEAR.match(path):
        return render_date_archive(request, path)
    now = now_iso()
    post, snapshot = store.post_and_site(path)
    if post is not None and post.kind == "redirect":
        if post.redirect_to:
            return web.redirect(site.link(f"/{post.redirect_to}/") + web.query_string(site.query))
        post = None
    if post is None and (old := _old_wordpress_url(site, path)) is not None:
        return old
    if post is None or post.draft or (post.date and post.date > now):
        return render_not_found(None, snapshot, site)
    canonical = f"/{post.slug}/"
    if (redirect := web.canonical_redirect(site, canonical)) is not None:
        return redirect
    if post.password_hash:
        return _protected_page(site, snapshot, post, now)
    return post_page(site, snapshot, post, now, canonical)


def _protected_page(site: Site, snapshot: Snapshot, post: Post, now: str, wrong: str = "",
                    status: int = 200) -> Response:
    """A protected post's title and password form (the same for every reader: the edge may keep it)."""
    page = views.ProtectedPage(Head(post.title, None, site.url(f"/{post.slug}/"), robots="noindex"),
                               views.post_view(post.attribute_values), wrong)
    return web.respond(site, lambda: render_template("blog/protected.html", chrome(site, snapshot, now), page),
                       ("protected", post.slug, post.title, post.date, snapshot_version(snapshot), wrong), status=status,
                       cache=web.NO_STORE if wrong else web.PAGE_CACHE)


def unlock(request: Any, slug: str) -> Response:
    """The answer to a protected post's form: the post itself, never kept by any cache, or the form
    again saying the password was not right. Tries are limited per reader and post."""
    from urllib.parse import parse_qs

    from chalicelib import protected
    from chalicelib.ratelimit import Limited, SlidingWindow

    site = web.site_of(request)
    now = now_iso()
    post, snapshot = store.post_and_site(slug)
    if post is None or not post.password_hash or post.draft or (post.date and post.date > now):
        return render_not_found(None, snapshot, site)
    identity = (request.context or {}).get("identity") or {}
    reader = comment_rules.client_of(site.headers, identity.get("sourceIp"), web.through_our_cdn(site.headers))
    tries, key = SlidingWindow(protected.TRIES, protected.TRIES_WINDOW), f"password|{post.slug}|{reader}"
    try:
        tries.check(key)
    except Limited:
        return _protected_page(site, snapshot, post, now, "Too many tries. Wait a few minutes and try again.", 429)
    form = parse_qs((request.raw_body or b"").decode("utf-8", errors="replace"))
    if not protected.matches(form.get("post_password", [""])[0], post.password_hash):
        try:
            tries.take(key)
        except Limited:
            pass
        return _protected_page(site, snapshot, post, now, "That password is not right.", 403)
    return post_page(site, snapshot, post, now, f"/{post.slug}/", unlocked=True)


def render_preview(request: Any, token: str) -> Response:
    """A draft or scheduled article by its secret link (chalicelib/preview.py): the real template,
    noindex, never cached. :raise 404: a bad or expired token, another version, or already live."""
    site = web.site_of(request)
    snapshot = store.site()
    named = preview.read(token)
    post = None if named is None else preview.pending_copy(named[0]) if named[0].startswith(preview.PENDING_MARK) \
        else store.post_at(named[0])
    now = now_iso()
    if named is None or post is None or post.kind == "redirect" or (post.source_version or post.source_etag) != named[1] \
            or not (post.draft or (post.date and post.date > now)):  # live now: the link has done its work
        response = render_not_found(None, snapshot, site)
        response.headers["Cache-Control"] = web.NO_STORE
        return response
    return post_page(site, snapshot, post, now, f"/{post.slug}/", preview_of=True)


def render_post_part(request: Any, slug: str, number: str) -> Response:
    """``/<slug>/<n>/``: part n of a post broken into pages with ``<!--nextpage-->``, as WordPress
    shows it; anything else at that path (an old URL) as ``render_post`` answers it."""
    site = web.site_of(request)
    now = now_iso()
    post, snapshot = store.post_and_site(slug)
    if post is not None and post.kind != "redirect" and not post.draft and not post.password_hash \
            and not (post.date and post.date > now) and number.isdigit() and int(number) >= 2:
        body = bodies.load(post)
        if int(number) <= body.count(bodies.PAGE_BREAK) + 1:
            canonical = f"/{post.slug}/{int(number)}/"
            if (redirect := web.canonical_redirect(site, canonical)) is not None:
                return redirect
            return post_page(site, snapshot, post, now, canonical, part=int(number), body_html=body)
    return render_post(request, f"{slug}/{number}")


def _part_of(html_body: str, part: int) -> tuple[str, int]:
    """Part ``part`` (1-based) of a body broken with page breaks, and how many parts it has."""
    parts = html_body.split(bodies.PAGE_BREAK)
    return parts[min(part, len(parts)) - 1], len(parts)


def post_page(site: Site, snapshot: Snapshot, post: Post, now: str, canonical: str,
              preview_of: bool = False, unlocked: bool = False, part: int = 1, body_html: str | None = None) -> Response:
    """An article or page; ``preview_of``: as its preview (noindex, no comments, private, no-store);
    ``unlocked``: a protected post opened with its password (the same, without the preview's notice);
    ``body_html``: its body where the caller has already loaded it (``bodies.load``)."""
    private = preview_of or unlocked
    # Pages show the comments they brought from WordPress (closed to new ones, as WordPress's pages are).
    discussion = _discussion(site, post, snapshot) if not private and (
        post.kind == "article" or post.kind == "page" and post.comment_count) else {}
    if discussion.get("bad_cursor"):
        return render_not_found(None, snapshot, site)
    live_blog, live_version = None, None
    if post.kind == "article" and post.live and part == 1:
        try:
            live_blog, live_version = live.blog(site, post, canonical)
        except live.BadPosition:
            return render_error(site, snapshot, 400, "This page link is not valid",
                                "The link to these updates is damaged.", first_page=site.link(canonical))
        except live.UnknownPosition:
            return _without(site, canonical, {"since"})
    if not private and (unread := _unread(site, bool(discussion), live_blog is not None)):
        return _without(site, canonical, unread)

    family = _family(site, post.attribute_values) if post.kind == "page" else Family()

    def render() -> str:
        html = body_html if body_html is not None else bodies.load(post)
        return _render_post(site, snapshot, post.attribute_values, html, now, canonical, part, private, preview_of,
                            discussion, live_blog, family)

    if private:
        return _private(render())
    attributes = {k: v for k, v in post.attribute_values.items() if k not in ("body_html", "body_gz")}
    parts = (snapshot_version(snapshot), attributes, _discussion_version(discussion), part, live_version, family)
    return web.respond(site, render, parts, cache=live.cache_of(post) if live_blog is not None else web.PAGE_CACHE)


def _unread(site: Site, discussion: bool, live_paged: bool) -> set[str]:
    """The site's own query parameters an article or page was asked with that it does not read: each value
    is its own cache key at the edge, so each would be a page rendered for nothing (``?page=``, ``?after=``
    on an article, ``?since=`` where no live blog pages, ``?comment=`` other than the note's)."""
    read = {"comments", *(["comment"] if site.query.get("comment") == "pending" else [])} if discussion else set()
    read |= {"since"} if live_paged else set()
    return {name for name in site.query if name in archives.OWN_QUERY and name not in read}


def _without(site: Site, canonical: str, unread: set[str]) -> Response:
    """The page without the parameters it does not read (or a ``?since=`` that names none of its entries):
    a redirect the edge keeps a day (``web.redirect``), so a flood of made-up values is answered from the
    edge after its first of each, without a render."""
    return web.redirect(site.link(canonical) + web.query_string({k: v for k, v in site.query.items()
                                                                 if k not in unread}))


def preview_page(site: Site, snapshot: Snapshot, values: Mapping[str, Any], body_html: str, now: str) -> Response:
    """The desk's preview of a checked file: ``values`` as its item would store them
    (``content.stored.item_values``), its body as ingest would render it; nothing is read or written."""
    family = _family(site, values) if values.get("kind") == "page" else Family()
    return _private(_render_post(site, snapshot, values, body_html, now, f"/{values['slug']}/", 1, True, True, {},
                                 family=family))


@dataclass(frozen=True)
class Family:
    """A page's parent page (a link, or its slug as plain text when no such page is published) and its
    child pages (published, by title)."""

    parent: Crumb | None = None
    children: tuple[Crumb, ...] = ()


def _family(site: Site, values: Mapping[str, Any]) -> Family:
    """The parent and children of the page whose item stores ``values``: one read of the parent's item,
    one Query of the desk's index of pages (only children carry their ``parent``)."""
    parent = None
    if parent_slug := values.get("parent"):
        item = Post.get_or_none(*keys.post(parent_slug))
        shown = item is not None and item.kind == "page" and not item.draft
        parent = Crumb(item.title, site.link(f"/{parent_slug}/")) if shown and item is not None else Crumb(parent_slug)
    found = Source.desk.query(keys.desk_pk("page"), filter_condition=(Source.parent == values["slug"])
                              & (Source.status == "published"), attributes_to_get=["sk", "slug", "title", "draft"])
    children = sorted((Crumb(s.title or s.slug or "", site.link(f"/{s.slug}/")) for s in found
                       if s.slug and not s.draft and s.sk.startswith(config.PAGES_PREFIX)),  # not a draft's or submission's
                      key=lambda crumb: crumb.title.lower())
    return Family(parent, tuple(children))


def _private(html: str) -> Response:
    """A page for one reader only (a preview, a protected post opened): never kept, never indexed."""
    return Response(body=html, status_code=200, headers={
        "Content-Type": "text/html; charset=utf-8", "Cache-Control": web.PRIVATE_NO_STORE,
        "X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"})


def _render_post(site: Site, snapshot: Snapshot, values: Mapping[str, Any], body_html: str, now: str,
                 canonical: str, part: int, private: bool, preview_of: bool, discussion: dict[str, Any],
                 live_blog: views.LiveBlog | None = None, family: Family | None = None) -> str:
    """The article or page template with its view model (``views.ArticlePage``), ``values`` being what
    its item stores."""
    post = views.post_view(values)
    around = chrome(site, snapshot, now, scripts=not preview_of)  # the preview's sandboxed frame runs no script
    shown, parts = _part_of(body_html, part)
    body = Markup(web.prefix_links(fill_xrefs(shown, values.get("xrefs") or {}, now, site.base), site.base))
    page_links = tuple((n, None if n == part else site.link(f"/{post.slug}/" if n == 1 else f"/{post.slug}/{n}/"))
                       for n in range(1, parts + 1)) if parts > 1 else ()
    image_url = _absolute(site, post.image_set["og"] if post.image_set else post.image)
    categories = values.get("categories") or []
    primary = categories[0] if categories and post.kind != "page" else None
    author_name = (around.author_names.get(post.author or "") or values.get("author_name")) if post.kind != "page" \
        else None
    crumbs = ((Crumb(around.category_names.get(primary, primary), site.link(f"/category/{primary}/")),) if primary
              else ()) + (Crumb(post.title),)
    structured = _news_article(site, snapshot, post, author_name, image_url) if post.kind != "page" else None
    if structured is not None and live_blog is not None:
        structured = live.structured(site, post, dict(values), structured, live_blog.entries if
                                     live_blog.first_screen else ())
    robots = "noindex, nofollow" if private else "noindex, follow" if live_blog and not live_blog.first_screen \
        else None
    head = Head(post.title, post.summary, site.url(canonical), robots=robots,
                og_type="article" if post.kind == "article" else "website", og_image=image_url,
                feed=live_blog.feed if live_blog is not None else None,
                comments_feed=discussion.get("comments_feed"), lead_image=post.image_set,
                structured_data=structured, breadcrumb=crumbs if post.kind != "page" else (), preview=preview_of)
    related = [views.Related(r["slug"], r["title"]) for r in values.get("related") or []
               if r["date"] <= now and r["slug"] != post.slug][: snapshot.settings.related_posts]
    page = views.ArticlePage(head, post, body, _local(site, post.image or ""), page_links, author_name, primary,
                             tuple(related) if post.kind != "page" else (),
                             tuple((slug, name) for slug, name in values.get("tags") or ()) if post.kind != "page"
                             else (), _discussion_view(discussion), live_blog,
                             family.parent if family else None, family.children if family else ())
    return render_template("blog/page.html" if post.kind == "page" else "blog/article.html", around, page)


def _discussion_view(found: dict[str, Any]) -> views.Discussion | None:
    """The comments section as the template shows it (``views.Discussion``), or None where there is none."""
    if not found:
        return None
    return views.Discussion(views.threads(found["threads"]), found["later_comments"], found["comments_open"],
                            found["comment_depth"], found["comment_token"], found["comment_notice"],
                            found["comments_feed"], views.CommentLimits(**found["limits"]))


# --- comments --------------------------------------------------------------------

def _discussion(site: Site, post: Post, snapshot: Snapshot) -> dict[str, Any]:
    """The comments section of an article: a page of approved comments (1 Query, only when it
    has any), the form while comments are open, and the note shown after posting."""
    cursor = site.query.get("comments")
    try:
        shown = comments.page(post.slug, cursor, snapshot.settings.comment_depth) if post.comment_count or cursor \
            else comments.Page()
    except paging.BadCursor:
        return {"bad_cursor": True}
    is_open = comment_rules.is_open(post, snapshot.settings)
    return {
        "threads": shown.threads,
        "later_comments": site.link(f"/{post.slug}/", comments=shown.next_cursor) if shown.next_cursor else None,
        "comments_open": is_open,
        "comment_depth": snapshot.settings.comment_depth,
        "comment_token": comment_rules.form_token(post.slug) if is_open else None,
        "comment_notice": site.query.get("comment") == "pending",
        "comments_feed": site.link(f"/{post.slug}/comments/feed/"),
        "limits": {"name": comment_rules.MAX_NAME_CHARS, "email": comment_rules.MAX_EMAIL_CHARS,
                   "text": comment_rules.MAX_TEXT_CHARS},
    }


def _discussion_version(discussion: dict[str, Any]) -> tuple[Any, ...]:
    """What in the comments section changes the page (for its ETag)."""
    ids = [[t["parent"], [[c.sk, c.edited] for c in ([t["comment"]] if t["comment"] else []) + t["replies"]]]
           for t in discussion.get("threads", [])]
    return (ids, discussion.get("later_comments"), discussion.get("comments_open"),
            discussion.get("comment_token"), discussion.get("comment_notice"))


def _absolute(site: Site, url: str | None) -> str | None:
    if not url:
        return None
    return site.url(url) if url.startswith("/") else url


def _news_article(site: Site, snapshot: Snapshot, post: views.PostView, author_name: str | None,
                  image: str | None) -> dict[str, Any]:
    """schema.org NewsArticle for search engines."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": (post.title or "")[:110],
        "datePublished": post.date,
        "dateModified": post.updated or post.date,
        "mainEntityOfPage": site.url(f"/{post.slug}/"),
        "publisher": {"@type": "Organization", "name": snapshot.settings.site_name, "url": site.url("/")},
    }
    if post.summary:
        data["description"] = post.summary
    if author_name:
        data["author"] = {"@type": "Person", "name": author_name,
                          "url": site.url(f"/author/{post.author}/") if post.author else None}
    if image:
        data["image"] = [image]
    return data


def fill_xrefs(body_html: str, xrefs: dict[str, dict[str, str] | None], now: str, base: str = "") -> str:
    """Replace cross-link markers with links titled by the target's current title.

    A marker whose target is unpublished, a draft or still scheduled is removed.
    """

    def link(match: re.Match[str]) -> str:
        target = xrefs.get(match.group(1))
        if not target or (target.get("date") or "") > now:
            return ""
        return f'<a href="{base}/{match.group(1)}/">{html.escape(target["title"])}</a>'

    return _XREF_MARKER.sub(link, body_html)


# --- search -----------------------------------------------------------------------

def render_search(request: Any, query: str | None = None) -> Response:
    """Search results for ``?s=`` or ``/search/?q=`` (at most five Queries)."""
    site = web.site_of(request)
    snapshot = store.site()
    now = now_iso()
    query = (query if query is not None else site.query.get("q", "")).strip()[:200]
    try:
        page_number = max(1, min(int(site.query.get("page", "1")), 20))
    except ValueError:
        page_number = 1
    hits = store.search(query, now) if query else []
    size = snapshot.settings.page_size
    shown = hits[(page_number - 1) * size: page_number * size]
    more = len(hits) > page_number * size

    def render() -> str:
        page = views.SearchPage(
            Head(f"Search: {query}" if query else "Search", "Search the site", site.url("/search/"),
                 robots="noindex, follow", search_query=query),
            query, tuple(views.Hit(h["slug"], h["title"], h["date"], h["summary"]) for h in shown), len(hits),
            site.link("/search/", q=query, page=str(page_number + 1)) if more else None,
            site.link("/search/", q=query, page=str(page_number - 1) if page_number > 2 else None)
            if page_number > 1 else None)
        return render_template("blog/search.html", chrome(site, snapshot, now), page)

    parts = ("search", query, page_number, snapshot_version(snapshot), [(h["slug"], h["title"]) for h in shown])
    return web.respond(site, render, parts, cache=web.SHORT_CACHE)


# --- errors -----------------------------------------------------------------------

def render_not_found(request: Any, snapshot: Snapshot | None = None, site: Site | None = None) -> Response:
    """The 404 page, with the site's menu and widgets."""
    return render_error(site or web.site_of(request), snapshot, 404, "Page not found",
                        "Sorry, there is nothing at this address.")


def render_error(site: Site, snapshot: Snapshot | None, status: int, heading: str, message: str,
                 first_page: str | None = None) -> Response:
    """An error page with the site's chrome."""
    shown = snapshot if snapshot is not None else store.site()
    now = now_iso()
    page = views.ErrorPage(Head(heading, None, None, robots="noindex"), heading, message, first_page)
    return web.respond(site, lambda: render_template("site/error.html", chrome(site, shown, now), page),
                       (status, heading, snapshot_version(shown)), status=status, cache=web.SHORT_CACHE)


RETRY_AFTER_SECONDS = 30


def unavailable(exc: BaseException) -> Response:
    """The site's 503 page: HTML, Retry-After, never cached, nothing from the traceback."""
    from botocore.exceptions import EndpointConnectionError

    settings = config.current()
    cause = getattr(exc, "cause", None) or exc
    if settings.local_stand_in and isinstance(cause, EndpointConnectionError):
        heading = "The local AWS stand-in is not running"
        message = (f"Nothing answers at {settings.endpoint_url}: start it with `make aws` in the project "
                   "(then reload), or run the whole site with `make run`.")
    else:
        heading = "This page is briefly unavailable"
        message = "The site could not read this page just now. Please try again in a minute."
    log.error("page unavailable: %s: %s", type(cause).__name__, str(cause)[:300])
    page = views.ErrorPage(Head(heading, None, None, robots="noindex"), heading, message)
    return Response(body=templating.environment().get_template("site/unavailable.html").render(page=page), status_code=503,
                    headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": web.NO_STORE,
                             "Retry-After": str(RETRY_AFTER_SECONDS)})


def render_recent(request: Any) -> Response:
    """The recent-posts widget alone (``archives.RECENT_PATH``). Every page carries the list as it was when
    the page was made, and a script of ours replaces it with this one: so a new article invalidates
    this one path, not every page (chalicelib/publish/edge.py)."""
    site = web.site_of(request)
    snapshot = store.site()
    now = now_iso()
    recent = snapshot.visible_recent(now)
    return web.respond(site, lambda: templating.environment().get_template("site/recent.html").render(
                           recent=recent, base=site.base),
                       ("recent", [(r.slug, r.title) for r in recent]),
                       extra_headers={"X-Robots-Tag": "noindex"})


def render_live_fragment(request: Any, slug: str) -> Response:
    """``/<slug>/live/``: a live blog's newest entries, which its page's script polls (``live``).
    :raise 404: no live blog here."""
    site = web.site_of(request)
    if (bare := live.without_query(site, fragment_path(slug))) is not None:
        return bare
    post = store.post_at(slug)
    if post is None or not live.shows(post):
        return render_not_found(request)
    return live.fragment(site, post)


def script(request: Any, name: str) -> Response:
    """Our scripts, ``recent.<version>.js`` (every page) and ``live.<version>.js`` (live blogs): cached a
    year, as the stylesheet."""
    site = web.site_of(request)
    which = "live" if name.startswith("live.") else "recent"
    if name != f"{which}.{web.code_version()}.js":
        return web.redirect(site.link(f"/static/{which}.{web.code_version()}.js"), permanent=False)
    read = web.live_script if which == "live" else web.recent_script
    return web.respond(site, lambda: read().decode(), (f"{which}.js",),
                       content_type="text/javascript; charset=utf-8", cache=web.ASSET_CACHE)


def stylesheet(request: Any, version: str) -> Response:
    """The stylesheet; its URL carries the code version, so it can be cached for a year."""
    site = web.site_of(request)
    if version != web.code_version():
        return web.redirect(site.link(f"/static/style.{web.code_version()}.css"), permanent=False)
    return web.respond(site, lambda: web.stylesheet().decode(), ("css",),
                       content_type="text/css; charset=utf-8", cache=web.ASSET_CACHE)
