"""Every URL and event source of the site. Logic lives in chalicelib/.

Every page route answers GET, HEAD and OPTIONS (``web.middleware`` does the
last two and the headers every response carries) and is wrapped in
``when_aws_fails``: AWS failing while a page is served answers the
site's 503 page, not Chalice's JSON error.
"""

from __future__ import annotations

import gc

# A cold start is mostly imports (Chalice, botocore, PynamoDB, Jinja2): hundreds of thousands of
# objects that live as long as the process. The cyclic collector would walk them again and again
# while they load, and find nothing to free. So it is off until the end of this module, which then
# freezes them (later collections skip them: docs/performance.md) and turns it back on.
gc.disable()

# The AWS client stack (urllib3, then botocore through PynamoDB's connection) is imported first, from
# here, at the shallowest call depth, not from deep inside chalicelib's imports. CPython 3.13 before
# the fix of python/cpython#142183 unmaps and maps again a 16 KB block of its frame stack on every
# call that crosses a block's edge, and urllib3's and botocore's import-time regex compiles, imported
# 12 modules deep, sat on one: ~3,000 mmap/munmap pairs and ~60 ms of each cold start on 3.13.0
# (docs/performance.md). Imported here they cross no edge; where the fix is in, it costs nothing.
import urllib3  # noqa: E402, F401
import logging  # noqa: E402 - urllib3 has loaded it

# PynamoDB's settings module says at import, at INFO, that no /etc/pynamodb settings file exists and that
# it uses its defaults; we configure PynamoDB in code (chalicelib/models.py), so both lines are noise in
# every function's log and in the terminal `make run` shows a newcomer.
logging.getLogger("pynamodb.settings").setLevel(logging.WARNING)
import pynamodb.connection  # noqa: E402, F401

import os  # noqa: E402 - after the collector is off
from typing import TYPE_CHECKING  # noqa: E402

from chalice.app import Chalice, Request, Response, SQSEvent  # noqa: E402

from chalicelib import archives, config, live_blog  # noqa: E402
from chalicelib.newsletters import SENDERS as NEWSLETTER_SENDERS  # noqa: E402
from chalicelib.site import snapstart, web  # noqa: E402

if TYPE_CHECKING:
    from chalicelib.messages import BatchAnswer  # the web function has no queue: it never loads messages


def _web_function() -> bool:
    """Whether this process is the web function: Lambda names the handler it will call in ``_HANDLER``
    (``app.app`` for the web function); anything that is not Lambda (tests, ``chalice local``) serves
    pages too."""
    return os.environ.get("_HANDLER", "app.app") == "app.app"


# The web function imports the pages now: before SnapStart's snapshot, and faster than during the first
# request. The ingest, images and imports functions never do: Jinja2, the templates' code and the feeds
# stay unloaded there. Each route imports what it renders (a dictionary lookup once loaded), so the
# import graph (tests/unit/test_layout.py) and mypy see every edge.
if _web_function():
    from chalicelib.site import comment_post, feeds, pages  # noqa: E402, F401

app = Chalice(app_name="newsroom")
# Photos' sizes and files under media/ that Chalice's list (png, jpeg, gif, audio...) lacks.
app.api.binary_types.extend(["image/webp", "image/avif", "image/svg+xml", "application/pdf", "video/mp4"])
snapstart.register()  # SnapStart's hooks, where the Lambda runtime has them (chalicelib/site/snapstart.py)
app.register_middleware(web.middleware(lambda resource_path: list(app.routes.get(resource_path, {}))), "http")


def request() -> Request:
    """The request being served (only a route calls this, while Chalice serves it)."""
    served = app.current_request
    if served is None:
        raise RuntimeError("no request is being served")
    return served


def _unavailable(exc: Exception) -> Response:
    """The site's 503 page."""
    from chalicelib.site import pages

    return pages.unavailable(exc)


when_aws_fails = web.when_aws_fails(_unavailable)
READ = ["GET", "HEAD", "OPTIONS"]  # every page: HEAD is GET without the body, OPTIONS says what is allowed


@app.route("/", methods=READ)
@when_aws_fails
def home() -> Response:
    """The front page: newest articles (``?s=`` searches)."""
    from chalicelib.site import pages

    return pages.render_home(request())


@app.route("/search", methods=READ)
@when_aws_fails
def search() -> Response:
    """Search results for ``?q=``."""
    from chalicelib.site import pages

    return pages.render_search(request())


@app.route("/feed", methods=READ)
@app.route("/feed/atom", methods=READ)
@when_aws_fails
def site_feed() -> Response:
    """RSS 2.0 (``/feed/``) or Atom (``/feed/atom/``) for the whole site."""
    from chalicelib.site import feeds

    return feeds.render_site_feed(request(), atom=request().context["resourcePath"].endswith("atom"))


@when_aws_fails
def archive(slug: str) -> Response:
    """The archive of a category, tag or author: ``/category/{slug}``... (chalicelib/archives.py)."""
    from chalicelib.site import pages

    return pages.render_archive(request(), request().context["resourcePath"].split("/")[1], slug)


@when_aws_fails
def archive_feed(slug: str) -> Response:
    """RSS (``.../feed/``) or Atom (``.../feed/atom/``) of a category, tag or author."""
    from chalicelib.site import feeds

    resource = request().context["resourcePath"]  # "/category/{slug}/feed/atom"
    return feeds.render_archive_feed(request(), resource.split("/")[1], slug, atom=resource.endswith("atom"))


for _kind in archives.NAMES:  # category, tag, author: each with its archive and both feeds
    app.route(f"/{_kind}/{{slug}}", methods=READ)(archive)
    app.route(f"/{_kind}/{{slug}}/feed", methods=READ)(archive_feed)
    app.route(f"/{_kind}/{{slug}}/feed/atom", methods=READ)(archive_feed)


@app.route("/sitemap.xml", methods=READ)
@when_aws_fails
def sitemap_index() -> Response:
    """The sitemap index."""
    from chalicelib.site import feeds

    return feeds.render_sitemap_index(request())


@app.route("/sitemaps/{name}", methods=READ)
@when_aws_fails
def sitemap(name: str) -> Response:
    """A child sitemap: ``pages.xml`` or ``posts-YYYY-MM.xml``."""
    from chalicelib.site import feeds

    return feeds.render_sitemap(request(), name.removesuffix(".xml"))


@app.route("/robots.txt", methods=READ)
@when_aws_fails
def robots() -> Response:
    """robots.txt."""
    from chalicelib.site import feeds

    return feeds.render_robots(request())


@app.route("/preview/{token}", methods=READ)
@when_aws_fails
def preview(token: str) -> Response:
    """A draft or scheduled article by its secret link (chalicelib/preview.py)."""
    from chalicelib.site import pages

    return pages.render_preview(request(), token)


@app.route("/static/{name}", methods=READ)
@when_aws_fails
def static(name: str) -> Response:
    """The stylesheet, ``style.<version>.css``, and our scripts, ``recent.<version>.js`` and
    ``live.<version>.js`` (a live blog's), cached a year."""
    from chalicelib.site import pages

    if name.startswith(("recent.", "live.")):
        return pages.script(request(), name)
    return pages.stylesheet(request(), name.removeprefix("style.").removesuffix(".css"))


@app.route("/widgets/recent", methods=READ)
@when_aws_fails
def recent_posts() -> Response:
    """The recent-posts widget on its own: what every page's script shows, invalidated by a new article."""
    from chalicelib.site import pages

    return pages.render_recent(request())


@app.route("/media/{a}", methods=READ)
@app.route("/media/{a}/{b}", methods=READ)
@app.route("/media/{a}/{b}/{c}", methods=READ)
@app.route("/media/{a}/{b}/{c}/{d}", methods=READ)
@app.route("/sizes/{a}", methods=READ)
@app.route("/sizes/{a}/{b}", methods=READ)
@app.route("/sizes/{a}/{b}/{c}", methods=READ)
@app.route("/sizes/{a}/{b}/{c}/{d}", methods=READ)
@when_aws_fails
def media(**parts: str) -> Response:
    """Files from the bucket's media/ prefix, and photos' sizes from sizes/ (made by the images
    function): CloudFront serves both in production."""
    from chalicelib.site import feeds

    prefix = config.SIZES_PREFIX if request().context["resourcePath"].startswith("/sizes/") else config.MEDIA_PREFIX
    return feeds.media(request(), "/".join(parts.values()), prefix=prefix)


@app.route("/subscribe", methods=READ)
@when_aws_fails
def subscribe_page() -> Response:
    """The newsletter sign-up form."""
    from chalicelib.site import subscribe

    return subscribe.subscribe_page(request())


@app.route("/subscribe", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
@when_aws_fails
def subscribe() -> Response:
    """A newsletter sign-up, from /subscribe/ or an article: a confirmation e-mail (double opt-in)."""
    from chalicelib.site import subscribe

    return subscribe.subscribe(request())


@app.route("/newsletter/confirm", methods=READ)
@when_aws_fails
def newsletter_confirm_page() -> Response:
    """The confirmation e-mail's link: what it confirms, and a button (a GET changes nothing)."""
    from chalicelib.site import subscribe

    return subscribe.confirm_page(request())


@app.route("/newsletter/confirm", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
@when_aws_fails
def newsletter_confirm() -> Response:
    """The confirmation page's button: the subscription is active."""
    from chalicelib.site import subscribe

    return subscribe.confirm(request())


@app.route("/newsletter/unsubscribe", methods=READ)
@when_aws_fails
def newsletter_unsubscribe_page() -> Response:
    """Every e-mail's unsubscribe address opened in a browser: a button."""
    from chalicelib.site import subscribe

    return subscribe.unsubscribe_page(request())


@app.route("/newsletter/unsubscribe", methods=["POST"],
           content_types=["application/x-www-form-urlencoded", "multipart/form-data"])
@when_aws_fails
def newsletter_unsubscribe() -> Response:
    """One POST unsubscribes at once (RFC 8058's one-click, from a mail client, or the page's button)."""
    from chalicelib.site import subscribe

    return subscribe.unsubscribe(request())


@app.route("/newsletter/manage", methods=READ)
@when_aws_fails
def newsletter_manage_page() -> Response:
    """Every e-mail's "Manage your subscription" link: the reader's data, choices, download and delete."""
    from chalicelib.site import subscribe

    return subscribe.manage_page(request())


@app.route("/newsletter/manage", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
@when_aws_fails
def newsletter_manage() -> Response:
    """The manage page's forms: save the newsletters ticked, or delete the reader's data."""
    from chalicelib.site import subscribe

    return subscribe.manage(request())


@app.route("/newsletter/manage/data", methods=READ)
@when_aws_fails
def newsletter_manage_data() -> Response:
    """ "Download my data": the reader's data as JSON."""
    from chalicelib.site import subscribe

    return subscribe.manage_data(request())


# The editors' desk: each route imports its screen (chalicelib/desk/<screen>.py) when it is asked, so
# a reader's page never loads the desk. Measured (Python 3.13, `import app` as the web function, CPU
# time, median of 7): 220 ms and 421 modules as it is; importing every screen at start, 410 ms and 647.
FORM = ["application/x-www-form-urlencoded"]
JSON = ["application/json"]


@app.route("/desk", methods=READ)
@when_aws_fails
def desk_home() -> Response:
    """The desk's front door: the articles, or the sign-in page."""
    from chalicelib.desk import views

    return views.article_list(request())


@app.route("/desk/sign-in", methods=READ)
@when_aws_fails
def desk_sign_in_page() -> Response:
    """The sign-in form."""
    from chalicelib.desk import views

    return views.sign_in(request())


@app.route("/desk/sign-in", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_sign_in() -> Response:
    """Sign in with the stage's Cognito user pool (and choose a password at the first sign-in)."""
    from chalicelib.desk import views

    return views.sign_in(request())


@app.route("/desk/sign-out", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_sign_out() -> Response:
    """End the session, here and at the user pool."""
    from chalicelib.desk import views

    return views.sign_out(request())


@app.route("/desk/articles", methods=READ)
@when_aws_fails
def desk_articles() -> Response:
    """Every article with its state: search, filters, paging."""
    from chalicelib.desk import views

    return views.article_list(request())


@app.route("/desk/new", methods=READ)
@app.route("/desk/edit", methods=READ)
@when_aws_fails
def desk_editor() -> Response:
    """The editor: a new article, or ``?key=`` a file in the bucket."""
    from chalicelib.desk import views

    return views.editor(request())


@app.route("/desk/preview", methods=["POST"], content_types=JSON)
@when_aws_fails
def desk_preview() -> Response:
    """The article as the site will show it, rendered by the site's own code; nothing is written."""
    from chalicelib.desk import views

    return views.preview(request())


@app.route("/desk/save", methods=["POST"], content_types=JSON)
@when_aws_fails
def desk_save() -> Response:
    """Save draft, submit, publish, schedule, approve or unpublish: a file written, ingest does the rest."""
    from chalicelib.desk import views

    return views.save(request())


@app.route("/desk/lock", methods=["POST"], content_types=JSON)
@when_aws_fails
def desk_lock() -> Response:
    """Say this person is editing a file (renewed while the editor is open), or who else is."""
    from chalicelib.desk import views

    return views.lock(request())


@app.route("/desk/session", methods=READ)
@when_aws_fails
def desk_session() -> Response:
    """This session's CSRF token, for an editor page opened before its person signed in again."""
    from chalicelib.desk import views

    return views.session_token(request())


@app.route("/desk/status", methods=READ)
@when_aws_fails
def desk_status() -> Response:
    """Where a saved version is: waiting, live, draft, scheduled or refused."""
    from chalicelib.desk import views

    return views.status(request())


@app.route("/desk/pages", methods=READ)
@when_aws_fails
def desk_pages() -> Response:
    """The site's pages with their state, as the articles are listed."""
    from chalicelib.desk import views

    return views.page_list(request())


@app.route("/desk/pages/new", methods=READ)
@when_aws_fails
def desk_new_page_form() -> Response:
    """A new site page: title, address, body, and (admins) its place in the menu."""
    from chalicelib.desk import new_page

    return new_page.form(request())


@app.route("/desk/pages/new", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_new_page() -> Response:
    """Create the page's file (a draft, or to publish) and put it in the menu where asked."""
    from chalicelib.desk import new_page

    return new_page.create(request())


@app.route("/desk/newsletter", methods=READ)
@when_aws_fails
def desk_newsletter() -> Response:
    """(Editors) Send as newsletter: an article's (or today's digest's) e-mail previewed, a test, the send."""
    from chalicelib.desk import newsletter

    return newsletter.screen(request())


@app.route("/desk/newsletter/preview", methods=READ)
@when_aws_fails
def desk_newsletter_preview() -> Response:
    """(Editors) The e-mail alone, as readers' mail clients show it, for the send screen's frame."""
    from chalicelib.desk import newsletter

    return newsletter.preview(request())


@app.route("/desk/newsletter", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_newsletter_send() -> Response:
    """(Editors) Send a test to oneself, or the send itself (once per form, however often it is posted)."""
    from chalicelib.desk import newsletter

    return newsletter.send(request())


@app.route("/desk/newsletters", methods=READ)
@when_aws_fails
def desk_newsletters() -> Response:
    """(Editors) The recent sends: state, counts, progress; Pause, Resume, Cancel."""
    from chalicelib.desk import newsletter

    return newsletter.sends(request())


@app.route("/desk/newsletters", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_newsletters_change() -> Response:
    """(Editors) Pause, resume or cancel a send (a cancel asks first)."""
    from chalicelib.desk import newsletter

    return newsletter.change(request())


@app.route("/desk/history", methods=READ)
@when_aws_fails
def desk_history() -> Response:
    """Every version of a file, newest first: who, when, what changed; each can be restored."""
    from chalicelib.desk import history

    return history.history(request())


@app.route("/desk/version", methods=READ)
@when_aws_fails
def desk_version() -> Response:
    """One version of a file, read-only."""
    from chalicelib.desk import history

    return history.version(request())


@app.route("/desk/restore", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_restore() -> Response:
    """Bring an old version back as the newest: checked and published as any upload."""
    from chalicelib.desk import history

    return history.restore(request())


@app.route("/desk/deleted", methods=READ)
@when_aws_fails
def desk_deleted() -> Response:
    """Articles and pages that were deleted, each with its history to restore it from."""
    from chalicelib.desk import history

    return history.deleted(request())


@app.route("/desk/comments", methods=READ)
@when_aws_fails
def desk_comments() -> Response:
    """Readers' comments waiting for a decision, newest first (or those rejected)."""
    from chalicelib.desk import comments

    return comments.queue(request())


@app.route("/desk/comments", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_moderate() -> Response:
    """Approve, reject or delete one comment or the ones ticked."""
    from chalicelib.desk import comments

    return comments.moderate(request())


@app.route("/desk/bulk", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_bulk() -> Response:
    """(Editors) a bulk action on the ticked articles: its confirmation, then each done."""
    from chalicelib.desk import views

    return views.bulk(request())


@app.route("/desk/refused", methods=READ)
@when_aws_fails
def desk_refused() -> Response:
    """Every file ingest refused or published with warnings, in the report's words."""
    from chalicelib.desk import refused

    return refused.refused(request())


@app.route("/desk/media", methods=READ)
@when_aws_fails
def desk_media() -> Response:
    """The media library, and the photo uploader."""
    from chalicelib.desk import media

    return media.library(request())


@app.route("/desk/media/upload", methods=["POST"], content_types=JSON)
@when_aws_fails
def desk_media_upload() -> Response:
    """A presigned POST for one photo: the browser sends it straight to S3."""
    from chalicelib.desk import media

    return media.upload(request())


@app.route("/desk/media/status", methods=READ)
@when_aws_fails
def desk_media_status() -> Response:
    """A photo's sizes: being made, ready, or refused (why)."""
    from chalicelib.desk import media

    return media.status(request())


@app.route("/desk/media/describe", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_media_describe() -> Response:
    """A photo's alt text, caption and credit, changed after upload (its articles follow)."""
    from chalicelib.desk import media

    return media.describe(request())


@app.route("/desk/media/delete", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_media_delete() -> Response:
    """Delete a photo no article shows."""
    from chalicelib.desk import media

    return media.delete(request())


@app.route("/desk/settings", methods=READ)
@when_aws_fails
def desk_settings() -> Response:
    """(Admins) the site's settings (categories, tags and authors have their own screens)."""
    from chalicelib.desk import admin

    return admin.settings_screen(request())


@app.route("/desk/settings", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_save_settings() -> Response:
    """(Admins) save the site's settings."""
    from chalicelib.desk import admin

    return admin.save_settings(request())


@app.route("/desk/categories", methods=READ)
@app.route("/desk/tags", methods=READ)
@app.route("/desk/authors", methods=READ)
@when_aws_fails
def desk_term_screen() -> Response:
    """(Editors) the categories (a tree) or tags, (admins) the authors: search, 50 a page, post counts, changes."""
    from chalicelib.desk import terms

    kind = {"categories": "category", "tags": "tag", "authors": "author"}[request().context["resourcePath"].split("/")[2]]
    return terms.screen(kind)(request())


@app.route("/desk/terms", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_terms() -> Response:
    """(Editors) create, rename, merge or delete a category or tag; (admins) an author too."""
    from chalicelib.desk import terms

    return terms.change(request())


@app.route("/desk/people", methods=READ)
@when_aws_fails
def desk_people() -> Response:
    """(Admins) everyone who can sign in: role, state, last sign-in; invite, change, disable, remove."""
    from chalicelib.desk import people

    return people.screen(request())


@app.route("/desk/people", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_people_change() -> Response:
    """(Admins) invite someone, or change a person's role, disable, enable or remove them."""
    from chalicelib.desk import people

    return people.change(request())


@app.route("/desk/profile", methods=READ)
@when_aws_fails
def desk_profile() -> Response:
    """The signed-in person's own author profile: name, bio, photo."""
    from chalicelib.desk import profile

    return profile.screen(request())


@app.route("/desk/profile", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_profile_save() -> Response:
    """Save the signed-in person's own author profile."""
    from chalicelib.desk import profile

    return profile.save(request())


@app.route("/desk/author-choices", methods=READ)
@when_aws_fails
def desk_authors() -> Response:
    """The Author picker's choices as JSON: the desk's people and the site's authors, together."""
    from chalicelib.desk import profile

    return profile.choices(request())


@app.route("/desk/forgot-password", methods=READ)
@when_aws_fails
def desk_forgot_password_page() -> Response:
    """The form that asks for a code to choose a new password."""
    from chalicelib.desk import people

    return people.forgot_password(request())


@app.route("/desk/forgot-password", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_forgot_password() -> Response:
    """Ask the user pool for a code by e-mail (the same answer whether the address has an account or
    not), then set a new password with it."""
    from chalicelib.desk import people

    return people.forgot_password(request())


@app.route("/desk/import", methods=READ)
@when_aws_fails
def desk_import() -> Response:
    """(Admins) move a WordPress site here: upload its export, a dry run first."""
    from chalicelib.desk import wordpress_import

    return wordpress_import.screen(request())


@app.route("/desk/import/start", methods=["POST"], content_types=JSON)
@when_aws_fails
def desk_import_start() -> Response:
    """(Admins) an import's options, and where its export goes (a presigned POST)."""
    from chalicelib.desk import wordpress_import

    return wordpress_import.start(request())


@app.route("/desk/import/progress", methods=READ)
@when_aws_fails
def desk_import_progress() -> Response:
    """(Admins) how far an import is: converted, uploaded, live, refused."""
    from chalicelib.desk import wordpress_import

    return wordpress_import.progress(request())


@app.route("/desk/import/report", methods=READ)
@when_aws_fails
def desk_import_report() -> Response:
    """(Admins) an import's report, as `newsroom import-wordpress --report` writes it."""
    from chalicelib.desk import wordpress_import

    return wordpress_import.report(request())


@app.route("/desk/subscribers", methods=READ)
@when_aws_fails
def desk_subscribers() -> Response:
    """The admin's Subscribers screen: counts, find one, import a list, export."""
    from chalicelib.desk import subscribers

    return subscribers.screen(request())


@app.route("/desk/subscribers/find", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
@when_aws_fails
def desk_subscribers_find() -> Response:
    """Find one subscriber by address (a POST: the address is in no URL)."""
    from chalicelib.desk import subscribers

    return subscribers.find(request())


@app.route("/desk/subscribers/import", methods=["POST"], content_types=JSON)
@when_aws_fails
def desk_subscribers_import() -> Response:
    """An import's options, and where the browser uploads its CSV."""
    from chalicelib.desk import subscribers

    return subscribers.start_import(request())


@app.route("/desk/subscribers/export", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
@when_aws_fails
def desk_subscribers_export() -> Response:
    """Ask for an export of every subscriber (and fresh counts)."""
    from chalicelib.desk import subscribers

    return subscribers.start_export(request())


@app.route("/desk/subscribers/progress", methods=READ)
@when_aws_fails
def desk_subscribers_progress() -> Response:
    """Where an import or export is."""
    from chalicelib.desk import subscribers

    return subscribers.progress(request())


@app.route("/desk/import/comments", methods=["POST"], content_types=JSON)
@when_aws_fails
def desk_import_comments() -> Response:
    """(Admins) bring over the next readers' comments of an import whose articles are live."""
    from chalicelib.desk import wordpress_import

    return wordpress_import.comments(request())


@app.route("/desk/live", methods=READ)
@when_aws_fails
def desk_live() -> Response:
    """The live blogs, and New live blog."""
    from chalicelib.desk import live

    return live.list_blogs(request())


@app.route("/desk/live/new", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_live_new() -> Response:
    """New live blog: its file, with ``live: true``."""
    from chalicelib.desk import live

    return live.start(request())


@app.route("/desk/live/blog", methods=READ)
@when_aws_fails
def desk_live_blog() -> Response:
    """One live blog: post updates, pin, edit, correct, delete, end."""
    from chalicelib.desk import live

    return live.blog(request())


@app.route("/desk/live/post", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_live_post() -> Response:
    """Post update: a new entry file."""
    from chalicelib.desk import live

    return live.post(request())


@app.route("/desk/live/act", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_live_act() -> Response:
    """Pin, unpin, edit, delete an entry; end the live blog."""
    from chalicelib.desk import live

    return live.act(request())


@app.route("/desk/live/entries", methods=READ)
@when_aws_fails
def desk_live_entries() -> Response:
    """The entries part of the live blog's screen, which its script refreshes."""
    from chalicelib.desk import live

    return live.entries(request())


@app.route("/desk/static/{name}", methods=READ)
@when_aws_fails
def desk_static(name: str) -> Response:
    """The desk's scripts and stylesheet, by version."""
    from chalicelib.desk import http

    return http.static(name)


@app.route("/desk/{part}", methods=READ)
@app.route("/desk/{part}/{part2}", methods=READ)
@app.route("/desk/{part}/{part2}/{part3}", methods=READ)
@when_aws_fails
def desk_not_found(**parts: str) -> Response:
    """Any other address under /desk: the desk's own 404 (private, unindexed), never the readers' page.
    (API Gateway does not backtrack: under a segment some route names, such as /desk/media/, an
    unknown path gets the gateway's own 404, which carries no-store and noindex too: devstack/package.py.)"""
    from chalicelib.desk import http

    return http.not_found(request())


@app.route("/{slug}", methods=READ)
@when_aws_fails
def post(slug: str) -> Response:
    """An article or static page; a year archive (``/2022/``); an old URL redirects."""
    from chalicelib.site import pages

    return pages.render_post(request(), slug)


# API Gateway wants one name per path variable at each level, hence the
# generic names below ("/{slug}/{part2}" rather than "/{year}/{month}").
@app.route("/{slug}/{part2}", methods=READ)
@when_aws_fails
def month_or_alias(slug: str, part2: str) -> Response:
    """A month archive (``/2022/07/``), part 2... of a post broken into pages, or an old URL that redirects."""
    from chalicelib.site import pages

    if pages.is_month(slug, part2):
        return pages.render_date_archive(request(), slug, part2)
    if part2 == live_blog.FRAGMENT_SEGMENT:
        return pages.render_live_fragment(request(), slug)  # a live blog's newest entries, which its page polls
    if part2.isdigit():
        return pages.render_post_part(request(), slug, part2)  # page 2... of a post with <!--nextpage-->
    return pages.render_post(request(), f"{slug}/{part2}")


@app.route("/{slug}/{part2}", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
@when_aws_fails
def post_comment(slug: str, part2: str) -> Response:
    """A reader's comment, posted to ``/<article>/comments/`` from the article's form."""
    from chalicelib.site import comment_post, pages

    if part2 == "password":
        return pages.unlock(request(), slug)  # a password-protected post's form
    if part2 != "comments":
        return pages.render_not_found(request())
    return comment_post.submit_comment(request(), slug)


@app.route("/{slug}/{part2}/{part3}", methods=READ)
@app.route("/{slug}/{part2}/{part3}/{part4}", methods=READ)
@app.route("/{slug}/{part2}/{part3}/{part4}/{part5}", methods=READ)
@app.route("/{slug}/{part2}/{part3}/{part4}/{part5}/{part6}", methods=READ)
@when_aws_fails
def deep_path(**parts: str) -> Response:
    """``/<article>/comments/feed/`` (RSS of its approved comments); old multi-segment URLs
    (aliases) redirect; anything else is a 404 page."""
    from chalicelib.site import feeds, pages

    if list(parts.values())[1:] == ["comments", "feed"]:
        return feeds.render_comments_feed(request(), parts["slug"])
    if tuple(list(parts.values())[1:]) == live_blog.FEED_SEGMENTS:
        return feeds.render_live_feed(request(), parts["slug"])  # a live blog's entries
    return pages.render_post(request(), "/".join(parts.values()))


# Chalice needs the queue's name when it packages the app (the event source mapping); the
# handler itself never reads it. The stage's settings give it (chalicelib/config.py).
# The queue consumers share the account's Lambda concurrency (1,000 by default) with the web
# function, so a migration's 20,000 files or photos must not take it from readers: SQS's event
# source invokes each at most this many at once (docs/deploy.md, "Concurrency").
INGEST_CONCURRENCY = 10  # batches of 10 files: ~100 in flight, ~25 files a second at ~0.4 s each
IMAGES_CONCURRENCY = 20  # one photo each, ~3-4 s for a 4000 x 3000 one: ~5 photos a second
IMPORTS_CONCURRENCY = 2  # an import is one export; two admins at once at most
NEWSLETTER_EVENTS_CONCURRENCY = 2  # SES's events, 10 a batch: ~1 per e-mail sent, at most SES's rate
NEWSLETTERS_CONCURRENCY = NEWSLETTER_SENDERS  # each sends its share of SES's rate: SES, not Lambda, is the limit


@app.on_sqs_message(queue=config.current().queue, batch_size=10, maximum_concurrency=INGEST_CONCURRENCY)
def ingest(event: SQSEvent) -> BatchAnswer:
    """Apply content bucket notifications (S3 -> SQS) to the site."""
    from chalicelib.publish import ingest as ingest_files  # ingest-only libraries stay off the web path

    return ingest_files.ingest_queue_handler(record.to_dict() for record in event)


@app.on_sqs_message(queue=config.current().images_queue, batch_size=1, maximum_concurrency=IMAGES_CONCURRENCY)
def images(event: SQSEvent) -> BatchAnswer:
    """Make the sizes of each photo uploaded under media/ (S3 -> its own SQS queue): Pillow loads here only."""
    from chalicelib.publish import renditions

    return renditions.images_queue_handler(record.to_dict() for record in event)


@app.on_sqs_message(queue=config.current().imports_queue, batch_size=1, maximum_concurrency=IMPORTS_CONCURRENCY)
def imports(event: SQSEvent) -> BatchAnswer:
    """Move a WordPress site here: an export an admin uploaded in the desk (S3 -> its own SQS queue)."""
    from chalicelib.imports import run

    return run.imports_queue_handler(record.to_dict() for record in event)


@app.on_sqs_message(queue=config.current().newsletters_queue, batch_size=1,
                    maximum_concurrency=NEWSLETTERS_CONCURRENCY)
def newsletters(event: SQSEvent) -> BatchAnswer:
    """Send one batch of a newsletter's readers, each once (chalicelib/newsletters/sending.py), or start a
    scheduled digest at its moment (chalicelib/newsletters/digests.py)."""
    from chalicelib.newsletters import digests, sending

    return sending.newsletters_queue_handler((record.to_dict() for record in event), scheduled=digests.due)


@app.on_sqs_message(queue=config.current().newsletter_events_queue, batch_size=10,
                    maximum_concurrency=NEWSLETTER_EVENTS_CONCURRENCY)
def newsletter_events(event: SQSEvent) -> BatchAnswer:
    """SES's events about what was sent (configuration set -> SNS -> SQS): a hard bounce or a complaint
    suppresses the address; deliveries, bounces, complaints count on their send (chalicelib/newsletters/events.py)."""
    from chalicelib.newsletters import events

    return events.newsletter_events_queue_handler(record.to_dict() for record in event)


gc.freeze()  # what importing made lives as long as the process (see the top of this module)
gc.enable()
