"""Deployment settings, read once from the environment.

Chalice sets these per stage from ``.chalice/config.json``; the local stack
(``newsroom serve``) and the tests set them the same way. Nothing else in the
code reads ``os.environ``.
"""

import os

STAGE = os.environ.get("NEWSROOM_STAGE", "dev")
TABLE_NAME = os.environ.get("NEWSROOM_TABLE", f"newsroom-{STAGE}-content")
CONTENT_BUCKET = os.environ.get("NEWSROOM_CONTENT_BUCKET", f"newsroom-{STAGE}-content")
INGEST_QUEUE = os.environ.get("NEWSROOM_INGEST_QUEUE", f"newsroom-{STAGE}-ingest")
AWS_REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
# Where an endpoint override is set (moto locally), PynamoDB must be told too:
# it builds its own botocore client from the model's Meta.host.
AWS_ENDPOINT_URL = os.environ.get("AWS_ENDPOINT_URL") or None
# Site-wide data (menu, categories, recent posts) is cached in the warm Lambda
# for this long; see docs/architecture.md for what that delays.
SITE_CACHE_SECONDS = float(os.environ.get("NEWSROOM_SITE_CACHE_SECONDS", "10"))

# Where the site is reached, e.g. "https://news.example.com" (custom domain),
# "https://abc123.execute-api.us-east-1.amazonaws.com/api" (API Gateway's stage
# URL) or "http://127.0.0.1:8000" (chalice local). Internal links get its path
# as a prefix; canonical URLs, feeds and the sitemap use it whole. Empty: taken
# from each request (Host header, plus "/<stage>" on an execute-api host).
BASE_URL = os.environ.get("NEWSROOM_BASE_URL", "").rstrip("/")
# Signs paging cursors so they cannot be forged. Set a long random value per
# stage in production; the default only suits local use.
CURSOR_SECRET = os.environ.get("NEWSROOM_CURSOR_SECRET", "local-development-only").encode()
# What our CloudFront distribution sends in ORIGIN_HEADER with every request it
# forwards (infra/template.yaml, OriginSecret). Only a request carrying it is
# trusted to have come through CloudFront, e.g. for CloudFront-Viewer-Address.
# Empty (no distribution, local runs): no request is.
ORIGIN_SECRET = os.environ.get("NEWSROOM_ORIGIN_SECRET", "")
ORIGIN_HEADER = "x-newsroom-origin"
# SNS topic told of each comment awaiting moderation (infra/template.yaml,
# ModerationTopic); empty (local runs): nobody is told.
MODERATION_TOPIC = os.environ.get("NEWSROOM_MODERATION_TOPIC", "")

# Bucket layout. Only these prefixes are ingested (the bucket notification
# filters match them); reports are written where ingest does not look.
ARTICLES_PREFIX = "articles/"
PAGES_PREFIX = "pages/"
AUTHORS_PREFIX = "authors/"
CATEGORIES_PREFIX = "categories/"
SETTINGS_PREFIX = "settings/"
REPORTS_PREFIX = "reports/"
MEDIA_PREFIX = "media/"
INGESTED_PREFIXES = (ARTICLES_PREFIX, PAGES_PREFIX, AUTHORS_PREFIX, CATEGORIES_PREFIX, SETTINGS_PREFIX)

# The order files are applied in when many arrive at once (upload, resync):
# settings and media first, then the terms articles name, then pages and articles.
APPLY_ORDER = (SETTINGS_PREFIX, MEDIA_PREFIX, CATEGORIES_PREFIX, AUTHORS_PREFIX, PAGES_PREFIX, ARTICLES_PREFIX)


def apply_rank(key: str) -> tuple[int, str]:
    """Sort key putting bucket keys in APPLY_ORDER, then by name."""
    return next((i for i, p in enumerate(APPLY_ORDER) if key.startswith(p)), len(APPLY_ORDER)), key
