"""The migration report: what became of every item of a WordPress export. One shape for
``newsroom import-wordpress --report`` and the desk's import (``imports/<id>/report.json``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from chalicelib.imports.wordpress import Migration

# Where a WordPress site's newsletter subscribers usually are: a WordPress export (WXR) carries posts,
# never a plugin's list, so each is exported from the plugin and imported in the desk's Subscribers
# screen. A shortcode of the plugin's sign-up form in the export names the one the site used.
SUBSCRIBER_PLUGINS = {
    "jetpack_subscription_form": "Jetpack Subscriptions (WordPress.com: Jetpack, Subscribers, Download CSV)",
    "mailpoet_form": "MailPoet (MailPoet, Subscribers, Export: a CSV)",
    "mc4wp_form": "Mailchimp for WordPress (the list is in Mailchimp: Audience, Export audience)",
    "newsletter": "The Newsletter Plugin (Newsletter, Subscribers, Export: a CSV)",
}
SUBSCRIBERS_IMPORT = "/desk/subscribers"


def subscribers_hint(migration: Migration) -> dict[str, Any]:
    """Where this site's subscribers probably are, and where to import them."""
    said = " ".join(message for messages in migration.notes.values() for message in messages)
    found = [name for code, name in SUBSCRIBER_PLUGINS.items() if f"[{code}]" in said]
    return {"found_in_export": found, "usually_in": list(SUBSCRIBER_PLUGINS.values()), "import_at": SUBSCRIBERS_IMPORT,
            "note": "A WordPress export carries no subscribers: export them from the plugin that kept them "
                    "(or from Mailchimp, Substack or Ghost) and import the CSV in the desk's Subscribers screen."}


def report_of(migration: Migration, uploaded: bool) -> dict[str, Any]:
    """The report as JSON data (after an upload, with what the site made of each file)."""
    return {"site": migration.site_name, "uploaded": uploaded, "counts": migration.counts(),
            "blocks": dict(migration.blocks), "items": [vars(o) for o in migration.outcomes],
            "notes": migration.notes, "subscribers": subscribers_hint(migration)}


def settled(report: dict[str, Any], refused: dict[str, str]) -> dict[str, Any]:
    """A report read back (JSON), with what the site refused since (key -> why), counted again as
    ``Migration.settle`` and ``Migration.counts`` do for the command."""
    items = [{**item, "status": "refused", "reason": refused[item["key"]]} if item.get("key") in refused else item
             for item in report.get("items", [])]
    counts: dict[str, Counter[str]] = {}
    for item in items:
        counts.setdefault(item["kind"], Counter())[item["status"]] += 1
    return {**report, "items": items, "counts": {kind: dict(c) for kind, c in sorted(counts.items())}}

