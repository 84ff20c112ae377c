"""Each person's submissions are in their own folder (finding 20, docs/security/attack-2026-12-07.md):
``submissions/<owner>/<live key>``, where <owner> is what IAM substitutes for the caller in the
contributor's policy. The key written is read back as that owner's submission of that live file, and a key
at the layout before owners is still its live file's, and nobody's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.bucket import live_key, submission_key, submission_owner

IDENTITY_IDS = st.uuids().map(lambda u: f"us-east-1:{u}")  # ${cognito-identity.amazonaws.com:sub}
IAM_USERS = st.from_regex(r"[A-Za-z0-9+=,.@_-]{1,64}", fullmatch=True)  # ${aws:username}
LIVE = st.from_regex(r"(articles|pages)/[a-z0-9][a-z0-9/_-]{0,40}\.(md|html)", fullmatch=True)


@given(st.one_of(IDENTITY_IDS, IAM_USERS.filter(lambda n: n not in ("articles", "pages"))), LIVE)
def test_a_submission_written_is_read_back_as_its_owners_of_its_live_file(owner: str, live: str) -> None:
    key = submission_key(owner, live)
    assert key == f"submissions/{owner}/{live}"
    assert submission_owner(key) == owner and live_key(key) == live


@given(LIVE)
def test_a_submission_before_owners_is_its_live_files_and_nobodys(live: str) -> None:
    assert live_key("submissions/" + live) == live and submission_owner("submissions/" + live) is None
    assert submission_owner(live) is None and submission_owner("drafts/" + live) is None


@pytest.mark.parametrize("owner", ["articles", "pages", "", "a/b", "a*", "x" * 129])
def test_no_owner_folder_is_a_content_folder_or_a_pattern(owner: str) -> None:
    with pytest.raises(ValueError, match="cannot own submissions"):
        submission_key(owner, "articles/x.md")
