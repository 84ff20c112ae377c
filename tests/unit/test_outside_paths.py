"""Paths from outside are data, never file names (issue 40): hostile paths, generated, for the one
checker and for each of its readers (the download cache, ``--media-from FOLDER``, the desk's upload
names and its keys). None escapes its folder, none reads a file outside it, and ordinary paths
still work."""

from __future__ import annotations

import posixpath
import unicodedata
from pathlib import Path
from unittest import mock
from urllib.parse import quote, unquote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chalicelib import outside_paths
from chalicelib.desk import documents, media
from chalicelib.imports import wordpress
from chalicelib.outside_paths import PathRefused

ORDINARY = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_ .-]{0,14}[A-Za-z0-9]", fullmatch=True).filter(
    lambda s: ".." not in s) | st.text(st.characters(categories=("L", "N")), min_size=1, max_size=8)
HOSTILE_SEGMENTS = st.sampled_from([
    "..", ".", "", "...", "%2e%2e", "%2E%2E", "%2e", ".%2e", "%252e%252e", "%25252e", "．．", "‥", "．", "﹒﹒", "…",
    "..%00", "%00", "\x00", "\n", "\r", "\t", "\x7f", "\x85", "\u202e", "\u200b", "\u2028", "\ufeff", "a\\b",
    "%5c", "%5C..", "%c0%ae%c0%ae", "%ff", "%e2%80%ae", "..;", "\ud800", "x" * 300, "é" * 200])
SEGMENTS = ORDINARY | HOSTILE_SEGMENTS | st.text(max_size=6)
JOINERS = st.sampled_from(["/", "/", "/", "//", "%2f", "%2F", "%252f", "\\", "%5c", "／", "＼", "∕", "⁄"])
PREFIXES = st.sampled_from(["", "", "/", "//", "///", "\\", "%2f", "%2F", "%252f", "／", "C:\\", "C:/", "~/", "\x00"])


@st.composite
def hostile_paths(draw: st.DrawFn) -> str:
    """A path made of ordinary and hostile segments, joined by slashes and their look-alikes."""
    segments = draw(st.lists(SEGMENTS, min_size=1, max_size=6))
    joiners = [draw(JOINERS) for _ in segments]
    return draw(PREFIXES) + "".join(s + j for s, j in zip(segments, joiners, strict=True))[:-len(joiners[-1])]


ordinary_paths = st.lists(ORDINARY, min_size=1, max_size=4).map("/".join).filter(
    lambda p: len(p.encode()) <= outside_paths.MAX_BYTES)


def stays_inside(path: str) -> bool:
    """``path`` joined to a folder stays in it, as written, decoded once more, and NFKC-normalised."""
    for form in (path, unquote(path), unicodedata.normalize("NFKC", path)):
        if "\\" in form or "\x00" in form:
            return False
        joined = posixpath.normpath(posixpath.join("/folder", form))
        if not joined.startswith("/folder/") or joined == "/folder":
            return False
    return True


@given(hostile_paths(), st.booleans())
@example("/etc/passwd", True).via("the finding")
@example("//etc/hostname", True).via("the finding")
@example("..%2f..%2fetc/passwd", True).via("encoded climb")
@example("%252e%252e/etc/passwd", True).via("encoded twice")
@example("．．／etc／passwd", False).via("full-width look-alikes")
@example("‥/etc/passwd", False).via("two dot leader")
@example("2019/05/photo.jpg\x00.png", False).via("NUL")
def test_a_checked_path_never_leaves_its_folder(path, encoded):
    try:
        checked = outside_paths.relative(path, encoded=encoded)
    except PathRefused as refused:
        assert refused.path == path and refused.reason and outside_paths.shown(path) in str(refused)
        return
    assert stays_inside(checked), checked
    assert len(checked.encode("utf-8")) <= outside_paths.MAX_BYTES


@given(ordinary_paths)
def test_ordinary_paths_pass_unchanged(path):
    assert outside_paths.relative(path) == path
    assert outside_paths.relative(quote(path), encoded=True) == path
    assert outside_paths.key_under("media/", path) == "media/" + path


@pytest.mark.parametrize("path, reason", [
    ("/etc/passwd", "is absolute"), ("2019//x.jpg", "empty segment"), ("2019/05/", "empty segment"),
    ("../x.jpg", "climbs out"), ("2019/./x.jpg", "'.' segment"), ("a\x00b", "NUL"), ("a\x1bb", "U+001B"),
    ("a\\b", "backslash"), ("%2e%2e/x", "encoded twice"), ("．．/x", "look-alike characters are normalised"),
    ("x" * 1100, "longer than 1024 bytes"), ("a/" + "b" * 256, "longer than 255 bytes"), ("", "is empty"),
])
def test_each_refusal_names_the_path_and_the_reason(path, reason):
    with pytest.raises(PathRefused) as refused:
        outside_paths.relative(path)
    assert reason in refused.value.reason and str(refused.value).startswith(outside_paths.shown(path))


def test_a_url_path_is_decoded_once_and_strictly():
    assert outside_paths.relative("2019/05/caf%C3%A9%20bar.jpg", encoded=True) == "2019/05/café bar.jpg"
    with pytest.raises(PathRefused, match="not UTF-8"):
        outside_paths.relative("%c0%ae%c0%ae/x", encoded=True)
    with pytest.raises(PathRefused, match="encoded twice"):
        outside_paths.relative("%252e%252e/etc/passwd", encoded=True)


# --- the readers ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tree(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A folder of uploads with a secret beside it, links out of it, and a download cache."""
    root = tmp_path_factory.mktemp("paths")
    (root / "secret.txt").write_text("root:x:0:0")
    uploads = root / "uploads" / "2019" / "05"
    uploads.mkdir(parents=True)
    (uploads / "boat.jpg").write_bytes(b"\xff\xd8photo")
    (uploads / "out.jpg").symlink_to(root / "secret.txt")
    (root / "uploads" / "up").symlink_to(root)
    cache = root / "cache"
    (cache / "2019" / "05").mkdir(parents=True)
    (cache / "2019" / "05" / "boat.jpg").write_bytes(b"\xff\xd8cached")
    (cache / "escape").symlink_to(root)
    return root


def _reads_only_inside(found: Path | None, folder: Path) -> None:
    assert found is None or (found.resolve().is_relative_to(folder.resolve()) and found.read_bytes() != b"root:x:0:0")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hostile_paths())
@example("//etc/passwd").via("the finding")
@example("/etc/hostname").via("the finding")
@example("escape/secret.txt").via("a link in the cache")
def test_the_download_cache_reads_and_writes_only_inside_itself(tree, path):
    fetched: list[str] = []

    def fake_fetch(address: str, *args: object, **kwargs: object) -> bytes:
        fetched.append(address)
        return b"downloaded"

    source = wordpress.MediaSource("https://old.example.com", cache=tree / "cache", allow_private=False)
    with mock.patch.object(wordpress.fetching, "fetch", fake_fetch):
        found = source.get(path)
    _reads_only_inside(found, tree / "cache")
    assert found is not None or path in source.failures
    for address in fetched:
        assert address.startswith("https://old.example.com/wp-content/uploads/")
        assert stays_inside(unquote(address.removeprefix("https://old.example.com/wp-content/uploads/")))
    assert (tree / "secret.txt").read_text() == "root:x:0:0"


def test_the_download_cache_still_serves_what_it_holds(tree):
    source = wordpress.MediaSource("https://old.example.com", cache=tree / "cache")
    assert source.get("2019/05/boat.jpg") == (tree / "cache" / "2019" / "05" / "boat.jpg").resolve()
    assert source.get("/etc/passwd") is None and "is absolute" in source.failures["/etc/passwd"]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hostile_paths())
@example("//etc/passwd").via("the finding")
@example("2019/05/out.jpg").via("a link out of the folder")
@example("up/secret.txt").via("a linked folder")
def test_media_from_a_folder_reads_only_regular_files_inside_it(tree, path):
    source = wordpress.MediaSource(str(tree / "uploads"))
    found = source.get(path)
    _reads_only_inside(found, tree / "uploads")
    assert found is None or found.is_file()


def test_media_from_a_folder_still_reads_its_files(tree):
    source = wordpress.MediaSource(str(tree / "uploads"))
    assert source.get("2019/05/boat.jpg") == (tree / "uploads" / "2019" / "05" / "boat.jpg").resolve()
    assert source.get("up/secret.txt") is None and "is a link out of the folder" in source.failures["up/secret.txt"]


@given(hostile_paths() | st.text(max_size=40))
@example("../../etc/passwd.jpg").via("a climb")
@example("/etc/passwd.jpg").via("absolute")
@example("C:\\fakepath\\photo.jpg").via("a backslash")
def test_an_upload_name_is_one_safe_name_or_refused(name):
    try:
        mime = media.media_type(name, "image/jpeg")
    except PathRefused as refused:
        assert refused.path == name
        return
    except media.Refused:
        return
    assert "/" not in name and "\\" not in name and name not in (".", "..")
    key = f"media/2024/05/{media.clean_name(name, mime)}"
    assert outside_paths.relative(key) == key and stays_inside(key)


@given(st.sampled_from(["", "drafts/", "submissions/"]), hostile_paths())
@example("", "articles//etc/passwd.md").via("an empty segment")
@example("drafts/", "articles/../../settings/site.yaml").via("a climb")
def test_a_desk_key_is_an_article_file_inside_the_bucket_or_forbidden(prefix, path):
    key = prefix + "articles/" + path + ".md"
    try:
        checked = documents.check_key(key)
    except documents.Forbidden:
        return
    assert checked == key and stays_inside(key) and outside_paths.relative(key) == key


def test_ordinary_desk_keys_and_upload_names_still_pass():
    for key in ("articles/harbour.md", "drafts/articles/2024/harbour.md", "submissions/pages/about-us.html"):
        assert documents.check_key(key) == key
    assert media.media_type("Harbour at dawn (1).JPG", "image/jpeg") == "image/jpeg"
    assert media.clean_name("Harbour at dawn (1).JPG", "image/jpeg") == "harbour-at-dawn-1.jpg"
