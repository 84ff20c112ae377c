"""What is wrong with a file an editor uploaded: each ``Problem`` names the field and says what to do,
and a ``ContentError`` gathers them for one file.

The content format raises them (``chalicelib.content``); ingest writes them in the file's report
(``chalicelib.bucket``), the desk shows them beside each field and the editors' tool prints them.
Their words can always be written as UTF-8 (``printable``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SURROGATE = re.compile(  # half of a UTF-16 pair: no character, nothing can store it
    "[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with any lone surrogate replaced by U+FFFD, so it can be written as UTF-8."""
    return SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: which field, what is wrong, where.

    Its words can always be stored, printed and written as UTF-8: a lone
    surrogate quoted from the file becomes U+FFFD.
    """

    field: str
    message: str
    line: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "field", printable(self.field))
        object.__setattr__(self, "message", printable(self.message))

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.field}: {self.message}{where}"


class ContentError(Exception):
    """A file an editor uploaded cannot be published; ``problems`` says why."""

    def __init__(self, key: str, problems: list[Problem]):
        self.key = key
        self.problems = problems
        super().__init__("\n".join(f"{key}: {p}" for p in problems))


def fault_of_ours(key: str, exc: BaseException) -> ContentError:
    """The report for a file that broke the site's own code (``exc``): not the editor's mistake to
    find, so it says so, and what to do, in words (the operators get ``exc`` in the log: see ``ingest``)."""
    return ContentError(key, [Problem("file", "could not be published because of a fault in the site's own "
                                      "software; the site is unchanged. Please report "
                                      "this file to the site's developers; changing the file may work around it")])
