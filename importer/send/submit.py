"""Sending a run's contacts through the stages, journaling each acknowledged answer, and stopping cleanly."""

from __future__ import annotations

import contextlib

from importer.decide.run_memory import RunMemory
from importer.decide.tally import Tally
from importer.decide.unsubscribes import Mode
from importer.errors import KitError, Terminated
from importer.kit import KitClient
from importer.outputs.report import RunReport
from importer.read.merge import ContactMerger
from importer.records import Outcome, Status
from importer.send.scheduler import Scheduler
from importer.send.stages import stages_for
from importer.progress import Progress
from importer.decide.work import Work
from importer.decide.dry_run import default_concurrency
from importer.send.outcomes import half_confirmed, not_confirmed, not_sent, tally


def submit(client: KitClient, work: Work, report: RunReport, errors: dict[int, list[str]],
            progress: Progress, concurrency: int | None, state: RunMemory | None,
            columns: dict[str, str], stages: list | None = None, kit_plan: Tally | None = None,
            consent: Mode = Mode.HONOUR) -> None:
    """Send the work through the stages; each acknowledged answer is journaled in the state store,
    if any. If the run stops, every contact not settled is rejected: not confirmed if its request
    was sent and never answered (Kit may have applied it), else not sent."""
    workers = concurrency or default_concurrency(client)
    submitter = Scheduler(stages if stages is not None else stages_for(client), concurrency=workers)
    progress.phase("Importing contacts", work.count)
    settled: set[str] = set()
    # Created or updated is what Kit held when the run read it, not a guess from created_at.
    created = {email.casefold() for email in kit_plan.created} if kit_plan is not None else None

    def record(batch: list[Outcome]) -> None:
        if state is not None:
            state.settled(batch)
        for outcome in batch:
            if created is not None and outcome.status in (Status.CREATED, Status.UPDATED):
                outcome.status = Status.CREATED if outcome.contact.email.casefold() in created else Status.UPDATED
            if outcome.contact.email not in settled:
                tally(outcome, report, errors, columns, consent)
                settled.add(outcome.contact.email)

    batches = submitter.submit(iter(work), lambda n: progress.advance(n, client.stats.total),
                               journal=state.upserted if state is not None else None)
    try:
        try:
            for batch in batches:
                try:
                    record(batch)
                except KeyboardInterrupt as interrupt:
                    record(batch)  # finish the batch the interrupt cut short, then wind down
                    submitter.stop(interrupt)
        except KeyboardInterrupt as interrupt:
            # Raised by the scheduler after winding down (then `batches` is spent), or between two
            # batches, outside it: then it winds down now, settling what answers in its grace.
            submitter.stop(interrupt)
            with contextlib.suppress(KeyboardInterrupt):
                for batch in batches:
                    record(batch)
            raise interrupt from None
    except (KitError, KeyboardInterrupt) as e:
        # A KitError here is fatal (401/403): per-request failures were already turned into row
        # failures by the submitter, and outcomes in flight were settled before it was raised.
        why = why_stopped(e)
        report.stopped = why
        if not isinstance(e, KeyboardInterrupt):
            report.error = why  # said once in the summary; in the JSON report's `error` too
        report.interrupted = isinstance(e, KeyboardInterrupt)
        report.terminated = isinstance(e, Terminated)
        stopped = f"the run stopped: {why}"
        in_flight = submitter.in_flight()
        # Kit confirmed these subscribers; a later request of theirs (values, tags) got no answer. record()
        # settles them, so they are not among those left below.
        record([half_confirmed(o, stopped) for o in in_flight
                if o.status in (Status.CREATED, Status.UPDATED) and o.contact.email not in settled])
        unanswered = {outcome.contact.email for outcome in in_flight}
        left = [c for c in work if c.email not in settled]
        not_confirmed((c for c in left if c.email in unanswered), stopped, report, errors)
        not_sent((c for c in left if c.email not in unanswered), stopped, report, errors)


def interrupted_before_sending(interrupt: KeyboardInterrupt, contacts: ContactMerger, work: Work | None,
                                report: RunReport, errors: dict[int, list[str]]) -> None:
    """Ctrl-C (or SIGTERM) after the rows were read but before the first contact was sent (while
    Kit is read, say): stop as a run stopped while sending does, with every contact not sent in
    the failures CSV, so that every row read is still accounted for. Without a `work` yet, every
    contact is pending; with one, those it leaves out are Kit's already."""
    why = why_stopped(interrupt)
    report.stopped, report.interrupted = why, True
    report.terminated = isinstance(interrupt, Terminated)
    pending = list(work) if work is not None else list(contacts.contacts())
    report.unchanged = report.contacts - len(pending)
    report.rows_imported = report.rows_unchanged = contacts.rows - sum(len(c.rows) for c in pending)
    # A brake may have listed some already when the interrupt came: each contact goes in once.
    not_sent((c for c in pending if c.rows[0] not in errors), f"the run stopped: {why}", report, errors)


def why_stopped(error: BaseException) -> str:
    """What stopped a run, for the report and the failures CSV."""
    if isinstance(error, KeyboardInterrupt):
        return str(error) or "interrupted (Ctrl-C)"
    return str(error)
