"""The hardened YAML reader every content file passes: bytes in, fields out, or a ContentError.

A file is UTF-8 (a BOM and CRLF are accepted), at most ``MAX_FILE_BYTES``; front matter is at most
``MAX_FRONT_MATTER_BYTES`` between two ``---`` lines. YAML is read with a SafeLoader that also
refuses anchors and aliases (no expansion bombs), nesting deeper than ``MAX_NESTING``, numbers
longer than ``MAX_NUMBER_CHARS`` and dates that do not exist, each refusal naming its field and
line. Nothing here knows which fields a kind of file has: that is ``content_format``'s.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler

from chalicelib.problems import SURROGATE, ContentError, Problem

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_FRONT_MATTER_BYTES = 32 * 1024
MAX_NESTING = 20  # lists and mappings inside one another, in any YAML
MAX_NUMBER_CHARS = 30  # digits (and sign, point, exponent) of one number
YAML_SUFFIXES = (".yaml", ".yml")
# Tags that only say what a plain value already is; any other (!!binary, !!set, !!python/..., !custom)
# would make the value something other than text, numbers, dates, lists and fields.
PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in
                       ("str", "int", "float", "bool", "null", "seq", "map", "timestamp"))


class _OverLimit(yaml.constructor.ConstructorError):
    """A value the loader refused for one of its limits (reported under the value's field)."""


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader with limits checked as it reads, each refusal pointing at its line.

    No anchors or aliases (no expansion bombs); nesting at most MAX_NESTING
    deep; numbers of at most MAX_NUMBER_CHARS characters; dates that exist.
    """

    depth = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, "YAML anchors and aliases (& and *) are not allowed", event.start_mark)
        tag = getattr(event, "tag", None)
        if tag not in (None, "!") and tag not in PLAIN_TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise _OverLimit(None, None, f"a YAML type tag ({shown}) is not allowed: write the value as plain "
                             "text, a list or fields", event.start_mark)
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if self.depth >= MAX_NESTING:
                raise yaml.composer.ComposerError(  # the stubs type the C loader's Mark apart; both are marks
                    None, None, f"lists and mappings are nested more than {MAX_NESTING} deep",
                    event.start_mark)  # type: ignore[arg-type]
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1
        return super().compose_node(parent, index)

    def construct_yaml_int(self, node):  # type: ignore[no-untyped-def]
        self._short_number(node)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node):  # type: ignore[no-untyped-def]
        self._short_number(node)
        return super().construct_yaml_float(node)

    def construct_yaml_timestamp(self, node):  # type: ignore[no-untyped-def]
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise _OverLimit(
                None, None, f"'{node.value}' is not a real date ({date_fault(node.value, exc)})",
                node.start_mark) from None

    def _short_number(self, node) -> None:  # type: ignore[no-untyped-def]
        if len(node.value) > MAX_NUMBER_CHARS:
            raise _OverLimit(
                None, None, f"a number of {len(node.value):,} characters; the limit is {MAX_NUMBER_CHARS}",
                node.start_mark)


_NoAliasLoader.add_constructor("tag:yaml.org,2002:int", _NoAliasLoader.construct_yaml_int)
_NoAliasLoader.add_constructor("tag:yaml.org,2002:float", _NoAliasLoader.construct_yaml_float)
_NoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", _NoAliasLoader.construct_yaml_timestamp)

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")


def date_fault(text: str, exc: Exception) -> str:
    """Why a date does not exist, in words: 'February has no day 30'."""
    found = re.match(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})", str(text))
    if found:
        month, day = int(found.group(2)), int(found.group(3))
        if not 1 <= month <= 12:
            return f"there is no month {month}"
        if day < 1 or day > 28:
            return f"{MONTH_NAMES[month - 1]} has no day {day}" + (f" in {found.group(1)}" if month == 2 and day == 29 else "")
    return "outside the dates this site can show" if isinstance(exc, OverflowError) else str(exc)


class _SafeFrontMatter(YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        return yaml.load(fm, Loader=_NoAliasLoader)  # noqa: S506 - loader is SafeLoader-based


def decode(key: str, data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise ContentError(key, [Problem("file", f"is {len(data):,} bytes; the limit is "
                                         f"{MAX_FILE_BYTES:,} bytes")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(key, [Problem("file", f"is not UTF-8 text (bad byte at offset {exc.start}); "
                                         "save it as UTF-8")]) from None
    return text.lstrip("\ufeff").replace("\r\n", "\n")


def split_front_matter(key: str, text: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---"):
        raise ContentError(key, [Problem("front matter", "is missing; the file must start with a "
                                         "'---' line, then YAML fields, then another '---' line", 1)])
    end = re.search(r"^(?:---|\.\.\.)\s*$", text[3:], re.MULTILINE)
    if end is None:
        raise ContentError(key, [Problem("front matter", "has no closing '---' line", 1)])
    if len(text[: end.end() + 3].encode()) > MAX_FRONT_MATTER_BYTES:
        raise ContentError(key, [Problem("front matter", f"is larger than {MAX_FRONT_MATTER_BYTES:,} bytes")])
    try:
        post = frontmatter.loads(text, handler=_SafeFrontMatter())
    except yaml.YAMLError as exc:
        raise ContentError(key, [_yaml_problem("front matter", exc, text)]) from None
    meta = post.metadata
    if not isinstance(meta, dict):
        raise ContentError(key, [Problem("front matter", "must be YAML 'key: value' fields", 1)])
    _refuse_lone_surrogates(key, meta)
    return meta, post.content


def load_yaml_file(key: str, data: bytes) -> dict[str, Any]:
    if PurePosixPath(key).suffix.lower() not in YAML_SUFFIXES:
        raise ContentError(key, [Problem("file", "must be a YAML file ending in .yaml or .yml")])
    text = decode(key, data)
    try:
        meta = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - loader is SafeLoader-based
    except yaml.YAMLError as exc:
        raise ContentError(key, [_yaml_problem("yaml", exc, text)]) from None
    if not isinstance(meta, dict):
        raise ContentError(key, [Problem("yaml", "must be 'key: value' fields")])
    _refuse_lone_surrogates(key, meta)
    return meta


def _yaml_problem(field_name: str, exc: yaml.YAMLError, text: str) -> Problem:
    """The problem a YAML error is; a value refused by a limit is named by its field where its line says."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    line = mark.line + 1 if mark is not None else None  # front matter text starts on the "---" line
    if isinstance(exc, _OverLimit) and line is not None:
        lines = text.splitlines()
        named = re.match(r"\s*([A-Za-z_][\w-]*)\s*:", lines[line - 1]) if line <= len(lines) else None
        if named:
            return Problem(named.group(1), problem, line)
    return Problem(field_name, f"is not valid YAML: {problem}", line)


def _refuse_lone_surrogates(key: str, meta: dict[str, Any]) -> None:
    """Text must be text: a YAML escape such as "\\ud83d" (half of a UTF-16 pair) is no character,
    and nothing can store or show it.

    :raise ContentError: naming each field that holds one.
    """
    def holds(value: Any) -> bool:
        if isinstance(value, str):
            return bool(SURROGATE.search(value))
        if isinstance(value, dict):
            return any(holds(k) or holds(v) for k, v in value.items())
        return isinstance(value, list) and any(holds(v) for v in value)

    fields = [name for name, value in meta.items() if holds(name) or holds(value)]
    if fields:
        raise ContentError(key, [Problem(str(name), "holds an escape such as \\ud83d that is half of a character "
                                         "(a lone surrogate); write the character itself, or its full escape")
                                 for name in fields])
