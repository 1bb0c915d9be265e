"""RunReport: what a run read, sent and refused; printed as a summary and written as JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from importer.errors import Terminated
from importer.outputs.atomic import atomic_write
from importer.outputs.summary import ExitStatus, counted, duration, elapsed_line, line, requests_line
from importer.outputs.words import in_the_file, kept_words, plural, says_not_to_email
from importer.read.consent_vocab import consent_header
from importer.read.footers import footer_note
from importer.read.tags import listed
from importer.records import REASON_NOT_CONFIRMED, REASON_NOT_SENT

__all__ = ["ExitStatus", "RunReport"]


class ActionFigures(Protocol):
    """One action's figures (send/actions/base.py `Figures`): JSON fields, and its summary lines."""

    @property
    def with_states(self) -> bool:
        """Whether its lines go with the consent lines, right after the counts."""

    def to_dict(self) -> dict[str, Any]: ...

    def tally(self, outcome: Any) -> None: ...

    def plan_lines(self) -> list[tuple[str, str]]: ...

    def result_lines(self) -> list[tuple[str, str]]: ...

    def created_lines(self, dry_run: bool) -> list[tuple[str, str]]: ...

    def closing(self) -> str: ...


def _every_action() -> dict[str, ActionFigures]:
    """Every registered action's figures at zero: a report has them all, asked for or not, so that its
    JSON keeps one shape (an error before the run starts included)."""
    from importer.send.actions import blank_figures  # the registry imports this module: asked for when used

    return blank_figures()


@dataclass
class RunReport:
    """Every figure of one run. A Python caller gets this back from `import_file`."""

    source: str = ""
    read_as: str = ""
    credential: str = ""
    dry_run: bool = False
    rows_read: int = 0
    rows_imported: int = 0  # rows Kit holds as the file says: sent and confirmed, or held already (unchanged)
    rows_unchanged: int = 0  # of rows_imported: those Kit held already, so nothing was sent for them
    rows_skipped: int = 0  # left out on purpose (--skip-unsubscribed): not errors, not in the failures CSV
    rows_short: int = 0
    blank_rows: int = 0
    footer_rows: int = 0  # lines below the data after a blank row that read as a report's footer: not rows
    footer_lines: list[str] = field(default_factory=list)  # their text
    contacts: int = 0
    duplicates_merged: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed_contacts: int = 0
    not_sent: int = 0
    not_confirmed: int = 0  # contacts sent in a request that was never answered: the run stopped first
    values_to_write: int = 0
    values_written: int = 0
    values_unconfirmed: int = 0
    values_not_confirmed: int = 0  # sent, and the run stopped before Kit answered
    values_failed: int = 0  # refused by Kit
    values_not_sent: int = 0  # never sent: the run stopped first
    rows_rejected: int = 0  # every row in the failures CSV, rows_not_sent and rows_not_confirmed included
    rows_not_sent: int = 0  # the run stopped before sending them
    rows_not_confirmed: int = 0  # sent, no answer before the run stopped: Kit may have applied them
    rejected_by_reason: Counter = field(default_factory=Counter)
    skipped_because: str = ""
    columns: list[str] = field(default_factory=list)
    columns_ignored: list[str] = field(default_factory=list)
    ignored_because: dict[str, str] = field(default_factory=dict)  # column -> why it is not imported
    ignored_columns: list[dict[str, Any]] = field(default_factory=list)  # column, why, field (the --field), own_line
    fields_created: list[str] = field(default_factory=list)
    states_set: Counter = field(default_factory=Counter)  # state -> subscribers created in it (not active)
    state_words: dict[str, str] = field(default_factory=dict)  # state -> what the file said, e.g. "unsubscribed"
    consent_from: list[str] = field(default_factory=list)  # the columns that decide the email state
    consent_left_out: list[str] = field(default_factory=list)  # other consent columns, "header: why"
    blank_states: int = 0  # people whose status cells are all blank: a new one gets --subscriber-state's state
    kept_active: dict[str, str] = field(default_factory=dict)  # email -> why the file's opt-out left them active
    not_reactivated: dict[str, int] = field(default_factory=dict)  # Kit's state -> subscribed in the file only
    opt_outs_unchecked: int = 0  # a state-file run without a read of Kit: opt-outs it did not check (see notes)
    planned_states: dict[str, int] = field(default_factory=dict)  # a dry run's: state -> new subscribers created in it
    last_full_read: str | None = None  # with a state file: when Kit was last read for all its contacts
    kit_read: str = ""  # how the run read what Kit holds, or why it did not (--compare)
    plan_columns: dict[str, dict[str, int]] = field(default_factory=dict)  # item -> {new, changed, equal, cleared}
    new_subscribers: int = 0  # contacts Kit did not hold (after a read of Kit)
    existing_subscribers: int = 0  # contacts Kit held
    tags_to_add: dict[str, int] = field(default_factory=dict)  # tag name -> subscribers it is added to
    drift_corrected: int = 0  # values and first names changed in Kit since the state's read, sent again
    diff_path: str | None = None  # the --diff CSV
    diff_changes: int = 0  # its lines
    emails_from_second_column: int = 0  # rows whose blank email gave way to a second email column's
    second_emails: list[dict[str, Any]] = field(default_factory=list)  # {row, email, why}, the first 10,000
    email_typos: int = 0  # addresses imported whose domain is a likely typo of a big provider's
    email_typo_list: list[dict[str, Any]] = field(default_factory=list)  # {row, email, suggested}, the first 10,000
    notes: list[str] = field(default_factory=list)
    requests: Counter = field(default_factory=Counter)
    retries: int = 0
    throttled: int = 0
    planned_requests: int = 0
    planned_reads: int = 0  # of planned_requests: the reads a dry run already sent (fields, tags, Kit's subscribers)
    planned_seconds: float = 0.0
    contacts_to_send: int = 0
    rate_limit_per_minute: int = 0
    elapsed_seconds: float = 0.0
    failures_path: str | None = None
    undo_file: str | None = None  # the undo file saved before the first write
    undo_holds: str = ""  # what it holds and how Kit's values were read
    failures_removed: str | None = None  # an earlier run's failures CSV, removed since no row failed this time
    source_unchanged_since: str | None = None  # a URL source that answered 304: nothing was read or sent
    stopped: str | None = None
    interrupted: bool = False
    terminated: bool = False  # the interrupt was SIGTERM
    error: str | None = None
    hint: str | None = None
    # (email folded, "subscriber", "tag:<name folded>" or an action's key such as "form:3") of each write
    # Kit confirmed: what `run --verify` calls "not visible yet" rather than missing while Kit's lists
    # catch up. Not in the JSON report.
    confirmed_writes: set[tuple[str, str]] = field(default_factory=set, repr=False)
    # The emails (folded) of contacts a stopped run never sent, and the undo file it saved (an UndoSaved):
    # the undo file then keeps only what the run may have written. Not in the JSON report.
    unsent_emails: set[str] = field(default_factory=set, repr=False)
    undo_saved: Any = field(default=None, repr=False)
    # Where --report writes this report (None: nowhere), for the summary to say where the reasons are. Not in the JSON.
    report_path: str | None = field(default=None, repr=False)
    # What the Consent line says of blank_states, in the words of the run's settings. Not in the JSON.
    blank_states_said: str = field(default="", repr=False)
    # Of kept_active: email -> the file's state (cancelled, bounced, complained), for the summary's words. Not in
    # the JSON, whose reasons stay as they are.
    kept_as: dict[str, str] = field(default_factory=dict, repr=False)
    # Of the contacts whose rows are not sent: those Kit created or updated before the run stopped, by status
    # ("created", "updated"), and what of theirs was not sent ("values", "tags"...), for the summary's words.
    # Not in the JSON.
    partly_sent: Counter = field(default_factory=Counter, repr=False)
    partly_unsent: list[str] = field(default_factory=list, repr=False)
    # Each action's figures (send/actions/), by its name; in the JSON, their fields sit beside the others.
    actions: dict[str, ActionFigures] = field(default_factory=lambda: _every_action())

    def __getattr__(self, name: str) -> Any:
        """An action's figure by its name (`report.form_additions`), as the JSON has it."""
        if name != "actions":
            for figures in self.__dict__.get("actions", {}).values():
                if name in figures.to_dict():
                    return getattr(figures, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def requests_sent(self) -> int:
        return sum(self.requests.values())

    @property
    def imported(self) -> int:
        """Contacts Kit created or updated (merged duplicate rows make one contact)."""
        return self.created + self.updated

    @property
    def rows_accounted_for(self) -> bool:
        """Whether every data row read is imported, rejected (in the failures CSV), skipped, not sent
        or not confirmed (the last two are in the failures CSV too, counted apart).

        `rows_imported` counts the rows of contacts Kit holds as the file says (sent and
        confirmed, or unchanged since a state file saw them), merged duplicate rows included;
        in a dry run, the rows that would be imported. Blank rows are counted apart.
        """
        return self.rows_read == sum(n for n, _ in self.row_parts())

    @property
    def exit_status(self) -> ExitStatus:
        """OK all rows imported, FAILED the run stopped or failed, REJECTED finished with rows in the
        failures CSV, INTERRUPTED Ctrl-C, TERMINATED SIGTERM."""
        if self.interrupted:
            return ExitStatus.TERMINATED if self.terminated else ExitStatus.INTERRUPTED
        if self.stopped or self.error:
            return ExitStatus.FAILED
        return ExitStatus.REJECTED if self.rows_rejected else ExitStatus.OK

    def failed(self, error: BaseException) -> None:
        """Record the error that ended the run before anything was sent (`hint` says how to fix it)."""
        if isinstance(error, KeyboardInterrupt):
            self.interrupted = True
            self.terminated = isinstance(error, Terminated)
            self.stopped = self.error = str(error) or "interrupted (Ctrl-C)"
            return
        self.error = str(error)
        self.hint = getattr(error, "hint", "") or None

    def set_footer(self, lines: list[str]) -> None:
        """The footer lines set aside below the data: counted apart from the rows, and said in a note."""
        self.footer_rows, self.footer_lines = len(lines), list(lines)
        if lines:
            self.notes.append(footer_note(lines, self.report_path))

    def noted_emails(self, notes: Any) -> None:
        """Take the mapper's EmailNotes: second-column addresses and likely typos, counted and listed."""
        self.emails_from_second_column, self.email_typos = notes.second_count, notes.typo_count
        self.second_emails = [{"row": r, "email": e, "why": why} for r, e, why in notes.seconds]
        self.email_typo_list = [{"row": r, "email": e, "suggested": d} for r, e, d in notes.typos]

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        data = asdict(replace(self, confirmed_writes=set(), unsent_emails=set(), undo_saved=None))
        for private in ("confirmed_writes", "unsent_emails", "undo_saved", "report_path", "kept_as",
                        "blank_states_said", "partly_sent", "partly_unsent"):
            del data[private]
        data["rejected_by_reason"] = dict(self.rejected_by_reason.most_common())
        data["states_set"] = dict(self.states_set.most_common())
        del data["actions"]
        for figures in self.actions.values():
            data.update(figures.to_dict())
        data["kept_active"] = [{"email": email, "reason": why} for email, why in self.kept_active.items()]
        data["state_conflicts"] = len(self.kept_active)  # the earlier names of kept_active's count and emails
        data["state_conflict_emails"] = list(self.kept_active)
        data["requests"] = dict(sorted(self.requests.items()))
        data["requests_sent"] = self.requests_sent
        data["imported"] = self.imported
        data["exit_status"] = int(self.exit_status)
        data["elapsed_seconds"] = round(self.elapsed_seconds, 3)
        return data

    def write_json(self, path: Path) -> None:
        """Write the report as JSON, atomically, so a watcher never reads half a file."""
        with atomic_write(path, encoding="utf-8") as f:
            f.write(json.dumps(self.to_dict(), indent=2) + "\n")

    def summary(self) -> str:
        """The human summary printed at the end of a run, its values aligned under one column: the
        counts first (rows, then contacts), then what the run did to consent, then the rest."""
        lines = [line("Source", f"{self.source} ({self.read_as})")]
        if self.credential:
            lines.append(line("Credential", self.credential))
        lines += [
            line("Rows read", self.rows_accounting() +
                 (f" (+{self.blank_rows:,} blank, skipped)" if self.blank_rows else "")),
            line("Contacts", self.contacts_accounting()),
            *self._state_lines(),
            *([line("Short rows", f"{_rows(self.rows_short)} shorter than the header: missing cells read as blank")]
              if self.rows_short else []),
        ]
        if self.kit_read:
            lines.append(line("Kit read", self.kit_read))
        if self.last_full_read is not None:
            lines.append(line("Last full read", f"{self.last_full_read} (Kit read for every contact the state "
                                                "file holds: what changed in Kit's web app is found)"))
        lines += self._plan_lines() if self.dry_run else self._sent_lines()
        if self.diff_path:
            lines.append(line("Diff", f"{plural(self.diff_changes, 'change')} -> {self.diff_path}"))
        lines += self._rejection_lines()
        lines += self._email_lines()
        if self.fields_created:
            lines.append(line("Fields to create" if self.dry_run else "Fields created", ", ".join(self.fields_created)))
        lines += [line(label, text) for figures in self.actions.values() for label, text in
                  figures.created_lines(self.dry_run)]
        if self.columns:
            lines.append(line("Columns", "; ".join(self.columns)))
        if self.consent_left_out or self.blank_states_said:
            decided = f"state from {', '.join(self.consent_from)}" if self.consent_from else "no consent column"
            left_out = f"; left out: {'; '.join(self.consent_left_out)}" if self.consent_left_out else ""
            blanks = f"; {self.blank_states_said}" if self.blank_states_said else ""
            lines.append(line("Consent", f"{decided}{blanks}{left_out}"))
        lines += self._ignored_lines()
        lines += [line("Note", note) for note in self.notes]
        if self.undo_file or self.undo_holds:  # (none saved: only why)
            lines.append(line("Undo file", f"{self.undo_file}: {self.undo_holds}" if self.undo_file else
                              self.undo_holds))
        lines.append(requests_line(self.requests))
        if self.retries:
            lines.append(line("Retries", f"{self.retries:,} ({self.throttled:,} after 429 rate limiting)"))
        lines.append(elapsed_line(self.elapsed_seconds))
        if self.failures_removed:
            lines.append(line("Failures file", f"removed the earlier failures file {self.failures_removed}: "
                                               "no row failed this time"))
        if self.stopped:
            lines.append(line("Stopped", self.stopped))
        return "\n".join(lines)

    def _email_lines(self) -> list[str]:
        """Addresses imported with a word: from the second email column, and likely domain typos."""
        lines = []
        if self.emails_from_second_column:
            lines.append(line("Second emails", f"{_rows(self.emails_from_second_column)} imported with the second "
                                               "email column's address: listed in the report"))
        if self.email_typos:
            seen = Counter(f"{t['email'].rpartition('@')[2]} (for {t['suggested']})" for t in self.email_typo_list)
            domains = ", ".join(d for d, _ in seen.most_common(3)) + (", ..." if len(seen) > 3 else "")
            lines.append(line("Email typos", f"{plural(self.email_typos, 'address', 'addresses')} with a likely "
                                             f"domain typo, imported as written: {domains}; listed in the report, "
                                             "to fix at the source"))
        return lines

    def _sent_lines(self) -> list[str]:
        """What a real run sent: values, the actions' writes (taggings), drift; "failed" only for what Kit refused."""
        return [
            line("Values written", f"{self.values_written:,}" + _parenthesized(
                (self.values_unconfirmed, "accepted, not confirmed"), (self.values_failed, "refused by Kit"),
                (self.values_not_confirmed, "sent, no answer before the run stopped"),
                (self.values_not_sent, "not sent"))),
            *self._action_lines(sent=True),
            *([line("Drift corrected", f"{plural(self.drift_corrected, 'value')} changed in Kit since the "
                                       "last run, set again to the file's")] if self.drift_corrected else []),
        ]

    def _rejection_lines(self) -> list[str]:
        lines = [line("Rejected rows", f"{self.rows_refused:,}")]
        lines += [f"  {reason}: {count:,}" for reason, count in self.rejected_by_reason.most_common()
                  if reason not in UNFINISHED]
        if self.rows_not_sent:
            lines.append(line("Not sent rows", f"{self.rows_not_sent:,} ({self._not_sent_why()})"))
        if self.rows_not_confirmed:
            lines.append(line("Not confirmed", f"{_rows(self.rows_not_confirmed)} sent, no answer before the run "
                                               "stopped: they may have been applied"))
        if self.rows_skipped:
            lines.append(line("Skipped rows", f"{self.rows_skipped:,} ({self.skipped_because})"))
        return lines

    def _not_sent_why(self) -> str:
        """Why rows are not sent: the run stopped first; and of those whose contacts Kit created or updated
        before it stopped, what was not sent (their values, their tags)."""
        if not self.partly_sent:
            return "the run stopped before sending them"
        done = [f"{n:,} {status}" for status, n in sorted(self.partly_sent.items())]
        done[0] = done[0].replace(" ", " of their contacts ", 1)
        what = " and ".join(self.partly_unsent) or "the rest"
        rest = f"; the other {plural(self.not_sent, 'contact')} not sent at all" if self.not_sent else ""
        return f"the run stopped before sending all of each: {', '.join(done)}, their {what} not sent{rest}"

    def ignore_columns(self, ignored: list[tuple[str, str]], field_for: Callable[[str], str]) -> None:
        """Record the columns the run does not import, each with why and the --field that maps it."""
        self.columns_ignored = [header for header, _ in ignored]
        self.ignored_because = dict(ignored)
        self.ignored_columns = [{"column": header, "why": why, "field": field_for(header),
                                 "own_line": _stands_out(header, why)} for header, why in ignored]

    def _ignored_lines(self) -> list[str]:
        """Ignored columns in one line, but for those that look like a Kit field or like consent."""
        if not self.columns_ignored:  # said only of a run that read the columns (not an unchanged source's)
            return [line("Columns ignored", "none")] if self.columns else []
        # A consent column left out is said once, in the Consent line, with why: not again here.
        said = {c["column"] for c in self.ignored_columns
                if any(entry.startswith(f"{c['column']}: ") for entry in self.consent_left_out)}
        apart = [c for c in self.ignored_columns if c["own_line"] and c["column"] not in said]
        named = {c["column"] for c in apart} | said
        rest = [h for h in self.columns_ignored if h not in named]
        lines = [line("Column ignored", f"{c['column']}: {c['why']}") for c in apart]
        if not self.ignored_columns:  # a report made by hand: the reasons only
            return [line("Columns ignored", ", ".join(f"{h}: {self.ignored_because[h]}" if self.ignored_because.get(h)
                                                      else h for h in rest))]
        if len(rest) == 1:
            lines.append(line("Column ignored", f"{rest[0]}: {self.ignored_because.get(rest[0], '')}".rstrip(": ")))
        elif rest:
            where = self.report_path or "--report PATH"  # the reasons are in the JSON report only
            shown = _first_names(rest)
            more = len(rest) - len(shown)
            names = ", ".join(shown) + (f" ... and {more:,} more" if more else "")
            lines.append(line("Columns ignored", f"{len(rest):,}: {names} ({where} lists "
                                                 f"{'them all, ' if more else ''}why, and the --field to map each)"))
        return lines

    @property
    def rows_refused(self) -> int:
        """Rows rejected for what they hold or for Kit's answer: not those a stopped run left unfinished."""
        return self.rows_rejected - self.rows_not_sent - self.rows_not_confirmed

    def _unfinished(self) -> list[tuple[int, str]]:
        """Rows a stopped run left: not sent, and not confirmed (may have been applied)."""
        return [(self.rows_not_sent, REASON_NOT_SENT), (self.rows_not_confirmed, REASON_NOT_CONFIRMED)]

    def _plan_lines(self) -> list[str]:
        """A dry run's plan: against what Kit holds (subscribers, each column's values, tags), then the sends."""
        lines = []
        if self.kit_read and not self.kit_read.startswith("not read"):
            lines.append(line("Subscribers", f"{self.new_subscribers:,} new, {self.existing_subscribers:,} existing"))
            for what, kinds in self.plan_columns.items():
                if what in ("tag", "state"):
                    continue
                parts = [f"{kinds.get('new', 0):,} new", f"{kinds.get('changed', 0):,} changed",
                         f"{kinds.get('equal', 0):,} equal to Kit's"]
                if kinds.get("cleared"):
                    parts.append(f"{kinds['cleared']:,} cleared")
                lines.append(f"  {what}: {', '.join(parts)}")
            if self.tags_to_add:
                tags = ", ".join(f"{listed([name])} {n:,}" for name, n in self.tags_to_add.items())
                lines.append(line("Tags to add", f"{sum(self.tags_to_add.values()):,} ({tags})"))
            if self.drift_corrected:
                lines.append(line("Drift", f"{plural(self.drift_corrected, 'value')} changed in Kit since the last "
                                           "run would be set again to the file's"))
        return lines + [
            line("Values to write", f"{self.values_to_write:,}"),
            *self._action_lines(sent=True),
            line("Requests needed", f"{self.planned_requests:,} ({plural(self.planned_reads, 'read')} and "
                 f"{plural(self.planned_requests - self.planned_reads, 'write')}: ~{duration(self.planned_seconds)} "
                 f"at Kit's usual answer time, at most {self.rate_limit_per_minute:,} requests/minute)"),
        ]

    def _state_lines(self) -> list[str]:
        """What the run did to subscribers' states and forms, right after the counts: each line only
        when it has something to say."""
        if self.dry_run:
            return self._planned_state_lines()
        lines = []
        if self.states_set:
            parts = []
            order = ("cancelled", "bounced", "complained", "inactive")  # ties in a steady order
            ranked = sorted(self.states_set.items(), key=lambda sc: (-sc[1], order.index(sc[0]) if sc[0] in order
                                                                      else len(order)))
            for n, (state, count) in enumerate(ranked):
                said = self.state_words.get(state)
                parts.append(("created as " if n == 0 else "as ") + f"{state}" +
                             (f" ({said}{' in the file' if n == 0 else ''})" if said else ""))
                parts[-1] = f"{count:,} {parts[-1]}"
            lines.append(line("States set", ", ".join(parts)))
        return lines + self._action_lines(sent=False) + self._kept_lines()

    def _action_lines(self, sent: bool) -> list[str]:
        """The actions' lines: a dry run's plan or a run's result, those about subscribers' states and
        forms (`sent` False: right after the counts) or about what else was sent."""
        return [line(label, text) for figures in self.actions.values() if figures.with_states is not sent
                for label, text in (figures.plan_lines() if self.dry_run else figures.result_lines())]

    def _planned_state_lines(self) -> list[str]:
        """A dry run's consent outcome: new subscribers per state, the actions on states (unsubscribes to
        send), who stays active."""
        read = bool(self.kit_read) and not self.kit_read.startswith("not read")
        lines = []
        if self.planned_states:
            states = ", ".join(f"{n:,} {state}" + (f" ({self.state_words[state]})" if self.state_words.get(state)
                                                    else "") for state, n in self.planned_states.items())
            lines.append(line("States", f"new subscribers: {states}" if read else
                                      f"if new (Kit not read): {states}"))
        return lines + self._action_lines(sent=False) + self._kept_lines()

    def _kept_lines(self) -> list[str]:
        """`Left active: 2 subscribers the file says opted out (1 created in Kit after ...; listed in the report)`,
        and `Not re-activated:` those the file says subscribed whom Kit holds unsubscribed."""
        lines = []
        if self.not_reactivated:
            held = sum(self.not_reactivated.values())
            states = ", ".join(f"{n:,} {state}" for state, n in self.not_reactivated.items())
            lines.append(line("Not re-activated", f"{plural(held, 'subscriber')} the file says subscribed "
                                                  f"{'is' if held == 1 else 'are'} not active in Kit ({states}): "
                                                  "Kit's API cannot re-subscribe anyone; they can opt in again "
                                                  "through a Kit form"))
        if not self.kept_active:
            return lines
        why = Counter(kept_words(reason, self._kept_state(email)) for email, reason in self.kept_active.items())
        parts = "; ".join(f"{n:,} {reason}" for reason, n in why.most_common())
        kept_states = self._kept_states()
        said = says_not_to_email(kept_states)
        if said != "opted out":
            said += f" ({in_the_file(kept_states, counted=True)})"
        return lines + [line("Left active", f"{plural(len(self.kept_active), 'subscriber')} the file says {said}, "
                                     f"left active in Kit ({parts}; listed in the report as kept_active)")]

    def keep_active(self, email: str, why: str | None, state: str = "cancelled") -> None:
        """Note someone the file says not to email (in `state`) whom the run leaves active in Kit, and why;
        `why` None: no longer (this run unsubscribed them, or Kit holds them not active)."""
        if why is None:
            self.kept_active.pop(email, None)
            self.kept_as.pop(email, None)
        else:
            self.kept_active[email] = why
            self.kept_as[email] = state

    def _kept_state(self, email: str) -> str:
        return self.kept_as.get(email, "cancelled")

    def _kept_states(self) -> Counter:
        return Counter(self._kept_state(email) for email in self.kept_active)

    @property
    def wrote(self) -> bool:
        """Whether any contact reached Kit: imported, refused, or sent and never answered."""
        return bool(self.imported or self.failed_contacts or self.rows_not_confirmed)

    def row_parts(self) -> list[tuple[int, str]]:
        """The parts every row read falls in, once each: read = imported + rejected + skipped + not sent
        + not confirmed (imported rows include those Kit held already: unchanged)."""
        unchanged = f" ({self.rows_unchanged:,} unchanged)" if self.rows_unchanged else ""
        return [(self.rows_imported, ("to import" if self.dry_run else "imported") + unchanged),
                (self.rows_refused, "rejected"), (self.rows_skipped, "skipped"), *self._unfinished()]

    def rows_accounting(self) -> str:
        """Every row read in one line: `62: 57 imported, 5 rejected`."""
        words = [word for _, word in self.row_parts()]
        return counted(self.rows_read, self.row_parts(), keep=words[:2])

    def contact_parts(self) -> list[tuple[int, str]]:
        """The parts every contact falls in, once each: contacts = created + updated + unchanged + failed
        (refused by Kit) + not sent + not confirmed; in a dry run, to send + unchanged."""
        if self.dry_run:
            return [(self.contacts_to_send, "to send"), (self.unchanged, "unchanged")]
        return [(self.created, "created"), (self.updated, "updated"), (self.unchanged, "unchanged"),
                (self.failed_contacts, "failed"), (self.not_sent, "not sent"), (self.not_confirmed, "not confirmed")]

    def contacts_accounting(self) -> str:
        """Every contact in one line: `56: 40 created, 16 updated (1 row merged as duplicates)`."""
        keep = ("to send",) if self.dry_run else ("created", "updated")
        merged = f" ({_rows(self.duplicates_merged)} merged as duplicates)" if self.duplicates_merged else ""
        return counted(self.contacts, self.contact_parts(), keep=keep) + merged

    @property
    def contacts_accounted_for(self) -> bool:
        """Whether every contact is in exactly one part of `contact_parts`."""
        return self.contacts == sum(n for n, _ in self.contact_parts())

    def error_lines(self) -> list[str]:
        """`Error: ...` and its hint, as the CLI says them, when an error (a brake, an interrupt) ended the
        run; none for a run that finished. Alerts lead with them."""
        if not self.error:
            return []
        return [f"Error: {self.error}", *([self.hint] if self.hint else [])]

    @property
    def ended_by_error(self) -> bool:
        """The run raised its error, so the CLI printed the `Error:` line and its hint but no summary (a
        brake or a stop while sending prints its summary, whose `Stopped:` line says why)."""
        return bool(self.error) and self.error != self.stopped

    def closing_line(self) -> str:
        """The one-line verdict, in rows as the summary's first count: what was imported, what was
        refused and where to find it."""
        removed = (f"; removed the earlier failures file {self.failures_removed}: no row failed this time"
                   if self.failures_removed else "")
        if self.source_unchanged_since and not self.stopped:
            return f"Source unchanged since {self.source_unchanged_since}: nothing to import, no request to Kit"
        if not self.rows_read and not self.stopped:
            if self.error:  # it failed before counting the rows: the file may hold many
                return "Nothing imported: the run failed before reading its rows"
            return "0 data rows: nothing to import" + removed
        rows = f"{plural(self.rows_read, 'row')}{self.rows_accounting()[len(f'{self.rows_read:,}'):]}"
        kept = f"; {in_the_file(self._kept_states(), counted=True)} in the file left active in Kit" \
            if self.kept_active else ""
        if self.dry_run:  # it writes (or removes) the failures file as a real run does: named here as there
            files = f" -> {self.failures_path}" if self.failures_path else removed
            return (f"Dry run: {plural(self.contacts_to_send, 'contact')} and {plural(self.values_to_write, 'value')} "
                    f"would be sent; {rows}{kept}{files}. Nothing was written to Kit.")
        if self.rows_skipped:
            rows = rows.replace(f"{self.rows_skipped:,} skipped", f"{self.rows_skipped:,} skipped (not subscribed)")
        rows += "".join(f"; {said}" for figures in self.actions.values() if (said := figures.closing()))
        rows += kept
        if self.failures_path:
            return f"{rows} -> {self.failures_path}"
        return f"{rows}{removed or '; no failures file written'}"


def _parenthesized(*parts: tuple[int, str]) -> str:
    """` (3 refused by Kit, 2 not sent)`, the parts that are not 0, or nothing."""
    shown = [f"{n:,} {what}" for n, what in parts if n]
    return f" ({', '.join(shown)})" if shown else ""


def _stands_out(header: str, why: str) -> bool:
    """Whether an ignored column keeps its own summary line: it looks like a Kit field or like consent."""
    if why.startswith(("Kit field", "not listed in")) or "named like" in why:
        return True  # fed by another column, a metadata twin of one, or left out of a config's [fields]
    return consent_header(header)


IGNORED_NAMES_WIDTH = 100  # the ignored columns' names the summary lists: about a line of a screen


def _first_names(headers: list[str], width: int = IGNORED_NAMES_WIDTH) -> list[str]:
    """The first names that fit in `width` characters (at least one): all of them when they fit."""
    shown: list[str] = []
    used = 0
    for header in headers:
        used += len(header) + (2 if shown else 0)
        if shown and used > width:
            break
        shown.append(header)
    return shown


UNFINISHED = (REASON_NOT_SENT, REASON_NOT_CONFIRMED)  # reasons counted apart from rejections


def _rows(n: int) -> str:
    return plural(n, "row")
