"""The People screen's rights (issue 45): the pool's admin actions belong to the desk's admin role alone,
on this stage's pool alone, exactly those the screen calls; every call it makes goes with the signed-in
admin's credentials, never the web function's; what the web function writes for it is inside its keys."""

from __future__ import annotations

import json
import re
from typing import Any

import botocore.client
import pytest
from moto.iam.access_control import IAMPolicy, PermissionResult

from chalicelib.desk import people
from devstack.stack import load_template
from tests.deploy.test_policies import allows, authorizations, policy
from tests.deploy.test_roles import document
from tests.functional.conftest import desk  # noqa: F401 - the desk's fixture

POOL = "arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_ThisPool"
OTHER_POOL = "arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_OtherPool"


def _people_policy() -> dict[str, Any]:
    role = load_template()["Resources"]["DeskAdminRole"]["Properties"]
    [inline] = role["Policies"]
    statement = dict(inline["PolicyDocument"]["Statement"][0])
    assert statement["Resource"] == {"Fn::GetAtt": ["DeskUserPool", "Arn"]}  # this stage's pool, nothing wider
    statement["Resource"] = POOL
    return {"Version": "2012-10-17", "Statement": [statement]}


def _permitted(document_: dict[str, Any], action: str, resource: str) -> bool:
    return IAMPolicy(json.dumps(document_)).is_action_permitted(action, resource) == PermissionResult.PERMITTED


def test_the_admin_role_may_do_exactly_what_the_people_screen_does_on_this_pool_only():
    granted = _people_policy()["Statement"][0]["Action"]
    assert sorted(granted) == sorted(f"cognito-idp:{a}" for a in people.POOL_ACTIONS)
    for action in people.POOL_ACTIONS:
        assert _permitted(_people_policy(), f"cognito-idp:{action}", POOL)
        assert not _permitted(_people_policy(), f"cognito-idp:{action}", OTHER_POOL)
    for never in ("cognito-idp:AdminSetUserPassword", "cognito-idp:DeleteUserPool", "cognito-idp:UpdateUserPool",
                  "cognito-idp:AdminInitiateAuth", "cognito-idp:CreateGroup"):
        assert not _permitted(_people_policy(), never, POOL), never


@pytest.mark.parametrize("role", ["Contributor", "Editor", "Admin"])
def test_no_managed_role_policy_and_no_function_policy_touches_the_pool(role):
    for statement in document(role)["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any(a.startswith("cognito-idp:") for a in actions), (role, actions)
    for stage in ("dev", "prod"):
        for function in ("web", "ingest", "images", "imports"):
            assert "cognito-idp" not in json.dumps(policy(stage, function)), (stage, function)


def test_every_pool_call_of_the_people_screen_is_the_admins_and_each_write_is_allowed(desk, monkeypatch):  # noqa: F811
    from tests.functional.test_desk import sign_in
    from tests.functional.test_desk_people import _change, _username

    calls: list[tuple[str, str]] = []  # (operation, access key it was signed with)
    writes: list[tuple[str, str, tuple[str, ...]]] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation, params):  # type: ignore[no-untyped-def]
        service = self.meta.service_model.service_name
        if service == "cognito-idp" and operation.startswith(("Admin", "List")):
            calls.append((operation, self._request_signer._credentials.access_key))
        if service == "dynamodb" and operation == "PutItem":
            writes.extend((*w, self._request_signer._credentials.access_key)
                          for w in authorizations(service, operation, params))  # type: ignore[misc]
        return original(self, operation, params)

    editor = _username(desk, "editor@desk.example.com")  # the test's own look-up, before recording
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    jar, token, _ = sign_in(desk, "admin")
    for fields in ({"action": "invite", "email": "new@example.com", "role": "editor"},
                   {"action": "resend", "user": "new@example.com"},
                   {"action": "role", "user": editor, "role": "contributor"}, {"action": "disable", "user": editor},
                   {"action": "enable", "user": editor}, {"action": "remove", "user": editor, "confirm": "yes"}):
        if fields.get("user") == "new@example.com":  # the account the screen shows with that address
            screen = desk.client.http.get("/desk/people", headers={"Cookie": jar}).body.decode()
            fields["user"] = re.search(r'<dd>new@example.com</dd>.*?name="user" value="([^"]+)"', screen, re.S).group(1)
        assert _change(desk, jar, token, **fields).status_code == 303  # as the screen's form sends it
    assert desk.client.http.get("/desk/people", headers={"Cookie": jar}).status_code == 200
    own_key = botocore.session.get_session().get_credentials().access_key
    screen_calls = [(op, key) for op, key in calls if key != own_key]
    assert {op for op, _ in screen_calls} == set(people.POOL_ACTIONS)  # all of them, and no other
    assert [op for op, key in calls if key == own_key] == []  # none with the web function's role
    web = policy("dev", "web")
    for action, arn, keys, key in writes:  # type: ignore[misc]
        if key == own_key:  # the web function's: sign-in's counters, ended sessions, the last sign-in, profiles
            assert (keys[0].startswith(("session#", "ratelimit#")) or keys == ("people",)) \
                and allows(web, action, arn, keys), keys
        else:  # the admin's: the change log
            assert keys == ("people-log",)
