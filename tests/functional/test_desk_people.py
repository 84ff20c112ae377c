"""People and roles (issue 45): the People screen lists the pool's accounts; admins invite, change a
role, disable, enable and remove, each change recorded; the last admin stays; roles and CSRF are
enforced where the change happens; and "Forgot password" through the pool's own flow."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import boto3
import pytest

from chalicelib import keys
from chalicelib.desk import people, session
from chalicelib.models import PeopleChange, SignedIn
from tests.functional import test_desk_edge
from tests.functional.test_desk import STORY, api, form, sign_in

cdn = test_desk_edge.cdn  # the fixture: a CloudFront distribution in moto, its invalidations counted


def _pool(desk) -> Any:  # type: ignore[no-untyped-def]
    return boto3.client("cognito-idp", region_name="us-east-1")


def _user(desk, email: str) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    pool = _pool(desk)
    for user in pool.list_users(UserPoolId=desk.pool.user_pool_id)["Users"]:
        if {"Name": "email", "Value": email} in user["Attributes"]:
            groups = pool.admin_list_groups_for_user(UserPoolId=desk.pool.user_pool_id, Username=user["Username"])
            return {**user, "groups": sorted(g["GroupName"] for g in groups["Groups"])}
    return None


def _log() -> list[tuple[str, str, str]]:
    return [(c.who, c.whom, c.what) for c in PeopleChange.query(keys.PEOPLE_LOG_PK)]


def _change(desk, jar: str, token: str, **fields: str):  # type: ignore[no-untyped-def]
    return form(desk.client, "/desk/people", {"csrf": token, **fields}, headers={"Cookie": jar})


def _shown(desk, jar: str, response) -> str:  # type: ignore[no-untyped-def]
    """The People screen a change redirected to."""
    assert response.status_code == 303, response.body
    return desk.client.http.get(response.headers["Location"], headers={"Cookie": jar}).body.decode()


def _username(desk, email: str) -> str:  # type: ignore[no-untyped-def]
    found = _user(desk, email)
    assert found is not None
    return str(found["Username"])


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def local_mail(monkeypatch, capsys):  # type: ignore[no-untyped-def]
    """The stand-in's behaviour: invitations and codes printed where `make run` prints its accounts."""
    monkeypatch.setattr(people, "stand_in", lambda: True)

    def printed(kind: str) -> dict[str, str]:
        return dict(re.findall(rf"^{kind}: (\S+) (\S+)$", capsys.readouterr().out, re.MULTILINE))
    return printed


def test_an_admin_sees_everyone_with_role_state_and_last_sign_in(desk):
    jar, _, _ = sign_in(desk, "admin")
    page = desk.client.http.get("/desk/people", headers={"Cookie": jar})
    html = page.body.decode()
    assert page.status_code == 200 and "<h1>People</h1>" in html
    assert '<a href="/desk/people">People</a>' in html  # in the navigation
    text = _text(html)
    for role in ("admin", "editor", "contributor"):
        assert f"Local {role.capitalize()} E-mail {role}@desk.example.com Role {role} State enabled" in text
    assert re.search(r"Local Admin .*? Last sign-in \d{1,2} [A-Z][a-z]{2}, \d\d:\d\d \(UTC\)", text)  # this sign-in
    zoned = _text(desk.client.http.get("/desk/people", headers={"Cookie": jar + "; desk_zone=Asia/Tehran"}).body
                  .decode())
    assert re.search(r"Local Admin .*? Last sign-in \d{1,2} [A-Z][a-z]{2}, \d\d:\d\d \(Asia/Tehran\)", zoned)
    assert "Local Editor E-mail editor@desk.example.com Role editor State enabled Last sign-in not seen" in text


@pytest.mark.parametrize("role", ["editor", "contributor"])
def test_an_editor_or_contributor_gets_403_and_a_forged_change_writes_nothing(desk, role):
    jar, token, _ = sign_in(desk, role)
    assert desk.client.http.get("/desk/people", headers={"Cookie": jar}).status_code == 403
    assert '<a href="/desk/people">' not in desk.client.http.get("/desk/articles", headers={"Cookie": jar}).body.decode()
    admin = _username(desk, "admin@desk.example.com")
    forged = [{"action": "invite", "email": "mole@example.com", "role": "admin"},
              {"action": "role", "user": _username(desk, f"{role}@desk.example.com"), "role": "admin"},
              {"action": "disable", "user": admin}, {"action": "remove", "user": admin, "confirm": "yes"}]
    for fields in forged:
        response = _change(desk, jar, token, **fields)
        assert response.status_code == 403 and "Only an admin may do this." in response.body.decode()
    assert _user(desk, "mole@example.com") is None
    assert _user(desk, f"{role}@desk.example.com")["groups"] == [role]
    assert _user(desk, "admin@desk.example.com")["Enabled"] is True and _log() == []


def test_a_change_without_the_pages_token_or_from_another_site_is_refused(desk):
    jar, token, _ = sign_in(desk, "admin")
    no_token = form(desk.client, "/desk/people", {"action": "invite", "email": "a@example.com", "role": "editor"},
                    headers={"Cookie": jar})
    elsewhere = form(desk.client, "/desk/people", {"csrf": token, "action": "invite", "email": "b@example.com",
                                                   "role": "editor"},
                     headers={"Cookie": jar, "Origin": "https://evil.example"})
    assert no_token.status_code == 403 and elsewhere.status_code == 403
    assert _user(desk, "a@example.com") is None and _user(desk, "b@example.com") is None and _log() == []


def test_an_invited_colleague_signs_in_with_the_invitation_and_chooses_a_password(desk, local_mail):
    jar, token, _ = sign_in(desk, "admin")
    done = _shown(desk, jar, _change(desk, jar, token, action="invite", email="Sam@Example.com", name="Sam Reporter",
                                     role="contributor"))
    invitation = local_mail("desk invitation")
    assert list(invitation) == ["sam@example.com"]  # printed where `make run` prints its accounts
    assert invitation["sam@example.com"] not in done  # never on the page
    assert "Invited sam@example.com as a contributor. Nothing is mailed on this machine: make run&#39;s terminal " \
           "shows their temporary password" in _text(done)
    assert "Sam Reporter E-mail sam@example.com Role contributor State invited" in _text(done)
    assert _user(desk, "sam@example.com")["groups"] == ["contributor"]
    assert _log() == [("admin@desk.example.com", "sam@example.com", "invited as a contributor")]
    assert "admin@desk.example.com — sam@example.com invited as a contributor" in _text(done)

    first = form(desk.client, "/desk/sign-in", {"email": "sam@example.com", "password": invitation["sam@example.com"]})
    assert first.status_code == 200 and "Choose your password" in first.body.decode()
    challenge = re.search(r'name="session" value="([^"]+)"', first.body.decode()).group(1)
    chosen = form(desk.client, "/desk/sign-in", {"email": "sam@example.com", "session": challenge,
                                                 "new_password": "Sams-Own-Password-1", "confirm_password":
                                                 "Sams-Own-Password-1"})
    assert chosen.status_code == 303 and chosen.headers["Location"] == "/desk/articles"


def test_an_invitation_is_sent_again_with_a_new_password_and_only_while_it_is_waiting(desk, local_mail):
    jar, token, _ = sign_in(desk, "admin")
    _change(desk, jar, token, action="invite", email="lee@example.com", role="editor")
    first = local_mail("desk invitation")["lee@example.com"]
    lee = _username(desk, "lee@example.com")
    page = desk.client.http.get("/desk/people", headers={"Cookie": jar}).body.decode()
    assert page.count("Send the invitation again") == 1  # only the invited account has it
    done = _shown(desk, jar, _change(desk, jar, token, action="resend", user=lee))
    again = local_mail("desk invitation")["lee@example.com"]
    assert "Sent lee@example.com a new invitation" in done and again != first and again not in done
    assert len([u for u in _pool(desk).list_users(UserPoolId=desk.pool.user_pool_id)["Users"]
                if {"Name": "email", "Value": "lee@example.com"} in u["Attributes"]]) == 1  # the same account
    assert form(desk.client, "/desk/sign-in", {"email": "lee@example.com", "password": first}).status_code == 401
    chosen = form(desk.client, "/desk/sign-in", {"email": "lee@example.com", "password": again})
    assert chosen.status_code == 200 and "Choose your password" in chosen.body.decode()
    assert ("admin@desk.example.com", "lee@example.com", "sent the invitation again") in _log()
    confirmed = _shown(desk, jar, _change(desk, jar, token, action="resend",
                                          user=_username(desk, "editor@desk.example.com")))
    assert "Local Editor has already chosen a password" in confirmed


def test_on_aws_the_invitation_is_mailed_by_cognito_and_never_printed_or_shown(desk, capsys):
    jar, token, _ = sign_in(desk, "admin")
    capsys.readouterr()
    done = _shown(desk, jar, _change(desk, jar, token, action="invite", email="kim@example.com", role="editor"))
    assert "invitation" not in capsys.readouterr().out
    assert "Invited kim@example.com as an editor. Cognito e-mails them a temporary password" in done
    assert "terminal" not in done  # the form's hint too says Cognito mails it
    assert _user(desk, "kim@example.com")["UserStatus"] == "FORCE_CHANGE_PASSWORD"


def test_an_invitation_that_cannot_be_made_says_why_and_makes_nothing(desk):
    jar, token, _ = sign_in(desk, "admin")
    again = _shown(desk, jar, _change(desk, jar, token, action="invite", email="editor@desk.example.com", role="admin"))
    assert "editor@desk.example.com already has an account" in again
    assert _user(desk, "editor@desk.example.com")["groups"] == ["editor"]
    wrong = _shown(desk, jar, _change(desk, jar, token, action="invite", email="not an address", role="editor"))
    assert "E-mail address: not an address is not an e-mail address" in wrong
    role = _shown(desk, jar, _change(desk, jar, token, action="invite", email="x@example.com", role="owner"))
    assert "Role: choose contributor, editor or admin." in role and _user(desk, "x@example.com") is None
    assert _log() == []


def test_disabling_someone_ends_their_open_session_at_once_and_enabling_lets_them_back(desk):
    their_jar, their_token, _ = sign_in(desk, "editor")
    assert desk.client.http.get("/desk/articles", headers={"Cookie": their_jar}).status_code == 200
    jar, token, _ = sign_in(desk, "admin")
    editor = _username(desk, "editor@desk.example.com")
    done = _shown(desk, jar, _change(desk, jar, token, action="disable", user=editor))
    assert "Disabled Local Editor: their open sessions have ended." in done
    assert "Local Editor E-mail editor@desk.example.com Role editor State disabled" in _text(done)
    assert desk.client.http.get("/desk/articles", headers={"Cookie": their_jar}).status_code == 303
    saved = api(desk, "/desk/save", their_jar, their_token, {"action": "publish", "fields": STORY, "body": "x"})
    assert saved.status_code == 401 and "Contents" not in desk.s3.list_objects_v2(Bucket=desk.stack.bucket,
                                                                                    Prefix="articles/")
    email, password = desk.accounts["editor"]
    assert form(desk.client, "/desk/sign-in", {"email": email, "password": password}).status_code == 401
    assert _user(desk, email)["Enabled"] is False

    _shown(desk, jar, _change(desk, jar, token, action="enable", user=editor))
    import time

    time.sleep(1.05)  # auth_time is whole seconds: a sign-in in the second the sessions ended is ended too
    back, _, _ = sign_in(desk, "editor")
    assert desk.client.http.get("/desk/articles", headers={"Cookie": back}).status_code == 200
    assert [what for _, whom, what in _log() if whom == email] == ["disabled", "enabled"]


def test_a_new_role_takes_its_old_sessions_away_and_is_the_only_group(desk):
    their_jar, _, _ = sign_in(desk, "contributor")
    jar, token, _ = sign_in(desk, "admin")
    contributor = _username(desk, "contributor@desk.example.com")
    done = _shown(desk, jar, _change(desk, jar, token, action="role", user=contributor, role="editor"))
    assert "Local Contributor is now an editor. They sign in again to use it." in done
    assert _user(desk, "contributor@desk.example.com")["groups"] == ["editor"]
    assert desk.client.http.get("/desk/articles", headers={"Cookie": their_jar}).status_code == 303
    assert _log() == [("admin@desk.example.com", "contributor@desk.example.com", "made an editor (was a contributor)")]


@pytest.mark.parametrize("action", ["disable", "remove", "role"])
def test_the_last_admin_cannot_be_disabled_removed_or_demoted(desk, action):
    jar, token, _ = sign_in(desk, "admin")
    admin = _username(desk, "admin@desk.example.com")
    failed = _shown(desk, jar, _change(desk, jar, token, action=action, user=admin, role="editor", confirm="yes"))
    assert "Local Admin is the only admin left" in failed and "make someone else an admin first" in failed
    assert _user(desk, "admin@desk.example.com")["groups"] == ["admin"]
    assert _user(desk, "admin@desk.example.com")["Enabled"] is True and _log() == []
    assert desk.client.http.get("/desk/people", headers={"Cookie": jar}).status_code == 200  # still signed in


def test_an_admin_does_not_change_their_own_account_another_admin_does(desk):
    jar, token, _ = sign_in(desk, "admin")
    assert "This is you" in desk.client.http.get("/desk/people", headers={"Cookie": jar}).body.decode()
    _shown(desk, jar, _change(desk, jar, token, action="role", user=_username(desk, "editor@desk.example.com"),
                              role="admin"))
    me = _username(desk, "admin@desk.example.com")
    for action, said in (("role", "You cannot change the role of your own account: ask another admin."),
                         ("disable", "You cannot disable your own account"), ("remove", "You cannot remove your own")):
        refused = _shown(desk, jar, _change(desk, jar, token, action=action, user=me, role="editor", confirm="yes"))
        assert said in refused, action
    assert _user(desk, "admin@desk.example.com")["groups"] == ["admin"]
    import time

    time.sleep(1.05)  # the new admin's sessions ended with their promotion, in this second
    other_jar, other_token, _ = sign_in(desk, "editor")  # now an admin
    done = _shown(desk, other_jar, _change(desk, other_jar, other_token, action="role", user=me, role="editor"))
    assert "Local Admin is now an editor." in done
    assert _user(desk, "admin@desk.example.com")["groups"] == ["editor"]
    assert desk.client.http.get("/desk/people", headers={"Cookie": jar}).status_code == 303  # their session ended


def test_two_admins_taking_each_other_away_at_once_leave_one(desk, monkeypatch):
    """Each request checks that another admin remains, then changes: if the other's change lands between
    one's check and its write, nobody would be left. The change that finds no admin after it is undone."""
    jar, token, _ = sign_in(desk, "admin")
    editor = _username(desk, "editor@desk.example.com")
    _shown(desk, jar, _change(desk, jar, token, action="role", user=editor, role="admin"))
    admin = _username(desk, "admin@desk.example.com")
    checked = people._keep_an_admin

    def then_the_other_lands(pool, person, doing):  # type: ignore[no-untyped-def]
        checked(pool, person, doing)  # passes: the acting admin is still there
        _pool(desk).admin_disable_user(UserPoolId=desk.pool.user_pool_id, Username=admin)  # the other's change
    monkeypatch.setattr(people, "_keep_an_admin", then_the_other_lands)
    failed = _shown(desk, jar, _change(desk, jar, token, action="disable", user=editor))
    assert "was the last admin left (another change took the others away at the same moment)" in failed
    assert _user(desk, "editor@desk.example.com")["Enabled"] is True
    assert _user(desk, "editor@desk.example.com")["groups"] == ["admin"]
    assert [what for _, whom, what in _log() if whom == "editor@desk.example.com"] == ["made an admin (was an editor)"]


def test_remove_asks_first_then_removes_and_ends_their_sessions(desk):
    their_jar, _, _ = sign_in(desk, "contributor")
    jar, token, _ = sign_in(desk, "admin")
    contributor = _username(desk, "contributor@desk.example.com")
    asked = _change(desk, jar, token, action="remove", user=contributor)
    assert asked.status_code == 200 and "Remove Local Contributor?" in asked.body.decode()
    assert _user(desk, "contributor@desk.example.com") is not None and _log() == []
    done = _shown(desk, jar, _change(desk, jar, token, action="remove", user=contributor, confirm="yes"))
    assert "Removed Local Contributor&#39;s account." in done and "contributor@desk.example.com" in done  # the log
    assert _user(desk, "contributor@desk.example.com") is None
    assert desk.client.http.get("/desk/articles", headers={"Cookie": their_jar}).status_code == 303
    unknown = _shown(desk, jar, _change(desk, jar, token, action="disable", user=contributor))
    assert "No such account" in unknown


def test_a_sign_in_is_recorded_for_the_people_screen(desk):
    jar, _, _ = sign_in(desk, "editor")
    from chalicelib.desk import identity

    who = identity.verify(jar.split("desk_id=")[1].split(";")[0])
    assert SignedIn.get(*keys.signed_in(who.sub)).at > 0


# --- forgot password -----------------------------------------------------------------------------

def _forgot(desk, **fields: str):  # type: ignore[no-untyped-def]
    return form(desk.client, "/desk/forgot-password", fields)


def test_the_sign_in_page_links_to_forgot_password(desk):
    assert 'href="/desk/forgot-password"' in desk.client.http.get("/desk/sign-in").body.decode()
    page = desk.client.http.get("/desk/forgot-password")
    assert page.status_code == 200 and "E-mail address" in page.body.decode()


def test_the_answer_never_says_whether_an_address_has_an_account(desk, local_mail):
    known = _forgot(desk, email="editor@desk.example.com")
    unknown = _forgot(desk, email="nobody@desk.example.com")
    assert known.status_code == unknown.status_code == 200
    assert _text(known.body.decode()).replace("editor@", "X@") == _text(unknown.body.decode()).replace("nobody@", "X@")
    assert "If an account has this address, a code" in known.body.decode()
    assert list(local_mail("desk password code")) == ["editor@desk.example.com"]


def test_a_code_sets_a_new_password_and_a_wrong_one_changes_nothing(desk, local_mail):
    _forgot(desk, email="editor@desk.example.com")
    code = local_mail("desk password code")["editor@desk.example.com"]
    wrong = _forgot(desk, email="editor@desk.example.com", code="moto-confirmation-code:000000",
                    new_password="A-New-Password-42", confirm_password="A-New-Password-42")
    assert wrong.status_code == 400 and "That code is not right, or it has expired." in wrong.body.decode()
    done = _forgot(desk, email="editor@desk.example.com", code=code, new_password="A-New-Password-42",
                   confirm_password="A-New-Password-42")
    assert done.status_code == 200 and "Your new password is set. Sign in with it." in done.body.decode()
    assert form(desk.client, "/desk/sign-in", {"email": "editor@desk.example.com",
                                               "password": "A-New-Password-42"}).status_code == 303
    old = desk.accounts["editor"][1]
    assert form(desk.client, "/desk/sign-in", {"email": "editor@desk.example.com", "password": old}).status_code == 401


def test_asking_for_codes_is_limited_per_reader_and_per_address(desk):
    for _ in range(people.RESET_PER_ACCOUNT.limit):
        assert _forgot(desk, email="editor@desk.example.com").status_code == 200
    stopped = _forgot(desk, email="editor@desk.example.com")
    assert stopped.status_code == 429 and "Too many requests for a code" in stopped.body.decode()
    for n in range(people.RESET_REQUESTS.limit - people.RESET_PER_ACCOUNT.limit - 1):
        assert _forgot(desk, email=f"someone{n}@example.com").status_code == 200
    assert _forgot(desk, email="another@example.com").status_code == 429


def test_guessing_codes_is_slowed_as_guessing_passwords_is(desk, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr("chalicelib.ratelimit.time.time", lambda: clock[0])
    fields = {"email": "editor@desk.example.com", "new_password": "A-New-Password-42",
              "confirm_password": "A-New-Password-42"}
    for _ in range(session.SIGN_IN_BACKOFF.free + 1):
        assert _forgot(desk, code="moto-confirmation-code:000000", **fields).status_code == 400
    waiting = _forgot(desk, code="moto-confirmation-code:000000", **fields)
    assert waiting.status_code == 429 and "Too many wrong codes" in waiting.body.decode()


def test_a_reset_from_another_site_is_refused(desk):
    response = desk.client.http.post("/desk/forgot-password", body="email=editor%40desk.example.com", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"})
    assert response.status_code == 403



# --- each person's author profile, and the Author picker -------------------------------------------

def _profile_form(desk, jar: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    page = desk.client.http.get("/desk/profile", headers={"Cookie": jar}).body.decode()
    return (re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1),
            html.unescape(re.search(r'name="version" value="([^"]*)"', page).group(1)))  # as a browser sends it


@pytest.mark.parametrize("role", ["contributor", "editor", "admin"])
def test_every_person_edits_their_own_profile_and_the_picker_lists_them(desk, role):
    from chalicelib.desk import profile
    from chalicelib.models import Profile
    from devstack.photos import png

    desk.put("authors/ninfa-along.yaml", "name: Ninfa Along\nbio: Tehran correspondent.\n")
    desk.put("media/2026/12/sam.png", png(640, 480))
    desk.make_sizes()
    desk.ingest()
    jar, _, _ = sign_in(desk, role)
    page = desk.client.http.get("/desk/profile", headers={"Cookie": jar})
    assert page.status_code == 200 and f'value="Local {role.capitalize()}"' in page.body.decode()
    token, version = _profile_form(desk, jar)
    saved = form(desk.client, "/desk/profile", {"csrf": token, "version": version, "name": "Sam  Writer",
                                                "bio": "Covers energy.", "photo": "/media/2026/12/sam.png"},
                 headers={"Cookie": jar})
    assert saved.status_code == 303
    shown = desk.client.http.get(saved.headers["Location"], headers={"Cookie": jar}).body.decode()
    assert "Your profile is saved." in shown and 'value="Sam Writer"' in shown and "Covers energy." in shown
    assert re.search(r'<img class="profile-photo" src="/sizes/2026/12/sam[^"]*" alt="Your photo as it is now">', shown)
    mine = [p for p in Profile.query(keys.PEOPLE_PK) if p.email == f"{role}@desk.example.com"]
    assert [(p.name, p.author) for p in mine] == [("Sam Writer", f"local-{role}")]  # the byline stays theirs
    assert desk.s3.get_object(Bucket=desk.stack.bucket, Key=f"authors/local-{role}.yaml")["Body"].read().decode() == \
        "name: Sam Writer\nbio: Covers energy.\nphoto: /media/2026/12/sam.png\n"  # their author file: the source
    choices = profile.author_choices()
    assert {"name": "Sam Writer", "slug": f"local-{role}", "kind": "person", "email": f"{role}@desk.example.com"} \
        in choices
    assert {"name": "Ninfa Along", "slug": "ninfa-along", "kind": "author", "email": ""} in choices
    listed = json.loads(desk.client.http.get("/desk/author-choices", headers={"Cookie": jar}).body)
    assert listed == {"authors": choices if role == "admin" else [{**c, "email": ""} for c in choices]}  # addresses: admins'
    from chalicelib.desk import pickers

    offered = pickers.choices().of("author")  # the editor's Author picker: people and authors together
    assert "Sam Writer" in offered and "Ninfa Along" in offered


def test_a_saved_profile_is_the_public_author_page_and_every_byline_and_the_edge_drops_them(desk, cdn):
    """Name, bio and photo (with the library's alt text) reach /author/<slug>/ and the bylines through the
    author's file; the bio is text (markup shown, never run); an author without a profile is unchanged."""
    from devstack.photos import png

    desk.put("authors/ninfa-along.yaml", "name: Ninfa Along\nbio: Tehran correspondent.\n")
    desk.s3.put_object(Bucket=desk.stack.bucket, Key="media/2026/12/sam.png", Body=png(640, 480),
                       Metadata={"alt": "Sam%20Writer%20at%20the%20news%20desk"})
    desk.put("articles/oil-rises.md", "---\ntitle: Oil rises\ndate: 2026-12-01T10:00:00Z\nauthor: Local Editor\n"
                                      "categories: [Oil]\n---\n\nPrices rose.\n")
    desk.ingest()
    before = desk.get("/author/local-editor/").body.decode()
    assert "Local Editor" in before and "author-photo" not in before
    ninfa = desk.get("/author/ninfa-along/").body.decode()
    jar, _, _ = sign_in(desk, "editor")
    token, version = _profile_form(desk, jar)
    assert version == ""  # no author file yet: the save creates it
    sent = cdn.sent()
    bio = 'Covers energy. <script>alert("bio")</script><img src=x onerror=alert(1)> & "more"'
    saved = form(desk.client, "/desk/profile", {"csrf": token, "version": version, "name": "Sam Writer", "bio": bio,
                                                "photo": "/media/2026/12/sam.png"}, headers={"Cookie": jar})
    assert saved.status_code == 303
    desk.ingest()
    page = desk.get("/author/local-editor/")
    html = page.body.decode()
    assert page.status_code == 200 and "<h1>Author: Sam Writer</h1>" in html and "<title>Sam Writer" in html
    assert "Covers energy. &lt;script&gt;alert(&#34;bio&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; " \
           "&amp; &#34;more&#34;" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert re.search(r'<img class="author-photo" src="/sizes/2026/12/sam-[^"]+" srcset="[^"]+" sizes="96px" '
                     r'width="96" height="96" alt="Sam Writer at the news desk"', html), html
    article = desk.get("/oil-rises/").body.decode()
    assert re.search(r'By <a href="[^"]*/author/local-editor/" rel="author">Sam Writer</a>', article)
    assert 'By <a href="/author/local-editor/">Sam Writer</a>' in desk.get("/category/oil/").body.decode()
    assert desk.get("/author/ninfa-along/").body.decode() == ninfa  # an author without a profile: as she was
    assert desk.s3.get_object(Bucket=desk.stack.bucket, Key="authors/ninfa-along.yaml")["Body"].read() == \
        b"name: Ninfa Along\nbio: Tehran correspondent.\n"
    assert cdn.sent() == sent + 1  # the profile's change: one invalidation of every page (bylines are everywhere)
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    distribution = cloudfront.list_distributions()["DistributionList"]["Items"][0]["Id"]
    newest = max((cloudfront.get_invalidation(DistributionId=distribution, Id=i["Id"])["Invalidation"]
                  for i in cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]["Items"]),
                 key=lambda i: i["CreateTime"])
    assert newest["InvalidationBatch"]["Paths"]["Items"] == ["/*"]
    shown = desk.client.http.get("/desk/profile", headers={"Cookie": jar}).body.decode()
    assert 'value="Sam Writer"' in shown and "Covers energy. &lt;script&gt;" in shown and "/author/local-editor/" in shown
    jar, token, _ = sign_in(desk, "editor")
    picked = api(desk, "/desk/save", jar, token, {"action": "publish", "body": "Text.",
                                                  "fields": {**STORY, "title": "By Sam", "author": "Sam Writer"}})
    assert picked.status_code == 200, picked.body  # their new name, picked: their author, not a new one
    key = json.loads(picked.body)["key"]
    assert "\nauthor: local-editor\n" in desk.s3.get_object(Bucket=desk.stack.bucket, Key=key)["Body"].read().decode()
    desk.ingest()
    assert re.search(r'/author/local-editor/" rel="author">Sam Writer</a>', desk.get("/by-sam/").body.decode())
    assert desk.get("/author/sam-writer/").status_code == 404
    desk.s3.copy_object(Bucket=desk.stack.bucket, Key="media/2026/12/sam.png", MetadataDirective="REPLACE",
                        CopySource={"Bucket": desk.stack.bucket, "Key": "media/2026/12/sam.png"},
                        Metadata={"alt": "Sam%20Writer%2C%20energy%20reporter"})  # the library's words, changed
    desk.ingest()
    assert 'alt="Sam Writer, energy reporter"' in desk.get("/author/local-editor/").body.decode()


def test_an_author_file_names_only_a_photo_of_the_library(desk):
    """The file's photo is an address in Media, looked up as data: anything else is refused, naming the field."""
    from chalicelib.content.content_format import ContentError, parse_author

    for photo in ("../settings/site.yaml", "/media/../settings/site.yaml", "https://evil.example/x.jpg",
                  "/rendered/x.html", "/media/2026/12/notes.pdf"):
        with pytest.raises(ContentError) as refused:
            parse_author("authors/sam.yaml", f"name: Sam\nphoto: {photo}\n".encode())
        assert [p.field for p in refused.value.problems] == ["photo"], photo
        assert re.search(r"photo: '.*' must be (a photo in Media|a path)", str(refused.value)), str(refused.value)
    assert parse_author("authors/sam.yaml", b"name: Sam\nphoto: /media/2026/12/sam.png\n").photo == \
        "/media/2026/12/sam.png"


def test_a_profile_save_from_an_old_tab_or_with_bad_fields_changes_nothing(desk):
    from chalicelib.models import Profile

    jar, _, _ = sign_in(desk, "editor")
    token, version = _profile_form(desk, jar)
    first = form(desk.client, "/desk/profile", {"csrf": token, "version": version, "name": "First"},
                 headers={"Cookie": jar})
    assert first.status_code == 303
    stale = form(desk.client, "/desk/profile", {"csrf": token, "version": version, "name": "Second"},
                 headers={"Cookie": jar})
    assert stale.status_code == 409 and "changed elsewhere" in stale.body.decode()
    _, version = _profile_form(desk, jar)
    assert version  # the author file's version (its ETag), now that the first save wrote it
    for fields, said in (({"name": " "}, "Name: enter the name"), ({"name": "X", "photo": "https://evil.example/x.jpg"},
                                                                   "Photo: give the address of a photo in Media"),
                         ({"name": "X", "photo": "/media/../settings/site.yaml"}, "Photo: give the address"),
                         ({"name": "X", "photo": "/media/2026/12/nobody.jpg"},
                          "Photo: /media/2026/12/nobody.jpg is not in Media. Upload it there first"),
                         ({"name": "X", "bio": "b" * 5001}, "Bio: at most 5000 characters")):
        bad = form(desk.client, "/desk/profile", {"csrf": token, "version": version, **fields}, headers={"Cookie": jar})
        assert bad.status_code == 400 and said in bad.body.decode(), fields
    no_token = form(desk.client, "/desk/profile", {"version": version, "name": "Forged"}, headers={"Cookie": jar})
    assert no_token.status_code == 403
    assert [p.name for p in Profile.query(keys.PEOPLE_PK) if p.email == "editor@desk.example.com"] == ["First"]
    again = form(desk.client, "/desk/profile", {"csrf": token, "version": version, "name": "Second"},
                 headers={"Cookie": jar})
    assert again.status_code == 303  # from the version now shown: saved
    assert [p.name for p in Profile.query(keys.PEOPLE_PK) if p.email == "editor@desk.example.com"] == ["Second"]


def test_nobody_edits_anothers_profile_the_key_is_the_signed_in_persons(desk):
    from chalicelib.models import Profile

    sign_in(desk, "admin")  # their profile exists from their sign-in
    jar, _, _ = sign_in(desk, "contributor")
    token, version = _profile_form(desk, jar)
    admin_sub = next(p.sk for p in Profile.query(keys.PEOPLE_PK) if p.email == "admin@desk.example.com")
    form(desk.client, "/desk/profile", {"csrf": token, "version": version, "name": "Hijacked", "sub": admin_sub,
                                        "user": admin_sub}, headers={"Cookie": jar})
    assert Profile.get(keys.PEOPLE_PK, admin_sub).name == "Local Admin"


def test_two_people_named_alike_cannot_write_each_others_author_page(desk):
    from chalicelib.models import Profile

    Profile(keys.PEOPLE_PK, "another-sub", name="Local Editor", email="twin@desk.example.com",
            author="local-editor", version=1).save()
    jar, _, _ = sign_in(desk, "editor")
    token, version = _profile_form(desk, jar)
    refused = form(desk.client, "/desk/profile", {"csrf": token, "version": version, "name": "Impostor"},
                   headers={"Cookie": jar})
    assert refused.status_code == 409
    assert "Another person of the desk also signs as /author/local-editor/" in \
        refused.body.decode()
    assert "twin@desk.example.com" not in refused.body.decode()  # nobody is told a colleague's address
    assert "Contents" not in desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="authors/")
    Profile(keys.PEOPLE_PK, "another-sub").delete()
    mine = next(p for p in Profile.query(keys.PEOPLE_PK) if p.email == "editor@desk.example.com")
    mine.delete()  # made again at the next sign-in, from the pool's name, which has no letter for an address
    _pool(desk).admin_update_user_attributes(UserPoolId=desk.pool.user_pool_id,
                                             Username=_username(desk, "editor@desk.example.com"),
                                             UserAttributes=[{"Name": "name", "Value": "😀"}])
    jar, _, _ = sign_in(desk, "editor")
    token, version = _profile_form(desk, jar)
    nameless = form(desk.client, "/desk/profile", {"csrf": token, "version": version, "name": "Impostor"},
                    headers={"Cookie": jar})
    assert nameless.status_code == 409 and "gives no author address" in nameless.body.decode()
    assert "Contents" not in desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="authors/")
