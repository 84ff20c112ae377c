"""The desk's pages and its JSON API: what ``app.py``'s ``/desk`` routes call.

Every answer is private (``private, no-store``), never indexed (``noindex``), framed by nobody,
and under a CSP that allows the desk's own script file and no inline script. Nothing here answers
a 5xx: a failure of AWS is a page (or JSON) that says so, and bad input gets the field's message
with nothing written. Only the web function loads this package, and only for ``/desk`` requests
(``app.py`` imports it inside the route): a reader's page never loads it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from typing import Any, Callable
from urllib.parse import parse_qs

from botocore.exceptions import BotoCoreError, ClientError
from chalice.app import Response
from pynamodb.exceptions import PynamoDBException

from chalicelib import bodies, config, keys
from chalicelib.clock import now_iso
from chalicelib.content import markup
from chalicelib.content.content_format import check_file
from chalicelib.content.files import Article, ContentError, Problem
from chalicelib.desk import documents, identity, session
from chalicelib.desk.documents import Conflict, Draft, Forbidden
from chalicelib.desk.identity import Identity, TokenRefused
from chalicelib.models import Source
from chalicelib.publish import articles
from chalicelib.ratelimit import Limited
from chalicelib.site import pages, store, templating, web

log = logging.getLogger("newsroom.desk")
DESK_CSP = "; ".join([
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' https: data:",
    "connect-src 'self'", "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'", "frame-src 'self'",
])
HEADERS = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex, nofollow", "Content-Security-Policy": DESK_CSP,
           "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}
STATES = ("live", "scheduled", "draft", "in review", "refused")


def _respond(body: str, status: int = 200, content_type: str = "text/html; charset=utf-8",
             extra: dict[str, Any] | None = None) -> Response:
    headers: dict[str, str | list[str]] = {**HEADERS, "Content-Type": content_type, **(extra or {})}
    return Response(body=body, status_code=status, headers=headers)


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return _respond(json.dumps(data), status, "application/json")


def _page(template: str, status: int = 200, **context: Any) -> Response:
    html = templating.environment().get_template(f"desk/{template}").render(
        desk_script=static_url("desk.js"), stylesheet=static_url("desk.css"),
        toolbar_script=static_url("markdown-toolbar.js"), **context)
    return _respond(html, status)


def _redirect(location: str, cookies: list[str] | None = None) -> Response:
    extra: dict[str, Any] = {"Location": location}
    if cookies:
        extra["Set-Cookie"] = cookies
    return _respond("", 303, extra=extra)


def guarded(view: Callable[..., Response]) -> Callable[..., Response]:
    """No desk answer is a 5xx: AWS failing is a page that says so, anything else is logged and said."""
    def run(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except (BotoCoreError, ClientError, PynamoDBException) as exc:
            log.error(json.dumps({"event": "desk_aws_failed", "error": f"{type(exc).__name__}: {exc}"[:300]}))
            return _answer(request_of(args), 424, "The desk cannot reach AWS right now",
                           "Nothing was lost. Wait a minute and try again.")
        except Exception as exc:  # noqa: BLE001 - never a traceback to the editor
            log.exception("desk fault")
            return _answer(request_of(args), 400, "Something went wrong",
                           f"The desk could not do that ({type(exc).__name__}). Nothing was changed; please report it.")
    return run


def request_of(args: tuple[Any, ...]) -> Any:
    return args[0] if args else None


def _answer(request: Any, status: int, heading: str, message: str) -> Response:
    """A failure as the caller reads it: JSON for the desk's script, a page for a person. Never a 5xx:
    AWS failing is 424 (a dependency failed), a fault of ours 400, each with words to act on."""
    if request is not None and _is_json(request):
        return _json({"error": f"{heading}. {message}"}, status)
    return _page("message.html", status, heading=heading, message=message)


# --- who is asking ------------------------------------------------------------------------------

def _secure(request: Any) -> bool:
    return not web.site_of(request).url("/").startswith("http://")


def _who(request: Any) -> tuple[Identity, str] | None:
    token = session.cookies(request.headers or {}).get(session.ID_COOKIE, "")
    if not token:
        return None
    try:
        return identity.verify(token), token
    except TokenRefused:
        return None


def _signed_in(view: Callable[..., Response]) -> Callable[..., Response]:
    def run(request: Any, *args: Any) -> Response:
        found = _who(request)
        if found is None:
            if request.method == "GET":
                return _redirect("/desk/sign-in")
            return _json({"error": "Your session has ended. Sign in again; what you typed is kept in this browser."},
                         401)
        return view(request, found[0], found[1], *args)
    return run


def _writes(view: Callable[..., Response]) -> Callable[..., Response]:
    """A write: from the desk's own pages, with the session's CSRF token."""
    def run(request: Any, who: Identity, token: str, *args: Any) -> Response:
        sent = (request.headers or {}).get("x-csrf-token", "") or _form(request).get("csrf", "")
        try:
            session.check_write(request.headers or {}, web.site_of(request).origin, token, sent)
        except session.CrossSite as refusal:
            return _json({"error": str(refusal)}, 403) if _is_json(request) else \
                _page("message.html", 403, heading="Refused", message=str(refusal))
        return view(request, who, token, *args)
    return run


def _is_json(request: Any) -> bool:
    content_type: str = (request.headers or {}).get("content-type", "")
    return content_type.startswith("application/json")


def _form(request: Any) -> dict[str, str]:
    if _is_json(request):
        return {}
    raw = (request.raw_body or b"").decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def _body(request: Any) -> dict[str, Any]:
    try:
        data = json.loads(request.raw_body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


# --- sign-in ------------------------------------------------------------------------------------

@guarded
def sign_in(request: Any) -> Response:
    """GET: the form. POST: Cognito's answer: the desk, a new password to choose, or why not."""
    if not identity.configured():
        return _page("message.html", 404, heading="The desk is not set up on this stage",
                     message="This stage has no user pool (docs/deploy.md).")
    if request.method != "POST":
        return _page("sign_in.html")
    form = _form(request)
    email, password = form.get("email", "").strip(), form.get("password", "")
    source_ip = ((request.context or {}).get("identity") or {}).get("sourceIp")
    counters = session.limited_keys(email, source_ip)
    try:
        for key in counters:
            session.SIGN_IN_LIMIT.check(key)
    except Limited as limited:
        return _page("sign_in.html", 429, email=email, error=_too_many(limited))
    if form.get("session"):  # the answer to NEW_PASSWORD_REQUIRED
        if form.get("new_password", "") != form.get("confirm_password", ""):
            return _page("new_password.html", 400, email=email, session=form["session"],
                         error="The two passwords are not the same.")
        try:
            answer = identity.choose_password(identity.NewPasswordNeeded(email, form["session"]),
                                              form.get("new_password", ""))
        except identity.SignInFailed as failed:
            return _page("new_password.html", 400, email=email, session=form["session"], error=str(failed))
    else:
        try:
            answer = identity.sign_in(email, password)
        except identity.SignInFailed as failed:
            try:
                for key in counters:
                    session.SIGN_IN_LIMIT.take(key)
            except Limited as limited:
                return _page("sign_in.html", 429, email=email, error=_too_many(limited))
            return _page("sign_in.html", 401, email=email, error=str(failed))
    if isinstance(answer, identity.NewPasswordNeeded):
        return _page("new_password.html", email=email, session=answer.session)
    return _redirect("/desk/articles", session.set_cookies(answer.id_token, answer.access_token, answer.expires_in,
                                                           _secure(request)))


def _too_many(limited: Limited) -> str:
    minutes = max(1, (limited.retry_after + 59) // 60)
    return f"Too many failed sign-ins. Wait {minutes} minute{'s' if minutes > 1 else ''} and try again."


@guarded
def sign_out(request: Any) -> Response:
    """End the session here and at the user pool."""
    found = _who(request)
    if found is not None:
        try:
            session.check_write(request.headers or {}, web.site_of(request).origin, found[1], _form(request).get("csrf", ""))
        except session.CrossSite as refusal:
            return _page("message.html", 403, heading="Refused", message=str(refusal))
        access = session.cookies(request.headers or {}).get(session.ACCESS_COOKIE, "")
        if access:
            identity.sign_out(access)
    return _redirect("/desk/sign-in", session.clear_cookies(_secure(request)))


# --- the list and the editor --------------------------------------------------------------------

@guarded
@_signed_in
def article_list(request: Any, who: Identity, token: str) -> Response:
    """Articles with their state, newest first: search, filters, paging."""
    query = request.query_params or {}
    mine = who.name if query.get("mine") else ""
    after = query.get("after", "")
    rows, older = documents.listing(query.get("q", ""), query.get("state", ""), query.get("category", ""),
                                    query.get("author", ""), mine, after)
    filters = {k: v for k, v in query.items() if k != "after"}
    return _page("articles.html", who=who, csrf=session.csrf_token(token), rows=rows, older=older, after=after,
                 filters=filters, states=STATES, query=query)


@guarded
@_signed_in
def editor(request: Any, who: Identity, token: str) -> Response:
    """The editor: a new article, or a file's fields and body with the version they were opened at."""
    key = (request.query_params or {}).get("key", "")
    if key:
        try:
            opened = documents.open_file(documents.check_key(key), session.s3_as(token))
        except (KeyError, Forbidden):
            return _page("message.html", 404, heading="No such article", message=f"{key} is not in the bucket.")
    else:
        opened = documents.Opened("", "", {}, "")
    return _page("editor.html", who=who, csrf=session.csrf_token(token), opened=opened,
                 fields=documents.FIELDS, can_publish=who.may("editor"))


@guarded
@_signed_in
@_writes
def preview(request: Any, who: Identity, token: str) -> Response:
    """The article as the site will show it: the same renderer and templates, nothing written."""
    sent = _body(request)
    fields = {k: str(v) for k, v in (sent.get("fields") or {}).items() if k in documents.FIELDS}
    fields["date"] = fields.get("date") or now_iso()  # a new article's date, until it is published
    data = documents.compose(fields, str(sent.get("body", "")))
    try:
        key = str(sent.get("key") or documents.new_key(fields))
        parsed = check_file(documents.live_key(documents.check_key(key)), data)
    except (ContentError, Forbidden) as error:
        return _json({"problems": _problems(error)}, 400)
    if not isinstance(parsed, Article):
        return _json({"problems": [{"field": "file", "message": "is not an article"}]}, 400)
    rendered = markup.render_body(parsed.body, parsed.body_format)
    post = articles.post_item(keys.post(parsed.slug), dataclasses.replace(parsed, draft=True), rendered,
                              bodies.PackedBody(html=rendered.html), "", None, comment_count=0)
    site = web.site_of(request)
    page = pages.post_page(site, store.site(), post, now_iso(), f"/{parsed.slug}/", preview_of=True)
    return _json({"html": page.body if isinstance(page.body, str) else ""})


def _problems(error: Exception) -> list[dict[str, Any]]:
    if isinstance(error, ContentError):
        return [{"field": p.field, "message": p.message, "line": p.line, "text": str(p)} for p in error.problems]
    return [{"field": "file", "message": str(error), "line": None, "text": str(error)}]


@guarded
@_signed_in
@_writes
def save(request: Any, who: Identity, token: str) -> Response:
    """One action on a file (``documents.ACTIONS``): checked as ingest will, written with the person's
    role, conditional on the version they opened. 409 with both versions when someone saved meanwhile."""
    sent = _body(request)
    action = str(sent.get("action", ""))
    draft = Draft(key=str(sent.get("key") or ""), version=str(sent.get("version") or ""),
                  fields={k: str(v) for k, v in (sent.get("fields") or {}).items() if k in documents.FIELDS},
                  body=str(sent.get("body", "")), correction=str(sent.get("correction", "")))
    try:
        documents.allowed(who, action)
        result = _act(who, token, action, draft)
    except Forbidden as refusal:
        return _json({"error": str(refusal)}, 403)
    except ContentError as error:
        return _json({"problems": _problems(error)}, 400)
    except Conflict as conflict:
        return _json({"conflict": {"key": conflict.key, "version": conflict.etag or "",
                                   "theirs": (conflict.theirs or b"").decode("utf-8", errors="replace"),
                                   "mine": documents.compose(draft.fields, draft.body).decode()}}, 409)
    return _json(result)


def _act(who: Identity, token: str, action: str, draft: Draft) -> dict[str, Any]:
    s3 = session.s3_as(token)
    key = documents.check_key(draft.key) if draft.key else documents.new_key(draft.fields)
    live = documents.live_key(key)
    live_exists = documents.taken(live, s3)  # one HEAD: the live file is there or not for the whole action
    if not draft.key and live_exists:  # a new article whose file name another has
        raise ContentError(live, [Problem("slug", f"{live} already exists: choose another slug")])
    if action == "unpublish":
        documents.delete(s3, live, draft.version if key == live else "")
        return {"key": live, "version": "", "state": "unpublished", "message": f"Unpublished: {live} is gone from "
                "the site and the edge; publishing it again brings it back."}
    if action == "approve":
        if key == live:
            raise Forbidden("Only a submission or a draft can be approved.")
        pending = documents.open_file(key, s3)
        current = documents.open_file(live, s3).version if live_exists else ""
        etag = documents.write(s3, live, pending.raw, current, who)
        s3.delete_object(Bucket=config.current().bucket, Key=key)
        return {"key": live, "version": etag, "state": "submitted", "message": f"Approved: {live} goes live."}
    fields = dict(draft.fields)
    if not fields.get("date") and action in ("draft", "submit"):
        fields["date"] = now_iso()  # a new article's: publishing keeps it, or makes it the moment of publishing
    if action == "publish":
        fields.pop("draft", None)
        fields["date"] = fields.get("date") or now_iso() if fields.get("date", "") <= now_iso() else now_iso()
    elif action == "schedule":
        fields.pop("draft", None)
        if not fields.get("date") or fields["date"] <= now_iso():
            raise ContentError(key, [Problem("date", "give a date and time in the future to schedule")])
    elif action == "draft" and key == live and not live_exists:
        fields["draft"] = "true"  # a new article saved as a draft: previewable, never listed
    opened = documents.open_file(key, s3) if draft.version else None
    if opened is not None and not draft.correction.strip() and _same(opened, draft) and action in ("draft", "publish"):
        return {"key": key, "version": opened.version, "state": "unchanged", "message": "Nothing changed."}
    target = {"submit": config.SUBMISSIONS_PREFIX + live,
              "draft": (config.DRAFTS_PREFIX + live) if live_exists and key == live else key}.get(action, live)
    correction = draft.correction if action == "publish" and opened is not None else ""
    data = documents.compose(fields, draft.body, opened.meta if opened is not None else None, correction, now_iso())
    problems = documents.check(target, data)
    if problems:
        raise ContentError(target, problems)
    version = draft.version if target == key else (documents.open_file(target, s3).version if documents.taken(target, s3) else "")
    etag = documents.write(s3, target, data, version, who)
    return {"key": target, "version": etag, "state": "submitted",
            "message": f"Saved to {target}: ingest is publishing it."}


def _same(opened: documents.Opened, draft: Draft) -> bool:
    """Whether the editor changed nothing: the file stays byte for byte as it is."""
    def shown(fields: dict[str, str]) -> dict[str, str]:
        return {k: v.strip() for k, v in fields.items() if v and v.strip()}
    return shown(opened.fields) == shown(draft.fields) and opened.body.strip() == draft.body.strip()


@guarded
@_signed_in
@_writes
def lock(request: Any, who: Identity, token: str) -> Response:
    """Hold (or renew, or take over) the editing lock on a file: 200, or 409 naming who is editing."""
    sent = _body(request)
    try:
        key = documents.check_key(str(sent.get("key", "")))
    except Forbidden as refusal:
        return _json({"error": str(refusal)}, 400)
    other = documents.hold(session.s3_as(token), key, who, time.time(), take_over=bool(sent.get("take_over")))
    if other is not None:
        return _json({"editing": {"name": other.name, "since": other.since}}, 409)
    return _json({"held": True})


@guarded
@_signed_in
def status(request: Any, who: Identity, token: str) -> Response:
    """Where a saved version is: waiting for ingest, live (with its URL), draft or scheduled (with the
    preview link), or refused (with the report's words)."""
    query = request.query_params or {}
    key, version = query.get("key", ""), query.get("version", "")
    source = Source.get_or_none(*keys.source(key), consistent_read=True) if key else None
    if source is None or (version and source.etag != version and source.refused_etag != version):
        return _json({"state": "waiting"})
    if source.refused_etag == version and source.problems:
        return _json({"state": "refused", "problems": list(source.problems)})
    if not source.settled:
        return _json({"state": "waiting"})
    listed = documents._listed(source, now_iso())
    answer: dict[str, Any] = {"state": listed.state, "url": f"/{source.slug}/" if source.slug else None}
    if listed.state in ("draft", "scheduled", "in review"):
        answer["preview"] = _preview_link(key, session.s3_as(token))
    return _json(answer)


def _preview_link(key: str, s3: Any) -> str | None:
    from chalicelib.publish.bucket import preview_key

    try:
        record = json.loads(s3.get_object(Bucket=config.current().bucket, Key=preview_key(key))["Body"].read())
    except (ClientError, ValueError):
        return None
    return str(record.get("preview")) if record.get("preview") else None


# The desk's own files, and the npm packages it vendors (templates/desk/vendor/, each with its license).
STATIC = {"desk.js": "desk.js", "desk.css": "desk.css",
          "markdown-toolbar.js": "vendor/markdown-toolbar-element/index.js"}


def static_url(name: str) -> str:
    """Where the desk serves one of its ``STATIC`` files: its name with the code's version in it."""
    stem, _, kind = name.rpartition(".")
    return f"/desk/static/{stem}.{web.code_version()}.{kind}"


def static(name: str) -> Response:
    """The desk's scripts and stylesheet, by version (cached a year: a new version has a new name)."""
    stem, _, kind = name.rpartition(".")
    base, _, version = stem.rpartition(".")
    path = STATIC.get(f"{base}.{kind}")
    if path is None or version != web.code_version():
        return _respond("not found", 404, "text/plain; charset=utf-8")
    text = (web.TEMPLATES_DIR / "desk" / path).read_text()
    return _respond(text, 200, "text/javascript; charset=utf-8" if kind == "js" else "text/css; charset=utf-8",
                    {"Cache-Control": "private, max-age=31536000, immutable"})
