"""Bring DynamoDB to exactly the bucket's state: the repair for anything missed.

Makes the sizes of every photo under media/ that lacks them (``renditions.apply_key``: the photo's
ETag decides, nothing is downloaded for a photo already sized) and drops those of photos no longer
there; then walks every key under the content prefixes and applies it with
``ingest.apply_key`` (adds what is missing, repairs what differs, reports
what is invalid), then applies every key the site knows (its Source items)
that the walk did not see, which unpublishes what has no file. Each key is
applied from its *current* S3 state with the same conditional writes as the
ingest function, so resync is idempotent and safe while uploads continue:
a file uploaded during the run is published, not removed.

Cost is linear in the number of files: one List page per 1,000 keys, one
Query page per ~1 MB of Source items, one ingest per file, and one site
snapshot rebuild per RESYNC_BATCH files.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Iterator

from chalicelib import config, keys
from chalicelib.bucket import ContentBucket
from chalicelib.content import images
from chalicelib.models import MediaItem, Source
from chalicelib.publish import edge, ingest, renditions, revisions

# Files applied per site-snapshot rebuild: bounds the work a crash makes resync redo.
RESYNC_BATCH = 50


def bucket_keys(bucket: str, prefixes: tuple[str, ...] = config.INGESTED_PREFIXES + config.PENDING_PREFIXES
                ) -> Iterator[str]:
    """Every key under ``prefixes``: by default every content key (reports, media and rendered
    bodies are not content)."""
    content = ContentBucket(bucket)
    for prefix in prefixes:
        for obj in content.listed(prefix):
            yield obj["Key"]


def photo_keys(bucket: str) -> Iterator[str]:
    """Every photo under media/ (the files that get sizes)."""
    return (key for key in bucket_keys(bucket, (config.MEDIA_PREFIX,)) if images.is_derivable(key))


def known_keys() -> Iterator[str]:
    """Every key the site has applied (one Query over the Source items)."""
    for source in Source.query(keys.SOURCE_PK, attributes_to_get=["pk", "sk"]):
        yield source.sk


def resync(bucket: str | None = None, force: bool = True,
           progress: Callable[[str, str], None] | None = None) -> Counter[str]:
    """Apply every key in the bucket (default: the settings' bucket) and every key the site knows;
    count the outcomes.

    ``progress(key, outcome)`` is called after each key.
    """
    bucket = bucket or config.current().bucket
    counts: Counter[str] = Counter()
    # Photos first, so the articles applied next find their sizes: any the images function missed are
    # made here, and the sizes of photos no longer in the bucket go.
    photos = list(photo_keys(bucket))
    in_bucket = set(photos)
    recorded = [item.sk for item in MediaItem.query(keys.MEDIA_PK, attributes_to_get=["pk", "sk"])]
    with edge.one_invalidation():
        for key in photos + [k for k in recorded if k not in in_bucket]:
            outcome = renditions.apply_key(bucket, key)
            counts[f"sizes {outcome}"] += 1
            if progress:
                progress(key, f"sizes {outcome}")
    content = sorted(bucket_keys(bucket), key=config.apply_rank)
    seen = set(content)
    gone = [k for k in known_keys() if k not in seen]  # the site has them, the bucket no longer does
    work = [(key, force) for key in content] + [(key, False) for key in gone]
    for start in range(0, len(work), RESYNC_BATCH):
        with edge.one_invalidation(), revisions.one_snapshot_rebuild():
            for key, forced in work[start:start + RESYNC_BATCH]:
                outcome = ingest.apply_key(bucket, key, force=forced).outcome
                counts[outcome] += 1
                if progress:
                    progress(key, outcome)
    return counts
