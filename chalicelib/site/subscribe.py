"""Newsletter sign-up, confirmation and unsubscribe, as readers reach them (routes in ``app.py``).

- ``/subscribe/``: the form (GET), and a sign-up (POST) with the protection comments have
  (``comment_rules``: the browser's Origin, a signed form token, a honeypot, a rate limit per
  client). Every sign-up that passes them gets the same answer, whether the address is new, pending,
  active or suppressed: nothing tells a stranger who is subscribed.
- ``/newsletter/confirm/?t=``: the confirmation e-mail's link shows a button (GET), and the button
  confirms (POST from this page). A GET changes nothing, so a mail scanner that opens every link
  confirms nobody.
- ``/newsletter/unsubscribe/?t=``: a page with a button (GET); a POST unsubscribes at once, with
  no page in between. That POST is what a mail client sends for ``List-Unsubscribe-Post`` (RFC 8058)
  from wherever it runs, so it carries no Origin of ours and no form token: the signed token in the
  address is its authority, as the RFC requires.

- ``/newsletter/manage/?t=``: the reader's own data (every e-mail links to it: the unsubscribe
  address with ``&manage=1``, which answers a redirect here, so the fan-out's one per-reader mark
  serves both links). The page shows the address, state, newsletters (a form to change them), the
  consent and the history; ``/newsletter/manage/data/`` downloads it as JSON; "Delete my data" asks
  first (a GET page), and its button deletes (``own_data.delete``). Each POST is from our own page
  (Origin) and carries the version the page showed.

No cookie is set and no script is needed: each is a plain form.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from chalice.app import Response

from chalicelib import config
from chalicelib.clock import now_iso
from chalicelib.newsletters import events, mail, own_data, sending, signup, subscribers, tokens
from chalicelib.ratelimit import Limited, SlidingWindow
from chalicelib.site import comment_rules, pages, store, views, web
from chalicelib.site.web import Site

log = logging.getLogger("newsroom.newsletters")

SIGNUP_LIMIT = 5  # sign-ups per client in any window (as comments)
SIGNUP_WINDOW_SECONDS = 600
# Confirmation e-mails one inbox gets in any day, however its address is spelled (``inbox_of``): the
# limit per client and the one per address (``subscribers.CONFIRMATION_EVERY_SECONDS``) alone let anyone
# with a few machines mail ``victim+1@``, ``victim+2@``... without end, from our SES identity.
CONFIRMATIONS_PER_INBOX = SlidingWindow(3, 86400)


@dataclass(frozen=True, slots=True)
class SubscribePage:
    """The sign-up page: the form, or what became of a sign-up (``heading``/``message``)."""

    head: views.Head
    heading: str
    message: str
    problems: tuple[str, ...] = ()
    form: bool = True  # show the form
    email: str = ""  # what the reader typed, shown again after a refusal


@dataclass(frozen=True, slots=True)
class LinkPage:
    """What a link from an e-mail shows: a heading, words, and a button that does what it says."""

    head: views.Head
    heading: str
    message: str
    button: str | None = None  # the button's words; None: no button
    action: str = ""  # where the button posts


def subscribe_page(request: Any) -> Response:
    """The sign-up form, on its own page."""
    site = web.site_of(request)
    settings = store.site().settings
    return _render(site, SubscribePage(_head("Subscribe"), "Subscribe to our newsletters",
                                       _offer(settings.newsletters)), status=200, cache=web.SHORT_CACHE)


def subscribe(request: Any) -> Response:
    """A sign-up from the form: checked, recorded pending, a confirmation e-mail sent; the same
    answer whatever the address."""
    site = web.site_of(request)
    settings = store.site().settings
    refused = _guard(request, site)
    if refused is not None:
        return refused
    try:
        asked = signup.check(parse_qs((request.raw_body or b"").decode("utf-8", "replace"), max_num_fields=20),
                             settings.newsletters)
    except signup.Invalid as invalid:
        return _render(site, SubscribePage(_head("Subscribe"), "Your sign-up was not sent",
                                           "Please correct these and send it again:", tuple(invalid.problems)), 400)
    identity = (request.context or {}).get("identity") or {}
    source = comment_rules.client_of(site.headers, identity.get("sourceIp"), via_cdn=web.through_our_cdn(site.headers))
    consent = subscribers.Consent(form=asked.form, wording=signup.CONSENT_WORDING, source=source,
                                  newsletters=asked.newsletters)
    inbox = _inbox_key(asked.email)
    try:
        CONFIRMATIONS_PER_INBOX.check(inbox)
    except Limited:  # the same answer as any sign-up: nothing tells a stranger what this inbox was sent
        log.info("sign-up not recorded: the inbox has had its confirmations for today")
        nonce = None
    else:
        nonce = subscribers.sign_up(asked.email, consent)
    if nonce is not None:
        try:
            CONFIRMATIONS_PER_INBOX.take(inbox)
        except Limited:
            pass  # two sign-ups of one inbox at once: both are sent, one over the limit
        _send_confirmation(site, settings.site_name, subscribers.normalized(asked.email), nonce, asked.newsletters)
    return _render(site, SubscribePage(_head(signup.SENT_HEADING), signup.SENT_HEADING, signup.SENT_MESSAGE,
                                       form=False), 200)


def confirm_page(request: Any) -> Response:
    """The confirmation link: what it confirms, and the button that does (or why it cannot)."""
    site = web.site_of(request)
    token = (request.query_params or {}).get("t", "")
    try:
        tokens.read_confirm(token)
    except tokens.BadLink as bad:
        return _link_page(site, "This link does not work", bad.message, status=400)
    return _link_page(site, "Confirm your subscription", "One more step: press the button to start receiving "
                      "the newsletters you chose.", button="Confirm my subscription", action=_here(site, token))


def confirm(request: Any) -> Response:
    """The button on the confirmation page: the subscriber is active."""
    site = web.site_of(request)
    if not comment_rules.from_own_pages(site.headers, site.origin):
        return _link_page(site, "Not confirmed", "The confirmation was not sent from this site's page. Open the "
                          "link in the e-mail again and press the button there.", status=403)
    try:
        hashed, nonce = tokens.read_confirm((request.query_params or {}).get("t", ""))
        subscriber = subscribers.confirm(hashed, nonce)
    except tokens.BadLink as bad:
        return _link_page(site, "This link does not work", bad.message, status=400)
    except subscribers.StaleLink:
        return _link_page(site, "This link has been used", "This confirmation link was used already, or a newer "
                          "sign-up replaced it. If you are not receiving the newsletters, sign up again.", status=409)
    chosen = ", ".join(subscriber.newsletters or [])
    return _link_page(site, "You are subscribed", f"Thank you. You will receive: {chosen}. Every e-mail has a "
                      "link to unsubscribe.")


def unsubscribe_page(request: Any) -> Response:
    """The unsubscribe link opened in a browser: a page with the button (a GET changes nothing); with
    ``manage=1`` (every e-mail's "Manage your subscription" link), a redirect to the manage page."""
    site = web.site_of(request)
    token = (request.query_params or {}).get("t", "")
    try:
        hashed = tokens.read_unsubscribe(token)
    except tokens.BadLink as bad:
        return _link_page(site, "This link does not work", bad.message, status=400)
    if (request.query_params or {}).get("manage") == "1":
        return Response(body="", status_code=303, headers={
            "Location": site.link("/newsletter/manage/", t=tokens.manage_token(hashed)), "Cache-Control": web.NO_STORE})
    return _link_page(site, "Unsubscribe", "Press the button and we will stop sending you every newsletter at once.",
                      button="Unsubscribe", action=_here(site, token, _send_of(request)))


def unsubscribe(request: Any) -> Response:
    """One POST, from a mail client (RFC 8058) or the button: unsubscribed at once."""
    site = web.site_of(request)
    body = (request.raw_body or b"").decode("utf-8", "replace").strip()
    try:
        hashed = tokens.read_unsubscribe((request.query_params or {}).get("t", ""))
    except tokens.BadLink as bad:
        return _link_page(site, "This link does not work", bad.message, status=400)
    subscribers.unsubscribe(hashed, how="one-click" if body == mail.ONE_CLICK else "page")
    if send_id := _send_of(request):  # a newsletter's link: its send counts it (once)
        events.count_unsubscribe(send_id, hashed)
    return _link_page(site, "You are unsubscribed", "We will not send you any more newsletters. If this was a "
                      "mistake, you can subscribe again at any time.")


def _send_of(request: Any) -> str:
    """The send an unsubscribe link came from (``s``: not signed, it only says which send to count
    the unsubscribe for; the token alone says who is unsubscribed)."""
    sent = str((request.query_params or {}).get("s", ""))
    return sent if sending.SEND_ID.match(sent) else ""


@dataclass(frozen=True, slots=True)
class ManagePage:
    """A subscriber's own page: their data and the forms that change it (or ``message`` alone)."""

    head: views.Head
    heading: str
    message: str
    token: str = ""  # the signed link, for the forms' addresses
    data: dict[str, Any] | None = None  # own_data.data_of
    offered: tuple[str, ...] = ()
    version: int = 0  # what the forms were shown at: every POST is conditional on it
    asking_delete: bool = False  # the "are you sure" page of "Delete my data"
    problem: str = ""


def manage_page(request: Any) -> Response:
    """A subscriber's own data, from the link in every e-mail; ``?delete=1`` asks before deleting."""
    site = web.site_of(request)
    # Read as given: newsletter/* is a behaviour of the edge's that passes every parameter and caches
    # nothing (tests/deploy/test_edge.py), unlike the readers' pages ``site.query`` serves.
    params = request.query_params or {}
    token = params.get("t", "")
    try:
        hashed = tokens.read_manage(token)
    except tokens.BadLink as bad:
        return _manage(site, ManagePage(_head("This link does not work"), "This link does not work", bad.message),
                       400)
    return _manage(site, _manage_view(hashed, token, asking_delete=params.get("delete") == "1"))


def manage(request: Any) -> Response:
    """A form of the manage page: ``do=save`` the newsletters ticked, or ``do=delete`` everything."""
    site = web.site_of(request)
    token = (request.query_params or {}).get("t", "")
    try:
        hashed = tokens.read_manage(token)
    except tokens.BadLink as bad:
        return _manage(site, ManagePage(_head("This link does not work"), "This link does not work", bad.message),
                       400)
    if not comment_rules.from_own_pages(site.headers, site.origin):
        return _manage(site, _manage_view(hashed, token, problem="That was not sent from this site's page, so "
                                          "nothing was changed. Use the buttons below."), 403)
    form = parse_qs((request.raw_body or b"").decode("utf-8", "replace"), max_num_fields=40)
    seen = (form.get("version") or [""])[0]
    expected = int(seen) if seen.isdigit() else -1
    action = (form.get("do") or [""])[0]
    try:
        if action == "delete":
            own_data.delete(hashed, expected)
            return _manage(site, ManagePage(_head("Your data is deleted"), "Your data is deleted", "We deleted your "
                                            "address, your newsletters, your consent record and their history. We "
                                            "keep only a one-way hash of the address, so that no import of an old "
                                            "list brings you back; copies in lists our editors imported or exported "
                                            "are deleted within eight days. You can subscribe again yourself at any "
                                            "time."))
        if action == "save":
            own_data.choose(hashed, form.get("newsletter", []), store.site().settings.newsletters, expected)
            return _manage(site, _manage_view(hashed, token, message="Saved. Your choice applies to the next "
                                              "e-mail we send."))
    except own_data.Changed:
        return _manage(site, _manage_view(hashed, token, problem="Your subscription changed since this page was "
                                          "opened (from another e-mail or device), so nothing was changed. Here it "
                                          "is now: choose again."), 409)
    except own_data.NotChoosable:
        return _manage(site, _manage_view(hashed, token, problem="Our e-mails to this address could not be "
                                          "delivered, or were reported as spam, so we send it nothing."), 409)
    return _manage(site, _manage_view(hashed, token, problem="Use one of the buttons below."), 400)


def manage_data(request: Any) -> Response:
    """ "Download my data": everything we hold about the subscriber, as a JSON file."""
    site = web.site_of(request)
    try:
        hashed = tokens.read_manage((request.query_params or {}).get("t", ""))
    except tokens.BadLink as bad:
        return _manage(site, ManagePage(_head("This link does not work"), "This link does not work", bad.message),
                       400)
    item = own_data.current(hashed)
    data = own_data.data_of(item) if item is not None else {"deleted": True, "kept": "a hash of the address"}
    return Response(body=json.dumps(data, indent=2, ensure_ascii=False) + "\n", status_code=200, headers={
        "Content-Type": "application/json; charset=utf-8", "Cache-Control": web.NO_STORE,
        "Content-Disposition": 'attachment; filename="my-newsletter-data.json"', "X-Robots-Tag": "noindex"})


def _manage_view(hashed: str, token: str, asking_delete: bool = False, message: str = "",
                 problem: str = "") -> ManagePage:
    item = own_data.current(hashed)
    if item is None:
        return ManagePage(_head("No subscription"), "No subscription", "We hold no data for this address: it was "
                          "deleted, or never confirmed a subscription.", problem=problem)
    heading = "Delete your data?" if asking_delete else "Your subscription"
    text = message or ("This deletes your address, your newsletters, your consent record and their history, at "
                       "once. We keep only a one-way hash of the address, so that no import of an old list brings "
                       "you back." if asking_delete else "What we hold about you, and your choices.")
    return ManagePage(_head(heading), heading, text, token, own_data.data_of(item), store.site().settings.newsletters,
                      int(item.version or 0), asking_delete, problem)


def _manage(site: Site, page: ManagePage, status: int = 200) -> Response:
    snapshot = store.site()
    now = now_iso()
    return web.respond(site, lambda: pages.render_template("newsletters/manage.html", pages.chrome(site, snapshot, now),
                                                           page), ("manage", repr(page)), status=status,
                       cache=web.NO_STORE, extra_headers={"X-Robots-Tag": "noindex"})


def _guard(request: Any, site: Site) -> Response | None:
    """The protection comments have, applied to a sign-up: a refusal page, or None."""
    try:
        if not comment_rules.from_own_pages(site.headers, site.origin):
            raise comment_rules.Refused("foreign_origin", 403, "Sign-up refused", "The form was not sent from "
                                        "this site's pages. Open the page, reload it and sign up from there.")
        form = comment_rules.parse_form(request.raw_body)
        if not comment_rules.token_valid(signup.FORM_SCOPE, form.get("token", "")):
            raise comment_rules.Refused("expired_form", 403, "The form has expired", "The page you signed up "
                                        "from is too old. Reload it and sign up again.")
        if form.get(comment_rules.HONEYPOT):
            raise comment_rules.Refused("honeypot", 400, "Sign-up refused", "A field that people do not see was "
                                        "filled in, so the sign-up looks automated. Reload the page and try again.")
        identity = (request.context or {}).get("identity") or {}
        client = comment_rules.client_of(site.headers, identity.get("sourceIp"),
                                         via_cdn=web.through_our_cdn(site.headers))
        SlidingWindow(SIGNUP_LIMIT, SIGNUP_WINDOW_SECONDS).take(f"signup-{client}")
    except comment_rules.Refused as refusal:
        return _render(site, SubscribePage(_head(refusal.heading), refusal.heading, refusal.message), refusal.status)
    except Limited as limited:
        minutes = max(1, (limited.retry_after + 59) // 60)
        return _render(site, SubscribePage(_head("Too many sign-ups"), "Too many sign-ups", f"Please wait {minutes} "
                                           f"minute{'s' if minutes > 1 else ''} and try again.", form=False), 429,
                       extra={"Retry-After": str(limited.retry_after)})
    return None


def inbox_of(email: str) -> str:
    """The inbox an address reaches: lower case, without a ``+tag`` (sub-addressing, which most mail
    providers deliver to the same inbox), and for Gmail without the dots it ignores."""
    local, _, domain = subscribers.normalized(email).rpartition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def _inbox_key(email: str) -> str:
    """The rate-limit key of an address's inbox: a keyed hash, never the address."""
    secret = config.current().cursor_secret
    return "confirm-inbox-" + hmac.new(secret, inbox_of(email).encode(), hashlib.sha256).hexdigest()[:32]


def _send_confirmation(site: Site, site_name: str, email: str, nonce: str, newsletters: tuple[str, ...]) -> None:
    hashed = subscribers.address_hash(email)
    confirm_url = site.url("/newsletter/confirm/") + "?t=" + tokens.confirm_token(hashed, nonce)
    unsubscribe_url = site.url("/newsletter/unsubscribe/") + "?t=" + tokens.unsubscribe_token(hashed)
    values = {"site_name": site_name, "confirm_url": confirm_url, "unsubscribe_url": unsubscribe_url,
              "newsletters": newsletters, "home_url": site.url("/")}
    message = mail.compose(email, f"Confirm your subscription to {site_name}", site_name,
                           mail.render("confirm.txt", **values), mail.render("confirm.html", **values), unsubscribe_url)
    mail.send(message)
    log.info("confirmation e-mail sent to subscriber %s", hashed[:12])


def _offer(newsletters: tuple[str, ...]) -> str:
    if not newsletters:
        return "This site has no newsletters yet."
    return "Choose what you want to receive. We will send you an e-mail to confirm."


def _here(site: Site, token: str, send_id: str | None = None) -> str:
    return site.link(site.raw_path, t=token, **({"s": send_id} if send_id else {}))


def _head(title: str) -> views.Head:
    return views.Head(title, None, None, robots="noindex")


def _render(site: Site, page: SubscribePage, status: int, cache: str = web.NO_STORE,
            extra: dict[str, str] | None = None) -> Response:
    snapshot = store.site()
    now = now_iso()
    return web.respond(site, lambda: pages.render_template("newsletters/subscribe.html",
                                                           pages.chrome(site, snapshot, now), page),
                       ("subscribe", page, pages.snapshot_version(snapshot), comment_rules.form_token(signup.FORM_SCOPE)),
                       status=status, cache=cache, extra_headers=extra)


def _link_page(site: Site, heading: str, message: str, button: str | None = None, action: str = "",
               status: int = 200) -> Response:
    snapshot = store.site()
    now = now_iso()
    page = LinkPage(_head(heading), heading, message, button, action)
    return web.respond(site, lambda: pages.render_template("newsletters/link.html", pages.chrome(site, snapshot, now),
                                                           page), ("link", page), status=status, cache=web.NO_STORE)
