"""The editor's state line: what the opened article is on the site, in words, at the top of the
editor (WordPress's "Status & visibility" panel, Ghost's "Published" / "Scheduled" badge): Draft,
In review, Scheduled for …, Live since … (with "View on site"), Live with changes in draft,
Unpublished, Refused (with the reason). Read from the file's ``Source`` (what ingest made of it)
and from which keys exist beside it (``versions``: the editor's own ``versions_seen``).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from chalicelib import config, keys
from chalicelib.bucket import live_key
from chalicelib.clock import now_iso
from chalicelib.desk import zones
from chalicelib.models import Source


@dataclass(frozen=True)
class State:
    """The state line: ``name`` (a word the list's rows share: "live", "scheduled", "draft",
    "in review", "unpublished", "refused", "new", "waiting"), what it says, and a link."""

    name: str
    text: str
    link: str = ""  # a URL ("" for none)
    link_text: str = ""
    date: str = ""  # ISO 8601 UTC: since when it is live, or when it is scheduled for


def of(key: str, versions: dict[str, str], zone: ZoneInfo, unpublished: bool = False,
       marked_draft: bool = False) -> State:
    """The state of ``key`` as opened in the editor (``unpublished``: it was opened from its last
    version before the deletion that took it off the site; ``marked_draft``: its file says
    ``draft: true``, which for a submission means its contributor has not sent it for review yet)."""
    if not key:
        return State("new", "New article: not saved yet.")
    if unpublished:
        return State("unpublished", "Unpublished: not on the site. Publishing it again brings it back.")
    source = Source.get_or_none(*keys.source(key), consistent_read=True)
    if key.startswith(config.SUBMISSIONS_PREFIX):
        if marked_draft:
            return State("draft", "Draft, not yet sent for review.")
        return State("in review", "In review: waiting for an editor.")
    if source is None:
        return State("waiting", "Saved: waiting for ingest.")
    if source.status == "invalid":
        return State("refused", "Refused: " + "; ".join(source.problems or ["ingest could not read it"]) + ".")
    if source.status == "removed":
        return State("unpublished", "Unpublished: not on the site. Publishing it again brings it back.")
    site_url = f"/{source.slug}/" if source.slug else ""
    if key.startswith(config.DRAFTS_PREFIX):
        live = Source.get_or_none(*keys.source(live_key(key)), consistent_read=True)
        if live is None or live.status in ("removed", "unpublished"):  # taken down since the draft was written
            return State("draft", "Draft of changes to an unpublished article: it is not on the site, and "
                         "publishing this draft brings it back.", f"/desk/edit?key={live_key(key)}",
                         "Open the unpublished version")
        return State("draft", "Draft of changes to a live article: the site shows the live version.",
                     f"/desk/edit?key={live_key(key)}", "Open the live version")
    if source.draft:
        return State("draft", "Draft: not on the site.")
    if source.date and source.date > now_iso():
        when = zones.shown(source.date, zone, weekday=True, with_zone=True)
        return State("scheduled", f"Scheduled for {when}.", date=source.date)
    since = zones.shown(source.date, zone, with_zone=True) if source.date else ""
    if versions.get(config.DRAFTS_PREFIX + key):
        return State("live", f"Live since {since}, with changes in draft.", f"/desk/edit?key={config.DRAFTS_PREFIX}{key}",
                     "Open the draft", date=source.date or "")
    return State("live", f"Live since {since}.", site_url, "View on site", date=source.date or "")
