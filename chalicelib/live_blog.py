"""What the reader's side and the writer's side of a live blog agree on: how many entries its first
screen and its fragment show, and where the fragment lives (docs/content-format.md, "Live blogs").

Pure data: no reads, no settings.
"""

from __future__ import annotations

FIRST_SCREEN = 20  # entries on a live blog's first page, and on each older page (``?since=``)
FRAGMENT_ENTRIES = 10  # the newest entries in the fragment readers' pages poll
STRUCTURED_UPDATES = 10  # the newest entries the page's LiveBlogPosting lists as ``liveBlogUpdate``
FRAGMENT_SEGMENT = "live"  # the fragment's path under the article: ``/<slug>/live/``
FEED_SEGMENTS = ("live", "feed")  # the entries' feed: ``/<slug>/live/feed/``


def fragment_path(slug: str) -> str:
    """The live blog's fragment of its newest entries, which readers' pages poll: ``/<slug>/live/``."""
    return f"/{slug}/{FRAGMENT_SEGMENT}/"


def feed_path(slug: str) -> str:
    """The feed of the live blog's entries: ``/<slug>/live/feed/``."""
    return f"/{slug}/{'/'.join(FEED_SEGMENTS)}/"


def anchor(entry_id: str) -> str:
    """An entry's anchor on the page (its share link is the page's address with it)."""
    return f"entry-{entry_id}"
