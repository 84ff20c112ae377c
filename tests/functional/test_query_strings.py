"""One page per path, whatever a link adds to it (issue 41): the origin answers only the query parameters
the site reads (chalicelib/archives.py QUERY_PARAMETERS), so the parameters the edge drops change nothing;
WordPress's names reach it folded into one (``?wp=``) through the edge's function and as they are
without it (``make run``), and both are the same page; and a page asked with a query string leaves the
edge within the minute by itself, as no invalidation names it."""

from __future__ import annotations

import random
import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib import archives
from chalicelib.site import web
from tests.conftest import moto_site
from tests.functional.test_ingest import article
from tests.viewer_function import through


@pytest.fixture(scope="module")
def pages():  # type: ignore[no-untyped-def]
    """A small site, read and never changed: articles in a category, a tag and an author's archive."""
    with moto_site(seed=False) as site:
        site.put("authors/sara.yaml", "name: Sara\n")
        site.put("settings/site.yaml", "site_name: Test News\npage_size: 2\n")
        for n in range(5):
            site.put(f"articles/story-{n}.md", article(title=f"Story {n}", date=f"2024-07-0{n + 1}",
                                                       categories="[Oil]", tags="[opec]", author="sara",
                                                       aliases=f"['/?p={100 + n}']"))
        site.ingest()
        older = re.search(r'href="(/\?after=[^"]+)"', site.get("/").body.decode())
        assert older is not None, "the front page links to its older page"
        yield site, older.group(1).split("=", 1)[1]


PATHS = ["/", "/story-1/", "/category/oil/", "/tag/opec/", "/author/sara/", "/2024/07/", "/search/", "/feed/",
         "/index.php", "/no-such-page/", "/story-1/comments/feed/", "/2024/07/01/", "/page/2/"]
JUNK = ["utm_source", "utm_medium", "utm_campaign", "fbclid", "gclid", "mc_cid", "mc_eid", "ref", "x", "_", "amp"]
READ = {*archives.QUERY_PARAMETERS, archives.WORDPRESS_FOLD}  # every other name is dropped at the edge
junk_names = st.one_of(st.sampled_from(JUNK), st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz_"), min_size=1,
                                                      max_size=8).filter(lambda n: n not in READ))
values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=10)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), known=st.data(), junk=st.lists(st.tuples(junk_names, values), max_size=4),
       seed=st.integers(0, 1000))
def test_the_origin_answers_the_same_page_direct_or_folded_with_or_without_the_parameters_the_edge_drops(
        pages, edge, path, known, junk, seed):
    site, cursor = pages
    asked = known.draw(st.lists(st.sampled_from([
        ("after", cursor), ("p", "101"), ("s", "story"), ("q", "story"), ("page", "2"), ("comment", "pending"),
        ("m", "202407"), ("tag", "opec"), ("feed", "rss2"), ("cat", "9"), ("comments", "bad"), ("before", cursor),
        ("year", "2024"), ("monthnum", "7"), ("page_id", "3"), ("author", "2"), ("attachment_id", "5"),
        ("feed", "atom"), ("s", "st%C3%B6ry one"), ("cat", ""), ("m", "2024"),
    ]), max_size=3, unique_by=lambda pair: pair[0]))
    mixed = asked + junk
    random.Random(seed).shuffle(mixed)
    bare = site.get(path + ("?" + urlencode(asked) if asked else ""))
    for answer in (site.get(path + "?" + urlencode(mixed)), through(site, edge, path + "?" + urlencode(mixed))):
        assert answer.status_code == bare.status_code
        assert answer.body == bare.body
        for header in ("Location", "Cache-Control", "ETag", "Content-Type"):
            assert answer.headers.get(header) == bare.headers.get(header), header


def test_a_tracked_link_to_an_old_wordpress_address_redirects_as_the_bare_one(pages, edge):
    site, _ = pages
    for path in ("/?p=102&utm_source=newsletter&fbclid=IwAR0", "/index.php?p=102&gclid=x"):
        for answer in (site.get(path), through(site, edge, path)):
            assert (answer.status_code, answer.headers["Location"]) == (301, "/story-2/")


def test_a_request_with_the_fold_and_wordpress_names_is_read_by_the_fold_alone(pages, edge):
    """The edge never forwards both; asked of the origin by hand, the fold wins, as the function reads it."""
    site, _ = pages
    for path in ("/?wp=p%3D102&cat=9&p=104", "/?wp=p%3D102"):
        for answer in (site.get(path), through(site, edge, path)):
            assert (answer.status_code, answer.headers["Location"]) == (301, "/story-2/")
    assert through(site, edge, "/?wp=&p=104").body == site.get("/").body  # an empty fold asks nothing


def test_the_front_page_at_index_php_is_the_front_page_whatever_the_link_adds(pages, edge):
    site, _ = pages
    for path in ("/index.php", "/index.php?utm_source=x"):
        for answer in (site.get(path), through(site, edge, path)):
            assert answer.status_code == 200 and "Story 4" in answer.body.decode()


@pytest.mark.parametrize("path", ["/?after={cursor}", "/story-1/?comment=pending", "/category/oil/?after={cursor}",
                                  "/search/?q=story", "/?s=story", "/no-such-page/"])
def test_a_page_no_invalidation_names_leaves_the_edge_within_the_minute(pages, path):
    """Invalidations name bare paths (chalicelib/publish/edge.py); a paged archive, search results or an
    article with a query string are other copies, so the edge keeps them 20 s, 10 s more stale at most,
    and never past that on the origin's errors; a browser keeps its copy 30 s more: a takedown reaches
    every copy within the minute."""
    site, cursor = pages
    answer = site.get(path.format(cursor=cursor))
    assert answer.headers["Cache-Control"] == web.SHORT_CACHE
    edge = dict(re.findall(r"([a-z-]+)=(\d+)", web.SHORT_CACHE))
    browser = dict(re.findall(r"([a-z-]+)=(\d+)", web.VIEWER_CACHE))  # what the edge tells viewers instead
    assert int(edge["s-maxage"]) + int(edge["stale-while-revalidate"]) + int(browser["max-age"]) <= 60
    assert "stale-if-error" not in edge


@pytest.mark.parametrize("path", ["/", "/story-1/", "/category/oil/"])
def test_a_bare_page_stays_a_day_at_the_edge_because_its_invalidation_names_it(pages, path):
    site, _ = pages
    assert site.get(path).headers["Cache-Control"] == web.PAGE_CACHE
