"""Resync brings DynamoDB to exactly the bucket's state."""

from __future__ import annotations

from click.testing import CliRunner

from chalicelib.models import Post
from chalicelib.publish import resync
from newsroom.cli import main
from tests.functional.test_ingest import article
from tests.site_checks import mismatches

SLUGS = {f"story-{i}" for i in range(6)} | {"ghost", "missing"}


def test_resync_adds_missing_repairs_changed_removes_orphans_and_reports_invalid(site):
    for i in range(4):
        site.put(f"articles/story-{i}.md", article(title=f"Story {i}", categories="[Tehran]"))
    site.put("articles/ghost.md", article(title="Ghost"))
    site.ingest()
    # Drift: notifications lost, a file deleted unnoticed, an item damaged by hand.
    site.put("articles/story-4.md", article(title="Story 4"))
    site.put("articles/story-5.md", "---\ntitle: Broken\ndate: nope\n---\nx\n")
    site.delete("articles/ghost.md")
    site.receive()  # ...and dropped
    post = Post.get(*Post.key_for("story-1"))
    post.update(actions=[Post.title.set("Damaged")])
    assert mismatches(site, SLUGS) != []

    counts = resync.resync(site.stack.bucket)
    assert counts == {"published": 5, "invalid": 1, "unpublished": 1}
    assert mismatches(site, SLUGS) == []
    assert site.report("articles/story-5.md") is not None

    again = resync.resync(site.stack.bucket, force=False)
    assert again == {"unchanged": 5, "invalid": 1}
    assert mismatches(site, SLUGS) == []


def test_resync_does_not_remove_a_file_uploaded_while_it_runs(site):
    site.put("articles/story-0.md", article(title="Story 0"))
    site.ingest()

    def upload_midway(key: str, outcome: str) -> None:
        if key == "articles/story-0.md":
            site.put("articles/story-1.md", article(title="Story 1"))

    resync.resync(site.stack.bucket, progress=upload_midway)
    site.ingest()
    assert mismatches(site, SLUGS) == []
    assert site.get("/story-1/").status_code == 200


def test_cli_resync_shows_progress_and_counts(site):
    site.put("articles/story-0.md", article(title="Story 0"))
    site.receive()
    result = CliRunner().invoke(main, ["resync"])
    assert result.exit_code == 0, result.output
    assert "1 published" in result.output
    assert "Resyncing newsroom-dev-content" in result.output
    assert site.get("/story-0/").status_code == 200


def test_resync_indexes_articles_published_before_the_desk_index(site):
    """A stack upgraded to the desk index: the records written before it carry no index keys, and one
    resync lists them in the desk, newest first, without republishing anything else."""
    from chalicelib import keys
    from chalicelib.desk import listing
    from chalicelib.models import Source

    site.put("articles/old-one.md", article("Old one", date="2020-01-01T09:00:00Z"))
    site.put("articles/old-two.md", article("Old two", date="2020-01-02T09:00:00Z"))
    site.ingest()
    for key in ("articles/old-one.md", "articles/old-two.md"):
        Source.get(*keys.source(key)).update(actions=[Source.desk_pk.remove(), Source.desk_sk.remove()])
    assert listing.read_index("article") == []
    resync.resync(site.stack.bucket)
    assert [source.sk for source in listing.read_index("article")] == ["articles/old-two.md", "articles/old-one.md"]
