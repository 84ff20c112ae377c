"""Readers' pages over the sample content: every element of the seed page."""

from __future__ import annotations

import re

SEED = "/iran-russia-alliance-grows-as-biden-heads-to-middle-east-amid-growing-threats/"
RELATED = [
    "Buyer of Jack Dorsey’s first tweet reportedly arrested in Iran",
    "Iran reports 14,319 new COVID-19 cases, 2,765,485 in total – Xinhua English.news.cn",
    "Iran: homosexual murder highlights dangers of state-sanctioned abuse against LGBTI people",
    "Main headlines: Airtel back in black in the fourth quarter; India loses gas field in Iran",
]
RECENT = [
    "Op-Ed: Protests in Iran have ties to Nebraska youth",
    "New debate in Tehran on the production of a nuclear bomb",
    "Iran calls for creation of technical engineering consortia with CIS members",
    "‘Good words’ not enough, IAEA hopes for transparency from Iran",
    "Iran’s kleptocracy allows incompetents to decide people’s fate",
]
CATEGORIES = ["Iran economy", "Iran finance", "Iranian news", "Lending", "Tehran"]
MENU = ["Home", "Iranian news", "Tehran", "Iran finance", "Iran economy", "Lending"]


def text(response) -> str:
    """The page as a reader reads it: tags stripped, entities decoded, spaces folded."""
    import html

    body = re.sub(r"<style>.*?</style>", "", response.body.decode(), flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def section(response, pattern: str) -> str:
    match = re.search(pattern, response.body.decode(), flags=re.DOTALL)
    assert match, f"no match for {pattern}"
    import html

    return html.unescape(match.group(0))


def link_texts(fragment: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<a [^>]*>(.*?)</a>", fragment, re.DOTALL)]


def test_article_page_shows_title_byline_date_and_comment_count(seeded):
    page = seeded.get(SEED)
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    words = text(page)
    assert "<h1>Iran-Russia alliance grows as Biden heads to Middle East amid growing threats</h1>" in page.body.decode()
    assert 'By <a href="/author/ninfa-along/" rel="author">Ninfa ALong</a>' in page.body.decode()
    assert "July 12, 2022" in words
    assert "0 comments" in words


def test_article_page_shows_the_full_body(seeded):
    words = text(seeded.get(SEED))
    assert "President Biden’s trip to the Middle East risks being overshadowed by Vladimir Putin" in words
    assert "Putin’s trip would help improve economic relations between the two sanctions-hit countries." in words
    assert "This article is based in part on reports from the telegraph services." in words


def test_article_page_shows_breadcrumb_home_category_title(seeded):
    crumbs = section(seeded.get(SEED), r'<nav class="breadcrumb".*?</nav>')
    assert '<a href="/">Home</a>' in crumbs
    assert '<a href="/category/iranian-news/">Iranian news</a>' in crumbs
    assert "Iran-Russia alliance grows as Biden heads to Middle East amid growing threats</span>" in crumbs


def test_see_also_link_shows_the_linked_articles_title(seeded):
    body = seeded.get(SEED).body.decode()
    assert ('<strong>SEE ALSO:</strong> <a href="/ukrainian-born-rep-victoria-sparta-escalates-row-with-'
            'zelenskyys-inner-circle/">Ukrainian-born Rep. Victoria Sparta escalates row with Zelenskyy’s '
            'inner circle</a>') in body


def test_related_posts_are_four_newest_earlier_in_category(seeded):
    related = section(seeded.get(SEED), r'<section class="related".*?</section>')
    assert link_texts(related) == RELATED


def test_sidebar_shows_categories_and_five_recent_posts(seeded):
    page = seeded.get(SEED)
    assert link_texts(section(page, r'<section class="widget" aria-labelledby="widget-categories">.*?</section>')) == CATEGORIES
    assert link_texts(section(page, r'<section class="widget" aria-labelledby="widget-recent"[^>]*>.*?</section>')) == RECENT


def test_header_menu_and_footer_pages(seeded):
    page = seeded.get(SEED)
    assert link_texts(section(page, r'<nav class="menu".*?</nav>')) == MENU
    assert link_texts(section(page, r'<footer.*?</footer>')) == ["Privacy Policy", "Terms and Conditions"]
    assert "Mohakeme" in section(page, r'<p class="site-name">.*?</p>')


def test_home_lists_newest_articles_first(seeded):
    page = seeded.get("/")
    assert page.status_code == 200
    titles = [t for t in re.findall(r'<h2><a href="/[^"]+/">(.*?)</a></h2>', page.body.decode())]
    import html

    titles = [html.unescape(t) for t in titles]
    assert titles[:5] == RECENT
    assert len(titles) == 10  # page size from settings/site.yaml
    assert "Iran-Russia alliance grows as Biden heads to Middle East amid growing threats" in titles


def test_category_page_lists_its_articles_only(seeded):
    page = seeded.get("/category/iranian-news/")
    assert page.status_code == 200
    words = text(page)
    assert "Iranian news" in section(page, r"<h1>.*?</h1>")
    assert "Iran-Russia alliance grows as Biden heads to Middle East amid growing threats" in words
    assert "Buyer of Jack Dorsey’s first tweet reportedly arrested in Iran" in words
    assert "New debate in Tehran on the production of a nuclear bomb" not in section(page, r"<main.*?</main>")


def test_author_page_shows_bio_and_articles(seeded):
    page = seeded.get("/author/ninfa-along/")
    assert page.status_code == 200
    words = text(page)
    assert "Author: Ninfa ALong" in words
    assert "covers Iranian politics" in words
    assert "Iran-Russia alliance grows as Biden heads to Middle East amid growing threats" in words


def test_static_page_renders_with_site_chrome(seeded):
    page = seeded.get("/privacy-policy/")
    assert page.status_code == 200
    assert "<h1>Privacy Policy</h1>" in page.body.decode()
    assert "Reading Mohakeme needs no account" in text(page)
    assert "Recent Posts" in text(page)


def test_unknown_url_is_404_with_site_chrome(seeded):
    for path in ("/no-such-article/", "/category/no-such-category/", "/author/nobody/", "/a/b/c/"):
        page = seeded.get(path)
        assert page.status_code == 404, path
        words = text(page)
        assert "Page not found" in words
        assert "Iranian news" in section(page, r'<nav class="menu".*?</nav>')


def test_url_without_trailing_slash_redirects_to_the_canonical_one(seeded):
    for path in (SEED, "/category/tehran/", "/author/ninfa-along/"):
        page = seeded.get(path.rstrip("/"))
        assert page.status_code == 301
        assert page.headers["Location"] == path


def test_a_cold_article_page_reads_the_article_and_the_site_in_one_request(seeded, aws_requests):
    from chalicelib.site import store

    store.clear_site_cache()  # a new Lambda: nothing cached
    page = seeded.get(SEED)
    assert page.status_code == 200 and "Iranian news" in text(page)  # the menu: from the site snapshot
    assert aws_requests.calls == [("dynamodb", "BatchGetItem")]


def test_home_and_category_pages_make_at_most_three_dynamodb_requests(seeded, aws_requests):
    for path in ("/", "/category/tehran/", "/author/ninfa-along/"):
        aws_requests.clear()
        seeded.get(path)
        assert aws_requests.count("dynamodb") <= 3, path
        assert [op for _, op in aws_requests.calls if op == "Scan"] == []


def test_warm_article_page_makes_one_dynamodb_request(seeded, aws_requests, settings):
    settings(site_cache_seconds=60)
    seeded.get(SEED)
    aws_requests.clear()
    seeded.get(SEED)
    assert aws_requests.calls == [("dynamodb", "GetItem")]


def test_keys_dynamodb_leaves_unprocessed_are_read_again(seeded, aws_requests, monkeypatch):
    from pynamodb.connection import TableConnection

    from chalicelib.site import store

    original = TableConnection.batch_get_item
    throttled = []

    def first_unprocessed(self, keys, **options):  # type: ignore[no-untyped-def]
        data = original(self, keys, **options)
        if not throttled:  # as DynamoDB answers when throttled: some keys back unread
            throttled.append(keys)
            table = self.table_name
            data["Responses"][table], data["UnprocessedKeys"] = [], {table: {"Keys": keys}}
        return data

    monkeypatch.setattr(TableConnection, "batch_get_item", first_unprocessed)
    store.clear_site_cache()
    page = seeded.get(SEED)
    assert page.status_code == 200 and "Iranian news" in text(page)
    assert aws_requests.calls == [("dynamodb", "BatchGetItem")] * 2
