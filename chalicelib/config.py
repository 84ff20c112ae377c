"""Deployment settings: which AWS resources this process works on, and how.

One ``Config`` object holds them. Nothing is read at import: ``current()``
builds it from the environment the first time something asks (in Lambda,
Chalice's per-stage ``environment_variables`` from ``.chalice/config.json``),
and ``use()`` replaces it, which is how the editors' CLI (``--stage``,
``--bucket``...), the local stack and the tests hand their values in. Every
module asks ``current()`` at the moment it needs a setting, so a flag never
has to win a race with an import. ``current()`` is the only place that
reads ``os.environ``.

The bucket layout (which prefixes hold what) is fixed, not configured: it is
at the bottom of this module.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping
from urllib.parse import urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Config:
    """The settings of one deployment (stage) as this process sees them."""

    stage: str = "dev"
    table: str = ""  # empty: newsroom-<stage>-content
    bucket: str = ""  # empty: newsroom-<stage>-content
    queue: str = ""  # empty: newsroom-<stage>-ingest
    images_queue: str = ""  # empty: newsroom-<stage>-images (uploads under media/: chalicelib/publish/renditions.py)
    imports_queue: str = ""  # empty: newsroom-<stage>-imports (exports under imports/: chalicelib/imports/run.py)
    newsletters_queue: str = ""  # empty: newsroom-<stage>-newsletters (a send's batches: chalicelib/newsletters/sending.py)
    # SES's events about what was sent (deliveries, bounces, complaints: chalicelib/newsletters/events.py),
    # through the configuration set every newsletter is sent with, its SNS topic and this queue.
    newsletter_events_queue: str = ""  # empty: newsroom-<stage>-newsletter-events
    mail_configuration_set: str = ""  # empty: newsroom-<stage>-newsletters
    region: str = "us-east-1"
    # Where AWS is reached: None for real AWS, "http://127.0.0.1:5000" for the local stand-in (moto).
    endpoint_url: str | None = None
    # Site-wide data (menu, categories, recent posts) is kept in a warm Lambda this long
    # (docs/architecture.md says what that delays).
    site_cache_seconds: float = 10.0
    # How often an open live blog's page asks for its newest entries (templates/site/live.js reads it from
    # the page); docs/content-format.md, "Live blogs", says why 5 s. Tests may shorten it.
    live_poll_seconds: float = 5.0
    # Where readers reach the site, e.g. "https://news.example.com" or API Gateway's stage URL
    # (https, or http on this machine). Internal links get its path as a prefix; canonical URLs,
    # feeds and sitemaps use it whole. Empty: from what API Gateway (not the caller) says the
    # request reached, or the forwarded host of a request carrying the origin secret
    # (chalicelib/site/web.py:site_of); the stack sets it whenever it can.
    base_url: str = ""
    # Signs paging cursors and comment form tokens. Set a long random value per stage in
    # production; the default only suits local use.
    cursor_secret: bytes = b"local-development-only"
    # What our CloudFront distribution sends in ORIGIN_HEADER with every request it forwards
    # (infra/template.yaml, OriginSecret). Empty (no distribution, local runs): no request is trusted.
    origin_secret: str = ""
    # With an origin secret, requests without it (straight to API Gateway, around the CDN and its
    # limits) are refused with 403, unless this is set (stack parameter AllowDirectAccess).
    allow_direct_access: bool = False
    # The CloudFront distribution in front of the site: ingest invalidates what each change alters
    # (chalicelib/publish/edge.py). Empty: no distribution, nothing to invalidate.
    distribution_id: str = ""
    # EventBridge Scheduler: the role it sends to the ingest queue with, and the queue, for each
    # scheduled article's due time (chalicelib/publish/schedule.py). Empty: nothing is scheduled.
    schedule_role: str = ""
    ingest_queue_arn: str = ""
    newsletters_queue_arn: str = ""  # where a scheduled digest's moment is sent (chalicelib/newsletters/digests.py)
    # SNS topic told of each comment awaiting moderation; empty: nobody is told.
    moderation_topic: str = ""
    # The editors' desk (chalicelib/desk/): the Cognito user pool and app client people sign in
    # with, and the identity pool that gives each their role's credentials. Empty: no desk.
    user_pool_id: str = ""
    user_pool_client_id: str = ""
    identity_pool_id: str = ""
    # Who newsletters and their confirmations come from: an address of an SES identity the stack
    # verified (docs/deploy.md). The default is a reserved test domain that only the local stand-in accepts.
    mail_from: str = "newsletters@newsroom.test"

    def __post_init__(self) -> None:
        names = {"table": f"newsroom-{self.stage}-content", "bucket": f"newsroom-{self.stage}-content",
                 "queue": f"newsroom-{self.stage}-ingest", "images_queue": f"newsroom-{self.stage}-images",
                 "imports_queue": f"newsroom-{self.stage}-imports",
                 "newsletters_queue": f"newsroom-{self.stage}-newsletters",
                 "newsletter_events_queue": f"newsroom-{self.stage}-newsletter-events",
                 "mail_configuration_set": f"newsroom-{self.stage}-newsletters"}
        for name, default in names.items():
            if not getattr(self, name):
                object.__setattr__(self, name, default)
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if self.base_url:
            check_base_url(self.base_url)

    @property
    def local_stand_in(self) -> bool:
        """Whether AWS is the local stand-in on this machine (it takes any credentials)."""
        return bool(self.endpoint_url) and urlsplit(self.endpoint_url).hostname in LOOPBACK_HOSTS

    def where(self) -> str:
        """Where writes go, for a person: 'newsroom-prod-content (stage prod)'."""
        place = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"{self.bucket} (stage {self.stage}{place})"

    def replace(self, **changes: object) -> Config:
        """This config with ``changes`` (None values are ignored: an unset flag changes nothing)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Config:
        """The settings an environment describes, as Chalice sets it per stage.

        ``NEWSROOM_LOCAL_AWS`` (the dev stage's, in ``.chalice/config.json``) is where the
        local stand-in listens; it is used only under the Chalice CLI (``chalice local``) and
        only when ``AWS_ENDPOINT_URL`` is unset, so a deployed function never sees it.
        """
        endpoint = environ.get("AWS_ENDPOINT_URL") or None
        if endpoint is None and environ.get("AWS_CHALICE_CLI_MODE"):
            endpoint = environ.get("NEWSROOM_LOCAL_AWS") or None
        default = cls()  # the class's field defaults are the one place defaults are written
        return cls(
            stage=environ.get("NEWSROOM_STAGE", default.stage),
            table=environ.get("NEWSROOM_TABLE", ""),
            bucket=environ.get("NEWSROOM_CONTENT_BUCKET", ""),
            queue=environ.get("NEWSROOM_INGEST_QUEUE", ""),
            images_queue=environ.get("NEWSROOM_IMAGES_QUEUE", ""),
            imports_queue=environ.get("NEWSROOM_IMPORTS_QUEUE", ""),
            newsletters_queue=environ.get("NEWSROOM_NEWSLETTERS_QUEUE", ""),
            newsletter_events_queue=environ.get("NEWSROOM_NEWSLETTER_EVENTS_QUEUE", ""),
            mail_configuration_set=environ.get("NEWSROOM_MAIL_CONFIGURATION_SET", ""),
            region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or default.region,
            endpoint_url=endpoint,
            site_cache_seconds=float(environ.get("NEWSROOM_SITE_CACHE_SECONDS", default.site_cache_seconds)),
            live_poll_seconds=float(environ.get("NEWSROOM_LIVE_POLL_SECONDS", default.live_poll_seconds)),
            base_url=environ.get("NEWSROOM_BASE_URL", ""),
            cursor_secret=environ["NEWSROOM_CURSOR_SECRET"].encode() if "NEWSROOM_CURSOR_SECRET" in environ
            else default.cursor_secret,
            origin_secret=environ.get("NEWSROOM_ORIGIN_SECRET", ""),
            allow_direct_access=environ.get("NEWSROOM_ALLOW_DIRECT_ACCESS", "false").lower() == "true",
            moderation_topic=environ.get("NEWSROOM_MODERATION_TOPIC", ""),
            distribution_id=environ.get("NEWSROOM_DISTRIBUTION_ID", ""),
            schedule_role=environ.get("NEWSROOM_SCHEDULE_ROLE", ""),
            ingest_queue_arn=environ.get("NEWSROOM_INGEST_QUEUE_ARN", ""),
            newsletters_queue_arn=environ.get("NEWSROOM_NEWSLETTERS_QUEUE_ARN", ""),
            user_pool_id=environ.get("NEWSROOM_USER_POOL_ID", ""),
            user_pool_client_id=environ.get("NEWSROOM_USER_POOL_CLIENT_ID", ""),
            identity_pool_id=environ.get("NEWSROOM_IDENTITY_POOL_ID", ""),
            mail_from=environ.get("NEWSROOM_MAIL_FROM", default.mail_from),
        )

    @classmethod
    def for_stage(cls, stage: str, environ: Mapping[str, str] | None = None) -> Config:
        """A stage's settings from ``.chalice/config.json``, over ``environ`` (AWS_REGION etc.).

        :raise UnknownStage: the project has no such stage.
        """
        base = dict(os.environ if environ is None else environ)
        return cls.from_environment({**base, **stage_environment(stage), "NEWSROOM_STAGE": stage})


def check_base_url(url: str) -> None:
    """Refuse a base URL that links could not safely be made from.

    :raise ValueError: not ``https://host[/path]`` (or ``http://`` on a loopback host), or with
        credentials, a query or a fragment.
    """
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    if not (parts.scheme == "https" or local) or not parts.hostname or parts.username or parts.query \
            or parts.fragment or any(c.isspace() or c in "\"'<>\\" for c in url):
        raise ValueError(f"NEWSROOM_BASE_URL {url!r}: must be https://<host>[/<path>] "
                         "(or http:// on 127.0.0.1 or localhost), with no query or fragment")


class UnknownStage(ValueError):
    """A stage name that ``.chalice/config.json`` does not define."""


def chalice_config() -> dict[str, Any]:
    """``.chalice/config.json``: the stages and their environment variables."""
    config: dict[str, Any] = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    return config


def stage_names() -> list[str]:
    """The stages the project defines."""
    return sorted(chalice_config()["stages"])


def stage_environment(stage: str) -> dict[str, str]:
    """A stage's environment variables, as Chalice sets them (global ones, then the stage's).

    :raise UnknownStage: the project has no such stage.
    """
    settings = chalice_config()
    if stage not in settings["stages"]:
        raise UnknownStage(f"no stage '{stage}' in .chalice/config.json (there are: {', '.join(stage_names())})")
    return {**settings.get("environment_variables", {}), **settings["stages"][stage].get("environment_variables", {})}


_current: Config | None = None


def current() -> Config:
    """The settings in force: those handed to ``use()``, else built from the environment now."""
    global _current
    if _current is None:
        _current = Config.from_environment(os.environ)
    return _current


def use(config: Config | None) -> Config | None:
    """Make ``config`` the settings in force (None: build them from the environment when next asked);
    return the previous ones, so a caller can put them back."""
    global _current
    previous, _current = _current, config
    return previous


@contextlib.contextmanager
def using(config: Config) -> Iterator[Config]:
    """``config`` in force inside the block, the previous settings after it."""
    previous = use(config)
    try:
        yield config
    finally:
        use(previous)


def is_built() -> bool:
    """Whether the settings have been built or handed in yet (nothing builds them at import)."""
    return _current is not None


ORIGIN_HEADER = "x-newsroom-origin"

# Bucket layout. Only these prefixes are ingested (the bucket notification
# filters match them); reports are written where ingest does not look.
ARTICLES_PREFIX = "articles/"
PAGES_PREFIX = "pages/"
AUTHORS_PREFIX = "authors/"
CATEGORIES_PREFIX = "categories/"
TAGS_PREFIX = "tags/"
SETTINGS_PREFIX = "settings/"
REPORTS_PREFIX = "reports/"
PREVIEWS_PREFIX = "previews/"  # status records of drafts and scheduled articles: their preview links
LOCKS_PREFIX = "locks/"  # who has a file open in the desk (a courtesy: the version check prevents overwrites)
IMPORTS_PREFIX = "imports/"  # WordPress exports an admin uploads in the desk, with their progress and report
MEDIA_PREFIX = "media/"  # uploads: photos (private; readers get their sizes/), and files served as they are
SIZES_PREFIX = "sizes/"  # the sizes the images function makes of each photo (chalicelib/content/images.py)
DRAFTS_PREFIX = "drafts/"  # an editor's unpublished change: drafts/articles/x.md, previewed, never live
SUBMISSIONS_PREFIX = "submissions/"  # a contributor's, in their own folder (bucket.submission_key), until approved
PENDING_PREFIXES = (DRAFTS_PREFIX, SUBMISSIONS_PREFIX)
# Object metadata every upload of ours carries (x-amz-meta-...): who made it, for the history.
UPLOADED_BY = "uploaded-by"
REVERTED_FROM = "reverted-from"
BASED_ON = "based-on"  # a draft or submission of changes: the live version it changes (documents.versions_seen)
INGESTED_PREFIXES = (ARTICLES_PREFIX, PAGES_PREFIX, AUTHORS_PREFIX, CATEGORIES_PREFIX, TAGS_PREFIX, SETTINGS_PREFIX)

# The order files are applied in when many arrive at once (upload, resync):
# settings and media first, then the terms articles name, then pages and articles.
APPLY_ORDER = (SETTINGS_PREFIX, MEDIA_PREFIX, CATEGORIES_PREFIX, TAGS_PREFIX, AUTHORS_PREFIX, PAGES_PREFIX, ARTICLES_PREFIX)


def apply_rank(key: str) -> tuple[int, str]:
    """Sort key putting bucket keys in APPLY_ORDER, then by name."""
    return next((i for i, p in enumerate(APPLY_ORDER) if key.startswith(p)), len(APPLY_ORDER)), key
