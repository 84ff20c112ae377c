"""A signed-in person cannot change their own account's name or e-mail behind the desk's back (finding 7 of
docs/security/attack-2026-12-07.md).

Their access token is theirs (it comes with every sign-in, and ``USER_PASSWORD_AUTH`` can be called without
the desk), and with it Cognito's ``UpdateUserAttributes`` writes whatever the app client's
``WriteAttributes`` allows. Cognito's documented rule (UserPoolClientType, WriteAttributes): "When you don't
specify the WriteAttributes for your app client, your app can write the values of the Standard attributes
of your user pool"; an empty list counts as not specified (CloudFormation and Terraform send none:
hashicorp/terraform-provider-aws#28684). ``AdminCreateUser`` and the other admin calls are IAM-authorized
and not limited by these lists. moto records ``ReadAttributes`` and ``WriteAttributes`` but enforces
neither (its ``update_user_attributes`` writes any attribute), so this test judges the template's client
by Cognito's rule, and checks that the desk itself never writes an attribute with a person's tokens.
"""

from __future__ import annotations

from typing import Any

import botocore.client

from devstack.stack import load_template
from tests.functional.conftest import desk  # noqa: F401 - the desk's fixture

# Cognito's standard attributes (OpenID Connect's), all an app client may write when it names none.
STANDARD = {"address", "birthdate", "email", "family_name", "gender", "given_name", "locale", "middle_name", "name",
            "nickname", "phone_number", "picture", "preferred_username", "profile", "updated_at", "website",
            "zoneinfo"}
DESK_READS = {"email", "name"}  # from the ID token: desk/identity.py (claims "email", "name"; "sub" is always there)


def app_client() -> dict[str, Any]:
    properties: dict[str, Any] = load_template()["Resources"]["DeskUserPoolClient"]["Properties"]
    return properties


def writable(client: dict[str, Any]) -> set[str]:
    """What a person's access token may write of their own account through this app client (Cognito's rule)."""
    return set(client.get("WriteAttributes") or STANDARD)


def test_the_judge_reads_no_write_attributes_and_an_empty_list_as_every_standard_attribute():
    assert "email" in writable({"ReadAttributes": ["email", "name"]})  # the template before the fix
    assert "email" in writable({"WriteAttributes": []})
    assert writable({"WriteAttributes": ["locale"]}) == {"locale"}


def test_a_signed_in_person_may_write_nothing_of_their_account_the_desk_reads():
    client = app_client()
    assert client["WriteAttributes"], "an empty list lets a person write every standard attribute"
    assert writable(client) <= STANDARD  # nothing Cognito would refuse at deploy
    assert writable(client).isdisjoint(DESK_READS | {"email_verified", "phone_number", "preferred_username"})
    assert set(client["ReadAttributes"]) == DESK_READS  # the ID token carries what the desk reads, nothing more


def test_the_local_pool_is_made_as_the_template_says(desk):  # noqa: F811
    import boto3

    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    made = cognito.describe_user_pool_client(UserPoolId=desk.pool.user_pool_id,
                                             ClientId=desk.pool.client_id)["UserPoolClient"]
    template = app_client()
    assert (sorted(made["ReadAttributes"]), sorted(made["WriteAttributes"])) == (
        sorted(template["ReadAttributes"]), sorted(template["WriteAttributes"]))


def test_the_desk_writes_no_attribute_with_a_persons_tokens(desk, monkeypatch):  # noqa: F811
    """Signing in, the profile (the byline is the desk's own item and author file) and signing out make no
    attribute write a person's token would need: the desk loses nothing by WriteAttributes."""
    import re

    from tests.functional.test_desk import form, sign_in
    from tests.functional.test_desk_people import _profile_form

    calls: list[tuple[str, dict[str, Any]]] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        if self.meta.service_model.service_name == "cognito-idp":
            calls.append((operation_name, api_params))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    for role in ("contributor", "editor", "admin"):
        jar, _, _ = sign_in(desk, role)
        token, version = _profile_form(desk, jar)
        saved = form(desk.client, "/desk/profile", {"csrf": token, "version": version, "name": f"New {role}"},
                     headers={"Cookie": jar})
        assert saved.status_code in (200, 303), saved.body
        page = desk.client.http.get("/desk/articles", headers={"Cookie": jar}).body.decode()
        csrf = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]
        form(desk.client, "/desk/sign-out", {"csrf": csrf}, headers={"Cookie": jar})
    operations = {operation for operation, _ in calls}
    assert "InitiateAuth" in operations  # the scenario reached the pool
    assert not operations & {"UpdateUserAttributes", "VerifyUserAttribute", "DeleteUserAttributes"}, operations
    assert not [p for o, p in calls if o == "RespondToAuthChallenge"
                and any(k.startswith("userAttributes.") for k in p.get("ChallengeResponses", {}))]
