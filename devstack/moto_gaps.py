"""Fill gaps in moto so that local runs and tests behave as AWS does.

1. moto 5.2 sends no notification when an object in a *versioned* bucket is
   deleted (AWS sends ``s3:ObjectRemoved:DeleteMarkerCreated``). The content
   bucket is versioned, so without this an editor's ``aws s3 rm`` would never
   unpublish anything locally. The patch sends that notification through
   moto's own notification code, with moto's own event shape; deletes moto
   already notifies (unversioned buckets, deletes of one version) are left
   alone.
2. moto's ``TransactWriteItems`` deep-copies the whole table once per item in
   the transaction, to roll back on failure: a publish gets slower with every
   article on the site, which real DynamoDB does not. The patch keeps moto's
   code but snapshots only the items the transaction touches, and restores
   those on failure, as DynamoDB's all-or-nothing semantics require.
3. moto's ``Query`` on a table's own key sorts *every* item of the table to
   find one partition. The patch hands it only the queried partition (moto
   then filters and sorts as before), so a Query costs what the partition
   holds, as in DynamoDB, not what the whole site holds.
4. Even one partition is sorted on every Query, and scanned to its end: an
   archive's first page costs what the archive holds (10,000 articles: tens
   of milliseconds), where DynamoDB reads only the page. The patch keeps each
   partition's sort keys in order as items are written and deleted, starts a
   Query at its key condition by bisection and stops at the first key past
   it, with moto's own checks, limits, paging keys and projections, so a
   Query costs what it returns, as in DynamoDB. Queries on indexes, with
   legacy filters or without a sort key go to moto's code unchanged.
5. moto's DynamoDB backend has no locking: requests served at the same time
   (threads in the tests, the threaded moto server) interleave inside an
   UpdateItem's read-modify-write or a transaction, and a transaction that
   fails restores the items it touched over a write made meanwhile. An
   approval's ``ADD comment_count 1`` was lost that way about once in 15
   runs of the concurrency test. DynamoDB makes each item write atomic and
   transactions serializable; the patch runs the backend's item reads and
   writes and its transactions one at a time (one re-entrant lock).
6. moto 5.2 writes every response through its generic, shape-driven
   serializer, which walks the operation's model for each attribute of each
   item: a Query that returns 10,000 small items (the desk's list of a real
   site) took 15 s, 95 % of it there. A read's result is already DynamoDB's
   wire JSON (moto's ``dynamo_to_dict``, binary values as bytes), so the patch
   writes the results of GetItem, BatchGetItem, Query, Scan and
   TransactGetItems with ``json.dumps`` (bytes as base64, as the wire has
   them): the same answer, as botocore parses it (tested), ~50x faster.
7. moto's server (Werkzeug's development server) closes the connection after
   every response, because it cannot tell whether an application read the
   whole request body; DynamoDB, S3 and SQS keep connections open, and
   botocore reuses them. Locally every request paid for a new TCP connection
   on both sides (a tenth of a small GetItem's CPU in the client, more in the
   server), so the CPU ``make bench-peer`` measured for our pages was partly
   the stand-in's. The patch reads each request's body before the
   application sees it (so nothing is left unread on the socket), then keeps
   HTTP/1.1 connections open as the services do; a request with a chunked
   body, or one that asks to close, still closes.
8. moto keeps every model object it ever makes in a list on its class (for
   its dashboard, ``/moto-api/data.json``), and never lets go: every item a
   Query returns is a fresh copy, every SQS message stays listed after it is
   deleted. The stand-in grew by ~17 KB a page served (1.5 GB after a
   1,020-file import and some 60,000 pages of profiling). The patch lists only S3's objects (moto's reset closes
   their buffers from that list); the dashboard no longer shows the other
   services' objects, which nothing here reads.
9. moto 5.2 has no Cognito ``RevokeToken``, which the desk's Sign out calls
   to end one session at the pool. Cognito's documented behaviour
   (docs.aws.amazon.com/cognito/latest/developerguide/token-revocation.html,
   and the RevokeToken API reference): the refresh token, and every access
   token issued with it (the same ``origin_jti``), stop working; the
   person's other sessions do not; ID tokens stay valid to anything that
   only checks their signature. The patch does exactly that to moto's own
   token tables, and refuses a token issued to another app client as
   Cognito does.
10. moto 5.2's ``AdminCreateUser`` with ``MessageAction=RESEND`` (the People screen's "Send the
   invitation again") checks that the user exists, then makes a second user beside it (a pool
   that signs in by e-mail gives each a new id). Cognito's documented behaviour (the
   AdminCreateUser API reference): the existing user gets a new temporary password and a new
   expiry, and a user who is no longer ``FORCE_CHANGE_PASSWORD`` is refused
   (``UnsupportedUserStateException``). The patch does that to moto's existing user.
11. moto 5.2's SES v2 has no ``GetAccount``, where the newsletters' sender reads the account's
   sending rate (``SendQuota.MaxSendRate``). The patch answers with moto's own SES quota (its v1
   ``GetSendQuota``: 1 e-mail a second, 200 a day, as SES's sandbox,
   docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html), in v2's shape.
12. moto 5.2's SES publishes no event of a configuration set: what it sends is never "delivered",
   so nothing local would reach the newsletter_events function. The patch publishes, for each
   recipient of an e-mail sent with a configuration set whose event destination is an SNS topic,
   the event SES would (docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html):
   ``Send`` once per e-mail SES accepted, then ``Delivery``, or, for SES's mailbox simulator addresses,
   ``Bounce`` (permanent) and ``Complaint``, each if the destination's ``MatchingEventTypes`` has it;
   with the e-mail's tags in ``mail.tags``, each a list, as SES writes them.
13. moto 5.2's Cognito identity pool ``GetId`` makes a new identity id at every call. The identity pool
   "generates (or retrieves)" one (docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_GetId.html):
   the same person signing in again is the same identity, and a contributor's own folder of
   submissions/ is named by it (``${cognito-identity.amazonaws.com:sub}``, infra/template.yaml). The
   patch gives each login (the ID token's issuer and ``sub``) one identity id per pool, kept.
"""

from __future__ import annotations

import threading
from typing import Any

_installed = False


def _replace(owner: object, name: str, value: object) -> None:
    """Put ``value`` in place of ``owner.name``: a method of one of moto's classes, or a name in one
    of its modules. Every patch below goes through here, by name, because replacing a method at run
    time is what it does (mypy rightly refuses the assignment as a program's own code)."""
    setattr(owner, name, value)


def install() -> None:
    """Make moto notify delete-marker creation. Safe to call more than once."""
    global _installed
    if _installed:
        return
    from moto.s3 import notifications
    from moto.s3.models import FakeDeleteMarker, S3Backend

    original = S3Backend.delete_object

    def delete_object(self: Any, bucket_name: str, key_name: str, version_id: str | None = None,
                      bypass: bool = False) -> Any:
        result = original(self, bucket_name, key_name, version_id=version_id, bypass=bypass)
        bucket = self.get_bucket(bucket_name)
        if bucket.is_versioned and version_id is None and result[1].get("delete-marker") == "true":
            deleted = bucket.keys.get(key_name)
            while isinstance(deleted, FakeDeleteMarker):  # the object the marker hides
                deleted = deleted.key
            if deleted is not None:
                notifications.send_event(
                    self.account_id,
                    notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT,
                    bucket, deleted)
        return result

    _replace(S3Backend, "delete_object", delete_object)
    _install_item_level_rollback()
    _install_partition_query()
    _install_keep_alive()
    _install_untracked_models()
    _install_token_revocation()
    _install_invitation_resend()
    _install_ses_account()
    _install_ses_events()
    _install_stable_identity_ids()
    _install_ordered_query()
    _install_json_reads()
    _install_serialized_requests()  # last: it wraps the patched methods too
    _installed = True


def _install_token_revocation() -> None:
    import jwt
    from moto.cognitoidp.exceptions import NotAuthorizedError
    from moto.cognitoidp.models import CognitoIdpBackend
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.core.responses import EmptyResult

    def revoke_token(self: Any, token: str, client_id: str) -> None:
        for pool in self.user_pools.values():
            if token not in pool.refresh_tokens:
                continue
            issued = pool.refresh_tokens[token]
            if issued is not None and issued[0] != client_id:
                raise NotAuthorizedError("Invalid token")
            pool.refresh_tokens[token] = None
            for access in [a for a in pool.access_tokens if issued is not None and _origin_jti(jwt, a) == issued[2]]:
                pool.access_tokens.pop(access)
            return
        # An unknown or expired refresh token: Cognito answers 200 and revokes nothing.

    def response(self: Any) -> Any:
        self.backend.revoke_token(self._get_param("Token"), self._get_param("ClientId"))
        return EmptyResult()

    _replace(CognitoIdpBackend, "revoke_token", revoke_token)
    _replace(CognitoIdpResponse, "revoke_token", response)


def _install_stable_identity_ids() -> None:
    import json
    import uuid

    import jwt
    from moto.cognitoidentity.models import cognitoidentity_backends
    from moto.cognitoidentity.responses import CognitoIdentityResponse

    original = CognitoIdentityResponse.get_id

    def get_id(self: Any) -> str:
        pool_id = str(self._get_param("IdentityPoolId"))
        logins = self._get_param("Logins") or {}
        people = sorted(f"{provider}|{jwt.decode(token, options={'verify_signature': False}).get('sub')}"
                        for provider, token in logins.items())
        if not people:  # an unauthenticated identity: a new one each time, as moto does
            return str(original(self))
        region = pool_id.split(":")[0]
        identity_id = f"{region}:{uuid.uuid5(uuid.NAMESPACE_URL, pool_id + '#' + people[0])}"
        identities = cognitoidentity_backends[self.current_account][region].pools_identities[pool_id]["Identities"]
        if {"IdentityId": identity_id} not in identities:
            identities.append({"IdentityId": identity_id})
        return json.dumps({"IdentityId": identity_id})

    _replace(CognitoIdentityResponse, "get_id", get_id)


def _install_ses_account() -> None:
    import json

    from moto.ses.models import ses_backends
    from moto.sesv2.responses import SESV2Response

    def get_account(self: Any) -> str:
        quota = ses_backends[self.current_account][self.region].get_send_quota()
        return json.dumps({"SendQuota": {"Max24HourSend": quota.max24_hour_send, "MaxSendRate": quota.max_send_rate,
                                         "SentLast24Hours": quota.sent_last24_hours},
                           "SendingEnabled": True, "ProductionAccessEnabled": False, "EnforcementStatus": "HEALTHY"})

    _replace(SESV2Response, "get_account", get_account)
    # Its route, for moto's server (make run): the server's Flask routes read "/v2/.*" literally.
    from moto.sesv2 import urls

    urls.url_paths.setdefault("{0}/v2/email/account$", SESV2Response.dispatch)


SIMULATED = {"bounce@simulator.amazonses.com": "Bounce", "complaint@simulator.amazonses.com": "Complaint"}


def _install_ses_events() -> None:
    import datetime
    import json

    from moto.ses.models import ses_backends
    from moto.sesv2.responses import SESV2Response
    from moto.sns.models import sns_backends

    original = SESV2Response.send_email

    def send_email(self: Any) -> str:
        answer = original(self)
        params = json.loads(self.body)
        ses = ses_backends[self.current_account][self.region]
        destination = ses.config_set_event_destination.get(params.get("ConfigurationSetName") or "") or {}
        topic = (destination.get("SNSDestination") or {}).get("TopicARN")
        if not topic or not destination.get("Enabled", True):
            return answer
        wanted = {t.lower() for t in destination.get("MatchingEventTypes") or []}
        now = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        mail = {"timestamp": now, "messageId": json.loads(answer)["MessageId"], "source": params.get("FromEmailAddress"),
                "destination": params.get("Destination", {}).get("ToAddresses", []),
                "tags": {tag["Name"]: [tag["Value"]] for tag in params.get("EmailTags") or []}}
        topics = sns_backends[self.current_account][self.region]
        if "send" in wanted:  # one per message SES accepted, before it tries to deliver it
            topics.publish(json.dumps({"eventType": "Send", "mail": mail, "send": {}}), arn=topic)
        for address in mail["destination"]:
            kind = SIMULATED.get(address.lower(), "Delivery")
            if kind.lower() not in wanted:
                continue
            detail = {"Delivery": {"delivery": {"timestamp": now, "recipients": [address], "smtpResponse": "250 ok"}},
                      "Bounce": {"bounce": {"bounceType": "Permanent", "bounceSubType": "General", "timestamp": now,
                                            "bouncedRecipients": [{"emailAddress": address}]}},
                      "Complaint": {"complaint": {"timestamp": now, "complaintFeedbackType": "abuse",
                                                  "complainedRecipients": [{"emailAddress": address}]}}}[kind]
            topics.publish(json.dumps({"eventType": kind, "mail": mail, **detail}), arn=topic)
        return answer

    _replace(SESV2Response, "send_email", send_email)


def _install_invitation_resend() -> None:
    from moto.cognitoidp.models import CognitoIdpBackend, UserStatus
    from moto.core.exceptions import JsonRESTError

    original = CognitoIdpBackend.admin_create_user

    def admin_create_user(self: Any, user_pool_id: str, username: str, message_action: str,
                          temporary_password: str, attributes: list[dict[str, str]]) -> Any:
        if message_action != "RESEND":
            return original(self, user_pool_id, username, message_action, temporary_password, attributes)
        user = self.admin_get_user(user_pool_id, username)
        if user.status is not UserStatus.FORCE_CHANGE_PASSWORD:
            raise JsonRESTError("UnsupportedUserStateException", "User status is not FORCE_CHANGE_PASSWORD.")
        if temporary_password:
            user.password = temporary_password
        return user

    _replace(CognitoIdpBackend, "admin_create_user", admin_create_user)


def _origin_jti(jwt: Any, token: str) -> str | None:
    claims = jwt.decode(token, options={"verify_signature": False})
    return claims.get("origin_jti") if isinstance(claims, dict) else None


def _install_partition_query() -> None:
    from moto.dynamodb.models.table import Table

    original_query = Table.query
    original_all_items = Table.all_items
    state = threading.local()

    def all_items(self: Any) -> Any:
        partition = getattr(state, "partition", None)
        if partition is None or partition[0] is not self:
            return original_all_items(self)
        items = self.items.get(partition[1])
        if items is None:
            return []
        return list(items.values()) if self.range_key_attr else [items]

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name or hash_key is None:
            return original_query(self, hash_key, *args, **kwargs)
        state.partition = (self, hash_key)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            state.partition = None

    _replace(Table, "all_items", all_items)
    _replace(Table, "query", query)


def _install_item_level_rollback() -> None:
    import copy

    from moto.dynamodb import models as dynamodb_models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    original = DynamoDBBackend.transact_write_items

    class _TablesAreNotCopied:
        """Stands in for the ``copy`` module inside moto's transaction code."""

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        touched = []
        for entry in transact_items:
            op = next(iter(entry.values()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            key = op.get("Key") or {
                name: op["Item"][name] for name in (table.hash_key_attr, table.range_key_attr)
                if name and name in op.get("Item", {})}
            current = self.get_item(table.name, key)
            touched.append((table.name, key, copy.deepcopy(current.to_json()["Attributes"]) if current else None))
        _replace(dynamodb_models, "copy", _TablesAreNotCopied)
        try:
            return original(self, transact_items)
        except Exception:
            for table_name, key, attributes in touched:
                if attributes is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, attributes)
            raise
        finally:
            _replace(dynamodb_models, "copy", copy)

    _replace(DynamoDBBackend, "transact_write_items", transact_write_items)


def _install_serialized_requests() -> None:
    import functools

    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()  # re-entrant: a transaction calls get_item, put_item... itself
    for name in ("get_item", "put_item", "update_item", "delete_item", "query", "scan", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)

        def serialized(*args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return __original(*args, **kwargs)

        setattr(DynamoDBBackend, name, functools.wraps(original)(serialized))


READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})


def _install_json_reads() -> None:
    import json

    from moto.dynamodb.models.utilities import DynamoJsonEncoder
    from moto.dynamodb.responses import DynamoResult

    original = DynamoResult.execute_result

    def execute_result(self: Any, context: Any) -> Any:
        if context.operation_model.name not in READS:
            return original(self, context)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(self.result, cls=DynamoJsonEncoder)

    _replace(DynamoResult, "execute_result", execute_result)
    _replace(DynamoResult, "moto_execute_result", original)  # moto's own, for the test that compares the two


def _install_ordered_query() -> None:
    import bisect
    import copy

    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    SYMBOLS = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}  # as moto's parser names them
    original_query = Table.query
    original_put = Table.put_item
    original_delete = Table.delete_item
    lock = threading.RLock()
    ordered: dict[int, tuple[dict[Any, Any], list[Any]]] = {}  # id(partition) -> (partition, its sort keys in order)

    def sort_keys(partition: dict[Any, Any]) -> list[Any]:
        with lock:
            cached = ordered.get(id(partition))
            if cached is None or cached[0] is not partition or len(cached[1]) != len(partition):
                cached = (partition, sorted(partition))
                ordered[id(partition)] = cached
            return cached[1]

    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = original_put(self, *args, **kwargs)
        if self.range_key_attr and item is not None:
            with lock:
                partition = self.items.get(item.hash_key)
                cached = ordered.get(id(partition)) if partition is not None else None
                if cached is not None and cached[0] is partition and len(cached[1]) + 1 == len(partition):
                    bisect.insort(cached[1], item.range_key)
        return item

    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        item = original_delete(self, hash_key, range_key)
        if self.range_key_attr and item is not None:
            with lock:
                partition = self.items.get(hash_key)
                cached = ordered.get(id(partition)) if partition is not None else None
                if cached is not None and cached[0] is partition and len(cached[1]) - 1 == len(partition):
                    at = bisect.bisect_left(cached[1], range_key)
                    if at < len(cached[1]) and cached[1][at] == range_key:
                        del cached[1][at]
        return item

    def start_at(keys: list[Any], comparison: str | None, values: list[Any], forward: bool) -> int:
        """Where the matching keys begin, in the direction of the scan."""
        if forward:
            if comparison in ("EQ", "GE", "BEGINS_WITH", "BETWEEN"):
                return bisect.bisect_left(keys, values[0])
            if comparison == "GT":
                return bisect.bisect_right(keys, values[0])
            return 0
        if comparison == "LT":
            return bisect.bisect_left(keys, values[0]) - 1
        if comparison in ("LE", "EQ"):
            return bisect.bisect_right(keys, values[0]) - 1
        if comparison == "BETWEEN":
            return bisect.bisect_right(keys, values[1]) - 1
        return len(keys) - 1

    def query(self: Any, hash_key: Any, range_comparison: Any = None, range_objs: Any = None, limit: Any = None,
              exclusive_start_key: Any = None, scan_index_forward: Any = True, projection_expressions: Any = None,
              index_name: Any = None, consistent_read: bool = False, filter_expression: Any = None,
              hash_key_conditions: Any = None, range_key_conditions: Any = None, **filter_kwargs: Any) -> Any:
        comparison = SYMBOLS.get(range_comparison, range_comparison)
        if (index_name or filter_kwargs or hash_key is None or not self.range_key_attr
                or (range_key_conditions and len(range_key_conditions) > 1)
                or comparison not in (None, "EQ", "LT", "LE", "GT", "GE", "BEGINS_WITH", "BETWEEN")):
            return original_query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                                  scan_index_forward, projection_expressions, index_name=index_name,
                                  consistent_read=consistent_read, filter_expression=filter_expression,
                                  hash_key_conditions=hash_key_conditions,
                                  range_key_conditions=range_key_conditions, **filter_kwargs)
        from moto.dynamodb.models.table import RESULT_SIZE_LIMIT

        partition = self.items.get(hash_key) or {}
        keys = sort_keys(partition) if partition else []
        forward = scan_index_forward is not False
        step = 1 if forward else -1
        at = start_at(keys, comparison, range_objs or [], forward)
        if exclusive_start_key is not None:
            after = DynamoType(exclusive_start_key[self.range_key_attr])
            at = max(at, bisect.bisect_right(keys, after)) if forward else min(at, bisect.bisect_left(keys, after) - 1)
        results: list[Any] = []
        size = 0
        last_evaluated_key = None
        matched = False
        while 0 <= at < len(keys):
            item = partition[keys[at]]
            at += step
            if len(results) == limit or size + item.size() > RESULT_SIZE_LIMIT:
                last_evaluated_key = self._get_last_evaluated_key(results[-1], None)
                break
            if range_comparison and not item.range_key.compare(range_comparison, range_objs):
                if matched:
                    break  # keys are in order: none further matches
                continue
            matched = True
            results.append(item)
            size += item.size()
        scanned = len(results)
        results = copy.deepcopy(results)
        if filter_expression is not None:
            results = [item for item in results if filter_expression.expr(item)]
        if projection_expressions:
            results = [r.project(projection_expressions) for r in results]
        return results, scanned, last_evaluated_key

    _replace(Table, "put_item", put_item)
    _replace(Table, "delete_item", delete_item)
    _replace(Table, "query", query)


def _install_untracked_models() -> None:
    from moto.core.common_models import BaseModel

    def __new__(cls: type[BaseModel], *args: Any, **kwargs: Any) -> Any:
        instance = super(BaseModel, cls).__new__(cls)
        # moto's reset closes S3 objects' buffers from the list; SES's messages are the outbox
        # (`newsroom outbox` reads them from moto's internal API, which lists the tracked models).
        if cls.__module__.startswith(("moto.s3.", "moto.ses.")):
            cls.instances_tracked.append(instance)  # type: ignore[attr-defined]
        return instance

    _replace(BaseModel, "__new__", __new__)


def _install_keep_alive() -> None:
    import io

    from moto.moto_server.werkzeug_app import MotoRequestHandler

    original_environ = MotoRequestHandler.make_environ
    original_run = MotoRequestHandler.run_wsgi
    original_send_header = MotoRequestHandler.send_header

    def make_environ(self: Any) -> Any:
        environ = original_environ(self)
        length = self.headers.get("Content-Length")
        if "chunked" not in self.headers.get("Transfer-Encoding", "").lower() and (
                length is None or length.strip().isdigit()):
            # The whole body, read now: the next request on the connection starts where it ends.
            environ["wsgi.input"] = io.BytesIO(self.rfile.read(int(length)) if length else b"")
            # Werkzeug, after the response, reads whatever else the socket holds (it expects to
            # close it): the next request, here. It reads an empty stream instead.
            self.socket_rfile, self.rfile = self.rfile, io.BytesIO()
        return environ

    def run_wsgi(self: Any) -> None:
        self.socket_rfile = None
        try:
            original_run(self)
        finally:
            if self.socket_rfile is not None:
                self.rfile = self.socket_rfile

    def send_header(self: Any, keyword: str, value: str) -> None:
        if (keyword.lower() == "connection" and value.lower() == "close"
                and getattr(self, "socket_rfile", None) is not None):
            return  # Werkzeug's unconditional close: the body was read, so the connection stays open
        original_send_header(self, keyword, value)

    _replace(MotoRequestHandler, "make_environ", make_environ)
    _replace(MotoRequestHandler, "run_wsgi", run_wsgi)
    # The server writes a response's head and body separately: on a connection kept open, Nagle's
    # algorithm would hold the body until the client's delayed ACK (40 ms a request).
    MotoRequestHandler.disable_nagle_algorithm = True
    _replace(MotoRequestHandler, "send_header", send_header)
