"""The desk's body editor cleans pasted HTML with ingest's own allow-list: one fact, generated.

``desk-editor/src/facts.json`` is written from the Python constants by ``desk-editor/write_facts.py``
(``make vendor-desk``) and bundled; never edited by hand. If this fails, the sanitizer's allow-list
or the embed providers changed: run ``make vendor-desk`` and commit the JSON and the bundle.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

from chalicelib.content import embeds, markup

EDITOR = Path(__file__).resolve().parents[2] / "desk-editor"


def _writer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("write_facts", EDITOR / "write_facts.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_facts_are_what_the_python_constants_write() -> None:
    committed = (EDITOR / "src" / "facts.json").read_text(encoding="utf-8")
    assert committed == _writer().text(), "run make vendor-desk: the editor's allow-list is out of date"


def test_the_facts_hold_the_sanitizers_allow_list_and_the_embed_providers() -> None:
    facts = json.loads((EDITOR / "src" / "facts.json").read_text(encoding="utf-8"))
    assert set(facts["tags"]) == markup.ALLOWED_TAGS
    assert {tag: set(names) for tag, names in facts["attributes"].items()} == markup.ALLOWED_ATTRIBUTES
    classes = {tag: set(group["classes"]) for group in facts["classes"] for tag in group["tags"]}
    assert classes == markup.ALLOWED_CLASSES
    assert classes["small"] == {"credit"}  # a photo's credit
    assert set(facts["url_schemes"]) == markup.URL_SCHEMES
    assert facts["embed_providers"]["bsky.app"] == list(embeds.PROVIDERS["bsky.app"])
