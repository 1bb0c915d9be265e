"""Consent: find an export's subscription-status columns and read each row as one of Kit's states.

An export that holds unsubscribed, cleaned or bounced people must never turn them into
active subscribers. consent_find.py finds the columns (a word column such as Mailchimp's or
Kit's `Status`/`state` or a German `Status` of aktiv/abgemeldet, a true/false column such as
Substack's `email_disabled` or Shopify's `Accepts Email Marketing`, a time column such as
`UNSUB_TIME`), in any language consent_words.py has a table for, and never a column about
another channel; status_column.py reads one cell; `ConsentGuard` gives each row of a run its
state, or leaves the row out; `plan_guard` stops a run whose consent columns cannot be read.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from importer.errors import ConfigError
from importer.outputs.failures import carried_columns
from importer.read.consent_vocab import channel_of
from importer.read.consent_find import Detection, detect, find_status_columns, named_status_column, sample
from importer.read.emails import check_email, second_email
from importer.read.names import normalize
from importer.read.status_column import Kind, StatusColumn, UnknownStatus, column_kind
from importer.read.times import parse_time
from importer.settings.origins import Origins
from importer.records import Contact, KitState, Row

__all__ = ["ConsentGuard", "Kind", "StatusColumn", "UnknownStatus", "column_kind", "find_status_columns",
           "plan_guard", "sample", "unreadable_error"]

ACTIVE = KitState.ACTIVE


@dataclass
class ConsentGuard:
    """Reads each row's state from the status columns, tallies who is not subscribed and, when
    asked, leaves them out.

    A row's state is the first state its columns give that is not `active`, else `active`,
    else None (the file says nothing): nobody becomes active unless every column agrees. A
    word no column knows raises UnknownStatus (the mapper rejects that row). With `skip`, the
    rows not subscribed are dropped before mapping (never rejected) and their emails
    remembered, so that another row of the same person cannot bring them in.
    """

    columns: list[StatusColumn]
    email: int
    skip: bool = False
    origins: Origins = field(default_factory=Origins, repr=False)  # for the words of the verdict
    not_subscribed: Counter = field(default_factory=Counter)  # (header, what the cell said) -> rows
    said: dict[KitState, Counter] = field(default_factory=dict)  # state -> what the cells said -> rows
    skipped_rows: int = 0
    left_out: set[str] = field(default_factory=set)           # casefolded emails of skipped rows
    opt_outs: dict[str, Contact] = field(default_factory=dict)  # casefolded email -> a skipped explicit opt-out
    times: tuple[int, ...] = ()  # columns giving when a person opted out (UNSUB_TIME, CLEAN_TIME...)
    set_aside: dict[int, tuple[str, str]] = field(default_factory=dict)  # consent-looking columns left out, and why
    second: int | None = None  # the second email column: whose address a blank email gives way to
    _memo: dict[tuple[int, str], KitState | UnknownStatus | None] = field(default_factory=dict, repr=False)

    @property
    def states_each_row(self) -> bool:
        """Whether a column states each row's status (a word, a flag): a blank cell there says nothing.
        A time column alone says only who left, so its blank cells are the people still in."""
        return any(column.kind is not Kind.SET_WHEN_OUT for column in self.columns)

    def screen(self, rows: Iterable[Row]) -> Iterator[Row]:
        """Pass the rows on; with `skip`, drop the ones not subscribed (a row with an unknown word
        goes on, for the mapper to reject with its reason)."""
        for row in rows:
            if not self.skip or row.problem:
                yield row
                continue
            try:
                state = self.state(row.cells)
            except UnknownStatus:
                state = None
            if state in (None, ACTIVE):
                yield row
                continue
            self.skipped_rows += 1
            cell = row.cells[self.email] if self.email < len(row.cells) else ""
            email = check_email(cell).email
            if email is None and self.second is not None and self.second < len(row.cells):
                email = second_email(row.cells[self.second]).email  # the address the mapper would use
            if email is not None:
                self.left_out.add(email.casefold())
                if state is not None and state.opted_out:
                    self._opted_out(email, state, row)

    def _opted_out(self, email: str, state: KitState, row: Row) -> None:
        """Remember a skipped person the file says opted out: Kit may hold them active, and skipping them
        must not mean ignoring their opt-out (the run still unsubscribes them; it creates and writes nothing)."""
        when = self.opted_out_at(row.cells) if self.times else None
        had = self.opt_outs.get(key := email.casefold())
        if had is None:
            self.opt_outs[key] = Contact(email, None, {}, [row.number], state=state, unsubscribed_at=when)
            return
        had.rows.append(row.number)
        if when is not None and (had.unsubscribed_at is None or when > had.unsubscribed_at):
            had.unsubscribed_at = when

    def state(self, cells: Sequence[str]) -> KitState | None:
        """This row's state, tallied once by the first column saying it is not active (quoting the
        others when they disagree); UnknownStatus (naming its column) for a cell no column can read."""
        found = None
        active = False
        out: tuple[StatusColumn, str, KitState] | None = None
        read: list[tuple[StatusColumn, str]] = []  # the columns whose cell says something, for the quote
        for column in self.columns:
            cell = cells[column.index] if column.index < len(cells) else ""
            key = (column.index, cell)
            state = self._memo[key] if key in self._memo else self._read(column, cell)
            if isinstance(state, UnknownStatus):
                raise UnknownStatus(state.word, column)
            if state is not None:
                read.append((column, cell))
            if state is not None and state is not ACTIVE and out is None:
                out = column, cell, state
            active = active or state is ACTIVE
            found = found or state
        if out is None:
            return found
        column, cell, state = out
        self.not_subscribed[(column.header, _said(column, cell))] += 1
        word = _quoted(column, cell)
        if active:  # another email column said active: say which said what (a `0` time says nothing)
            word = ", ".join(_quoted(c, said, header=True) for c, said in read)
        self.said.setdefault(state, Counter())[word] += 1
        return state

    def opted_out_at(self, cells: Sequence[str]) -> dt.datetime | None:
        """When the row's person opted out, if a time column says (the latest, should several)."""
        found = [when for i in self.times if i < len(cells) and (when := parse_time(cells[i])) is not None]
        return max(found) if found else None

    def _read(self, column: StatusColumn, cell: str) -> KitState | UnknownStatus | None:
        """Read a cell, remembering the answer: a status column holds few distinct words (times excepted)."""
        try:
            state: KitState | UnknownStatus | None = column.read(cell)
        except UnknownStatus as e:
            state = e
        if column.kind is not Kind.SET_WHEN_OUT and len(self._memo) < 10_000:
            self._memo[(column.index, cell)] = state
        return state

    def tally(self) -> str:
        """What the status columns said, e.g. "'Status': unsubscribed 2, cleaned 1"."""
        parts = []
        for header in dict.fromkeys(h for h, _ in self.not_subscribed):
            said = [f"{what} {n:,}" for (h, what), n in self.not_subscribed.most_common() if h == header]
            parts.append(f"{header!r}: {', '.join(said)}")
        return "; ".join(parts)

    def words(self, state: KitState) -> str:
        """What the file said for the rows of this state, most common first: "unsubscribed, opted out"."""
        return ", ".join(word for word, _ in self.said.get(state, Counter()).most_common())


def _quoted(column: StatusColumn, cell: str, header: bool = False) -> str:
    """A cell as the file wrote it, for the states line: `unsubscribed`, `Accepts Email Marketing "no"`,
    `UNSUB_TIME set`; with `header`, a word column's header too (when columns disagree)."""
    if column.kind is Kind.SET_WHEN_OUT:
        return f"{column.header} set"
    if column.kind is Kind.TICKED:
        return f"{column.header} {'ticked' if cell.strip() else 'not ticked'}"
    if column.kind is Kind.WORDS and not header:
        return cell.strip()
    return f'{column.header} "{cell.strip()}"'


def _said(column: StatusColumn, cell: str) -> str:
    """What a cell said, for the summary: the word, or the flag or time column that was set."""
    if column.kind is Kind.SET_WHEN_OUT:
        return "has a time"
    if column.kind is Kind.TICKED:
        return "ticked" if cell.strip() else "not ticked"
    return cell.strip().casefold()


def plan_guard(headers: Sequence[str], rows: Callable[[], Iterable[Row]], email: int, *,
               status_column: str | None = None, ignore: bool = False, skip: bool = False,
               origins: Origins = Origins(), claimed: Iterable[int | None] = (),
               setting: str = "state_column", own: Mapping[str, KitState] | None = None) -> ConsentGuard | None:
    """The guard for a file, or None when it has no consent column (or the user said to ignore it).

    `status_column` is the value of the setting named `setting` (state_column, or its earlier
    name status_column), which errors name as the user gave it. `claimed` columns feed
    something else (first name, tags, mapped fields): never taken by their cells. `own` are the
    user's words (--state-word, folded). A consent-looking column whose words cannot be read
    stops the run here, before anything is written (see `unreadable_error`).
    """
    ours = set(range(len(headers))) - set(carried_columns(headers))  # a failures CSV's row, error, extra cells
    if ignore:
        if own and not status_column:
            _ignored_yet_read(headers, rows, email, ours, claimed, origins, own)
        left = _left_at(headers, {email, *ours})  # an opt-out time says who left: it is never ignored
        if not left or not any(c.read(cells[c.index]) for c in left for cells in sample(rows())
                               if c.index < len(cells)):
            return None
        return ConsentGuard(left, email, skip=skip, origins=origins, times=tuple(c.index for c in left))
    if status_column:
        named = origins.named(setting)
        column = named_status_column(headers, status_column, named, sample(rows()), own=own)
        if column.index == email:
            raise ConfigError(f"{named} names the email column.", "Name the column holding the status.")
        left = _left_at(headers, {email, column.index, *ours})  # Unsubscribed at beside it: still read
        found = Detection(sorted([column, *left], key=lambda c: c.index))
        said = Counter(cells[column.index].strip() for cells in sample(rows()) if column.index < len(cells))
        said.pop("", None)
        unread = [cell for cell in said if not column.readable(cell)]
        if sum(said[cell] for cell in unread) * 50 > sum(said.values()):  # more than the odd typo: words unknown here
            found.unreadable[column.index] = (column.header, said, unread)
    else:
        found = detect(headers, sample(rows()), exclude={email, *ours}, claimed=claimed, own=own)
    if found.unreadable:
        raise unreadable_error(found, origins, setting if status_column else None)
    times = tuple(sorted({i for i, h in enumerate(headers) if i != email and i not in ours
                          and (kind := column_kind(h)) is not None and kind[0] is Kind.SET_WHEN_OUT}
                         | {c.index for c in found.columns if c.kind is Kind.SET_WHEN_OUT}))
    if not found.columns and not found.set_aside:
        return None
    return ConsentGuard(found.columns, email, skip=skip, origins=origins, times=times, set_aside=found.set_aside)


def _left_at(headers: Sequence[str], skip: set[int]) -> list[StatusColumn]:
    """The columns whose header says a filled cell means the person left (Unsubscribed at, UNSUB_TIME, Opt-out
    source): read beside a named status column, and even with ignore_status, which drops only status columns."""
    return [StatusColumn(i, h, *kind) for i, h in enumerate(headers)
            if i not in skip and (kind := column_kind(h)) is not None and kind[0] is Kind.SET_WHEN_OUT
            and channel_of(h) is None]


def _ignored_yet_read(headers: Sequence[str], rows: Callable[[], Iterable[Row]], email: int, ours: set[int],
                      claimed: Iterable[int | None], origins: Origins, own: Mapping[str, KitState]) -> None:
    """Stop a run told both to ignore every status column and what a status column's words mean: the
    user's --state-word makes that column readable, and ignoring it would import its opt-outs as active."""
    found = detect(headers, sample(rows()), exclude={email, *ours}, claimed=claimed, own=own)
    fixed = [c for c in found.columns if any(normalize(cells[c.index]) in own
                                             for cells in sample(rows()) if c.index < len(cells))]
    if not fixed:
        return
    column = fixed[0]
    raise ConfigError(
        f"{origins.named('ignore_status')} drops every status column, but your "
        f"{origins.named('state_words')} makes {column.header!r} readable: ignored, the people it says left "
        "would be imported as active; nothing was written.",
        f"Leave out {origins.named('ignore_status')} to read {column.header!r} with your words"
        + (f", or name it alone with {origins.spelled('state_column', column.header)}." if len(found.columns) > 1
           else "."))


def _and(items: Iterable[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    listed = list(items)
    return listed[0] if len(listed) == 1 else f"{', '.join(listed[:-1])} and {listed[-1]}"


def unreadable_error(found: Detection, origins: Origins, named: str | None = None) -> ConfigError:
    """The stop for consent columns in words kit-import cannot read: each column, its distinct values with
    their counts (in the rows sampled), and the ways on. `named`: the setting that named the column
    (state_column or status_column), whose advice is then to leave it out rather than to give it."""
    parts = []
    some_known = False
    for index, (header, said, unread) in found.unreadable.items():
        billing = index in found.billing  # its words to ask about include words read elsewhere: shown whole
        unknown = [(cell, n) for cell, n in said.most_common() if billing or cell in unread]
        known = [(cell, n) for cell, n in said.most_common() if not billing and cell not in unread]
        values = ", ".join(f"{cell!r} {n:,}" for cell, n in unknown[:12])
        more = f" and {len(unknown) - 12} more" if len(unknown) > 12 else ""
        if known:  # the words it reads are said apart: only the others need a --state-word
            some_known = True
            read = ", ".join(f"{cell!r} {n:,}" for cell, n in known[:12])
            read += f" and {len(known) - 12} more" if len(known) > 12 else ""
            parts.append(f"{header!r} (unknown: {values}{more}; read: {read})")
        else:
            parts.append(f"{header!r} ({values}{more})")
    header, said, unread = next(iter(found.unreadable.values()))
    word = max(unread, key=said.__getitem__) if unread else "abgemeldet"  # a word to say, not one already read
    if found.billing:  # a plain Status among Plan, Currency, Card...: most likely a customer's, not consent
        index, shown = next(iter(found.billing.items()))
        header, said, unread = found.unreadable[index]
        word = unread[0] if unread else word
        first, last = (shown[:4], "more") if len(shown) > 4 else (shown[:-1], shown[-1])
        signs = f"{', '.join(first)} and {last}"
        return ConfigError(
            f"Column{'s' if len(parts) > 1 else ''} {'; '.join(parts)} look{'' if len(parts) > 1 else 's'} like a "
            f"customer's billing status, not email consent: the file also has {signs}; nothing was written.",
            f"If it is not email consent, say so with {origins.spelled('ignore_status', True)}. If it is, say what "
            f"each word means, one {origins.spelled('state_words', (word, 'STATE'))} per word, where STATE is "
            f"active, cancelled, bounced, complained or inactive; or name it with "
            f"{origins.spelled('state_column', header)}.")
    readable = [c for c in found.columns if c.index not in found.unreadable]
    words = [c for c in readable if c.kind is not Kind.SET_WHEN_OUT]  # columns that state each row's status
    each = f"Say what each {'unknown ' if some_known else ''}word means, one " \
           f"{origins.spelled('state_words', (word, 'STATE'))} per word, where STATE is active, cancelled, bounced, " \
           "complained or inactive"
    if named:
        advice = f"{each}; or, if {header!r} is not consent, leave out {origins.named(named)}."
    elif words:  # another column reads: the way on is to read the state from it alone
        advice = (f"If {words[0].header!r} alone gives the state, name it with "
                  f"{origins.spelled('state_column', words[0].header)}. Otherwise {each[0].lower()}{each[1:]}.")
    elif readable:  # an opt-out time or source reads: ignoring every status column would lose those opt-outs
        advice = (f"{each}. {origins.spelled('ignore_status', True)} is no way on: it would also drop "
                  f"{_and(repr(c.header) for c in readable)}, which say who left.")
    else:
        advice = (f"{each}; or name the status column with {origins.spelled('state_column', header)}; or say it "
                  f"is not consent with {origins.spelled('ignore_status', True)}.")
    return ConfigError(
        f"Column{'s' if len(parts) > 1 else ''} {'; '.join(parts)} look{'' if len(parts) > 1 else 's'} like "
        "subscription status, but kit-import cannot read "
        f"{'their' if len(parts) > 1 else 'its'} {'unknown ' if some_known else ''}words as Kit states; "
        "nothing was written.", advice)
