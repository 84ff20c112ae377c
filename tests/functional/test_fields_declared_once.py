"""One field, one place (issue 42): a field declared in chalicelib/fields.py, and nowhere else, is read
from the file, checked, stored on the article's item, shown on its page where the declaration says,
and edited in the desk's form with its label, in a copy of the project with that one line added."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DECLARATION = '''

ARTICLE = ARTICLE + (Field("photo_credit", Text(120), label="Photo credit", hint="Who took the featured photo.",
                           page="end"),)
'''
# Run inside the copy, with its own harness (tests/conftest.py and the desk's fixtures).
ROUND_TRIP = '''
from chalicelib import fields
from chalicelib.models import Listing, Post
from tests.functional.test_desk import api, sign_in

STORY = "---\\ntitle: Harbour fire\\ndate: 2024-05-02T08:00:00Z\\nphoto_credit: Ann Lee / Reuters\\n---\\n\\nIt burned.\\n"


def test_the_field_is_read_stored_shown_and_edited(desk):
    assert [f.name for f in fields.ARTICLE][-1] == "photo_credit"
    desk.put("articles/harbour-fire.md", STORY)
    assert desk.ingest() == {"batchItemFailures": []}
    assert desk.refusal("articles/harbour-fire.md") is None
    item = Post.get(*Post.key_for("harbour-fire"))
    assert item.attribute_values["photo_credit"] == "Ann Lee / Reuters"
    assert "photo_credit" not in Listing.get_attributes()  # not declared ``listed``
    page = desk.get("/harbour-fire/").body.decode()
    shown = '<p class="field field-photo_credit"><span class="field-label">Photo credit:</span> Ann Lee / Reuters</p>'
    assert shown in page
    assert page.index("It burned.") < page.index(shown) < page.index("</article>")  # at the end, as declared
    jar, token, _ = sign_in(desk)
    editor = desk.client.http.get("/desk/edit?key=articles/harbour-fire.md", headers={"Cookie": jar}).body.decode()
    assert '<label for="f-photo_credit">Photo credit</label>' in editor
    assert '<p class="hint" id="h-photo_credit">Who took the featured photo.</p>' in editor
    assert 'name="photo_credit" value="Ann Lee / Reuters"' in editor
    assert "photo_credit" in editor.split('data-fields="')[1].split('"')[0].split()
    assert "<dt>photo_credit</dt>" not in editor  # the form edits it: not among "Other fields in this file"
    opened = editor.split('data-version="')[1].split('"')[0]
    sent = {"title": "Harbour fire", "date": "2024-05-02T08:00:00Z", "photo_credit": "Ann Lee for Reuters"}
    saved = api(desk, "/desk/save", jar, token, {"action": "publish", "key": "articles/harbour-fire.md",
                                                 "version": opened, "fields": sent, "body": "It burned."})
    assert saved.status_code == 200, saved.body
    written = desk.s3.get_object(Bucket=desk.stack.bucket, Key="articles/harbour-fire.md")["Body"].read().decode()
    assert "photo_credit: Ann Lee for Reuters\\n" in written
    assert desk.ingest() == {"batchItemFailures": []}
    assert "Ann Lee for Reuters</p>" in desk.get("/harbour-fire/").body.decode()


def test_the_fields_check_refuses_a_bad_value_naming_it(desk):
    desk.put("articles/long.md", STORY.replace("Ann Lee / Reuters", "x" * 121))
    assert desk.ingest() == {"batchItemFailures": []}
    assert "photo_credit: is 121 characters; the limit is 120" in desk.refusal("articles/long.md")
'''


def _copy(to: Path) -> None:
    """The project as a user has it (no caches, packages or browser tools)."""
    ignored = shutil.ignore_patterns(".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".mypy_cache",
                                     ".ruff_cache", ".hypothesis", "results", "data", "chaos", "integration", "deploy")
    for name in ("app.py", "pyproject.toml"):
        shutil.copy2(PROJECT_DIR / name, to / name)
    for name in ("chalicelib", "templates", "infra", "devstack", ".chalice", "content", "vendor", "tests"):
        if (PROJECT_DIR / name).exists():
            shutil.copytree(PROJECT_DIR / name, to / name, ignore=ignored)


def test_a_field_declared_once_reaches_the_file_the_item_the_page_and_the_desk_form(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    _copy(project)
    with (project / "chalicelib" / "fields.py").open("a") as declarations:
        declarations.write(DECLARATION)
    (project / "tests" / "functional" / "test_added_field.py").write_text(textwrap.dedent(ROUND_TRIP))
    ran = subprocess.run([sys.executable, "-m", "pytest", "tests/functional/test_added_field.py", "-q", "-p",
                          "no:randomly", "-p", "no:cacheprovider", "-x"], cwd=project, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(project)}, timeout=900)
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-2000:]
    assert "2 passed" in ran.stdout
