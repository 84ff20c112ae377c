"""The desk's sign-in, its articles list and its editor (with the editor's JSON API: preview,
save, lock, status): what ``app.py``'s ``/desk`` routes call. How every answer is made, and the
guards, are ``http``'s. Only the web function loads this package, and only for ``/desk`` requests
(``app.py`` imports it inside the route): a reader's page never loads it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from typing import Any
from urllib.parse import urlencode

from chalice.app import Response

from chalicelib import config, keys
from chalicelib.bucket import Conflict, live_key
from chalicelib.clock import now_iso
from chalicelib.content import images, markup
from chalicelib.content.content_format import check_file
from chalicelib.content.files import Article, ContentError
from chalicelib.content.stored import item_values
from chalicelib.desk import (
    actions,
    conflicts,
    documents,
    editor_state,
    http,
    identity,
    listing,
    locks,
    pickers,
    preview_images,
    session,
    zones,
)
from chalicelib.desk.documents import Draft, Forbidden
from chalicelib.desk.identity import Identity
from chalicelib.models import Source
from chalicelib.publish import edge
from chalicelib.ratelimit import Limited
from chalicelib.site import comment_rules, pages, store, web

STATE_WORDS = {"live": "Live", "scheduled": "Scheduled", "draft": "Draft", "in review": "In review",
               "unpublished": "Unpublished", "refused": "Refused"}  # a state as the list names it


# --- sign-in ------------------------------------------------------------------------------------

@http.guarded
def sign_in(request: Any) -> Response:
    """GET: the form. POST (from the site's own pages only): Cognito's answer: the desk, a new
    password to choose, or why not. An account that failed is slowed (``session.SIGN_IN_BACKOFF``),
    a reader who failed many times is stopped for a while (``session.ADDRESS_LIMIT``)."""
    if not identity.configured():
        return http.page("message.html", 404, heading="The desk is not set up on this stage",
                     message="This stage has no user pool (docs/deploy.md).")
    if request.method != "POST":
        return http.page("sign_in.html")
    site = web.site_of(request)
    try:
        session.check_origin(request.headers or {}, site.origin)
    except session.CrossSite as refusal:
        return http.page("message.html", 403, heading="Refused", message=str(refusal))
    form = http.form(request)
    email, password = form.get("email", "").strip(), form.get("password", "")
    source_ip = ((request.context or {}).get("identity") or {}).get("sourceIp")
    reader = session.limited_key("address", comment_rules.client_of(site.headers, source_ip,
                                                                     web.through_our_cdn(site.headers)))
    account = session.limited_key("account", email)
    try:
        session.ADDRESS_LIMIT.check(reader)
        if not form.get("session"):
            session.SIGN_IN_BACKOFF.attempt(account)
    except Limited as limited:
        return http.page("sign_in.html", 429, email=email, error=_too_many(limited), headers={
            "Retry-After": str(limited.retry_after)})
    if form.get("session"):  # the answer to NEW_PASSWORD_REQUIRED
        if form.get("new_password", "") != form.get("confirm_password", ""):
            return http.page("new_password.html", 400, email=email, session=form["session"],
                         error="The two passwords are not the same.")
        try:
            answer = identity.choose_password(identity.NewPasswordNeeded(email, form["session"]),
                                              form.get("new_password", ""))
        except identity.SignInFailed as failed:
            return http.page("new_password.html", 400, email=email, session=form["session"], error=str(failed))
    else:
        try:
            answer = identity.sign_in(email, password)
        except identity.SignInFailed as failed:
            try:
                session.ADDRESS_LIMIT.take(reader)
            except Limited as limited:
                return http.page("sign_in.html", 429, email=email, error=_too_many(limited), headers={
                    "Retry-After": str(limited.retry_after)})
            return http.page("sign_in.html", 401, email=email, error=str(failed))
        session.SIGN_IN_BACKOFF.succeeded(account)
    if isinstance(answer, identity.NewPasswordNeeded):
        return http.page("new_password.html", email=email, session=answer.session)
    from chalicelib.desk import people

    people.record_sign_in(answer.id_token)
    return http.redirect("/desk/articles", session.set_cookies(answer.id_token, answer.access_token,
                                                               answer.refresh_token, answer.expires_in,
                                                               http.secure(request)))


def _too_many(limited: Limited) -> str:
    if limited.retry_after < 60:
        seconds = limited.retry_after
        return (f"Too many failed sign-ins. Wait {seconds} second{'s' if seconds != 1 else ''} and try again; "
                "nothing was checked meanwhile.")
    minutes = max(1, (limited.retry_after + 59) // 60)
    return f"Too many failed sign-ins. Wait {minutes} minute{'s' if minutes > 1 else ''} and try again."


@http.guarded
def sign_out(request: Any) -> Response:
    """End this session (or, with ``everywhere``, every session of this person): here, where its token
    is refused from now on, and at the user pool, where its refresh token stops working."""
    found = http.who_is(request)
    if found is not None:
        who, token = found
        try:
            session.check_write(request.headers or {}, web.site_of(request).origin, token,
                                http.form(request).get("csrf", ""))
        except session.CrossSite as refusal:
            return http.page("message.html", 403, heading="Refused", message=str(refusal))
        jar = session.cookies(request.headers or {})
        session.end_session(who, token)
        if http.form(request).get("everywhere"):
            session.end_sessions(who.sub)
            identity.sign_out_everywhere(jar.get(session.ACCESS_COOKIE, ""))
        else:
            identity.revoke(jar.get(session.REFRESH_COOKIE, ""))
    return http.redirect("/desk/sign-in", session.clear_cookies(http.secure(request)))


# --- the list and the editor --------------------------------------------------------------------

@http.guarded
@http.signed_in
def article_list(request: Any, who: Identity, token: str) -> Response:
    """Articles with their state, newest first: search, filters, paging."""
    return _listing(request, who, token, "article")


@http.guarded
@http.signed_in
def page_list(request: Any, who: Identity, token: str) -> Response:
    """The site's pages (About, Contact...), as the articles are listed."""
    return _listing(request, who, token, "page")


def bulk_names() -> dict[str, str]:
    """The bulk actions the list offers, by value (``desk.bulk.ACTIONS``)."""
    from chalicelib.desk import bulk as bulk_actions

    return bulk_actions.ACTIONS


def _listing(request: Any, who: Identity, token: str, kind: str) -> Response:
    query = request.query_params or {}
    zone = zones.zone_named(query["zone"]) if query.get("zone") else zones.zone_of(request)
    tab = query.get("tab", "") if query.get("tab", "") in dict(listing.TABS) else ""
    found = listing.listing(who, kind, tab, query.get("q", ""), query.get("category", ""), query.get("author", ""),
                            query.get("month", ""), query.get("after", ""), zone)
    filters = {k: v for k, v in query.items() if k not in ("after", "zone") and v}
    here = "/desk/pages" if kind == "page" else "/desk/articles"
    if kind == "page":
        found.rows = listing.nested(found.rows)
    tab_links = [(value, name, here + "?" + urlencode({k: v for k, v in {**filters, "tab": value}.items() if v}),
                  found.counts.get(value, 0)) for value, name in listing.TABS]
    site = store.site()
    return http.screen("articles.html", who, token, listing=found, kind=kind, filters=filters, tab=tab,
                       tab_links=tab_links, tabs=listing.TABS, query=query, list_script=http.static_url("list.js"),
                       zone=str(zone), shown_at=lambda d: listing.shown_at(d, zone),
                       authors=site.authors, categories={c.slug: c.name for c in site.categories},
                       states=STATE_WORDS, mine=listing.author_of(who), done=query.get("done", ""),
                       failed=query.get("failed", ""), bulk_actions=bulk_names(),
                       parents={row.slug: row.title for row in found.rows})


@http.guarded
@http.signed_in
@http.needs("editor")
@http.writes
def bulk(request: Any, who: Identity, token: str) -> Response:
    """(Editors) a bulk action on the list's ticked articles (``desk.bulk``)."""
    from chalicelib.desk import bulk as bulk_actions

    return bulk_actions.bulk(request, who, token)


@http.guarded
@http.signed_in
def editor(request: Any, who: Identity, token: str) -> Response:
    """The editor: a new article, or a file's fields and body with the version they were opened at."""
    key = (request.query_params or {}).get("key", "")
    report: list[dict[str, Any]] = []
    unpublished = False
    if key:
        bucket = session.bucket_as(token, who)
        try:
            opened = documents.open_file(documents.check_key(key), bucket, who)
        except documents.NotYours as refusal:
            return http.page("message.html", 403, heading="Not yours to open", message=str(refusal))
        except Forbidden:
            return http.page("message.html", 404, heading="No such article", message=f"{key} is not in the bucket.")
        except KeyError:  # unpublished (deleted): its last text, to publish again (an editor's to do)
            found = documents.open_last_version(key, bucket) if who.may("editor") else None
            if found is None:
                return http.page("message.html", 404, heading="No such article", message=f"{key} is not in the bucket.")
            opened, unpublished = found, True
        report = bucket.report_problems(key)
        versions = {**documents.versions_seen(key, bucket, who), key: opened.version}
    else:
        opened = documents.Opened("", "", {}, "")
        versions = {}
    from chalicelib.desk import media

    file_kind = "page" if live_key(opened.key).startswith(config.PAGES_PREFIX) else "article"

    zone = zones.zone_of(request)
    return http.screen("editor.html", who, token, headers=media.upload_headers() if who.may("editor") else None,
                       opened=opened, report=report, fields=documents.FIELDS,
                       form=[f for f in documents.FORM if f.of(file_kind) and (f.contributors or who.may("editor"))],
                       parents=[c for c in listing.parent_choices() if c[0] != opened.meta.get("slug", live_key(
                           opened.key).rsplit("/", 1)[-1].rsplit(".", 1)[0])] if file_kind == "page" else [],
                       can_publish=who.may("editor"),
                       versions=versions, other_fields=documents.other_fields(opened.meta),
                       state=editor_state.of(opened.key, versions, zone, unpublished, opened.meta.get("draft") is True),
                       corrections=documents.corrections_shown(opened.meta, zone),
                       editor_script=http.static_url("editor.js"),
                       media_script=http.static_url("media.js"), require_alt=store.site().settings.require_alt,
                       site_zone=store.site().settings.time_zone,
                       is_page=file_kind == "page",
                       choices=pickers.choices(pickers.names_in(opened.fields.get("tags", ""))),
                       combobox_script=http.static_url("combobox.js"), locks_script=http.static_url("locks.js"),
                       conflict_script=http.static_url("conflict.js"),
                       lock_check=locks.CHECK_SECONDS, body_script=http.static_url("body.js"),
                       body_editor_script=http.static_url("body-editor.js"), body_editor_style=http.static_url("body-editor.css"))


@http.guarded
@http.signed_in
@http.writes
def preview(request: Any, who: Identity, token: str) -> Response:
    """The article as the site will show it: the same renderer and templates, nothing written."""
    sent = http.body(request)
    fields = {k: str(v) for k, v in (sent.get("fields") or {}).items() if k in documents.FIELDS}
    fields["date"] = fields.get("date") or now_iso()  # a new article's date, until it is published
    data = documents.compose(fields, str(sent.get("body", "")))
    try:
        key = str(sent.get("key") or documents.new_key(fields))
        parsed = check_file(live_key(documents.check_key(key)), data)
    except (ContentError, Forbidden) as error:
        return http.json_answer({"problems": _problems(error)}, 400)
    if not isinstance(parsed, Article):
        return http.json_answer({"problems": [{"field": "file", "message": "is not an article"}]}, 400)
    rendered = markup.render_body(parsed.body, parsed.body_format)
    originals = session.bucket_as(token, who).s3 if who.may("editor") else None  # (not a contributor's to read)
    pictures = preview_images.sized(rendered.html, parsed.image, originals)  # as the site will
    values = {**item_values(dataclasses.replace(parsed, draft=True), rendered.excerpt), "kind": parsed.kind,
              "slug": parsed.slug, "image_set": pictures.image_set, "image": pictures.image, "comment_count": 0}
    page = pages.preview_page(web.site_of(request), store.site(), values, pictures.html, now_iso())
    return http.json_answer({"html": page.body if isinstance(page.body, str) else "", "waiting": [
        f"{key}: {images.WAITING.split(';')[0]}; the preview shows the original" if originals is not None else
        f"{key}: {images.WAITING.split(';')[0]}; the preview shows it once it is sized" for key in pictures.waiting]})


def _problems(error: Exception) -> list[dict[str, Any]]:
    if isinstance(error, ContentError):
        return [{"field": p.field, "message": p.message, "line": p.line, "text": str(p)} for p in error.problems]
    return [{"field": "file", "message": str(error), "line": None, "text": str(error)}]


@http.guarded
@http.signed_in
@http.writes
def save(request: Any, who: Identity, token: str) -> Response:
    """One action on a file (``actions.COMMANDS``): checked as ingest will, written with the person's
    role, each write conditional on the version of its key they opened (``versions``). 409 with both
    versions when someone saved meanwhile; nothing is written then."""
    sent = http.body(request)
    action = str(sent.get("action", ""))
    sent_versions = sent.get("versions")
    versions: dict[Any, Any] = sent_versions if isinstance(sent_versions, dict) else {}
    draft = Draft(key=str(sent.get("key") or ""), version=str(sent.get("version") or ""),
                  fields={k: str(v) for k, v in (sent.get("fields") or {}).items() if k in documents.FIELDS},
                  body=str(sent.get("body", "")), correction=str(sent.get("correction", "")),
                  versions={str(k): str(v or "") for k, v in versions.items()}, now=sent.get("now") is True,
                  zone=zones.zone_of(request).key)
    try:
        if action not in ("unpublish", "approve"):  # those publish what was reviewed, not the form
            known = pickers.choices()
            unknown = pickers.unknown_names(who, draft.fields, pickers.create_list(sent.get("create")), known)
            if unknown:
                raise ContentError(draft.key or "article", unknown)
            if draft.fields.get("author"):
                draft = dataclasses.replace(draft, fields={
                    **draft.fields, "author": pickers.written_author(draft.fields["author"], known)})
        other = locks.held_by_another(session.bucket_as(token, who), draft.key, who, time.time())
        if other is not None:
            when = listing.shown_at(other.since, dt.timezone.utc)
            return http.json_answer({"error": f"{other.name} is editing this article (since {when} UTC): your save "
                                              "was not made. Your text is still here: copy it, or take over again.",
                                     "locked": {"name": other.name, "since": other.since}}, 423)
        result = actions.run(who, token, action, draft)
    except Forbidden as refusal:
        return http.json_answer({"error": str(refusal)}, 403)
    except ContentError as error:
        return http.json_answer({"problems": _problems(error)}, 400)
    except Conflict as conflict:
        return http.json_answer({"conflict": conflicts.described(conflict, draft, session.bucket_as(token, who))}, 409)
    return http.json_answer(result)


@http.guarded
@http.signed_in
@http.writes
def lock(request: Any, who: Identity, token: str) -> Response:
    """Hold (or renew, take over, or with ``release`` let go of) the editing lock on a file: 200, or
    409 naming who is editing (``locks``)."""
    sent = http.body(request)
    try:
        key = documents.check_key(str(sent.get("key", "")))
    except Forbidden as refusal:
        return http.json_answer({"error": str(refusal)}, 400)
    bucket = session.bucket_as(token, who)
    try:
        documents.check_own_work(bucket, key, who)
    except documents.NotYours as refusal:
        return http.json_answer({"error": str(refusal)}, 403)
    if sent.get("release"):
        locks.release(bucket, key, who, time.time())
        return http.json_answer({"held": False})
    other = locks.hold(bucket, key, who, time.time(), take_over=bool(sent.get("take_over")))
    if other is not None:
        return http.json_answer({"editing": {"name": other.name, "since": other.since}}, 409)
    return http.json_answer({"held": True})


@http.guarded
@http.signed_in
def session_token(request: Any, who: Identity, token: str) -> Response:
    """The CSRF token of the session the browser now has: an editor page left open while its person
    signed in again (in another tab, after the session ended) takes it to save what it holds, as
    WordPress's sign-in box over the editor lets the post be saved after it."""
    return http.json_answer({"csrf": session.csrf_token(token)})


@http.guarded
@http.signed_in
def status(request: Any, who: Identity, token: str) -> Response:
    """Where a saved version is: waiting for ingest, live (with its URL), draft or scheduled (with the
    preview link), or refused (with the report's words). Only of an article or page file; a
    contributor only of a submission of their own. Given ``since`` (when it was saved), a live or
    unpublished one also says how far it has reached the edge (``edge``: see ``EDGE_NOTES``), and
    ``gone=1`` follows an unpublish."""
    query = request.query_params or {}
    key, version, since = query.get("key", ""), query.get("version", ""), query.get("since", "")
    try:
        documents.check_key(key)
    except Forbidden as refusal:
        return http.json_answer({"error": str(refusal)}, 400)
    if not who.may("editor") and not documents.submitted_by(session.bucket_as(token, who), key, who):
        return http.json_answer({"error": "A contributor follows their own submissions only."}, 403)
    source = Source.get_or_none(*keys.source(key), consistent_read=True)
    if query.get("gone") and since:
        reached = edge.clearing(key, since)
        if reached is None or (source is not None and source.status != "removed"):
            return http.json_answer({"state": "waiting"})  # ingest has not taken it down, or not told CloudFront
        return http.json_answer(_at_the_edge({"state": "unpublished"}, reached))
    if source is None or (version and source.etag != version and source.refused_etag != version):
        return http.json_answer({"state": "waiting"})
    if source.refused_etag == version and source.problems:
        return http.json_answer({"state": "refused", "problems": list(source.problems)})
    if not source.settled:
        return http.json_answer({"state": "waiting"})
    state = listing.state_of(source, now_iso())
    answer: dict[str, Any] = {"state": state, "url": f"/{source.slug}/" if source.slug else None, "date": source.date}
    if state in ("draft", "scheduled", "in review"):
        record = session.bucket_as(token, who).preview_link(key)
        answer["preview"] = str(record["preview"]) if record is not None else None
    if state == "live" and since:
        answer = _at_the_edge(answer, edge.clearing(key, since) or "clearing")
    return http.json_answer(answer)


# What the desk says of a change at the edge (CloudFront's copies), by what edge.clearing found.
EDGE_NOTES = {
    ("live", "clearing"): "The edge is still clearing the old version (CloudFront is removing its copies).",
    ("live", "cleared"): "CloudFront has cleared the old version: the edge shows this one.",
    ("unpublished", "clearing"): "Gone from the site; still clearing from the edge (CloudFront is removing its copies).",
    ("unpublished", "cleared"): "Gone from the site and from the edge.",
    ("live", "failed"): "CloudFront could not be told: its copies of the old version expire within a day.",
    ("unpublished", "failed"): "Gone from the site, but CloudFront could not be told: its copies expire within a day.",
}


def _at_the_edge(answer: dict[str, Any], reached: str) -> dict[str, Any]:
    """``answer`` with where the change is at the edge: "clearing" until CloudFront says its invalidation
    is complete (the desk asks again), then "cleared"; None where there is nothing to clear (no CDN)."""
    if reached in ("no-cdn", "nothing"):
        return {**answer, "edge": None}
    return {**answer, "edge": reached, "edge_note": EDGE_NOTES.get((answer["state"], reached), "")}


