"""The desk's body editor's own tests under Node (desk-editor/test/*.test.mjs: shortcuts, Markdown
shortcuts, lists, the toolbar, photos, embeds, paste from Docs, Word and web pages, word count,
the source view), and the committed bundle is what its source builds.

Skipped, saying why, where Node.js or the editor's packages are missing (``make test`` installs
them from ``desk-editor/package-lock.json``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EDITOR = ROOT / "desk-editor"
BUNDLE = ROOT / "templates" / "desk" / "vendor" / "body-editor"

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed: the body editor's "
                       "tests run under Node (sudo apt-get install nodejs npm)"),
    pytest.mark.skipif(not (EDITOR / "node_modules" / "prosemirror-model").is_dir(), reason="the body editor's "
                       "packages are not installed: run make test, or npm ci in desk-editor/"),
]


def test_the_editors_own_tests_pass_under_node() -> None:
    tests = sorted(str(p.relative_to(EDITOR)) for p in (EDITOR / "test").glob("*.test.mjs"))
    done = subprocess.run(["node", "--test", *tests], cwd=EDITOR, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout


def test_the_committed_bundle_is_what_the_source_builds(tmp_path: Path) -> None:
    done = subprocess.run(["node", "build.mjs", str(tmp_path)], cwd=EDITOR, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    for name in ("body-editor.js", "body-editor-tables.js", "body-editor.css", "THIRD-PARTY-LICENSES"):
        assert (tmp_path / name).read_bytes() == (BUNDLE / name).read_bytes(), f"run make vendor-desk: {name} is stale"
