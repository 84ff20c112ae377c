"""Comments both ways (issue 45): the tabs Pending, Approved, Spam and Trash with their counts; an
approved comment taken down from the desk (and Undo, Restore); spam holding later comments from the
same address or e-mail; the site's reply; an edited text; emptying the Trash after a confirmation;
and every write refused to a contributor or without the desk's token, with nothing written."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

from chalicelib import keys
from chalicelib.models import Comment, Post
from chalicelib.publish import moderation
from chalicelib.site import comments as site_comments
from chalicelib.site.comment_rules import Submission
from tests.functional.test_desk import sign_in
from tests.functional.test_desk_screens import get, post_form, story, text_of

STARTED = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def posted(slug: str, name: str, text: str, n: int, email: str | None = None, client: str = "client-hash") -> str:
    """A reader's comment, pending, ``n`` minutes after the first (ids sort by time)."""
    return site_comments.submit(slug, Submission(name=name, text=text, email=email), client,
                                now=STARTED + dt.timedelta(minutes=n)).id


def article(desk, slug: str = "markets", title: str = "Markets close lower") -> None:  # type: ignore[no-untyped-def]
    desk.put(f"articles/{slug}.md", story("Markets fell.", title=title))
    desk.ingest()


def count_of(slug: str) -> int:
    return int(Post.get(*Post.key_for(slug)).comment_count or 0)


def location(answer) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert answer.status_code == 303, answer.body[:300]
    return {k: v[-1] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def test_an_approved_comment_is_taken_down_undone_trashed_again_and_restored(desk):
    article(desk)
    libel = posted("markets", "Troll", "The chairman is a known fraud.", 1)
    moderation.approve(libel)
    assert "known fraud" in desk.get("/markets/").body.decode() and count_of("markets") == 1
    desk.receive()
    jar, token, _ = sign_in(desk)
    approved = get(desk, "/desk/comments?tab=approved", jar).body.decode()
    assert "The chairman is a known fraud." in approved and "Markets close lower" in approved  # the title, linked
    assert 'href="/markets/#comments"' in approved
    assert re.search(r'aria-current="page">Approved</a> <span class="tab-count">\(1<', approved)
    done = location(post_form(desk, "/desk/comments", jar, {"csrf": token, "tab": "approved", "one": f"trash:{libel}"}))
    assert done["done"] == "1 comment moved to the Trash (kept 30 days)." and done["undo"] == "approved"
    page = desk.get("/markets/").body.decode()
    assert "known fraud" not in page and count_of("markets") == 0
    sent = [json.loads(m["Body"]) for m in desk.receive()]
    assert {"newsroom-invalidate": {"paths": ["/markets/", "/markets/comments/feed/"]}} in sent
    trashed = Comment.get(keys.COMMENTS_REJECTED, libel)
    assert trashed.was == "approved" and 29 * 86400 < trashed.expires - time.time() <= 30 * 86400
    # Undo, as the screen offers it right after: back on the article.
    assert done["at"] == "trash"  # where they are now: the Undo moves them only from there
    screen = get(desk, f"/desk/comments?tab=approved&done=x&undo=approved&ids={libel}&at=trash", jar).body.decode()
    assert ">Undo</button>" in screen and 'name="from" value="trash"' in screen
    location(post_form(desk, "/desk/comments", jar, [("csrf", token), ("tab", "approved"), ("action", "approve"),
                                                     ("from", "trash"), ("id", libel)]))
    assert "known fraud" in desk.get("/markets/").body.decode() and count_of("markets") == 1
    # Trashed again, then restored from the Trash: approved where it was.
    location(post_form(desk, "/desk/comments", jar, {"csrf": token, "tab": "approved", "one": f"trash:{libel}"}))
    trash = get(desk, "/desk/comments?tab=trash", jar).body.decode()
    assert "known fraud" in trash and ">Restore</button>" in trash and "Empty trash" in trash
    location(post_form(desk, "/desk/comments", jar, {"csrf": token, "tab": "trash", "one": f"restore:{libel}"}))
    assert "known fraud" in desk.get("/markets/").body.decode() and count_of("markets") == 1
    assert Comment.get_or_none(keys.COMMENTS_REJECTED, libel) is None


def test_an_approved_comment_goes_back_to_pending_and_the_tabs_count(desk):
    article(desk)
    first = posted("markets", "Sara", "First.", 1)
    second = posted("markets", "Omid", "Second.", 2)
    moderation.approve(first)
    jar, token, _ = sign_in(desk)
    location(post_form(desk, "/desk/comments", jar, {"csrf": token, "tab": "approved", "one": f"unapprove:{first}"}))
    assert "First." not in desk.get("/markets/").body.decode() and count_of("markets") == 0
    pending = get(desk, "/desk/comments", jar).body.decode()
    assert pending.index("Second.") < pending.index("First.")  # newest first
    assert re.search(r'aria-current="page">Pending</a> <span class="tab-count">\(2<', pending)
    assert re.search(r'>Approved</a> <span class="tab-count">\(0<', pending)
    assert {c.id for c in moderation.pending()} == {first, second}


def test_the_tabs_page_twenty_at_a_time_newest_first(desk):
    article(desk)
    ids = [posted("markets", f"Reader {n}", f"Comment number {n}.", n) for n in range(25)]
    jar, _, _ = sign_in(desk)
    first = get(desk, "/desk/comments", jar).body.decode()
    assert "Comment number 24." in first and "Comment number 5." in first and "Comment number 4." not in first
    older = re.search(r'href="(/desk/comments\?tab=pending&amp;before=[^"]+)" rel="next">Older comments', first)
    second = get(desk, older.group(1).replace("&amp;", "&"), jar).body.decode()
    assert "Comment number 4." in second and "Comment number 0." in second and "Comment number 5." not in second
    assert "Older comments" not in second and ids


def test_spam_holds_later_comments_from_the_same_address_or_e_mail_kept_hashed(desk):
    article(desk)
    spam = posted("markets", "Watches", "Cheap watches.", 1, email="Seller@Example.com", client="client-a")
    jar, token, _ = sign_in(desk)
    said = location(post_form(desk, "/desk/comments", jar, {"csrf": token, "one": f"spam:{spam}"}))
    assert said["done"] == "1 comment marked spam."
    marks = [m.sk for m in Comment.query(keys.COMMENTS_SPAMMERS)]
    assert len(marks) == 2 and not any("example" in m.lower() or "client-a" == m for m in marks)
    same_mail = posted("markets", "Watches again", "More watches.", 2, email="seller@example.com", client="client-b")
    same_address = posted("markets", "New name", "Hello.", 3, client="client-a")
    stranger = posted("markets", "Sara", "A real comment.", 4, client="client-c")
    held = {c.id: c.held for c in moderation.pending()}
    assert held == {same_mail: "spam", same_address: "spam", stranger: None}
    pending = text_of(get(desk, "/desk/comments", jar).body.decode())
    assert pending.count("Likely spam:") == 2
    spam_tab = get(desk, "/desk/comments?tab=spam", jar).body.decode()
    assert "Cheap watches." in spam_tab and ">Not spam</button>" in spam_tab
    # Not spam: back to Pending, and the address and e-mail are no longer held.
    location(post_form(desk, "/desk/comments", jar, {"csrf": token, "tab": "spam", "one": f"notspam:{spam}"}))
    assert list(Comment.query(keys.COMMENTS_SPAMMERS)) == []
    assert posted("markets", "Watches", "Sorry.", 5, email="seller@example.com", client="client-a") in \
        {c.id for c in moderation.pending() if c.held is None}


def test_the_site_replies_from_the_desk_and_an_edited_comment_says_so(desk):
    desk.put("settings/site.yaml", "site_name: The Gazette\n")
    article(desk)
    asked = posted("markets", "Sara", "When does the market open?", 1)
    moderation.approve(asked)
    jar, token, _ = sign_in(desk)
    replied = location(post_form(desk, "/desk/comments", jar, {
        "csrf": token, "tab": "approved", "action": "reply", "reply_to": asked, "text": "At nine, every weekday."}))
    assert replied["done"] == "Your reply is published as The Gazette."
    page = desk.get("/markets/").body.decode()
    assert "At nine, every weekday." in page and count_of("markets") == 2
    assert re.search(r'comment-author">The Gazette</strong> <span class="comment-badge">Staff</span>', page)
    edited = location(post_form(desk, "/desk/comments", jar, {
        "csrf": token, "tab": "approved", "action": "edit", "comment": asked, "seen": "When does the market open?",
        "text": "When does the market open? [personal details removed]"}))
    assert "edited" in edited["done"]
    page = desk.get("/markets/").body.decode()
    assert "[personal details removed]" in page and "Edited by the editors." in page
    stale = location(post_form(desk, "/desk/comments", jar, {
        "csrf": token, "tab": "approved", "action": "edit", "comment": asked, "seen": "When does the market open?",
        "text": "Overwritten"}))
    assert "changed since you opened it" in stale["failed"] and "Overwritten" not in desk.get("/markets/").body.decode()


def test_ticked_approved_comments_are_trashed_together(desk):
    article(desk)
    ids = [posted("markets", f"Reader {n}", f"Comment number {n}.", n) for n in range(3)]
    for comment_id in ids:
        moderation.approve(comment_id)
    jar, token, _ = sign_in(desk)
    done = location(post_form(desk, "/desk/comments", jar, [("csrf", token), ("tab", "approved"), ("action", "trash"),
                                                            ("id", ids[0]), ("id", ids[2])]))
    assert done["done"] == "2 comments moved to the Trash (kept 30 days)." and done["ids"] == f"{ids[0]},{ids[2]}"
    page = desk.get("/markets/").body.decode()
    assert "Comment number 1." in page and "Comment number 0." not in page and "Comment number 2." not in page
    assert count_of("markets") == 1


def test_empty_trash_asks_first_then_deletes_for_good(desk):
    article(desk)
    ids = [posted("markets", f"Reader {n}", f"Bin {n}.", n) for n in range(2)]
    jar, token, _ = sign_in(desk)
    for comment_id in ids:
        location(post_form(desk, "/desk/comments", jar, {"csrf": token, "one": f"trash:{comment_id}"}))
    asked = post_form(desk, "/desk/comments", jar, {"csrf": token, "tab": "trash", "action": "empty"})
    assert asked.headers["Location"] == "/desk/comments?tab=trash&confirm=empty"
    assert len(list(Comment.query(keys.COMMENTS_REJECTED))) == 2  # nothing deleted before the answer
    html = get(desk, asked.headers["Location"], jar).body.decode()
    confirm = text_of(html)
    assert "Empty the Trash?" in confirm and "The 2 comments in the Trash will be deleted for good" in confirm
    done = location(post_form(desk, "/desk/comments", jar, {"csrf": token, "tab": "trash", "action": "empty",
                                                            "confirmed": "yes", "seen": seen_in_trash(html)}))
    assert done["done"] == "The Trash is empty: 2 comments deleted for good."
    assert list(Comment.query(keys.COMMENTS_REJECTED)) == []
    assert {c.sk for c in Comment.query(keys.COMMENTS_GONE)} == set(ids)  # never re-imported


def seen_in_trash(html: str) -> str:
    """The comments Empty Trash's confirmation listed (its form's ``seen``), as the browser sends them."""
    found = re.search(r'name="seen" value="([^"]*)"', html)
    assert found, "no confirmation of Empty Trash"
    return found.group(1)


def test_empty_trash_deletes_only_the_comments_the_confirmation_showed(desk):
    article(desk)
    ids = [posted("markets", f"Reader {n}", f"Bin {n}.", n) for n in range(3)]
    jar, token, _ = sign_in(desk)
    for comment_id in ids[:2]:
        location(post_form(desk, "/desk/comments", jar, {"csrf": token, "one": f"trash:{comment_id}"}))
    html = get(desk, "/desk/comments?tab=trash&confirm=empty", jar).body.decode()
    location(post_form(desk, "/desk/comments", jar, {"csrf": token, "one": f"trash:{ids[2]}"}))  # a colleague, since
    location(post_form(desk, "/desk/comments", jar, {"csrf": token, "tab": "trash", "one": f"restore:{ids[1]}"}))
    done = location(post_form(desk, "/desk/comments", jar, {"csrf": token, "tab": "trash", "action": "empty",
                                                            "confirmed": "yes", "seen": seen_in_trash(html)}))
    assert done["done"] == ("1 comment deleted for good. 1 comment came into the Trash since you confirmed and stays "
                            "there.")
    assert done["failed"] == "1 of those you saw in the Trash had been moved out of it meanwhile and were not deleted."
    assert [c.sk for c in Comment.query(keys.COMMENTS_REJECTED)] == [ids[2]]  # the one that arrived since stays
    assert moderation.find(ids[1])[0] == "pending"  # the one restored meanwhile is where it was put
    assert {c.sk for c in Comment.query(keys.COMMENTS_GONE) if c.status == "deleted"} == {ids[0]}


def test_every_comment_write_needs_an_editor_and_the_desks_token(desk):
    article(desk)
    shown = posted("markets", "Sara", "Stays up.", 1)
    moderation.approve(shown)
    forged = [{"one": f"trash:{shown}"}, {"one": f"spam:{shown}"}, {"action": "empty", "confirmed": "yes"},
              {"action": "reply", "reply_to": shown, "text": "Forged"},
              {"action": "edit", "comment": shown, "seen": "Stays up.", "text": "Forged"}]
    jar, token, _ = sign_in(desk, "contributor")
    assert get(desk, "/desk/comments?tab=approved", jar).status_code == 403
    for fields in forged:
        assert post_form(desk, "/desk/comments", jar, {"csrf": token, **fields}).status_code == 403
    editor_jar, editor_token, _ = sign_in(desk)
    for fields in forged:
        assert post_form(desk, "/desk/comments", editor_jar, {"csrf": "", **fields}).status_code == 403
        assert post_form(desk, "/desk/comments", editor_jar, {"csrf": editor_token, **fields},
                         origin="https://evil.example").status_code == 403
    page = desk.get("/markets/").body.decode()
    assert "Stays up." in page and "Forged" not in page and count_of("markets") == 1


def test_comments_approved_before_the_approved_tab_existed_are_listed_by_the_index(desk):
    from chalicelib.models import Comment as Item

    article(desk)
    old = posted("markets", "Early reader", "Approved long ago.", 1)
    moderation.approve(old)
    Item(keys.COMMENTS_APPROVED, old).delete()  # as a comment approved before the list existed
    jar, _, _ = sign_in(desk)
    assert "Approved long ago." not in get(desk, "/desk/comments?tab=approved", jar).body.decode()
    assert moderation.index_approved() == 1
    assert moderation.index_approved() == 1  # again: nothing doubled
    assert "Approved long ago." in get(desk, "/desk/comments?tab=approved", jar).body.decode()


def test_a_comment_moved_since_the_page_showed_it_is_left_where_it_is_and_named(desk):
    article(desk)
    ids = [posted("markets", f"Reader {n}", f"Words {n}.", n) for n in range(2)]
    jar, token, _ = sign_in(desk)
    assert "Words 0." in get(desk, "/desk/comments?tab=pending", jar).body.decode()
    moderation.approve(ids[0])  # a colleague, since the Pending tab was shown
    done = location(post_form(desk, "/desk/comments", jar, [("csrf", token), ("tab", "pending"), ("action", "spam"),
                                                            ("id", ids[0]), ("id", ids[1])]))
    assert done["failed"] == f"{ids[0]}: someone moved it from Pending to Approved since you saw it; nothing was done to it"
    assert done["done"] == "1 comment marked spam."
    assert moderation.find(ids[0])[0] == "approved" and moderation.find(ids[1])[0] == "spam"
    gone = location(post_form(desk, "/desk/comments", jar, {"csrf": token, "tab": "trash", "one": f"delete:{ids[1]}"}))
    assert gone["failed"] == f"{ids[1]}: someone moved it from Trash to Spam since you saw it; nothing was done to it"
    assert moderation.find(ids[1])[0] == "spam"  # not deleted: the page that asked showed it in the Trash
