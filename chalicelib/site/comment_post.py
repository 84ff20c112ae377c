"""A reader's comment, posted from an article's form: the web function's only write.

Every rule is in ``comment_rules`` (where it came from, the form's token, the
fields, the rate limit); what is stored and who is told is in ``comments``.
This module is the route's body: the article must be live, the comment is
stored pending and the reader goes back to the article (303), or gets a page
that says why it was refused and how to post again.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.clock import now_iso
from chalicelib.models import Post
from chalicelib.site import comment_rules, comments, pages, store, views, web
from chalicelib.site.web import Site
from chalicelib.snapshot import Snapshot


def submit_comment(request: Any, slug: str) -> Response:
    """A comment posted from an article's form: stored pending, then 303 back to the article
    (which thanks the reader); any refusal is a page saying what to do."""
    site = web.site_of(request)
    snapshot = store.site()
    post = store.post_at(slug)
    if post is None or post.kind != "article" or post.draft or (post.date and post.date > now_iso()):
        return pages.render_not_found(None, snapshot, site)
    try:
        identity = (request.context or {}).get("identity") or {}
        submission, client = comment_rules.accept(post, snapshot.settings, site.headers, site.origin, request.raw_body,
                                                  identity.get("sourceIp"), via_cdn=web.through_our_cdn(site.headers))
        comment = comments.submit(slug, submission, client, depth=snapshot.settings.comment_depth)
    except comment_rules.Refused as refusal:
        return render_refusal(site, snapshot, post, refusal)
    comments.tell_moderators(comment, post.title or slug, site.url(f"/{slug}/"))
    location = site.link(f"/{slug}/", comment="pending") + "#comments"
    return Response(body="", status_code=303, headers={"Location": location, "Cache-Control": web.NO_STORE})


def render_refusal(site: Site, snapshot: Snapshot, post: Post, refusal: comment_rules.Refused) -> Response:
    """Why a comment was not accepted, and the way back to the article."""
    page = views.RefusedPage(views.Head(refusal.heading, None, None, robots="noindex"), refusal.heading,
                             refusal.message, tuple(refusal.problems), site.link(f"/{post.slug}/") + "#respond",
                             post.title)
    wait = refusal.retry_after or comment_rules.RATE_WINDOW_SECONDS
    headers = {"Retry-After": str(wait)} if refusal.status == 429 else None
    now = now_iso()
    return web.respond(site, lambda: pages.render_template("site/refused.html", pages.chrome(site, snapshot, now), page),
                       ("refused", refusal.code), status=refusal.status, cache=web.NO_STORE, extra_headers=headers)
