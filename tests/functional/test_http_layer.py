"""The HTTP layer every page shares: HEAD, OPTIONS, headers on every response, links that no
request header can change, the origin secret, and the 503 page when AWS fails (issue 17)."""

from __future__ import annotations

import re

import pytest

from chalicelib import config
from chalicelib.site import web
from devstack.photos import png
from tests.conftest import moto_site
from tests.faults import FaultInjector
from tests.functional.test_ingest import article

SECRET = "s3cret-from-the-stack"
EVIL = ("evil.example", "javascript", "attacker")
# Namespaces and specifications that feeds and sitemaps name (not links into the site).
SPECS = ("http://www.w3.org/", "http://www.sitemaps.org/", "http://purl.org/", "http://www.rssboard.org/",
         "http://www.google.com/schemas/", "http://www.georss.org/", "https://www.rssboard.org/",
         "http://backend.userland.com/", "https://schema.org", "https://lkiesow.github.io/python-feedgen")

# One path per page type the site serves (made by the `pages` fixture).
PAGE_TYPES = {
    "home": "/", "home, bad cursor": "/?after=x", "article": "/first/", "static page": "/about/",
    "category": "/category/tehran/", "tag": "/tag/nuclear/", "author": "/author/ninfa/",
    "search": "/search/?q=tehran", "site feed": "/feed/", "atom feed": "/feed/atom/",
    "category feed": "/category/tehran/feed/", "comments feed": "/first/comments/feed/",
    "sitemap index": "/sitemap.xml", "sitemap": "/sitemaps/posts-2024-01.xml", "pages sitemap": "/sitemaps/pages.xml",
    "robots.txt": "/robots.txt", "year": "/2024/", "month": "/2024/01/", "old url": "/2024/01/01/first-old/",
    "media": "/media/photo.png", "not found": "/no-such-page/",
}


@pytest.fixture(scope="module")
def pages():  # type: ignore[no-untyped-def]
    """One small site with every page type, shared by the module (read, never changed)."""
    with moto_site(seed=False) as site:
        yield _fill(site)


def _fill(site):  # type: ignore[no-untyped-def]
    site.put("authors/ninfa.yaml", "name: Ninfa\n")
    site.put("categories/tehran.yaml", "name: Tehran\n")
    site.put("media/photo.png", png(40, 30))
    site.put("articles/first.md", article(title="First", date="2024-01-01", categories="[Tehran]", author="ninfa",
                                          tags="[nuclear]", aliases="[/2024/01/01/first-old/]",
                                          image="/media/photo.png"))
    site.put("pages/about.md", "---\ntitle: About\n---\n\nWho we are.\n")
    site.ingest()
    return site


def request(site, method: str, path: str, headers: dict | None = None):  # type: ignore[no-untyped-def]
    return site.client.http.request(method, path, headers=headers or {})


# --- HEAD and OPTIONS -----------------------------------------------------------------------

@pytest.mark.parametrize("name", PAGE_TYPES)
def test_head_answers_what_get_answers_without_the_body(pages, name):
    path = PAGE_TYPES[name]
    get, head = request(pages, "GET", path), request(pages, "HEAD", path)
    assert get.status_code in (200, 301, 400, 404), (name, get.status_code)
    assert get.body or get.status_code == 301, name
    assert head.status_code == get.status_code and head.body == b""
    assert dict(head.headers) == dict(get.headers)


@pytest.mark.parametrize("path, allowed", [("/", "GET, HEAD, OPTIONS"), ("/first/", "GET, HEAD, OPTIONS"),
                                           ("/first/comments/", "GET, HEAD, POST, OPTIONS")])
def test_options_says_what_is_allowed_and_carries_the_security_headers(pages, path, allowed):
    response = request(pages, "OPTIONS", path)
    assert response.status_code == 204 and response.body == b""
    assert response.headers["Allow"] == allowed
    for name, value in web.SECURITY_HEADERS.items():
        assert response.headers[name] == value


def test_a_method_no_route_takes_still_gets_the_security_headers(pages):
    response = request(pages, "PUT", "/first/")
    assert response.status_code == 405
    assert response.headers["Content-Security-Policy"] == web.CONTENT_SECURITY_POLICY


# --- links no request header can change -------------------------------------------------------

HOSTILE_HEADERS = [
    {"X-Forwarded-Host": "evil.example"},
    {"X-Forwarded-Proto": "javascript"},
    {"Host": "evil.example", "X-Forwarded-Proto": "javascript"},
    {"Host": "evil.example:443", "X-Forwarded-Host": "evil.example, d111.cloudfront.net"},
    {"Host": "127.0.0.1:8000", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "javascript"},
    {"Host": "attacker\"><script>", "X-Forwarded-Host": "attacker/path"},
]


@pytest.mark.parametrize("base_url, secret", [("", ""), ("https://news.example.com", ""), ("", SECRET)],
                         ids=["no-base-url", "base-url", "distribution-without-base-url"])
@pytest.mark.parametrize("headers", HOSTILE_HEADERS)
def test_forwarded_host_and_protocol_never_reach_a_page_feed_sitemap_robots_or_location(
        pages, settings, base_url, secret, headers):
    settings(base_url=base_url, origin_secret=secret, allow_direct_access=True)
    # In-process there is no API Gateway domain: a loopback Host is this machine's own (chalice local).
    local = headers.get("Host", "localhost") if headers.get("Host", "").startswith("127.0.0.1:") else "localhost"
    expected = (base_url or f"http://{local}") + "/"
    for name, path in PAGE_TYPES.items():
        response = request(pages, "GET", path, headers)
        seen = response.body.decode("utf-8", "replace") if name != "media" else ""
        seen += response.headers.get("Location", "")
        for word in EVIL:
            assert word not in seen, (name, word)
        for link in re.findall(r"\b(?:href|src|action)=\"([^\"]*)\"", seen):
            assert link.startswith(("/", "#", "?", "data:", "mailto:", expected)) or link in SPECS, (name, link)
        for url in re.findall(r"\b[a-z][a-z0-9+.-]*://[^\s\"'<]*", seen):
            assert url.startswith(expected) or url.startswith(SPECS), (name, url)


def test_absolute_links_come_from_the_base_url_when_there_is_one(pages, settings):
    settings(base_url="https://news.example.com")
    body = request(pages, "GET", "/first/", {"Host": "evil.example"}).body.decode()
    assert '<link rel="canonical" href="https://news.example.com/first/">' in body
    assert "https://news.example.com/first/" in request(pages, "GET", "/feed/").body.decode()
    assert "Sitemap: https://news.example.com/sitemap.xml" in request(pages, "GET", "/robots.txt").body.decode()


def test_the_forwarded_host_is_believed_only_beside_the_origin_secret(pages, settings):
    settings(origin_secret=SECRET)
    through_cdn = {"X-Forwarded-Host": "d111.cloudfront.net", config.ORIGIN_HEADER: SECRET}
    body = request(pages, "GET", "/first/", through_cdn).body.decode()
    assert '<link rel="canonical" href="https://d111.cloudfront.net/first/">' in body
    settings(origin_secret=SECRET, allow_direct_access=True)
    forged = request(pages, "GET", "/first/", {"X-Forwarded-Host": "d111.cloudfront.net",
                                                config.ORIGIN_HEADER: "guess"}).body.decode()
    assert "d111.cloudfront.net" not in forged


@pytest.mark.parametrize("url", ["javascript://x", "http://news.example.com", "ftp://news.example.com",
                                 "https://news.example.com/?q=1", "https://user@news.example.com", "news.example.com",
                                 'https://news.example.com/"><script>'])
def test_a_base_url_with_another_scheme_or_parts_is_refused_naming_the_setting(url):
    with pytest.raises(ValueError, match="NEWSROOM_BASE_URL"):
        config.Config(base_url=url)


@pytest.mark.parametrize("url", ["https://news.example.com", "https://x.example.com/blog", "http://127.0.0.1:8000",
                                 "http://localhost:8000"])
def test_https_base_urls_and_local_http_ones_are_taken(url):
    assert config.Config(base_url=url + "/").base_url == url


# --- direct access around the distribution ------------------------------------------------------

@pytest.mark.parametrize("method, path", [("GET", "/"), ("GET", "/first/"), ("HEAD", "/feed/"),
                                          ("OPTIONS", "/"), ("POST", "/first/comments/")])
def test_requests_without_the_origin_secret_get_403_where_there_is_a_distribution(pages, settings, method, path):
    settings(origin_secret=SECRET)
    response = request(pages, method, path, {"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 403
    assert method == "HEAD" or b"answers only its CDN" in response.body
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    through_cdn = request(pages, "GET", "/first/", {config.ORIGIN_HEADER: SECRET})
    assert through_cdn.status_code == 200 and b"First" in through_cdn.body


def test_a_stage_reached_directly_lets_requests_without_the_secret_through(pages, settings):
    settings(origin_secret=SECRET, allow_direct_access=True)
    assert request(pages, "GET", "/first/").status_code == 200
    settings(origin_secret="")  # no distribution: nothing to check
    assert request(pages, "GET", "/first/").status_code == 200


# --- when AWS fails a page ----------------------------------------------------------------------

@pytest.mark.parametrize("service", ["dynamodb", "s3"])
@pytest.mark.parametrize("name", PAGE_TYPES)
def test_aws_failing_a_page_gives_the_sites_503_page_never_json_or_a_traceback(pages, monkeypatch, name, service):
    from chalicelib.site import store

    store.clear_site_cache()
    path = PAGE_TYPES[name]
    injector = FaultInjector(rate=1.0, only=lambda failing, operation, params: failing == service)
    with injector.installed(monkeypatch), injector.on():
        response = request(pages, "GET", path)
    if not injector.total:  # this page type does not call the service (only media reads S3)
        assert response.status_code in (200, 301, 400, 404), (name, response.status_code)
        return
    body = response.body.decode()
    assert response.status_code == 503, (name, response.status_code, body[:200])
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Retry-After"] == "30" and response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"] == web.CONTENT_SECURITY_POLICY
    assert "<html" in body and "Traceback" not in body and "InternalServerError" not in body
    assert "injected fault" not in body and not body.lstrip().startswith("{")


@pytest.mark.parametrize("method, path", [("get", "/desk/save"), ("put", "/"), ("delete", "/some-post/")])
def test_chalices_own_refusals_carry_the_security_headers_and_no_store(pages, method, path):
    response = getattr(pages.client.http, method)(path)
    assert response.status_code == 405
    assert response.headers["Cache-Control"] == ("private, no-store" if path.startswith("/desk") else "no-store")
    assert response.headers["X-Content-Type-Options"] == "nosniff" and "frame-ancestors 'none'" in \
        response.headers["Content-Security-Policy"]
