"""Every URL form a WordPress site answered redirects (301) to where the page now is (issue 15)."""

from __future__ import annotations

import pytest

from chalicelib import old_urls
from tests.conftest import moto_site
from tests.functional.test_ingest import article
from tests.viewer_function import through


@pytest.fixture(scope="module")
def moved():  # type: ignore[no-untyped-def]
    """A site moved from WordPress: one post with its old permalink and id, one page with its id."""
    with moto_site(seed=False) as site:
        site.put("categories/news.yaml", "name: News\naliases: ['/?cat=5', /category/old-news/]\n")
        site.put("authors/sara.yaml", "name: Sara\naliases: ['/?author=2', /author/sara-k/]\n")
        site.put("articles/hello.md", article(title="Hello", date="2024-01-05", categories="[News]", tags="[mustread]",
                                              aliases="[/blog/2024/01/05/hello-world/, '/?p=42']"))
        site.put("pages/about.md", "---\ntitle: About\naliases: ['/?page_id=7', /blog/about-us/]\n---\n\nUs.\n")
        assert site.ingest() == {"batchItemFailures": []}
        yield site


MOVED = [
    ("/?p=42", "/hello/"), ("/index.php?p=42", "/hello/"), ("/?page_id=7", "/about/"), ("/?p=0042", "/hello/"),
    ("/blog/2024/01/05/hello-world/", "/hello/"), ("/blog/2024/01/05/hello-world", "/hello/"),
    ("/blog/about-us/", "/about/"),
    ("/?cat=5", "/category/news/"), ("/?cat=005", "/category/news/"), ("/?author=2", "/author/sara/"),
    ("/category/old-news/", "/category/news/"), ("/author/sara-k/", "/author/sara/"),
    ("/?tag=mustread", "/tag/mustread/"), ("/?feed=rss2", "/feed/"), ("/?feed=atom", "/feed/atom/"),
    ("/?m=202401", "/2024/01/"), ("/?m=2024", "/2024/"), ("/?year=2024&monthnum=1", "/2024/01/"),
    ("/page/2/", "/"), ("/category/news/page/3/", "/category/news/"), ("/tag/mustread/page/2/", "/tag/mustread/"),
    ("/author/sara/page/2/", "/author/sara/"), ("/2024/page/2/", "/2024/"), ("/2024/01/page/2/", "/2024/01/"),
    ("/2024/01/05/", "/2024/01/"),
    ("/feed/rss2/", "/feed/"), ("/feed/rdf/", "/feed/"), ("/comments/feed/", "/feed/"),
    ("/category/news/feed/rss2/", "/category/news/feed/"),
    ("/hello/feed/", "/hello/comments/feed/"), ("/blog/2024/01/05/hello-world/feed/", "/hello/comments/feed/"),
    ("/hello/attachment/photo-1/", "/hello/"), ("/hello/trackback/", "/hello/"),
    # A site that lived under /blog/ (or /demo/): its archives and feeds, at the root here.
    ("/blog/category/news/", "/category/news/"), ("/demo/feed/", "/feed/"), ("/blog/feed/atom/", "/feed/atom/"),
    ("/blog/tag/mustread/feed/", "/tag/mustread/feed/"), ("/blog/2024/01/", "/2024/01/"), ("/blog/2024/", "/2024/"),
    ("/blog/page/2/", "/"), ("/blog/category/news/page/2/", "/category/news/"),
    ("/blog/2024/01/05/", "/2024/01/"), ("/no-such/feed/", "/feed/"),  # read as a subdirectory's feed
    ("/blog/?p=42", "/hello/"), ("/blog/index.php?p=42", None),
]


@pytest.mark.parametrize("old, new", MOVED)
def test_old_wordpress_urls_redirect_permanently_to_the_new_page(moved, old, new):
    response = moved.get(old)
    if new is None:  # two segments: a post's old path, or nothing
        assert response.status_code == 404
        return
    assert response.status_code == 301, (old, response.status_code)
    location = response.headers["Location"]
    assert location == new or (old.rstrip("/") + "/" == location), (old, location)
    if location != new:  # the trailing-slash redirect first
        location = moved.get(location).headers["Location"]
    assert location == new
    final = moved.get(new)
    assert final.status_code in (200, 404)  # an archive of nobody (author/sara) is a 404, not a loop


NEVER_IMPORTED = ["/?p=999", "/?page_id=999", "/?cat=999", "/?author=999", "/category/never/", "/no-such/attachment/x/",
                  "/no-such-post/", "/no-such/comments/feed/", "/a/b/c/"]


@pytest.mark.parametrize("old", NEVER_IMPORTED)
def test_an_old_url_for_something_never_imported_is_a_404(moved, old):
    assert moved.get(old).status_code == 404


def test_id_queries_are_read_only_when_they_are_numbers():
    assert old_urls.id_alias({"p": "42"}) == "?p=42"
    assert old_urls.id_alias({"p": "x"}) is None and old_urls.id_alias({"p": "9" * 30}) is None
    assert old_urls.query_redirect({"tag": "<script>"}) is None


def test_p_of_a_page_redirects_to_the_page_as_wordpress_does(moved):
    """WordPress answers ?p= for a post of any type: /?p=3 -> /privacy-policy/ on the peer. The
    import keeps a page's id as ?page_id=7; /?p=7 finds it there, in the same one request."""
    response = moved.get("/?p=7")
    assert response.status_code == 301 and response.headers["Location"] == "/about/"
    assert moved.get("/about/").status_code == 200
    assert moved.get("/?page_id=42").status_code == 404  # ?page_id= names pages only: a post's id is not one


def test_every_old_url_answers_the_same_through_the_edges_function(moved, edge):
    """Behind CloudFront the viewer function folds WordPress's query into one parameter (``?wp=cat%3D5``)
    and the origin unfolds it: each old URL form, and with a tracking parameter added, is answered as
    when asked of the origin directly."""
    differences = []
    for old in [old for old, _ in MOVED] + NEVER_IMPORTED + ["/?p=7", "/?page_id=42", "/?year=2024&monthnum=1&x=1"]:
        for url in (old, old + ("&" if "?" in old else "?") + "utm_source=newsletter"):
            direct, edged = moved.get(url), through(moved, edge, url)
            if (edged.status_code, edged.headers.get("Location"), edged.body) != \
                    (direct.status_code, direct.headers.get("Location"), direct.body):
                differences.append(f"{url}: directly {direct.status_code} {direct.headers.get('Location')}, "
                                   f"through the edge {edged.status_code} {edged.headers.get('Location')}")
    assert differences == []
