"""The plan of a publish (chalicelib/publish/planner.py), checked without AWS: each test hands the
planner what the table and the bucket hold (``Current``) and reads what it will write, delete,
refuse and invalidate."""

from __future__ import annotations

from chalicelib import keys
from chalicelib.content import markup
from chalicelib.content.content_format import parse_article
from chalicelib.models import Post, Source
from chalicelib.publish.planner import Current, listing_names, plan_article

NOW = "2030-01-01T00:00:00Z"


def article(key: str = "articles/harbour.md", front: str = ""):  # type: ignore[no-untyped-def]
    """A checked article file and its rendered body."""
    parsed = parse_article(key, f"---\ntitle: Harbour fire\ndate: 2024-05-02T08:00:00Z\n{front}---\n\nIt burned.\n".encode())
    return parsed, markup.render_body(parsed.body, parsed.body_format)


def published(slug: str, key: str = "articles/harbour.md", **values) -> Post:  # type: ignore[no-untyped-def]
    """An article's item as the table holds it."""
    return Post(*keys.post(slug), kind="article", slug=slug, source_key=key, title="Harbour fire",
                date="2024-05-02T08:00:00Z", **values)


def redirect(path: str, key: str) -> Post:
    return Post(*keys.post(path), kind="redirect", slug=path, redirect_to="x", source_key=key)


def source(slug: str, redirects: list[str] | None = None) -> Source:
    return Source(*keys.source("articles/harbour.md"), kind="article", slug=slug, status="published", etag="old",
                  revision=3, settled=True, redirects=redirects)


def plan(parsed, body, found: Source | None = None, **current):  # type: ignore[no-untyped-def]
    return plan_article(parsed, body, found, Current(now=NOW, **current), etag="new")


def test_a_slug_another_existing_file_holds_refuses_naming_it_and_claims_the_slug():
    parsed, body = article()
    other = published("harbour", key="articles/other.md")
    planned = plan(parsed, body, owner=other, at={"harbour": other}, files={"articles/other.md": True})
    assert [str(p) for p in planned.refusal] == ["slug: 'harbour' is already used by articles/other.md; give this file "
                                                 "another slug, or delete the other file (this file is then "
                                                 "published by itself)"]
    assert planned.claims == ("harbour",) and planned.listings_put == () and planned.invalidate == frozenset()


def test_a_slug_whose_file_is_gone_is_taken_over_only_from_that_file():
    parsed, body = article()
    other = published("harbour", key="articles/gone.md", comment_count=4)
    planned = plan(parsed, body, owner=other, at={"harbour": other}, files={"articles/gone.md": False})
    assert planned.refusal == ()
    assert planned.took_over_from == "articles/gone.md" and planned.comment_count_seen == 4
    assert planned.notes[0] == "took over /harbour/ from articles/gone.md, which no longer exists"


def test_a_moved_article_redirects_its_old_slug_and_leaves_its_old_archive_entries():
    parsed, body = article(front="slug: harbour-blaze\ncategories: [Ports]\n")
    before = published("harbour", categories=["ports"], comment_count=2)
    planned = plan(parsed, body, source("harbour"), previous=before, at={"harbour": before})
    assert planned.redirects_put == ("harbour",) and planned.redirects == ("harbour",)
    assert {i.pk for i in planned.listings_deleted} == {keys.listing_pk(n) for n in listing_names(before)}
    assert {i.pk for i in planned.listings_put} == {keys.listing_pk(n) for n in listing_names(planned.post)}
    assert {"/harbour/", "/harbour-blaze/", "/category/ports/"} <= planned.invalidate
    assert "moved from /harbour/; the old URL now redirects" in planned.notes
    assert planned.post.comment_count == 0  # the new URL's: none approved there


def test_an_alias_another_existing_file_holds_refuses_naming_the_holder_and_the_form_it_holds():
    parsed, body = article(front="aliases: ['/?p=12']\n")
    held = redirect("?page_id=12", "articles/about.md")
    planned = plan(parsed, body, at={"?page_id=12": held}, files={"articles/about.md": True})
    assert [p.field for p in planned.refusal] == ["aliases"]
    assert planned.refusal[0].message.startswith("/?p=12 already leads to articles/about.md (as /?page_id=12)")
    assert planned.claims == ("?page_id=12",)


def test_an_alias_of_a_gone_file_is_taken_over_and_one_of_a_real_article_is_ignored():
    parsed, body = article(front="aliases: [/2019/05/harbour/, /markets/]\n")
    gone = redirect("2019/05/harbour", "articles/gone.md")
    real = published("markets", key="articles/markets.md")
    planned = plan(parsed, body, at={"2019/05/harbour": gone, "markets": real}, files={"articles/gone.md": False})
    assert planned.refusal == ()
    assert planned.redirects_put == ("2019/05/harbour",)
    assert dict(planned.redirects_taken_over) == {"2019/05/harbour": "articles/gone.md"}
    assert "alias /markets/ ignored: it is the URL of articles/markets.md" in planned.notes
    assert "took over /2019/05/harbour/ from articles/gone.md, which no longer exists" in planned.notes


def test_a_draft_is_in_no_archive_index_or_month_and_says_so():
    parsed, body = article(front="draft: true\ncategories: [Ports]\n")
    planned = plan(parsed, body)
    assert planned.listings_put == () and planned.search_entries == () and planned.month_added is None
    assert planned.notes[-1] == "draft: stored, not shown to readers"
    assert planned.post.draft is True


def test_a_sticky_article_leads_the_home_page_and_an_unsticky_one_leaves_it():
    parsed, body = article(front="sticky: true\n")
    planned = plan(parsed, body)
    assert keys.listing_pk(keys.STICKY) in {i.pk for i in planned.listings_put}
    unstuck, body = article()
    before = published("harbour", sticky=True)
    again = plan(unstuck, body, source("harbour"), previous=before, owner=before, at={"harbour": before})
    assert keys.listing_pk(keys.STICKY) in {i.pk for i in again.listings_deleted}


def test_new_categories_and_tags_move_the_archive_entries_and_name_the_pages_to_invalidate():
    parsed, body = article(front="categories: [Energy]\ntags: [Oil]\n")
    before = published("harbour", categories=["ports"], tags=[["fire", "Fire"]])
    planned = plan(parsed, body, source("harbour"), previous=before, owner=before, at={"harbour": before})
    assert {i.pk for i in planned.listings_deleted} == {keys.listing_pk(keys.category_listing("ports")),
                                                       keys.listing_pk(keys.tag_listing("fire"))}
    put = {i.pk: i for i in planned.listings_put}
    assert put[keys.listing_pk(keys.tag_listing("oil"))].label == "Oil"
    assert {"/category/energy/", "/category/ports/", "/tag/oil/", "/tag/fire/"} <= planned.invalidate
    assert planned.redirects_put == () and planned.refresh_links and planned.register_terms


def test_an_article_coming_back_keeps_the_comments_approved_at_its_url():
    parsed, body = article()
    planned = plan(parsed, body, approved_comments=7)
    assert planned.post.comment_count == 7 and planned.comment_count_seen is None and planned.took_over_from is None
