"""Each contact's outcome -> the report's figures and the failures CSV's lines (refused, not sent, not confirmed)."""

from __future__ import annotations

from collections.abc import Iterable

from importer.decide.unsubscribes import Mode, decide
from importer.outputs.report import RunReport
from importer.read.columns import ColumnPlan
from importer.records import (REASON_NOT_CONFIRMED, REASON_NOT_SENT, STOPPED_BEFORE_SENDING, Contact, KitState, Outcome,
                              Rejection, Status)
from importer.read.rows import reject


def tally(outcome: Outcome, report: RunReport, errors: dict[int, list[str]],
           columns: dict[str, str] | None = None, consent: Mode = Mode.HONOUR) -> None:
    if outcome.status is Status.CREATED:
        report.created += 1
    elif outcome.status is Status.UPDATED:
        report.updated += 1
    elif outcome.status is Status.NOT_SENT:
        report.not_sent += 1
        report.unsent_emails.add(outcome.contact.email.casefold())
    elif outcome.status is Status.NOT_CONFIRMED:
        report.not_confirmed += 1
    else:
        report.failed_contacts += 1
    report.values_written += outcome.values_written
    report.values_unconfirmed += outcome.values_unconfirmed
    report.values_not_confirmed += outcome.values_in_flight
    _tally_parts(outcome, report)
    for figures in report.actions.values():
        figures.tally(outcome)
    _confirmed_writes(outcome, report.confirmed_writes)
    _tally_state(outcome, report, consent)
    if not outcome.problems:
        report.rows_imported += len(outcome.contact.rows)
    sent = _partly_sent(outcome, report)
    for rejection in outcome.rejections():
        if columns and rejection.reason == "field not written":
            rejection = Rejection(rejection.row, rejection.reason, _name_column(rejection.detail, columns))
        if sent and STOPPED_BEFORE_SENDING in rejection.detail:
            rejection = Rejection(rejection.row, rejection.reason, f"{rejection.detail}; the subscriber itself was "
                                                                   f"{sent} in Kit")
        reject(rejection, report, errors)


# What a stage never sent, by the reason it gives a part the run stopped before sending.
UNSENT_PARTS = {"field not written": "values", "tag not applied": "tags", "not added to form": "form addition",
                "not added to sequence": "sequence additions", "not unsubscribed": "unsubscribe"}


def _partly_sent(outcome: Outcome, report: RunReport) -> str:
    """A contact Kit created or updated whose later parts (values, tags) the run stopped before sending:
    counted for the summary's words; how it was sent ("created"), else nothing."""
    if outcome.status not in (Status.CREATED, Status.UPDATED):
        return ""
    parts = [UNSENT_PARTS.get(reason, reason) for reason, detail in outcome.problems
             if STOPPED_BEFORE_SENDING in detail]
    if not parts:
        return ""
    report.partly_sent[outcome.status.value] += 1
    report.partly_unsent += [part for part in dict.fromkeys(parts) if part not in report.partly_unsent]
    return outcome.status.value


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
    """Note the subscriber, taggings and actions (a form or sequence addition, by its run memory key) Kit
    confirmed, for a verify that follows while its lists lag."""
    email = outcome.contact.email.casefold()
    if outcome.status in (Status.CREATED, Status.UPDATED):
        writes.add((email, "subscriber"))
    writes.update((email, f"tag:{name.casefold()}") for name in outcome.tagged)
    writes.update((email, key) for key in outcome.done)


def _tally_state(outcome: Outcome, report: RunReport, consent: Mode = Mode.HONOUR) -> None:
    """Count the states new subscribers were created in, and the people the file says opted out whom Kit
    holds active and this run left so, with why (an unsubscribe Kit confirmed leaves them cancelled)."""
    if outcome.status is Status.CREATED and outcome.kit_state not in (None, KitState.ACTIVE):
        report.states_set[outcome.kit_state.value] += 1
    email = outcome.contact.email
    if (kept := decide(outcome.contact, outcome.kit_state, outcome.kit_created_at, consent).kept) is not None:
        report.keep_active(email, kept.value, str(outcome.contact.state))
    elif outcome.kit_state is not None and outcome.kit_state is not KitState.ACTIVE:
        report.keep_active(email, None)  # unsubscribed by this run, or no longer active in Kit


def column_names(plan: ColumnPlan) -> dict[str, str]:
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


def not_sent(contacts: Iterable[Contact], why: str, report: RunReport, errors: dict[int, list[str]]) -> None:
    for contact in contacts:
        outcome = Outcome(contact, Status.NOT_SENT)
        outcome.problems.append((REASON_NOT_SENT, why))
        tally(outcome, report, errors)


def half_confirmed(outcome: Outcome, why: str) -> Outcome:
    """A subscriber Kit confirmed whose later request (values, tags) was sent and never answered: its
    rows are not confirmed, and none of its values count as written (re-sending them is safe)."""
    outcome.values_in_flight = len(outcome.contact.fields) - outcome.values_written - outcome.values_unconfirmed - \
        len(outcome.unwritten)
    outcome.unwritten.update(outcome.contact.fields)
    outcome.problems.append((REASON_NOT_CONFIRMED, why))
    return outcome


def not_confirmed(contacts: Iterable[Contact], why: str, report: RunReport,
                   errors: dict[int, list[str]]) -> None:
    for contact in contacts:
        outcome = Outcome(contact, Status.NOT_CONFIRMED)
        outcome.problems.append((REASON_NOT_CONFIRMED, why))
        tally(outcome, report, errors)
