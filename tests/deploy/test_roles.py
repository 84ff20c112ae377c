"""The stack's managed policies for contributors, editors and admins allow and deny what
docs/editors.md says (issue 18), evaluated on the template with moto's IAM policy evaluator."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from moto.iam.access_control import IAMPolicy, PermissionResult

from devstack.stack import load_template

BUCKET = "newsroom-prod-content-1a2b"
ARNS = {"ContentBucket": BUCKET, "ContentTable.Arn": "arn:aws:dynamodb:us-east-1:111122223333:table/newsroom-prod-content",
        "IngestQueue.Arn": "arn:aws:sqs:us-east-1:111122223333:newsroom-prod-ingest",
        "DueTimeRole.Arn": "arn:aws:iam::111122223333:role/newsroom-prod-due-times",
        "AWS::Partition": "aws", "AWS::Region": "us-east-1",
        "AWS::AccountId": "111122223333", "NamePrefix": "newsroom", "Stage": "prod"}


def _resolve(node: Any) -> Any:
    """The template's intrinsic functions, resolved for one made-up stack."""
    if isinstance(node, dict) and len(node) == 1:
        (name, value), = node.items()
        if name == "Fn::Sub":
            return re.sub(r"\$\{([^}]+)\}", lambda m: ARNS[m.group(1)], value)
        if name == "Ref":
            return ARNS[value]
        if name == "Fn::GetAtt":
            return ARNS[".".join(value)]
        if name == "Fn::If":
            return _resolve(value[1])
    if isinstance(node, dict):
        return {k: _resolve(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v) for v in node]
    return node


def policy(role: str) -> IAMPolicy:
    document = load_template()["Resources"][f"{role}Policy"]["Properties"]["PolicyDocument"]
    return IAMPolicy(json.dumps(_resolve(document)))


def allowed(role: str, action: str, resource: str, **conditions: str) -> bool:
    if resource.startswith(("articles/", "pages/", "media/", "drafts/", "submissions/", "settings/", "authors/",
                            "categories/", "previews/", "reports/", "sizes/")):
        resource = f"arn:aws:s3:::{BUCKET}/{resource}"
    elif resource == "bucket":
        resource = f"arn:aws:s3:::{BUCKET}"
    elif resource == "table":
        resource = ARNS["ContentTable.Arn"]
    result = policy(role).is_action_permitted(action, resource, incoming_condition_values=conditions or None)
    return result == PermissionResult.PERMITTED


WRITE = ("s3:PutObject", "s3:DeleteObject")


@pytest.mark.parametrize("key", ["articles/x.md", "pages/about.md", "media/photo.jpg", "drafts/articles/x.md",
                                 "settings/site.yaml", "authors/sara.yaml", "categories/news.yaml"])
def test_contributors_write_only_submissions(key):
    assert not any(allowed("Contributor", action, key) for action in WRITE)
    assert allowed("Contributor", "s3:PutObject", "submissions/" + key)
    assert not allowed("Contributor", "s3:DeleteObject", "submissions/" + key)  # withdrawing is an editor's call


def test_contributors_read_their_submissions_status_and_nothing_else():
    assert allowed("Contributor", "s3:GetObject", "previews/submissions/articles/x.md.json")
    assert allowed("Contributor", "s3:GetObject", "reports/submissions/articles/x.md.json")
    for key in ("previews/articles/x.md.json", "previews/drafts/articles/x.md.json", "reports/articles/x.md.json",
                "articles/x.md", "drafts/articles/x.md"):
        assert not allowed("Contributor", "s3:GetObject", key), key
    assert not allowed("Contributor", "s3:ListBucketVersions", "bucket")
    assert not allowed("Contributor", "dynamodb:PutItem", "table")
    assert not allowed("Contributor", "dynamodb:Query", "table")


@pytest.mark.parametrize("key", ["articles/x.md", "pages/about.md", "media/2024/photo.jpg", "drafts/articles/x.md"])
def test_editors_publish_correct_and_take_down_articles_pages_and_media(key):
    assert all(allowed("Editor", action, key) for action in WRITE)
    assert allowed("Editor", "s3:GetObjectVersion", key)  # history, show, revert


def test_editors_approve_submissions_but_change_no_settings_authors_or_categories():
    assert allowed("Editor", "s3:GetObject", "submissions/articles/x.md")
    assert allowed("Editor", "s3:DeleteObject", "submissions/articles/x.md")  # approve removes it
    for key in ("settings/site.yaml", "authors/sara.yaml", "categories/news.yaml"):
        assert not any(allowed("Editor", action, key) for action in WRITE), key
        assert allowed("Editor", "s3:GetObject", key)
    assert allowed("Editor", "s3:ListBucketVersions", "bucket")
    assert allowed("Editor", "dynamodb:UpdateItem", "table")  # comment moderation
    assert not allowed("Editor", "cloudfront:CreateInvalidation", "arn:aws:cloudfront::111122223333:distribution/E1")


@pytest.mark.parametrize("key", ["settings/site.yaml", "authors/sara.yaml", "categories/news.yaml", "articles/x.md",
                                 "media/photo.jpg", "submissions/articles/x.md"])
def test_admins_change_everything_in_the_bucket(key):
    assert all(allowed("Admin", action, key) for action in WRITE)


def test_admins_pass_only_the_due_time_role_and_invalidate_only_this_account():
    assert allowed("Admin", "iam:PassRole", ARNS["DueTimeRole.Arn"])
    assert not allowed("Admin", "iam:PassRole", "arn:aws:iam::111122223333:role/AdministratorAccess")
    assert allowed("Admin", "cloudfront:CreateInvalidation", "arn:aws:cloudfront::111122223333:distribution/E1")
    assert not allowed("Admin", "cloudfront:CreateInvalidation", "arn:aws:cloudfront::999999999999:distribution/E1")
    assert not allowed("Admin", "s3:DeleteBucket", "bucket")


@pytest.mark.parametrize("role", ["Editor", "Admin"])
def test_editors_and_admins_find_and_message_the_ingest_queue(role):
    # `newsroom comments approve` asks ingest for the invalidation; an admin's resync, for photos' sizes,
    # asks it to render articles again: both look the queue up by name first.
    for action in ("sqs:GetQueueUrl", "sqs:SendMessage"):
        assert allowed(role, action, ARNS["IngestQueue.Arn"]), (role, action)
    assert not allowed(role, "sqs:ReceiveMessage", ARNS["IngestQueue.Arn"])


@pytest.mark.parametrize("role", ["Editor", "Admin"])
def test_editors_and_admins_moderate_every_comment_the_desk_and_the_tool_can(role):
    """Approve and reject are transactions (put, update, delete, condition check); deleting an approved
    comment's thread writes its tombstones in one batch; the desk counts the queue with a Query."""
    for action in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem",
                   "dynamodb:BatchWriteItem", "dynamodb:Query", "dynamodb:GetItem"):
        assert allowed(role, action, "table"), (role, action)
    assert not allowed("Contributor", "dynamodb:BatchWriteItem", "table")


def test_admins_resync_writes_photos_sizes():
    for action in ("s3:PutObject", "s3:DeleteObject"):
        assert allowed("Admin", action, "sizes/2024/photo-0123456789ab-640.webp")
    assert not allowed("Editor", "s3:PutObject", "sizes/2024/photo-0123456789ab-640.webp")
