"""Write desk-editor/src/facts.json: what ingest's sanitizer allows and which addresses are embeds.

The body editor cleans pasted HTML, and decides what it can model, with exactly the allow-list
ingest applies (chalicelib/content/markup.py) and shows the embed cards the site renders
(chalicelib/content/embeds.py). Those facts live in Python; this step writes them as JSON for the
bundle (``make vendor-desk`` runs it before esbuild), and tests/unit/test_body_editor_facts.py
checks that the committed file is what it writes today. Run from the project's root:
``.venv/bin/python desk-editor/write_facts.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FACTS_FILE = Path(__file__).resolve().parent / "src" / "facts.json"


def facts() -> dict[str, Any]:
    """The sanitizer's allow-list and the embed providers, as plain JSON values."""
    sys.path.insert(0, str(ROOT))
    from chalicelib.bodies import PAGE_BREAK
    from chalicelib.content import embeds, markup

    return {
        "tags": sorted(markup.ALLOWED_TAGS),
        "attributes": {tag: sorted(names) for tag, names in sorted(markup.ALLOWED_ATTRIBUTES.items())},
        "classes": _grouped(markup.ALLOWED_CLASSES),
        "url_schemes": sorted(markup.URL_SCHEMES),
        "media_tags": sorted(markup.MEDIA_TAGS),
        "media_sources": list(markup.MEDIA_SOURCES),
        "body_id": markup.BODY_ID.pattern,
        "template_ids": markup.TEMPLATE_IDS.pattern,
        "data_image": markup.DATA_IMAGE.pattern,
        "obsolete": dict(sorted(markup.OBSOLETE_ELEMENTS.items())),
        "page_break": PAGE_BREAK,
        "credit_class": markup.CREDIT_CLASS,
        "embed_providers": {host: list(value) for host, value in embeds.PROVIDERS.items()},
    }


def _grouped(classes: dict[str, set[str]]) -> list[dict[str, list[str]]]:
    """The classes each tag may carry, as [{tags, classes}] with the tags that share a set together
    (25 tags share WordPress's block classes: written once, not 25 times)."""
    groups: dict[frozenset[str], list[str]] = {}
    for tag, names in sorted(classes.items()):
        groups.setdefault(frozenset(names), []).append(tag)
    return [{"tags": tags, "classes": sorted(names)} for names, tags in groups.items()]


def text() -> str:
    """facts.json's text, as committed."""
    return json.dumps(facts(), indent=1, sort_keys=False) + "\n"


if __name__ == "__main__":
    FACTS_FILE.write_text(text(), encoding="utf-8")
    print(f"wrote {FACTS_FILE.relative_to(ROOT)}")
