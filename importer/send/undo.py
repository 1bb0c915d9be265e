"""Applying an undo file's lines to Kit: each kind of line becomes a stage (send/stages/undo.py) and the
scheduler runs them as it runs a run's, several requests in flight at the rate limit. A request that
fails fails only its lines; Ctrl-C or SIGTERM stops the undo cleanly, every line left said to be not
sent, or sent and not confirmed (Kit may have applied it)."""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict

from importer.decide.dry_run import default_concurrency
from importer.errors import Terminated
from importer.kit import KitClient, list_custom_fields, list_tags
from importer.outputs.undo import (CREATED, CREATED_TAG, FIELD, FIRST_NAME, REMOVED_TAG, STATE, TAG, UndoLine,
                                   UndoReport, count_done)
from importer.records import REASON_NOT_CONFIRMED, REASON_NOT_SENT, Contact
from importer.send.scheduler import Scheduler
from importer.send.stages import undo as stages
from importer.send.stages.undo import Ledger, UndoStage

APPLIED = (FIELD, FIRST_NAME, TAG, REMOVED_TAG)


def undo(lines: list[UndoLine], client: KitClient | None, *, path: str = "", dry_run: bool = False,
         unsubscribe_created: bool = False, concurrency: int | None = None,
         stop_grace: float | None = None) -> UndoReport:
    """Take back a run from its undo lines: restore values and first names, remove the tags it added,
    put back the tags it removed, list (and, when asked, unsubscribe) the subscribers it created.
    Nothing is sent in a dry run. An interrupt does not propagate: the report says it stopped."""
    clock = time.monotonic()
    report = UndoReport(path, dry_run=dry_run, unsubscribe_created=unsubscribe_created)
    report.created = [line.email for line in lines if line.what == CREATED]
    report.tags_created = [line.key for line in lines if line.what == CREATED_TAG]
    report.states_kept = [line for line in lines if line.what == STATE]
    wanted = [line for line in lines if line.what in APPLIED or (unsubscribe_created and line.what == CREATED)]
    if dry_run or client is None:
        for line in wanted:
            if line.what != CREATED:
                count_done(report, line)
        report.unsubscribed = len(report.created) if unsubscribe_created else 0
        report.elapsed_seconds = time.monotonic() - clock
        return report
    ledger = Ledger(report)
    try:
        scheduler = Scheduler(_stages(client, ledger, wanted), stop_grace=stop_grace,
                              concurrency=concurrency or default_concurrency(client))
        _run(scheduler, wanted)
    except KeyboardInterrupt as interrupt:
        report.stopped = str(interrupt) or "interrupted (Ctrl-C)"
        report.terminated = isinstance(interrupt, Terminated)
        for line in wanted:
            if id(line) not in ledger.settled:
                said = REASON_NOT_CONFIRMED if id(line) in ledger.started else REASON_NOT_SENT
                report.failed.append((line, f"{said}: the undo stopped: {report.stopped}"))
    report.requests = client.stats.total
    report.elapsed_seconds = time.monotonic() - clock
    return report


def _run(scheduler: Scheduler, lines: list[UndoLine]) -> None:
    """Send the lines, one scheduler contact per email; an interrupt between two answers winds it down too."""
    emails = dict.fromkeys(line.email for line in lines)
    batches = scheduler.submit(Contact(email, None, {}, []) for email in emails)
    try:
        for _ in batches:
            pass
    except KeyboardInterrupt as interrupt:
        # Raised by the scheduler after winding down (then `batches` is spent), or outside it: wind down now.
        scheduler.stop(interrupt)
        with contextlib.suppress(KeyboardInterrupt):
            for _ in batches:
                pass
        raise interrupt from None


def _stages(client: KitClient, ledger: Ledger, lines: list[UndoLine]) -> list[UndoStage]:
    """The stages for the lines with this credential; a line naming a field or tag Kit no longer has, or
    a tag to remove without a subscriber id, fails here, before anything is sent."""
    kinds = {line.what for line in lines}
    fields = {f.key: f for f in list_custom_fields(client)} if FIELD in kinds else {}
    tags = {t.name.casefold(): t for t in list_tags(client)} if kinds & {TAG, REMOVED_TAG} else {}
    by_email: dict[str, list[UndoLine]] = defaultdict(list)
    for line in lines:
        if line.what == FIELD and line.key not in fields:
            ledger.fail(line, f"Kit has no custom field with the key {line.key!r} any more")
        elif line.what in (TAG, REMOVED_TAG) and line.key.casefold() not in tags:
            ledger.fail(line, f"Kit has no tag named {line.key!r} any more")
        elif line.what == TAG and line.subscriber_id is None and not client.credential.can_bulk:
            ledger.fail(line, "the undo file gives no subscriber id")
        else:
            by_email[line.email].append(line)
    if client.credential.can_bulk:
        return [stages.BulkValues(client, ledger, by_email, fields), stages.BulkNames(client, ledger, by_email),
                stages.BulkUntags(client, ledger, by_email, tags), stages.BulkPutBack(client, ledger, by_email, tags),
                stages.Unsubscribes(client, ledger, by_email)]
    return [stages.Upserts(client, ledger, by_email), stages.Untag(client, ledger, by_email, tags),
            stages.PutBack(client, ledger, by_email, tags), stages.Unsubscribes(client, ledger, by_email)]
