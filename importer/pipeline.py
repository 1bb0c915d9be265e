"""import_file(settings) -> RunReport: load -> map -> resolve -> submit -> failures CSV.

The library entry point: the CLI is a thin layer over it, and a Python caller or an
orchestrator gets the same RunReport back. Errors found before anything is written
(unreadable file, bad settings, a rejected credential) are raised; errors met while
writing stop the run but still produce the report and the failures CSV.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol

from importer.config import Settings, require_credential
from importer.errors import ConfigError, InputError, KitError
from importer.failures import write_failures
from importer.kit import KitClient, RateLimiter
from importer.loader import Source, open_source
from importer.mapping import ColumnPlan, ContactMerger, map_rows, plan_columns
from importer.records import Contact, Outcome, Rejection, Status
from importer.report import RunReport
from importer.resolver import fetch_fields, resolve_missing
from importer.submitter import CHUNK, BulkSubmitter, SingleSubmitter


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
    return KitClient(credential, settings.base_url, limiter=limiter, connections=settings.concurrency or 256)


def import_file(settings: Settings, *, client: KitClient | None = None,
                progress: Progress | None = None) -> RunReport:
    """Import one file into Kit (or, with `dry_run`, plan it) and report what happened."""
    progress = progress or NoProgress()
    clock = time.monotonic()
    source = open_source(settings.source, settings.load)
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
    report = RunReport(source=str(settings.source), read_as=source.describe(), dry_run=settings.dry_run,
                       credential=_describe_credential(client), notes=list(source.notes),
                       rate_limit_per_minute=round(client.limiter.requests_per_second * 60))
    errors: dict[int, list[str]] = defaultdict(list)
    try:
        kit_fields = fetch_fields(client)
        plan = _plan(source, settings, kit_fields)
        report.fields_created = resolve_missing(client, plan, kit_fields, create=settings.create_missing_fields,
                                                dry_run=settings.dry_run)
        report.columns = plan.describe()
        report.columns_ignored = list(plan.ignored)
        contacts = _read(source, plan, settings, report, errors, progress)
        report.values_to_write = contacts.value_count()
        if settings.dry_run:
            report.planned_requests = _planned_requests(client, report, len(plan.missing))
        else:
            _submit(client, contacts, report, errors, progress, settings.concurrency)
    finally:
        _finish(report, client, clock)
    if errors:
        path = settings.failures_file
        write_failures(path, source.headers, source.rows(), errors)
        report.failures_path = str(path)
    if settings.report_path:
        report.write_json(settings.report_path)
    return report


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


def _submit(client: KitClient, contacts: ContactMerger, report: RunReport, errors: dict[int, list[str]],
            progress: Progress, concurrency: int | None) -> None:
    """Send every contact; if the run stops, every contact not settled is rejected as not sent."""
    workers = concurrency or default_concurrency(client)
    submitter = BulkSubmitter(client, concurrency=workers) if client.credential.can_bulk else \
        SingleSubmitter(client, concurrency=workers)
    progress.phase("Importing contacts", len(contacts))
    settled: set[str] = set()
    try:
        for outcome in submitter.submit(contacts.contacts(), lambda n: progress.advance(n, client.stats.total)):
            settled.add(outcome.contact.email)
            _tally(outcome, report, errors)
    except (KitError, KeyboardInterrupt) as e:
        # A KitError here is fatal (401/403): per-request failures were already turned into row
        # failures by the submitter, and outcomes in flight were settled before it was raised.
        why = "interrupted (Ctrl-C)" if isinstance(e, KeyboardInterrupt) else str(e)
        report.stopped = why
        report.interrupted = isinstance(e, KeyboardInterrupt)
        _not_sent((c for c in contacts.contacts() if c.email not in settled), why, report, errors)


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


def _planned_requests(client: KitClient, report: RunReport, creations: int) -> int:
    """Requests a real run needs: what the dry run already read, field creations, then the writes."""
    reads = client.stats.total
    if client.credential.can_bulk:
        writes = math.ceil(report.contacts / CHUNK) + math.ceil(report.values_to_write / CHUNK)
    else:
        writes = report.contacts
    return reads + creations + writes


def _finish(report: RunReport, client: KitClient, clock: float) -> None:
    report.requests.update(client.stats.by_endpoint)
    report.retries = client.stats.retries
    report.throttled = client.stats.throttled
    report.elapsed_seconds = time.monotonic() - clock
