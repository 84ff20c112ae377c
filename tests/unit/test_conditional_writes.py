"""Every desk write is conditional on what the person saw (the guide's rule; attack 2026-12-07, #8).

This keeps the class closed: each POST under /desk/ is in exactly one of the lists below, and a
route that writes what a page showed names the functional test where a stale form gets the 409 (or
its changed items named) and the stored item stays as it was. A new desk write route fails here
until it is placed, and its test written.
"""

from __future__ import annotations

import re
from pathlib import Path

from app import app

TESTS = Path(__file__).resolve().parents[1] / "functional"

# Writes over what a page showed: each carries the version shown (hidden field, ETag, place, role|state).
CONDITIONAL = {
    "/desk/save": [("test_desk.py", "test_a_stale_save_is_refused_with_both_versions"),
                   ("test_desk_lists.py", "test_a_conflict_says_who_saved_the_other_version_when_and_diffs_the_body_word_by_word")],
    "/desk/restore": [("test_desk_screens.py", "test_a_restore_from_a_stale_history_changes_nothing")],
    "/desk/settings": [("test_desk_screens.py", "test_an_admin_saves_the_sites_settings_and_menu")],
    "/desk/terms": [
        ("test_desk_terms.py", "test_a_term_changed_since_the_screen_showed_it_is_not_deleted_and_the_409_says_who_changed_it")],
    "/desk/media/delete": [("test_desk_screens.py", "test_a_photo_replaced_since_the_library_showed_it_is_not_deleted")],
    "/desk/media/describe": [("test_desk_photo_words.py", "test_the_articles_own_words_win_and_a_stale_form_changes_nothing")],
    "/desk/media/upload": [  # Replace file: signed only for the version the library showed
        ("test_desk_photo_words.py", "test_a_photo_is_replaced_at_its_address_with_new_sizes_and_its_words_kept")],
    "/desk/bulk": [("test_desk_lists.py", "test_a_bulk_action_leaves_an_article_changed_since_the_list_was_shown"),
                   ("test_desk_lists.py", "test_bulk_delete_leaves_an_article_whose_draft_was_saved_since_the_list_was_shown")],
    "/desk/comments": [("test_desk_comments_both_ways.py", "test_empty_trash_deletes_only_the_comments_the_confirmation_showed"),
                       ("test_desk_comments_both_ways.py", "test_a_comment_moved_since_the_page_showed_it_is_left_where_it_is_and_named")],
    "/desk/pages/new": [
        ("test_desk_new_page.py", "test_a_menu_changed_since_the_form_showed_its_places_writes_neither_the_page_nor_the_menu")],
    "/desk/live/act": [("test_desk_live.py", "test_an_editor_starts_a_live_blog_posts_pins_corrects_deletes_and_ends_it")],
    "/desk/profile": [("test_desk_people.py", "test_a_profile_save_from_an_old_tab_or_with_bad_fields_changes_nothing")],
    "/desk/people": [
        ("test_desk_people.py",
         "test_a_change_to_an_account_changed_since_the_screen_showed_it_is_a_409_naming_who_and_changes_nothing")],
}

# Writes of new things only, each conditional on there being none (If-None-Match, attribute_not_exists):
# nothing a page showed can be overwritten.
CREATES_ONLY = {
    "/desk/live/new": "a new live blog's file, If-None-Match",
    "/desk/live/post": "a new entry's file, If-None-Match",
    "/desk/import/start": "a new import folder's options, If-None-Match; the export is a new key",
    "/desk/import/comments": "each comment only if it is not there (import_comment's attribute_not_exists)",
}

# Writes of no content a page showed.
NOT_CONTENT = {
    "/desk/sign-in": "the person's own session",
    "/desk/sign-out": "the person's own session",
    "/desk/forgot-password": "the person's own password, with the pool's code",
    "/desk/preview": "writes nothing",
    "/desk/subscribers/find": "writes nothing (a POST so that the address is in no URL)",
    "/desk/lock": "the editing lock (presence; a take-over is the person's explicit choice)",
}

# The newsletter's screens belong to the newsletter work (not reviewed in this pass): listed so that a
# new route still fails here.
NEWSLETTER = {
    "/desk/newsletter": "send a test or the send (once per form)",
    "/desk/newsletters": "pause, resume, cancel a send",
    "/desk/subscribers/import": "subscribers' import",
    "/desk/subscribers/export": "subscribers' export (writes an export file)",
}


def desk_write_routes() -> set[str]:
    return {path for path, route in app.routes.items() if path.startswith("/desk/")
            for method in route if method not in ("GET", "HEAD", "OPTIONS")}


def test_every_desk_write_route_is_placed_so_a_new_one_cannot_skip_the_rule():
    lists = [CONDITIONAL, CREATES_ONLY, NOT_CONTENT, NEWSLETTER]
    placed = [path for listed in lists for path in listed]
    assert len(placed) == len(set(placed)), "a route is in two lists"
    missing = desk_write_routes() - set(placed)
    assert not missing, (f"{sorted(missing)}: a new desk write. Make it conditional on the version its page showed "
                         "(a hidden field, checked at the write; http.stale when it changed) and add it to CONDITIONAL "
                         "with its stale-form test, or say why it needs none.")
    assert set(placed) - desk_write_routes() == set(), "a listed route is gone: take it out"


def test_each_conditional_write_names_a_stale_form_test_that_exists():
    for path, tests in CONDITIONAL.items():
        assert tests, path
        for file_name, name in tests:
            text = (TESTS / file_name).read_text()
            assert re.search(rf"^def {name}\(", text, re.M), f"{path}: {file_name} has no {name}"
