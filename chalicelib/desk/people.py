"""The People screen (admins): the desk's users from the Cognito user pool, with their role, state and
last sign-in; invite a colleague, change a role, disable, enable and remove; every change recorded.
And, for anyone, "Forgot password" through the pool's own flow.

- Every call to the pool is made with the signed-in admin's own role (the identity pool's credentials
  for the ``admin`` group, ``session.credentials_of``): ``infra/template.yaml``'s admin policy allows
  exactly the actions used here (``POOL_ACTIONS``) on this stage's pool, and nothing else; the web
  function's role has none. An editor or contributor gets 403 from ``http.needs`` before anything is
  read, and their role could not make the calls anyway.
- A person's role is their group (``identity.ROLES``). A change of role adds the new group before it
  removes the old ones (never in none), then ends their sessions: their ID token still names the old
  group until they sign in again, and a demoted admin must not keep an admin's session.
- Disable is Cognito's AdminDisableUser (the pool refuses their password and refresh tokens) and
  ``session.end_sessions`` (the desk refuses their open sessions at once: a signed ID token stays
  valid to its signature check until it expires). Remove deletes the account and ends its sessions.
- The last enabled admin cannot be disabled, removed or made anything else: the desk would have
  nobody left to manage it.
- Each change is one ``PeopleChange`` item (who, when, what, whom), written with the admin's role
  after the pool has made the change, and listed on the screen, newest first.
- A password set with a reset code ends the account's other sessions (``_end_old_sessions``), as a
  disable does: whoever had the old password is signed out.
- Invitations and reset codes go by e-mail from Cognito on AWS; the desk never sees or shows them.
  On this machine's stand-in nothing is mailed, so they are printed where ``make run`` prints its
  accounts (``deliver_locally``): never on a page, and never on AWS.
- "Last sign-in": Cognito keeps no such date without its advanced security features (off, as
  ``infra/template.yaml`` says), so the web function records one ``SignedIn`` item per person at each
  sign-in (``record_sign_in``), under the same ``session#<sub>`` key its role may already write.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from chalice.app import Response

from chalicelib import aws, config, keys
from chalicelib.desk import http, identity, session, zones
from chalicelib.desk.identity import ROLES, Identity
from chalicelib.models import PeopleChange, SignedIn, get_each
from chalicelib.ratelimit import Limited, SlidingWindow
from chalicelib.site import comment_rules, web

log = logging.getLogger("newsroom.desk")
POOL_ACTIONS = ("ListUsers", "ListUsersInGroup", "AdminGetUser", "AdminListGroupsForUser", "AdminCreateUser",
                "AdminAddUserToGroup", "AdminRemoveUserFromGroup", "AdminDisableUser", "AdminEnableUser",
                "AdminDeleteUser")  # what the admin policy allows on the pool (tests/deploy/test_roles.py)
MAX_PEOPLE = 1000  # accounts one People screen lists (ListUsers gives 60 a page)
CHANGES_SHOWN = 50
SCREEN = "/desk/people"
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}$")
USERNAME = re.compile(r"^[\w+=,.@-]{1,128}$")  # Cognito's own pattern for a user name
ACTIONS = ("invite", "resend", "role", "disable", "enable", "remove")
# "Forgot password": a reader may ask for this many codes, and an address be sent this many, in a window.
RESET_REQUESTS = SlidingWindow(5, 15 * 60)
RESET_PER_ACCOUNT = SlidingWindow(3, 60 * 60)
RESET_SENT = ("If an account has this address, a code to choose a new password is on its way to it. "
              "Enter the code below with your new password.")


class Refused(Exception):
    """A change the People screen does not make; the message says why, and nothing was changed."""


@dataclass(frozen=True)
class Person:
    """An account of the pool, as the People screen shows it."""

    username: str  # Cognito's user name (with e-mail sign-in: an id of its own)
    sub: str
    email: str
    name: str
    role: str  # "contributor", "editor", "admin", or "" (in none of the desk's groups)
    enabled: bool
    status: str  # Cognito's: CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED...
    last_sign_in: str = ""  # ISO 8601 UTC (shown in the admin's zone), or "" if the desk has not seen one

    @property
    def state(self) -> str:
        if not self.enabled:
            return "disabled"
        return "invited" if self.status == "FORCE_CHANGE_PASSWORD" else "enabled"

    @property
    def label(self) -> str:
        return self.name if self.name and self.name != self.email else self.email


# --- the pool, as the signed-in admin ------------------------------------------------------------

def pool_as(token: str) -> Any:
    """The user pool client with this session's role (the admin's): the web function's role has no right here."""
    credentials = session.credentials_of(token)
    return aws.cognito_client() if credentials is None else aws.cognito_client_as(credentials)


def _attributes(raw: list[dict[str, str]]) -> dict[str, str]:
    return {a["Name"]: a.get("Value", "") for a in raw or []}


def _person(user: dict[str, Any], role: str) -> Person:
    attributes = _attributes(user.get("Attributes") or user.get("UserAttributes") or [])
    email = attributes.get("email", "")
    return Person(username=str(user["Username"]), sub=attributes.get("sub", str(user["Username"])), email=email,
                  name=attributes.get("name", ""), role=role, enabled=bool(user.get("Enabled", True)),
                  status=str(user.get("UserStatus", "")))


def _roles(pool: Any) -> dict[str, str]:
    """Each user name's highest desk group (three paged listings, one a group)."""
    found: dict[str, str] = {}
    pool_id = config.current().user_pool_id
    for role in ROLES:  # lowest first: a higher group overwrites
        for page in pool.get_paginator("list_users_in_group").paginate(UserPoolId=pool_id, GroupName=role):
            for user in page.get("Users", []):
                found[str(user["Username"])] = role
    return found


def everyone(pool: Any) -> tuple[list[Person], bool]:
    """The pool's accounts, admins first then by name, each with its role and last sign-in; and whether
    there were more than ``MAX_PEOPLE`` (the rest are not listed)."""
    roles = _roles(pool)
    users: list[dict[str, Any]] = []
    more = False
    for page in pool.get_paginator("list_users").paginate(UserPoolId=config.current().user_pool_id,
                                                          PaginationConfig={"PageSize": 60}):
        users.extend(page.get("Users", []))
        if len(users) > MAX_PEOPLE:
            users, more = users[:MAX_PEOPLE], True
            break
    people = [_person(user, roles.get(str(user["Username"]), "")) for user in users]
    seen = get_each({keys.signed_in(p.sub): SignedIn for p in people}) if people else {}
    people = [Person(**{**p.__dict__, "last_sign_in": _when(seen[keys.signed_in(p.sub)].at)})
              if keys.signed_in(p.sub) in seen else p for p in people]
    order = {role: n for n, role in enumerate(reversed(ROLES))}
    return sorted(people, key=lambda p: (order.get(p.role, len(ROLES)), p.label.lower())), more


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(float(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def one(pool: Any, username: str) -> Person:
    """One account, by its user name. :raise Refused: no such account."""
    if not USERNAME.match(username):
        raise Refused("No such account.")
    pool_id = config.current().user_pool_id
    try:
        user = pool.admin_get_user(UserPoolId=pool_id, Username=username)
    except pool.exceptions.UserNotFoundException:
        raise Refused("No such account: someone may have removed it meanwhile.") from None
    groups = {g["GroupName"] for g in pool.admin_list_groups_for_user(UserPoolId=pool_id, Username=username)
              .get("Groups", [])}
    role = next((r for r in reversed(ROLES) if r in groups), "")
    return _person(user, role)


def _other_admins(pool: Any, username: str) -> int:
    """How many enabled admins there are besides ``username``."""
    count = 0
    for page in pool.get_paginator("list_users_in_group").paginate(UserPoolId=config.current().user_pool_id,
                                                                   GroupName="admin"):
        count += sum(1 for u in page.get("Users", []) if u["Username"] != username and u.get("Enabled", True))
    return count


def _keep_an_admin(pool: Any, person: Person, doing: str) -> None:
    if person.role == "admin" and person.enabled and _other_admins(pool, person.username) == 0:
        raise Refused(f"{person.label} is the only admin left, so they cannot be {doing}: make someone else an "
                      "admin first. The desk always keeps one admin.")


def _not_yourself(by: Identity, person: Person, doing: str) -> None:
    """An admin does not change their own account here (as WordPress's Users screen): another admin does,
    so nobody locks themselves out by a slip."""
    if person.sub == by.sub:
        raise Refused(f"You cannot {doing} your own account: ask another admin.")


def _still_an_admin(pool: Any, person: Person, undo: Any) -> None:
    """After a change that took an admin away: if two admins took each other away at the same moment
    (each saw the other still there), none would be left; then this change is undone and refused."""
    if person.role == "admin" and person.enabled and _other_admins(pool, "") == 0:
        undo()
        raise Refused(f"{person.label} was the last admin left (another change took the others away at the same "
                      "moment), so nothing was changed. Make someone else an admin first.")


# --- the changes ---------------------------------------------------------------------------------

def invite(pool: Any, email: str, name: str, role: str) -> Person:
    """Create the account (Cognito mails the temporary password; locally it is printed) in ``role``'s group."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise Refused(f"E-mail address: {email or 'nothing'} is not an e-mail address (name@example.com).")
    if role not in ROLES:
        raise Refused("Role: choose contributor, editor or admin.")
    name = " ".join(name.split())[:200]
    pool_id = config.current().user_pool_id
    attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
    if name:
        attributes.append({"Name": "name", "Value": name})
    local = stand_in()
    temporary = "Invite-" + secrets.token_urlsafe(12) + "7a" if local else ""
    options: dict[str, Any] = ({"TemporaryPassword": temporary, "MessageAction": "SUPPRESS"} if local
                               else {"DesiredDeliveryMediums": ["EMAIL"]})
    try:
        user = pool.admin_create_user(UserPoolId=pool_id, Username=email, UserAttributes=attributes,
                                      **options)["User"]
    except pool.exceptions.UsernameExistsException:
        raise Refused(f"{email} already has an account: it is in the list below.") from None
    except pool.exceptions.InvalidParameterException as exc:
        raise Refused(f"E-mail address: {exc.response['Error'].get('Message', 'refused by the user pool')}") from None
    pool.admin_add_user_to_group(UserPoolId=pool_id, Username=user["Username"], GroupName=role)
    if local:
        deliver_locally("desk invitation", email, temporary)
    return _person(user, role)


def resend(pool: Any, person: Person) -> None:
    """Send the invitation again, with a new temporary password (the first lasts 7 days)."""
    if person.state != "invited":
        raise Refused(f"{person.label} has already chosen a password: they can use Forgot your password? "
                      "on the sign-in page.")
    local = stand_in()
    temporary = "Invite-" + secrets.token_urlsafe(12) + "7a" if local else ""
    options: dict[str, Any] = {"TemporaryPassword": temporary} if local else {"DesiredDeliveryMediums": ["EMAIL"]}
    try:
        pool.admin_create_user(UserPoolId=config.current().user_pool_id, Username=person.username,
                               MessageAction="RESEND", **options)
    except pool.exceptions.UnsupportedUserStateException:
        raise Refused(f"{person.label} has already chosen a password meanwhile.") from None
    if local:
        deliver_locally("desk invitation", person.email, temporary)


def change_role(pool: Any, by: Identity, person: Person, role: str) -> None:
    if role not in ROLES:
        raise Refused("Role: choose contributor, editor or admin.")
    if role == person.role:
        raise Refused(f"{person.label} is already {_a(role)}.")
    if person.role == "admin":
        _keep_an_admin(pool, person, f"made {_a(role)}")
    _not_yourself(by, person, "change the role of")
    pool_id = config.current().user_pool_id
    pool.admin_add_user_to_group(UserPoolId=pool_id, Username=person.username, GroupName=role)
    for other in ROLES:
        if other != role:
            pool.admin_remove_user_from_group(UserPoolId=pool_id, Username=person.username, GroupName=other)
    _still_an_admin(pool, person, lambda: pool.admin_add_user_to_group(
        UserPoolId=pool_id, Username=person.username, GroupName="admin"))
    session.end_sessions(person.sub)  # their token names the old group: they sign in again to get the new one


def disable(pool: Any, by: Identity, person: Person) -> None:
    if not person.enabled:
        raise Refused(f"{person.label} is already disabled.")
    _keep_an_admin(pool, person, "disabled")
    _not_yourself(by, person, "disable")
    pool_id = config.current().user_pool_id
    pool.admin_disable_user(UserPoolId=pool_id, Username=person.username)
    _still_an_admin(pool, person, lambda: pool.admin_enable_user(UserPoolId=pool_id, Username=person.username))
    session.end_sessions(person.sub)


def enable(pool: Any, person: Person) -> None:
    if person.enabled:
        raise Refused(f"{person.label} is already enabled.")
    pool.admin_enable_user(UserPoolId=config.current().user_pool_id, Username=person.username)


def remove(pool: Any, by: Identity, person: Person) -> None:
    _keep_an_admin(pool, person, "removed")
    _not_yourself(by, person, "remove")
    pool.admin_delete_user(UserPoolId=config.current().user_pool_id, Username=person.username)
    session.end_sessions(person.sub)


def _a(role: str) -> str:
    return f"an {role}" if role[:1] in "aeiou" else f"a {role}"


def record(token: str, who: Identity, whom: str, what: str) -> None:
    """One change, kept: who made it, when, to whose account, what (written with the admin's role)."""
    now = time.time()
    sk = f"{datetime.fromtimestamp(now, timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{secrets.token_hex(3)}"
    with session.acting_as(token):
        PeopleChange(keys.PEOPLE_LOG_PK, sk, who=who.email, whom=whom, what=what).save(
            condition=PeopleChange.pk.does_not_exist())


def changes(zone: ZoneInfo, limit: int = CHANGES_SHOWN) -> list[dict[str, str]]:
    """The latest changes, newest first, their times in ``zone`` (the admin's)."""
    found = PeopleChange.query(keys.PEOPLE_LOG_PK, scan_index_forward=False, limit=limit)
    return [{"when": zones.shown(item.sk.split("#")[0], zone, with_zone=True), "who": item.who, "whom": item.whom,
             "what": item.what} for item in found]


def _shown(request: Any, who: Identity, token: str, pool: Any, **context: Any) -> Response:
    """The People screen: everyone, their last sign-in and the changes in the admin's own zone."""
    zone = zones.zone_of(request)
    found, more = everyone(pool)
    people = [dataclasses.replace(p, last_sign_in=zones.shown(p.last_sign_in, zone, with_zone=True))
              if p.last_sign_in else p for p in found]
    return http.screen("people.html", who, token, people=people, more=more, roles=ROLES, changes=changes(zone),
                       local=stand_in(), **{"done": "", "failed": "", "confirming": None, **context})


def stand_in() -> bool:
    """Whether the pool is this machine's stand-in (moto), which mails nothing."""
    return config.current().local_stand_in


def deliver_locally(kind: str, email: str, secret: str) -> None:
    """What Cognito would e-mail, shown where ``make run`` prints its accounts (its terminal): on this
    machine's stand-in only, where no mail is sent. Never on AWS, never on a page."""
    if not stand_in():
        return
    print(f"{kind}: {email} {secret}", flush=True)


def record_sign_in(id_token: str) -> None:
    """Note that this person signed in now (the People screen's "Last sign-in"); a failure is logged,
    and the sign-in goes on."""
    try:
        who = identity.verify(id_token)
        SignedIn(*keys.signed_in(who.sub), at=int(time.time())).save()
        from chalicelib.desk import profile

        profile.ensure(who)  # the Author picker lists them from now on
    except Exception as exc:  # noqa: BLE001 - a date on a list is not worth refusing a sign-in for
        log.warning(json.dumps({"event": "desk_sign_in_not_recorded", "error": f"{type(exc).__name__}"}))


# --- the screen ----------------------------------------------------------------------------------

@http.guarded
@http.signed_in
@http.needs("admin")
def screen(request: Any, who: Identity, token: str) -> Response:
    """Everyone in the pool, the invitation form, and the latest changes."""
    query = request.query_params or {}
    return _shown(request, who, token, pool_as(token), done=query.get("done", ""), failed=query.get("failed", ""))


@http.guarded
@http.signed_in
@http.needs("admin")
@http.writes
def change(request: Any, who: Identity, token: str) -> Response:
    """One change from the screen: ``action`` (``ACTIONS``) on the account ``user``, or an invitation."""
    sent = http.form(request)
    action = sent.get("action", "")
    if action not in ACTIONS:
        return http.back(SCREEN, failed="That is not something the People screen does.")
    pool = pool_as(token)
    try:
        if action == "invite":
            person = invite(pool, sent.get("email", ""), sent.get("name", ""), sent.get("role", ""))
            what = f"invited as {_a(person.role)}"
            done = (f"Invited {person.email} as {_a(person.role)}. "
                    + ("Nothing is mailed on this machine: make run's terminal shows their temporary password"
                       if stand_in() else "Cognito e-mails them a temporary password")
                    + "; at their first sign-in they choose their own.")
        else:
            person = one(pool, sent.get("user", ""))
            if action == "resend":
                resend(pool, person)
                what = "sent the invitation again"
                done = f"Sent {person.email} a new invitation, with a new temporary password."
            elif action == "role":
                role = sent.get("role", "")
                change_role(pool, who, person, role)
                what = f"made {_a(role)} (was {_a(person.role) if person.role else 'in no group'})"
                done = f"{person.label} is now {_a(role)}. They sign in again to use it."
            elif action == "disable":
                disable(pool, who, person)
                what, done = "disabled", f"Disabled {person.label}: their open sessions have ended."
            elif action == "enable":
                enable(pool, person)
                what, done = "enabled", f"Enabled {person.label}: they can sign in again."
            else:
                if sent.get("confirm") != "yes":
                    _keep_an_admin(pool, person, "removed")
                    _not_yourself(who, person, "remove")
                    return _shown(request, who, token, pool, confirming=person)
                remove(pool, who, person)
                what, done = "removed", f"Removed {person.label}'s account."
    except Refused as refusal:
        return http.back(SCREEN, failed=str(refusal))
    record(token, who, person.email, what)
    return http.back(SCREEN, done=done)


# --- forgot password -----------------------------------------------------------------------------

def _reader(request: Any, counted: str = "reset-reader") -> str:
    """The reader's key for one of their limits (``counted``: "reset-reader", requests for a code;
    "reset-guesses", wrong codes): two limits, two counters."""
    site = web.site_of(request)
    source_ip = ((request.context or {}).get("identity") or {}).get("sourceIp")
    return session.limited_key(counted, comment_rules.client_of(site.headers, source_ip,
                                                                web.through_our_cdn(site.headers)))


@http.guarded
def forgot_password(request: Any) -> Response:
    """GET: the form. POST ``email``: ask the pool to send a code (the same answer whether or not the
    address has an account); POST ``code`` and the new password: set it. Both are limited per reader,
    and a code's guesses are slowed as a password's are (``session.SIGN_IN_BACKOFF``)."""
    if not identity.configured():
        return http.page("message.html", 404, heading="The desk is not set up on this stage",
                         message="This stage has no user pool (docs/deploy.md).")
    if request.method != "POST":
        return http.page("forgot_password.html", stage="ask")
    try:
        session.check_origin(request.headers or {}, web.site_of(request).origin)
    except session.CrossSite as refusal:
        return http.page("message.html", 403, heading="Refused", message=str(refusal))
    sent = http.form(request)
    email = sent.get("email", "").strip().lower()
    if not EMAIL.match(email):
        return http.page("forgot_password.html", 400, stage="ask", email=email,
                         error="E-mail address: enter the address you sign in with (name@example.com).")
    if "code" in sent:
        return _set_password(request, email, sent)
    try:
        RESET_REQUESTS.take(_reader(request))
        RESET_PER_ACCOUNT.take(session.limited_key("reset-account", email))
    except Limited as limited:
        return http.page("forgot_password.html", 429, stage="ask", email=email, headers={
            "Retry-After": str(limited.retry_after)}, error=_wait(limited, "Too many requests for a code"))
    cognito = aws.cognito_client()
    try:
        answer = cognito.forgot_password(ClientId=config.current().user_pool_client_id, Username=email)
        code = (answer.get("ResponseMetadata") or {}).get("HTTPHeaders", {}).get(
            "x-moto-forgot-password-confirmation-code", "")
        if code:  # moto's stand-in says the code it would have mailed (AWS never does)
            deliver_locally("desk password code", email, code)
    except (cognito.exceptions.UserNotFoundException, cognito.exceptions.NotAuthorizedException,
            cognito.exceptions.InvalidParameterException, cognito.exceptions.LimitExceededException,
            cognito.exceptions.CodeDeliveryFailureException) as exc:
        log.info(json.dumps({"event": "desk_reset_not_sent", "error": exc.response["Error"].get("Code", "")}))
    return http.page("forgot_password.html", stage="code", email=email, notice=RESET_SENT)


def _set_password(request: Any, email: str, sent: dict[str, str]) -> Response:
    def again(status: int, error: str, **extra: Any) -> Response:
        return http.page("forgot_password.html", status, stage="code", email=email, error=error, **extra)

    account = session.limited_key("account", email)  # the sign-in's own back-off: a code is a password
    try:
        session.ADDRESS_LIMIT.check(_reader(request, "reset-guesses"))
        session.SIGN_IN_BACKOFF.attempt(account)
    except Limited as limited:
        return again(429, _wait(limited, "Too many wrong codes"), headers={"Retry-After": str(limited.retry_after)})
    if sent.get("new_password", "") != sent.get("confirm_password", ""):
        return again(400, "The two passwords are not the same.")
    cognito = aws.cognito_client()
    try:
        cognito.confirm_forgot_password(ClientId=config.current().user_pool_client_id, Username=email,
                                        ConfirmationCode=sent.get("code", "").strip(),
                                        Password=sent.get("new_password", ""))
    except cognito.exceptions.InvalidPasswordException as exc:
        return again(400, f"That password cannot be used: {exc.response['Error'].get('Message', '')}")
    except (cognito.exceptions.CodeMismatchException, cognito.exceptions.ExpiredCodeException,
            cognito.exceptions.UserNotFoundException, cognito.exceptions.NotAuthorizedException,
            cognito.exceptions.LimitExceededException, cognito.exceptions.TooManyFailedAttemptsException,
            cognito.exceptions.InvalidParameterException, cognito.exceptions.ResourceNotFoundException):
        try:
            session.ADDRESS_LIMIT.take(_reader(request, "reset-guesses"))
        except Limited:
            pass
        return again(400, "That code is not right, or it has expired. Check it, or ask for a new one.")
    session.SIGN_IN_BACKOFF.succeeded(account)
    _end_old_sessions(email, sent.get("new_password", ""))
    return http.page("sign_in.html", email=email, notice="Your new password is set. Sign in with it.")


def _end_old_sessions(email: str, password: str) -> None:
    """A new password ends every session the old one opened, here and at the pool (their refresh
    tokens): whoever else had the old password is signed out, as when an admin disables someone. The
    pool does not say whose account the code was for, so the desk signs in once with the new password
    to learn who (the ``sub``), and signs that session out at once. A failure is logged; the new
    password stands either way."""
    try:
        tokens = identity.sign_in(email, password)
        if not isinstance(tokens, identity.Tokens):
            return
        who = identity.verify(tokens.id_token)
        session.end_sessions(who.sub)  # every session begun up to this second (auth_time is whole seconds)
        identity.sign_out_everywhere(tokens.access_token)
        time.sleep(1.05 - time.time() % 1)  # answer in the next second: a sign-in with the new password is not ended
    except Exception as exc:  # noqa: BLE001 - the password is set; say so, and log what did not follow
        log.warning(json.dumps({"event": "desk_reset_sessions_not_ended", "error": type(exc).__name__}))


def _wait(limited: Limited, what: str) -> str:
    minutes = max(1, (limited.retry_after + 59) // 60)
    if limited.retry_after < 60:
        return f"{what}. Wait {limited.retry_after} seconds and try again."
    return f"{what}. Wait {minutes} minute{'s' if minutes > 1 else ''} and try again."
