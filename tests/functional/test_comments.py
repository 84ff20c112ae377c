"""Reader comments: posting, moderation, counting, closing, abuse protection (issue 8)."""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

from chalicelib.models import Comment, Post, RateLimit
from chalicelib.publish import moderation as comments
from chalicelib.publish import planner
from chalicelib.site import comment_rules
from chalicelib.site import comments as shown_comments
from newsroom.cli import main as newsroom
from tests.conftest import STAND_IN
from tests.functional.test_ingest import article
from tests.functional.test_pages import text
from tests.site_checks import is_our_script

ORIGIN = "http://localhost"  # what the Chalice test client's requests resolve to (no Host header)
SLUG = "markets"
CDN_SECRET = "the-secret-our-distribution-sends"


@pytest.fixture(autouse=True)
def behind_cloudfront(settings):
    """The stack's origin secret, as a deployed stack with a distribution has it (with direct calls
    let through, AllowDirectAccess, so that the tests can also call as someone going around it)."""
    settings(origin_secret=CDN_SECRET, allow_direct_access=True)


@pytest.fixture
def blog(site):
    def arrange(site):  # type: ignore[no-untyped-def]
        site.put(f"articles/{SLUG}.md", article(categories="[Tehran]"))
        site.put("articles/closed.md", article(title="No comments here", comments="false"))
        assert site.ingest() == {"batchItemFailures": []}

    return STAND_IN.arranged("test_comments.blog", site, arrange)  # made once, put back for each test


def token_on(site, slug: str = SLUG) -> str:
    page = site.get(f"/{slug}/").body.decode()
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, "the article has no comment form"
    return found.group(1)


def post(site, slug: str = SLUG, headers: dict[str, str] | None = None, ip: str = "203.0.113.7",
         **fields: str) -> Any:
    """A reader submits the comment form (as a browser does: Origin header, urlencoded body), through
    CloudFront (which adds the reader's address and the origin secret)."""
    form = {"name": "Sara", "email": "", "text": "Well said.", "website": "", **fields}
    if "token" not in fields:
        form["token"] = token_on(site, slug)
    sent = {"Content-Type": "application/x-www-form-urlencoded", "Origin": ORIGIN,
            "CloudFront-Viewer-Address": f"{ip}:4431", "X-Newsroom-Origin": CDN_SECRET, **(headers or {})}
    sent = {k: v for k, v in sent.items() if v is not None}
    return site.client.http.post(f"/{slug}/comments/", headers=sent, body=urlencode(form).encode())


def pending_ids() -> list[str]:
    return [c.id for c in comments.pending()]


def cli(*args: str) -> Any:
    return CliRunner().invoke(newsroom, ["comments", *args], catch_exceptions=False)


def count(slug: str = SLUG) -> int:
    return int(Post.get(*Post.key_for(slug)).comment_count)


# --- posting and moderation ------------------------------------------------------------

def test_a_posted_comment_waits_for_approval_then_shows_and_counts(blog):
    page = text(blog.get(f"/{SLUG}/"))
    assert "0 comments" in page and "Leave a comment" in page

    response = post(blog, name="Sara Ahmadi", email="sara@example.com", text="Prices will fall again.")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/{SLUG}/?comment=pending#comments"
    assert response.headers["Cache-Control"] == "no-store"
    thanks = text(blog.get(f"/{SLUG}/?comment=pending"))
    assert "awaiting moderation" in thanks and "Prices will fall again." not in thanks

    [stored] = comments.pending()
    assert (stored.slug, stored.name, stored.email, stored.status) == (SLUG, "Sara Ahmadi", "sara@example.com",
                                                                       "pending")
    listed = cli("list")
    assert listed.exit_code == 0 and stored.id in listed.output and "Prices will fall again." in listed.output

    approved = cli("approve", stored.id)
    assert approved.exit_code == 0, approved.output
    assert f"approved {SLUG}/{stored.id}" in approved.output
    page = text(blog.get(f"/{SLUG}/"))
    assert "Prices will fall again." in page and "Sara Ahmadi" in page
    assert "1 comment" in page and "sara@example.com" not in page
    assert count() == 1 and comments.pending() == []
    assert cli("approve", stored.id).exit_code == 1  # already approved: a clear error, no second count
    assert count() == 1


def test_rejected_comments_are_never_shown_nor_counted(blog):
    post(blog, text="Buy cheap watches")
    [spam] = pending_ids()
    result = cli("reject", spam)
    assert result.exit_code == 0 and f"rejected {spam}" in result.output
    assert "Buy cheap watches" not in text(blog.get(f"/{SLUG}/"))
    assert count() == 0 and pending_ids() == []
    assert spam in cli("list", "--rejected").output
    kept = Comment.get(comments.REJECTED, spam)
    assert kept.expires > time.time() + 29 * 86400  # DynamoDB's TTL removes it after 30 days


def test_deleting_an_approved_comment_removes_its_replies_and_lowers_the_count(blog):
    post(blog, text="First!")
    [first] = pending_ids()
    comments.approve(first)
    post(blog, text="A reply", parent=first, ip="203.0.113.8")
    post(blog, text="Another thread", ip="203.0.113.9")
    for comment_id in pending_ids():
        comments.approve(comment_id)
    assert count() == 3
    result = cli("delete", f"{SLUG}/{first}")
    assert result.exit_code == 0 and "and 1 replies" in result.output
    page = text(blog.get(f"/{SLUG}/"))
    assert "First!" not in page and "A reply" not in page and "Another thread" in page
    assert count() == 1
    assert cli("delete", "20240101T000000Z-00000000").exit_code == 1


def test_replies_nest_under_the_comment_they_answer_to_the_sites_depth(blog):
    blog.put("settings/site.yaml", "site_name: Test News\ncomment_depth: 3\n")
    blog.ingest()
    post(blog, name="Ali", text="Top level")
    [top] = pending_ids()
    comments.approve(top)
    assert post(blog, name="Mina", text="Replying", parent=top).status_code == 303
    [reply] = pending_ids()
    comments.approve(reply)
    page = blog.get(f"/{SLUG}/").body.decode()
    reply_key = f"{top}#{reply}"
    assert f'name="parent" value="{reply_key}"' in page  # "Reply to Mina", one level down
    assert post(blog, name="Omid", text="Deeper still", parent=reply_key).status_code == 303
    [deeper] = pending_ids()
    comments.approve(deeper)
    body = blog.get(f"/{SLUG}/").body.decode()
    thread = body[body.index(f'id="comment-{top}"'):]
    first = thread[thread.index('class="comment-replies"'):]
    second = first[first.index('class="comment-replies"', 1):]
    assert f'id="comment-{reply}"' in first and f'id="comment-{reply}"' not in second
    assert f'id="comment-{deeper}"' in second and "Deeper still" in second
    # Level 3 is this site's deepest: no reply form under it, and a reply posted anyway is refused.
    assert f'name="parent" value="{top}#{deeper}"' not in body
    refused = post(blog, text="Too deep", parent=f"{top}#{deeper}")
    assert refused.status_code == 400 and "Replies go 3 levels deep here" in text(refused)
    gone = post(blog, text="To nothing", parent=f"{top}#20240101T000000Z-00000000")
    assert gone.status_code == 400 and "not there any more" in text(gone)
    assert pending_ids() == []


def test_the_count_survives_republishing_and_a_racing_approval(blog, monkeypatch):
    post(blog, text="Before the update")
    [early] = pending_ids()
    comments.approve(early)
    post(blog, text="Approved during the update", ip="198.51.100.1")
    [racing] = pending_ids()
    original, raced = planner.read_current, []

    def read_then_approve(article, *rest):  # type: ignore[no-untyped-def]
        found = original(article, *rest)
        if article.slug == SLUG and not raced:
            raced.append(comments.approve(racing))  # lands between ingest's read and its write
        return found

    monkeypatch.setattr(planner, "read_current", read_then_approve)
    blog.put(f"articles/{SLUG}.md", article(title="Tehran markets rally again", categories="[Tehran]"))
    assert blog.ingest() == {"batchItemFailures": []}
    assert raced and count() == 2
    page = text(blog.get(f"/{SLUG}/"))
    assert "Tehran markets rally again" in page and "2 comments" in page


def test_concurrent_posts_and_approvals_keep_the_count_exact(blog):
    token = token_on(blog)
    statuses: list[int] = []

    def reader(n: int) -> None:
        statuses.append(post(blog, token=token, name=f"Reader {n}", text=f"Comment number {n}",
                             ip=f"192.0.2.{n}").status_code)

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 12
    ids = pending_ids()
    assert len(ids) == 12
    approvers = [threading.Thread(target=comments.approve, args=(i,)) for i in ids]
    for thread in approvers:
        thread.start()
    for thread in approvers:
        thread.join()
    assert count() == 12
    page = text(blog.get(f"/{SLUG}/"))
    assert "12 comments" in page
    assert all(f"Comment number {n}" in page for n in range(12))


# --- closing --------------------------------------------------------------------------

def test_front_matter_closes_comments(blog):
    page = text(blog.get("/closed/"))
    assert "Comments are closed." in page and "Leave a comment" not in page
    refused = post(blog, slug="closed", token=comment_rules.form_token("closed"))
    assert refused.status_code == 403 and "Comments are closed" in text(refused)
    assert pending_ids() == []


def test_the_site_closes_comments_on_articles_older_than_its_setting(blog):
    blog.put("settings/site.yaml", "site_name: Test News\ncomments_close_after_days: 30\n")
    blog.put("articles/fresh.md", article(title="Just in", date=time.strftime("%Y-%m-%d")))
    assert blog.ingest() == {"batchItemFailures": []}
    assert "Comments are closed." in text(blog.get(f"/{SLUG}/"))  # dated 2024-03-01
    assert "Leave a comment" in text(blog.get("/fresh/"))
    assert post(blog, slug=SLUG, token=comment_rules.form_token(SLUG)).status_code == 403
    assert post(blog, slug="fresh").status_code == 303


def test_a_bad_close_setting_is_refused_with_field_and_problem(site):
    site.put("settings/site.yaml", "site_name: Test News\ncomments_close_after_days: soon\n")
    site.ingest()
    assert "comments_close_after_days" in site.report("settings/site.yaml")


# --- telling the editors -------------------------------------------------------------

@pytest.fixture
def editors_inbox(blog, settings):
    """An SQS queue subscribed to the stack's moderation topic, which the web function is told of (as
    the deployed stack's NEWSROOM_MODERATION_TOPIC does); returns a reader of what arrived."""
    import boto3

    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = blog.stack.moderation_topic
    queue = sqs.create_queue(QueueName="editors-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "false"})
    settings(moderation_topic=topic)

    def read() -> list[dict[str, str]]:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    return read


def test_each_comment_awaiting_moderation_is_sent_to_the_editors(blog, editors_inbox):
    assert post(blog, name="Sara Ahmadi", email="sara@example.com", text="Prices will fall again.").status_code == 303
    [comment_id] = pending_ids()
    [message] = editors_inbox()
    assert message["Subject"] == f"Comment awaiting moderation on /{SLUG}/"
    body = message["Message"]
    assert "awaits moderation" in body and f"http://localhost/{SLUG}/" in body
    assert "From: Sara Ahmadi <sara@example.com>" in body and "Prices will fall again." in body
    assert f"newsroom comments approve {comment_id}" in body and f"newsroom comments reject {comment_id}" in body
    assert post(blog, text="Refused: the honeypot", website="x").status_code == 400
    assert editors_inbox() == []  # refusals store nothing and tell nobody


def test_a_comment_is_kept_when_the_editors_cannot_be_told(blog, editors_inbox, monkeypatch, caplog):
    from botocore.exceptions import EndpointConnectionError

    from chalicelib import aws

    class Unreachable:
        def publish(self, **params: Any) -> None:
            raise EndpointConnectionError(endpoint_url="https://sns.us-east-1.amazonaws.com/")

    monkeypatch.setattr(aws, "sns_client", Unreachable)
    assert post(blog, text="Still here").status_code == 303
    assert [c.text for c in comments.pending()] == ["Still here"]
    assert "could not tell moderators" in caplog.text


# --- abuse protection -----------------------------------------------------------------

def test_rate_limit_per_client_with_a_clear_page(blog):
    for n in range(comment_rules.RATE_LIMIT):
        assert post(blog, text=f"Comment {n}").status_code == 303
    refused = post(blog, text="One too many")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many comments" in text(refused) and "Please wait" in text(refused)
    assert len(pending_ids()) == comment_rules.RATE_LIMIT
    assert post(blog, text="Someone else", ip="198.51.100.20").status_code == 303
    windows = list(RateLimit.scan(RateLimit.pk.startswith("ratelimit#")))
    assert windows and all(w.expires > time.time() for w in windows)  # DynamoDB's TTL removes them
    assert all("203.0.113" not in w.pk for w in windows)  # addresses are stored hashed


@pytest.mark.parametrize("origin_header", [None, "a-guess"])
def test_a_made_up_viewer_address_does_not_escape_the_rate_limit(blog, origin_header):
    """Someone calling API Gateway directly, sending a new CloudFront-Viewer-Address each time, is
    counted by the address they call from: only our distribution's requests carry the secret."""
    for n in range(comment_rules.RATE_LIMIT):
        sent = post(blog, text=f"Comment {n}", ip=f"198.51.100.{n}", headers={"X-Newsroom-Origin": origin_header})
        assert sent.status_code == 303
    refused = post(blog, text="One too many", ip="198.51.100.99", headers={"X-Newsroom-Origin": origin_header})
    assert refused.status_code == 429 and "Too many comments" in text(refused)
    assert len(pending_ids()) == comment_rules.RATE_LIMIT


def test_without_a_distribution_no_viewer_address_is_trusted(blog, settings):
    settings(origin_secret="")  # a stage without CloudFront, or chalice local
    for n in range(comment_rules.RATE_LIMIT):
        assert post(blog, text=f"Comment {n}", ip=f"198.51.100.{n}").status_code == 303
    assert post(blog, text="One too many", ip="198.51.100.99").status_code == 429


def test_the_honeypot_refuses_bots(blog):
    refused = post(blog, website="http://spam.example")
    assert refused.status_code == 400
    assert "looks automated" in text(refused)
    assert pending_ids() == []


@pytest.mark.parametrize("headers", [
    {"Origin": None},  # neither Origin nor Referer
    {"Origin": "https://evil.example"},
    {"Origin": None, "Referer": "https://evil.example/page"},
    {"Origin": "null"},
], ids=["no-origin", "foreign-origin", "foreign-referer", "null-origin"])
def test_csrf_a_post_from_another_site_is_refused(blog, headers):
    refused = post(blog, headers=headers)
    assert refused.status_code == 403 and "not sent from this site" in text(refused)
    assert pending_ids() == []


def test_csrf_the_same_site_referer_is_enough_when_origin_is_absent(blog):
    assert post(blog, headers={"Origin": None, "Referer": f"{ORIGIN}/{SLUG}/"}).status_code == 303


@pytest.mark.parametrize("token", [
    "", "garbage", "1700000000.0123456789abcdef0123456789abcdef",
    comment_rules.form_token("closed"),  # another article's form
    comment_rules.form_token(SLUG, now=time.time() - 4 * 86400),  # expired
], ids=["missing", "malformed", "forged", "other-article", "expired"])
def test_csrf_forged_or_stale_form_tokens_are_refused(blog, token):
    refused = post(blog, token=token)
    assert refused.status_code == 403 and "expired" in text(refused)
    assert pending_ids() == []


def test_the_form_token_lasts_longer_than_a_cached_page(blog):
    assert post(blog, token=comment_rules.form_token(SLUG, now=time.time() - 2 * 86400)).status_code == 303


@pytest.mark.parametrize("fields, problem", [
    ({"name": ""}, "Name: please give a name"),
    ({"name": "x" * 81}, "Name: at most 80 characters"),
    ({"email": "not-an-address"}, "Email: this is not an email address"),
    ({"text": "   "}, "Comment: please write something"),
    ({"text": "x" * 5001}, "Comment: at most 5,000 characters"),
    ({"text": " ".join(f"http://spam{n}.example" for n in range(6))}, "Comment: at most 5 links"),
    ({"parent": "<script>"}, "Reply: the comment replied to is not valid"),
])
def test_bad_fields_are_refused_naming_the_field_and_problem(blog, fields, problem):
    refused = post(blog, **fields)
    assert refused.status_code == 400
    assert problem in text(refused) and "Your comment was not posted" in text(refused)
    assert f'href="/{SLUG}/#respond"' in refused.body.decode()  # the way back
    assert pending_ids() == []


def test_a_huge_form_is_refused(blog):
    refused = post(blog, text="x" * 30_000)
    assert refused.status_code == 413 and pending_ids() == []


def active_content(html: str) -> list[str]:
    """What in a page could run script: script elements, on* attributes, javascript: URLs."""
    import lxml.html

    found = []
    for element in lxml.html.fromstring(html).iter():
        if element.tag == "script" and element.get("type") != "application/ld+json" \
                and not is_our_script(dict(element.attrib)):
            found.append("script element")
        for name, value in element.attrib.items():
            if name.startswith("on") or value.strip().lower().startswith(("javascript:", "data:text")):
                found.append(f"{element.tag} {name}={value}")
    return found


def test_xss_attempts_in_every_field_come_out_as_text(blog):
    attack = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'><a href="javascript:alert(3)">x</a>'
    post(blog, name=attack[:80], email="a@b.example", text=attack + " see javascript:alert(4) and "
         "https://example.com/a?b=<c>")
    [pending] = pending_ids()
    comments.approve(pending)
    page = blog.get(f"/{SLUG}/").body.decode()
    assert active_content(page) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in page  # shown as written
    assert text(blog.get(f"/{SLUG}/")).count('<script>alert(1)</script>') == 3  # name, text, "Reply to": as text
    links = re.findall(r'<a [^>]*href="https://example.com[^"]*"[^>]*>', page)
    assert links and all('rel="nofollow ugc noopener"' in link for link in links)
    feed = blog.get(f"/{SLUG}/comments/feed/").body.decode()
    import lxml.etree

    description = lxml.etree.fromstring(feed.encode()).find("channel/item/description").text
    assert active_content(f"<div>{description}</div>") == []  # the feed's HTML is the same sanitized HTML


# --- paging and the feed --------------------------------------------------------------

def test_long_discussions_are_paged_at_thread_boundaries(blog):
    for n in range(shown_comments.PAGE_SIZE + 12):
        Comment(f"comments#{SLUG}", f"20240301T{n // 60:02d}{n % 60:02d}00Z-{n:08x}", id=f"20240301T{n // 60:02d}"
                f"{n % 60:02d}00Z-{n:08x}", slug=SLUG, name=f"Reader {n}", text=f"Note {n}.",
                html=f"<p>Note {n}.</p>", created=f"2024-03-01T{n // 60:02d}:{n % 60:02d}:00Z",
                status="approved").save()
    Post(*Post.key_for(SLUG)).update(actions=[Post.comment_count.set(shown_comments.PAGE_SIZE + 12)])
    first = text(blog.get(f"/{SLUG}/"))
    assert "Note 0." in first and f"Note {shown_comments.PAGE_SIZE - 1}." in first
    assert f"Note {shown_comments.PAGE_SIZE}." not in first
    later = re.search(r'href="([^"]+)#comments" rel="next"', blog.get(f"/{SLUG}/").body.decode()).group(1)
    second = text(blog.get(later.replace("&amp;", "&")))
    assert f"Note {shown_comments.PAGE_SIZE}." in second and f"Note {shown_comments.PAGE_SIZE + 11}." in second
    assert "Note 0." not in second
    assert blog.get(f"/{SLUG}/?comments=forged.cursor").status_code == 404


def test_each_article_has_an_rss_feed_of_its_approved_comments(blog):
    post(blog, name="Ali", text="Shown in the feed")
    post(blog, name="Bot", text="Never approved", ip="198.51.100.3")
    first = next(c.id for c in comments.pending() if c.name == "Ali")
    comments.approve(first)
    feed = blog.get(f"/{SLUG}/comments/feed/")
    assert feed.status_code == 200 and feed.headers["Content-Type"].startswith("application/rss+xml")
    body = feed.body.decode()
    assert "Comments on: Tehran markets rally" in body and "By: Ali" in body and "Shown in the feed" in body
    assert "Never approved" not in body and f"/{SLUG}/#comment-{first}" in body
    assert f'href="/{SLUG}/comments/feed/"' in blog.get(f"/{SLUG}/").body.decode()
    assert blog.get("/no-such-article/comments/feed/").status_code == 404


def test_the_rate_limit_holds_across_a_window_edge(blog):
    """Fixed windows let 10 comments through in 6 seconds across an edge; a sliding log allows at most
    RATE_LIMIT in any RATE_WINDOW_SECONDS, wherever the edge would have been."""
    edge = 1_800_000_000 // comment_rules.RATE_WINDOW_SECONDS * comment_rules.RATE_WINDOW_SECONDS
    for n in range(comment_rules.RATE_LIMIT):
        comment_rules.take_rate_slot("edge-client", now=edge - 3 + n * 0.1)
    with pytest.raises(comment_rules.Refused) as refused:
        comment_rules.take_rate_slot("edge-client", now=edge + 3)  # a new fixed window would have let it in
    assert refused.value.status == 429 and 0 < refused.value.retry_after <= comment_rules.RATE_WINDOW_SECONDS
    comment_rules.take_rate_slot("edge-client", now=edge - 3 + comment_rules.RATE_WINDOW_SECONDS + 1)  # first one aged out
