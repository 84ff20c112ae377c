"""Bringing a list over: a read export (``lists.read``) written as subscribers, every row accounted for.

What each row becomes (``Report``):

- a new address the export says consented: ``active``, on the newsletters the admin chose, its
  consent kept (the export's dates, "import:<service>", the file's name). No confirmation e-mail is
  sent: they confirmed with the service they came from, and a burst of confirmation e-mails to a whole
  list is what gets a sender blocked.
- a new address the export says unsubscribed or bounced: kept as such, so no send reaches it and a
  later import or form cannot quietly undo it (a sign-up of their own, confirmed, may).
- an address already here: kept as it is ("unchanged"), its own choices on this site win; except
  that an unsubscribe in the export unsubscribes an active or pending subscriber.
- a suppressed address (deleted their data here, bounced, complained): reported, never imported.

Importing the same file twice changes nothing the second time: every row is then "unchanged" or
reported. Reads go 100 addresses at a time (BatchGetItem), each write is conditional
(``subscribers.saved``): a sign-up landing meanwhile is read again, never overwritten.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from chalicelib import keys, retry
from chalicelib.models import Subscriber
from chalicelib.newsletters import lists, subscribers

READ_BATCH = 100  # BatchGetItem's limit
PROGRESS_EVERY = 10  # batches between two progress reports (one S3 write each)
MAX_LISTED = 10_000  # rows listed by number in a report; beyond, counted


@dataclass
class Report:
    """What became of every row: counts, and each row not imported with its reason (and its file, for a zip)."""

    source: str | None
    rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # imported active, imported unsubscribed, ..., reported
    reported: list[dict[str, Any]] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    def report(self, problem: lists.Problem, file: str = "") -> None:
        self.count("reported")
        if len(self.reported) < MAX_LISTED:
            self.reported.append({**problem.as_dict(), **({"file": file} if file else {})})

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "rows": self.rows, "counts": dict(sorted(self.counts.items())),
                "reported": sorted(self.reported, key=lambda p: (str(p.get("file", "")), int(p["row"])))}


def import_file(data: bytes, newsletters: list[str], file_name: str, now: float | None = None,
                progress: Callable[[int], object] | None = None) -> Report:
    """Read an export (a CSV, or Mailchimp's zip of them) and write its rows (``newsletters``: what an
    active import receives); the report."""
    moment = time.time() if now is None else now
    try:
        parts = lists.files_of(data, file_name)
    except lists.Refused as refused:
        report = Report(None)
        report.report(lists.Problem(0, "", str(refused)))
        return report
    report = Report(None)
    done = 0
    for name, unpacked in parts:
        parsed = lists.read(unpacked())  # one file in memory at a time
        shown = name if len(parts) > 1 else ""
        report.source = report.source or parsed.source
        report.rows += parsed.rows
        for problem in parsed.problems:
            report.report(problem, shown)
        if not newsletters:
            for entry in parsed.entries:
                report.report(lists.Problem(entry.row, "", "no newsletter was chosen for the import"), shown)
            continue
        done = _write(parsed, report, newsletters, name, shown, moment, done, progress)
    return report


def _write(parsed: lists.Parsed, report: Report, newsletters: list[str], name: str, shown: str, moment: float,
           done: int, progress: Callable[[int], object] | None) -> int:
    """One file's entries written, 100 addresses read a call; how many rows are done in all."""
    for first in range(0, len(parsed.entries), READ_BATCH):
        batch = parsed.entries[first:first + READ_BATCH]
        found = {item.pk: item for item in Subscriber.batch_get(
            [keys.subscriber(subscribers.address_hash(e.email)) for e in batch], consistent_read=True)}
        for entry in batch:
            hashed = subscribers.address_hash(entry.email)
            outcome = _apply(entry, found.get(keys.subscriber(hashed)[0]), hashed, parsed.source or "", newsletters,
                             name, moment)
            if isinstance(outcome, lists.Problem):
                report.report(outcome, shown)
            else:
                report.count(outcome)
        done += len(batch)
        if progress is not None and (first // READ_BATCH) % PROGRESS_EVERY == PROGRESS_EVERY - 1:
            progress(done)
    return done


def _apply(entry: lists.Entry, item: Subscriber | None, hashed: str, source: str, newsletters: list[str],
           file_name: str, moment: float) -> str | lists.Problem:
    column = "Email Address" if source == "Mailchimp" else "email"
    for _ in range(retry.ATTEMPTS):
        if item is not None and (item.state == "deleted" or item.state in subscribers.SUPPRESSED):
            why = {"deleted": "this person deleted their data here", "bounced": "our e-mails to it bounced",
                   "complained": "its owner reported our e-mail as spam"}[str(item.state)]
            return lists.Problem(entry.row, column, f"suppressed, not imported: {why}")
        if item is not None:
            if entry.state in ("unsubscribed", "bounced") and item.state in ("active", "pending"):
                subscribers.unsubscribe(hashed, how=f"import from {source}", now=moment)
                return "unsubscribed"
            return "unchanged"
        new = Subscriber(*keys.subscriber(hashed), email=entry.email, state=entry.state,
                         newsletters=list(newsletters) if entry.state == "active" else [],
                         consent={"at": entry.consented, "confirmed": entry.confirmed, "form": f"import:{source}",
                                  "wording": f"consent given to {source}, imported from {file_name[:100]}",
                                  "source": "", "newsletters": list(newsletters)})
        subscribers.note(new, moment, "imported", source=source, file=file_name[:100], row=entry.row,
                         newsletters=new.newsletters)
        if entry.changed:
            new.history[0]["their_" + entry.state] = entry.changed
        if subscribers.saved(new, None):
            return f"imported {entry.state}"
        item = subscribers.find(hashed)  # someone signed up meanwhile: decide again on what is there
    raise retry.ConcurrentChange(f"subscriber {hashed}")


def exported_rows(items: Any) -> list[list[str]]:
    """The export CSV's rows (header first): every subscriber but the deleted, with state, newsletters and
    the consent's dates."""
    rows = [["email", "state", "newsletters", "consented_at", "confirmed_at", "consent_form", "last_change",
             "last_change_at"]]
    for item in items:
        if item.state == "deleted":
            continue
        consent = item.consent or {}
        last = (item.history or [{}])[-1]
        rows.append([_cell(item.email), item.state, "; ".join(item.newsletters or []), consent.get("at") or "",
                     consent.get("confirmed") or "", consent.get("form") or "", str(last.get("change", "")),
                     str(last.get("at", ""))])
    return rows


def _cell(value: str) -> str:
    """A value a spreadsheet shows as text, never runs as a formula (OWASP's CSV injection advice)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def counts_of(items: Any) -> dict[str, int]:
    """How many subscribers are in each state (the deleted count as the suppression list's size)."""
    found = dict.fromkeys(subscribers.STATES, 0)
    for item in items:
        found[str(item.state)] = found.get(str(item.state), 0) + 1
    return found


def every_subscriber() -> Any:
    """Every subscriber item: a Scan (the imports function's, never the web's), 1 MB pages."""
    return Subscriber.scan(Subscriber.pk.startswith(keys.SUBSCRIBER_PREFIX))
