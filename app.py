"""Every URL and event source of the site. Logic lives in chalicelib/.

Every page route answers GET, HEAD and OPTIONS (``web.middleware`` does the
last two and the headers every response carries) and is wrapped in
``when_aws_fails``: AWS failing while a page is served answers the
site's 503 page, not Chalice's JSON error.
"""

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

import importlib.util  # noqa: E402 - after the collector is off
import os  # noqa: E402
import sys  # noqa: E402

from chalice import Chalice  # noqa: E402

from chalicelib import archives, config  # noqa: E402
from chalicelib.site import snapstart, web  # noqa: E402


def _page_module(name):
    """``chalicelib.site.pages`` or ``chalicelib.site.feeds``. Every function imports this file, but only the
    web function renders pages: Lambda names the handler it will call in ``_HANDLER``, and for the
    ingest and images functions these modules (Jinja2, the templates' code, the feeds) load only if
    an attribute is ever read (the standard library's LazyLoader). The web function, and anything
    that is not Lambda (tests, ``chalice local``), imports them now: before SnapStart's snapshot,
    and faster than loading them during the first request."""
    if os.environ.get("_HANDLER", "app.app") == "app.app" or name in sys.modules:
        return importlib.import_module(name)
    spec = importlib.util.find_spec(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)
    return module


pages = _page_module("chalicelib.site.pages")
comment_post = _page_module("chalicelib.site.comment_post")
feeds = _page_module("chalicelib.site.feeds")

app = Chalice(app_name="newsroom")
# Photos' sizes and files under media/ that Chalice's list (png, jpeg, gif, audio...) lacks.
app.api.binary_types.extend(["image/webp", "image/avif", "image/svg+xml", "application/pdf", "video/mp4"])
snapstart.register()  # SnapStart's hooks, where the Lambda runtime has them (chalicelib/site/snapstart.py)
app.register_middleware(web.middleware(lambda resource_path: list(app.routes.get(resource_path, {}))), "http")
request = lambda: app.current_request  # noqa: E731 - the request being served
when_aws_fails = web.when_aws_fails(lambda exc: pages.unavailable(exc))  # the 503 page, read when needed
READ = ["GET", "HEAD", "OPTIONS"]  # every page: HEAD is GET without the body, OPTIONS says what is allowed


@app.route("/", methods=READ)
@when_aws_fails
def home():
    """The front page: newest articles (``?s=`` searches)."""
    return pages.render_home(request())


@app.route("/search", methods=READ)
@when_aws_fails
def search():
    """Search results for ``?q=``."""
    return pages.render_search(request())


@app.route("/feed", methods=READ)
@app.route("/feed/atom", methods=READ)
@when_aws_fails
def site_feed():
    """RSS 2.0 (``/feed/``) or Atom (``/feed/atom/``) for the whole site."""
    return feeds.render_site_feed(request(), atom=request().context["resourcePath"].endswith("atom"))


@when_aws_fails
def archive(slug):
    """The archive of a category, tag or author: ``/category/{slug}``... (chalicelib/archives.py)."""
    return pages.render_archive(request(), request().context["resourcePath"].split("/")[1], slug)


@when_aws_fails
def archive_feed(slug):
    """RSS (``.../feed/``) or Atom (``.../feed/atom/``) of a category, tag or author."""
    resource = request().context["resourcePath"]  # "/category/{slug}/feed/atom"
    return feeds.render_archive_feed(request(), resource.split("/")[1], slug, atom=resource.endswith("atom"))


for _kind in archives.NAMES:  # category, tag, author: each with its archive and both feeds
    app.route(f"/{_kind}/{{slug}}", methods=READ)(archive)
    app.route(f"/{_kind}/{{slug}}/feed", methods=READ)(archive_feed)
    app.route(f"/{_kind}/{{slug}}/feed/atom", methods=READ)(archive_feed)


@app.route("/sitemap.xml", methods=READ)
@when_aws_fails
def sitemap_index():
    """The sitemap index."""
    return feeds.render_sitemap_index(request())


@app.route("/sitemaps/{name}", methods=READ)
@when_aws_fails
def sitemap(name):
    """A child sitemap: ``pages.xml`` or ``posts-YYYY-MM.xml``."""
    return feeds.render_sitemap(request(), name.removesuffix(".xml"))


@app.route("/robots.txt", methods=READ)
@when_aws_fails
def robots():
    """robots.txt."""
    return feeds.render_robots(request())


@app.route("/preview/{token}", methods=READ)
@when_aws_fails
def preview(token):
    """A draft or scheduled article by its secret link (chalicelib/preview.py)."""
    return pages.render_preview(request(), token)


@app.route("/static/{name}", methods=READ)
@when_aws_fails
def static(name):
    """The stylesheet, ``style.<version>.css``, and our one script, ``recent.<version>.js``, cached a year."""
    if name.startswith("recent."):
        return pages.script(request(), name)
    return pages.stylesheet(request(), name.removeprefix("style.").removesuffix(".css"))


@app.route("/widgets/recent", methods=READ)
@when_aws_fails
def recent_posts():
    """The recent-posts widget on its own: what every page's script shows, invalidated by a new article."""
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
def media(**parts):
    """Files from the bucket's media/ prefix, and photos' sizes from sizes/ (made by the images
    function): CloudFront serves both in production."""
    prefix = config.SIZES_PREFIX if request().context["resourcePath"].startswith("/sizes/") else config.MEDIA_PREFIX
    return feeds.media(request(), "/".join(parts.values()), prefix=prefix)


def desk(screen="views"):
    """A screen of the editors' desk (chalicelib/desk/<screen>.py): loaded by its own routes only, so a
    reader's page never loads the desk."""
    import importlib

    return importlib.import_module(f"chalicelib.desk.{screen}")


FORM = ["application/x-www-form-urlencoded"]
JSON = ["application/json"]


@app.route("/desk", methods=READ)
@when_aws_fails
def desk_home():
    """The desk's front door: the articles, or the sign-in page."""
    return desk().article_list(request())


@app.route("/desk/sign-in", methods=READ)
@when_aws_fails
def desk_sign_in_page():
    """The sign-in form."""
    return desk().sign_in(request())


@app.route("/desk/sign-in", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_sign_in():
    """Sign in with the stage's Cognito user pool (and choose a password at the first sign-in)."""
    return desk().sign_in(request())


@app.route("/desk/sign-out", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_sign_out():
    """End the session, here and at the user pool."""
    return desk().sign_out(request())


@app.route("/desk/articles", methods=READ)
@when_aws_fails
def desk_articles():
    """Every article with its state: search, filters, paging."""
    return desk().article_list(request())


@app.route("/desk/new", methods=READ)
@app.route("/desk/edit", methods=READ)
@when_aws_fails
def desk_editor():
    """The editor: a new article, or ``?key=`` a file in the bucket."""
    return desk().editor(request())


@app.route("/desk/preview", methods=["POST"], content_types=JSON)
@when_aws_fails
def desk_preview():
    """The article as the site will show it, rendered by the site's own code; nothing is written."""
    return desk().preview(request())


@app.route("/desk/save", methods=["POST"], content_types=JSON)
@when_aws_fails
def desk_save():
    """Save draft, submit, publish, schedule, approve or unpublish: a file written, ingest does the rest."""
    return desk().save(request())


@app.route("/desk/lock", methods=["POST"], content_types=JSON)
@when_aws_fails
def desk_lock():
    """Say this person is editing a file (renewed while the editor is open), or who else is."""
    return desk().lock(request())


@app.route("/desk/status", methods=READ)
@when_aws_fails
def desk_status():
    """Where a saved version is: waiting, live, draft, scheduled or refused."""
    return desk().status(request())


@app.route("/desk/pages", methods=READ)
@when_aws_fails
def desk_pages():
    """The site's pages with their state, as the articles are listed."""
    return desk().page_list(request())


@app.route("/desk/history", methods=READ)
@when_aws_fails
def desk_history():
    """Every version of a file, newest first: who, when, what changed; each can be restored."""
    return desk("history").history(request())


@app.route("/desk/version", methods=READ)
@when_aws_fails
def desk_version():
    """One version of a file, read-only."""
    return desk("history").version(request())


@app.route("/desk/restore", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_restore():
    """Bring an old version back as the newest: checked and published as any upload."""
    return desk("history").restore(request())


@app.route("/desk/deleted", methods=READ)
@when_aws_fails
def desk_deleted():
    """Articles and pages that were deleted, each with its history to restore it from."""
    return desk("history").deleted(request())


@app.route("/desk/comments", methods=READ)
@when_aws_fails
def desk_comments():
    """Readers' comments waiting for a decision, newest first (or those rejected)."""
    return desk("comments").queue(request())


@app.route("/desk/comments", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_moderate():
    """Approve, reject or delete one comment or the ones ticked."""
    return desk("comments").moderate(request())


@app.route("/desk/bulk", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_bulk():
    """(Editors) a bulk action on the ticked articles: its confirmation, then each done."""
    return desk("views").bulk(request())


@app.route("/desk/refused", methods=READ)
@when_aws_fails
def desk_refused():
    """Every file ingest refused or published with warnings, in the report's words."""
    return desk("refused").refused(request())


@app.route("/desk/media", methods=READ)
@when_aws_fails
def desk_media():
    """The media library, and the photo uploader."""
    return desk("media").library(request())


@app.route("/desk/media/upload", methods=["POST"], content_types=JSON)
@when_aws_fails
def desk_media_upload():
    """A presigned POST for one photo: the browser sends it straight to S3."""
    return desk("media").upload(request())


@app.route("/desk/media/status", methods=READ)
@when_aws_fails
def desk_media_status():
    """A photo's sizes: being made, ready, or refused (why)."""
    return desk("media").status(request())


@app.route("/desk/media/delete", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_media_delete():
    """Delete a photo no article shows."""
    return desk("media").delete(request())


@app.route("/desk/settings", methods=READ)
@when_aws_fails
def desk_settings():
    """(Admins) the site's settings, categories and authors."""
    return desk("admin").settings_screen(request())


@app.route("/desk/settings", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_save_settings():
    """(Admins) save the site's settings."""
    return desk("admin").save_settings(request())


@app.route("/desk/terms", methods=["POST"], content_types=FORM)
@when_aws_fails
def desk_terms():
    """(Admins) create, rename, merge or delete a category or an author."""
    return desk("admin").change_term(request())


@app.route("/desk/import", methods=READ)
@when_aws_fails
def desk_import():
    """(Admins) move a WordPress site here: upload its export, a dry run first."""
    return desk("imports").screen(request())


@app.route("/desk/import/start", methods=["POST"], content_types=JSON)
@when_aws_fails
def desk_import_start():
    """(Admins) an import's options, and where its export goes (a presigned POST)."""
    return desk("imports").start(request())


@app.route("/desk/import/progress", methods=READ)
@when_aws_fails
def desk_import_progress():
    """(Admins) how far an import is: converted, uploaded, live, refused."""
    return desk("imports").progress(request())


@app.route("/desk/import/report", methods=READ)
@when_aws_fails
def desk_import_report():
    """(Admins) an import's report, as `newsroom import-wordpress --report` writes it."""
    return desk("imports").report(request())


@app.route("/desk/import/comments", methods=["POST"], content_types=JSON)
@when_aws_fails
def desk_import_comments():
    """(Admins) bring over the next readers' comments of an import whose articles are live."""
    return desk("imports").comments(request())


@app.route("/desk/static/{name}", methods=READ)
@when_aws_fails
def desk_static(name):
    """The desk's scripts and stylesheet, by version."""
    return desk("http").static(name)


@app.route("/desk/{part}", methods=READ)
@app.route("/desk/{part}/{part2}", methods=READ)
@app.route("/desk/{part}/{part2}/{part3}", methods=READ)
@when_aws_fails
def desk_not_found(**parts):
    """Any other address under /desk: the desk's own 404 (private, unindexed), never the readers' page.
    (API Gateway does not backtrack: under a segment some route names, such as /desk/media/, an
    unknown path gets the gateway's own 404, which carries no-store and noindex too: devstack/package.py.)"""
    return desk("http").not_found(request())


@app.route("/{slug}", methods=READ)
@when_aws_fails
def post(slug):
    """An article or static page; a year archive (``/2022/``); an old URL redirects."""
    return pages.render_post(request(), slug)


# API Gateway wants one name per path variable at each level, hence the
# generic names below ("/{slug}/{part2}" rather than "/{year}/{month}").
@app.route("/{slug}/{part2}", methods=READ)
@when_aws_fails
def month_or_alias(slug, part2):
    """A month archive (``/2022/07/``), part 2... of a post broken into pages, or an old URL that redirects."""
    if pages.is_month(slug, part2):
        return pages.render_date_archive(request(), slug, part2)
    if part2.isdigit():
        return pages.render_post_part(request(), slug, part2)  # page 2... of a post with <!--nextpage-->
    return pages.render_post(request(), f"{slug}/{part2}")


@app.route("/{slug}/{part2}", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
@when_aws_fails
def post_comment(slug, part2):
    """A reader's comment, posted to ``/<article>/comments/`` from the article's form."""
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
def deep_path(**parts):
    """``/<article>/comments/feed/`` (RSS of its approved comments); old multi-segment URLs
    (aliases) redirect; anything else is a 404 page."""
    if list(parts.values())[1:] == ["comments", "feed"]:
        return feeds.render_comments_feed(request(), parts["slug"])
    return pages.render_post(request(), "/".join(parts.values()))


# Chalice needs the queue's name when it packages the app (the event source mapping); the
# handler itself never reads it. The stage's settings give it (chalicelib/config.py).
# The queue consumers share the account's Lambda concurrency (1,000 by default) with the web
# function, so a migration's 20,000 files or photos must not take it from readers: SQS's event
# source invokes each at most this many at once (docs/deploy.md, "Concurrency").
INGEST_CONCURRENCY = 10  # batches of 10 files: ~100 in flight, ~25 files a second at ~0.4 s each
IMAGES_CONCURRENCY = 20  # one photo each, ~3-4 s for a 4000 x 3000 one: ~5 photos a second
IMPORTS_CONCURRENCY = 2  # an import is one export; two admins at once at most


@app.on_sqs_message(queue=config.current().queue, batch_size=10, maximum_concurrency=INGEST_CONCURRENCY)
def ingest(event):
    """Apply content bucket notifications (S3 -> SQS) to the site."""
    from chalicelib.publish import ingest as ingest_files  # ingest-only libraries stay off the web path

    return ingest_files.handle_sqs_messages(record.to_dict() for record in event)


@app.on_sqs_message(queue=config.current().images_queue, batch_size=1, maximum_concurrency=IMAGES_CONCURRENCY)
def images(event):
    """Make the sizes of each photo uploaded under media/ (S3 -> its own SQS queue): Pillow loads here only."""
    from chalicelib.publish import renditions

    return renditions.handle_sqs_messages(record.to_dict() for record in event)


@app.on_sqs_message(queue=config.current().imports_queue, batch_size=1, maximum_concurrency=IMPORTS_CONCURRENCY)
def imports(event):
    """Move a WordPress site here: an export an admin uploaded in the desk (S3 -> its own SQS queue)."""
    from chalicelib.imports import run

    return run.handle_sqs_messages(record.to_dict() for record in event)


gc.freeze()  # what importing made lives as long as the process (see the top of this module)
gc.enable()
