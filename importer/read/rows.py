"""A source's rows -> the column plan, the consent guard and the merged contacts; rejected rows counted."""

from __future__ import annotations

import itertools

from importer.decide.unsubscribes import Mode
from importer.outputs.report import RunReport
from importer.outputs.words import plural
from importer.read.blanks import Blanks
from importer.read.columns import CONTENT_SAMPLE, ColumnPlan, plan_columns
from importer.read.consent import ConsentGuard, plan_guard
from importer.read.contacts import map_rows
from importer.read.emails import EmailNotes
from importer.read.files import RowSource
from importer.read.merge import ContactMerger
from importer.records import REASON_NOT_CONFIRMED, REASON_NOT_SENT, STOPPED_BEFORE_SENDING, Rejection, Row
from importer.settings.declaration import BlankPolicy, Settings
from importer.progress import Progress


def plan_for(source: RowSource, settings: Settings, kit_fields: list, guard: ConsentGuard | None = None,
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


def samples_of(source: RowSource) -> list[Row]:
    """The first data rows, for finding the email column by its cells when no header names it."""
    return list(itertools.islice(source.rows(), CONTENT_SAMPLE))


def guard_for(source: RowSource, plan: ColumnPlan, settings: Settings) -> ConsentGuard | None:
    """The consent guard for this file: who is not subscribed, found from its status column."""
    guard = plan_guard(source.headers, source.rows, plan.email, status_column=settings.states_from,
                       ignore=settings.ignore_status, skip=settings.skip_unsubscribed, origins=settings.origins,
                       claimed=plan.in_use(), own=settings.own_state_words,
                       setting="state_column" if settings.state_column else "status_column")
    if guard is not None:  # a left-out row's address may come from the second email column
        guard.second = plan.second_email
    return guard


def read_contacts(source: RowSource, plan: ColumnPlan, settings: Settings, report: RunReport,
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
                reject(item, report, errors)
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
        _leave_out(guard, merger, report, settings.consent)
        if guard.states_each_row:
            _blank_states(merger.without_state(), report, settings)
    report.blank_rows = source.blank_rows
    report.set_footer(source.footer)
    report.rows_short = source.short_rows
    report.duplicates_merged = merger.merged
    report.contacts = len(merger)
    return merger


def _blank_states(blank: int, report: RunReport, settings: Settings) -> None:
    """People whose status cells are all blank: a new one is created in --subscriber-state's state, said
    on the Consent line (`blank for 2 people: created active if new, the default; --subscriber-state
    changes it`)."""
    report.blank_states = blank
    if not blank:
        return
    state, named = settings.subscriber_state.value, settings.named("subscriber_state")
    how = f"as {named} says" if "subscriber_state" in settings.origins.given else f"the default; {named} changes it"
    report.blank_states_said = f"blank for {plural(blank, 'person', 'people')}: created {state} if new, {how}"


def _leave_out(guard: ConsentGuard, merger: ContactMerger, report: RunReport, consent: Mode = Mode.HONOUR) -> None:
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
        if guard.opt_outs and consent is Mode.KEEP:
            report.notes.append(f"{flag} leaves those rows out altogether, and {guard.origins.named('keep_kit_state')} "
                                "leaves Kit's states as they are: a person among them whom Kit holds active stays so")
        elif guard.opt_outs:
            report.notes.append(f"{flag} creates and updates none of them, but a person among them the file says "
                                "opted out whom Kit holds active is still unsubscribed, as the opt-out says")
        if others:
            same = "person" if people == 1 else "people"
            report.skipped_because += f", and {plural(others, 'other row')} of the same {same}"


def reject(rejection: Rejection, report: RunReport, errors: dict[int, list[str]]) -> None:
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
