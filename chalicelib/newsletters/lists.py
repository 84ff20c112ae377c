"""Reading another service's list of subscribers: the CSV exports of Mailchimp, Substack and Ghost.

``read`` takes the file's bytes and returns every data row either as an ``Entry`` (an address, what
the export says of it, and its dates) or as a ``Problem`` naming the row (as a spreadsheet numbers
it: the header is row 1), the column and what is wrong: ``len(entries) + len(problems) == rows``
always, whatever the bytes. Nothing is written here (``importing`` writes).

The columns, as each service writes them:

- Mailchimp (Audience > Export audience: a zip of ``subscribed_*.csv``, ``unsubscribed_*.csv``,
  ``cleaned_*.csv``): "Email Address", "First Name", "Last Name", ..., "MEMBER_RATING", "OPTIN_TIME",
  "OPTIN_IP", "CONFIRM_TIME", "CONFIRM_IP", ..., "LAST_CHANGED", "LEID", "EUID"; the unsubscribed file
  adds "UNSUB_TIME", "UNSUB_CAMPAIGN_TITLE", "UNSUB_CAMPAIGN_ID", "UNSUB_REASON"; the cleaned file
  (hard bounces, or repeated soft ones) adds "CLEAN_TIME", "CLEAN_CAMPAIGN_TITLE", "CLEAN_CAMPAIGN_ID"
  (the twenty columns as MailPoet's Mailchimp importer lists them, mailpoet/wysija-newsletters
  helpers/import.php; the zip's three files as ginkgo.st's "Notes on MailChimp data exports" describes them).
  OPTIN_TIME is when the person opted in, CONFIRM_TIME when
  they confirmed a double opt-in: either is consent; a subscribed row with neither is not imported.
- Substack (Settings > Export, the "email list" CSV): "email", "active_subscription", "expiry",
  "plan", "email_disabled", "created_at" (as Substack's export and dbt's substack staging model name
  them). Everyone on a Substack list signed up there: "created_at" is the consent date;
  "email_disabled" true means they stopped the e-mails (unsubscribed).
- Ghost (Members > Export): "id", "email", "name", "note", "subscribed_to_emails",
  "complimentary_plan", "stripe_customer_id", "created_at", "deleted_at", "labels", "tiers" (Ghost's
  admin members import mapping, TryGhost/Ghost ghost/admin/app/components/modal-members-import-mapping.js).
  "subscribed_to_emails" true with "created_at" is consent; false is an unsubscribe.

Files come from Excel as often as from the service: a byte-order mark, semicolons (Excel in much of
Europe), Windows-1252 rather than UTF-8, quoted commas and line breaks inside quotes are all read.
"""

from __future__ import annotations

import csv
import functools
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterator

from chalicelib import outside_paths
from chalicelib.newsletters import signup, subscribers

SOURCES = ("Mailchimp", "Substack", "Ghost")
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024  # all of a zip's CSVs together, counted as they unpack: more is a zip bomb
MAX_MEMBER_BYTES = 100 * 1024 * 1024  # one CSV of a zip: as much as a CSV uploaded alone (subscribers_job)
MAX_ENTRIES = 100  # entries of any kind in a zip: Mailchimp's holds three files
MAX_RATIO = 100  # unpacked bytes per packed byte: CSV text packs 5 to 20 times, a bomb a thousand
RATIO_FROM_BYTES = 1024 * 1024  # the ratio counts from 1 MB on: a small file may pack as it likes
CHUNK_BYTES = 1024 * 1024  # a zip's file is unpacked this much at a time
MAX_FIELD_CHARS = 100_000  # a field longer than this is a broken file, not a name
_EMPTY_ROW = "an empty row"


@dataclass(frozen=True)
class Entry:
    """One row of an export, understood: who, and what the export says of them."""

    row: int
    email: str  # normalized (``subscribers.normalized``)
    state: str  # "active" (consented), "unsubscribed", "bounced"
    consented: str | None  # ISO 8601 UTC: when they opted in
    confirmed: str | None  # when they confirmed a double opt-in (Mailchimp's CONFIRM_TIME)
    changed: str | None  # when they unsubscribed or bounced


@dataclass(frozen=True)
class Problem:
    """Why one row is not imported: its number (the header is row 1), the column, the problem."""

    row: int
    column: str
    problem: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "problem": self.problem}


@dataclass(frozen=True)
class Parsed:
    """A whole file read: which service wrote it, and every data row as an entry or a problem."""

    source: str | None  # one of SOURCES; None: the file was refused whole (see problems)
    rows: int
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]


class Refused(Exception):
    """A whole upload that is not a list: a broken zip, one with no CSV, or one that unpacks too large."""


def files_of(data: bytes, name: str) -> list[tuple[str, Callable[[], bytes]]]:
    """The CSV files of an upload, each as its name and a function that unpacks it: the upload itself,
    or each CSV of a zip (Mailchimp's export is one), subscribed first, then unsubscribed, then cleaned,
    so that a later file's unsubscribe or bounce wins. A zip's files are unpacked one at a time, when
    asked, so at most one is in memory.

    A zip is checked whole first, by unpacking it (nothing kept) and counting what comes out rather
    than trusting what it declares: at most ``MAX_ENTRIES`` entries, each CSV at most
    ``MAX_MEMBER_BYTES`` and at most ``MAX_RATIO`` times its compressed size, all of them at most
    ``MAX_UNZIPPED_BYTES``. A zip over any of these is refused before anything is imported.

    :raise Refused: a zip that cannot be read, holds no CSV, or is over a limit: the message names the
        upload, the file inside it and the limit.
    """
    if not data.startswith(b"PK\x03\x04"):
        return [(name, lambda: data)]
    shown = outside_paths.shown(name[:200])
    declared = _entries_declared(data)
    if declared is not None and declared > MAX_ENTRIES:
        raise Refused(f"{shown} holds {'more than 65,534' if declared == 0xFFFF else f'{declared:,}'} entries: a "
                      f"list's zip may hold at most {MAX_ENTRIES}; import its CSV files one by one")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise Refused(f"{shown} holds {len(entries):,} entries: a list's zip may hold at most {MAX_ENTRIES}; "
                          "import its CSV files one by one")
        members = [m for m in entries if m.filename.lower().endswith(".csv") and not m.is_dir()
                   and not m.filename.split("/")[-1].startswith(".")]
        if not members:
            raise Refused(f"{shown} is a zip with no .csv file in it")
        order = ("unsubscribed", "cleaned")
        members.sort(key=lambda m: (next((i + 1 for i, w in enumerate(order) if w in m.filename.lower()), 0),
                                    m.filename))
        total = 0
        for member in members:
            total += _unpacked_size(archive, member, shown, MAX_UNZIPPED_BYTES - total)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
            ValueError) as error:
        raise Refused(f"{shown} is not a zip that can be opened ({error})") from None
    return [(m.filename.split("/")[-1], functools.partial(_unpacked, archive, m, shown)) for m in members]


def _entries_declared(data: bytes) -> int | None:
    """How many entries a zip's end record says it holds (0xFFFF: more, in a Zip64 record), read before
    ``zipfile`` builds a record of each (a hostile central directory could name millions); None if
    there is no end record (``zipfile`` then says the zip is broken)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    return None if at < 0 or len(data) < at + 12 else int.from_bytes(data[at + 10:at + 12], "little")


def _unpacked_size(archive: zipfile.ZipFile, member: zipfile.ZipInfo, shown: str, room: int) -> int:
    """How many bytes ``member`` unpacks to, counted as it unpacks (nothing kept). :raise Refused: over
    ``MAX_MEMBER_BYTES``, ``MAX_RATIO`` or the ``room`` left of ``MAX_UNZIPPED_BYTES``."""
    size = 0
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            size += len(chunk)
            _check_size(member, shown, size, room)
    return size


def _unpacked(archive: zipfile.ZipFile, member: zipfile.ZipInfo, shown: str) -> bytes:
    """``member``'s bytes, unpacked within the same limits (the zip was checked whole before)."""
    out = io.BytesIO()
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            out.write(chunk)
            _check_size(member, shown, out.tell(), MAX_UNZIPPED_BYTES)
    return out.getvalue()


def _check_size(member: zipfile.ZipInfo, shown: str, size: int, room: int) -> None:
    inner = outside_paths.shown(member.filename[-200:])
    if size > MAX_MEMBER_BYTES:
        raise Refused(f"{shown}: {inner} unpacks to more than {MAX_MEMBER_BYTES // 2**20} MB, the most a list's "
                      "file may hold: split it and import each part")
    if size > room:
        raise Refused(f"{shown} unpacks to more than {MAX_UNZIPPED_BYTES // 2**20} MB (at {inner}): import its CSV "
                      "files one by one")
    if size > RATIO_FROM_BYTES and size > MAX_RATIO * max(member.compress_size, 1):
        raise Refused(f"{shown}: {inner} unpacks to more than {MAX_RATIO} times its packed size "
                      f"({member.compress_size:,} bytes), as no list does: a zip bomb, not imported")


def read(data: bytes) -> Parsed:
    """Every row of an export, as an entry or a problem; never raises on bad bytes."""
    text, _ = _decoded(data)
    records = _records(text.replace("\0", ""))
    header: list[str] | None = None
    for number, fields, error in records:
        if error is None and any(f.strip() for f in fields):
            header = [f.strip().lstrip("\ufeff").strip() for f in fields]
            break
        if error == _EMPTY_ROW:
            continue
        return Parsed(None, 0, (), (Problem(number, "", "the first row is not a row of column names: "
                                            + (error or "it is empty")),))
    if header is None:
        return Parsed(None, 0, (), (Problem(1, "", "the file is empty"),))
    source = _source_of([h.lower() for h in header])
    if source is None:
        return Parsed(None, 0, (), (Problem(1, "", "these columns are not a Mailchimp, Substack or Ghost export "
                                            "(no “Email Address” or “email” column with their other columns): "
                                            + ", ".join(h[:40] for h in header[:12])),))
    entries: list[Entry] = []
    problems: list[Problem] = []
    first_row_of: dict[str, int] = {}
    rows = 0
    for number, fields, error in records:
        rows += 1
        if error is not None:
            problems.append(Problem(number, "", error))
            continue
        found = _entry(source, header, number, fields)
        if isinstance(found, Problem):
            problems.append(found)
        elif found.email in first_row_of:
            problems.append(Problem(number, _email_column(source), f"the same address as row {first_row_of[found.email]}"
                                    ": imported once, from that row"))
        else:
            first_row_of[found.email] = number
            entries.append(found)
    return Parsed(source, rows, tuple(entries), tuple(problems))


def _decoded(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"  # what Excel writes, "CSV" on Windows


def _records(text: str) -> Iterator[tuple[int, list[str], str | None]]:
    """(row number, fields, or why the row cannot be read) for every record after the ones consumed."""
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=lambda d: (first_line.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    number = 0
    while True:
        number += 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield number, [], f"this row cannot be read as CSV ({error})"
            continue
        if any(len(f) > MAX_FIELD_CHARS for f in fields):
            yield number, [], f"a field is longer than {MAX_FIELD_CHARS:,} characters"
            continue
        if not fields:  # a blank line: csv gives no fields
            yield number, [], _EMPTY_ROW
            continue
        yield number, fields, None


def _source_of(names: list[str]) -> str | None:
    if "email address" in names and ("optin_time" in names or "confirm_time" in names or "leid" in names):
        return "Mailchimp"
    if "email" in names and ("subscribed_to_emails" in names or "complimentary_plan" in names):
        return "Ghost"
    if "email" in names and ("email_disabled" in names or "active_subscription" in names):
        return "Substack"
    return None


def _email_column(source: str) -> str:
    return "Email Address" if source == "Mailchimp" else "email"


def _entry(source: str, header: list[str], number: int, fields: list[str]) -> Entry | Problem:
    if len(fields) != len(header):
        return Problem(number, "", f"this row has {len(fields)} fields, the first row names {len(header)} columns "
                                   "(a comma or quote out of place?)")
    values = {name.lower(): value.strip() for name, value in zip(header, fields, strict=True)}
    column = _email_column(source)
    email = subscribers.normalized(values.get(column.lower(), ""))
    if not email:
        return Problem(number, column, "no address")
    if not signup.is_address(email):
        return Problem(number, column, f"“{email[:80]}” is not an e-mail address")
    try:
        if source == "Mailchimp":
            return _mailchimp(number, email, values)
        if source == "Substack":
            return _substack(number, email, values)
        return _ghost(number, email, values)
    except _Bad as bad:
        return Problem(number, bad.column, bad.problem)


class _Bad(Exception):
    def __init__(self, column: str, problem: str) -> None:
        super().__init__(problem)
        self.column, self.problem = column, problem


def _mailchimp(number: int, email: str, values: dict[str, str]) -> Entry:
    optin, confirmed = _date(values, "OPTIN_TIME"), _date(values, "CONFIRM_TIME")
    cleaned, unsubscribed = _date(values, "CLEAN_TIME"), _date(values, "UNSUB_TIME")
    if cleaned:
        return Entry(number, email, "bounced", optin, confirmed, cleaned)
    if unsubscribed:
        return Entry(number, email, "unsubscribed", optin, confirmed, unsubscribed)
    if "unsub_time" in values or "clean_time" in values:
        column = "UNSUB_TIME" if "unsub_time" in values else "CLEAN_TIME"
        raise _Bad(column, "empty in Mailchimp's unsubscribed or cleaned file: no date to keep")
    if not (optin or confirmed):
        raise _Bad("OPTIN_TIME", "no consent: Mailchimp records neither when they opted in nor when they confirmed "
                   "(CONFIRM_TIME), so they are not imported; they can sign up themselves")
    return Entry(number, email, "active", optin or confirmed, confirmed, None)


def _substack(number: int, email: str, values: dict[str, str]) -> Entry:
    created = _date(values, "created_at")
    if _yes(values, "email_disabled"):
        return Entry(number, email, "unsubscribed", created, None, None)
    if not created:
        raise _Bad("created_at", "no date they signed up: no consent to keep, so they are not imported")
    return Entry(number, email, "active", created, None, None)


def _ghost(number: int, email: str, values: dict[str, str]) -> Entry:
    created = _date(values, "created_at")
    if not _yes(values, "subscribed_to_emails"):
        return Entry(number, email, "unsubscribed", created, None, None)
    if not created:
        raise _Bad("created_at", "no date they signed up: no consent to keep, so they are not imported")
    return Entry(number, email, "active", created, None, None)


def _yes(values: dict[str, str], column: str) -> bool:
    value = values.get(column.lower(), "").lower()
    if value in ("true", "1", "yes", "y"):
        return True
    if value in ("false", "0", "no", "n", ""):
        return False
    raise _Bad(column, f"“{value[:40]}” is neither true nor false")


_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%m/%d/%Y %H:%M", "%m/%d/%Y")


def _date(values: dict[str, str], column: str) -> str | None:
    """A column's date as ISO 8601 UTC, None if empty. A date with an offset (Ghost's and Substack's end
    in Z) is converted; one without (Mailchimp's "2021-03-04 10:00:00") is taken as UTC: the exports do
    not say, and an hour either way does not change what the consent was.

    :raise _Bad: a value that is not a date.
    """
    value = values.get(column.lower(), "")
    if not value:
        return None
    text = value.replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        for form in _FORMATS:
            try:
                moment = datetime.strptime(value, form)
                break
            except ValueError:
                continue
        else:
            raise _Bad(column, f"“{value[:40]}” is not a date (for example 2024-03-01 09:30:00)") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    if not 1990 <= moment.year <= 2100:
        raise _Bad(column, f"“{value[:40]}” is not a plausible date")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
