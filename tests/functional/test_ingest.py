"""Editors' uploads reach readers through S3 -> SQS -> the ingest Lambda.

Every event here is one that moto produced for a real S3 operation, except
where a test says otherwise.
"""

from __future__ import annotations

import json
import re

from tests.functional.test_pages import text


def article(title: str = "Tehran markets rally", date: str = "2024-03-01", **fields: str) -> str:
    """An article file with the given front matter fields."""
    lines = [f"title: {json.dumps(title)}", f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\nStocks in Tehran rose for a third day.\n"


def test_uploaded_article_appears_on_home_and_its_own_url(site):
    site.put("articles/markets.md", article(categories="[Tehran]", author="Sara Ahmadi"))
    assert site.ingest() == {"batchItemFailures": []}
    page = site.get("/markets/")
    assert page.status_code == 200
    assert "Tehran markets rally" in text(page)
    assert "Stocks in Tehran rose for a third day." in text(page)
    assert "By Sara Ahmadi" in text(page)
    assert "Tehran markets rally" in text(site.get("/"))
    assert "Tehran markets rally" in text(site.get("/category/tehran/"))
    assert "Tehran markets rally" in text(site.get("/author/sara-ahmadi/"))


def test_updated_file_changes_the_page(site):
    site.put("articles/markets.md", article())
    site.ingest()
    site.put("articles/markets.md", article(title="Tehran markets rally again"))
    site.ingest()
    assert "Tehran markets rally again" in text(site.get("/markets/"))
    home = text(site.get("/"))
    assert home.count("Tehran markets rally") == 2  # listing + recent posts widget, no stale copy


def test_deleted_file_unpublishes_article(site):
    site.put("articles/markets.md", article(categories="[Tehran]"))
    site.ingest()
    site.delete("articles/markets.md")
    assert site.ingest() == {"batchItemFailures": []}
    assert site.get("/markets/").status_code == 404
    assert "Tehran markets rally" not in text(site.get("/"))
    assert "Tehran markets rally" not in text(site.get("/category/tehran/"))


def test_bad_front_matter_leaves_site_unchanged_and_writes_report(site):
    site.put("articles/markets.md", article())
    site.ingest()
    before_home = site.get("/").body
    site.put("articles/markets.md", article(title="Broken", date="July 12"))
    assert site.ingest() == {"batchItemFailures": []}  # acknowledged: not retried forever
    assert site.get("/markets/").status_code == 200
    assert "Tehran markets rally" in text(site.get("/markets/"))
    assert site.get("/").body == before_home
    report = json.loads(site.report("articles/markets.md"))
    assert report["file"] == "articles/markets.md"
    assert report["problems"] == [{"field": "date", "line": None,
                                   "problem": "is not an ISO 8601 date: 'July 12'; write it as "
                                              "2022-07-12 or 2022-07-12T09:30:00+04:30"}]


def test_fixing_a_bad_file_publishes_it_and_clears_the_report(site):
    site.put("articles/markets.md", "---\ntitle: [unclosed\n---\nbody\n")
    site.ingest()
    assert "front matter: is not valid YAML" in json.loads(site.report("articles/markets.md"))["message"]
    assert site.get("/markets/").status_code == 404
    site.put("articles/markets.md", article())
    site.ingest()
    assert site.get("/markets/").status_code == 200
    assert site.report("articles/markets.md") is None


def test_unknown_front_matter_field_is_reported(site):
    site.put("articles/markets.md", article(colour="red"))
    site.ingest()
    report = json.loads(site.report("articles/markets.md"))
    assert report["problems"][0]["field"] == "colour"
    assert "is not a known field" in report["problems"][0]["problem"]
    assert site.get("/markets/").status_code == 404


def test_key_with_spaces_plus_and_non_ascii_is_published(site):
    key = "articles/Café au lait + 100% news.md"
    site.put(key, article(title="Café story"))
    messages = site.receive()
    raw_key = json.loads(messages[0]["Body"])["Records"][0]["s3"]["object"]["key"]
    assert "+" in raw_key and "%" in raw_key  # moto URL-encodes the key as S3 does
    site.invoke(messages)
    assert "Café story" in text(site.get("/cafe-au-lait-100-news/"))
    site.delete(key)
    site.ingest()
    assert site.get("/cafe-au-lait-100-news/").status_code == 404


def test_reports_and_other_prefixes_do_not_reach_the_queue(site):
    site.put("reports/articles/x.md.json", "{}")
    site.put("media/photo.jpg", b"\xff\xd8")
    assert site.receive() == []


def test_draft_is_stored_but_not_shown(site):
    site.put("articles/markets.md", article(draft="true", categories="[Tehran]"))
    site.ingest()
    assert site.get("/markets/").status_code == 404
    assert "Tehran markets rally" not in text(site.get("/"))
    assert "Tehran markets rally" not in text(site.get("/category/tehran/"))


def test_future_article_is_hidden_until_its_date(site):
    site.put("articles/later.md", article(title="From the future", date="2999-01-01"))
    site.ingest()
    assert site.get("/later/").status_code == 404
    assert "From the future" not in text(site.get("/"))


def test_changed_slug_moves_article_and_redirects_old_url(site):
    site.put("articles/markets.md", article())
    site.ingest()
    site.put("articles/markets.md", article(slug="tehran-markets"))
    site.ingest()
    old = site.get("/markets/")
    assert old.status_code == 301
    assert old.headers["Location"] == "/tehran-markets/"
    assert site.get("/tehran-markets/").status_code == 200
    assert text(site.get("/")).count("Tehran markets rally") == 2


def test_alias_redirects_to_article(site):
    site.put("articles/markets.md", article(aliases="[/2024/03/01/old-markets/]"))
    site.ingest()
    page = site.get("/2024/03/01/old-markets/")
    assert page.status_code == 301
    assert page.headers["Location"] == "/markets/"


def test_second_file_claiming_a_slug_is_refused(site):
    site.put("articles/markets.md", article())
    site.ingest()
    site.put("articles/copy.md", article(title="Copy", slug="markets"))
    site.ingest()
    assert "Tehran markets rally" in text(site.get("/markets/"))
    report = json.loads(site.report("articles/copy.md"))
    assert "'markets' is already used by articles/markets.md" in report["message"]


def test_cross_link_follows_target_title_and_disappears_when_target_is_deleted(site):
    site.put("articles/a.md", "---\ntitle: A\ndate: 2024-01-01\n---\n\nSee also: [](/b/)\n")
    site.put("articles/b.md", article(title="First title of B"))
    site.ingest()
    assert '<a href="/b/">First title of B</a>' in site.get("/a/").body.decode()
    site.put("articles/b.md", article(title="Second title of B"))
    site.ingest()
    assert '<a href="/b/">Second title of B</a>' in site.get("/a/").body.decode()
    site.delete("articles/b.md")
    site.ingest()
    assert 'href="/b/"' not in site.get("/a/").body.decode()


def test_deleted_article_leaves_related_posts_of_others(site):
    site.put("articles/one.md", article(title="One", date="2024-01-01", categories="[Tehran]"))
    site.put("articles/two.md", article(title="Two", date="2024-01-02", categories="[Tehran]"))
    site.ingest()
    assert "One" in re.search(r'<section class="related".*?</section>', site.get("/two/").body.decode(), re.S)[0]
    site.delete("articles/one.md")
    site.ingest()
    assert '<section class="related"' not in site.get("/two/").body.decode()


def test_an_article_moved_to_a_later_date_never_lists_itself_as_related(site):
    site.put("articles/one.md", article(title="One", date="2024-01-01", categories="[Tehran]"))
    site.put("articles/two.md", article(title="Two", date="2024-01-02", categories="[Tehran]"))
    site.ingest()
    site.put("articles/one.md", article(title="One, updated", date="2024-01-03", categories="[Tehran]"))
    site.ingest()
    related = re.search(r'<section class="related".*?</section>', site.get("/one/").body.decode(), re.S)[0]
    assert 'href="/two/"' in related
    assert 'href="/one/"' not in related


def test_a_new_version_of_a_live_article_redoes_only_what_it_changes(site, monkeypatch):
    """No link to itself, no preview record or due-time schedule to drop (it was live), no category
    or author to register again (the last version named the same): the requests that are left."""
    import botocore.client

    site.put("articles/one.md", article(title="One", date="2024-01-01", categories="[Tehran]", author="sara"))
    site.put("articles/two.md", article(title="Two", date="2024-01-02", categories="[Tehran]", author="sara"))
    site.ingest()
    calls = []
    original = botocore.client.BaseClient._make_api_call

    def recording(client, operation, params):  # type: ignore[no-untyped-def]
        calls.append((client.meta.service_model.service_name, operation, json.dumps(params, default=str)))
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    site.put("articles/one.md", article(title="One, updated", date="2024-01-03", categories="[Tehran]",
                                        author="sara"))
    calls.clear()
    site.ingest()
    ingested = list(calls)
    assert "One, updated" in text(site.get("/one/"))
    calls = ingested
    written = [(op, params) for _, op, params in calls if op in ("PutItem", "DeleteItem", "DeleteObject")]
    assert not [w for w in written if '"refs#one"' in w[1] and '"one"}' in w[1]]  # no Ref from one to one
    assert not [w for w in written if "previews/" in w[1]]
    assert not [w for w in written if '"category"' in w[1] or '"author"' in w[1]]
    assert not [c for c in calls if c[1] == "DeleteItem" and calls.count(c) > 1]  # nothing deleted twice
    # The Source, the article, its related posts, one transaction, the one Ref that changed, search terms,
    # the month; the articles showing a link to it, refreshed; those after it; the site snapshot (one batch
    # read of it and the settings; categories, authors, recent and sticky posts; one write); settled.
    assert len([c for c in calls if c[0] == "dynamodb"]) <= 20, [c[1] for c in calls if c[0] == "dynamodb"]


def test_settings_category_and_author_files_change_the_site_without_redeploy(site):
    site.put("settings/site.yaml", "site_name: Daily Tehran\nfooter_links:\n  - {title: About, url: /about/}\n")
    site.put("categories/tehran.yaml", "name: Tehran City\nmenu_order: 1\n")
    site.put("authors/sara.yaml", "name: Sara Ahmadi\nbio: Writes about markets.\n")
    site.put("articles/markets.md", article(categories="[Tehran]", author="sara"))
    site.ingest()
    page = site.get("/markets/")
    words = text(page)
    assert "Daily Tehran" in words
    assert "Tehran City" in words
    assert "By Sara Ahmadi" in words
    assert '<a href="/about/">About</a>' in page.body.decode()


def test_html_article_is_sanitized(site):
    site.put("articles/story.html", "---\ntitle: Story\ndate: 2024-01-01\n---\n"
             '<p onclick="steal()">Hello <script>alert(1)</script><a href="javascript:alert(1)">x</a></p>')
    site.ingest()
    body = site.get("/story/").body.decode()
    assert "Hello" in body
    assert "<script>alert" not in body and "onclick" not in body and "javascript:" not in body


def test_title_is_escaped(site):
    site.put("articles/story.md", article(title="<img src=x onerror=alert(1)>"))
    site.ingest()
    body = site.get("/story/").body.decode()
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


def test_s3_test_event_is_ignored(site):
    config = site.s3.get_bucket_notification_configuration(Bucket=site.stack.bucket)
    config.pop("ResponseMetadata")
    site.s3.put_bucket_notification_configuration(Bucket=site.stack.bucket, NotificationConfiguration=config)
    messages = site.receive()
    assert [json.loads(m["Body"]).get("Event") for m in messages] == ["s3:TestEvent"]
    assert site.invoke(messages) == {"batchItemFailures": []}


def test_empty_site_serves_home_page(site):
    page = site.get("/")
    assert page.status_code == 200
    assert "Nothing has been published here yet." in text(page)
