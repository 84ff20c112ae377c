"""Render readers' pages: data from ``store`` in, HTML responses out.

Each ``render_*`` function makes the page's DynamoDB reads through ``store``
(at most two per page, one when the site snapshot is warm) and renders one
template from ``templates/``. Autoescape is on for every template; the only
HTML marked safe is article bodies, which ingest sanitized.

Scheduled articles are hidden here by comparing dates with the clock, so a
future ``date`` goes live on time with no redeploy and no scheduled job:
archive Queries exclude the future in their key condition, and the article
page, related posts and recent posts compare at render time.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from pathlib import Path
from typing import Any

import jinja2
from chalice import Response
from markupsafe import Markup

from chalicelib import bodies, store

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
HTML_TYPE = "text/html; charset=utf-8"
_XREF_MARKER = re.compile(r"<!--xref:([a-z0-9-]+)-->")


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment, built on first use (autoescape everywhere)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["longdate"] = long_date
    env.filters["isodate"] = lambda value: value or ""
    return env


def long_date(value: str | None) -> str:
    """'2022-07-12T00:00:00Z' -> 'July 12, 2022'."""
    if not value:
        return ""
    moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    return f"{moment:%B} {moment.day}, {moment.year}"


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _html(template: str, status: int = 200, **context: Any) -> Response:
    body = environment().get_template(template).render(**context)
    return Response(body=body, status_code=status, headers={"Content-Type": HTML_TYPE})


def _chrome(site: dict[str, Any], now: str) -> dict[str, Any]:
    """What every page shows around its content: header, menu, widgets, footer."""
    settings = site["settings"]
    recent = [r for r in site["recent"] if r["date"] <= now][: settings["recent_posts"]]
    return {
        "site": settings,
        "menu": site["menu"],
        "footer": site["footer"],
        "categories": site["categories"],
        "recent": recent,
        "category_names": {c["slug"]: c["name"] for c in site["categories"]},
        "author_names": site["authors"],
    }


def redirect(location: str) -> Response:
    """A permanent redirect to another path on this site."""
    return Response(body="", status_code=301, headers={"Location": location})


def render_home() -> Response:
    """The front page: newest articles first."""
    now = _now_iso()
    site = store.site()
    entries = store.listing("home", site["settings"]["page_size"], now)
    return _html("blog/listing.html", **_chrome(site, now), entries=entries, heading=None,
                 description=site["settings"]["tagline"], page_title=None)


def render_category(slug: str) -> Response:
    """A category archive. :raise 404: no such category."""
    now = _now_iso()
    site = store.site()
    category = next((c for c in site["categories"] if c["slug"] == slug), None)
    if category is None:
        return render_not_found(site)
    entries = store.listing(f"category#{slug}", site["settings"]["page_size"], now)
    return _html("blog/listing.html", **_chrome(site, now), entries=entries, heading=category["name"],
                 description=category["description"], page_title=category["name"],
                 breadcrumb=[{"title": category["name"], "url": None}])


def render_author(slug: str) -> Response:
    """An author's archive with their bio. :raise 404: no such author."""
    now = _now_iso()
    site = store.site()
    author = store.author(slug)
    if author is None:
        return render_not_found(site)
    entries = store.listing(f"author#{slug}", site["settings"]["page_size"], now)
    return _html("blog/listing.html", **_chrome(site, now), entries=entries,
                 heading=f"Author: {author.name}", description=author.bio or "", page_title=author.name,
                 breadcrumb=[{"title": author.name, "url": None}])


def render_post(path: str) -> Response:
    """An article or static page at ``/<path>/``, or its redirect. :raise 404: none visible."""
    now = _now_iso()
    post = store.post_at(path)
    if post is not None and post.kind == "redirect" and post.redirect_to:
        return redirect(f"/{post.redirect_to}/")
    site = store.site()
    if post is None or post.kind == "redirect" or post.draft or (post.date and post.date > now):
        return render_not_found(site)
    chrome = _chrome(site, now)
    if post.kind == "page":
        return _html("blog/page.html", **chrome, post=post, page_title=post.title,
                     body=Markup(fill_xrefs(bodies.load(post), post.xrefs or {}, now)),
                     description=post.summary)
    primary = (post.categories or [None])[0]
    related = [r for r in post.related or [] if r["date"] <= now and r["slug"] != post.slug]
    breadcrumb = []
    if primary:
        breadcrumb.append({"title": chrome["category_names"].get(primary, primary),
                           "url": f"/category/{primary}/"})
    breadcrumb.append({"title": post.title, "url": None})
    return _html(
        "blog/article.html", **chrome, post=post, page_title=post.title, description=post.summary,
        body=Markup(fill_xrefs(bodies.load(post), post.xrefs or {}, now)),
        author_name=chrome["author_names"].get(post.author) or post.author_name,
        primary_category=primary, breadcrumb=breadcrumb,
        related=related[: site["settings"]["related_posts"]],
        tags=post.tags or [],
    )


def render_not_found(site: dict[str, Any] | None = None) -> Response:
    """The 404 page, with the site's menu and widgets."""
    now = _now_iso()
    site = site if site is not None else store.site()
    return _html("site/not_found.html", status=404, **_chrome(site, now), page_title="Page not found")


def fill_xrefs(body_html: str, xrefs: dict[str, dict[str, str] | None], now: str) -> str:
    """Replace cross-link markers with links titled by the target's current title.

    A marker whose target is unpublished, a draft or still scheduled is removed.
    """

    def link(match: re.Match[str]) -> str:
        target = xrefs.get(match.group(1))
        if not target or (target.get("date") or "") > now:
            return ""
        return f'<a href="/{match.group(1)}/">{html.escape(target["title"])}</a>'

    return _XREF_MARKER.sub(link, body_html)
