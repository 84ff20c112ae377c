"""Every call the desk makes with a signed-in person's own credentials is one their role may make.

On AWS each person acts on S3, DynamoDB, SQS and the user pool with the identity pool's credentials for
their group's role (``DeskContributorRole``, ``DeskEditorRole``, ``DeskAdminRole`` in infra/template.yaml:
their managed policy, ``ContributorPolicy``..., and any inline one). moto enforces none of it, so this
test signs in as a contributor, an editor and an admin, does what each role's desk offers, records every
request signed with the person's keys (the web function's own are ``test_policies``' business), turns each
into what IAM authorizes, and checks it against the role's statements as IAM would:

- a ``HeadObject`` is ``s3:GetObject`` (``s3:GetObjectVersion`` with a version), a ``CopyObject`` a
  ``s3:GetObject`` of the source and a ``s3:PutObject`` of the copy, ``ListObjectsV2`` ``s3:ListBucket``
  on the bucket with ``s3:prefix`` for its conditions, ``ListObjectVersions`` ``s3:ListBucketVersions``;
  a presigned POST or GET is the upload or download it lets the browser make, with the person's keys
  (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html, .../API_ListObjectsV2.html);
- ``dynamodb:LeadingKeys`` is every partition key an item request touches: each item of a batch or a
  transaction, the key condition's of a Query
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html);
- a condition this test cannot judge makes its statement grant nothing (a false failure, never a pass);
- a policy variable in a resource is the caller's value (``test_roles.for_caller``: a desk contributor's
  identity pool identity id, recorded from the ``GetCredentialsForIdentity`` that gave their keys), and
  an explicit Deny wins.

And S3 answers as AWS would: to a role without ``s3:ListBucket`` a missing key is 403 AccessDenied, not
404 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions"), so the desk's
pages must read it as missing (``chalicelib/bucket.py``) and still work.
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import re
from fnmatch import fnmatchcase
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

import botocore.client
import botocore.signers
from botocore.exceptions import ClientError

from chalicelib.bucket import submission_owner
from devstack.photos import png
from devstack.stack import load_template
from tests.deploy.iam_conditions import conditions_hold, listed
from tests.deploy.test_roles import ARNS, BUCKET, IDENTITY_ID, _resolve, for_caller
from tests.functional.conftest import desk  # noqa: F401 - the desk's fixture

ROLES = ("Contributor", "Editor", "Admin")
SERVICES = ("s3", "dynamodb", "sqs", "cognito-idp", "cloudfront", "scheduler")
POOL = ARNS["DeskUserPool.Arn"]


@functools.lru_cache(maxsize=None)
def role_statements(role: str) -> tuple[dict[str, Any], ...]:
    """Every statement of ``Desk<role>Role``: its managed policies' and its inline ones, resolved for one stack."""
    resources = load_template()["Resources"]
    properties = resources[f"Desk{role}Role"]["Properties"]
    documents = [resources[ref["Ref"]]["Properties"]["PolicyDocument"] for ref in properties["ManagedPolicyArns"]]
    documents += [inline["PolicyDocument"] for inline in properties.get("Policies", [])]
    return tuple(statement for document in documents for statement in _resolve(document)["Statement"])


def allowed(role: str, action: str, resource: str, context: dict[str, list[str]],
            caller: dict[str, str] | None = None) -> bool:
    """Whether a statement of ``role`` allows ``action`` on ``resource`` to ``caller`` (its policy
    variables: none, unless told), and no Deny statement refuses it."""
    granted = False
    for statement in (for_caller(s, caller or {}) for s in role_statements(role)):
        if statement is None:
            continue
        if not any(fnmatchcase(action.lower(), a.lower()) for a in listed(statement["Action"])):
            continue
        if not any(fnmatchcase(resource, r) for r in listed(statement["Resource"])):
            continue
        if statement["Effect"] == "Deny":
            return False
        assert statement["Effect"] == "Allow"
        granted = granted or conditions_hold(statement.get("Condition", {}), context)
    return granted


# --- a request as IAM authorizes it --------------------------------------------------------------

def _object(key: str) -> str:
    return f"arn:aws:s3:::{BUCKET}/{key}"


def s3_authorizations(operation: str, params: dict[str, Any]) -> list[tuple[str, str, dict[str, list[str]]]]:
    bucket = f"arn:aws:s3:::{BUCKET}"
    prefix = {"s3:prefix": [params["Prefix"]]} if params.get("Prefix") is not None else {}
    versioned = "Version" if params.get("VersionId") else ""
    if operation in ("ListObjectsV2", "ListObjects"):
        return [("s3:ListBucket", bucket, prefix)]
    if operation == "ListObjectVersions":
        return [("s3:ListBucketVersions", bucket, prefix)]
    if operation in ("GetObject", "HeadObject"):
        return [(f"s3:GetObject{versioned}", _object(params["Key"]), {})]
    if operation == "PutObject":
        return [("s3:PutObject", _object(params["Key"]), {})]
    if operation == "DeleteObject":
        return [(f"s3:DeleteObject{versioned}", _object(params["Key"]), {})]
    if operation == "DeleteObjects":
        return [("s3:DeleteObject", _object(o["Key"]), {}) for o in params["Delete"]["Objects"]]
    if operation == "CopyObject":
        source = params["CopySource"]
        source = source if isinstance(source, dict) else {"Key": unquote(str(source).split("/", 1)[1])}
        read = "s3:GetObjectVersion" if source.get("VersionId") else "s3:GetObject"
        return [(read, _object(source["Key"]), {}), ("s3:PutObject", _object(params["Key"]), {})]
    raise AssertionError(f"no mapping for s3:{operation}")


def _pk_of(key: dict[str, Any]) -> str:
    return str(next(iter(key["pk"].values()))) if "pk" in key else ""


def leading_keys(operation: str, params: dict[str, Any]) -> list[str]:
    """The partition keys an item request touches (``dynamodb:LeadingKeys``)."""
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return [_pk_of(r.get("Key") or r.get("Item") or {}) for item in params["TransactItems"] for r in item.values()]
    if operation == "BatchGetItem":
        return [_pk_of(k) for request in params["RequestItems"].values() for k in request["Keys"]]
    if operation == "BatchWriteItem":
        return [_pk_of(w.get("PutRequest", {}).get("Item") or w.get("DeleteRequest", {}).get("Key") or {})
                for writes in params["RequestItems"].values() for w in writes]
    if operation == "Query":  # the partition key's equality in the key condition
        names = {v: k for k, v in (params.get("ExpressionAttributeNames") or {}).items()}
        partition = "pk" if "IndexName" not in params else None
        for name, placeholder in names.items():
            if partition is None or name == partition:
                found = re.search(rf"{re.escape(placeholder)} = (:\w+)", params.get("KeyConditionExpression", ""))
                if found:
                    return [str(next(iter(params["ExpressionAttributeValues"][found.group(1)].values())))]
        return []
    key = params.get("Key") or params.get("Item") or {}
    return [_pk_of(key)] if key else []


def dynamodb_authorizations(operation: str, params: dict[str, Any],
                            table: str) -> list[tuple[str, str, dict[str, list[str]]]]:
    keys = {"dynamodb:LeadingKeys": leading_keys(operation, params)}
    arn = ARNS["ContentTable.Arn"]
    if operation == "TransactWriteItems":
        kinds = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}
        out = []
        for item in params["TransactItems"]:
            for kind, request in item.items():
                assert request["TableName"] == table, request["TableName"]
                out.append((f"dynamodb:{kinds[kind]}", arn, {"dynamodb:LeadingKeys": [_pk_of(request.get(
                    "Key") or request.get("Item") or {})]}))
        return out
    if operation == "TransactGetItems":
        return [("dynamodb:GetItem", arn, keys)]
    names = list(params["RequestItems"]) if "RequestItems" in params else [params["TableName"]]
    assert names == [table], names  # the content table, the only one the roles name
    return [(f"dynamodb:{operation}", arn, keys)]


def authorizations(service: str, operation: str, params: dict[str, Any],
                   stack: Any) -> list[tuple[str, str, dict[str, list[str]]]]:
    if service == "s3":
        assert params.get("Bucket", stack.bucket) == stack.bucket, params
        return s3_authorizations(operation, params)
    if service == "dynamodb":
        return dynamodb_authorizations(operation, params, stack.table)
    if service == "sqs":
        name = params.get("QueueName") or urlsplit(params["QueueUrl"]).path.rsplit("/", 1)[-1]
        arn = ARNS["IngestQueue.Arn"] if name == urlsplit(stack.queue_url).path.rsplit("/", 1)[-1] \
            else f"arn:aws:sqs:us-east-1:111122223333:{name}"
        return [(f"sqs:{operation}", arn, {})]
    if service == "cognito-idp":
        return [(f"cognito-idp:{operation}", POOL, {})]
    if service == "cloudfront":
        return [(f"cloudfront:{operation}", f"arn:aws:cloudfront::111122223333:distribution/{params['DistributionId']}",
                 {})]
    raise AssertionError(f"no mapping for {service}:{operation}")


# --- recording, with S3's answers as AWS gives them --------------------------------------------------

class Recorder:
    """Every request the desk signs with a person's keys, under the desk action that made it."""

    def __init__(self, own_key: str) -> None:
        self.own_key = own_key
        self.role = ""
        self.action = ""
        # role, action, service, operation, params, the caller's policy variables
        self.calls: list[tuple[str, str, str, str, dict[str, Any], dict[str, str]]] = []
        self.callers: dict[str, dict[str, str]] = {}  # access key -> policy variables (its identity id)
        self.own: list[tuple[str, str, str, dict[str, Any]]] = []  # the web function's: action, service, operation, params

    @contextlib.contextmanager
    def doing(self, role: str, action: str) -> Iterator[None]:
        self.role, self.action = role, action
        try:
            yield
        finally:
            self.role = self.action = ""

    def person(self, credentials: Any) -> bool:
        return credentials is not None and credentials.access_key != self.own_key and bool(self.role)


def record(monkeypatch: Any, recorder: Recorder, stack: Any) -> None:
    original = botocore.client.BaseClient._make_api_call
    presign_url = botocore.signers.RequestSigner.generate_presigned_url
    presign_post = botocore.signers.S3PostPresigner.generate_presigned_post

    def recording(self, operation, params):  # type: ignore[no-untyped-def]
        service = self.meta.service_model.service_name
        credentials = self._request_signer._credentials
        if service == "cognito-identity" and operation == "GetCredentialsForIdentity":
            answer = original(self, operation, params)
            recorder.callers[answer["Credentials"]["AccessKeyId"]] = {IDENTITY_ID: params["IdentityId"]}
            return answer
        if recorder.role and credentials is not None and credentials.access_key == recorder.own_key \
                and service in ("s3", "dynamodb", "sqs", "sns", "cloudfront"):
            recorder.own.append((recorder.action, service, operation, dict(params)))
        if service not in SERVICES or not recorder.person(credentials):
            return original(self, operation, params)
        caller = recorder.callers.get(credentials.access_key, {})
        recorder.calls.append((recorder.role, recorder.action, service, operation, dict(params), caller))
        try:
            return original(self, operation, params)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if service == "s3" and operation in ("GetObject", "HeadObject") and code in ("NoSuchKey", "404") \
                    and not allowed(recorder.role, "s3:ListBucket", f"arn:aws:s3:::{BUCKET}",
                                    {"s3:prefix": [params["Key"]]}, caller):
                error = {"Code": "403" if operation == "HeadObject" else "AccessDenied", "Message": "Access Denied"}
                raise ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": 403}}, operation) from None
            raise

    def presigned_url(self, request_dict, operation_name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self._service_id.hyphenize() == "s3" and recorder.person(self._credentials):
            url = urlsplit(request_dict["url"])
            path = url.path.lstrip("/")  # path style (/bucket/key) or virtual-hosted (bucket.host/key)
            key = unquote(path if url.hostname and url.hostname.startswith(f"{stack.bucket}.") else path.split("/", 1)[1])
            recorder.calls.append((recorder.role, recorder.action, "s3", operation_name, {"Key": key},
                                   recorder.callers.get(self._credentials.access_key, {})))
        return presign_url(self, request_dict, operation_name, *args, **kwargs)

    def presigned_post(self, request_dict, fields=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        if recorder.person(self._request_signer._credentials):
            recorder.calls.append((recorder.role, recorder.action, "s3", "PutObject", {"Key": (fields or {})["key"]},
                                   recorder.callers.get(self._request_signer._credentials.access_key, {})))
        return presign_post(self, request_dict, fields, *args, **kwargs)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    monkeypatch.setattr(botocore.signers.RequestSigner, "generate_presigned_url", presigned_url)
    monkeypatch.setattr(botocore.signers.S3PostPresigner, "generate_presigned_post", presigned_post)


def denied(recorder: Recorder, stack: Any) -> list[str]:
    """Each call a role (or, for its own calls, the web function's policy) does not allow, in words."""
    from tests.deploy.test_policies import allows, policy
    from tests.deploy.test_policies import authorizations as function_authorizations

    out = [f"web function: {action}: {service}:{operation} ({iam_action}) on {arn!r} {keys or ''}"
           for action, service, operation, params in recorder.own
           for iam_action, arn, keys in function_authorizations(service, operation, params)
           if not allows(policy("dev", "web"), iam_action, arn, keys)]
    for role, action, service, operation, params, caller in recorder.calls:
        for iam_action, resource, context in authorizations(service, operation, params, stack):
            if not allowed(role, iam_action, resource, context, caller):
                where = params.get("Key") or params.get("Prefix") or ",".join(context.get("dynamodb:LeadingKeys", [])) \
                    or resource
                out.append(f"{role}: {action}: {service}:{operation} ({iam_action}) on {where!r}")
    return sorted(set(out))


# --- the desk, used by each role --------------------------------------------------------------------

LIVE = "articles/story.md"
FILE = "---\ntitle: Story\ndate: 2024-03-01T09:00:00Z\ncategories: [Oil]\n---\n\nThe first words.\n"
FIELDS = {"title": "Story", "date": "2024-03-01T09:00:00Z", "categories": "Oil"}


def _opened(site, jar: str, key: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    page = site.client.http.get(f"/desk/edit?key={key}", headers={"Cookie": jar})
    assert page.status_code == 200, (key, page.status_code)
    text = page.body.decode()
    return {"key": key, "version": re.search(r'data-version="([^"]*)"', text).group(1),  # type: ignore[union-attr]
            "versions": json.loads(html.unescape(re.search(r"data-versions='([^']*)'", text).group(1)))}  # type: ignore[union-attr]


def _session(site, role: str) -> tuple[Any, Any]:  # type: ignore[no-untyped-def]
    """Calls as ``role``: a GET and a POST of a form or of JSON, each answering (status, body text)."""
    from tests.functional.test_desk import api, sign_in
    from tests.functional.test_desk_screens import post_form

    jar, token, _ = sign_in(site, role)

    def get(path: str) -> Any:
        return site.client.http.get(path, headers={"Cookie": jar})

    def post(path: str, fields: dict[str, Any] | list[tuple[str, str]], as_json: bool = False) -> Any:
        if as_json:
            return api(site, path, jar, token, fields)
        return post_form(site, path, jar, [("csrf", token), *(fields.items() if isinstance(fields, dict) else fields)])

    get.jar = jar  # type: ignore[attr-defined]
    return get, post


def test_every_call_made_with_a_persons_credentials_is_one_their_role_may_make(desk, monkeypatch):  # noqa: F811
    from tests.functional.test_desk_newsletter import send_form
    from tests.functional.test_desk_screens import comment, settings_version, story
    from tests.functional.test_newsletters import active

    desk.put(LIVE, FILE)
    desk.put("articles/markets.md", story("Markets fell.", title="Markets"))
    desk.put("articles/old.md", story("Old.", title="Old"))
    desk.put("settings/site.yaml", "site_name: The Gazette\nnewsletters: [Daily briefing]\n")
    for photo in ("media/2024/05/pier.png", "media/2024/05/spare.png"):
        desk.put(photo, png(64, 48))
    theirs = "submissions/us-east-1:00000000-0000-0000-0000-0000000000ff/articles/theirs.md"
    for key in (theirs, "submissions/articles/before-owners.md"):
        desk.s3.put_object(Bucket=desk.stack.bucket, Key=key, Body=FILE.encode(),
                           Metadata={"uploaded-by": "Another Writer <another@example.com>"})
    desk.ingest()
    pending = comment("markets", "Sara", "A fair summary.")
    active("reader@desk-calls.example")
    others = [comment("markets", f"Reader {n}", f"Buy now {n}.") for n in range(2)]
    desk.put("media/2024/05/fresh.png", png(64, 48))  # its sizes not made yet
    own_key = botocore.session.get_session().get_credentials().access_key
    recorder = Recorder(own_key)
    record(monkeypatch, recorder, desk.stack)
    answers: dict[tuple[str, str], int] = {}

    def step(role: str, action: str, response: Any, *expected: int) -> Any:
        answers[(role, action)] = response.status_code
        assert response.status_code in (expected or (200, 303)), (role, action, response.status_code, response.body)
        return response

    # A contributor: the list, a new article saved as a draft then submitted, its status, lock and preview;
    # a new article whose file name a live one has is refused by name; another's submission stays theirs.
    get, post = _session(desk, "contributor")
    role = "Contributor"
    for action, path in (("list", "/desk/articles"), ("open the editor", "/desk/new"), ("profile", "/desk/profile"),
                         ("author choices", "/desk/author-choices?q=lo")):
        with recorder.doing(role, action):
            step(role, action, get(path))
    with recorder.doing(role, "save a draft"):
        saved = json.loads(step(role, "save a draft", post("/desk/save", {
            "action": "draft", "fields": {**FIELDS, "title": "Scoop", "date": ""}, "body": "Mine."}, True)).body)
    own = submission_owner(saved["key"])  # their identity pool identity id: their role's own folder
    assert saved["key"] == f"submissions/{own}/articles/scoop.md"
    assert {IDENTITY_ID: own} in recorder.callers.values(), (own, recorder.callers)
    with recorder.doing(role, "open their draft"):
        mine = _opened(desk, get.jar, saved["key"])  # type: ignore[attr-defined]
    with recorder.doing(role, "submit"):
        step(role, "submit", post("/desk/save", {"action": "submit", **mine, "fields": {**FIELDS, "title": "Scoop",
                                                                                     "date": ""}, "body": "Mine, done."}, True))
    with recorder.doing(role, "save over a newer version (a conflict)"):
        step(role, "save over a newer version (a conflict)", post("/desk/save", {
            "action": "submit", **mine, "fields": {**FIELDS, "title": "Scoop", "date": ""}, "body": "Stale."}, True), 409)
    with recorder.doing(role, "status"):
        step(role, "status", get(f"/desk/status?key={saved['key']}"))
    with recorder.doing(role, "lock"):
        step(role, "lock", post("/desk/lock", {"key": f"submissions/{own}/articles/next.md"}, True))
    with recorder.doing(role, "let go of a lock"):  # the tab closed
        step(role, "let go of a lock", post("/desk/lock", {"key": f"submissions/{own}/articles/next.md",
                                                            "release": True}, True))
    with recorder.doing(role, "preview"):
        step(role, "preview", post("/desk/preview", {"fields": FIELDS, "body": "Words."}, True))
    with recorder.doing(role, "preview a photo still being sized"):
        waiting = step(role, "preview a photo still being sized", post("/desk/preview", {
            "fields": FIELDS, "body": "![Just in](/media/2024/05/fresh.png)"}, True))
    assert json.loads(waiting.body)["waiting"] == [
        "media/2024/05/fresh.png: its sizes are being made; the preview shows it once it is sized"], waiting.body
    with recorder.doing(role, "save a new article named as a live one"):
        taken = step(role, "save a new article named as a live one", post("/desk/save", {
            "action": "draft", "fields": {**FIELDS, "date": ""}, "body": "Same name."}, True), 400)
    assert "articles/story.md already exists: choose another slug" in taken.body.decode()
    with recorder.doing(role, "open another's submission"):
        step(role, "open another's submission", get(f"/desk/edit?key={theirs}"), 403)
    with recorder.doing(role, "lock another's submission"):
        step(role, "lock another's submission", post("/desk/lock", {"key": theirs}, True), 403)
    with recorder.doing(role, "follow another's submission"):
        step(role, "follow another's submission", get(f"/desk/status?key={theirs}"), 403)
    with recorder.doing(role, "open a submission written before owners' folders"):  # editors' alone
        step(role, "open a submission written before owners' folders",
             get("/desk/edit?key=submissions/articles/before-owners.md"), 403)
    with recorder.doing(role, "open a submission that is gone"):  # approved meanwhile: S3 says 403 to them
        step(role, "open a submission that is gone", get(f"/desk/edit?key=submissions/{own}/articles/gone.md"), 404)
    with recorder.doing(role, "media library"):
        step(role, "media library", get("/desk/media"), 200, 403)

    # An editor: open, draft, publish, approve, unpublish, lock, history and restore, comments, bulk,
    # categories and tags (a rename), refused files, the live blog, pages and photos.
    get, post = _session(desk, "editor")
    role = "Editor"
    for action, path in (("list", "/desk/articles"), ("open the editor", "/desk/new"), ("pages", "/desk/pages"),
                         ("deleted", "/desk/deleted"), ("refused", "/desk/refused"), ("comments", "/desk/comments"),
                         ("media library", "/desk/media"), ("live blogs", "/desk/live"),
                         ("history", f"/desk/history?key={LIVE}"), ("status", f"/desk/status?key={LIVE}")):
        with recorder.doing(role, action):
            step(role, action, get(path))
    with recorder.doing(role, "save a draft of a live article"):
        seen = _opened(desk, get.jar, LIVE)  # type: ignore[attr-defined]
        step(role, "save a draft of a live article", post("/desk/save", {"action": "draft", **seen, "fields": FIELDS,
                                                                          "body": "A rewrite."}, True))
    with recorder.doing(role, "publish"):
        seen = _opened(desk, get.jar, LIVE)  # type: ignore[attr-defined]
        step(role, "publish", post("/desk/save", {"action": "publish", **seen, "fields": FIELDS,
                                                   "body": "The first words, corrected."}, True))
    with recorder.doing(role, "publish a new article"):
        step(role, "publish a new article", post("/desk/save", {
            "action": "publish", "fields": {**FIELDS, "title": "Fresh"}, "body": "New."}, True))
    desk.ingest()
    with recorder.doing(role, "approve a submission"):
        seen = _opened(desk, get.jar, saved["key"])  # type: ignore[attr-defined]
        step(role, "approve a submission", post("/desk/save", {"action": "approve", **seen, "fields": {
            **FIELDS, "title": "Scoop"}, "body": "Mine, done."}, True))
    with recorder.doing(role, "schedule"):
        step(role, "schedule", post("/desk/save", {"action": "schedule", "fields": {
            **FIELDS, "title": "Tomorrow", "date": "2099-01-01T09:00:00Z"}, "body": "Later."}, True))
    with recorder.doing(role, "lock"):
        step(role, "lock", post("/desk/lock", {"key": "articles/markets.md"}, True))
        step(role, "lock", post("/desk/lock", {"key": "articles/markets.md", "release": True}, True))
        step(role, "lock", post("/desk/lock", {"key": LIVE}, True))
    with recorder.doing(role, "unpublish"):
        seen = _opened(desk, get.jar, "articles/old.md")  # type: ignore[attr-defined]
        step(role, "unpublish", post("/desk/save", {"action": "unpublish", **seen, "fields": FIELDS, "body": ""}, True))
    desk.ingest()
    with recorder.doing(role, "restore"):
        page = get(f"/desk/history?key={LIVE}").body.decode()
        first = re.findall(r'name="version" value="([^"]+)"', page)[-1]  # newest first: the oldest is last
        current = re.search(r'name="current" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
        restored = step(role, "restore", post("/desk/restore", {"key": LIVE, "version": first, "current": current,
                                                                "confirmed": "yes"}), 303)
    assert "restored=" in restored.headers["Location"]
    with recorder.doing(role, "show an old version"):
        step(role, "show an old version", get(f"/desk/version?key={LIVE}&version={first}"), 200)
    with recorder.doing(role, "moderate a comment"):
        step(role, "moderate a comment", post("/desk/comments", {"one": f"approve:{pending}"}))
    with recorder.doing(role, "mark comments spam together"):
        spam = step(role, "mark comments spam together", post("/desk/comments", [("action", "spam"),
                                                                               *[("id", i) for i in others]]), 303)
    assert "failed" not in spam.headers["Location"] and "2%20comments" in spam.headers["Location"], spam.headers
    with recorder.doing(role, "bulk add a tag"):
        listed = get("/desk/articles").body.decode()  # each row ticked as the list shows it: key|versions
        row = re.search(r'name="item" value="(articles/markets\.md\|[^"]*)"', listed).group(1)  # type: ignore[union-attr]
        tagged = step(role, "bulk add a tag", post("/desk/bulk", {"action": "tag", "item": html.unescape(row),
                                                                   "value_tag": "Energy", "confirmed": "yes"}), 303)
    assert "done=" in tagged.headers["Location"], tagged.headers["Location"]
    desk.ingest()
    for action, path in (("categories", "/desk/categories"), ("tags", "/desk/tags")):  # WordPress's manage_categories
        with recorder.doing(role, action):
            step(role, action, get(path), 200)
    with recorder.doing(role, "rename a tag"):
        shown = get("/desk/tags").body.decode()  # the version of the file the screen showed
        tag = re.search(r'name="version" value="([^"]*)"><input type="hidden" name="slug" value="energy"', shown)
        renamed = step(role, "rename a tag", post("/desk/terms", {"kind": "tag", "action": "rename", "slug": "energy",
                                                                  "version": html.unescape(tag.group(1)),  # type: ignore[union-attr]
                                                                  "name": "Power", "new_slug": "power"}), 303)
    assert "now%20redirects" in renamed.headers["Location"], renamed.headers["Location"]
    with recorder.doing(role, "start a live blog"):
        started = step(role, "start a live blog", post("/desk/live/new", {"title": "Storm", "summary": "Wind."}))
    blog = unquote(re.search(r"key=([^&]+)", started.headers["Location"]).group(1))  # type: ignore[union-attr]
    desk.ingest()
    with recorder.doing(role, "post to a live blog"):
        step(role, "post to a live blog", post("/desk/live/post", {"key": blog, "update": "The wind is rising."}))
        step(role, "post to a live blog", get(f"/desk/live/blog?key={blog}"))
    with recorder.doing(role, "upload a photo"):
        step(role, "upload a photo", post("/desk/media/upload", {"name": "pier.jpg", "type": "image/jpeg",
                                                                  "size": 1000, "alt": "The pier"}, True))
    [entry] = desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix=blog.removesuffix(".md") + "/live/")["Contents"]
    entry_version = entry["ETag"].strip('"')
    version = desk.s3.head_object(Bucket=desk.stack.bucket, Key=blog)["ETag"].strip('"')  # (the test's own look-ups
    etag = desk.s3.head_object(Bucket=desk.stack.bucket, Key="media/2024/05/pier.png")["ETag"].strip('"')  # outside)
    with recorder.doing(role, "pin a live blog's entry"):
        pinned = step(role, "pin a live blog's entry", post("/desk/live/act", {
            "key": blog, "entry": entry["Key"], "version": entry_version, "action": "pin"}), 303)
    assert "Pinned" in unquote(pinned.headers["Location"]), pinned.headers["Location"]
    with recorder.doing(role, "end a live blog"):
        step(role, "end a live blog", post("/desk/live/act", {"key": blog, "action": "end", "version": version}), 303)
    with recorder.doing(role, "describe a photo"):
        described = step(role, "describe a photo", post("/desk/media/describe", {
            "key": "media/2024/05/pier.png", "etag": etag, "alt": "The pier at dawn"}), 303)
    assert "done=" in described.headers["Location"], described.headers["Location"]
    with recorder.doing(role, "delete a photo"):
        spare = desk.s3.head_object(Bucket=desk.stack.bucket, Key="media/2024/05/spare.png")["ETag"].strip('"')
        deleted = step(role, "delete a photo", post("/desk/media/delete", {"key": "media/2024/05/spare.png",
                                                                           "etag": spare}), 303)
    assert "done=" in deleted.headers["Location"], deleted.headers["Location"]
    with recorder.doing(role, "new page"):
        step(role, "new page", post("/desk/pages/new", {"title": "About us", "body": "Who we are."}))
    with recorder.doing(role, "send as newsletter"):
        step(role, "send as newsletter", get("/desk/newsletter?key=articles/markets.md"), 200)
        fields = send_form(desk, get.jar, "/desk/newsletter?key=articles/markets.md")  # type: ignore[attr-defined]
        sent = step(role, "send as newsletter", post("/desk/newsletter", {k: v for k, v in fields.items()
                                                                          if k != "csrf"}), 303)
        assert sent.headers["Location"].startswith("/desk/newsletters?send="), sent.headers["Location"]
        step(role, "send as newsletter", get("/desk/newsletters"), 200)

    # An admin: settings, terms, people, and what an editor does.
    get, post = _session(desk, "admin")
    role = "Admin"
    for action, path in (("settings", "/desk/settings"), ("categories", "/desk/categories"), ("tags", "/desk/tags"),
                         ("authors", "/desk/authors"), ("people", "/desk/people"), ("import", "/desk/import"),
                         ("list", "/desk/articles"), ("history", f"/desk/history?key={LIVE}")):
        with recorder.doing(role, action):
            step(role, action, get(path))
    with recorder.doing(role, "save the settings"):
        step(role, "save the settings", post("/desk/settings", {"version": settings_version(desk, get.jar),  # type: ignore[attr-defined]
                                                                 "site_name": "The Gazette Daily"}))
    with recorder.doing(role, "rename a category"):
        shown = get("/desk/categories").body.decode()  # the version of the file the screen showed
        term = re.search(r'name="version" value="([^"]*)"><input type="hidden" name="slug" value="oil"', shown)
        step(role, "rename a category", post("/desk/terms", {"kind": "category", "action": "rename", "slug": "oil",
                                                              "version": html.unescape(term.group(1)),  # type: ignore[union-attr]
                                                              "name": "Oil and gas", "new_slug": "oil-and-gas"}))
    with recorder.doing(role, "invite a person"):
        step(role, "invite a person", post("/desk/people", {"action": "invite", "email": "new@example.com",
                                                             "role": "contributor"}))
    with recorder.doing(role, "change a person's role"):
        step(role, "change a person's role", post("/desk/people", {"action": "role", "user": "new@example.com",
                                                                    "seen": "contributor|enabled", "role": "editor"}))
    with recorder.doing(role, "disable and enable a person"):
        for change, seen in (("disable", "editor|enabled"), ("enable", "editor|disabled")):
            step(role, "disable and enable a person", post("/desk/people", {"action": change, "user": "new@example.com",
                                                                            "seen": seen}))
    with recorder.doing(role, "remove a person"):
        step(role, "remove a person", post("/desk/people", {"action": "remove", "user": "new@example.com",
                                                             "seen": "editor|enabled", "confirm": "yes"}), 303)
    with recorder.doing(role, "subscribers"):
        step(role, "subscribers", get("/desk/subscribers"), 200)
        step(role, "subscribers", post("/desk/subscribers/find", {"q": "reader@example.com"}), 200)
        step(role, "subscribers", post("/desk/subscribers/import", {"name": "list.csv", "size": 100,
                                                                    "newsletters": "Daily briefing"}, True), 200)
        step(role, "subscribers", post("/desk/subscribers/export", {}), 303)
    with recorder.doing(role, "start an import"):
        started_import = json.loads(step(role, "start an import", post("/desk/import/start", {
            "name": "export.xml", "size": 10, "dry_run": True}, True)).body)
    with recorder.doing(role, "follow an import"):
        step(role, "follow an import", get(f"/desk/import/progress?id={started_import['id']}"))
    with recorder.doing(role, "new page"):
        step(role, "new page", get("/desk/pages/new"))
        step(role, "new page", post("/desk/pages/new", {"title": "Contact", "body": "Write to us."}))
    with recorder.doing(role, "upload a photo"):
        step(role, "upload a photo", post("/desk/media/upload", {"name": "map.png", "type": "image/png",
                                                                  "size": 1000, "alt": "A map"}, True))
    with recorder.doing(role, "take over a lock"):
        step(role, "take over a lock", post("/desk/lock", {"key": LIVE, "take_over": True}, True))
    with recorder.doing(role, "publish"):
        seen = _opened(desk, get.jar, LIVE)  # type: ignore[attr-defined]
        step(role, "publish", post("/desk/save", {"action": "publish", **seen, "fields": FIELDS,
                                                   "body": "The first words, corrected again."}, True))

    made = {(r, f"{service}:{operation}") for r, _, service, operation, *_ in recorder.calls}
    assert made >= {  # the scenario reached each kind of call the roles' rules are about
        ("Contributor", "dynamodb:GetItem"), ("Contributor", "s3:HeadObject"), ("Contributor", "s3:PutObject"),
        ("Editor", "s3:ListObjectsV2"), ("Editor", "s3:ListObjectVersions"), ("Editor", "s3:CopyObject"),
        ("Editor", "s3:DeleteObject"), ("Editor", "dynamodb:TransactWriteItems"), ("Editor", "sqs:SendMessage"),
        ("Admin", "cognito-idp:AdminCreateUser"), ("Admin", "cognito-idp:AdminAddUserToGroup"),
        ("Admin", "cognito-idp:AdminDeleteUser"), ("Admin", "cognito-idp:AdminDisableUser"),
        ("Admin", "dynamodb:PutItem")}, sorted(made)
    assert {r for r, *_ in recorder.own} and denied(recorder, desk.stack) == []


# --- the judge itself: what each role is refused, it refuses ----------------------------------------

MINE = {IDENTITY_ID: "us-east-1:11111111-2222-3333-4444-555555555555"}  # a desk contributor's identity id
OWN = f"submissions/{MINE[IDENTITY_ID]}/"


def _judged(role: str, service: str, operation: str, params: dict[str, Any],
            caller: dict[str, str] | None = None) -> bool:
    from types import SimpleNamespace

    stack = SimpleNamespace(bucket="b", table="t", queue_url="https://sqs/123/q")
    return all(allowed(role, *a, caller=MINE if caller is None else caller)
               for a in authorizations(service, operation, {"Bucket": "b", **params}, stack))


def test_a_contributors_own_credentials_cannot_read_or_overwrite_a_colleagues_submission():
    """Finding 20 (docs/security/attack-2026-12-07.md): the contributor's role, as IAM evaluates it for the
    caller (their identity pool identity id, or their IAM user's name for `newsroom submit`), reads and
    writes their own folder of submissions/ (its lock, preview record and report too) and no colleague's,
    whatever key or metadata they send, nor a submission written before owners' folders."""
    colleague = "us-east-1:99999999-8888-7777-6666-555555555555"
    for caller, own, others in ((MINE, MINE[IDENTITY_ID], [colleague, "sara"]),
                                ({"aws:username": "sara"}, "sara", [MINE[IDENTITY_ID], "omar"])):
        mine = f"submissions/{own}/articles/x.md"
        for operation in ("GetObject", "HeadObject", "PutObject"):
            assert _judged("Contributor", "s3", operation, {"Key": mine}, caller), (caller, operation)
            assert _judged("Contributor", "s3", operation, {"Key": "locks/" + mine}, caller)
            for key in [*(f"submissions/{o}/articles/x.md" for o in others), "submissions/articles/x.md",
                        *(f"locks/submissions/{o}/articles/x.md" for o in others)]:
                assert not _judged("Contributor", "s3", operation, {"Key": key}, caller), (caller, operation, key)
        for folder in ("previews/", "reports/"):
            assert _judged("Contributor", "s3", "GetObject", {"Key": f"{folder}{mine}.json"}, caller)
            assert not _judged("Contributor", "s3", "GetObject", {"Key": f"{folder}submissions/{others[0]}/articles/x.md.json"},
                               caller)
        assert not _judged("Contributor", "s3", "CopyObject", {"Key": mine, "CopySource": {
            "Bucket": "b", "Key": f"submissions/{others[0]}/articles/x.md"}}, caller)
    # Keys in the caller's own folder are theirs only: the colleague's folder name as a path inside theirs is
    # another key, and a caller IAM knows neither way reaches none.
    assert not _judged("Contributor", "s3", "PutObject", {"Key": f"submissions/{colleague}/articles/x.md"}, {})
    assert not _judged("Contributor", "s3", "PutObject", {"Key": "submissions/articles/x.md"}, {"aws:username": "articles"})


def test_the_judge_refuses_what_iam_would():
    # HEAD of a live article, a listing of the bucket: not a contributor's; a submission is.
    assert not _judged("Contributor", "s3", "HeadObject", {"Key": "articles/x.md"})
    assert not _judged("Contributor", "s3", "ListObjectsV2", {"Prefix": "submissions/"})
    assert _judged("Contributor", "s3", "HeadObject", {"Key": OWN + "articles/x.md"})
    assert not _judged("Contributor", "s3", "HeadObject", {"Key": OWN + "articles/x.md", "VersionId": "v1"})
    assert _judged("Contributor", "s3", "DeleteObject", {"Key": f"locks/{OWN}articles/x.md"})  # their lock
    assert not _judged("Contributor", "s3", "DeleteObject", {"Key": OWN + "articles/x.md"})
    assert not _judged("Contributor", "s3", "DeleteObject", {"Key": "locks/articles/x.md"})
    assert _judged("Contributor", "dynamodb", "GetItem", {"TableName": "t", "Key": {"pk": {"S": "source"}}})
    assert not _judged("Contributor", "dynamodb", "GetItem", {"TableName": "t", "Key": {"pk": {"S": "people"}}})
    # An editor copies within articles/ but not onto settings/; writes comments' items, no others'.
    assert _judged("Editor", "s3", "CopyObject", {"Key": "media/a.jpg", "CopySource": {"Bucket": "b", "Key": "media/a.jpg"}})
    assert not _judged("Editor", "s3", "CopyObject", {"Key": "settings/site.yaml",
                                                      "CopySource": {"Bucket": "b", "Key": "articles/a.md"}})
    put = {"TransactItems": [{"Put": {"TableName": "t", "Item": {"pk": {"S": "comments-pending"}}}},
                             {"Update": {"TableName": "t", "Key": {"pk": {"S": "source"}}}}]}
    assert not _judged("Editor", "dynamodb", "TransactWriteItems", put)
    assert not _judged("Editor", "cognito-idp", "AdminCreateUser", {})
    assert _judged("Admin", "cognito-idp", "AdminCreateUser", {})
    # A prefix condition: held by a listing of that prefix only, never by one without a prefix.
    statement = {"s3:prefix": ["submissions/x"]}
    assert conditions_hold({"StringLike": {"s3:prefix": ["submissions/*"]}}, statement)
    assert not conditions_hold({"StringLike": {"s3:prefix": ["submissions/*"]}}, {"s3:prefix": ["articles/"]})
    assert not conditions_hold({"StringLike": {"s3:prefix": ["submissions/*"]}}, {})
    not_like = {"ForAllValues:StringNotLike": {"dynamodb:LeadingKeys": ["subscriber#*"]}}
    assert conditions_hold(not_like, {"dynamodb:LeadingKeys": ["comments-pending", "source"]})
    assert not conditions_hold(not_like, {"dynamodb:LeadingKeys": ["source", "subscriber#ab"]})
    assert not conditions_hold({"Bool": {"aws:SecureTransport": "true"}}, {})  # not judged: grants nothing


def test_newsroom_submit_sends_a_new_submission_although_s3_says_403_of_the_free_key():
    """The contributor's other way in, ``newsroom submit``, asks first whether the bytes are there: to their
    role S3 answers that HEAD 403 (no s3:ListBucket), which is no file, so the new submission is sent."""
    from chalicelib.imports.uploads import upload

    class ContributorsS3:  # S3 as the contributor's role meets it
        def __init__(self) -> None:
            self.put: list[str] = []

        def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803 - boto3's names
            raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadObject")

        def put_object(self, Key: str, **_: Any) -> dict[str, Any]:  # noqa: N803
            self.put.append(Key)
            return {"ETag": '"new"'}

    s3 = ContributorsS3()
    done = upload(s3, "content", {"submissions/articles/new.md": FILE.encode()})
    assert s3.put == ["submissions/articles/new.md"] and done.sent == {"submissions/articles/new.md": "new"}
