"""The undo file: what a run is about to change in Kit, with Kit's value before it; and putting it back.

A run saves it just before its first write (`save_undo`): one line per first name and custom
field value it will change (with Kit's value before the run, blank when Kit had none), per tag it
will add, per subscriber it will create, and per unsubscribe it will send. `undo`
(send/undo.py) restores the values and first names (clearing those that were blank), removes the added tags,
lists the created subscribers (Kit's API cannot delete a subscriber) and, when asked,
unsubscribes them. An unsubscribe is listed but never reversed: kit-import never makes anyone
active. Cells are formula-safe like the failures CSV, and the file is replaced whole, except
after a run that did not finish: its file carries a `<undo file>.incomplete` marker until the
run ends, and the next run at that path keeps its lines (Kit's values before *it* are the older
truth) and adds its own for what they do not cover. Every line names the Kit account it belongs to
(`account_id`, the id Kit gives the account), so that neither a resuming run nor `kit-import undo`
applies one account's file to another.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from importer.decide.held import Account, read_for
from importer.decide.compare import FIRST_NAME, STATE, TAG, Comparison, compare
from importer.decide.unsubscribes import Mode
from importer.errors import ConfigError
from importer.outputs.failures import neutralize, restore, write_csv
from importer.outputs.atomic import atomic_write
from importer.kit import KitClient
from importer.kit.reads import SubscriberPage
from importer.records import Contact
from importer.outputs import summary
from importer.outputs.summary import LISTED, ExitStatus, elapsed_line, listing, requests_line
from importer.outputs.words import plural

COLUMNS = ("email", "subscriber_id", "what", "key", "label", "kit_value")
ACCOUNT_COLUMN = "account_id"  # after COLUMNS: the Kit account the run wrote to (files before it have none)
FIELD, CREATED = "field", "created subscriber"
REMOVED_TAG = "removed tag"  # --when-removed untag:TAG took it off someone who left the source: undo puts it back
# A tag the run created in Kit (no email, no id; `key` is its name): Kit's API cannot delete a tag, so undo lists it.
CREATED_TAG = "created tag"
KINDS = (FIRST_NAME, FIELD, TAG, CREATED, STATE, REMOVED_TAG, CREATED_TAG)
INCOMPLETE_SUFFIX = ".incomplete"  # beside an undo file whose run has not finished writing


@dataclass(frozen=True, slots=True)
class UndoLine:
    """One thing a run changes: `what` is "first name", "field" (`key` and `label` name it), "tag"
    (`key` is its name), "created subscriber" or "state"; `kit_value` is Kit's value before the
    run (None: Kit had none, so undo clears it)."""

    email: str
    subscriber_id: int | None
    what: str
    key: str = ""
    label: str = ""
    kit_value: str | None = None

    def cells(self) -> list[str]:
        return [neutralize(c) for c in (self.email, "" if self.subscriber_id is None else str(self.subscriber_id),
                                        self.what, self.key, self.label, self.kit_value or "")]

    def describe(self) -> str:
        """`ann@example.com: Company` as a summary or failures line names it."""
        name = {FIELD: self.label or self.key, TAG: f"tag {self.key}",
                REMOVED_TAG: f"removed tag {self.key}"}.get(self.what, self.what)
        if self.what == CREATED_TAG:
            return f"created tag {self.key}"
        return f"{self.email}: {name}"


class UndoneBy(Protocol):
    """An action (send/actions/base.py) that adds its own undo lines for a contact Kit holds."""

    def undo_lines(self, comparison: Comparison) -> Iterable[UndoLine]: ...


def lines_for(comparison: Comparison, actions: Iterable[UndoneBy] = ()) -> Iterator[UndoLine]:
    """The undo lines of one contact about to be sent: a new subscriber is one line (its values and
    tags go with it); for one Kit holds, each first name and value the run changes, then each
    action's own lines (the tags it adds, the unsubscribe it sends: a state kept changes nothing)."""
    held, email = comparison.held, comparison.contact.email
    if held is None:
        yield UndoLine(email, None, CREATED)
        return
    for change in comparison.changes:
        if not change.sent:
            continue
        if change.field is not None:
            yield UndoLine(email, held.id, FIELD, change.field.key, change.field.label, change.kit_value)
        elif change.what == FIRST_NAME:
            yield UndoLine(email, held.id, change.what, kit_value=change.kit_value)
    for action in actions:
        yield from action.undo_lines(comparison)


@dataclass
class UndoSaved:
    """What `save_undo` wrote: the path, lines per kind (the whole file's), how many of them were
    kept from an interrupted run before this one, and how Kit's values were read."""

    path: Path
    lines: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    kept: int = 0
    how: str = ""
    written: bool = True  # False: the run changes nothing undo can take back, and no file was written
    form: bool = False  # the run adds subscribers to a form, which no undo takes back
    account_id: int | None = None  # the Kit account the lines belong to
    # An interrupted run's undo file this run did not resume, since it belongs to another account: why.
    not_resumed: str = ""
    left_out: int = 0  # lines of what a stopped run never sent, left out after it stopped (`leave_out_unsent`)
    emptied: bool = False  # the run stopped before it wrote anything an undo could take back: the file was removed

    def describe(self) -> str:
        """`3 values, 1 first name, 2 tags, 4 created subscribers; Kit's values before the run: ...`"""
        if self.emptied:
            return "none kept: the run stopped before it sent any contact, so there is nothing to take back"
        if not self.written:
            what = "its form additions cannot be taken back" if self.form else "it changes no value, name or tag"
            return f"none saved: nothing this run changes can be undone ({what})"
        kept = f"; kept {plural(self.kept, 'line')} of the interrupted run before it" if self.kept else ""
        if self.left_out:
            kept += f"; left out {plural(self.left_out, 'line')} of what the run never sent before it stopped"
        does = "takes this run back" if undoable(self.lines) else "lists the unsubscribes"
        other = f"; {self.not_resumed}" if self.not_resumed else ""
        return (f"{describe_kinds(self.lines)}{kept}{other}; Kit's values before the run: {self.how}; "
                f"`kit-import undo {self.path}` {does}")


UNDONE_WORDS = (("value", FIELD), ("first name", FIRST_NAME), ("tag", TAG), ("created subscriber", CREATED),
                ("removed tag", REMOVED_TAG))


def undoable(kinds: Mapping[str, int]) -> bool:
    """Whether undo takes back any of these lines: all but the unsubscribes (`state`), which it never reverses."""
    return any(kinds.get(kind, 0) for _, kind in UNDONE_WORDS)


def describe_kinds(kinds: Mapping[str, int]) -> str:
    """`3 values, 1 first name, 2 tags, 4 created subscribers, 2 removed tags` that undo restores, removes,
    lists or puts back, then apart the unsubscribes it cannot take back (kit-import never makes anyone
    active): `nothing to take back; 1 unsubscribe undo cannot take back`."""
    takes = ", ".join(plural(kinds.get(kind, 0), word) for word, kind in UNDONE_WORDS if kinds.get(kind, 0))
    cannot = f"; {plural(kinds[STATE], 'unsubscribe')} undo cannot take back" if kinds.get(STATE, 0) else ""
    if kinds.get(CREATED_TAG, 0):
        cannot += f"; {plural(kinds[CREATED_TAG], 'created tag')}, which Kit's API cannot delete"
    return f"{takes or 'nothing to take back'}{cannot}"


def incomplete_marker(path: Path) -> Path:
    """`<undo file>.incomplete`: present while the run that saved the undo file has not finished writing."""
    return path.with_name(path.name + INCOMPLETE_SUFFIX)


def save_undo(client: KitClient, path: Path, contacts: Callable[[], Iterable[Contact]], count: int,
              account: Account | None = None, *, tags: bool = False, consent: Mode = Mode.HONOUR,
              delimiter: str = ",", form: bool = False, actions: Iterable[UndoneBy] = (),
              extra: Iterable[UndoLine] = (), counted: SubscriberPage | None = None,
              account_id: Callable[[], int | None] = lambda: None) -> UndoSaved:
    """Write the undo file of the contacts a run is about to send, before it sends any, and mark it
    incomplete until the run calls `finish_undo`.

    `account` is what the run read of Kit, if it did; without it (or without tags when the run
    adds some: `tags`), Kit's values are read here at the cheaper of a whole-account read and one lookup
    per contact (`account.read_for`), since an undo file that cannot restore is no undo file; it
    decides on `counted`, the page that asked Kit's total, when the run already asked it.
    If the undo file at `path` is an interrupted run's (still marked incomplete), its lines are
    kept first and this run adds only lines for what they do not cover: what the interrupted run
    wrote must still be taken back, from Kit's values before it. `extra` are lines of writes to
    people not among the contacts (--when-removed's). `account_id` gives the Kit account's id, asked
    only when a file is written (its lines name it).
    """
    saved = UndoSaved(path, form=form)
    earlier = interrupted_lines(path)
    if account is None or (tags and not account.include_tags):
        account, how = read_for(client, count, lambda: (c.email for c in contacts()), include_tags=tags,
                                first=counted)
        saved.how = how
    else:
        saved.how = "the run's own read of the account"
    covered = {_covers(line) for line in earlier}
    created = {line.email.casefold() for line in earlier if line.what == CREATED}
    # A subscriber the interrupted run created had nothing before it: its line covers the rest.
    fresh = [line for contact in contacts()
             for line in lines_for(compare(contact, account.get(contact.email), consent), actions)
             if _covers(line) not in covered and line.email.casefold() not in created]
    fresh += [line for line in extra if _covers(line) not in covered]
    if not earlier and not fresh:
        saved.written = False  # keep an earlier run's undo file: this one would take nothing back
        return saved
    saved.account_id = account_id()
    write_undo(path, (*earlier, *fresh), saved.account_id, delimiter)
    for line in (*earlier, *fresh):
        saved.lines[line.what] += 1
    saved.kept = len(earlier)
    # Written after the undo file (both before any write to Kit): a marker never points at an older file.
    with atomic_write(incomplete_marker(path), encoding="utf-8", durable=True) as f:
        f.write(f"The run that saved {path.name} at {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC has not "
                "finished writing: the next run saving an undo file here keeps its lines.\n")
    return saved


def leave_out_unsent(saved: UndoSaved, sent: set[str]) -> int:
    """After a run that stopped, keep in its undo file only the lines of what it may have written: the
    lines kept from an earlier interrupted run, and this run's lines for the emails (folded) it sent.
    Lines of contacts never sent, and of removals it never reached, would take back or list what
    this run never did (a created subscriber it never created). Returns how many it left out."""
    lines = read_undo(saved.path)
    kept = lines[:saved.kept] + [line for line in lines[saved.kept:]
                                 if line.what == CREATED_TAG or line.email.casefold() in sent]
    if len(kept) == len(lines):
        return 0
    if not kept:  # nothing the run wrote: no undo file, and nothing for the next run to keep
        for path in (saved.path, incomplete_marker(saved.path), saved.path.with_name(f"{saved.path.name}.state")):
            path.unlink(missing_ok=True)
        saved.written, saved.emptied, saved.left_out = False, True, len(lines)
        saved.lines = dict.fromkeys(KINDS, 0)
        return saved.left_out
    write_undo(saved.path, kept, saved.account_id, delimiter_of(saved.path))
    saved.lines = dict.fromkeys(KINDS, 0)
    for line in kept:
        saved.lines[line.what] += 1
    saved.left_out = len(lines) - len(kept)
    return saved.left_out


def add_created_tags(saved: UndoSaved, names: Iterable[str]) -> None:
    """After the run created tags in Kit (all it meant to, or those it created before an interrupt): a line
    each in its undo file, so that undo can say so."""
    fresh = [UndoLine("", None, CREATED_TAG, name) for name in names]
    if not fresh or not saved.written:
        return
    write_undo(saved.path, (*read_undo(saved.path), *fresh), saved.account_id, delimiter_of(saved.path))
    saved.lines[CREATED_TAG] = saved.lines.get(CREATED_TAG, 0) + len(fresh)


def write_undo(path: Path, lines: Iterable[UndoLine], account_id: int | None, delimiter: str = ",") -> None:
    """Write undo lines, each naming the account (blank when not known), durably: Kit is written next."""
    account = str(account_id) if account_id else ""
    write_csv(path, (*COLUMNS, ACCOUNT_COLUMN), (line.cells() + [account] for line in lines), durable=True,
              delimiter=delimiter)


def undo_account(path: Path) -> int | None:
    """The Kit account the undo file (or its failures CSV) at `path` belongs to, or None when it does not
    say (saved before files named it) or cannot be read."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, delimiter=_delimiter(f.readline()))
            f.seek(0)
            header = [h.strip().casefold() for h in next(reader, [])]
            if ACCOUNT_COLUMN not in header[len(COLUMNS):]:
                return None
            at = header.index(ACCOUNT_COLUMN, len(COLUMNS))
            for cells in reader:
                if len(cells) > at and cells[at].strip().isdigit():
                    return int(cells[at].strip())
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


def other_account(path: Path, theirs: int | None, ours: int | None) -> str | None:
    """Why the undo file at `path` is not this account's (`theirs` its account, `ours` the credential's),
    or None when it is, or when either is not known."""
    if not theirs or not ours or theirs == ours:
        return None
    return f"{path} belongs to Kit account {theirs}, not to account {ours} that this credential opens"


def interrupted_lines(path: Path) -> list[UndoLine]:
    """The lines of the undo file at `path` if it belongs to a run that did not finish, else none."""
    if not incomplete_marker(path).exists() or not path.exists():
        return []
    try:
        return read_undo(path)
    except ConfigError as e:
        raise ConfigError(f"{path} is the undo file of a run that did not finish, and it cannot be kept: {e}",
                          f"Move {path} and {incomplete_marker(path).name} aside (or take that run back with "
                          "`kit-import undo` first), then run again.") from None


def finish_undo(path: Path) -> None:
    """The run that saved the undo file at `path` ended without being stopped mid-write: unmark it."""
    incomplete_marker(path).unlink(missing_ok=True)


def _covers(line: UndoLine) -> tuple[str, str, str]:
    """What a line is about: the same email, kind and key (tags ignoring case, as Kit matches them)."""
    return line.email.casefold(), line.what, line.key.casefold()


def read_undo(path: Path) -> list[UndoLine]:
    """The lines of an undo file (or of its failures CSV, whose `error` column is ignored)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, delimiter=_delimiter(f.readline()))
            f.seek(0)
            header = [h.strip().casefold() for h in next(reader, [])]
            if tuple(header[:len(COLUMNS)]) != COLUMNS:
                raise ConfigError(f"{path} is not an undo file: its header is not {', '.join(COLUMNS)}.",
                                  "Give the <source name>.undo.csv a run saved, or its --undo PATH.")
            lines = []
            for number, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
                lines.append(_line(path, number, [restore(c) for c in cells[:len(COLUMNS)]]))
            return lines
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist.", "Give the undo file a run saved before it wrote.") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ConfigError(f"{path} cannot be read: {e}.", "Give the undo file a run saved before it wrote.") from None


def _delimiter(header: str) -> str:
    """An undo file is written with its source's delimiter: a semicolon for a semicolon-separated source."""
    return ";" if header.lstrip("\ufeff").startswith("email;") else ","


def delimiter_of(path: Path) -> str:
    """The delimiter the undo file at `path` is written with, for its failures CSV to match."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            return _delimiter(f.readline())
    except (OSError, UnicodeDecodeError):
        return ","


def _line(path: Path, number: int, cells: list[str]) -> UndoLine:
    cells += [""] * (len(COLUMNS) - len(cells))
    email, sid, what, key, label, before = (c.strip() if i < 5 else c for i, c in enumerate(cells))
    if what not in KINDS or (not email and what != CREATED_TAG) \
            or (what not in (CREATED, CREATED_TAG) and not sid.isdigit()) \
            or (what in (FIELD, TAG, REMOVED_TAG, CREATED_TAG) and not key):
        raise ConfigError(f"{path} line {number} is not an undo line: {', '.join(cells)!r}.",
                          "The undo file is written by kit-import; restore it from the run's own copy.")
    return UndoLine(email, int(sid) if sid.isdigit() else None, what, key, label, before if before != "" else None)


@dataclass
class UndoReport:
    """What `undo` did (or, dry run, would do): lines restored per kind, created subscribers (and
    those unsubscribed), lines Kit refused with why, requests, time."""

    path: str
    dry_run: bool = False
    restored: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    cleared: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))  # restored to blank
    created: list[str] = field(default_factory=list)
    tags_created: list[str] = field(default_factory=list)  # tags the run created: Kit's API cannot delete a tag
    unsubscribe_created: bool = False  # --unsubscribe-created: the created subscribers are unsubscribed
    unsubscribed: int = 0  # created subscribers unsubscribed (dry run: to unsubscribe)
    already_inactive: int = 0  # created subscribers Kit already held not active: nothing sent
    states_kept: list[UndoLine] = field(default_factory=list)
    failed: list[tuple[UndoLine, str]] = field(default_factory=list)
    failures_path: str | None = None
    memory: str | None = None  # the run memory (state file) told what was taken back
    memory_forgot: int = 0  # subscribers it forgot, so that the next run sends them again
    requests: int = 0
    elapsed_seconds: float = 0.0

    stopped: str | None = None  # what stopped the undo before every line was settled (Ctrl-C, SIGTERM)
    terminated: bool = False  # SIGTERM stopped it

    @property
    def exit_status(self) -> int:
        """OK (0) every line undone, REJECTED (3) some lines refused (in the failures CSV), INTERRUPTED (130)
        or TERMINATED (143) when it was stopped (the lines left are in the failures CSV)."""
        if self.stopped is not None:
            return ExitStatus.TERMINATED if self.terminated else ExitStatus.INTERRUPTED
        return ExitStatus.REJECTED if self.failed else ExitStatus.OK

    def summary(self, listed: int = LISTED) -> str:
        """The lines the command prints, aligned as a run's summary is; a line with nothing to say is left out."""
        dry = self.dry_run
        out = [summary.line("Undo file", self.path)]
        for what, label in ((FIELD, "Values"), (FIRST_NAME, "First names")):
            if self.restored[what]:
                cleared = self.cleared[what]
                why = f" ({cleared:,} {'to clear' if dry else 'cleared'}: Kit had none before the run)" \
                    if cleared else ""
                out.append(summary.line(label, f"{self.restored[what]:,} {'to restore' if dry else 'restored'}{why}"))
        if self.restored[TAG]:
            out.append(summary.line("Tags", f"{self.restored[TAG]:,} {'to remove' if dry else 'removed'}"))
        if self.restored[REMOVED_TAG]:
            out.append(summary.line("Tags put back", f"{self.restored[REMOVED_TAG]:,} "
                                                     f"{'to put back' if dry else 'put back'} (on people who had "
                                                     "left the source)"))
        if self.created:
            if not self.unsubscribe_created:
                then = "--unsubscribe-created unsubscribes them"
            elif dry:
                then = f"{self.unsubscribed:,} to unsubscribe if Kit holds them active"
            else:
                then = f"{self.unsubscribed:,} unsubscribed"
                if self.already_inactive:
                    then += f", {self.already_inactive:,} already not active in Kit"
            out.append(summary.line("Created by run", f"{len(self.created):,} (Kit's API cannot delete a subscriber; "
                                                      f"{then})"))
            out += listing(self.created, "the undo file", listed)
        if self.tags_created:
            out.append(summary.line("Tags created", f"{listed_names(self.tags_created)} (Kit's API cannot delete a "
                                                    "tag: delete it in Kit if it is not wanted)"))
        if self.states_kept:
            out.append(summary.line("Left unsubscribed", f"{len(self.states_kept):,} (the run unsubscribed them; "
                                                         "kit-import never makes anyone active)"))
            out += listing((undo_line.email for undo_line in self.states_kept), "the undo file", listed)
        if self.stopped is not None:
            out.append(summary.line("Stopped", f"{self.stopped}: the lines not sent, or sent and not confirmed, "
                                               "are in the failures CSV"))
        if self.failed:
            out.append(summary.line("Not undone" if self.stopped else "Refused by Kit", f"{len(self.failed):,}"))
            out += listing((f"{undo_line.describe()}: {why}" for undo_line, why in self.failed),
                           str(self.failures_path), listed)
        if self.memory and self.memory_forgot:
            out.append(summary.line("Run memory", f"{self.memory}: forgot {plural(self.memory_forgot, 'subscriber')}"
                                                  " taken back, so the next run compares them afresh"))
        elif self.memory:
            out.append(summary.line("Run memory", f"{self.memory}: nothing to forget: it holds nothing this undo "
                                                  "took back"))
        if not dry:  # a dry run sends nothing and takes no time
            out.append(requests_line(self.requests))
            out.append(elapsed_line(self.elapsed_seconds))
        return "\n".join(out)

    def closing_line(self) -> str:
        if self.dry_run:
            return "Dry run: nothing was written to Kit."
        # Unsubscribing a created subscriber (--unsubscribe-created) is a change undo made, as a restored value is.
        done = sum(n for what, n in self.restored.items() if what in (FIELD, FIRST_NAME, TAG, REMOVED_TAG)) \
            + self.unsubscribed
        word = "not undone" if self.stopped else "refused"
        refused = f", {len(self.failed):,} {word} -> {self.failures_path}" if self.failed else ""
        return f"{plural(done, 'change')} undone{refused}"


def write_undo_failures(path: Path, failed: list[tuple[UndoLine, str]], delimiter: str = ",",
                        account_id: int | None = None) -> None:
    """The lines Kit refused, as an undo file with an `error` column: fix the cause, then undo it again.
    They name the account as the undo file did, so that undoing them again checks it too."""
    account = str(account_id) if account_id else ""
    write_csv(path, (*COLUMNS, ACCOUNT_COLUMN, "error"), (line.cells() + [account, why] for line, why in failed),
              delimiter=delimiter)


def listed_names(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' if "," in name else name for name in names)


def count_done(report: UndoReport, line: UndoLine) -> None:
    """Count a line restored (or, dry run, to restore), and whether that clears a value Kit did not have."""
    report.restored[line.what] += 1
    if line.what not in (TAG, REMOVED_TAG) and line.kit_value is None:
        report.cleared[line.what] += 1
