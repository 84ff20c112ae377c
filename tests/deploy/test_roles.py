"""The stack's managed policies for contributors, editors and admins allow and deny what
docs/editors.md says (issue 18), evaluated on the template with moto's IAM policy evaluator."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from moto.iam.access_control import IAMPolicy, PermissionResult

from chalicelib import keys
from devstack.stack import load_template
from tests.deploy.iam_conditions import conditions_hold
from tests.functional.conftest import desk  # noqa: F401 - the desk's fixture, for the recorded moderation

BUCKET = "newsroom-prod-content-1a2b"
ARNS = {"ContentBucket": BUCKET, "ContentTable.Arn": "arn:aws:dynamodb:us-east-1:111122223333:table/newsroom-prod-content",
        "IngestQueue.Arn": "arn:aws:sqs:us-east-1:111122223333:newsroom-prod-ingest",
        "DueTimeRole.Arn": "arn:aws:iam::111122223333:role/newsroom-prod-due-times",
        "DeskUserPool.Arn": "arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_ThisPool",
        "AWS::Partition": "aws", "AWS::Region": "us-east-1",
        "AWS::AccountId": "111122223333", "NamePrefix": "newsroom", "Stage": "prod"}
LEADING_KEYS = frozenset({"dynamodb:LeadingKeys"})  # the conditions moto's evaluator does not judge


def _resolve(node: Any) -> Any:
    """The template's intrinsic functions, resolved for one made-up stack."""
    if isinstance(node, dict) and len(node) == 1:
        (name, value), = node.items()
        if name == "Fn::Sub":
            # ${!Literal} is the text ${Literal} (an IAM policy variable), as CloudFormation's Fn::Sub writes it
            return re.sub(r"\$\{([^}]+)\}", lambda m: "${" + m.group(1)[1:] + "}" if m.group(1).startswith("!")
                          else ARNS[m.group(1)], value)
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


# What IAM substitutes for a policy variable is what it knows of the caller (IAM User Guide, "IAM policy
# elements: Variables and tags", "Request information that you can use for policy variables"): a desk
# contributor's identity pool identity id, an IAM user's name. A variable the request has no value for
# matches no resource ("Policy variables with no value").
IDENTITY_ID = "cognito-identity.amazonaws.com:sub"
USERNAME = "aws:username"
DESK_CONTRIBUTOR = {IDENTITY_ID: "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000001"}
ANOTHER_DESK_CONTRIBUTOR = {IDENTITY_ID: "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000002"}
CLI_CONTRIBUTOR = {USERNAME: "sara"}


def for_caller(statement: dict[str, Any], caller: dict[str, str]) -> dict[str, Any] | None:
    """``statement`` as IAM applies it to a request of ``caller`` (policy variable -> value): each
    ``${variable}`` in a resource replaced by the caller's value; a resource naming a variable the caller
    has none of matches nothing, so it goes; None where no resource is left (the statement applies to none)."""
    resources = statement.get("Resource")
    if resources is None:
        return statement
    kept = []
    for resource in resources if isinstance(resources, list) else [resources]:
        names = re.findall(r"\$\{([^}]+)\}", resource)
        if all(name in caller for name in names):
            kept.append(re.sub(r"\$\{([^}]+)\}", lambda m: caller[m.group(1)], resource))
    return {**statement, "Resource": kept} if kept else None


def document(role: str) -> dict[str, Any]:
    resolved: dict[str, Any] = _resolve(load_template()["Resources"][f"{role}Policy"]["Properties"]["PolicyDocument"])
    return resolved


def allowed(role: str, action: str, resource: str, leading_keys: tuple[str, ...] = (),
            caller: dict[str, str] | None = None, **conditions: str) -> bool:
    """Whether ``role``'s policy allows ``action`` on ``resource`` to ``caller`` (its policy variables:
    ``for_caller``; a contributor is a desk one unless told); for a DynamoDB item, ``leading_keys`` are the
    partition keys it touches. An explicit Deny wins. moto's evaluator judges each statement's actions and
    resources; it ignores ``ForAllValues:StringLike``, so ``iam_conditions`` judges ``dynamodb:LeadingKeys``
    as IAM does."""
    caller = DESK_CONTRIBUTOR if caller is None else caller
    if resource.startswith(("articles/", "pages/", "media/", "drafts/", "submissions/", "settings/", "authors/",
                            "categories/", "tags/", "previews/", "reports/", "sizes/", "locks/")):
        resource = f"arn:aws:s3:::{BUCKET}/{resource}"
    elif resource == "bucket":
        resource = f"arn:aws:s3:::{BUCKET}"
    elif resource == "table":
        resource = ARNS["ContentTable.Arn"]
    statements = [s for s in (for_caller(s, caller) for s in document(role)["Statement"]) if s is not None]
    judged = []
    for statement in statements:
        single = IAMPolicy(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
        judged.append((statement, single.is_action_permitted(action, resource, incoming_condition_values=conditions or None)))
    if any(result == PermissionResult.DENIED for _, result in judged):
        return False
    return any(result == PermissionResult.PERMITTED
               and conditions_hold(s.get("Condition", {}), {"dynamodb:LeadingKeys": list(leading_keys)},
                                   judged=LEADING_KEYS, others_hold=True)
               for s, result in judged)


WRITE = ("s3:PutObject", "s3:DeleteObject")


@pytest.mark.parametrize("key", ["articles/x.md", "pages/about.md", "media/photo.jpg", "drafts/articles/x.md",
                                 "settings/site.yaml", "authors/sara.yaml", "categories/news.yaml"])
def test_contributors_write_only_submissions(key):
    own = f"submissions/{DESK_CONTRIBUTOR[IDENTITY_ID]}/"
    assert not any(allowed("Contributor", action, key) for action in WRITE)
    assert allowed("Contributor", "s3:PutObject", own + key)
    assert not allowed("Contributor", "s3:DeleteObject", own + key)  # withdrawing is an editor's call


def test_contributors_read_their_submissions_status_and_nothing_else():
    own = f"submissions/{DESK_CONTRIBUTOR[IDENTITY_ID]}/"
    assert allowed("Contributor", "s3:GetObject", f"previews/{own}articles/x.md.json")
    assert allowed("Contributor", "s3:GetObject", f"reports/{own}articles/x.md.json")
    for key in ("previews/articles/x.md.json", "previews/drafts/articles/x.md.json", "reports/articles/x.md.json",
                "articles/x.md", "drafts/articles/x.md"):
        assert not allowed("Contributor", "s3:GetObject", key), key
    assert not allowed("Contributor", "s3:ListBucketVersions", "bucket")
    assert not allowed("Contributor", "dynamodb:PutItem", "table")
    assert not allowed("Contributor", "dynamodb:Query", "table")


def test_a_contributors_own_credentials_reach_their_own_submissions_and_no_colleagues():
    """Finding 20 (docs/security/attack-2026-12-07.md): with their own keys (the desk's identity pool
    credentials, or an IAM user's for `newsroom submit`) a contributor reads and writes their own folder of
    submissions/, its lock, preview record and report, and no colleague's, nor any written before owners."""
    me, colleague = DESK_CONTRIBUTOR[IDENTITY_ID], ANOTHER_DESK_CONTRIBUTOR[IDENTITY_ID]
    for caller, own, others in ((DESK_CONTRIBUTOR, me, [colleague, "sara"]),
                                (CLI_CONTRIBUTOR, "sara", [me, "omar"])):
        for action in ("s3:GetObject", "s3:PutObject"):
            assert allowed("Contributor", action, f"submissions/{own}/articles/x.md", caller=caller), (caller, action)
            assert allowed("Contributor", action, f"locks/submissions/{own}/articles/x.md", caller=caller)
            for other in others:
                for key in (f"submissions/{other}/articles/x.md", f"submissions/{other}/pages/about.md",
                            f"locks/submissions/{other}/articles/x.md"):
                    assert not allowed("Contributor", action, key, caller=caller), (caller, action, key)
            for key in ("submissions/articles/x.md", "submissions/pages/about.md", "submissions/x.md"):
                assert not allowed("Contributor", action, key, caller=caller), (caller, action, key)  # before owners
        for folder in ("previews", "reports"):
            assert allowed("Contributor", "s3:GetObject", f"{folder}/submissions/{own}/articles/x.md.json", caller=caller)
            for other in [*others, "articles"]:
                assert not allowed("Contributor", "s3:GetObject", f"{folder}/submissions/{other}/articles/x.md.json",
                                   caller=caller)
    # An IAM user named as a content folder would own the submissions written before owners: denied.
    named_articles = {USERNAME: "articles"}
    for action in ("s3:GetObject", "s3:PutObject"):
        assert not allowed("Contributor", action, "submissions/articles/x.md", caller=named_articles)
        assert not allowed("Contributor", action, "locks/submissions/articles/x.md", caller=named_articles)
    # A caller IAM knows neither way (an assumed role outside the identity pool) reaches no submission.
    assert not allowed("Contributor", "s3:PutObject", "submissions/x/articles/x.md", caller={})


@pytest.mark.parametrize("key", ["articles/x.md", "pages/about.md", "media/2024/photo.jpg", "drafts/articles/x.md"])
def test_editors_publish_correct_and_take_down_articles_pages_and_media(key):
    assert all(allowed("Editor", action, key) for action in WRITE)
    assert allowed("Editor", "s3:GetObjectVersion", key)  # history, show, revert


def test_editors_approve_submissions_and_manage_categories_and_tags_but_change_no_settings_or_authors():
    assert allowed("Editor", "s3:GetObject", "submissions/articles/x.md")
    assert allowed("Editor", "s3:DeleteObject", "submissions/articles/x.md")  # approve removes it
    for key in ("settings/site.yaml", "authors/sara.yaml"):
        assert not any(allowed("Editor", action, key) for action in WRITE), key
        assert allowed("Editor", "s3:GetObject", key)
    for key in ("categories/news.yaml", "tags/budget.yaml"):  # WordPress's Editor: manage_categories
        assert all(allowed("Editor", action, key) for action in (*WRITE, "s3:GetObject", "s3:GetObjectVersion")), key
        assert not allowed("Editor", "s3:PutObjectTagging", key)
    for key in ("categories.yaml", "tagsx/a.yaml", "imports/1/options.json"):  # no wider than the two folders
        assert not any(allowed("Editor", action, f"arn:aws:s3:::{BUCKET}/{key}") for action in WRITE), key
    assert allowed("Editor", "s3:ListBucketVersions", "bucket")
    assert allowed("Editor", "dynamodb:UpdateItem", "table", ("comments-pending",))  # comment moderation
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
        for key in ("comments-pending", "comments-rejected", "comments-gone", "comments-approved", "comments-spam",
                    "comments-spammers", "comments#markets", "post#markets"):
            assert allowed(role, action, "table", (key,)), (role, action, key)
    assert not allowed("Contributor", "dynamodb:BatchWriteItem", "table")


def test_admins_resync_writes_photos_sizes():
    for action in ("s3:PutObject", "s3:DeleteObject"):
        assert allowed("Admin", action, "sizes/2024/photo-0123456789ab-640.webp")
    assert not allowed("Editor", "s3:PutObject", "sizes/2024/photo-0123456789ab-640.webp")


# --- what the editor role may write in the table (issue 40) ----------------------------------------

OUTSIDE_MODERATION = ("source", "site", "settings", "list#home", "claim#markets", "media", "uses#media/x.jpg",
                      "ratelimit#abc", "session#some-sub", "term#oil", "refs#markets", "author", "category")


@pytest.mark.parametrize("action", ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                                    "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"])
def test_the_editor_role_writes_comments_and_their_counts_only(action):
    assert allowed("Editor", action, "table", ("comments-pending", "post#markets"))
    for key in OUTSIDE_MODERATION:
        assert not allowed("Editor", action, "table", (key,)), key
        assert not allowed("Editor", action, "table", ("comments-pending", key)), key  # a batch with one outside
    assert allowed("Editor", "dynamodb:GetItem", "table", ("source",))  # reading is not writing
    assert not allowed("Contributor", action, "table", ("comments-pending",))


def test_every_write_moderation_makes_in_the_desk_is_inside_the_editor_roles_keys(desk, monkeypatch):  # noqa: F811
    """Approve, reject and delete a thread in the desk, recording each DynamoDB write made as the
    editor (``aws.acting_as``: the identity pool's credentials for them): each is allowed, keys and all."""
    import botocore.client

    from chalicelib import aws
    from tests.deploy.test_policies import authorizations
    from tests.functional.test_desk import form, sign_in
    from tests.functional.test_desk_screens import comment, story

    desk.put("articles/markets.md", story("Markets fell.", title="Markets"))
    desk.ingest()
    ids = [comment("markets", f"Reader {n}", f"Comment {n}.") for n in range(3)]
    writes: list[tuple[str, str, tuple[str, ...]]] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation, params):  # type: ignore[no-untyped-def]
        if self.meta.service_model.service_name == "dynamodb" and aws._ACTING.get() is not None \
                and operation not in ("GetItem", "BatchGetItem", "Query"):
            writes.extend(authorizations("dynamodb", operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    jar, token, _ = sign_in(desk)
    for one in (f"approve:{ids[0]}", f"reject:{ids[1]}", f"approve:{ids[2]}", f"delete:{ids[0]}"):
        moderated = form(desk.client, "/desk/comments", {"csrf": token, "one": one}, headers={"Cookie": jar})
        assert moderated.status_code == 303, moderated.body
    assert {action for action, _, _ in writes} >= {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    refused = [(action, keys) for action, _, keys in writes if not allowed("Editor", action, "table", keys)]
    assert refused == []


# --- newsletter readers' data is the admins' (attack pass 2, docs/security/attack-2026-12-07.md) -------

READERS_DATA = (keys.subscriber("a" * 64)[0], keys.receiving_shard("Daily briefing", "a"),
                keys.delivery("0123456789abcdef", "a" * 64)[0], keys.held_pk("0123456789abcdef"))


@pytest.mark.parametrize("action", ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"])
def test_an_editor_cannot_read_the_subscriber_list_with_their_own_role(action):
    """The desk shows subscribers to admins only; an editor's own role (the newsroom tool, or the identity
    pool's credentials for their desk sign-in) may still read the site's items, but no reader's address,
    consent, roster line or copy of a send: not one by one, not the roster at once."""
    assert allowed("Editor", action, "table", ("source",))
    assert allowed("Editor", action, "table", ("post#markets",))
    for key in READERS_DATA:
        assert not allowed("Editor", action, "table", (key,)), key
        assert not allowed("Editor", action, "table", ("source", key)), key  # a batch with one of them
        assert allowed("Admin", action, "table", (key,)), key
    assert not allowed("Contributor", action, "table", (keys.receiving_shard("Daily briefing", "a"),))


def test_admins_reindex_the_subscribers_and_editors_cannot():
    """`newsroom subscribers reindex` (an upgrade step) Scans the table and saves each reader with its index
    entries and counters in one transaction: an admin's role may (AdminPolicy), an editor's may not."""
    hashed = "a" * 64
    written = (keys.subscriber(hashed)[0], keys.receiving("Daily briefing", hashed)[0],
               keys.receiving_count("Daily briefing", "a")[0])
    assert allowed("Admin", "dynamodb:Scan", "table")
    assert all(allowed("Admin", action, "table", (key,)) for key in written
               for action in ("dynamodb:PutItem", "dynamodb:UpdateItem"))
    assert not allowed("Editor", "dynamodb:Scan", "table")
    assert not any(allowed("Editor", "dynamodb:PutItem", "table", (key,)) for key in written)
