"""The counts the desk's navigation shows: comments waiting, photos without alt text, files refused
(or published with warnings). Three reads a page, each a count: two DynamoDB Queries (keys only: the
pending comments, the photos the images function lists as having no alt text), one S3 listing of
``reports/`` (at most 1,000 keys). A count that cannot be read is left out: the page still answers."""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from chalicelib import config, keys
from chalicelib.desk import session
from chalicelib.desk.identity import Identity
from chalicelib.models import Comment, MediaItem

log = logging.getLogger("newsroom.desk")
MAX_COUNTED = 1000  # a larger count shows as "1000+"


def counts(who: Identity, token: str) -> dict[str, str]:
    """{"comments": "3", "media": "2", "refused": "1000+"}, for editors and admins; {} for contributors."""
    if not who.may("editor"):
        return {}
    found: dict[str, str] = {}
    try:
        waiting = Comment.count(keys.COMMENTS_PENDING, limit=MAX_COUNTED + 1)
        found["comments"] = f"{MAX_COUNTED}+" if waiting > MAX_COUNTED else str(waiting) if waiting else ""
    except PynamoDBException as exc:
        log.warning("comment count unavailable: %s", type(exc).__name__)
    try:
        bare = MediaItem.count(keys.MEDIA_WITHOUT_ALT, limit=MAX_COUNTED + 1)
        found["media"] = f"{MAX_COUNTED}+" if bare > MAX_COUNTED else str(bare) if bare else ""
    except PynamoDBException as exc:
        log.warning("alt text count unavailable: %s", type(exc).__name__)
    try:
        refused, more = session.bucket_as(token).count(config.REPORTS_PREFIX, MAX_COUNTED)
        found["refused"] = f"{refused}+" if more else str(refused) if refused else ""
    except (BotoCoreError, ClientError, session.CrossSite) as exc:
        log.warning("refused count unavailable: %s", type(exc).__name__)
    return found
