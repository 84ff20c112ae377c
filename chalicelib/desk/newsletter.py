"""Send as newsletter (``/desk/newsletter``), and the Newsletters screen (``/desk/newsletters``).

Ghost's "Publish & send" is the reference: a live article (``?key=``), or a digest of today's articles
(``?digest=today``: those published since midnight in the site's ``time_zone``), is shown as the e-mail
its readers will receive, rendered by the sender's own code (``sending.article_issue`` and
``digest_issue``) in a sandboxed ``srcdoc`` frame where no script runs. Then:

- **Send a test to me**: one e-mail through SES to the signed-in editor's own address, its subject
  marked "[Test]", recorded nowhere and counted in no send;
- the confirmation names how many will receive it (``subscribers.receiving_count``) and its button
  says so: "Send to 1,204 readers of Daily briefing".

Each rendering of the screen carries a fresh random ``send_token``, and the send's id is that token:
a double click or a replayed POST starts ``sending.start`` twice with one id, and its conditional
write makes the second nothing (the editor is taken to the send, as after the first).

The Newsletters screen lists the recent sends (``sending.recent``) with their state, counts and
progress, and Pause, Resume and Cancel (Cancel asks first). Who may: editors and admins, as for
publishing: a send reaches every reader's inbox at once and cannot be taken back, which is more than
a contributor may do to the site itself. Every POST checks the session's CSRF token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from chalice.app import Response

from chalicelib import bodies, clock, config, keys
from chalicelib.desk import documents, http, listing, zones
from chalicelib.desk.identity import Identity
from chalicelib.models import Post, Source
from chalicelib.newsletters import digests, mail, sending, subscribers
from chalicelib.ratelimit import Limited, SlidingWindow
from chalicelib.site import store, web

_TOKEN = re.compile(r"^[0-9a-f]{32}$")
# "Send a test to me" per person: enough to try a layout, not a way to mail anyone without end (the
# address is the ID token's, which only an admin sets now: docs/security/attack-2026-12-07.md, 7 and 17).
TESTS = SlidingWindow(10, 3600)


class NotSendable(Exception):
    """What cannot be sent, in the editor's words (``status``: the answer's code)."""

    def __init__(self, heading: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.heading, self.message, self.status = heading, message, status


# --- what is sent ---------------------------------------------------------------------------------

def _live_post(key: str) -> Post:
    """The live article of file ``key``. :raise NotSendable: not an article's file, or not live."""
    try:
        documents.check_key(key)
    except documents.Forbidden:
        raise NotSendable("Not an article", f"“{key[:200]}” is not an article's file.") from None
    if not key.startswith(config.ARTICLES_PREFIX):
        raise NotSendable("Not an article", f"{key} is not an article: only an article can be sent as a newsletter.")
    source = Source.get_or_none(*keys.source(key), consistent_read=True)
    state = listing.state_of(source, clock.now_iso()) if source is not None and source.slug else "not published"
    post = store.post_at(source.slug) if source is not None and source.slug and state == "live" else None
    if post is None:
        raise NotSendable("Not live", f"{key} is {state}, not live: only a published article can be sent as a "
                          "newsletter. Publish it first.", 409)
    if post.password_hash:  # the site gives its body only for the password; an e-mail would give it to all
        raise NotSendable("Password-protected", f"“{post.title}” is password-protected: the site shows its text "
                          "only to those who give the password, and a newsletter would send it to every reader. "
                          "Remove the password first if it is meant for everyone.", 409)
    return post


Today = list[tuple[str, str, str]]  # a digest's articles (title, summary, path), as digests.todays_articles


def _chosen(sent: dict[str, str], empty: bool = False) -> Post | Today:
    """What is asked for, unrendered: the live article of ``key``, or today's articles (``digest=today``).
    :raise NotSendable: the article is not sendable, or no article was published today (unless ``empty``:
    the send screen shows an empty digest, to schedule it)."""
    if sent.get("digest") != "today":
        return _live_post(sent.get("key", ""))
    entries = digests.todays_articles()
    if not entries and not empty:
        raise _nothing_today()
    return entries


def _nothing_today() -> NotSendable:
    return NotSendable("Nothing to send", "No article was published today (in the site's time zone, "
                       f"{digests.zone().key}): a digest of today has nothing to list yet. Schedule it for later "
                       "instead: it lists what is published by then.", 409)


def _described(chosen: Post | Today) -> str:
    """What the screen and its messages call it."""
    if isinstance(chosen, Post):
        return f"“{chosen.title}”"
    count = len(chosen)
    return f"today's digest ({count} article{'' if count == 1 else 's'})" if count else \
        "today's digest (no article yet)"


def _subject(chosen: Post | Today, newsletter: str) -> str:
    """The e-mail's subject without rendering the e-mail: an article's title (``sending.article_issue``
    makes it the subject), or the digest's (``digests.subject``)."""
    return chosen.title if isinstance(chosen, Post) else digests.subject(newsletter)


def _issue(request: Any, chosen: Post | Today, newsletter: str) -> sending.Issue:
    """The e-mail as its readers receive it, rendered by the sender's own code. :raise NotSendable:"""
    site_url = web.site_of(request).url("/").rstrip("/")
    if isinstance(chosen, Post):
        return sending.article_issue(newsletter, store.site().settings.site_name, site_url, chosen.title,
                                     chosen.summary, bodies.load(chosen), f"/{chosen.slug}/")
    digest = digests.compose(newsletter, site_url, entries=chosen)
    if digest is None:
        raise _nothing_today()
    return digest


def _newsletter(sent: dict[str, str]) -> tuple[tuple[str, ...], str]:
    """The site's newsletters and the one chosen (the first by default). :raise NotSendable:"""
    offered = store.site().settings.newsletters
    if not offered:
        raise NotSendable("No newsletters", "The site has no newsletters: an admin names them in Settings "
                          "(settings/site.yaml, newsletters).")
    chosen = sent.get("newsletter", "") or offered[0]
    if chosen not in offered:
        raise NotSendable("No such newsletter", f"“{chosen[:80]}” is not one of the site's newsletters "
                          f"({', '.join(offered)}). Nothing was sent.")
    return offered, chosen


def _what(sent: dict[str, str]) -> dict[str, str]:
    """The fields that say what is sent: ``key`` or ``digest``."""
    return {"digest": "today"} if sent.get("digest") == "today" else {"key": sent.get("key", "")}


# --- the send screen ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Asked:
    """The send screen's query, read: the site's newsletters, the one chosen, and what is sent."""

    query: dict[str, str]
    offered: tuple[str, ...]
    newsletter: str
    chosen: Post | Today


def _asked(request: Any, empty: bool = False) -> _Asked | Response:
    """What the send screen (or its preview) is asked to show; for what cannot be sent, the page that
    refuses it (an empty digest of today is shown where ``empty``: the screen offers to schedule it)."""
    query = dict(request.query_params or {})
    try:
        offered, newsletter = _newsletter(query)
        return _Asked(query, offered, newsletter, _chosen(query, empty))
    except NotSendable as refusal:
        return http.answer(request, refusal.status, refusal.heading, refusal.message)


@http.guarded
@http.signed_in
@http.needs("editor")
def screen(request: Any, who: Identity, token: str) -> Response:
    """The e-mail's subject and preview, the test, and the confirmation naming how many will receive it
    (the e-mail itself is rendered only in the preview's frame)."""
    asked = _asked(request, empty=True)
    if isinstance(asked, Response):
        return asked
    query, newsletter, chosen = asked.query, asked.newsletter, asked.chosen
    what = _what(query)
    return http.screen("newsletter.html", who, token, what=what, described=_described(chosen), offered=asked.offered,
                       newsletter=newsletter, subject=_subject(chosen, newsletter) if chosen else "",
                       empty="" if chosen else _nothing_today().message,
                       readers=subscribers.receiving_count(newsletter) if chosen else 0,
                       preview="/desk/newsletter/preview?" + urlencode({**what, "newsletter": newsletter}),
                       zone_name=digests.zone().key, can_schedule=digests.enabled(),
                       send_token=secrets.token_hex(16), done=query.get("done", ""), failed=query.get("failed", ""))


# The e-mail as its readers' mail clients show it: its own inline styles (which the desk's CSP refuses),
# no script, no form, in a sandboxed frame of the send screen only.
PREVIEW_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; base-uri 'none'; "
               "form-action 'none'; frame-ancestors 'self'; sandbox")


@http.guarded
@http.signed_in
@http.needs("editor")
def preview(request: Any, who: Identity, token: str) -> Response:
    """The e-mail alone, for the send screen's frame (its unsubscribe links go nowhere)."""
    asked = _asked(request)
    if isinstance(asked, Response):
        return asked
    issue = _issue(request, asked.chosen, asked.newsletter)
    return http.respond(issue.html.replace(sending.UNSUBSCRIBE_MARK, "#"),
                        extra={"Content-Security-Policy": PREVIEW_CSP, "X-Frame-Options": "SAMEORIGIN"})


@http.guarded
@http.signed_in
@http.needs("editor")
@http.writes
def send(request: Any, who: Identity, token: str) -> Response:
    """``action=test``: one e-mail to the editor; ``action=send``: the send, once per ``send_token``."""
    sent = http.form(request)
    try:
        _, newsletter = _newsletter(sent)
        if sent.get("action") == "schedule" and sent.get("digest") == "today":  # composed at its moment
            return _schedule(request, who, sent, newsletter, web.site_of(request).url("/").rstrip("/"))
        chosen = _chosen(sent)
        issue, described = _issue(request, chosen, newsletter), _described(chosen)
    except NotSendable as refusal:
        return http.answer(request, refusal.status, refusal.heading, refusal.message)
    if sent.get("action") == "test":
        try:
            TESTS.take("newsletter-tests-" + hashlib.sha256(who.sub.encode()).hexdigest()[:32])
        except Limited as limited:
            refused = http.answer(request, 429, "Test not sent", f"You have sent {TESTS.limit} tests in the last "
                                  f"hour: wait {max(1, (limited.retry_after + 59) // 60)} minutes and send it again.")
            refused.headers["Retry-After"] = str(limited.retry_after)
            return refused
        where = issue.site_url + "/newsletter/unsubscribe/"  # a test's link unsubscribes nobody: it has no token
        mail.send(mail.compose(who.email, "[Test] " + issue.subject, issue.site_name,
                               issue.text.replace(sending.UNSUBSCRIBE_MARK, where),
                               issue.html.replace(sending.UNSUBSCRIBE_MARK, where), where))
        return http.back("/desk/newsletter", done=f"A test of {described} was sent to {who.email} (only to you; it is "
                         "counted nowhere).", also={**_what(sent), "newsletter": newsletter})
    if sent.get("action") != "send":
        return http.answer(request, 400, "Nothing sent", "Choose “Send a test to me” or the Send button.")
    send_token = sent.get("send_token", "")
    if not _TOKEN.match(send_token):
        return http.answer(request, 400, "Nothing sent", "The form is missing its send token: open the send "
                           "screen again and press Send there.")
    send_id = send_token[:16]
    try:
        send_id, count = sending.start(issue, sending.enqueue, send_id=send_id, started_by=who.email)
    except ValueError:  # this form was sent already (a double click, a replay): one send
        return http.back(f"/desk/newsletters?send={send_id}", done="This send was started already: it goes once, "
                         "however often the button is pressed.")
    return http.back(f"/desk/newsletters?send={send_id}", done=f"Sending {described} to {count:,} "
                     f"reader{'' if count == 1 else 's'} of {newsletter}: each receives it once.")


def _schedule(request: Any, who: Identity, sent: dict[str, str], newsletter: str, site_url: str) -> Response:
    """Schedule today's digest for ``when`` (the site's time zone, as the form says)."""
    try:
        local = dt.datetime.fromisoformat(sent.get("when", ""))
    except ValueError:
        return http.answer(request, 400, "Not scheduled", "When: give a date and a time, such as 2026-12-07 18:00.")
    when = local.replace(tzinfo=digests.zone()) if local.tzinfo is None else local
    try:
        send_id = digests.schedule(newsletter, site_url, when, who.email)
    except digests.NotScheduled as refusal:
        return http.answer(request, 409, "Not scheduled", str(refusal))
    shown = f"{when:%a} {when.day} {when:%b}, {when:%H:%M} ({digests.zone().key})"
    return http.back(f"/desk/newsletters?send={send_id}", done=f"Scheduled for {shown}: the articles published today "
                     f"by then go to the readers of {newsletter}.")


# --- the Newsletters screen -----------------------------------------------------------------------

@http.guarded
@http.signed_in
@http.needs("editor")
def sends(request: Any, who: Identity, token: str) -> Response:
    """Recent sends with their state, counts and progress; Pause, Resume, Cancel (which asks first)."""
    query = request.query_params or {}
    confirming = None
    if query.get("cancel"):
        try:
            confirming = sending.status(query["cancel"])
        except sending.UnknownSend:
            confirming = None
    return http.screen("newsletters.html", who, token, sends=sending.recent(), zone=zones.zone_of(request),
                       shown=zones.shown, confirming=confirming, highlight=query.get("send", ""),
                       offered=store.site().settings.newsletters,
                       done=query.get("done", ""), failed=query.get("failed", ""))


@http.guarded
@http.signed_in
@http.needs("editor")
@http.writes
def change(request: Any, who: Identity, token: str) -> Response:
    """Pause, resume or cancel one send (a cancel without ``confirm=yes`` asks first)."""
    sent = http.form(request)
    send_id, action = sent.get("send", ""), sent.get("action", "")
    if action not in ("pause", "resume", "cancel"):
        return http.answer(request, 400, "Nothing done", f"There is no action {action[:40]!r} on a send.")
    try:
        current = sending.status(send_id)
    except sending.UnknownSend:
        return http.answer(request, 404, "No such send", "That send does not exist. Nothing was changed.")
    if action == "cancel" and sent.get("confirm") != "yes":
        return http.redirect(f"/desk/newsletters?cancel={send_id}#confirm-cancel")
    left = False  # a cancelled digest's schedule that could not be deleted (it fires, and starts nothing)
    try:
        if action == "pause":
            sending.pause(send_id, who.email)
        elif action == "resume":
            sending.resume(send_id, who.email, sending.enqueue)
        else:
            left = digests.cancel(send_id, who.email)
    except sending.SendStateError as refusal:
        return http.back(f"/desk/newsletters?send={send_id}", failed=str(refusal))
    said = {"pause": "Paused: no more e-mails go until you resume it.",
            "resume": "Resumed: the rest of the readers receive it.",
            "cancel": f"Cancelled: no more e-mails of “{current.subject}” go. {current.sent:,} were sent."}[action]
    if action == "cancel" and current.state == "scheduled":
        said = (f"Cancelled: “{current.subject}” will not be sent." + (
            " Its schedule could not be removed just now: at its time it starts nothing." if left else ""))
    return http.back(f"/desk/newsletters?send={send_id}", done=said)
