"""Rows -> contacts or rejections, one for one and in file order, following a column plan.

Its own module, not part of mapping.py: mapping decides once per file which column feeds
what; this is the per-row hot loop that applies that decision (email check, absent cells,
a failures CSV's formula prefixes and extra cells), the stage between loader and merger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence

from importer.read.consent import UnknownStatus
from importer.read.emails import EmailCheck, EmailNotes, check_email, second_email
from importer.outputs.failures import extra_cells_column, restore, split_extra
from importer.read.files import longer_row_problem
from importer.read.columns import ColumnPlan
from importer.records import Contact, KitState, Rejection, Row
from importer.read.tags import split_tags

StateOf = Callable[[Sequence[str]], KitState | None]
TimeOf = Callable[[Sequence[str]], dt.datetime | None]


def map_rows(rows: Iterable[Row], plan: ColumnPlan, state_of: StateOf | None = None,
             time_of: TimeOf | None = None, notes: EmailNotes | None = None) -> Iterator[Contact | Rejection]:
    """Turn each row into a contact or a rejection, one for one and in file order.

    A contact's `fields` hold every mapped cell the row has, stripped, blank ones as "";
    a cell absent from a short row (or named in `Row.absent`) is left out. What a blank means (sent or not, merged or
    not) is `ContactMerger`'s decision alone. Values are sent as they are, however long:
    if Kit refuses one, only that value fails. From a failures CSV fed back in, formula
    prefixes are removed and a row's `extra cells` put back, so it meets the same reason.
    The tags column's cell (if any) becomes the contact's tag names (see `importer.read.tags`).
    `state_of` reads the row's state from its status columns (ConsentGuard.state); a word it
    does not know rejects the row, naming the word and the words accepted. For a row that opts
    out, `time_of` (ConsentGuard.opted_out_at) reads when, if the file says.

    A blank email cell takes the plan's second email column's address, if it has one (an invalid one
    does not: the person opted in with that address, so the row is rejected, naming the other);
    `notes` hears of those and of likely domain typos. A lone name column is split as the plan's
    `name_split` says: the rest of the name feeds Kit's last-name field, unless there is no rest.
    """
    email_at, first_at, fields_at, tags_at = plan.email, plan.first_name, plan.fields, plan.tags
    second_at, split = plan.second_email, plan.name_split
    split_to = split.to if split is not None else None
    if split is not None and first_at is None:
        split = None
    width = len(plan.headers)
    extra_at = extra_cells_column(plan.headers) if plan.reimport else None
    for row in rows:  # the hot loop: one pass per row of the file
        if row.problem:
            reason, _, detail = row.problem.partition(": ")
            yield Rejection(row.number, reason, detail)
            continue
        cells = tuple(map(restore, row.cells)) if plan.reimport else row.cells
        if extra_at is not None and extra_at < len(cells) and cells[extra_at]:
            extra = split_extra(cells[extra_at])
            if any(c.strip() for c in extra):
                reason, _, detail = longer_row_problem(len(extra)).partition(": ")
                yield Rejection(row.number, reason, detail)
                continue
        have = len(cells)
        check = check_email(cells[email_at] if email_at < have else "")
        if check.email is None:
            if second_at is not None:
                check = _second(check, cells, plan, row.number, notes)
            if check.email is None:
                yield Rejection(row.number, check.reason, check.detail)
                continue
        if check.typo and notes is not None:
            notes.typo(row.number, check.email, check.typo)
        if split is None or first_at is None:
            first_name = cells[first_at].strip() if first_at is not None and first_at < have else ""
        else:
            first_name, last_name = split.read(cells, first_at)
        if have >= width and not row.absent:
            fields = {kit_field: cells[index].strip() for index, kit_field in fields_at}
        else:  # a short row, or a dict without some keys: the cells it lacks are absent, not blank
            absent = row.absent
            fields = {kit_field: cells[index].strip() for index, kit_field in fields_at
                      if index < have and index not in absent}
        if split is not None and last_name is not None and split_to is not None:
            fields[split_to] = last_name
        state = None
        if state_of is not None:
            try:
                state = state_of(cells)
            except UnknownStatus as e:
                yield Rejection(row.number, "unknown state", e.detail)
                continue
        tags = split_tags(cells[tags_at]) if tags_at is not None and tags_at < have else ()
        at = time_of(cells) if time_of is not None and state is not None and state.opted_out else None
        yield Contact(check.email, first_name or None, fields, [row.number], tags=tags, state=state,
                      unsubscribed_at=at)


def _second(first: EmailCheck, cells: Sequence[str], plan: ColumnPlan, row: int,
            notes: EmailNotes | None) -> EmailCheck:
    """The second email column's address for a row whose email is blank, said in `notes`; else the first
    verdict, which names what the second column held when it held something. An invalid email is never
    replaced: consent was given for that address, and the other may be someone else's (a work or a
    partner's address), so the row is rejected for the user to fix, its detail naming the other."""
    at = plan.second_email
    cell = cells[at] if at is not None and at < len(cells) else ""
    alt = second_email(cell)
    header = plan.headers[at] if at is not None else ""
    if alt.email is None:
        if not cell.strip():
            return first
        said = f"{first.detail}; " if first.detail else ""
        return EmailCheck(None, first.reason, f"{said}{header} has no good address either: {alt.detail}")
    if first.reason != "missing email":
        said = f"{first.detail}; " if first.detail else ""
        return EmailCheck(None, first.reason, f"{said}{header} holds {alt.email}, not used in its place: the "
                                              "person opted in with the first address")
    if notes is not None:
        notes.second(row, alt.email, f"{plan.headers[plan.email]} is blank")
    return alt
