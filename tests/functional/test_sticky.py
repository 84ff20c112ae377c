"""Sticky articles stay on top of the home page's first page, as in WordPress (issue 15)."""

from __future__ import annotations

import re

from tests.functional.test_ingest import article


def home_titles(site, path: str = "/") -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'<article class="archive-entry[^"]*">.*?<h2><a[^>]*>([^<]+)</a>', site.get(path).body.decode(),
                      re.S)


def test_a_sticky_article_leads_the_first_page_of_home_only(site, aws_requests):
    site.put("settings/site.yaml", "site_name: News\npage_size: 3\n")
    for day in range(1, 6):
        site.put(f"articles/a{day}.md", article(title=f"Day {day}", date=f"2024-01-0{day}"))
    site.put("articles/old.md", article(title="Old but sticky", date="2023-05-01", sticky="true"))
    site.put("articles/future.md", article(title="Scheduled sticky", date="2999-01-01", sticky="true"))
    assert site.ingest() == {"batchItemFailures": []}
    assert home_titles(site) == ["Old but sticky", "Day 5", "Day 4", "Day 3"]
    assert 'class="archive-entry sticky"' in site.get("/").body.decode()
    aws_requests.clear()
    site.get("/")
    assert aws_requests.count("dynamodb") <= 2  # sticky posts come with the site snapshot: no extra read
    older = re.search(r'href="(/\?after=[^"]+)"', site.get("/").body.decode()).group(1).replace("&amp;", "&")
    # Later pages are by date, as WordPress's are: there it is again, at its own date.
    assert home_titles(site, older) == ["Day 2", "Day 1", "Old but sticky"]
    assert "Old but sticky" in site.get("/2023/").body.decode()  # and it keeps its date in the archives

    site.put("articles/old.md", article(title="Old but sticky", date="2023-05-01"))
    assert site.ingest() == {"batchItemFailures": []}
    assert home_titles(site) == ["Day 5", "Day 4", "Day 3"]
