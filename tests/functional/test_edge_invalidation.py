"""Every change reaches the edge: ingest invalidates exactly the paths it changed, once per batch
(issue 18; chalicelib/publish/edge.py), checked against moto's CloudFront."""

from __future__ import annotations

import re

import boto3
import pytest

from chalicelib.publish import edge
from tests.functional.test_ingest import article


@pytest.fixture
def cdn(site, settings):  # type: ignore[no-untyped-def]
    """A distribution in moto, named in the settings as the stack names it to ingest."""
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    distribution = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": "test", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "api", "DomainName": "example.execute-api.amazonaws.com",
                                               "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                                                      "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "api", "ViewerProtocolPolicy": "redirect-to-https",
                                 "MinTTL": 0, "ForwardedValues": {"QueryString": True, "Cookies": {"Forward": "none"}}},
    })["Distribution"]["Id"]
    settings(distribution_id=distribution)

    def invalidations() -> list[set[str]]:
        """The paths of each invalidation sent so far, oldest first."""
        listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"].get("Items", [])
        batches = [cloudfront.get_invalidation(DistributionId=distribution, Id=i["Id"])["Invalidation"]
                   for i in listed]
        batches.sort(key=lambda b: b["CreateTime"])
        return [set(b["InvalidationBatch"]["Paths"].get("Items", [])) for b in batches]

    return invalidations


SITE = {"/"}  # home; the site's feeds and sitemaps expire within the minute by themselves (below)


def archives(*names: str) -> set[str]:
    return {f"/{name}/" for name in names}  # their feeds, too, expire by themselves


def without_widget(site, cdn) -> int:  # type: ignore[no-untyped-def]
    """A site with no recent-posts widget (whose changes alter every page: see the widget tests), so
    that what an article's change invalidates is its own pages; the invalidations sent so far."""
    site.put("settings/site.yaml", "site_name: Test News\nrecent_posts: 0\n")
    site.ingest()
    return len(cdn())


def test_publish_update_rename_and_unpublish_each_send_one_invalidation_of_exactly_what_changed(site, cdn):
    sent = without_widget(site, cdn)
    site.put("articles/markets.md", article(categories="[Oil]", tags="[opec]", author="sara",
                                            aliases="[/2024/03/01/old-markets/]"))
    site.ingest()
    article_itself = {"/markets/", "/2024/03/01/old-markets/"}
    dates = {"/2024/", "/2024/03/"}
    expected = article_itself | dates | SITE | archives("category/oil", "tag/opec", "author/sara")
    assert cdn()[sent:] == [expected]

    site.put("articles/markets.md", article(title="Corrected", categories="[Oil]", tags="[opec]", author="sara",
                                            aliases="[/2024/03/01/old-markets/]"))
    site.ingest()
    assert len(cdn()) == sent + 2 and cdn()[-1] == expected  # a correction: the same pages again

    site.put("articles/markets.md", article(title="Corrected", categories="[Gas]", slug="markets-2024"))
    site.ingest()
    moved = cdn()[-1]
    assert {"/markets/", "/markets-2024/", "/2024/03/01/old-markets/"} <= moved
    assert archives("category/oil", "category/gas", "tag/opec", "author/sara") <= moved  # left and joined

    site.delete("articles/markets.md")
    site.ingest()
    gone = cdn()[-1]
    assert len(cdn()) == sent + 4
    assert {"/markets-2024/", "/markets/"} | archives("category/gas") | SITE <= gone
    assert site.get("/markets-2024/").status_code == 404


def test_a_batch_of_ten_files_sends_one_invalidation(site, cdn):
    sent = without_widget(site, cdn)
    for n in range(10):
        site.put(f"articles/story-{n}.md", article(title=f"Story {n}", categories="[Oil]"))
    messages = site.receive()
    assert len(messages) == 10
    assert site.invoke(messages) == {"batchItemFailures": []}
    [paths] = cdn()[sent:]
    assert {f"/story-{n}/" for n in range(10)} <= paths and "/category/oil/" in paths
    assert len(paths) < edge.MAX_PATHS


def test_a_settings_change_invalidates_every_page_with_one_path(site, cdn):
    site.put("settings/site.yaml", "site_name: Renamed\n")
    site.ingest()
    assert cdn() == [{"/*"}]


def test_an_unchanged_file_sends_nothing_and_no_distribution_sends_nothing(site, cdn, settings):
    site.put("articles/a.md", article())
    site.ingest()
    site.put("articles/a.md", article())  # the same bytes again (a duplicate event, a re-upload)
    site.ingest()
    assert len(cdn()) == 1
    settings(distribution_id="")
    site.put("articles/b.md", article(title="B"))
    site.ingest()
    assert len(cdn()) == 1


def test_the_recent_posts_widget_changing_invalidates_its_own_path_not_every_page(site, cdn):
    # Pages stay a day at the edge and fetch the widget from its own path (templates/site/recent.js):
    # whatever changes what it shows (a new article, a recent one renamed or removed) invalidates that
    # path with the article's own, never /*; other changes do not name it.
    widget = "/widgets/recent/"
    site.put("articles/new.md", article(title="Newest", date="2024-03-05"))
    site.ingest()
    assert cdn() == [{"/", "/2024/", "/2024/03/", "/new/", widget}]
    site.put("articles/new.md", article(title="Newest", date="2024-03-05") + "\nA corrected figure.\n")
    site.ingest()
    assert len(cdn()) == 2 and widget not in cdn()[-1] and "/new/" in cdn()[-1]  # its body only
    site.put("articles/new.md", article(title="Newest, corrected", date="2024-03-05"))
    site.ingest()
    assert widget in cdn()[-1] and "/*" not in cdn()[-1]  # its title is in the widget
    assert "Newest, corrected" in site.get(widget).body.decode()
    for n in range(5):
        site.put(f"articles/recent-{n}.md", article(title=f"Recent {n}", date=f"2024-03-1{n}"))
    site.ingest()
    site.put("articles/old.md", article(title="From the archive", date="2019-01-01"))
    site.ingest()
    assert widget not in cdn()[-1] and "/old/" in cdn()[-1]  # older than the five shown
    assert "public, max-age=60, s-maxage=86400" in site.get("/old/").headers["Cache-Control"]
    assert all("/*" not in batch for batch in cdn())


def test_every_page_carries_the_widget_as_made_and_the_script_that_renews_it(site):
    site.put("articles/new.md", article(title="Newest", date="2024-03-05"))
    site.ingest()
    page = site.get("/new/")
    html = page.body.decode()
    assert 'data-fresh="/widgets/recent/"' in html and '<a href="/new/">Newest</a>' in html
    script = re.search(r'<script src="(/static/recent\.[0-9a-f]+\.js)" defer></script>', html).group(1)
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "<script>" not in html
    served = site.get(script)
    assert served.status_code == 200 and served.headers["Content-Type"].startswith("text/javascript")
    assert "immutable" in served.headers["Cache-Control"]
    widget = site.get("/widgets/recent/")
    assert widget.status_code == 200 and widget.body.decode().strip().startswith("<ul>")
    assert '<a href="/new/">Newest</a>' in widget.body.decode() and widget.headers["X-Robots-Tag"] == "noindex"
    assert "s-maxage=86400" in widget.headers["Cache-Control"]


def test_cloudfront_failing_does_not_fail_the_change(site, cdn, monkeypatch):
    from tests.faults import FaultInjector

    failing = FaultInjector(rate=1.0, only=lambda service, operation, params: operation == "CreateInvalidation")
    monkeypatch.setitem(__import__("tests.faults", fromlist=["x"]).TRANSIENT_ERRORS, "cloudfront", ["Throttling"])
    site.put("articles/a.md", article())
    with failing.installed(monkeypatch), failing.on():
        assert site.ingest() == {"batchItemFailures": []}
    assert failing.total >= 1 and cdn() == []
    assert site.get("/a/").status_code == 200  # live at the origin; the edge expires it by s-maxage


def test_approving_or_deleting_a_comment_drops_the_articles_pages_from_the_edge(site, cdn):
    from click.testing import CliRunner

    from chalicelib.publish import moderation as comments
    from newsroom.cli import main as newsroom

    site.put("articles/markets.md", article())
    site.ingest()
    before = len(cdn())
    comments.import_comment("markets", "c1", None, "Reader", None, "Well said", "2024-03-02T10:00:00Z",
                            approved_already=False)
    approved = CliRunner().invoke(newsroom, ["comments", "approve", "c1"])
    assert approved.exit_code == 0, approved.output
    site.ingest()  # the editors' tool asked ingest, which knows the distribution
    assert cdn()[before:] == [{"/markets/"}]
    deleted = CliRunner().invoke(newsroom, ["comments", "delete", "markets/c1"])
    assert deleted.exit_code == 0, deleted.output
    site.ingest()
    assert cdn()[-1] == {"/markets/"} and len(cdn()) == before + 2


@pytest.mark.parametrize("path", ["/feed/", "/feed/atom/", "/category/oil/feed/", "/category/oil/feed/atom/",
                                  "/tag/opec/feed/", "/author/sara/feed/", "/markets/comments/feed/", "/sitemap.xml",
                                  "/sitemaps/news.xml", "/sitemaps/posts-2024-03.xml", "/sitemaps/pages.xml"])
def test_feeds_and_sitemaps_are_never_named_because_the_edge_refetches_them_within_a_minute(site, path):
    """What an invalidation leaves out must expire by itself within the minute a takedown allows:
    the edge's time to live plus the time it may serve it stale while refetching."""
    from chalicelib.publish import edge

    site.put("articles/markets.md", article(categories="[Oil]", tags="[opec]", author="sara"))
    site.ingest()
    assert edge.expires_by_itself(path)
    answer = site.get(path)
    assert answer.status_code == 200, path
    directives = dict(d.strip().partition("=")[::2] for d in answer.headers["Cache-Control"].split(","))
    assert int(directives["s-maxage"]) + int(directives.get("stale-while-revalidate", 0)) < 60
    assert int(directives["max-age"]) == 0  # nor does the reader's browser keep it


def test_an_invalidation_request_names_only_site_paths():
    from chalicelib.messages import Invalidate, parse

    assert parse(Invalidate(("/a/", "/b/")).body()) == [Invalidate(("/a/", "/b/"))]
    assert parse('{"newsroom-invalidate": {"paths": ["/*", "http://evil/", "/ok/", 3]}}') == [Invalidate(("/ok/",))]
    assert parse('{"Records": []}') == [] and parse("not json") == []


def test_a_parent_page_retitled_or_removed_drops_its_child_pages_from_the_edge(site, cdn):
    without_widget(site, cdn)
    site.put("pages/about.md", "---\ntitle: About us\n---\n\nWho we are.\n")
    site.put("pages/team.md", "---\ntitle: Our team\nparent: about\n---\n\nPeople.\n")
    site.ingest()
    sent = len(cdn())
    site.put("pages/about.md", "---\ntitle: About the paper\n---\n\nWho we are.\n")
    site.ingest()
    assert "/team/" in set().union(*cdn()[sent:])  # its breadcrumb names the new title
    assert "About the paper</a> ›" in site.get("/team/").body.decode()
    sent = len(cdn())
    site.s3.delete_object(Bucket=site.stack.bucket, Key="pages/about.md")
    site.ingest()
    assert "/team/" in set().union(*cdn()[sent:])  # its breadcrumb no longer links it
    assert 'href="/about/"' not in site.get("/team/").body.decode()
