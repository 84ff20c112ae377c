"""Least privilege: each function's policy names only this stack's resources, and covers every call it makes.

The coverage test records every AWS request the web and ingest functions make
while a site is published, changed and read in every way the tests know, turns
each into the IAM action and resource ARN that AWS would authorize, and checks
the function's policy file allows it.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import re
from fnmatch import fnmatchcase
from typing import Any, Iterator
from urllib.parse import urlsplit

import botocore.client
import pytest

from devstack.local import upload_content
from devstack.package import SERVICES
from devstack.photos import png
from tests.deploy.conftest import PROJECT_DIR, STAGES
from tests.functional.test_ingest import article

FUNCTIONS = ("web", "ingest", "images", "imports", "newsletters", "newsletter-events")
GUARDED = ("dynamodb:", "s3:", "sqs:")
READ_ONLY = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "s3:GetObject",
             "cloudfront:GetInvalidation"}  # the desk asks whether the edge has cleared a change


def policy(stage: str, function: str) -> dict[str, Any]:
    return json.loads((PROJECT_DIR / ".chalice" / f"policy-{stage}-{function}.json").read_text())


def statements(document: dict[str, Any]) -> Iterator[tuple[list[str], list[Any]]]:
    for actions, resources, _ in conditional_statements(document):
        yield actions, resources


def conditional_statements(document: dict[str, Any]) -> Iterator[tuple[list[str], list[Any], dict[str, Any]]]:
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        actions, resources = statement["Action"], statement["Resource"]
        yield ([actions] if isinstance(actions, str) else actions,
               resources if isinstance(resources, list) else [resources], statement.get("Condition", {}))


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_statement_grants_a_wildcard_on_dynamodb_s3_or_sqs(stage, function):
    granted = list(statements(policy(stage, function)))
    assert granted  # every function is granted something to check
    for actions, resources in granted:
        for action in actions:
            assert "*" not in action, action
        if any(action.startswith(GUARDED) for action in actions):
            for resource in resources:
                arn = resource["Fn::Sub"] if isinstance(resource, dict) else resource
                assert arn != "*" and not arn.endswith(":*"), arn
                assert f"${{NamePrefix}}-{stage}-" in arn, f"{arn} is not this stage's resource"


def test_the_web_function_writes_only_comment_submissions_rate_limit_counters_sessions_profiles_subscribers_and_sends():
    """...and, in the bucket, only authors' files (a person's profile is their author file)."""
    granted = list(conditional_statements(policy("prod", "web")))
    assert granted
    for actions, resources, condition in granted:
        writes = [a for a in actions if a not in READ_ONLY and not a.startswith("logs:")]
        if writes == ["ses:SendEmail"]:  # a sign-up's confirmation, a desk test: SES v2, with the stage's configuration set
            assert condition == {"StringEquals": {"ses:ApiVersion": "2"}}
            assert [r["Fn::Sub"].rpartition(":")[2] for r in resources] in (
                ["identity/*"], ["configuration-set/${NamePrefix}-prod-newsletters"])
        elif writes == ["sqs:GetQueueUrl", "sqs:SendMessage"]:  # a send the desk starts: its batches, to that queue only
            assert [r["Fn::Sub"] for r in resources] == [
                "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${NamePrefix}-prod-newsletters"]
        elif writes == ["scheduler:CreateSchedule", "scheduler:DeleteSchedule"]:
            # a scheduled digest's moment, and its removal when the digest is cancelled: its own names only
            assert [r["Fn::Sub"] for r in resources] == [
                "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/default/"
                "${NamePrefix}-prod-content-digest-*"]
        elif writes == ["iam:PassRole"]:  # the due-times role, to the scheduler only
            assert condition == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
            assert [r["Fn::Sub"] for r in resources] == [
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${NamePrefix}-prod-due-times"]
        elif writes == ["sns:Publish"]:  # telling editors of a new comment, on the stage's topic only
            assert [r["Fn::Sub"] for r in resources] == [
                "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${NamePrefix}-prod-moderation"]
        elif writes == ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]:
            # a reader's confirmation or unsubscribe, in one transaction with who receives each newsletter
            # (their Receiving items, and its counters): chalicelib/newsletters/subscribers.py:saved
            assert condition == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [
                "subscriber#*", "receiving#*", "receiving-count#*"]}}
        elif writes == ["dynamodb:UpdateItem"]:  # a send the desk pauses, resumes or cancels (sending.py)
            assert condition == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["issue#*"]}}
        elif writes == ["dynamodb:DeleteItem"]:  # a paused send's held batches, queued again or dropped
            assert condition == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["held#*"]}}
        elif writes == ["s3:PutObject"]:  # each person's own author file, from their profile (desk/profile.py)
            assert [r["Fn::Sub"] for r in resources] == ["arn:${AWS::Partition}:s3:::${NamePrefix}-prod-content/authors/*"]
        elif writes:
            assert set(writes) == {"dynamodb:PutItem"}  # a comment, a sliding log of posts (no UpdateItem)
            assert condition == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [
                "comments-pending", "ratelimit#*", "session#*", "people",  # people: each person's own profile
                "subscriber#*",  # a newsletter reader's sign-up, confirmation, unsubscribe
                "issue#*", "sends"]}}  # a send the desk starts, and its entry in the list of sends


def test_stage_policy_files_differ_only_in_the_stage_they_name():
    for function in FUNCTIONS:
        dev = json.dumps(policy("dev", function))
        assert "-prod-" not in dev
        assert json.dumps(policy("prod", function)) == dev.replace("-dev-", "-prod-")


# --- every call the code makes is allowed ---------------------------------------------

_function: contextvars.ContextVar[str | None] = contextvars.ContextVar("function", default=None)


@contextlib.contextmanager
def running(function: str) -> Iterator[None]:
    token = _function.set(function)
    try:
        yield
    finally:
        _function.reset(token)


Call = tuple[str, str, str, dict[str, Any]]  # (function, service, operation, parameters)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[Call]:
    """Every AWS call made inside ``running(function)``, as it is made (boto3 and PynamoDB alike)."""
    made: list[Call] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        function = _function.get()
        if function:
            made.append((function, self.meta.service_model.service_name, operation_name, api_params))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return made


def authorizations(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str, tuple[str, ...]]]:
    """The (IAM action, resource ARN, partition keys written or read) AWS checks for one request."""
    return [(action, arn, _leading_keys(service, operation, params)) for action, arn in _actions(service, operation,
                                                                                                 params)]


def _leading_keys(service: str, operation: str, params: dict[str, Any]) -> tuple[str, ...]:
    """dynamodb:LeadingKeys: the partition keys of the items an item-level request touches."""
    if service != "dynamodb":
        return ()
    if operation == "TransactWriteItems":
        return tuple(r.get("Key", r.get("Item", {})).get("pk", {}).get("S", "")
                     for item in params["TransactItems"] for r in item.values())
    key = params.get("Key") or params.get("Item") or {}
    if "pk" in key:
        return (key["pk"]["S"],)
    if operation == "Query" and "IndexName" not in params:  # the partition its key condition names
        names = params.get("ExpressionAttributeNames", {})
        for name, value in re.findall(r"(#?\w+)\s*=\s*(:\w+)", params.get("KeyConditionExpression", "")):
            if names.get(name, name) == "pk":
                return (params["ExpressionAttributeValues"][value]["S"],)
    return ()


def _actions(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    region, account = "us-east-1", "123456789012"
    if service == "dynamodb":
        table = lambda name: f"arn:aws:dynamodb:{region}:{account}:table/{name}"  # noqa: E731
        if operation == "TransactWriteItems":  # authorized item by item
            actions = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                       "ConditionCheck": "ConditionCheckItem"}
            return [(f"dynamodb:{actions[kind]}", table(request["TableName"]))
                    for item in params["TransactItems"] for kind, request in item.items()]
        if operation == "TransactGetItems":
            return [("dynamodb:GetItem", table(item["Get"]["TableName"])) for item in params["TransactItems"]]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{operation}", table(name)) for name in params["RequestItems"]]
        return [(f"dynamodb:{operation}", table(params["TableName"]))]
    if service == "s3":
        bucket = f"arn:aws:s3:::{params['Bucket']}"
        if operation in ("ListObjectsV2", "ListObjects"):
            return [("s3:ListBucket", bucket)]
        if operation == "DeleteObjects":  # authorized object by object
            return [("s3:DeleteObject", f"{bucket}/{o['Key']}") for o in params["Delete"]["Objects"]]
        action = {"HeadObject": "GetObject"}.get(operation, operation)
        return [(f"s3:{action}", f"{bucket}/{params['Key']}")]
    if service == "sqs":
        name = params.get("QueueName") or urlsplit(params["QueueUrl"]).path.rsplit("/", 1)[-1]
        action = operation.removesuffix("Batch")  # a batch action is authorized as its one-message action
        return [(f"sqs:{action}", f"arn:aws:sqs:{region}:{account}:{name}")]
    if service == "sns":
        return [(f"sns:{operation}", params["TopicArn"])]
    if service == "sesv2":  # SES v2 authorizes a send on the identity and on the configuration set
        if operation == "GetAccount":
            return [("ses:GetAccount", "*")]
        found = [("ses:SendEmail", f"arn:aws:ses:{region}:{account}:identity/{params['FromEmailAddress'].rpartition('@')[2]}")]
        if params.get("ConfigurationSetName"):
            found.append(("ses:SendEmail", f"arn:aws:ses:{region}:{account}:configuration-set/{params['ConfigurationSetName']}"))
        return found
    if service == "cloudfront":
        return [(f"cloudfront:{operation}", f"arn:aws:cloudfront::{account}:distribution/{params['DistributionId']}")]
    if service == "scheduler":  # a schedule's actions are authorized on the schedule, in its group
        return [(f"scheduler:{operation}",
                 f"arn:aws:scheduler:{region}:{account}:schedule/{params.get('GroupName', 'default')}/{params['Name']}")]
    raise AssertionError(f"no mapping for {service}:{operation}")


def allows(document: dict[str, Any], action: str, arn: str, leading_keys: tuple[str, ...] = ()) -> bool:
    values = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
              "AWS::StackName": "newsroom-dev", "NamePrefix": "newsroom"}
    for actions, resources, condition in conditional_statements(document):
        if condition == {"StringEquals": {"ses:ApiVersion": "2"}} and action.startswith("ses:"):
            condition = {}  # every SES call of ours is SES v2's
        if condition and "ForAllValues:StringLike" not in condition:
            continue  # iam:PassRole's, which no function request here is
        if condition:
            patterns = condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
            if not leading_keys or not all(any(fnmatchcase(k, p) for p in patterns) for k in leading_keys):
                continue
        if any(fnmatchcase(action, pattern) for pattern in actions):
            for resource in resources:
                pattern = resource["Fn::Sub"] if isinstance(resource, dict) else resource
                for name, value in values.items():
                    pattern = pattern.replace("${" + name + "}", value)
                if fnmatchcase(arn, pattern):
                    return True
    return False


def test_every_aws_call_the_functions_make_is_allowed_by_their_policy(site, monkeypatch, settings, calls):
    from chalicelib import bodies

    monkeypatch.setattr(bodies, "INLINE_LIMIT", 200)  # send long bodies to S3 (rendered/)
    monkeypatch.setattr(bodies, "COMPRESSED_LIMIT", 100)
    settings(moderation_topic=site.stack.moderation_topic)

    # Publish, fail, fix, change and delete every kind of file.
    upload_content(site.s3, site.stack.bucket, PROJECT_DIR / "content")
    site.put("media/2024/photo.png", png(640, 480))
    site.put("media/2024/not-a-photo.jpg", b"text")
    site.put("articles/photo.md", article(title="With a photo", image="/media/2024/photo.png",
                                          categories="[Tehran]", tags="[Oil]"))
    site.put("articles/broken.md", "---\ntitle: [unclosed\n---\nBody\n")
    with running("ingest"):
        site.invoke(site.receive())  # before the photo's sizes: the article waits for them
    with running("images"):
        site.make_sizes()
    site.put("media/2024/photo.png", png(800, 480))  # replaced: the old sizes go
    with running("images"):
        site.make_sizes()
    with running("ingest"):
        while messages := site.receive():  # the ingest queue only (the images function had its own)
            site.invoke(messages)
    site.put("articles/broken.md", article(title="Fixed now"))
    site.delete("articles/photo.md")
    site.delete("pages/privacy-policy.md")
    site.delete("media/2024/not-a-photo.jpg")
    with running("images"):
        site.make_sizes()
    site.put("settings/site.yaml", (PROJECT_DIR / "content" / "settings" / "site.yaml").read_text() + "\n")
    with running("ingest"):
        while messages := site.receive():  # the ingest queue only (the images function had its own)
            site.invoke(messages)
    # An admin's WordPress export, uploaded in the desk: the imports function converts and uploads it.
    site.put("imports/20261203/options.json", '{"dry_run": false, "by": "Ad Min <admin@example.com>"}')
    site.put("imports/20261203/export.xml", (PROJECT_DIR / "tests" / "data" / "wordpress-importer" /
                                             "small-export.xml").read_bytes())
    with running("imports"):
        site.run_imports()
    assert "uploaded" in site.s3.get_object(Bucket=site.stack.bucket, Key="imports/20261203/status.json")[
        "Body"].read().decode()
    # An admin's newsletter list, uploaded in the desk, and an export of ours: the imports function
    # reads and writes subscribers (issue 47), and Scans them for the export and the counts.
    site.put("imports/20261204list/options.json", '{"kind": "subscribers", "name": "list.csv", '
             '"newsletters": ["Daily briefing"]}')
    site.put("imports/20261204list/subscribers.csv", (PROJECT_DIR / "tests" / "data" / "subscribers" /
                                                      "mailchimp-subscribed.csv").read_bytes())
    site.put("imports/20261204ours/subscribers-export.json", "{}")
    with running("imports"):
        site.run_imports()
    assert '"imported"' in site.s3.get_object(Bucket=site.stack.bucket, Key="imports/20261204list/status.json")[
        "Body"].read().decode()

    # Read every kind of page.
    paths = ["/", "/?s=iran", "/search/?q=nuclear+iran", "/new-debate-in-tehran-on-the-production-of-a-nuclear-bomb/",
             "/broken/", "/category/tehran/", "/tag/russia/", "/author/ninfa-along/", "/2022/", "/2022/07/",
             "/feed/", "/feed/atom/", "/category/tehran/feed/", "/sitemap.xml", "/robots.txt",
             "/media/2024/photo.png", "/media/missing.png", "/no-such-page/", "/terms-and-conditions/"]
    sizes = ["/" + o["Key"] for o in site.s3.list_objects_v2(Bucket=site.stack.bucket, Prefix="sizes/")["Contents"]]
    with running("web"):
        browser = {"Accept": "image/avif,image/webp,*/*"}
        responses = {path: site.client.http.get(path, headers=browser).status_code for path in paths}
        article_page = site.get("/new-debate-in-tehran-on-the-production-of-a-nuclear-bomb/").body.decode()
        token = __import__("re").search(r'name="token" value="([^"]+)"', article_page).group(1)
        posted = site.client.http.post(
            "/new-debate-in-tehran-on-the-production-of-a-nuclear-bomb/comments/",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://localhost"},
            body=f"name=Sara&text=Hello&website=&token={token}".encode())
        assert posted.status_code == 303
        index = site.get("/sitemap.xml").body.decode()
        for child in sorted(set(__import__("re").findall(r"/sitemaps/[\w.-]+", index))):
            responses[child] = site.get(child).status_code
        responses[sizes[0]] = site.client.http.get(sizes[0], headers=browser).status_code
    assert responses["/broken/"] == 200 and responses["/media/2024/photo.png"] == 404  # photos' originals are private
    assert responses[sizes[0]] == 200
    assert responses["/media/missing.png"] == 404 and responses["/no-such-page/"] == 404

    operations = {(f, f"{s}:{o}") for f, s, o, _ in calls}
    # The scenario did reach the paths that need the rarer permissions.
    assert ("web", "s3:GetObject") in operations and ("ingest", "s3:PutObject") in operations
    assert ("ingest", "s3:DeleteObject") in operations and ("ingest", "dynamodb:TransactWriteItems") in operations
    denied = sorted({(function, action, arn, keys)
                     for function, service, operation, params in calls
                     for action, arn, keys in authorizations(service, operation, params)
                     if not allows(policy("dev", function), action, arn, keys)})
    assert denied == []
    assert {f for f, _ in operations} == {"web", "ingest", "images", "imports"}
    assert ("imports", "s3:PutObject") in operations
    assert {("imports", "dynamodb:TransactWriteItems"), ("imports", "dynamodb:BatchGetItem"),
            ("imports", "dynamodb:Scan")} <= operations  # a subscriber with its index entries: one transaction
    assert ("images", "s3:PutObject") in operations and ("images", "sqs:SendMessage") in operations
    assert all(a.split(":")[1] in ("GetItem", "BatchGetItem", "Query", "GetObject", "PutItem", "UpdateItem", "Publish")
               for f, a in operations if f == "web"), operations
    assert ("web", "sns:Publish") in operations
    # The deployment package carries botocore's model for every service the functions' code calls (SQS
    # is called by the event source mapping, with the ingest role: here, by the test acting as it).
    assert {a.split(":")[0] for _, a in operations} <= set(SERVICES)
    assert ("web", "dynamodb:PutItem") in operations and ("web", "dynamodb:UpdateItem") not in operations


def test_every_aws_call_of_a_newsletter_send_is_allowed_by_its_functions_policy(site, monkeypatch, calls):
    """A reader signs up and confirms (web), a send is planned and sent through the real queue
    (newsletters), SES's events about it are applied and counted (newsletter-events)."""
    from chalicelib.newsletters import events, mail, sending, signup, subscribers

    monkeypatch.setattr(sending.Pace, "wait", lambda self: None)  # moto's SES: 1 a second
    monkeypatch.setattr(mail, "_rate", [])  # the rate an earlier send in this process read: this one reads it too
    with running("web"):
        for email in ("reader@example.com", "bounce@simulator.amazonses.com"):
            consent = subscribers.Consent("subscribe-page", signup.CONSENT_WORDING, "0" * 20, ("Daily briefing",))
            nonce = subscribers.sign_up(email, consent)
            assert nonce is not None
            subscribers.confirm(subscribers.address_hash(email), nonce)
    issue = sending.article_issue("Daily briefing", "Newsroom", "http://localhost", "Policy issue", None, "<p>Hi</p>", "/x/")
    send_id, _ = sending.start(issue, lambda body: sending.sqs_queue([body]))  # the desk's part: its own role
    with running("newsletters"):
        while messages := site.receive(site.stack.newsletters_queue_url):
            assert sending.newsletters_queue_handler(m | {"body": m["Body"], "messageId": m["MessageId"]}
                                                     for m in messages) == {"batchItemFailures": []}
    with running("newsletter-events"):
        queued = site.receive(site.stack.newsletter_events_queue_url)
        assert events.newsletter_events_queue_handler({"messageId": m["MessageId"], "body": m["Body"]}
                                                      for m in queued) == {"batchItemFailures": []}
    status = sending.status(send_id)
    assert (status.sent, status.delivered, status.bounced) == (2, 1, 1)
    operations = {(f, f"{s}:{o}") for f, s, o, _ in calls}
    assert {("newsletters", "sesv2:SendEmail"), ("newsletters", "sesv2:GetAccount"),
            ("newsletters", "sqs:SendMessageBatch"), ("newsletters", "dynamodb:UpdateItem"),
            ("newsletter-events", "dynamodb:TransactWriteItems"), ("web", "dynamodb:TransactWriteItems")} <= operations
    denied = sorted({(function, action, arn, keys)
                     for function, service, operation, params in calls
                     for action, arn, keys in authorizations(service, operation, params)
                     if not allows(policy("dev", function), action, arn, keys)})
    assert denied == [], denied


def test_the_web_policy_refuses_writes_outside_comments_and_counters():
    web = policy("dev", "web")
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/newsroom-dev-content"
    assert allows(web, "dynamodb:PutItem", table, ("comments-pending",))
    assert allows(web, "dynamodb:PutItem", table, ("ratelimit#abc",))
    assert allows(web, "dynamodb:PutItem", table, ("session#4f1c-sub",))  # a desk user signing out
    assert not allows(web, "dynamodb:UpdateItem", table, ("ratelimit#abc",))  # nothing it does needs it
    for key in ("post#markets", "comments#markets", "source", "settings"):
        assert not allows(web, "dynamodb:PutItem", table, (key,)), key
        assert not allows(web, "dynamodb:UpdateItem", table, (key,)), key
    assert not allows(web, "dynamodb:DeleteItem", table, ("comments-pending",))
    for never in ("dynamodb:Scan", "sqs:DeleteMessage"):  # a send's readers come from the index, by Query
        assert not allows(web, never, table) and not allows(web, never, table.replace("content", "newsletters"))
    queue = "arn:aws:sqs:us-east-1:123456789012:newsroom-dev-"
    assert allows(web, "sqs:SendMessage", queue + "newsletters")
    assert not allows(web, "sqs:SendMessage", queue + "ingest") and not allows(web, "sqs:SendMessage", queue + "images")
    bucket = "arn:aws:s3:::newsroom-dev-content/"
    assert allows(web, "s3:PutObject", bucket + "authors/sam-writer.yaml")  # a profile: its person's author file
    for key in ("articles/a.md", "settings/site.yaml", "categories/oil.yaml", "media/a.jpg", "authors"):
        assert not allows(web, "s3:PutObject", bucket + key), key
    assert not allows(web, "s3:DeleteObject", bucket + "authors/sam-writer.yaml")
