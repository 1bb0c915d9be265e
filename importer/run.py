"""import_file(settings) -> RunReport: load -> map -> resolve -> submit -> failures CSV.

The library entry points: the CLI is a thin layer over `import_file`, and a Python caller or
an orchestrator gets the same RunReport back; `import_rows` does the same for a pandas
DataFrame or an iterable of dicts. Errors found before anything is written
(unreadable file, bad settings, a rejected credential) are raised, after the report is
written; errors met while writing stop the run but still produce the report and the
failures CSV.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import math
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock
from filelock import Timeout as LockTimeout

from importer.settings.declaration import (BlankPolicy, CompareMode, Settings, base_url_from_env, credentials_from_env,
                                          token_file_for)
from importer.decide import freshness
from importer.decide.held import Account, count_subscribers, read_account, read_cost, read_for, read_pays, write_cost
from importer.decide.compare import Comparison
from importer.decide.difference import Differ
from importer.outputs.run_end import RunEnd
from importer.outputs.diff import write_diff
from importer.decide.tally import Tally
from importer.settings.origins import capitalized
from importer.read.consent import ConsentGuard, plan_guard
from importer.errors import ConfigError, ImporterError, KitError, Terminated
from importer.outputs.failures import extra_cells_column, output_delimiter, write_failures
from importer.kit import BULK_LIMIT, KitClient, RateLimiter, batches, get_account, list_custom_fields
from importer.read.files import RowSource
from importer.read.remote import UnchangedSource, open_for_run, remember_download
from importer.read.url import redact
from importer.read.contacts import map_rows
from importer.read.emails import EmailNotes
from importer.decide.estimate import estimate_seconds
from importer.read.columns import CONTENT_SAMPLE, ColumnPlan, plan_columns
from importer.read.frames import default_name, open_data
from importer.read.blanks import Blanks
from importer.read.merge import ContactMerger
from importer.records import (REASON_NOT_CONFIRMED, REASON_NOT_SENT, STOPPED_BEFORE_SENDING, Contact, KitState, Outcome,
                              Rejection, Row, Status)
from importer.outputs.report import RunReport
from importer.decide.targets import create_held, hold_missing
from importer.decide.run_memory import RunMemory
from importer.decide.unsubscribes import Mode, decide, outlook
from importer.send.actions import Action, Count, Seen, actions_for
from importer.send.actions.tags import Tags
from importer.read.tags import counted_once
from importer.send.scheduler import Scheduler
from importer.send.stages import stages_for
from importer.outputs.undo import finish_undo, save_undo
from importer.outputs.undo_files import undo_path
from importer.read.url import source_name
from importer.outputs.words import plural

# Kit's list lags writes by seconds to minutes: a refresh of the state's cache reads from this
# long before the last read began, so that nothing written just before it is missed.
LIST_LAG_MARGIN = dt.timedelta(minutes=10)


class Progress(Protocol):
    """Where the pipeline reports progress; the CLI draws bars, a library caller may log. A progress
    may also have `waiting(seconds)`, told when Kit's rate limit holds every request back that long."""

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
    report = RunReport(source=redact(settings.source), dry_run=settings.dry_run)
    progress = progress or NoProgress()
    end = RunEnd(settings, progress.log)  # the healthcheck, the history and the alerts
    end.start()
    try:
        _locked(report, settings, opener, client, progress)
    except (ImporterError, KeyboardInterrupt) as e:
        report.failed(e)
        _write_report(settings, report)
        end.finish(report)
        raise
    _write_report(settings, report)
    end.finish(report)
    return report


def _write_report(settings: Settings, report: RunReport) -> None:
    if not settings.report:
        return
    try:
        report.write_json(settings.report)
    except OSError as e:
        report.notes.append(f"the report could not be written to {settings.report}: {e.strerror}")


def _locked(report: RunReport, settings: Settings, opener: Callable[[], RowSource], client: KitClient | None,
            progress: Progress) -> None:
    if settings.state is None:
        return _import(report, opener, settings, client, progress)
    state_path = Path(settings.state)
    lock = FileLock(str(state_path) + ".lock")
    holder = state_path.with_name(state_path.name + ".lock.holder")  # when the holder started, for a waiter
    try:
        lock.acquire(timeout=0)
    except LockTimeout:
        if not settings.wait:
            raise ConfigError(f"Another kit-import run is using the state file {settings.state}.",
                              f"{capitalized(settings.origins.advise('wait', True))} to wait for it to finish, "
                              "or check for a run that is stuck.") from None
        progress.log(f"Another run holds {state_path.name} since {_holder_since(holder)}; waiting.")
        waited = time.monotonic()
        lock.acquire(timeout=-1)
        progress.log(f"Got {state_path.name} at {time.strftime('%H:%M:%S')} after waiting "
                     f"{time.monotonic() - waited:.0f} s; starting.")
    try:
        try:
            holder.write_text(f"{time.strftime('%Y-%m-%d %H:%M:%S')}\n", encoding="utf-8")
        except OSError:
            pass  # only a waiter's message needs it
        _import(report, opener, settings, client, progress)
    finally:
        holder.unlink(missing_ok=True)
        lock.release()


def _holder_since(holder: Path) -> str:
    """When the run holding the lock started (`03:15:02`, or with its date if not today), as it wrote it."""
    try:
        started = holder.read_text(encoding="utf-8").strip()
    except OSError:
        return "a time it did not record"
    day, _, clock = started.partition(" ")
    return clock if day == time.strftime("%Y-%m-%d") else started


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


def _import_source(report: RunReport, source: RowSource, settings: Settings, client: KitClient | None,
                   progress: Progress) -> None:
    clock = time.monotonic()
    report.read_as, report.notes = source.describe(), [*settings.notes, *source.notes]
    if not source.headers:  # no rows and so no columns (an empty list of dicts): nothing to import
        report.elapsed_seconds = time.monotonic() - clock
        return
    samples = _samples(source)
    try:
        guard = _guard(source, _plan(source, settings, [], samples=samples), settings)  # before any request
    except ConfigError as e:
        if source.other_sheets and not settings.load.sheet:
            others = ", ".join(repr(n) for n in source.other_sheets)
            e.hint = (f"This is sheet {source.sheet!r}; the workbook also has {others}: "
                      f"choose one with {settings.named('sheet')}.")
        raise
    if next(iter(source.rows()), None) is None:
        # A quiet night's export (header only): a finished run that needs nothing from Kit.
        report.blank_rows = source.blank_rows
        report.elapsed_seconds = time.monotonic() - clock
        _remove_stale_failures(settings, report)
        return
    client = client or build_client(settings)
    client.on_retry = client.on_retry or progress.log
    # Optional: a progress that can say the rate limit holds requests back (`waiting(seconds)`) is told so.
    client.limiter.on_wait = client.limiter.on_wait or getattr(progress, "waiting", None)
    report.credential = _describe_credential(client)
    report.rate_limit_per_minute = round(client.limiter.requests_per_second * 60)
    errors: dict[int, list[str]] = defaultdict(list)
    state = RunMemory(settings.state) if settings.state else None
    try:
        if state is not None:
            account = get_account(client)
            state.bind_account(account.id, account.name)
        kit_fields = list_custom_fields(client)
        plan = _plan(source, settings, kit_fields, guard, samples)
        actions = actions_for(settings, plan)
        for action in actions:
            action.resolve(client)  # its target in Kit (a form, say), before anything is written
            report.actions[action.name] = action.figures
        # Nothing is written until every check that can stop the run has passed: fields to
        # create are placeholders until then.
        report.fields_created = hold_missing(plan, kit_fields, create=settings.create_missing_fields,
                                             origins=settings.origins)
        if settings.create_missing_fields and not report.fields_created and \
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
        contacts = _read(source, plan, settings, report, errors, progress, guard)
        shape: dict[str, Any] = dict(actions=actions)
        work: Work | None = None
        kit_plan: Tally | None = None
        sending: tuple[Work, list] | None = None  # the work and the stages to send it through, once all is ready
        try:
            blind = Work(contacts, None, **shape)  # the whole file: what a run sends knowing nothing of Kit
            differ = _read_kit(client, settings, report, blind, state, progress, actions, _opt_outs(guard))
            if differ is not None:
                kit_plan = Tally()
                work = Work(contacts, None, differ=differ, plan=kit_plan, **shape)
                _report_plan(report, kit_plan, settings)
            else:
                work = Work(contacts, state, **shape) if state is not None and not settings.full else blind
            seen = Seen(client, settings, source, plan.email, contacts, state, report, work.count,
                        differ.account if differ is not None else None)
            for action in actions:
                action.gather(seen)  # beyond the file's contacts (who left it): read-only
            _write_diff(settings, report, work, differ, output_delimiter(source))
            for action in actions:
                action.prepare(client, work.counts[action.name])  # read-only: what it creates waits for the checks
            tagging = next((action for action in actions if isinstance(action, Tags)), None)
            report.tags_to_add = counted_once(report.tags_to_add, tagging.spelling if tagging else str)
            report.unchanged = report.contacts - work.count
            report.rows_imported = report.rows_unchanged = contacts.rows - work.rows  # Kit has these already
            report.values_to_write = work.values
            if guard is not None:
                report.state_words = {state.value: guard.words(state) for state in guard.said}
            report.stopped = _brake(settings, report, work, state, kit_plan) or \
                next((why for action in actions if (why := action.brake())), None)
            if report.stopped:
                report.error = report.stopped  # said once in the summary; in the JSON report's `error` too
                report.drift_corrected = 0  # nothing was set back
                _not_sent(work, report.stopped, report, errors)
            elif settings.dry_run:
                report.rows_imported += work.rows
                bulk = client.credential.can_bulk
                creations = len(report.fields_created) + sum(action.creations(bulk) for action in actions)
                for action in actions:
                    action.plan(work.counts[action.name], kit_plan)
                _plan_consent(report, settings, work, kit_plan)
                report.planned_requests = _planned_requests(client, work, creations)
                report.planned_reads = client.stats.total
                report.contacts_to_send = work.count
                report.planned_seconds = _planned_seconds(client, work, creations, settings.concurrency)
            else:
                if differ is not None and kit_plan is not None and state is not None:
                    # Only a run that goes on to write refreshes the cache: a stopped one leaves it as it was,
                    # so the drift it saw is still drift (and counted) in the run that sets it back.
                    state.cache(differ.account.subscribers.values(), {f.key: f for f in kit_fields},
                                differ.account.started_at)
                    if not differ.refreshed:  # every contact of the file compared with Kit's own data
                        read_at = differ.account.started_at or dt.datetime.now(dt.timezone.utc)
                        freshness.mark_full_read(state, read_at)
                        report.last_full_read = "this run"
                    state.remember_states(kit_plan.states_seen)
                    state.remember_consent(kit_plan.consent_seen)
                contacts.rebind(create_held(client, plan))
                report.columns = plan.describe()  # the fields just created are Kit's now, not "to be created"
                # A refreshed read holds only the subscribers changed since the cached one: undo reads the rest.
                _before_writing(client, settings, work, report,
                                differ.account if differ is not None and not differ.refreshed else None,
                                output_delimiter(source))
                for action in actions:
                    action.create(client)
                sending = work, [*stages_for(client, new_state=settings.subscriber_state),
                                 *(stage for action in actions for stage in action.stages(client))]
        except KeyboardInterrupt as interrupt:
            if work is None and state is not None and not settings.full:
                work = Work(contacts, state, **shape)  # interrupted while Kit was read: the state says what is left
            _interrupted_before_sending(interrupt, contacts, work, report, errors)
        else:
            if sending is not None:
                _submit(client, sending[0], report, errors, progress, settings.concurrency, state,
                        _column_names(plan), sending[1], kit_plan, settings.consent)
                for action in actions if not report.stopped else ():
                    action.finish(client)  # its writes beyond the file's contacts, once the file's all went out
                if report.undo_file and not report.stopped:
                    finish_undo(Path(report.undo_file))  # an interrupted run leaves its undo file marked for the next
    finally:
        _finish(report, client, clock)
        if state is not None:
            state.close()
    if errors and settings.dry_run and _is_source(settings.failures_file, getattr(source, 'path', None)):
        report.notes.append(f"a dry run leaves {getattr(source, 'path', '')} as it is: the failures file of a real run "
                            "would replace it with the rows that fail")
    elif errors:
        extra_column = source.long_rows > 0 or extra_cells_column(source.headers) is not None
        report.failures_path = str(_write_failures_somewhere(settings.failures_file, source, errors, report,
                                                             extra_column))
    elif not (settings.dry_run and _is_source(settings.failures_file, getattr(source, 'path', None))):
        _remove_stale_failures(settings, report)


def _opt_outs(guard: ConsentGuard | None) -> int:
    """Rows the file says opted out: each may be an unsubscribe, which no undo takes back."""
    return sum(sum(said.values()) for state, said in guard.said.items() if state.opted_out) if guard else 0


def _read_kit(client: KitClient, settings: Settings, report: RunReport, blind: Work, state: RunMemory | None,
              progress: Progress, actions: list[Action], opt_outs: int = 0) -> Differ | None:
    """Read what Kit holds when it pays (or --compare always), and say in the report how or why not.

    With a state file that holds an earlier read, only the subscribers updated since it (less
    Kit's list lag) are read, and the cache stands for the rest. Otherwise the first page asks
    Kit's total: an account read in that one page (an empty one, say) is read; a bigger one only
    when reading it costs fewer requests than the `blind` run's writes, which it could save; and
    whatever it costs when --max-changes must weigh the unsubscribes the file's `opt_outs` may send
    (no undo takes one back) and no state file can.
    """
    mode = settings.compare
    if mode is CompareMode.NEVER:  # a dry run sends nothing: it says what a real run would
        is_sent = "would be sent" if settings.dry_run else "is sent"
        report.kit_read = f"not read ({settings.named('compare')} never): the whole file {is_sent}"
        return None
    if settings.full and mode is CompareMode.AUTO:
        sends = "would send" if settings.dry_run else "sends"
        report.kit_read = f"not read: {settings.named('full')} {sends} the whole file"
        return None
    options: dict[str, Any] = dict(state=state, actions=actions, consent=settings.consent)
    include_tags = blind.include_tags
    since = state.read_at() if state is not None and not settings.full else None
    if state is not None and not settings.full and _full_read_due(state, settings, report):
        # The memory's picture of Kit is due for its re-read: the file's subscribers are read whatever it
        # costs (at the cheaper of a whole read and one lookup each), so drift in Kit is found and set back.
        account, how = read_for(client, blind.count, lambda: (c.email for c in blind), include_tags=include_tags)
        report.kit_read = f"{how}: the state file's picture of Kit is due for its re-read " \
                          f"(every {settings.full_read_days:g} days)"
        return Differ(account, **options)
    if since is not None:
        account = read_account(client, include_tags=include_tags, updated_after=since - LIST_LAG_MARGIN,
                               progress=_reading(progress))
        report.kit_read = (f"{plural(len(account), 'subscriber')} updated since the state file's read of "
                           f"{since:%Y-%m-%d %H:%M} UTC (less {LIST_LAG_MARGIN.seconds // 60} minutes for Kit's list "
                           f"lag), in {plural(account.requests, 'request')}; the state file stands for the others")
        return Differ(account, refreshed=True, **options)
    bulk = client.credential.can_bulk
    writes = write_cost(blind.count, blind.values, 0, client.credential) + \
        sum(action.read_saves(blind.counts[action.name], bulk) for action in blind.actions)
    brake = settings.max_changes is not None and opt_outs and settings.consent is not Mode.KEEP and \
        (state is None or not len(state))
    # --diff, and the brake over unsubscribes, need the read, whatever it costs
    weighs = mode is CompareMode.AUTO and settings.diff is None and not brake
    # The undo file needs Kit's values of what the run sends: when it would read the whole account for
    # them, that read is made here instead and serves the comparison too (never two reads of one account).
    undo = not settings.no_undo and not settings.dry_run and blind.count > 0
    if weighs and writes <= 1 and not undo:
        report.kit_read = "not read: the file needs one write at most, which no read can save"
        return None
    first = count_subscribers(client, include_tags=include_tags)
    total = first.total_count if first.total_count is not None else len(first.subscribers)
    decision = read_pays(total, writes)
    for_undo = undo and read_cost(total) <= blind.count  # the undo file's read_for would read it all
    if weighs and first.next_cursor is not None and first.total_count is not None and not decision.pays \
            and not for_undo:
        report.kit_read = f"not read: {decision.why}"
        return None
    account = read_account(client, include_tags=include_tags, first=first, progress=_reading(progress))
    why = "it was asked for" if mode is CompareMode.ALWAYS else "one page held it all" \
        if first.next_cursor is None else decision.why
    if mode is CompareMode.AUTO and first.next_cursor is not None and not decision.pays:
        needs = f"{settings.named('diff')} needs" if settings.diff is not None else \
            f"{settings.named('max_changes')} weighs the file's {plural(opt_outs, 'opt-out')} against it" \
            if not weighs else "the undo file needs"
        why = f"{needs} it, though it costs more than the {plural(writes, 'write')} it could save" if not weighs \
            else "the undo file needs it, so it is compared too"
    report.kit_read = f"{plural(len(account), 'subscriber')} in {plural(account.requests, 'request')} ({why})"
    return Differ(account, **options)


def _full_read_due(state: RunMemory, settings: Settings, report: RunReport) -> bool:
    """Whether the state file's picture of Kit is older than --full-read-days; says when it was last read."""
    now = dt.datetime.now(dt.timezone.utc)
    report.last_full_read = freshness.describe(freshness.full_read_at(state), now)
    return freshness.full_read_due(state, settings.full_read_days, now)


def _reading(progress: Progress) -> Callable[[int, int | None], None]:
    """A read_account progress callback that moves the run's progress along."""
    shown = [0]
    progress.phase("Reading Kit", None)

    def advance(read: int, total: int | None) -> None:
        progress.advance(read - shown[0])
        shown[0] = read

    return advance


def _report_plan(report: RunReport, plan: Tally, settings: Settings) -> None:
    """The plan's figures in the report: per column, new and existing subscribers, tags, drift."""
    report.plan_columns = plan.columns()
    report.new_subscribers = len(plan.created)
    report.existing_subscribers = plan.existing
    report.tags_to_add = dict(plan.tags.most_common())
    report.drift_corrected = plan.drift
    report.kept_active.update(plan.kept_active)
    if plan.not_opted_in:
        are = "is" if plan.not_opted_in == 1 else "are"
        report.notes.append(f"{plural(plan.not_opted_in, 'subscriber')} active in Kit {are} not opted in in the file "
                            "(pending, no consent): left active, since absence of consent never unsubscribes")


def _plan_consent(report: RunReport, settings: Settings, work: Work, kit_plan: Tally | None) -> None:
    """A dry run's consent outcome: new subscribers per state, and who stays active and why (after a read);
    the unsubscribe action counts the unsubscribes to send."""
    states = kit_plan.new_states if kit_plan is not None else outlook(work, settings.consent)[0]
    report.planned_states = {str(state or settings.subscriber_state): n for state, n in states.most_common()}


def _write_diff(settings: Settings, report: RunReport, work: Work, differ: Differ | None, delimiter: str) -> None:
    """Write the --diff CSV before anything is written, or say why there is none."""
    if settings.diff is None:
        return
    if differ is None:
        report.notes.append(f"{settings.named('diff')} needs a read of Kit, and Kit was {report.kit_read}; "
                            "no diff written")
        return
    try:
        extra = itertools.chain.from_iterable(action.diff_lines() for action in work.actions)
        report.diff_changes = write_diff(settings.diff, work.comparisons(), extra, delimiter=delimiter)
    except OSError as e:
        raise ConfigError(f"The diff CSV cannot be written to {settings.diff}: {e.strerror}.",
                          f"Choose another {settings.named('diff')} path.") from None
    report.diff_path = str(settings.diff)


def _is_source(path: Path, source: Path | None) -> bool:
    """Whether `path` is the very file being read (a failures CSV fed back in writes back onto itself);
    never for data handed over in memory (a DataFrame, dicts), which has no file."""
    if source is None:
        return False
    try:
        return path.resolve() == source.resolve() or (path.exists() and path.samefile(source))
    except OSError:
        return False


def _remove_stale_failures(settings: Settings, report: RunReport) -> None:
    """Remove a failures CSV an earlier run left where this run's would go: a stale file must not look current."""
    path = settings.failures_file
    if not path.is_file():
        return
    try:
        path.unlink()
    except OSError as e:
        report.notes.append(f"the earlier failures file {path} could not be removed ({e.strerror}): "
                            "it is not from this run, which rejected no row")
        return
    report.failures_removed = str(path)


def _write_failures_somewhere(path: Path, source: RowSource, errors: dict[int, list[str]], report: RunReport,
                              extra_column: bool) -> Path:
    """Write the failures CSV where asked or, if that fails, in the temp folder: the rows must not be lost."""
    try:
        write_failures(path, source.headers, source.rows(), errors, extra_column=extra_column,
                       delimiter=output_delimiter(source))
        return path
    except OSError as e:
        fallback = Path(tempfile.gettempdir()) / path.name
        write_failures(fallback, source.headers, source.rows(), errors, extra_column=extra_column,
                       delimiter=output_delimiter(source))
        report.notes.append(f"the failures CSV could not be written to {path} ({e.strerror}); "
                            f"it is at {fallback} instead")
        return fallback


class Work:
    """The contacts this run must send: all of them, or with a state store only what Kit lacks.

    Iterable more than once (it is rebuilt from the merged contacts and the state), so the
    brake can count it before anything is written and a stopped run can list what was not sent.
    Each action may amend a contact as it is handed out (--tag adds its tags), and counts what
    it may send for the contacts in the one pass that counts them (`counts`, by action name).
    """

    def __init__(self, contacts: ContactMerger, state: RunMemory | None, *, actions: list[Action] | None = None,
                 differ: Differ | None = None, plan: Tally | None = None) -> None:
        self.contacts = contacts
        self.state = state
        self.actions = actions or []
        self.differ, self._plan = differ, plan
        self.counts: dict[str, Count] = {action.name: action.counter() for action in self.actions}
        self.single_upserts = 0  # contacts that one-per-contact upserts send (an API key)
        if state is None and differ is None and not self.actions:
            # the merger knows the figures without a pass
            self.count = self.upserts = self.single_upserts = len(contacts)
            self.values = contacts.value_count()
            self.rows = contacts.rows
            return
        self.count = self.values = self.upserts = self.rows = 0
        for contact in self:
            self.count += 1
            self.values += len(contact.fields)
            self.upserts += contact.subscriber_id is None
            # Kit has it, and only later stages have work for it (its tags): no one-per-contact upsert.
            self.single_upserts += contact.subscriber_id is None or bool(contact.fields) \
                or contact.first_name is not None
            self.rows += len(contact.rows)
            for count in self.counts.values():
                count.add(contact)
        self._plan = None  # planned in the first pass only

    @property
    def include_tags(self) -> bool:
        """Whether a read of Kit for these contacts must include their tags (an action applies some)."""
        return any(count.include_tags for count in self.counts.values())

    def comparisons(self) -> Iterator[Comparison]:
        """Each contact compared with Kit (a Work with a differ only)."""
        assert self.differ is not None
        for contact in self._contacts():
            yield self.differ.compare(contact)[0]

    def _contacts(self) -> Iterator[Contact]:
        for contact in self.contacts.contacts():
            for action in self.actions:
                contact = action.amend(contact)
            yield contact

    def __iter__(self) -> Iterator[Contact]:
        for contact in self._contacts():
            if self.differ is not None:
                comparison, drift = self.differ.compare(contact)
                if self._plan is not None:
                    self._plan.add(comparison, drift)
                if comparison.difference is not None:
                    yield comparison.difference
            elif self.state is None:
                yield contact
            elif (change := self.state.changes(contact, self.actions)) is not None:
                yield change


def _before_writing(client: KitClient, settings: Settings, work: Work, report: RunReport,
                    account: Account | None = None, delimiter: str = ",") -> None:
    """The one step just before the first subscriber is written: save the undo file of what the run
    will change (after every check that can stop it, and after creating the fields it maps, which
    hold no value to restore). `account` is what the run read of Kit, if it did. The file stays
    marked incomplete until the run ends unstopped, so that a rerun after Ctrl-C keeps its lines."""
    extra = [line for action in work.actions for line in action.extra_undo_lines()]  # people not in the file
    if settings.no_undo or not (work.count or extra):
        return
    path = undo_path(settings.undo, source_name(settings.source))
    saved = save_undo(client, path, lambda: iter(work), work.count, account, tags=work.include_tags,
                      consent=settings.consent, delimiter=delimiter,
                      form=any(not action.taken_back for action in work.actions), actions=work.actions, extra=extra)
    report.undo_file, report.undo_holds = str(saved.path) if saved.written else None, saved.describe()
    if saved.written and settings.state is not None:
        freshness.note_state(saved.path, Path(settings.state))  # for `kit-import undo` to tell the memory


def _brake(settings: Settings, report: RunReport, work: Work, state: RunMemory | None,
           kit_plan: Tally | None = None) -> str | None:
    """Why this run must not write anything (a broken export, most likely), or None. What
    changes is known against Kit's own data when the run read it, else against a state file."""
    if settings.max_rejects is not None and report.rows_read:
        share = 100 * report.rows_rejected / report.rows_read
        if share > settings.max_rejects:
            return (f"the brake stopped the run before writing: {share:.1f}% of rows would be rejected, "
                    f"over the {settings.max_rejects:g}% that {settings.named('max_rejects')} allows")
    if settings.max_changes is not None and report.contacts:
        if kit_plan is not None:
            # Against Kit's own data: the share of the subscribers it holds that this run would change.
            if not kit_plan.existing:
                report.notes.append(f"Kit holds none of this file's contacts yet: {settings.named('max_changes')} "
                                    "applies from the next run")
                return None
            share = 100 * kit_plan.changed_existing / kit_plan.existing
            if share > settings.max_changes:
                return (f"the brake stopped the run before writing: {share:.1f}% of the subscribers Kit holds "
                        f"would change, over the {settings.max_changes:g}% that "
                        f"{settings.named('max_changes')} allows")
            return None
        if state is None or settings.full:
            report.notes.append(f"{settings.named('max_changes')} needs a read of Kit or a state file (and no "
                                f"{settings.named('full')}): not applied")
            return None
        if not len(state):
            report.notes.append(f"first run on this state file: {settings.named('max_changes')} "
                                "applies from the next run")
            return None
        share = 100 * work.count / report.contacts
        if share > settings.max_changes:
            return (f"the brake stopped the run before writing: {share:.1f}% of contacts would change, "
                    f"over the {settings.max_changes:g}% that {settings.named('max_changes')} allows")
    return None


def _plan(source: RowSource, settings: Settings, kit_fields: list, guard: ConsentGuard | None = None,
          samples: list[Row] | None = None) -> ColumnPlan:
    claimed = {c.index: c.role for c in guard.columns} if guard is not None else {}
    # A config's [fields] table says what a scheduled run writes: nothing is mapped by its name beyond it.
    from_config = getattr(settings.origins.given.get("fields"), "kind", None) == "config"
    plan = plan_columns(source.headers, kit_fields, email_column=settings.email_column,
                        first_name_column=settings.first_name_column, field_specs=settings.fields, claimed=claimed,
                        samples=samples or (), origins=settings.origins, tags_column=settings.tags_column,
                        pinned=settings.named("fields") if from_config else None, split_names=split_names(settings))
    aside = dict(guard.set_aside.values()) if guard is not None else {}  # consent columns left out: never "metadata"
    plan.ignored = [(header, aside.get(header, why)) for header, why in plan.ignored]
    return plan


def split_names(settings: Settings) -> bool | None:
    """--no-split-names as plan_columns takes it: None when not given (a scheduled run keeps its names whole)."""
    if settings.no_split_names:
        return False
    return True if "no_split_names" in settings.origins.given else None


def _samples(source: RowSource) -> list[Row]:
    """The first data rows, for finding the email column by its cells when no header names it."""
    return list(itertools.islice(source.rows(), CONTENT_SAMPLE))


def _guard(source: RowSource, plan: ColumnPlan, settings: Settings) -> ConsentGuard | None:
    """The consent guard for this file: who is not subscribed, found from its status column."""
    return plan_guard(source.headers, source.rows, plan.email, status_column=settings.states_from,
                      ignore=settings.ignore_status, skip=settings.skip_unsubscribed, origins=settings.origins,
                      claimed=plan.in_use(), own=settings.own_state_words,
                      setting="state_column" if settings.state_column else "status_column")


def _describe_credential(client: KitClient) -> str:
    how = f"bulk requests of up to {BULK_LIMIT}" if client.credential.can_bulk else "one request per contact"
    return f"{client.credential.name}: {how}"


def _read(source: RowSource, plan: ColumnPlan, settings: Settings, report: RunReport,
          errors: dict[int, list[str]], progress: Progress, guard: ConsentGuard | None = None) -> ContactMerger:
    """Map every row; rejections go straight to `errors`, contacts are merged by email; the
    guard (if any) tallies who is not subscribed and, when asked, leaves them out.

    If reading stops (an undecodable byte, Ctrl-C), no row has been accounted for: the
    figures and rejections gathered so far are dropped before the error goes on.
    """
    merger = ContactMerger(plan.kit_fields(), blanks=Blanks(clear=settings.blanks is BlankPolicy.CLEAR))
    progress.phase("Reading rows", None)
    rows = source.rows() if guard is None else guard.screen(source.rows())
    notes = EmailNotes()
    try:
        for item in map_rows(rows, plan, guard.state if guard is not None else None,
                             guard.opted_out_at if guard is not None and guard.times else None, notes):
            report.rows_read += 1
            if isinstance(item, Rejection):
                _reject(item, report, errors)
            else:
                merger.add(item)
            progress.advance()
    except BaseException:
        report.rows_read = report.rows_rejected = 0
        report.rejected_by_reason.clear()
        errors.clear()
        raise
    report.noted_emails(notes)
    if guard is not None:
        _leave_out(guard, merger, report)
    report.blank_rows = source.blank_rows
    report.rows_short = source.short_rows
    report.duplicates_merged = merger.merged
    report.contacts = len(merger)
    return merger


def _leave_out(guard: ConsentGuard, merger: ContactMerger, report: RunReport) -> None:
    """Count the rows --skip-unsubscribed left out, with every other row of the same people, and say
    why in parts that add up: "not subscribed (...), left out by ..., and 1 other row of the same person"."""
    report.rows_read += guard.skipped_rows
    report.rows_skipped += guard.skipped_rows
    others = people = 0
    for email in guard.left_out:
        if (contact := merger.discard(email)) is not None:
            others += len(contact.rows)
            people += 1
    report.rows_skipped += others
    if report.rows_skipped:
        flag = guard.origins.named("skip_unsubscribed")
        report.skipped_because = f"not subscribed ({guard.tally()}), left out by {flag}"
        if any(state.opted_out for state in guard.said):
            report.notes.append(f"{flag} leaves those rows out altogether: a person among them whom Kit holds "
                                "active is not unsubscribed (without it, their opt-out is honoured)")
        if others:
            same = "person" if people == 1 else "people"
            report.skipped_because += f", and {plural(others, 'other row')} of the same {same}"


def _reject(rejection: Rejection, report: RunReport, errors: dict[int, list[str]]) -> None:
    # A part a stage never sent because the run stopped (a tag after SIGTERM, say) leaves its row
    # unfinished, not refused: it is counted with the rows not sent.
    reason = REASON_NOT_SENT if STOPPED_BEFORE_SENDING in rejection.detail else rejection.reason
    if rejection.row not in errors:
        report.rows_rejected += 1
        report.rows_not_sent += reason == REASON_NOT_SENT
        report.rows_not_confirmed += reason == REASON_NOT_CONFIRMED
    if rejection.message not in errors[rejection.row]:
        errors[rejection.row].append(rejection.message)
        report.rejected_by_reason[reason] += 1


def _submit(client: KitClient, work: Work, report: RunReport, errors: dict[int, list[str]],
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
                _tally(outcome, report, errors, columns, consent)
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
        why = _why_stopped(e)
        report.stopped = why
        if not isinstance(e, KeyboardInterrupt):
            report.error = why  # said once in the summary; in the JSON report's `error` too
        report.interrupted = isinstance(e, KeyboardInterrupt)
        report.terminated = isinstance(e, Terminated)
        unanswered = {contact.email for contact in submitter.in_flight()}
        left = [c for c in work if c.email not in settled]
        _not_confirmed((c for c in left if c.email in unanswered), f"the run stopped: {why}", report, errors)
        _not_sent((c for c in left if c.email not in unanswered), f"the run stopped: {why}", report, errors)


def _interrupted_before_sending(interrupt: KeyboardInterrupt, contacts: ContactMerger, work: Work | None,
                                report: RunReport, errors: dict[int, list[str]]) -> None:
    """Ctrl-C (or SIGTERM) after the rows were read but before the first contact was sent (while
    Kit is read, say): stop as a run stopped while sending does, with every contact not sent in
    the failures CSV, so that every row read is still accounted for. Without a `work` yet, every
    contact is pending; with one, those it leaves out are Kit's already."""
    why = _why_stopped(interrupt)
    report.stopped, report.interrupted = why, True
    report.terminated = isinstance(interrupt, Terminated)
    pending = list(work) if work is not None else list(contacts.contacts())
    report.unchanged = report.contacts - len(pending)
    report.rows_imported = report.rows_unchanged = contacts.rows - sum(len(c.rows) for c in pending)
    # A brake may have listed some already when the interrupt came: each contact goes in once.
    _not_sent((c for c in pending if c.rows[0] not in errors), f"the run stopped: {why}", report, errors)


def _why_stopped(error: BaseException) -> str:
    """What stopped a run, for the report and the failures CSV."""
    if isinstance(error, KeyboardInterrupt):
        return str(error) or "interrupted (Ctrl-C)"
    return str(error)


def default_concurrency(client: KitClient, slowest_reply: float = 1.5) -> int:
    """Enough requests in flight to keep the rate limit busy while each takes up to
    `slowest_reply` seconds (Kit's replies take 0.3 to 1.5 s), with a quarter to spare."""
    per_second = client.limiter.requests_per_second
    return max(2, min(256, math.ceil(per_second * slowest_reply * 1.25)))


def _tally(outcome: Outcome, report: RunReport, errors: dict[int, list[str]],
           columns: dict[str, str] | None = None, consent: Mode = Mode.HONOUR) -> None:
    if outcome.status is Status.CREATED:
        report.created += 1
    elif outcome.status is Status.UPDATED:
        report.updated += 1
    elif outcome.status is Status.NOT_SENT:
        report.not_sent += 1
    elif outcome.status is Status.NOT_CONFIRMED:
        report.not_confirmed += 1
    else:
        report.failed_contacts += 1
    report.values_written += outcome.values_written
    report.values_unconfirmed += outcome.values_unconfirmed
    _tally_parts(outcome, report)
    for figures in report.actions.values():
        figures.tally(outcome)
    _confirmed_writes(outcome, report.confirmed_writes)
    _tally_state(outcome, report, consent)
    if not outcome.problems:
        report.rows_imported += len(outcome.contact.rows)
    for rejection in outcome.rejections():
        if columns and rejection.reason == "field not written":
            rejection = Rejection(rejection.row, rejection.reason, _name_column(rejection.detail, columns))
        _reject(rejection, report, errors)


def _tally_parts(outcome: Outcome, report: RunReport) -> None:
    """Values Kit refused ("failed") apart from those never sent because the run stopped (each action
    counts its own writes the same way)."""
    if outcome.status is Status.NOT_SENT:
        report.values_not_sent += len(outcome.contact.fields)
        return
    for reason, detail in outcome.problems:
        stopped = STOPPED_BEFORE_SENDING in detail
        if reason == "field not written" and stopped:
            report.values_not_sent += len(outcome.contact.fields) - outcome.values_written - outcome.values_unconfirmed
        elif reason == "field not written":
            report.values_failed += 1


def _confirmed_writes(outcome: Outcome, writes: set[tuple[str, str]]) -> None:
    """Note the subscriber and taggings Kit confirmed, for a verify that follows while its lists lag."""
    email = outcome.contact.email.casefold()
    if outcome.status in (Status.CREATED, Status.UPDATED):
        writes.add((email, "subscriber"))
    writes.update((email, f"tag:{name.casefold()}") for name in outcome.tagged)


def _tally_state(outcome: Outcome, report: RunReport, consent: Mode = Mode.HONOUR) -> None:
    """Count the states new subscribers were created in, and the people the file says opted out whom Kit
    holds active and this run left so, with why (an unsubscribe Kit confirmed leaves them cancelled)."""
    if outcome.status is Status.CREATED and outcome.kit_state not in (None, KitState.ACTIVE):
        report.states_set[outcome.kit_state.value] += 1
    email = outcome.contact.email
    if (kept := decide(outcome.contact, outcome.kit_state, outcome.kit_created_at, consent).kept) is not None:
        report.kept_active[email] = kept.value
    elif outcome.kit_state is not None and outcome.kit_state is not KitState.ACTIVE:
        report.kept_active.pop(email, None)  # unsubscribed by this run, or no longer active in Kit


def _column_names(plan: ColumnPlan) -> dict[str, str]:
    """Kit field label -> the column as the user's file heads it: `Zip (Postal code)` where they differ."""
    names = {}
    for index, kit_field in plan.fields:
        header = plan.headers[index]
        same = header.strip().casefold() == kit_field.label.strip().casefold()
        names[kit_field.label] = header if same else f"{header} ({kit_field.label})"
    return names


def _name_column(detail: str, columns: dict[str, str]) -> str:
    """`<label>: <Kit's message>` -> `<column>: <Kit's message>`, so the user knows which cell to fix."""
    for label in sorted(columns, key=len, reverse=True):
        if detail.startswith(label + ": "):
            return columns[label] + detail[len(label):]
    return detail


def _not_sent(contacts: Iterable[Contact], why: str, report: RunReport, errors: dict[int, list[str]]) -> None:
    for contact in contacts:
        outcome = Outcome(contact, Status.NOT_SENT)
        outcome.problems.append((REASON_NOT_SENT, why))
        _tally(outcome, report, errors)


def _not_confirmed(contacts: Iterable[Contact], why: str, report: RunReport,
                   errors: dict[int, list[str]]) -> None:
    for contact in contacts:
        outcome = Outcome(contact, Status.NOT_CONFIRMED)
        outcome.problems.append((REASON_NOT_CONFIRMED, why))
        _tally(outcome, report, errors)


def _planned_requests(client: KitClient, work: Work, creations: int) -> int:
    """Requests a real run needs: what the dry run already read, creations, then the writes."""
    return client.stats.total + creations + sum(_writes(client, work))


def _writes(client: KitClient, work: Work) -> list[int]:
    """The write requests of each stage: upserts and values (OAuth, 100 a request; with an API key one
    upsert per contact carries its values), then each action's."""
    bulk = client.credential.can_bulk
    core = [batches(work.upserts), batches(work.values)] if bulk else [work.single_upserts]
    return core + [action.requests(work.counts[action.name], bulk) for action in work.actions]


def _planned_seconds(client: KitClient, work: Work, creations: int, concurrency: int | None) -> float:
    """How long a real run of this plan takes: the requests at Kit's latency, concurrency and rate limit."""
    limiter = client.limiter
    return estimate_seconds(reads=client.stats.total, creations=creations, writes=_writes(client, work),
                            concurrency=concurrency or default_concurrency(client),
                            limit=limiter.limit, window=limiter.window + limiter.pad)


def _finish(report: RunReport, client: KitClient, clock: float) -> None:
    report.requests.update(client.stats.by_endpoint)  # kit/ counts them per endpoint, ids folded
    report.retries = client.stats.retries
    report.throttled = client.stats.throttled
    report.elapsed_seconds = time.monotonic() - clock


def file_contacts(source: RowSource, settings: Settings, client: KitClient, report: RunReport,
                  progress: Progress | None = None) -> Work | None:
    """The file's contacts as a run reads, maps and merges them, as the actions verify checks amend them
    (with the --tag tags), and none left
    out by a state file: what `verify` compares with Kit. None when the source has no columns.
    Rejected rows are counted in `report` (a run would not have imported them)."""
    report.read_as, report.notes = source.describe(), [*settings.notes, *source.notes]
    if not source.headers:
        return None
    samples = _samples(source)
    guard = _guard(source, _plan(source, settings, [], samples=samples), settings)
    kit_fields = list_custom_fields(client)
    plan = _plan(source, settings, kit_fields, guard, samples)
    hold_missing(plan, kit_fields, create=settings.create_missing_fields, origins=settings.origins)
    report.columns = plan.describe()
    contacts = _read(source, plan, settings, report, defaultdict(list), progress or NoProgress(), guard)
    return Work(contacts, None, actions=[action for action in actions_for(settings, plan) if action.verified])
