"""Tell the CDN what changed, so that a correction or a takedown is gone from the edge in seconds.

CloudFront keeps pages for their ``s-maxage`` (``web.PAGE_CACHE``) and, when
the origin fails, longer (``stale-if-error``). Expiry alone would leave a
corrected or removed article up at the edge for minutes. So every change
ingest makes to an article or page names the paths whose content it changed
(:func:`article_paths`): the article's URL and comments feed, its old URLs,
the first page and the feeds of every archive it was or is in, home and the
site feeds, the sitemaps that list it. Inside :func:`one_invalidation` (one
SQS batch) they are gathered and sent as **one** CreateInvalidation at the
end, after the change is committed and the site snapshot rebuilt, so that
the edge's next fetch gets the new page.

Exact paths, never wildcards, for articles and pages: CloudFront allows 3,000
paths in progress but only 15 wildcard paths. A batch naming more than
``MAX_PATHS``, or changing what every page shows (settings, an author, a
category: the menu and bylines), sends ``/*`` instead (one path). Cost: the first 1,000 paths a month are free, then
$0.005 each (docs/deploy.md). Without a distribution (``distribution_id``
empty: local runs, stages without CloudFront) nothing is sent.

Sending is best effort: the change is already live at the origin, and a
failure here must not make ingest redo it (a redo finds nothing changed and
would name no paths). A failure is logged and counted (metric
``Newsroom/InvalidationFailures``); the pages then expire by their
``s-maxage``.

**What the desk is told.** A change names the bucket key it came from
(``changed(paths, key=...)``); after the batch's invalidation, each key's
``EdgeClearing`` item records its id (or that sending failed, or that the
stage has no CDN). CloudFront takes seconds to minutes to complete an
invalidation, so the desk says a change has reached the edge only when
``GetInvalidation`` says ``Completed`` (:func:`clearing`), and "still
clearing" until then.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import logging
import time
from typing import Any, Iterable, Iterator

from chalicelib import archives, aws, clock, config, keys, metrics, retry
from chalicelib.models import EdgeClearing

MAX_PATHS = 1000
CLEARING_KEPT_SECONDS = 7 * 86_400  # how long the desk can ask about a change's invalidation
EVERYTHING = "/*"  # what a settings, author or category change alters: every page's menu or bylines
RECENT = archives.RECENT_PATH  # the recent-posts widget: its own path, which every page's script fetches
log = logging.getLogger("newsroom.edge")
_open: contextvars.ContextVar[tuple[set[str], set[str]] | None] = contextvars.ContextVar("invalidation_paths",
                                                                                         default=None)

SITE_WIDE = ("/", "/feed/", "/feed/atom/", "/sitemap.xml", "/sitemaps/news.xml")


def comment_paths(slug: str) -> list[str]:
    """What approving or deleting a comment on ``slug`` changes: the article and its comments feed."""
    return [f"/{slug}/", f"/{slug}/comments/feed/"]


def ask_to_refresh_comments(slugs: Iterable[str]) -> str:
    """Ask ingest (which knows the stage's distribution) to drop these articles' comment pages from the
    CDN: one ``Invalidate`` message on the ingest queue. Sent by whoever moderated (``newsroom
    comments``, the desk as the signed-in person). Returns "" or, if it could not be sent, why: the
    moderation stands, and the pages refresh by their ``s-maxage``."""
    from chalicelib import messages

    paths = tuple(p for s in sorted(set(slugs)) for p in comment_paths(s))
    if not paths:
        return ""
    try:
        sqs = aws.sqs_client()
        queue = sqs.get_queue_url(QueueName=config.current().queue)["QueueUrl"]
        sqs.send_message(QueueUrl=queue, MessageBody=messages.Invalidate(paths).body())
    except Exception as error:  # noqa: BLE001 - moderated already; the CDN's copies expire by s-maxage
        log.warning("invalidation request not sent: %s", type(error).__name__)
        return "could not ask for the CDN to drop the changed pages; they refresh within 5 minutes"
    return ""


def listing_paths(name: str) -> list[str]:
    """The paths that show the first page of the listing ``name``, feeds included."""
    if name == keys.HOME:
        return list(SITE_WIDE)
    if (archive := archives.kind_of_listing(name)) is not None:
        return archive[0].paths(archive[1])
    kind, _, value = name.partition("#")
    if kind == "year":
        return [f"/{value}/"]
    if kind == "month":
        return [f"/{value[:4]}/{value[5:7]}/", f"/sitemaps/posts-{value}.xml"]
    return []  # the sticky listing is shown by home, named above


def article_paths(before: Any, after: Any, listings: Iterable[str], redirects: Iterable[str] = ()) -> set[str]:
    """Every path whose content changes when an article or page goes from ``before`` to ``after``
    (Post items or None): its URLs, the old URLs it had or has, and ``listings`` (the listing names
    it was or is in)."""
    paths: set[str] = set()
    for post in (before, after):
        if post is None:
            continue
        paths |= {f"/{post.slug}/", f"/{post.slug}/comments/feed/"}
        paths |= {f"/{alias}/" for alias in post.aliases or [] if not alias.startswith("?")}
        if post.kind == "page":
            paths.add("/sitemaps/pages.xml")
            if post.parent:  # the parent's page lists its children
                paths.add(f"/{post.parent}/")
    paths |= {f"/{path}/" for path in redirects if not path.startswith("?")}
    for name in listings:
        paths.update(listing_paths(name))
    return paths


@contextlib.contextmanager
def one_invalidation() -> Iterator[None]:
    """Gather the paths every change inside names, and send them as one invalidation at the end; record it
    for the bucket keys the changes came from."""
    pending: tuple[set[str], set[str]] = (set(), set())
    token = _open.set(pending)
    try:
        yield
    finally:
        _open.reset(token)
    paths, changed_keys = pending
    _record(changed_keys, paths, send(paths))


def expires_by_itself(path: str) -> bool:
    """Whether the edge refetches ``path`` within the minute anyway (feeds and sitemaps: their
    ``Cache-Control`` is ``web.FEED_CACHE``), so naming it would only cost an invalidation path."""
    return path.endswith(("/feed/", "/feed/atom/")) or path == "/sitemap.xml" or path.startswith("/sitemaps/")


def changed(paths: Iterable[str], key: str | None = None) -> None:
    """These paths changed (because the file at bucket ``key`` did, if given): invalidate them with the open
    batch's, or now if none is open; those that expire by themselves within the minute (feeds, sitemaps)
    are left to do so."""
    paths = [p for p in paths if not expires_by_itself(p)]
    pending = _open.get()
    if pending is None:
        _record({key} if key else set(), set(paths), send(set(paths)))
    else:
        pending[0].update(paths)
        if key:
            pending[1].add(key)


def send(paths: set[str]) -> dict[str, Any] | None:
    """One CreateInvalidation for ``paths`` on the stack's distribution; what CloudFront answered,
    or None if there was nothing to send, no distribution, or sending failed (logged)."""
    distribution = config.current().distribution_id
    if not paths or not distribution:
        return None
    items = sorted(paths) if len(paths) <= MAX_PATHS and EVERYTHING not in paths else [EVERYTHING]
    digest = hashlib.sha256("\n".join(items).encode()).hexdigest()[:16]
    batch = {"Paths": {"Quantity": len(items), "Items": items}, "CallerReference": f"{time.time_ns()}-{digest}"}
    try:
        answer = retry.retrying(lambda: aws.cloudfront_client().create_invalidation(
            DistributionId=distribution, InvalidationBatch=batch))
    except Exception as exc:  # noqa: BLE001 - the change is live; the pages expire by their s-maxage
        log.error(json.dumps(metrics.counted("InvalidationFailures", event="invalidation failed", paths=len(items),
                                             error=str(exc)[:300])))
        return None
    log.info(json.dumps({"event": "invalidation", "paths": len(items), "id": answer["Invalidation"]["Id"]}))
    sent: dict[str, Any] = answer
    return sent


def _record(changed_keys: set[str], paths: set[str], answer: dict[str, Any] | None) -> None:
    """Remember, for the desk, which invalidation carried each of these files' changes (``send``'s answer)."""
    distribution = config.current().distribution_id
    if not changed_keys or not distribution:  # no CDN: nothing for the desk to wait for (``clearing``)
        return
    state = "nothing" if not paths else "failed" if answer is None else "sent"
    invalidation = answer["Invalidation"]["Id"] if answer is not None else None
    expires = int(time.time()) + CLEARING_KEPT_SECONDS
    try:
        for key in sorted(changed_keys):
            EdgeClearing(*keys.edge_clearing(key), sent=clock.now_iso(), state=state, expires=expires,
                         distribution=distribution, invalidation=invalidation).save()
    except Exception as exc:  # noqa: BLE001 - the change is live and sent; only the desk's note of it is lost
        log.error(json.dumps({"event": "edge clearing not recorded", "keys": len(changed_keys),
                              "error": str(exc)[:300]}))


def clearing(key: str, since: str) -> str | None:
    """How far the change made to the file at ``key`` at or after ``since`` (ISO 8601) has reached the edge:
    None while ingest has not sent its invalidation; "cleared" once CloudFront says it has
    ``Completed``; "clearing" until then (or while CloudFront cannot be asked); "failed" if CloudFront
    could not be told (its copies then expire by themselves); "no-cdn" on a stage without a distribution
    (one has an origin secret; nothing is recorded without one); "nothing" when the change altered no page."""
    if not config.current().origin_secret:
        return "no-cdn"
    record = EdgeClearing.get_or_none(*keys.edge_clearing(key), consistent_read=True)
    if record is None or record.sent < since:
        return None
    if record.state != "sent" or not record.invalidation or not record.distribution:
        return record.state
    try:
        answer = aws.cloudfront_client().get_invalidation(DistributionId=record.distribution, Id=record.invalidation)
    except Exception as exc:  # noqa: BLE001 - the desk asks again in a moment
        log.warning(json.dumps({"event": "invalidation status unknown", "error": str(exc)[:300]}))
        return "clearing"
    return "cleared" if answer["Invalidation"]["Status"] == "Completed" else "clearing"
