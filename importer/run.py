"""The library's entry points (`import_file`, `import_rows`) and the run itself, as a handful of named steps.

`_import_source` is the run: `_look` at the file (its columns, consent guard and first rows, before
any request), `_prepare` (the run memory tied to the account, the columns planned against Kit's
fields, each action's target found in Kit: read-only), read the rows into merged contacts
(read/rows.py), `_compare` and `_check` what to send (decide/: the run memory or a read of Kit,
the --diff CSV, the brakes), then a `_dry_run`'s figures, or `_ready` (fields, undo file, the
actions' targets created) and `_send` (send/submit.py); `_leave_failures` writes the failures CSV.
A Python caller gets the same RunReport the CLI prints. Errors found before anything is written
(unreadable file, bad settings, a rejected credential) are raised after the report is written;
errors met while writing stop the run but still produce the report and the failures CSV.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from dataclasses import dataclass
from typing import Any


from importer.decide import freshness
from importer.decide.run_memory import RunMemory
from importer.decide.tally import Tally
from importer.decide.targets import create_held, hold_missing
from importer.errors import ConfigError, ImporterError
from importer.kit import BULK_LIMIT, KitClient, RateLimiter, SubscriberPage, get_account, list_custom_fields
from importer.kit import Account as KitAccount
from importer.outputs.failures import extra_cells_column, output_delimiter
from importer.outputs.report import RunReport
from importer.outputs.run_end import RunEnd
from importer.outputs.undo import add_created_tags, finish_undo, leave_out_unsent
from importer.read.files import RowSource
from importer.read.frames import default_name, open_data
from importer.read.remote import UnchangedSource, open_for_run, remember_download
from importer.read.url import redact
from importer.send.actions import Seen, actions_for
from importer.send.stages import stages_for
from importer.settings.declaration import Settings, base_url_from_env, credentials_from_env, token_file_for
from importer.progress import NoProgress, Progress
from importer.state_lock import holding
from importer.decide.difference import Differ
from importer.read.columns import ColumnPlan
from importer.read.consent import ConsentGuard
from importer.read.merge import ContactMerger
from importer.records import CustomField, Row
from importer.send.actions import Action
from importer.send.stages.base import Stage
from importer.decide.work import Work
from importer.decide.brakes import brake, exempt
from importer.decide.dry_run import plan_consent, planned_requests, planned_seconds, report_plan
from importer.decide.kit_read import note_unchecked, opt_outs, read_kit
from importer.read.rows import guard_for, plan_for, read_contacts, samples_of
from importer.send.left_out import brake_left_out, unsubscribe_left_out
from importer.send.outcomes import column_names, not_sent
from importer.send.submit import interrupted_before_sending, submit
from importer.outputs.run_files import (is_source, remove_stale_failures, save_undo_file, write_diff_file,
                                        write_failures_somewhere)
from importer.read.rows import reject as _reject  # noqa: F401  (tests count rejections through it)


def build_client(settings: Settings) -> KitClient:
    """A client for the settings' credential at its rate limit (or the one given). Without a
    credential or base_url, the environment's, as the CLI reads them: KIT_ACCESS_TOKEN (renewed
    through the token file and KIT_CLIENT_ID when it can be) or KIT_API_KEY, at KIT_API_URL."""
    credential, grant = settings.credential, settings.refresh
    if credential is None:
        credential, saved = credentials_from_env(token_file=token_file_for({}, None, settings.state))
        grant = grant or saved
    limit = settings.rate_limit if isinstance(settings.rate_limit, int) else None  # Settings parsed it
    limiter = RateLimiter.with_margin(limit or credential.rate_limit, settings.rate_window)
    return KitClient(credential, settings.base_url or base_url_from_env(), limiter=limiter,
                     connections=settings.concurrency or 256, grant=grant)


def settings_of(given: Settings | str | Path, options: dict[str, Any], entry: str) -> Settings:
    """The Settings a library entry point runs with: the Settings given, or a source and its keyword
    options (Settings fields, e.g. `credential=...`, `fields=[...]`); both at once is a TypeError."""
    if not isinstance(given, Settings):
        return Settings(**{**options, "source": given})
    if options:
        raise TypeError(f"{entry} takes settings or keyword options, not both: {', '.join(options)}")
    return given


def import_file(source: Settings | str | Path, *, client: KitClient | None = None,
                progress: Progress | None = None, **options: Any) -> RunReport:
    """Import one file into Kit (or, with `dry_run`, plan it) and report what happened.

    Give Settings, or the source (a path, a glob or an https:// URL) and Settings fields as
    keyword arguments, as `import_rows` takes them: `import_file("contacts.csv", fields=[...])`.
    Without a credential (or base_url), the environment's are used, as the CLI uses them.

    With a state file, the run holds its lock throughout (another run on the same state
    waits with `wait`, else is refused) and sends only what Kit does not have yet. The
    report is written to `settings.report` on every exit: an error found before
    sending (raised again after) gives a report with `exit_status` 1, `error` and `hint`,
    and Ctrl-C one with 130, so a scheduler always has one file to read.

    Files are written only where the settings say, else into the current folder, and each is
    named in the report: the failures CSV (`failures_path`; default `<source name>.failures.csv`),
    the undo file before the first write (`undo_file`; `undo`, default
    `<source name>.<time>.undo.csv`, none with `no_undo`), and `report`, `diff`, `log`, `state`
    only when set.
    """
    settings = settings_of(source, options, "import_file")
    return _run(settings, lambda: open_for_run(settings), client, progress)


def import_rows(data: Any, settings: Settings | None = None, *, client: KitClient | None = None,
                progress: Progress | None = None, **options: Any) -> RunReport:
    """Import a pandas DataFrame or an iterable of dicts as `import_file` imports a file.

    Give `settings`, or its fields as keyword arguments (`credential=...`, `fields=[...]`).
    `settings.source` only names the data, for the report and the default file names: as
    `import_file`, it writes into the current folder unless told where, and names each file in
    the report: the failures CSV (`dataframe.failures.csv` or `rows.failures.csv` unless
    `failures` is set) and the undo file (`rows.<time>.undo.csv` unless `undo` is set, none with
    `no_undo`). Row numbers in the failures CSV are positions from 0 (`df.iloc[row]`), and its
    columns are the frame's columns or the dicts' keys.
    """
    settings = settings_of(settings if settings is not None else options.pop("source", default_name(data)),
                           options, "import_rows")
    return _run(settings, lambda: open_data(data), client, progress)


def _run(settings: Settings, opener: Callable[[], RowSource], client: KitClient | None,
         progress: Progress | None) -> RunReport:
    report = RunReport(source=redact(settings.source), dry_run=settings.dry_run,
                       report_path=str(settings.report) if settings.report else None)
    progress = progress or NoProgress()
    end = RunEnd(settings, progress.log)  # the healthcheck, the history and the alerts
    end.start()
    try:
        _locked(report, settings, opener, client, progress)
    except (ImporterError, KeyboardInterrupt) as e:
        report.failed(e)
        _say_interrupt(report, settings)
        _write_report(settings, report)
        end.finish(report)
        raise
    _say_interrupt(report, settings)
    _write_report(settings, report)
    end.finish(report)
    return report


def _say_interrupt(report: RunReport, settings: Settings) -> None:
    """An interrupted run's `error` (what stopped it) and `hint` (what to do next), as a failed run's."""
    if not report.interrupted:
        return
    report.error = report.error or report.stopped or "interrupted (Ctrl-C)"
    if report.hint:
        return
    if settings.state is not None and not settings.dry_run:
        report.hint = ("Run the same command again: it is safe, and the state file makes it resume where this run "
                       "stopped.")
    elif report.failures_path and not settings.dry_run:
        report.hint = (f"Run the failures CSV, {report.failures_path}: it holds the rows not sent and those not "
                       "confirmed, and running it is safe.")
    else:
        report.hint = "Run the same command again: it is safe."


def _write_report(settings: Settings, report: RunReport) -> None:
    if not settings.report:
        return
    try:
        report.write_json(settings.report)
    except OSError as e:
        report.notes.append(f"the report could not be written to {settings.report}: {e.strerror}")


def _locked(report: RunReport, settings: Settings, opener: Callable[[], RowSource], client: KitClient | None,
            progress: Progress) -> None:
    with holding(settings, progress):
        _import(report, opener, settings, client, progress)


def _import(report: RunReport, opener: Callable[[], RowSource], settings: Settings, client: KitClient | None,
            progress: Progress) -> None:
    source = opener()
    try:
        _import_source(report, source, settings, client, progress)
        if isinstance(source, UnchangedSource):
            report.source_unchanged_since = source.since or "the last run"
        # A removal Kit refused is tried again by the next run: it must not find the sheet "unchanged".
        remember_download(settings, source, report.exit_status == 0 and not report.stopped
                          and not report.removals_refused)
    finally:
        source.close()


@dataclass
class Prepared:
    """What `_prepare` settled before any row is merged: the client, the consent guard, the column plan
    against Kit's fields, the actions with their targets found in Kit, and the run memory (None without
    a state file)."""

    client: KitClient
    guard: ConsentGuard | None
    plan: ColumnPlan
    kit_fields: list[CustomField]
    actions: list[Action]
    state: RunMemory | None
    account: KitAccount | None = None  # the Kit account, when the run memory needed it read


@dataclass
class Decided:
    """What `_compare` settled: the contacts to send (`work`) and, when the run read Kit, the comparison
    (`differ`) and its tally."""

    work: Work
    differ: Differ | None = None
    tally: Tally | None = None
    exempt: bool = False  # the change brake leaves it alone as a first run (so it does its resumption)
    counted: SubscriberPage | None = None  # Kit's total, asked when the run chose not to read on: undo decides on it


def _import_source(report: RunReport, source: RowSource, settings: Settings, client: KitClient | None,
                   progress: Progress) -> None:
    """The run in five steps: look at the file, prepare (Kit's fields, the actions' targets), read the
    rows into contacts, decide what to send (and check it), send it; then write what the run leaves."""
    clock = time.monotonic()
    looked = _look(report, source, settings)
    if looked is None:
        report.elapsed_seconds = time.monotonic() - clock
        return
    client = _connect(report, settings, client, progress)
    errors: dict[int, list[str]] = defaultdict(list)
    state = RunMemory(settings.state) if settings.state else None
    try:
        prepared = _prepare(report, source, settings, client, state, *looked)
        contacts = read_contacts(source, prepared.plan, settings, report, errors, progress, prepared.guard)
        _decide_and_send(report, source, settings, prepared, contacts, errors, progress)
    finally:
        _finish(report, client, clock)
        if state is not None:
            state.close()
    _leave_failures(report, source, settings, errors)


def _look(report: RunReport, source: RowSource, settings: Settings) -> tuple[ConsentGuard | None, list[Row]] | None:
    """The file before any request: its consent guard and first rows, or None when there is nothing to
    import (no columns, or a header-only export: then an earlier failures CSV is stale)."""
    report.read_as, report.notes = source.describe(), [*settings.notes, *source.notes]
    if not source.headers:  # no rows and so no columns (an empty list of dicts): nothing to import
        return None
    samples = samples_of(source)
    try:
        guard = guard_for(source, plan_for(source, settings, [], samples=samples), settings)  # before any request
    except ConfigError as e:
        if source.other_sheets and not settings.load.sheet:
            others = ", ".join(repr(n) for n in source.other_sheets)
            e.hint = (f"This is sheet {source.sheet!r}; the workbook also has {others}: "
                      f"choose one with {settings.named('sheet')}.")
        raise
    if next(iter(source.rows()), None) is None:
        # A quiet night's export (header only): a finished run that needs nothing from Kit.
        report.blank_rows = source.blank_rows
        report.set_footer(source.footer)
        remove_stale_failures(settings, report)
        return None
    return guard, samples


def _connect(report: RunReport, settings: Settings, client: KitClient | None, progress: Progress) -> KitClient:
    """The run's client (the one given, or the settings'), retries told to the progress."""
    client = client or build_client(settings)
    client.on_retry = client.on_retry or progress.log
    # Optional: a progress that can say the rate limit holds requests back (`waiting(seconds)`) is told so.
    client.limiter.on_wait = client.limiter.on_wait or getattr(progress, "waiting", None)
    # And one that can say a request waits to retry because Kit failed it (`retrying(seconds, why)`).
    client.on_wait = client.on_wait or getattr(progress, "retrying", None)
    report.credential = _describe_credential(client)
    report.rate_limit_per_minute = round(client.limiter.requests_per_second * 60)
    return client


def _prepare(report: RunReport, source: RowSource, settings: Settings, client: KitClient, state: RunMemory | None,
             guard: ConsentGuard | None, samples: list[Row]) -> Prepared:
    """Read-only: the run memory tied to the account, the columns planned against Kit's fields (missing
    ones held as placeholders until every check has passed), the actions' targets found in Kit."""
    account = None
    if state is not None:
        account = get_account(client)
        state.bind_account(account.id, account.name)
    kit_fields = list_custom_fields(client)
    plan = plan_for(source, settings, kit_fields, guard, samples)
    actions = actions_for(settings, plan)
    for action in actions:
        action.resolve(client)  # its target in Kit (a form, say), before anything is written
        report.actions[action.name] = action.figures
    held = hold_missing(plan, kit_fields, create=settings.create_missing_fields, origins=settings.origins)
    report.fields_created = held if settings.dry_run else []  # a real run names them once created (`_ready`)
    if settings.create_missing_fields and not held and \
            settings.origins.of("create_missing_fields").kind == "flag":  # typed for nothing: say so
        report.notes.append(f"{settings.named('create_missing_fields')}: every field the columns map to is in "
                            "Kit already, so there is nothing to create")
    report.columns = plan.describe()
    report.ignore_columns(plan.ignored, lambda header: settings.origins.spelled("fields", (header, "Label")))
    if guard is not None:
        report.consent_from = [c.header for c in guard.columns]
        report.consent_left_out = [f"{header}: {why}" for header, why in guard.set_aside.values()]
    if plan.email_by_content:
        report.notes.append(f"the email column is {plan.headers[plan.email]}: {plan.email_by_content}")
    return Prepared(client, guard, plan, kit_fields, actions, state, account)


def _decide_and_send(report: RunReport, source: RowSource, settings: Settings, prepared: Prepared,
                     contacts: ContactMerger, errors: dict[int, list[str]], progress: Progress) -> None:
    """Decide what to send and check it, then send it. Ctrl-C before the first contact is sent (while
    Kit is read, say) still accounts for every row: the contacts not sent are in the failures CSV."""
    decided: Decided | None = None
    try:
        decided = _compare(report, settings, prepared, contacts, progress)
        _check(report, source, settings, prepared, contacts, decided, errors)
        stages: list[Stage] | None = None
        if settings.dry_run and not report.stopped:
            _dry_run(report, settings, prepared, decided)
        elif not report.stopped:
            stages = _ready(report, source, settings, prepared, contacts, decided)
    except KeyboardInterrupt as interrupt:
        work = decided.work if decided is not None else None
        if work is None and prepared.state is not None and not settings.full:
            work = Work(contacts, prepared.state, actions=prepared.actions)  # the state says what is left
        interrupted_before_sending(interrupt, contacts, work, report, errors)
        if report.undo_saved is not None and leave_out_unsent(report.undo_saved, set()):
            # No contact was sent: the undo file keeps only what the run did write (a tag it created).
            report.undo_holds = report.undo_saved.describe()
            if report.undo_saved.emptied:
                report.undo_file = report.undo_saved = None
        return
    if stages is not None:
        _send(report, settings, prepared, decided, stages, errors, progress)


def _compare(report: RunReport, settings: Settings, prepared: Prepared, contacts: ContactMerger,
             progress: Progress) -> Decided:
    """What the run sends: the whole file, what the run memory says Kit lacks, or (when reading Kit pays,
    or is asked for) the difference from what Kit holds, tallied for the plan."""
    blind = Work(contacts, None, actions=prepared.actions)  # the whole file: what a run sends knowing nothing
    differ, counted = read_kit(prepared.client, settings, report, blind, prepared.state, progress, prepared.actions,
                               opt_outs(prepared.guard))
    if differ is not None:
        tally = Tally()
        decided = Decided(Work(contacts, None, actions=prepared.actions, differ=differ, plan=tally), differ, tally)
        report_plan(report, tally, settings)
        return decided
    state = prepared.state
    if state is not None and not settings.full:
        note_unchecked(report, settings, contacts.contacts(), state)
    return Decided(Work(contacts, state, actions=prepared.actions) if state is not None and not settings.full
                   else blind, counted=counted)


def _check(report: RunReport, source: RowSource, settings: Settings, prepared: Prepared, contacts: ContactMerger,
           decided: Decided, errors: dict[int, list[str]]) -> None:
    """Before anything is written: the actions' own reads, the --diff CSV, the figures of what is sent,
    and the brakes; a braked run lists every contact as not sent."""
    client, work, differ, guard = prepared.client, decided.work, decided.differ, prepared.guard
    seen = Seen(client, settings, source, prepared.plan.email, contacts, prepared.state, report, work.count,
                differ.account if differ is not None else None)
    for action in prepared.actions:
        action.gather(seen)  # beyond the file's contacts (who left it): read-only
    write_diff_file(settings, report, work, differ, output_delimiter(source), guard)
    for action in prepared.actions:
        action.prepare(client, work.counts[action.name])  # read-only: what it creates waits for the checks
        action.reword(report)  # the plan's figures in Kit's words (a tag's spelling), now that it read them
    report.unchanged = report.contacts - work.count
    report.rows_imported = report.rows_unchanged = contacts.rows - work.rows  # Kit has these already
    report.values_to_write = work.values
    if guard is not None:
        report.state_words = {state.value: guard.words(state) for state in guard.said}
    decided.exempt = exempt(prepared.state, decided.tally)
    report.stopped = brake(settings, report, work, prepared.state, decided.tally) or \
        brake_left_out(settings, report, guard, differ, work, decided.tally) or \
        next((why for action in prepared.actions if (why := action.brake())), None)
    if report.stopped:
        report.error = report.stopped  # said once in the summary; in the JSON report's `error` too
        report.drift_corrected = 0  # nothing was set back
        not_sent(work, report.stopped, report, errors)


def _dry_run(report: RunReport, settings: Settings, prepared: Prepared, decided: Decided) -> None:
    """A dry run's figures: what a real run would send, its requests and its time; nothing is sent."""
    client, work = prepared.client, decided.work
    report.rows_imported += work.rows
    bulk = client.credential.can_bulk
    creations = len(report.fields_created) + sum(action.creations(bulk) for action in prepared.actions)
    for action in prepared.actions:
        action.plan(work.counts[action.name], decided.tally)
    plan_consent(report, settings, work, decided.tally)
    unsubscribe_left_out(client, settings, report, prepared.guard, decided.differ, state=prepared.state)
    # A real run's undo file names its Kit account: one read, unless the run memory read it already.
    account_read = int(prepared.account is None and not settings.no_undo and work.count > 0)
    report.planned_requests = planned_requests(client, work, creations) + account_read
    report.planned_reads = client.stats.total + account_read
    report.contacts_to_send = work.count
    report.planned_seconds = planned_seconds(client, work, creations, settings.concurrency)


def _ready(report: RunReport, source: RowSource, settings: Settings, prepared: Prepared, contacts: ContactMerger,
           decided: Decided) -> list[Stage]:
    """Just before the first write: the run memory's cache refreshed, the fields created, the undo file
    saved, the actions' targets created; the stages to send through."""
    client, state, differ, tally = prepared.client, prepared.state, decided.differ, decided.tally
    if differ is not None and tally is not None and state is not None:
        # Only a run that goes on to write refreshes the cache: a stopped one leaves it as it was,
        # so the drift it saw is still drift (and counted) in the run that sets it back.
        state.cache(differ.account.subscribers.values(), {f.key: f for f in prepared.kit_fields},
                    differ.account.started_at)
        if not differ.refreshed:  # every contact of the file compared with Kit's own data
            freshness.mark_full_read(state, differ.account.started_at or dt.datetime.now(dt.timezone.utc))
            report.last_full_read = "this run"
        state.remember_states(tally.states_seen)
        state.remember_consent(tally.consent_seen)
    if state is not None:
        # From the first write on, until it finishes without a stop, the next run knows this run's work is
        # unfinished: it finishes it, and the change brake does not count it as new changes.
        sending = [*tally.created, *tally.changed_emails] if tally is not None else \
            [contact.email for contact in decided.work]
        state.begin_run(sending, decided.exempt)
    created = create_held(client, prepared.plan)
    report.fields_created = [f.label for f in created.values()]
    contacts.rebind(created)
    report.columns = prepared.plan.describe()  # the fields just created are Kit's now, not "to be created"
    # A refreshed read holds only the subscribers changed since the cached one: undo reads the rest.
    save_undo_file(client, settings, decided.work, report,
                   differ.account if differ is not None and not differ.refreshed else None, output_delimiter(source),
                   counted=decided.counted, account_id=lambda: (prepared.account or get_account(client)).id or None)
    try:
        for action in prepared.actions:
            action.create(client)
    finally:  # the tags Kit created go in the undo file, even when an interrupt came in the middle
        if report.undo_saved is not None:
            add_created_tags(report.undo_saved, [name for action in prepared.actions
                                                 for name in getattr(action.figures, "tags_created", ())])
            report.undo_holds = report.undo_saved.describe()
    return [*stages_for(client, new_state=settings.subscriber_state),
            *(stage for action in prepared.actions for stage in action.stages(client))]


def _send(report: RunReport, settings: Settings, prepared: Prepared, decided: Decided, stages: list[Stage],
          errors: dict[int, list[str]], progress: Progress) -> None:
    """Send the contacts through the stages, then the actions' writes beyond them; an unstopped run
    unmarks its undo file."""
    client = prepared.client
    submit(client, decided.work, report, errors, progress, settings.concurrency, prepared.state,
           column_names(prepared.plan), stages, decided.tally, settings.consent)
    for action in prepared.actions if not report.stopped else ():
        action.finish(client)  # its writes beyond the file's contacts, once the file's all went out
    if not report.stopped:
        unsubscribe_left_out(client, settings, report, prepared.guard, decided.differ, errors, prepared.state)
    if prepared.state is not None and not report.stopped:
        prepared.state.end_run()
    if report.undo_file and not report.stopped:
        finish_undo(Path(report.undo_file))  # an interrupted run leaves its undo file marked for the next
    elif report.undo_saved is not None:  # stopped: the undo file keeps only what the run may have written
        sent = {contact.email.casefold() for contact in decided.work} - report.unsent_emails
        if leave_out_unsent(report.undo_saved, sent):
            report.undo_holds = report.undo_saved.describe()
            if report.undo_saved.emptied:
                report.undo_file = None


def _leave_failures(report: RunReport, source: RowSource, settings: Settings, errors: dict[int, list[str]]) -> None:
    """The failures CSV of the rows refused or not sent, or an earlier one removed; a dry run leaves a
    failures CSV fed back in as it is."""
    fed_back = is_source(settings.failures_file, getattr(source, 'path', None))
    if errors and settings.dry_run and fed_back:
        report.notes.append(f"a dry run leaves {getattr(source, 'path', '')} as it is: the failures file of a real run "
                            "would replace it with the rows that fail")
    elif errors:
        extra_column = source.long_rows > 0 or extra_cells_column(source.headers) is not None
        report.failures_path = str(write_failures_somewhere(settings.failures_file, source, errors, report,
                                                            extra_column))
    elif not (settings.dry_run and fed_back):
        remove_stale_failures(settings, report)


def _describe_credential(client: KitClient) -> str:
    how = f"bulk requests of up to {BULK_LIMIT}" if client.credential.can_bulk else "one request per contact"
    return f"{client.credential.name}: {how}"


def _finish(report: RunReport, client: KitClient, clock: float) -> None:
    report.requests.update(client.stats.by_endpoint)  # kit/ counts them per endpoint, ids folded
    report.retries = client.stats.retries
    report.throttled = client.stats.throttled
    report.elapsed_seconds = time.monotonic() - clock


def file_contacts(source: RowSource, settings: Settings, client: KitClient, report: RunReport,
                  progress: Progress | None = None) -> Work | None:
    """The file's contacts as a run reads, maps and merges them, as the actions verify checks amend them
    (with the --tag tags; those actions resolved, a --form or --sequence found in Kit), and none left
    out by a state file: what `verify` compares with Kit. None when the source has no columns.
    Rejected rows are counted in `report` (a run would not have imported them)."""
    report.read_as, report.notes = source.describe(), [*settings.notes, *source.notes]
    if not source.headers:
        return None
    samples = samples_of(source)
    guard = guard_for(source, plan_for(source, settings, [], samples=samples), settings)
    kit_fields = list_custom_fields(client)
    plan = plan_for(source, settings, kit_fields, guard, samples)
    hold_missing(plan, kit_fields, create=settings.create_missing_fields, origins=settings.origins)
    report.columns = plan.describe()
    contacts = read_contacts(source, plan, settings, report, defaultdict(list), progress or NoProgress(), guard)
    actions = [action for action in actions_for(settings, plan) if action.verified]
    for action in actions:
        action.resolve(client)  # a form or sequence by name: whose members verify reads
    return Work(contacts, None, actions=actions)
