"""The desk's Articles list answers "what's mine, what's today" (issue 43): one row per article with
its state in words, drafts and submissions on their article's row, unpublished articles kept, Mine
by the signed-in person, status tabs with counts, filters by name and month, and search over the
body text through the site's search index."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from tests.functional.test_desk import api, sign_in

ARTICLES = "/desk/articles"


def story(title: str, date: str = "2024-05-01T09:00:00Z", body: str = "Words.", author: str = "",
          categories: str = "Oil") -> str:
    by = f"author: {author}\n" if author else ""
    return f"---\ntitle: {title}\ndate: {date}\n{by}categories: [{categories}]\n---\n\n{body}\n"


def page_of(site, jar: str, query: str = "") -> str:  # type: ignore[no-untyped-def]
    answer = site.client.http.get(ARTICLES + query, headers={"Cookie": jar})
    assert answer.status_code == 200
    return answer.body.decode()


def rows(page: str) -> list[str]:
    """Each row's text, top to bottom, as an editor reads it."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("</tr>")[:-1]]


def titles(page: str) -> list[str]:
    return re.findall(r'<td data-label="Title"><a href="[^"]+">([^<]+)</a>', page)


def tab_counts(page: str) -> dict[str, int]:
    nav = page.split('class="tabs"', 1)[1].split("</nav>", 1)[0]
    return {name.strip(): int(count) for name, count in
            re.findall(r'>([A-Za-z ]+) <span class="tab-count">\((\d+)\)</span>', nav)}


def test_a_draft_of_a_live_article_shows_on_its_row_and_opens_from_it(desk):
    jar, token, _ = sign_in(desk)
    desk.put("articles/budget.md", story("Budget vote"))
    desk.ingest()
    html = desk.client.http.get("/desk/edit?key=articles/budget.md", headers={"Cookie": jar}).body.decode()
    version = re.search(r'data-version="([^"]*)"', html).group(1)
    versions = json.loads(re.search(r"data-versions='([^']*)'", html).group(1))
    saved = api(desk, "/desk/save", jar, token, {"action": "draft", "key": "articles/budget.md", "version": version,
                                                 "versions": versions, "body": "A change not yet live.",
                                                 "fields": {"title": "Budget vote", "date": "2024-05-01T09:00:00Z",
                                                            "categories": "Oil"}})
    assert saved.status_code == 200 and json.loads(saved.body)["key"] == "drafts/articles/budget.md"
    desk.ingest()
    page = page_of(desk, jar)
    assert titles(page) == ["Budget vote"]  # one row, not two
    (row,) = rows(page)
    assert "Live since 1 May 2024, 09:00" in row and "changes in draft by Local Editor" in row
    assert 'href="/desk/edit?key=drafts/articles/budget.md">Open the draft</a>' in page
    opened = desk.client.http.get("/desk/edit?key=articles/budget.md", headers={"Cookie": jar}).body.decode()
    assert "changes saved as a draft that are not live yet" in opened  # opening the live one offers the draft
    assert 'href="/desk/edit?key=drafts/articles/budget.md">Open the draft</a>' in opened


def test_a_submission_of_a_live_article_shows_on_its_row_and_counts_in_review(desk):
    desk.put("articles/budget.md", story("Budget vote"))
    desk.ingest()
    desk.put("submissions/articles/budget.md", story("Budget vote", body="A contributor's change."))
    desk.ingest()
    jar, _, _ = sign_in(desk)
    page = page_of(desk, jar)
    assert titles(page) == ["Budget vote"]
    assert "changes in review" in rows(page)[0]
    assert tab_counts(page)["In review"] == 1 and tab_counts(page)["Live"] == 1 and tab_counts(page)["All"] == 1
    assert titles(page_of(desk, jar, "?tab=in+review")) == ["Budget vote"]


def test_an_unpublished_article_stays_listed_as_unpublished_with_publish_again(desk):
    jar, token, _ = sign_in(desk)
    desk.put("articles/budget.md", story("Budget vote"))
    desk.put("articles/other.md", story("Other story", date="2024-04-01T09:00:00Z"))
    desk.ingest()
    desk.delete("articles/budget.md")
    desk.ingest()
    assert desk.get("/budget-vote/").status_code == 404
    page = page_of(desk, jar)
    assert titles(page) == ["Budget vote", "Other story"]
    assert rows(page)[0].startswith("Budget vote") and "Unpublished" in rows(page)[0] and "Publish again" in rows(page)[0]
    assert tab_counts(page)["Unpublished"] == 1
    assert titles(page_of(desk, jar, "?tab=unpublished")) == ["Budget vote"]
    desk.put("articles/budget.md", story("Budget vote"))  # published again: live, one row
    desk.ingest()
    again = page_of(desk, jar)
    assert titles(again) == ["Budget vote", "Other story"] and "Unpublished" not in rows(again)[0]
    assert tab_counts(again)["Unpublished"] == 0


def test_each_row_names_its_state_in_words(desk):
    desk.put("articles/live.md", story("Live one", date="2024-05-01T09:00:00Z"))
    desk.put("articles/later.md", story("Later one", date="2099-01-02T10:00:00Z"))
    desk.put("articles/draft.md", "---\ntitle: Draft one\ndate: 2024-04-01T09:00:00Z\ndraft: true\n---\n\nD.\n")
    desk.put("articles/broken.md", "---\ntitle: Broken one\n---\n\nNo date.\n")
    desk.ingest()
    jar, _, _ = sign_in(desk)
    shown = {row.split(" articles/")[0]: row
             for row in rows(page_of(desk, jar))}
    assert "Scheduled for 2 Jan 2099, 10:00" in shown["Later one"]
    assert "Live since 1 May 2024, 09:00" in shown["Live one"]
    assert " Draft " in shown["Draft one"] + " "
    refused = next(row for row in rows(page_of(desk, jar)) if "articles/broken.md" in row)  # no title: its file
    assert "Refused" in refused and "date: is required" in refused


def test_mine_goes_by_the_signed_in_person_and_tabs_count_each_state(desk):
    desk.put("authors/local-editor.yaml", "name: Local Editor\n")
    desk.put("articles/mine.md", story("Mine one", author="Local Editor"))
    desk.put("articles/theirs.md", story("Theirs", author="Someone Else", date="2024-04-01T09:00:00Z"))
    desk.put("articles/later.md", story("Later one", date="2099-01-02T10:00:00Z", author="Local Editor"))
    desk.ingest()
    jar, _, _ = sign_in(desk)
    page = page_of(desk, jar)
    assert tab_counts(page) == {"All": 3, "Mine": 2, "Live": 2, "Scheduled": 1, "Drafts": 0, "In review": 0,
                                "Unpublished": 0, "Refused": 0}
    assert titles(page_of(desk, jar, "?tab=mine")) == ["Later one", "Mine one"]
    assert titles(page_of(desk, jar, "?tab=scheduled")) == ["Later one"]
    admin_jar, _, _ = sign_in(desk, "admin")
    assert titles(page_of(desk, admin_jar, "?tab=mine")) == []  # the admin wrote none of them
    assert 'aria-current="page">Mine' in page_of(desk, jar, "?tab=mine")


def test_author_and_category_filters_take_names_and_offer_the_sites_own(desk):
    desk.put("articles/a.md", story("Oil story", author="Jane Roe", categories="Oil"))
    desk.put("articles/b.md", story("Gas story", author="John Doe", categories="Natural Gas",
                                    date="2024-04-01T09:00:00Z"))
    desk.ingest()
    jar, _, _ = sign_in(desk)
    page = page_of(desk, jar)
    assert '<option value="natural-gas">Natural Gas</option>' in page and '<option value="jane-roe">Jane Roe</option>' in page
    assert titles(page_of(desk, jar, "?author=Jane+Roe")) == ["Oil story"]  # a name works as the slug does
    assert titles(page_of(desk, jar, "?category=Natural+Gas")) == ["Gas story"]
    assert titles(page_of(desk, jar, "?category=natural-gas")) == ["Gas story"]
    row = rows(page_of(desk, jar, "?category=natural-gas"))[0]
    assert "John Doe" in row and "Natural Gas" in row  # names, not slugs


def test_the_month_filter_lists_the_months_and_dates_follow_the_editors_zone(desk):
    desk.put("articles/may.md", story("May story", date="2024-05-31T23:30:00Z"))
    desk.put("articles/april.md", story("April story", date="2024-04-10T09:00:00Z"))
    desk.ingest()
    jar, _, _ = sign_in(desk)
    page = page_of(desk, jar)
    assert '<option value="2024-05">May 2024</option>' in page and '<option value="2024-04">April 2024</option>' in page
    assert titles(page_of(desk, jar, "?month=2024-04")) == ["April story"]
    # In Tehran (UTC+3:30) the May story was published on 1 June.
    tehran = desk.client.http.get(ARTICLES + "?month=2024-06", headers={"Cookie": jar + "; desk_zone=Asia/Tehran"})
    assert titles(tehran.body.decode()) == ["May story"]
    assert "1 Jun 2024, 03:00" in tehran.body.decode() and "Asia/Tehran" in tehran.body.decode()


def test_search_finds_words_of_the_body_through_the_sites_index(desk):
    desk.put("articles/a.md", story("Budget vote", body="The parliament met about the pipeline tariffs."))
    desk.put("articles/b.md", story("Weather", body="Rain all week.", date="2024-04-01T09:00:00Z"))
    desk.put("articles/c.md", "---\ntitle: Weathervane draft\ndate: 2024-03-01T09:00:00Z\ndraft: true\n---\n\nD.\n")
    desk.ingest()
    jar, _, _ = sign_in(desk)
    assert titles(page_of(desk, jar, "?q=pipeline+tariff")) == ["Budget vote"]  # body words, stemmed
    assert titles(page_of(desk, jar, "?q=weather")) == ["Weather", "Weathervane draft"]  # a word, part of a title
    assert titles(page_of(desk, jar, "?q=rain")) == ["Weather"]
    assert titles(page_of(desk, jar, "?q=weathervane")) == ["Weathervane draft"]  # a draft: not in the index
    assert titles(page_of(desk, jar, "?q=vane")) == ["Weathervane draft"]  # ... found by part of its title
    assert titles(page_of(desk, jar, "?q=nothing+like+this")) == []


def test_a_search_reads_the_term_index_and_by_key_never_every_row(desk, aws_requests):
    for n in range(6):
        desk.put(f"articles/n-{n}.md", story(f"Story {n}", body="Pipelines." if n == 2 else "Other words."))
    desk.ingest()
    jar, _, _ = sign_in(desk)
    aws_requests.clear()
    assert titles(page_of(desk, jar, "?q=pipelines")) == ["Story 2"]
    calls = [op for service, op in aws_requests.calls if service == "dynamodb"]
    # the session, the term's Query, the articles by slug, their files by key, the few files the index
    # does not hold (a filtered Query), the snapshot, and the navigation's two counts (navigation.py)
    assert calls.count("BatchGetItem") == 2 and calls.count("Query") == 2 + 2 and "Scan" not in calls


def test_the_list_is_newest_first_a_page_at_a_time(desk, monkeypatch):
    monkeypatch.setattr("chalicelib.desk.listing.PAGE_SIZE", 2)
    for day in range(1, 6):
        desk.put(f"articles/day-{day}.md", story(f"Day {day}", date=f"2024-05-0{day}T09:00:00Z"))
    desk.ingest()
    jar, _, _ = sign_in(desk)
    first = page_of(desk, jar)
    assert titles(first) == ["Day 5", "Day 4"]
    older = re.search(r'href="\?after=([^"]+)">Older</a>', first).group(1)
    second = page_of(desk, jar, f"?after={older}")
    assert titles(second) == ["Day 3", "Day 2"] and "Newest</a>" in second


# --- pickers: the names an article picks exist ------------------------------------------------------

NEW = {"title": "Pickers story", "slug": "", "summary": "", "tags": "", "author": "",
       "date": "2024-03-01T09:00:00Z", "image": ""}


def _exists(site, key: str) -> bool:  # type: ignore[no-untyped-def]
    return site.s3.list_objects_v2(Bucket=site.stack.bucket, Prefix=key).get("KeyCount", 0) > 0


def test_an_unknown_category_is_refused_by_name_and_nothing_is_written(desk):
    jar, token, _ = sign_in(desk)
    refused = api(desk, "/desk/save", jar, token, {"action": "publish", "body": "Text.",
                                                   "fields": {**NEW, "categories": "Oil, Tehrn City"}})
    assert refused.status_code == 400
    (problem,) = json.loads(refused.body)["problems"]
    assert problem["field"] == "categories" and "Unknown category 'Tehrn City'" in problem["message"]
    assert "Create category 'Tehrn City'" in problem["message"]  # an editor may create it
    assert not _exists(desk, "articles/pickers-story.md")


def test_an_editor_creates_a_category_explicitly_and_it_is_published(desk):
    jar, token, _ = sign_in(desk)
    done = api(desk, "/desk/save", jar, token, {"action": "publish", "body": "Text.", "create": "category:Tehran City",
                                                "fields": {**NEW, "categories": "Tehran City"}})
    assert done.status_code == 200, done.body
    desk.ingest()
    assert desk.get("/category/tehran-city/").status_code == 200
    page = desk.client.http.get("/desk/new", headers={"Cookie": jar}).body.decode()
    assert "Tehran City" in re.search(r'id="f-categories"[^>]*data-choices="([^"]*)"', page).group(1)


def test_a_contributor_cannot_create_categories_or_invent_authors(desk):
    jar, token, _ = sign_in(desk, "contributor")
    category = api(desk, "/desk/save", jar, token, {"action": "submit", "body": "Text.", "create": "category:Nowhere",
                                                    "fields": {**NEW, "categories": "Nowhere"}})
    assert category.status_code == 400
    assert "Unknown category 'Nowhere'" in json.loads(category.body)["problems"][0]["message"]
    author = api(desk, "/desk/save", jar, token, {"action": "submit", "body": "Text.", "create": "author:Made Up",
                                                  "fields": {**NEW, "author": "Made Up"}})
    assert author.status_code == 400
    assert "Unknown author 'Made Up'" in json.loads(author.body)["problems"][0]["message"]
    assert not _exists(desk, "submissions/articles/pickers-story.md")
    own = api(desk, "/desk/save", jar, token, {"action": "submit", "body": "Text.",
                                               "fields": {**NEW, "author": "Local Contributor", "categories": "Oil",
                                                          "tags": "A brand new tag", "date": ""}})
    assert own.status_code == 200, own.body  # themselves, a category that exists, and a new tag


def test_the_editor_offers_the_sites_names_and_author_defaults_to_the_person(desk):
    desk.put("authors/jane-roe.yaml", "name: Jane Roe\n")
    desk.put("tags/elections.yaml", "name: Elections\n")
    desk.ingest()
    jar, _, _ = sign_in(desk)
    page = desk.client.http.get("/desk/new", headers={"Cookie": jar}).body.decode()
    author = re.search(r'<input id="f-author"[^>]*>', page).group(0)
    assert 'value="Local Editor"' in author and "Jane Roe" in author and 'data-create="author"' in author
    assert "Elections" in re.search(r'<input id="f-tags"[^>]*>', page).group(0)
    assert "Oil" in re.search(r'<input id="f-categories"[^>]*>', page).group(0)
    contributor, _, _ = sign_in(desk, "contributor")
    theirs = desk.client.http.get("/desk/new", headers={"Cookie": contributor}).body.decode()
    assert "data-create" not in theirs  # nothing to create for a contributor


# --- locks that tell the truth ------------------------------------------------------------------------

SHARED = "articles/shared.md"


def _lock(site, jar: str, token: str, **more):  # type: ignore[no-untyped-def]
    return api(site, "/desk/lock", jar, token, {"key": SHARED, **more})


def test_a_lock_its_holder_stopped_renewing_clears_within_a_minute(desk, monkeypatch):
    import time as real_time

    desk.put(SHARED, story("Shared"))
    desk.ingest()
    editor_jar, editor_token, _ = sign_in(desk, "editor")
    admin_jar, admin_token, _ = sign_in(desk, "admin")
    assert _lock(desk, editor_jar, editor_token).status_code == 200
    seen = _lock(desk, admin_jar, admin_token)
    assert seen.status_code == 409 and json.loads(seen.body)["editing"]["name"] == "Local Editor"
    later = real_time.time() + 50  # the editor's tab went away without a word: no heartbeat since
    monkeypatch.setattr("chalicelib.desk.views.time.time", lambda: later)
    assert _lock(desk, admin_jar, admin_token).status_code == 200  # "Local Editor is editing" is gone


def test_closing_the_tab_releases_the_lock_at_once(desk):
    desk.put(SHARED, story("Shared"))
    desk.ingest()
    editor_jar, editor_token, _ = sign_in(desk, "editor")
    admin_jar, admin_token, _ = sign_in(desk, "admin")
    assert _lock(desk, editor_jar, editor_token).status_code == 200
    assert _lock(desk, admin_jar, admin_token, release=True).status_code == 200  # not theirs to let go of
    assert _lock(desk, admin_jar, admin_token).status_code == 409
    assert _lock(desk, editor_jar, editor_token, release=True).status_code == 200
    assert _lock(desk, admin_jar, admin_token).status_code == 200


def test_after_a_take_over_the_first_editors_save_is_refused_with_the_reason(desk):
    desk.put(SHARED, story("Shared"))
    desk.ingest()
    editor_jar, editor_token, _ = sign_in(desk, "editor")
    admin_jar, admin_token, _ = sign_in(desk, "admin")
    html = desk.client.http.get(f"/desk/edit?key={SHARED}", headers={"Cookie": editor_jar}).body.decode()
    version = re.search(r'data-version="([^"]*)"', html).group(1)
    assert _lock(desk, editor_jar, editor_token).status_code == 200
    assert _lock(desk, admin_jar, admin_token, take_over=True).status_code == 200
    told = _lock(desk, editor_jar, editor_token)
    assert told.status_code == 409 and json.loads(told.body)["editing"]["name"] == "Local Admin"
    refused = api(desk, "/desk/save", editor_jar, editor_token, {
        "action": "publish", "key": SHARED, "version": version, "versions": {SHARED: version},
        "body": "The editor's late change.", "fields": {"title": "Shared", "date": "2024-05-01T09:00:00Z",
                                                        "categories": "Oil"}})
    assert refused.status_code == 423
    assert "Local Admin is editing this article" in json.loads(refused.body)["error"]
    assert "The editor's late change." not in desk.s3.get_object(Bucket=desk.stack.bucket, Key=SHARED)["Body"].read().decode()


def test_a_conflict_says_who_saved_the_other_version_when_and_diffs_the_body_word_by_word(desk):
    desk.put(SHARED, story("Shared", body="The vote is on Monday."))
    desk.ingest()
    editor_jar, editor_token, _ = sign_in(desk, "editor")
    admin_jar, admin_token, _ = sign_in(desk, "admin")
    html = desk.client.http.get(f"/desk/edit?key={SHARED}", headers={"Cookie": editor_jar}).body.decode()
    version = re.search(r'data-version="([^"]*)"', html).group(1)
    fields = {"title": "Shared", "date": "2024-05-01T09:00:00Z", "categories": "Oil"}
    theirs = api(desk, "/desk/save", admin_jar, admin_token, {
        "action": "publish", "key": SHARED, "version": version, "versions": {SHARED: version},
        "body": "The vote is on Tuesday.", "fields": {**fields, "title": "Shared, moved"}})
    assert theirs.status_code == 200
    mine = api(desk, "/desk/save", editor_jar, editor_token, {
        "action": "publish", "key": SHARED, "version": version, "versions": {SHARED: version},
        "body": "The vote is on Wednesday.", "fields": fields})
    assert mine.status_code == 409
    conflict = json.loads(mine.body)["conflict"]
    assert conflict["by"] == "Local Admin" and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:]+Z", conflict["at"])
    assert ["removed", "Tuesday."] in conflict["diff"] and ["added", "Wednesday."] in conflict["diff"]
    assert "---" not in "".join(text for _, text in conflict["diff"])  # the body, not the file's YAML
    assert conflict["fields"] == [{"field": "title", "label": "Title", "theirs": "Shared, moved", "mine": "Shared"}]


# --- bulk actions (issue 45) -----------------------------------------------------------------------------

def _bulk(site, jar: str, token: str, action: str, items: list[str], **more: str):  # type: ignore[no-untyped-def]
    from tests.functional.test_desk_screens import post_form

    return post_form(site, "/desk/bulk", jar, [("csrf", token), ("action", action), *[("item", i) for i in items],
                                               *more.items()])


def _ticked(page: str) -> list[str]:
    return re.findall(r'name="item" value="([^"]+)"', page)


def test_bulk_unpublish_asks_naming_how_many_then_takes_them_down(desk):
    desk.put("articles/a.md", story("First story"))
    desk.put("articles/b.md", story("Second story", date="2024-04-01T09:00:00Z"))
    desk.put("articles/c.md", story("Third story", date="2024-03-01T09:00:00Z"))
    desk.ingest()
    jar, token, _ = sign_in(desk)
    items = _ticked(page_of(desk, jar))[:2]
    asked = _bulk(desk, jar, token, "unpublish", items)
    assert asked.status_code == 200 and "<h1>Unpublish 2 articles?</h1>" in asked.body.decode()
    assert "First story" in asked.body.decode() and "Second story" in asked.body.decode()
    desk.ingest()
    assert desk.get("/a/").status_code == 200  # asking changed nothing
    done = _bulk(desk, jar, token, "unpublish", items, confirmed="1")
    assert done.status_code == 303
    said = desk.client.http.get(done.headers["Location"], headers={"Cookie": jar}).body.decode()
    assert "Unpublish 2 articles: done." in said  # the list says so
    desk.ingest()
    assert desk.get("/a/").status_code == 404 and desk.get("/b/").status_code == 404
    assert desk.get("/c/").status_code == 200
    assert tab_counts(page_of(desk, jar))["Unpublished"] == 2


def test_bulk_change_category_and_add_a_tag_rewrite_each_file(desk):
    desk.put("categories/gas.yaml", "name: Gas\n")
    desk.put("articles/a.md", story("First story", categories="Oil"))
    desk.ingest()
    jar, token, _ = sign_in(desk)
    items = _ticked(page_of(desk, jar))
    assert _bulk(desk, jar, token, "category", items, value_category="Gas", confirmed="1").status_code == 303
    desk.ingest()
    items = _ticked(page_of(desk, jar))
    assert _bulk(desk, jar, token, "tag", items, value_tag="Energy crisis", confirmed="1").status_code == 303
    desk.ingest()
    text = desk.s3.get_object(Bucket=desk.stack.bucket, Key="articles/a.md")["Body"].read().decode()
    assert "categories:\n- Gas\n" in text and "Energy crisis" in text
    refused = _bulk(desk, jar, token, "category", _ticked(page_of(desk, jar)), value_category="Tehrn City")
    assert refused.status_code == 303 and "Unknown category" in unquote(refused.headers["Location"])


def test_a_bulk_action_leaves_an_article_changed_since_the_list_was_shown(desk):
    desk.put("articles/a.md", story("First story"))
    desk.ingest()
    jar, token, _ = sign_in(desk)
    items = _ticked(page_of(desk, jar))
    desk.put("articles/a.md", story("First story", body="A colleague's newer text."))
    done = _bulk(desk, jar, token, "unpublish", items, confirmed="1")
    assert "changed since the list was shown" in unquote(done.headers["Location"])
    desk.ingest()
    assert desk.get("/a/").status_code == 200


def test_bulk_delete_takes_the_draft_too_and_contributors_may_not(desk):
    jar, token, _ = sign_in(desk)
    desk.put("articles/a.md", story("First story"))
    desk.ingest()
    desk.put("drafts/articles/a.md", story("First story", body="Draft."))
    desk.ingest()
    assert _bulk(desk, jar, token, "delete", _ticked(page_of(desk, jar)), confirmed="1").status_code == 303
    assert not _exists(desk, "articles/a.md") and not _exists(desk, "drafts/articles/a.md")
    contributor, contributor_token, _ = sign_in(desk, "contributor")
    assert 'name="item"' not in page_of(desk, contributor)
    assert _bulk(desk, contributor, contributor_token, "delete", ["articles/a.md|x"], confirmed="1").status_code == 403
