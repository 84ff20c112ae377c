"""A live blog's structured data (chalicelib/site/live.py ``structured``) against schema.org's LiveBlogPosting
and Google's documented required properties for live blogs (Google Search Central, "Live blog" structured
data: LiveBlogPosting needs ``coverageStartTime``, ``headline`` and ``liveBlogUpdate``, and
``coverageEndTime`` once coverage ended; each update is a BlogPosting with ``headline``,
``datePublished`` and ``articleBody``, its ``url`` the page's address with an anchor and no query)."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from markupsafe import Markup

from chalicelib.site import live, views

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def problems(data: dict[str, Any]) -> list[str]:
    """What Google's live blog documentation would flag, one line each."""
    found = []
    if data.get("@context") != "https://schema.org" or data.get("@type") != "LiveBlogPosting":
        found.append("not a schema.org LiveBlogPosting")
    for name in ("headline", "coverageStartTime", "liveBlogUpdate"):
        if not data.get(name):
            found.append(f"{name} is required")
    if data.get("coverageStartTime") and not ISO.fullmatch(data["coverageStartTime"]):
        found.append("coverageStartTime is not ISO 8601")
    if "coverageEndTime" in data and not ISO.fullmatch(data["coverageEndTime"]):
        found.append("coverageEndTime is not ISO 8601")
    for n, update in enumerate(data.get("liveBlogUpdate") or []):
        if update.get("@type") != "BlogPosting":
            found.append(f"update {n} is not a BlogPosting")
        for name in ("headline", "datePublished", "articleBody", "url"):
            if not update.get(name):
                found.append(f"update {n}: {name} is required")
        if len(update.get("headline", "")) > 110:
            found.append(f"update {n}: headline over 110 characters")
        if "?" in update.get("url", "") or "#" not in update.get("url", ""):
            found.append(f"update {n}: url must be the page's with an anchor, without a query")
        if "<" in update.get("articleBody", ""):
            found.append(f"update {n}: articleBody carries markup")
    return found


def entry(entry_id: str, time: str, html: str) -> views.LiveEntryView:
    item = SimpleNamespace(entry_id=entry_id, sk=f"{time}#{entry_id}", time=time, author=None, author_name="Sara",
                           html=html, pinned=False, correction=None, edited=None, source_etag='"abc"')
    return views.live_entry(item, "share")


def structured(ended: str | None, entries: tuple[views.LiveEntryView, ...]) -> dict[str, Any]:
    site = SimpleNamespace(url=lambda path: "https://news.example.com" + path)
    post = SimpleNamespace(slug="storm", date="2026-12-07T08:00:00Z")
    article = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Storm hits the coast",
               "datePublished": "2026-12-07T08:00:00Z", "dateModified": "2026-12-07T08:00:00Z"}
    return live.structured(site, post, {"live_ended": ended}, article, entries)  # type: ignore[arg-type]


def test_a_live_blog_with_updates_has_every_required_property():
    entries = (entry("b", "2026-12-07T09:30:00Z", "<p><strong>Landfall</strong> near the port. More soon.</p>"),
               entry("a", "2026-12-07T09:00:00Z", "<p>" + "Very long sentence " * 20 + "</p>"))
    data = structured(None, entries)
    assert problems(data) == []
    assert data["liveBlogUpdate"][0]["headline"] == "Landfall near the port."
    assert data["liveBlogUpdate"][0]["url"] == "https://news.example.com/storm/#entry-b"
    assert "coverageEndTime" not in data and data["dateModified"] == "2026-12-07T09:30:00Z"


def test_an_ended_live_blog_says_when_and_the_checker_can_fail():
    data = structured("2026-12-07T12:00:00Z", (entry("a", "2026-12-07T09:00:00Z", "<p>Calm again.</p>"),))
    assert data["coverageEndTime"] == "2026-12-07T12:00:00Z" and problems(data) == []
    broken = {**data, "liveBlogUpdate": [{**data["liveBlogUpdate"][0], "url": "https://x/storm/?since=1",
                                          "articleBody": Markup("<p>x</p>")}]}
    del broken["coverageStartTime"]
    assert problems(broken) == ["coverageStartTime is required",
                                "update 0: url must be the page's with an anchor, without a query",
                                "update 0: articleBody carries markup"]
