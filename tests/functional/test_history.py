"""History and rollback (issue 18): every version of a file, who and what changed, and going back."""

from __future__ import annotations

import re

from click.testing import CliRunner

from newsroom.cli import main as newsroom
from tests.functional.test_ingest import article


def cli(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(newsroom, list(args))


def versions_of(output: str) -> list[str]:
    return re.findall(r"^(\S+)  \d{4}-", output, re.M)


def test_history_lists_three_uploads_with_who_title_and_what_changed_then_revert_restores(site, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    path = folder / "markets.md"
    for title, body in (("First", "Stocks rose."), ("Second", "Stocks rose."), ("Second", "Stocks fell.")):
        path.write_text(f"---\ntitle: {title}\ndate: 2024-03-01\n---\n\n{body}\n")
        assert cli("publish", str(path), "--no-wait").exit_code == 0
        site.ingest()
    listed = cli("history", "articles/markets.md")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.strip().splitlines()
    assert len(lines) == 3 and len(versions_of(listed.output)) == 3
    newest, middle, oldest = lines
    assert "'Second'" in newest and newest.endswith("body")  # only the body changed
    assert "'Second'" in middle and "title" in middle and "body" not in middle
    assert "'First'" in oldest and "first version" in oldest
    assert " by " in oldest  # who uploaded it (publish records it)

    first = versions_of(listed.output)[-1]
    shown = cli("show", "articles/markets.md", "--version", first)
    assert shown.exit_code == 0 and "title: First" in shown.output and "Stocks rose." in shown.output

    reverted = cli("revert", "articles/markets.md", "--to", first, "--no-wait")
    assert reverted.exit_code == 0, reverted.output
    site.ingest()
    page = site.get("/markets/").body.decode()
    assert "First" in page and "Stocks rose." in page
    after = cli("history", str(path)).output  # a local path names the same file
    assert len(versions_of(after)) == 4 and f"reverted to {first}" in after.splitlines()[0]


def test_a_deleted_file_can_be_restored(site):
    site.put("articles/gone.md", article(title="Taken down by mistake"))
    site.ingest()
    site.delete("articles/gone.md")
    site.ingest()
    assert site.get("/gone/").status_code == 404
    listed = cli("history", "articles/gone.md").output
    assert listed.splitlines()[0].split("  ")[-1] == "deleted"
    kept = versions_of(listed)[-1]
    assert cli("revert", "articles/gone.md", "--to", kept, "--no-wait").exit_code == 0
    site.ingest()
    assert site.get("/gone/").status_code == 200


def test_unknown_versions_and_files_are_refused_with_a_clear_message(site):
    site.put("articles/a.md", article())
    site.ingest()
    missing = cli("show", "articles/a.md", "--version", "no-such-version")
    assert missing.exit_code == 1 and "has no version no-such-version" in missing.output
    assert cli("history", "articles/never.md").exit_code == 1
