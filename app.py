"""Every URL and event source of the site. Logic lives in chalicelib/."""

from chalice import Chalice

from chalicelib import config, pages

app = Chalice(app_name="newsroom")


@app.route("/")
def home():
    """The front page: newest articles."""
    return pages.render_home()


@app.route("/category/{slug}")
def category(slug):
    """A category archive."""
    return pages.render_category(slug)


@app.route("/author/{slug}")
def author(slug):
    """An author's archive."""
    return pages.render_author(slug)


@app.route("/{slug}")
def post(slug):
    """An article or static page; an old URL redirects."""
    return pages.render_post(slug)


@app.route("/{first}/{second}")
@app.route("/{first}/{second}/{third}")
@app.route("/{first}/{second}/{third}/{fourth}")
def deep_path(**segments):
    """Old multi-segment URLs (aliases) redirect; anything else is a 404 page."""
    return pages.render_post("/".join(segments.values()))


@app.on_sqs_message(queue=config.INGEST_QUEUE, batch_size=10)
def ingest(event):
    """Apply content bucket notifications (S3 -> SQS) to the site."""
    from chalicelib import ingest as ingest_files  # ingest-only libraries stay off the web path

    return ingest_files.handle_sqs_messages(record.to_dict() for record in event)
