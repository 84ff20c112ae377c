"""Check, upload and follow files until each is live or refused: what every command that
writes files (publish, submit, approve, revert, import-wordpress) does with them.
"""

from __future__ import annotations

import sys
from typing import Any, Mapping

import click

from newsroom.cli.options import say_where


def refuse_if_problems(files: Mapping[str, bytes], what: str = "was uploaded") -> bool:
    """Check ``files`` (bucket key -> bytes) with ingest's own parser; print every problem. Whether
    all are fine (else nothing may be uploaded)."""
    from chalicelib.imports.uploads import problems_of

    problems = problems_of(files)
    for key, found in sorted(problems.items()):
        for problem in found:
            click.echo(f"{key}: {problem}", err=True)
    if problems:
        click.echo(f"{len(problems)} file(s) have problems; nothing {what}.", err=True)
    return not problems


def send(files: Mapping[str, bytes], settings: Any, wait: bool, timeout: float,
          metadata: dict[str, str] | None = None, keep_existing: bool = False) -> dict[str, Any]:
    """Check, upload and follow ``files`` (bucket key -> bytes); what became of each uploaded file
    (with --no-wait, only those ``keep_existing`` kept: state "kept"). Exits non-zero, uploading
    nothing, if any file has problems."""
    if not refuse_if_problems(files):
        sys.exit(1)
    from chalicelib import config
    from chalicelib.aws import s3_client
    from chalicelib.config import UPLOADED_BY
    from chalicelib.imports.uploads import upload
    from newsroom.publisher import Status, queue_depth, wait_live
    from newsroom.who import uploader

    say_where("Uploading to", settings)
    metadata = {UPLOADED_BY: uploader(), **(metadata or {})}
    s3 = s3_client()
    skipped = 0
    with click.progressbar(length=len(files), label=f"Uploading to {settings.bucket}", file=sys.stderr,
                           item_show_func=lambda key: key) as bar:
        def step(key: str, sent: bool) -> None:
            nonlocal skipped
            skipped += not sent
            bar.update(1, key)

        done = upload(s3, settings.bucket, files, progress=step, metadata=metadata, keep_existing=keep_existing)
    uploaded = done.sent
    kept = {key: Status(key, "kept", "another version is already there; kept as it is") for key in done.kept}
    click.echo(f"{len(uploaded)} uploaded, {skipped - len(kept)} unchanged (already in the bucket)"
               + (f", {len(kept)} kept (another version is already there: not overwritten)." if kept else "."))
    for status in list(kept.values())[:20]:
        click.echo(f"{status.state:>8}  {status.key}  {status.detail}", err=True)
    if not wait or not uploaded:
        return kept
    followed = sum(1 for key in uploaded if not key.startswith(config.MEDIA_PREFIX))
    counts: dict[str, int] = {}

    def applied(status: Any) -> None:
        counts[status.state] = counts.get(status.state, 0) + 1
        click.echo(f"{status.state:>8}  {status.key}  {status.detail}".rstrip())

    def still_going(done: int, waiting: int) -> None:
        so_far = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        click.echo(f"ingest is working: {done} of {followed} applied ({so_far or 'none yet'}), {waiting} waiting",
                   err=True)

    statuses = wait_live(uploaded, timeout=timeout, progress=applied, heartbeat=still_going,
                         moving=lambda: queue_depth(settings.queue))
    stuck = [s for s in statuses.values() if s.state == "waiting"]
    for status in stuck[:20]:
        click.echo(f"{status.state:>8}  {status.key}  {status.detail}", err=True)
    if stuck:
        depth = queue_depth(settings.queue)
        queue = (f"the ingest queue {settings.queue} holds {depth[0]} messages, {depth[1]} in flight"
                 if depth else f"the ingest queue {settings.queue} could not be read")
        click.echo(f"{len(stuck)} of {followed} files not applied: nothing moved for {timeout:g} s and {queue}. "
                   "Is ingest running (`make run`, or the stack's ingest function)? `newsroom errors` lists refused "
                   "files; run the command again to go on waiting (unchanged files are not uploaded again).", err=True)
    return {**statuses, **kept}
