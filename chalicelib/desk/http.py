"""How every desk screen answers: the headers, pages, JSON, redirects, who is asking, and the guards
each view is wrapped in (``guarded``, ``signed_in``, ``writes``, ``needs``).

Every answer is private (``private, no-store``), never indexed (``noindex``), framed by nobody,
and under a CSP that allows the desk's own script files and no inline script. Nothing here answers
a 5xx: a failure of AWS is a page (or JSON) that says so, and bad input gets the field's message
with nothing written. The screens (``views``, ``media``, ``history``, ``comments``, ``refused``,
``admin``) hold what each page does; this module holds what they all share.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any, Callable
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from chalice.app import Response
from pynamodb.exceptions import PynamoDBException

from chalicelib.desk import identity, session
from chalicelib.desk.identity import Identity, TokenRefused
from chalicelib.site import templating, web

log = logging.getLogger("newsroom.desk")


def csp(upload_to: str = "") -> str:
    """The desk's Content-Security-Policy; ``upload_to``: the bucket's origin a photo is posted to."""
    return "; ".join([
        "default-src 'none'", "script-src 'self'", "style-src 'self'",
        f"img-src 'self' https: data: blob:{' ' + upload_to if upload_to else ''}",  # the preview's unsized originals
        f"connect-src 'self'{' ' + upload_to if upload_to else ''}", "form-action 'self'", "base-uri 'none'",
        "frame-ancestors 'none'", "frame-src 'self'",
    ])


HEADERS = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex, nofollow", "Content-Security-Policy": csp(),
           "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}


def respond(body: str, status: int = 200, content_type: str = "text/html; charset=utf-8",
            extra: dict[str, Any] | None = None) -> Response:
    headers: dict[str, str | list[str]] = {**HEADERS, "Content-Type": content_type, **(extra or {})}
    return Response(body=body, status_code=status, headers=headers)


def json_answer(data: dict[str, Any], status: int = 200) -> Response:
    return respond(json.dumps(data), status, "application/json")


def page(template: str, status: int = 200, headers: dict[str, Any] | None = None, **context: Any) -> Response:
    html = templating.environment().get_template(f"desk/{template}").render(
        desk_script=static_url("desk.js"), stylesheet=static_url("desk.css"),
        toolbar_script=static_url("markdown-toolbar.js"), admin_script=static_url("admin.js"),
        upload_script=static_url("upload.js"), **context)
    return respond(html, status, extra=headers)


def screen(template: str, who: Identity, token: str, status: int = 200, headers: dict[str, Any] | None = None,
           **context: Any) -> Response:
    """A signed-in page: the navigation with its counts, and the session's CSRF token."""
    from chalicelib.desk import navigation

    return page(template, status, headers, who=who, csrf=session.csrf_token(token),
                nav=navigation.counts(who, token), **context)


def redirect(location: str, cookies: list[str] | None = None) -> Response:
    extra: dict[str, Any] = {"Location": location}
    if cookies:
        extra["Set-Cookie"] = cookies
    return respond("", 303, extra=extra)


def back(screen: str, done: str = "", failed: str = "", also: dict[str, str] | None = None) -> Response:
    """Back to ``screen`` (303; it may hold a query already) saying what was ``done`` or what ``failed``
    (at most 500 characters each), and ``also`` (the form's text to keep, an Undo's fields) in its
    query; empty ones are left out. Every desk form that answers with its screen again answers so."""
    parts = {"done": done[:500], "failed": failed[:500], **(also or {})}
    query = urlencode({k: v for k, v in parts.items() if v}, quote_via=quote)
    return redirect(screen + ("&" if "?" in screen else "?") + query if query else screen)


def stale(request: Any, back_to: str, what: str, by: str = "") -> Response:
    """A write refused because the page it came from is out of date (409), nothing written: ``what``
    changed since the person opened ``back_to`` (and ``by`` whom, where the bucket says). Every desk
    write is conditional on the version its page showed; this is how each says it was not."""
    said = f"{what} changed since you opened this page{' (by ' + by + ')' if by else ''}. Nothing was changed."
    if is_json(request):
        return json_answer({"error": said, "stale": True}, 409)
    return page("message.html", 409, heading="Changed since you opened this page", message=said, back=back_to)


def guarded(view: Callable[..., Response]) -> Callable[..., Response]:
    """No desk answer is a 5xx: AWS failing is a page that says so, anything else is logged and said."""
    def run(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except (BotoCoreError, ClientError, PynamoDBException) as exc:
            log.error(json.dumps({"event": "desk_aws_failed", "error": f"{type(exc).__name__}: {exc}"[:300]}))
            return answer(args[0] if args else None, 424, "The desk cannot reach AWS right now",
                          "Nothing was lost. Wait a minute and try again.")
        except Exception:  # noqa: BLE001 - never a traceback to the editor, nor a name of our code
            reference = secrets.token_hex(4)
            log.exception("desk fault %s", reference)
            return answer(args[0] if args else None, 400, "Something went wrong",
                          f"The desk could not do that. Nothing was changed; please report it, with the reference "
                          f"{reference} (the developers find it in the log).")
    return run


def answer(request: Any, status: int, heading: str, message: str) -> Response:
    """A failure as the caller reads it: JSON for the desk's script, a page for a person. Never a 5xx:
    AWS failing is 424 (a dependency failed), a fault of ours 400, each with words to act on."""
    if request is not None and is_json(request):
        return json_answer({"error": f"{heading}. {message}"}, status)
    return page("message.html", status, heading=heading, message=message)


def not_found(request: Any) -> Response:
    """Any ``/desk/...`` address no screen has: the desk's own 404, private and unindexed as every desk answer."""
    return answer(request, 404, "No such desk page", "Nothing is at this address. Go back to the articles.")


# --- who is asking ------------------------------------------------------------------------------

def secure(request: Any) -> bool:
    return not web.site_of(request).url("/").startswith("http://")


def who_is(request: Any) -> tuple[Identity, str] | None:
    """The signed-in person and their token; None for no session, a refused token, or a session that
    ended (signed out: what this function kept for the token goes too)."""
    token = session.cookies(request.headers or {}).get(session.ID_COOKIE, "")
    if not token:
        return None
    try:
        who = identity.verify(token)
    except TokenRefused:
        return None
    if session.ended(who):
        session.forget(token)
        return None
    return who, token


def signed_in(view: Callable[..., Response]) -> Callable[..., Response]:
    def run(request: Any, *args: Any) -> Response:
        found = who_is(request)
        if found is None:
            if request.method == "GET":
                return redirect("/desk/sign-in")
            return json_answer({"error": "Your session has ended. Sign in again; what you typed is kept in this "
                                         "browser."}, 401)
        return view(request, found[0], found[1], *args)
    return run


def needs(role: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """A screen for ``role`` and above (after ``signed_in``): anyone else gets 403 and nothing done."""
    def wrap(view: Callable[..., Response]) -> Callable[..., Response]:
        def run(request: Any, who: Identity, token: str, *args: Any) -> Response:
            if not who.may(role):
                return answer(request, 403, "Not for your role",
                              f"Only {'an admin' if role == 'admin' else 'an editor or an admin'} may do this.")
            return view(request, who, token, *args)
        return run
    return wrap


def writes(view: Callable[..., Response]) -> Callable[..., Response]:
    """A write: from the desk's own pages, with the session's CSRF token."""
    def run(request: Any, who: Identity, token: str, *args: Any) -> Response:
        sent = (request.headers or {}).get("x-csrf-token", "") or form(request).get("csrf", "")
        try:
            session.check_write(request.headers or {}, web.site_of(request).origin, token, sent)
        except session.CrossSite as refusal:
            return json_answer({"error": str(refusal)}, 403) if is_json(request) else \
                page("message.html", 403, heading="Refused", message=str(refusal))
        return view(request, who, token, *args)
    return run


def is_json(request: Any) -> bool:
    content_type: str = (request.headers or {}).get("content-type", "")
    return content_type.startswith("application/json")


def form(request: Any) -> dict[str, str]:
    """A form's fields (the last of each name)."""
    return {k: v[-1] for k, v in form_lists(request).items()}


def form_lists(request: Any) -> dict[str, list[str]]:
    """A form's fields with every value of each (the boxes ticked on a list)."""
    if is_json(request):
        return {}
    raw = (request.raw_body or b"").decode("utf-8", errors="replace")
    return parse_qs(raw, keep_blank_values=True)


def body(request: Any) -> dict[str, Any]:
    try:
        data = json.loads(request.raw_body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# The desk's own files, and the npm packages it vendors (templates/desk/vendor/, each with its license).
STATIC = {"desk.js": "desk.js", "desk.css": "desk.css", "media.js": "media.js", "import.js": "import.js",
          "subscribers.js": "subscribers.js", "upload.js": "upload.js",
          "admin.js": "admin.js",
          "live.js": "live.js",
          "editor.js": "editor.js",
          "list.js": "list.js", "combobox.js": "combobox.js", "locks.js": "locks.js",
          "conflict.js": "conflict.js", "bulk.js": "bulk.js",
          "body.js": "body.js", "body-editor.js": "vendor/body-editor/body-editor.js",
          "body-editor-tables.js": "vendor/body-editor/body-editor-tables.js",  # loaded when a body has a table
          "body-editor.css": "vendor/body-editor/body-editor.css",
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
        return respond("not found", 404, "text/plain; charset=utf-8")
    text = (web.TEMPLATES_DIR / "desk" / path).read_text()
    return respond(text, 200, "text/javascript; charset=utf-8" if kind == "js" else "text/css; charset=utf-8",
                   {"Cache-Control": "private, max-age=31536000, immutable"})
