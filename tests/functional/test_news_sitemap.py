"""The Google News sitemap (issue 18): the last 48 hours' articles, as Google documents it."""

from __future__ import annotations

import datetime as dt

from lxml import etree

from tests.functional.test_ingest import article

NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"


def iso(hours_ago: float) -> str:
    moment = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=hours_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_news_sitemap_lists_only_the_last_48_hours_with_name_language_title_and_date(site):
    site.put("settings/site.yaml", "site_name: Tehran Times\nlanguage: fa\n")
    site.put("articles/fresh.md", article(title="Fresh & new", date=iso(1)))
    site.put("articles/yesterday.md", article(title="Yesterday", date=iso(30)))
    site.put("articles/old.md", article(title="Three days old", date=iso(72)))
    site.put("articles/later.md", article(title="Scheduled", date=iso(-5)))
    site.put("articles/draft.md", article(title="Draft", date=iso(2), draft="true"))
    assert site.ingest() == {"batchItemFailures": []}
    response = site.get("/sitemaps/news.xml")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/xml")
    root = etree.fromstring(response.body)
    assert root.tag == f"{{{SITEMAP}}}urlset"
    urls = root.findall(f"{{{SITEMAP}}}url")
    got = [(u.findtext(f"{{{SITEMAP}}}loc"), u.findtext(f"{{{NEWS}}}news/{{{NEWS}}}title")) for u in urls]
    assert got == [("http://localhost/fresh/", "Fresh & new"), ("http://localhost/yesterday/", "Yesterday")]
    news = urls[0].find(f"{{{NEWS}}}news")
    assert news.findtext(f"{{{NEWS}}}publication/{{{NEWS}}}name") == "Tehran Times"
    assert news.findtext(f"{{{NEWS}}}publication/{{{NEWS}}}language") == "fa"
    assert dt.datetime.fromisoformat(news.findtext(f"{{{NEWS}}}publication_date").replace("Z", "+00:00"))
    # Listed where crawlers look.
    assert "Sitemap: http://localhost/sitemaps/news.xml" in site.get("/robots.txt").body.decode()
    index = etree.fromstring(site.get("/sitemap.xml").body)
    assert "http://localhost/sitemaps/news.xml" in [s.findtext(f"{{{SITEMAP}}}loc") for s in index]
