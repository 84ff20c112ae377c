"""The editors' tool writes where it is told: --stage, --bucket, --table, --endpoint-url, --region.

Every test here runs with ``chalicelib`` (and the app) already imported, as in
a long-lived process, and the prod stage's resources created beside dev's in
the same moto: a command that ignored its flags would land in dev.
"""

from __future__ import annotations

import json

import boto3
import pytest
from click.testing import CliRunner

from chalicelib import config
from chalicelib.models import Comment
from chalicelib.site import comments as comment_store
from devstack.stack import create_stack
from newsroom.cli import main
from tests.functional.test_ingest import article
from tests.functional.test_wordpress_import import CORPUS as EXPORT


@pytest.fixture
def prod(site):
    """The prod stage's bucket, queue and table, in the same moto as the dev ``site``."""
    import app  # noqa: F401 - the app and chalicelib are loaded before any command runs

    assert config.is_built()
    return create_stack(boto3.Session(region_name="us-east-1"), stage="prod")


def _keys(site, bucket: str) -> list[str]:
    return [o["Key"] for o in site.s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def _story(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "articles" / "story.md"
    path.parent.mkdir(parents=True)
    path.write_text(article(title="Story"))
    return path


@pytest.mark.parametrize("order", ["flags first", "flags last"])
def test_publish_with_stage_prod_lands_in_prod_and_leaves_dev_untouched(site, prod, tmp_path, order):
    story = str(_story(tmp_path))
    flags = ["--stage", "prod", "--no-wait"]
    result = CliRunner().invoke(main, ["publish", *flags, story] if order == "flags first"
                                else ["publish", story, *flags])
    assert result.exit_code == 0, result.output
    assert "Uploading to newsroom-prod-content (stage prod)" in result.output
    assert _keys(site, prod.bucket) == ["articles/story.md"]
    assert _keys(site, site.stack.bucket) == []


def test_publish_says_where_it_writes_before_it_writes(site, prod, tmp_path):
    result = CliRunner().invoke(main, ["publish", "--stage", "prod", "--no-wait", str(_story(tmp_path))])
    lines = result.output.splitlines()
    where = next(i for i, line in enumerate(lines) if line.startswith("Uploading to newsroom-prod-content"))
    done = next(i for i, line in enumerate(lines) if "1 uploaded" in line)
    assert where < done


def test_publish_with_bucket_lands_in_that_bucket(site, tmp_path):
    site.s3.create_bucket(Bucket="my-other-bucket")
    result = CliRunner().invoke(main, ["publish", "--bucket", "my-other-bucket", "--no-wait", str(_story(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "Uploading to my-other-bucket (stage dev)" in result.output
    assert _keys(site, "my-other-bucket") == ["articles/story.md"]
    assert _keys(site, site.stack.bucket) == []


def test_publish_waits_on_the_table_it_was_given(site, prod, tmp_path):
    """--stage prod follows ingest in prod's table: dev's table says nothing about a prod upload."""
    story = _story(tmp_path)
    result = CliRunner().invoke(main, ["publish", "--stage", "prod", "--timeout", "1", str(story)])
    assert result.exit_code == 1
    assert "waiting  articles/story.md" in result.output  # prod's ingest never ran here


def test_an_unknown_stage_is_refused_naming_the_stages(site, tmp_path):
    result = CliRunner().invoke(main, ["publish", "--stage", "staging", "--no-wait", str(_story(tmp_path))])
    assert result.exit_code == 2
    assert "no stage 'staging' in .chalice/config.json (there are: dev, prod)" in result.output
    assert _keys(site, site.stack.bucket) == []


def test_import_wordpress_with_stage_prod_uploads_to_prod(site, prod):
    result = CliRunner().invoke(main, ["import-wordpress", str(EXPORT), "--stage", "prod", "--no-wait"])
    assert "Uploading to newsroom-prod-content (stage prod)" in result.output
    assert any(key.startswith("articles/") for key in _keys(site, prod.bucket))
    assert _keys(site, site.stack.bucket) == []


def test_errors_with_stage_prod_reads_prods_reports(site, prod):
    report = {"file": "articles/broken.md", "status": "not published",
              "problems": [{"field": "date", "problem": "is not a date", "line": 2}]}
    site.s3.put_object(Bucket=prod.bucket, Key="reports/articles/broken.md.json", Body=json.dumps(report))
    in_prod = CliRunner().invoke(main, ["errors", "--stage", "prod"])
    assert in_prod.exit_code == 1
    assert "articles/broken.md  (not published)" in in_prod.output
    in_dev = CliRunner().invoke(main, ["errors"])
    assert in_dev.output == "No errors: every file in the bucket is published.\n"


def test_resync_with_stage_prod_applies_prods_bucket_to_prods_table(site, prod):
    site.s3.put_object(Bucket=prod.bucket, Key="articles/story.md", Body=article(title="Story").encode())
    result = CliRunner().invoke(main, ["resync", "--stage", "prod"])
    assert result.exit_code == 0, result.output
    assert "Resyncing newsroom-prod-content (stage prod)" in result.output
    assert "1 published" in result.output
    dynamodb = boto3.client("dynamodb")
    in_prod = dynamodb.get_item(TableName=prod.table, Key={"pk": {"S": "post#story"}, "sk": {"S": "post"}})
    in_dev = dynamodb.get_item(TableName=site.stack.table, Key={"pk": {"S": "post#story"}, "sk": {"S": "post"}})
    assert in_prod["Item"]["title"] == {"S": "Story"}
    assert "Item" not in in_dev


def test_resync_with_table_writes_that_table(site, prod):
    site.put("articles/story.md", article(title="Story"))
    result = CliRunner().invoke(main, ["resync", "--table", prod.table])
    assert result.exit_code == 0, result.output
    item = boto3.client("dynamodb").get_item(TableName=prod.table, Key={"pk": {"S": "post#story"}, "sk": {"S": "post"}})
    assert item["Item"]["title"] == {"S": "Story"}


def test_comments_with_stage_prod_moderate_prods_comments(site, prod):
    with config.using(config.Config(stage="prod", site_cache_seconds=0)):
        Comment(comment_store.PENDING, "20240501T120000Z-00000001", id="20240501T120000Z-00000001", slug="story",
                name="Reader", text="In prod", html="<p>In prod</p>", created="2024-05-01T12:00:00Z",
                status="pending").save()
    in_dev = CliRunner().invoke(main, ["comments", "list"])
    assert "0 pending." in in_dev.output
    in_prod = CliRunner().invoke(main, ["comments", "list", "--stage", "prod"])
    assert "20240501T120000Z-00000001" in in_prod.output and "1 pending." in in_prod.output
    rejected = CliRunner().invoke(main, ["comments", "reject", "20240501T120000Z-00000001", "--stage", "prod"])
    assert rejected.exit_code == 0, rejected.output
    assert "Moderating comments in newsroom-prod-content (stage prod)" in rejected.output
    assert "rejected 20240501T120000Z-00000001" in rejected.output


def test_a_command_leaves_the_settings_it_found(site, prod, tmp_path):
    before = config.current()
    CliRunner().invoke(main, ["publish", "--stage", "prod", "--no-wait", str(_story(tmp_path))])
    assert config.current() is before
