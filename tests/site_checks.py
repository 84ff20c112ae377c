"""Compare what readers see with what the bucket holds."""

from __future__ import annotations

import datetime as dt
import html
import re

from chalicelib.content.content_format import Article, ContentError, parse_file
from chalicelib.models import Listing, Post


def expected_articles(site) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """slug -> title of every article the bucket says readers should see."""
    now = dt.datetime.now(dt.timezone.utc)
    expected = {}
    paginator = site.s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=site.stack.bucket, Prefix="articles/"):
        for obj in page.get("Contents", []):
            data = site.s3.get_object(Bucket=site.stack.bucket, Key=obj["Key"])["Body"].read()
            try:
                article = parse_file(obj["Key"], data)
            except ContentError:
                continue
            assert isinstance(article, Article)
            if not article.draft and article.date <= now:
                expected[article.slug] = article.title
    return expected


def mismatches(site, known_slugs: set[str],  # type: ignore[no-untyped-def]
               invalid_now: dict[str, set[str | None]] | None = None) -> list[str]:
    """Every difference between the bucket and the site; [] when they match exactly.

    ``invalid_now`` names slugs whose current file is invalid: an invalid
    upload changes nothing readers see, so such a slug may show any title in
    its set (None: not published), i.e. a valid version it had before.
    """
    invalid_now = invalid_now or {}
    expected = expected_articles(site)
    problems = []
    listed = {item.slug: item.title for item in Listing.query("list#home")}
    strict_listed = sorted((s, t) for s, t in listed.items() if s not in invalid_now)
    if strict_listed != sorted(expected.items()):
        problems.append(f"home listing {strict_listed} != bucket {sorted(expected.items())}")
    for slug in sorted(known_slugs | set(expected)):
        page = site.get(f"/{slug}/")
        title = re.search(r"<h1>(.*?)</h1>", page.body.decode()) if page.status_code == 200 else None
        shown = html.unescape(title.group(1)) if title else None
        if slug in invalid_now:
            if shown not in invalid_now[slug] or listed.get(slug) != shown:
                problems.append(f"/{slug}/: shows {shown!r}, listed {listed.get(slug)!r}; "
                                f"allowed {invalid_now[slug]}")
        elif slug in expected:
            if page.status_code != 200 or shown != expected[slug]:
                problems.append(f"/{slug}/: {page.status_code} {shown!r}, expected {expected[slug]!r}")
        elif page.status_code != 404:
            problems.append(f"/{slug}/: {page.status_code}, expected 404")
    orphans = [slug for slug in listed if Post.count(Post.key_for(slug)[0]) == 0]
    if orphans:
        problems.append(f"listings without an article: {orphans}")
    return problems


OUR_SCRIPT = r"(https?://[^/\"]+)?/static/recent\.[0-9a-f]{12}\.js"  # the one script reader pages carry


def is_our_script(attributes: dict) -> bool:  # type: ignore[type-arg]
    """A <script> element that is the site's own widget script (templates/site/recent.js): from our origin,
    deferred, nothing inline, no other attribute."""
    return set(attributes) == {"src", "defer"} and bool(re.fullmatch(OUR_SCRIPT, attributes.get("src") or ""))

