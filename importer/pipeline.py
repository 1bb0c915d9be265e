"""import_file(settings) -> RunReport: load -> map -> resolve -> submit -> failures CSV.

The library entry point: the CLI is a thin layer over it, and a Python caller or an
orchestrator gets the same RunReport back. Errors found before anything is written
(unreadable file, bad settings, a rejected credential) are raised; errors met while
writing stop the run but still produce the report and the failures CSV.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from filelock import FileLock
from filelock import Timeout as LockTimeout

from importer.config import Settings, require_credential
from importer.errors import ConfigError, InputError, KitError
from importer.failures import write_failures
from importer.kit import KitClient, RateLimiter, get_account
from importer.loader import Source, open_source
from importer.mapping import ColumnPlan, ContactMerger, map_rows, plan_columns
from importer.records import Contact, Outcome, Rejection, Status
from importer.report import RunReport
from importer.resolver import fetch_fields, resolve_missing
from importer.state import StateStore
from importer.scheduler import Scheduler
from importer.stages import CHUNK, stages_for


class Progress(Protocol):
    """Where the pipeline reports progress; the CLI draws bars, a library caller may log."""

    def phase(self, name: str, total: int | None) -> None: ...

    def advance(self, n: int = 1, requests: int | None = None) -> None: ...

    def log(self, message: str) -> None: ...


class NoProgress:
    """Progress that goes nowhere: the default for library callers."""

    def phase(self, name: str, total: int | None) -> None:
        pass

    def advance(self, n: int = 1, requests: int | None = None) -> None:
        pass

    def log(self, message: str) -> None:
        pass


def build_client(settings: Settings) -> KitClient:
    """A client for the settings' credential, at its rate limit (or the one given)."""
    credential = settings.credential or require_credential()
    limiter = RateLimiter.with_margin(settings.rate_limit or credential.rate_limit, settings.rate_window)
    return KitClient(credential, settings.base_url, limiter=limiter, connections=settings.concurrency or 256,
                     grant=settings.refresh)


def import_file(settings: Settings, *, client: KitClient | None = None,
                progress: Progress | None = None) -> RunReport:
    """Import one file into Kit (or, with `dry_run`, plan it) and report what happened.

    With a state file, the run holds its lock throughout (another run on the same state
    waits with `wait`, else is refused) and sends only what Kit does not have yet.
    """
    if settings.state_path is None:
        return _import(settings, client, progress or NoProgress())
    lock = FileLock(str(settings.state_path) + ".lock")
    try:
        lock.acquire(timeout=-1 if settings.wait else 0)
    except LockTimeout:
        raise ConfigError(f"Another kit-import run is using the state file {settings.state_path}.",
                          "Pass --wait to wait for it to finish, or check for a run that is stuck.") from None
    try:
        return _import(settings, client, progress or NoProgress())
    finally:
        lock.release()


def _import(settings: Settings, client: KitClient | None, progress: Progress) -> RunReport:
    source = open_source(settings.source, settings.load)
    try:
        return _import_source(source, settings, client, progress)
    finally:
        source.close()


def _import_source(source: Source, settings: Settings, client: KitClient | None, progress: Progress) -> RunReport:
    clock = time.monotonic()
    if next(iter(source.rows()), None) is None:
        raise InputError(f"{settings.source} has a header row but no data rows.",
                         "Check that this is the right file (or the right sheet, with --sheet).")
    try:
        _plan(source, settings, [])  # finds a missing email column before any request is sent
    except ConfigError as e:
        if source.other_sheets and not settings.load.sheet:
            others = ", ".join(repr(n) for n in source.other_sheets)
            e.hint = f"This is sheet {source.sheet!r}; the workbook also has {others}: choose one with --sheet."
        raise
    client = client or build_client(settings)
    client.on_retry = client.on_retry or progress.log
    report = RunReport(source=str(settings.source), read_as=source.describe(), dry_run=settings.dry_run,
                       credential=_describe_credential(client), notes=list(source.notes),
                       rate_limit_per_minute=round(client.limiter.requests_per_second * 60))
    errors: dict[int, list[str]] = defaultdict(list)
    state = StateStore(settings.state_path) if settings.state_path else None
    try:
        if state is not None:
            account = get_account(client)
            state.bind_account(account.id, account.name)
        kit_fields = fetch_fields(client)
        plan = _plan(source, settings, kit_fields)
        report.fields_created = resolve_missing(client, plan, kit_fields, create=settings.create_missing_fields,
                                                dry_run=settings.dry_run)
        report.columns = plan.describe()
        report.columns_ignored = list(plan.ignored)
        contacts = _read(source, plan, settings, report, errors, progress)
        work = Work(contacts, None if settings.full else state)
        report.unchanged = report.contacts - work.count
        report.values_to_write = work.values
        report.stopped = _brake(settings, report, work, state)
        if report.stopped:
            pass
        elif settings.dry_run:
            report.planned_requests = _planned_requests(client, report, work, len(plan.missing))
        else:
            _submit(client, work, report, errors, progress, settings.concurrency, state)
    finally:
        _finish(report, client, clock)
        if state is not None:
            state.close()
    if errors:
        report.failures_path = str(_write_failures_somewhere(settings.failures_file, source, errors, report))
    if settings.report_path:
        try:
            report.write_json(settings.report_path)
        except OSError as e:
            report.notes.append(f"the report could not be written to {settings.report_path}: {e.strerror}")
    return report


def _write_failures_somewhere(path: Path, source: Source, errors: dict[int, list[str]], report: RunReport) -> Path:
    """Write the failures CSV where asked or, if that fails, in the temp folder: the rows must not be lost."""
    try:
        write_failures(path, source.headers, source.rows(), errors)
        return path
    except OSError as e:
        fallback = Path(tempfile.gettempdir()) / path.name
        write_failures(fallback, source.headers, source.rows(), errors)
        report.notes.append(f"the failures CSV could not be written to {path} ({e.strerror}); "
                            f"it is at {fallback} instead")
        return fallback


class Work:
    """The contacts this run must send: all of them, or with a state store only what Kit lacks.

    Iterable more than once (it is rebuilt from the merged contacts and the state), so the
    brake can count it before anything is written and a stopped run can list what was not sent.
    """

    def __init__(self, contacts: ContactMerger, state: StateStore | None) -> None:
        self.contacts = contacts
        self.state = state
        if state is None:  # everything goes: the merger knows the figures without a pass
            self.count = self.upserts = len(contacts)
            self.values = contacts.value_count()
            return
        self.count = self.values = self.upserts = 0
        for contact in self:
            self.count += 1
            self.values += len(contact.fields)
            self.upserts += contact.subscriber_id is None

    def __iter__(self) -> Iterator[Contact]:
        if self.state is None:
            yield from self.contacts.contacts()
            return
        for contact in self.contacts.contacts():
            if (change := self.state.changes(contact)) is not None:
                yield change


def _brake(settings: Settings, report: RunReport, work: Work, state: StateStore | None) -> str | None:
    """Why this run must not write anything (a broken export, most likely), or None."""
    if settings.max_rejects is not None and report.rows_read:
        share = 100 * report.rows_rejected / report.rows_read
        if share > settings.max_rejects:
            return (f"the brake stopped the run before writing: {share:.1f}% of rows would be rejected, "
                    f"over --max-rejects {settings.max_rejects:g}%")
    if settings.max_changes is not None and report.contacts:
        # What changes is known only against a state file that has seen a run before.
        if state is None or settings.full:
            report.notes.append("--max-changes needs a state file (and no --full): not applied")
            return None
        if not len(state):
            report.notes.append("first run on this state file: --max-changes applies from the next run")
            return None
        share = 100 * work.count / report.contacts
        if share > settings.max_changes:
            return (f"the brake stopped the run before writing: {share:.1f}% of contacts would change, "
                    f"over --max-changes {settings.max_changes:g}%")
    return None


def _plan(source: Source, settings: Settings, kit_fields: list) -> ColumnPlan:
    return plan_columns(source.headers, kit_fields, email_column=settings.email_column,
                        first_name_column=settings.first_name_column, field_specs=settings.fields)


def _describe_credential(client: KitClient) -> str:
    how = "bulk requests of up to 100" if client.credential.can_bulk else "one request per contact"
    return f"{client.credential.name}: {how}"


def _read(source: Source, plan: ColumnPlan, settings: Settings, report: RunReport,
          errors: dict[int, list[str]], progress: Progress) -> ContactMerger:
    """Map every row; rejections go straight to `errors`, contacts are merged by email."""
    merger = ContactMerger([f for _, f in plan.fields], clear_blanks=settings.blanks == "clear")
    progress.phase("Reading rows", None)
    for item in map_rows(source.rows(), plan, clear_blanks=settings.blanks == "clear"):
        report.rows_read += 1
        if isinstance(item, Rejection):
            _reject(item, report, errors)
        else:
            merger.add(item)
        progress.advance()
    report.blank_rows = source.blank_rows
    report.duplicates_merged = merger.merged
    report.contacts = len(merger)
    return merger


def _reject(rejection: Rejection, report: RunReport, errors: dict[int, list[str]]) -> None:
    if rejection.row not in errors:
        report.rows_rejected += 1
    if rejection.message not in errors[rejection.row]:
        errors[rejection.row].append(rejection.message)
        report.rejected_by_reason[rejection.reason] += 1


def _submit(client: KitClient, work: Work, report: RunReport, errors: dict[int, list[str]],
            progress: Progress, concurrency: int | None, state: StateStore | None) -> None:
    """Send the work; each acknowledged answer is journaled in the state store, if any; if the
    run stops, every contact not settled is rejected as not sent."""
    workers = concurrency or default_concurrency(client)
    submitter = Scheduler(stages_for(client), concurrency=workers)
    progress.phase("Importing contacts", work.count)
    settled: set[str] = set()
    try:
        for batch in submitter.submit(iter(work), lambda n: progress.advance(n, client.stats.total),
                                      journal=state.upserted if state is not None else None):
            if state is not None:
                state.settled(batch)
            for outcome in batch:
                settled.add(outcome.contact.email)
                _tally(outcome, report, errors)
    except (KitError, KeyboardInterrupt) as e:
        # A KitError here is fatal (401/403): per-request failures were already turned into row
        # failures by the submitter, and outcomes in flight were settled before it was raised.
        why = "interrupted (Ctrl-C)" if isinstance(e, KeyboardInterrupt) else str(e)
        report.stopped = why
        report.interrupted = isinstance(e, KeyboardInterrupt)
        _not_sent((c for c in work if c.email not in settled), why, report, errors)


def default_concurrency(client: KitClient, slowest_reply: float = 1.5) -> int:
    """Enough requests in flight to keep the rate limit busy while each takes up to
    `slowest_reply` seconds (Kit's replies take 0.3 to 1.5 s), with a quarter to spare."""
    per_second = client.limiter.requests_per_second
    return max(2, min(256, math.ceil(per_second * slowest_reply * 1.25)))


def _tally(outcome: Outcome, report: RunReport, errors: dict[int, list[str]]) -> None:
    if outcome.status is Status.CREATED:
        report.created += 1
    elif outcome.status is Status.UPDATED:
        report.updated += 1
    elif outcome.status is Status.NOT_SENT:
        report.not_sent += 1
    else:
        report.failed_contacts += 1
    report.values_written += outcome.values_written
    report.values_unconfirmed += outcome.values_unconfirmed
    report.values_failed += sum(1 for reason, _ in outcome.problems if reason == "field not written")
    for rejection in outcome.rejections():
        _reject(rejection, report, errors)


def _not_sent(contacts: Iterable[Contact], why: str, report: RunReport, errors: dict[int, list[str]]) -> None:
    for contact in contacts:
        outcome = Outcome(contact, Status.NOT_SENT)
        outcome.problems.append(("not sent", f"the run stopped: {why}"))
        _tally(outcome, report, errors)


def _planned_requests(client: KitClient, report: RunReport, work: Work, creations: int) -> int:
    """Requests a real run needs: what the dry run already read, field creations, then the writes."""
    reads = client.stats.total
    if client.credential.can_bulk:
        writes = math.ceil(work.upserts / CHUNK) + math.ceil(work.values / CHUNK)
    else:
        writes = work.count
    return reads + creations + writes


def _finish(report: RunReport, client: KitClient, clock: float) -> None:
    report.requests.update(client.stats.by_endpoint)
    report.retries = client.stats.retries
    report.throttled = client.stats.throttled
    report.elapsed_seconds = time.monotonic() - clock
