"""The desk's sign-in in the local stand-in: a Cognito user pool with one account per role.

On AWS the stack creates the user pool, its groups and the identity pool (``infra/template.yaml``)
and admins add people. moto's CloudFormation has no Cognito, so locally this module makes the same
pool through the API: groups ``contributor``, ``editor`` and ``admin``, an app client that signs in
with a password, an identity pool, and one account per group, whose password is set for good, so
``make run``'s accounts sign in at once with no forced password change.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

ROLES = ("contributor", "editor", "admin")
DOMAIN = "desk.example.com"  # where the local accounts' addresses are: no mail is ever sent


@dataclass(frozen=True)
class DeskPool:
    """What the desk needs to know of its pool, and the local accounts."""

    user_pool_id: str
    client_id: str
    identity_pool_id: str
    accounts: tuple[tuple[str, str, str], ...]  # (role, email, password)

    def environment(self) -> dict[str, str]:
        """The settings that point the desk at this pool (chalicelib/config.py)."""
        return {"NEWSROOM_USER_POOL_ID": self.user_pool_id, "NEWSROOM_USER_POOL_CLIENT_ID": self.client_id,
                "NEWSROOM_IDENTITY_POOL_ID": self.identity_pool_id}


def create_desk_pool(session: Any, stage: str = "dev", endpoint_url: str | None = None) -> DeskPool:
    """The pool, its groups and client, an identity pool, and an account per role (new passwords each time)."""
    cognito = session.client("cognito-idp", endpoint_url=endpoint_url)
    pool = cognito.create_user_pool(
        PoolName=f"newsroom-{stage}-desk", UsernameAttributes=["email"], AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireUppercase": True, "RequireLowercase": True,
                                     "RequireNumbers": True, "RequireSymbols": False}},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]})["UserPool"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="desk", GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], EnableTokenRevocation=True,
        ReadAttributes=["email", "name"], WriteAttributes=["locale"])["UserPoolClient"]  # as the template's
    identity = session.client("cognito-identity", endpoint_url=endpoint_url)
    identity_pool = identity.create_identity_pool(
        IdentityPoolName=f"newsroom_{stage}_desk", AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[{"ProviderName": f"cognito-idp.{session.region_name}.amazonaws.com/{pool['Id']}",
                                   "ClientId": client["ClientId"]}])
    accounts = []
    for role in ROLES:
        cognito.create_group(UserPoolId=pool["Id"], GroupName=role, Description=f"The desk's {role}s")
        email = f"{role}@{DOMAIN}"
        password = "Desk-" + secrets.token_urlsafe(12) + "9a"
        cognito.admin_create_user(UserPoolId=pool["Id"], Username=email, MessageAction="SUPPRESS", UserAttributes=[
            {"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": f"Local {role.capitalize()}"}])
        cognito.admin_set_user_password(UserPoolId=pool["Id"], Username=email, Password=password, Permanent=True)
        cognito.admin_add_user_to_group(UserPoolId=pool["Id"], Username=email, GroupName=role)
        accounts.append((role, email, password))
    return DeskPool(pool["Id"], client["ClientId"], identity_pool["IdentityPoolId"], tuple(accounts))
