"""The editors' tool loads only what editing needs: no development stack, no WordPress reader."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_publish_loads_neither_moto_nor_defusedxml_nor_the_dev_stack(tmp_path):
    story = tmp_path / "articles" / "story.md"
    story.parent.mkdir()
    story.write_text("---\ntitle: Story\ndate: 2024-03-01\n---\n\nBody.\n")
    script = (
        "import json, sys\n"
        "from newsroom.cli import main\n"
        f"try: main(['publish', {str(story)!r}, '--no-wait', '--endpoint-url', 'http://127.0.0.1:9'])\n"
        "except BaseException: pass\n"  # nothing listens on port 9: the upload fails after every import
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(PROJECT_DIR), "AWS_ACCESS_KEY_ID": "x",
           "AWS_SECRET_ACCESS_KEY": "x", "AWS_MAX_ATTEMPTS": "1"}
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    loaded = set(json.loads(run.stdout.splitlines()[-1]))
    assert "Uploading to newsroom-dev-content (stage dev at http://127.0.0.1:9)" in run.stderr
    assert {"chalicelib", "botocore"} <= loaded  # it did get as far as uploading
    assert not loaded & {"moto", "defusedxml", "devstack", "werkzeug", "flask"}
