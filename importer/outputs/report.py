"""RunReport: what a run read, sent and refused; printed as a summary and written as JSON."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from enum import IntEnum
from pathlib import Path
from typing import Any

from importer.errors import Terminated
from importer.outputs.atomic import atomic_write
from importer.records import REASON_NOT_CONFIRMED, REASON_NOT_SENT
from importer.outputs.words import plural


class ExitStatus(IntEnum):
    """The exit statuses of kit-import, as the README's table lists them."""

    OK = 0  # every row imported, or nothing to import
    FAILED = 1  # the run failed or stopped: bad settings, unreadable input, a brake, a refused credential
    USAGE = 2  # bad usage: an unknown option, a missing argument (click exits with it)
    REJECTED = 3  # the run finished but some rows are in the failures CSV
    INTERRUPTED = 130  # Ctrl-C
    TERMINATED = 143  # SIGTERM (issue 10 stops a run on it)


@dataclass
class RunReport:
    """Every figure of one run. A Python caller gets this back from `import_file`."""

    source: str = ""
    read_as: str = ""
    credential: str = ""
    dry_run: bool = False
    rows_read: int = 0
    rows_imported: int = 0
    rows_skipped: int = 0  # left out on purpose (--skip-unsubscribed): not errors, not in the failures CSV
    rows_short: int = 0
    blank_rows: int = 0
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
    values_failed: int = 0
    tags_created: list[str] = field(default_factory=list)  # in a dry run: the tags a real run would create
    taggings: int = 0  # tags Kit confirmed on subscribers (new, or one they had)
    taggings_failed: int = 0
    taggings_to_send: int = 0  # a dry run's
    rows_rejected: int = 0  # every row in the failures CSV, rows_not_sent and rows_not_confirmed included
    rows_not_sent: int = 0  # the run stopped before sending them
    rows_not_confirmed: int = 0  # sent, no answer before the run stopped: Kit may have applied them
    rejected_by_reason: Counter = field(default_factory=Counter)
    skipped_because: str = ""
    columns: list[str] = field(default_factory=list)
    columns_ignored: list[str] = field(default_factory=list)
    ignored_because: dict[str, str] = field(default_factory=dict)  # column -> why it is not imported
    fields_created: list[str] = field(default_factory=list)
    states_set: Counter = field(default_factory=Counter)  # state -> subscribers created in it (not active)
    state_words: dict[str, str] = field(default_factory=dict)  # state -> what the file said, e.g. "unsubscribed"
    consent_from: list[str] = field(default_factory=list)  # the columns that decide the email state
    consent_left_out: list[str] = field(default_factory=list)  # other consent columns, "header: why"
    unsubscribed: int = 0  # existing subscribers active in Kit this run unsubscribed, as the file's opt-out says
    unsubscribed_as: Counter = field(default_factory=Counter)  # the file's state (cancelled, bounced) -> unsubscribed
    kept_active: dict[str, str] = field(default_factory=dict)  # email -> why the file's opt-out left them active
    form: str | None = None  # the --form, as "name (id N)"
    form_additions: int = 0
    planned_form_additions: int = 0  # a dry run's upper bound: Kit's answers decide who is active
    planned_unsubscribes: int = 0  # a dry run's: exact after a read of Kit, else at most this many
    planned_states: dict[str, int] = field(default_factory=dict)  # a dry run's: state -> new subscribers created in it
    kit_read: str = ""  # how the run read what Kit holds, or why it did not (--compare)
    plan_columns: dict[str, dict[str, int]] = field(default_factory=dict)  # item -> {new, changed, equal, cleared}
    new_subscribers: int = 0  # contacts Kit did not hold (after a read of Kit)
    existing_subscribers: int = 0  # contacts Kit held
    tags_to_add: dict[str, int] = field(default_factory=dict)  # tag name -> subscribers it is added to
    drift_corrected: int = 0  # values and first names changed in Kit since the state's read, sent again
    diff_path: str | None = None  # the --diff CSV
    diff_changes: int = 0  # its lines
    emails_from_second_column: int = 0  # rows whose blank or invalid email gave way to a second email column's
    second_for_invalid: int = 0  # of those: the email was invalid, not blank
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
    # (email folded, "subscriber" or "tag:<name folded>") of each write Kit confirmed: what `run --verify`
    # calls "not visible yet" rather than missing while Kit's lists catch up. Not in the JSON report.
    confirmed_writes: set[tuple[str, str]] = field(default_factory=set, repr=False)

    @property
    def requests_sent(self) -> int:
        return sum(self.requests.values())

    @property
    def imported(self) -> int:
        """Contacts Kit created or updated (merged duplicate rows make one contact)."""
        return self.created + self.updated

    @property
    def rows_accounted_for(self) -> bool:
        """Whether every data row read is imported, rejected (in the failures CSV) or skipped.

        `rows_imported` counts the rows of contacts Kit holds as the file says (sent and
        confirmed, or unchanged since a state file saw them), merged duplicate rows included;
        in a dry run, the rows that would be imported. Blank rows are counted apart.
        """
        return self.rows_read == self.rows_imported + self.rows_rejected + self.rows_skipped

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

    def noted_emails(self, notes: Any) -> None:
        """Take the mapper's EmailNotes: second-column addresses and likely typos, counted and listed."""
        self.emails_from_second_column, self.email_typos = notes.second_count, notes.typo_count
        self.second_for_invalid = notes.second_for_invalid
        self.second_emails = [{"row": r, "email": e, "why": why} for r, e, why in notes.seconds]
        self.email_typo_list = [{"row": r, "email": e, "suggested": d} for r, e, d in notes.typos]

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        data = asdict(replace(self, confirmed_writes=set()))
        del data["confirmed_writes"]
        data["rejected_by_reason"] = dict(self.rejected_by_reason.most_common())
        data["states_set"] = dict(self.states_set.most_common())
        data["unsubscribed_as"] = dict(self.unsubscribed_as.most_common())
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
        """The human summary printed at the end of a run, its values aligned under one column."""
        lines = [_line("Source", f"{self.source} ({self.read_as})")]
        if self.credential:
            lines.append(_line("Credential", self.credential))
        lines += [
            _line("Rows read", self.rows_accounting() +
                  (f" (+{self.blank_rows:,} blank, skipped)" if self.blank_rows else "")),
            *([_line("Short rows", f"{_rows(self.rows_short)} shorter than the header: missing cells read as blank")]
              if self.rows_short else []),
            _line("Contacts", f"{self.contacts:,}" + (f" ({_rows(self.duplicates_merged)} merged as duplicates)"
                                                      if self.duplicates_merged else "")),
        ]
        if self.kit_read:
            lines.append(_line("Kit read", self.kit_read))
        if self.dry_run:
            lines += [
                *self._plan_lines(),
                *([_line("Unchanged", f"{self.unchanged:,} (Kit has them already: nothing would be sent)")]
                  if self.unchanged else []),
                _line("Contacts to send", f"{self.contacts_to_send:,}"),
                _line("Values to write", f"{self.values_to_write:,}"),
                *([_line("Taggings to send", f"{self.taggings_to_send:,}")] if self.taggings_to_send else []),
                *([_line("Form additions", f"up to {self.planned_form_additions:,} (to {self.form}; active "
                                           "subscribers only)")] if self.form else []),
                *self._planned_state_lines(),
                _line("Requests needed", f"{self.planned_requests:,} ({plural(self.planned_reads, 'read')} and "
                      f"{plural(self.planned_requests - self.planned_reads, 'write')}: "
                      f"~{_duration(self.planned_seconds)} "
                      f"at Kit's usual answer time, at most {self.rate_limit_per_minute:,} requests/minute)"),
            ]
        else:
            lines += [
                _line("Created", f"{self.created:,}"),
                _line("Updated", f"{self.updated:,}"),
                *([_line("Unchanged", f"{self.unchanged:,} (Kit has them already: nothing sent)")]
                  if self.unchanged else []),
                _line("Values written", f"{self.values_written:,}" +
                      (f" (+{self.values_unconfirmed:,} accepted, not confirmed)" if self.values_unconfirmed else "") +
                      (f" ({self.values_failed:,} failed)" if self.values_failed else "")),
                *([_line("Taggings", f"{self.taggings:,}" +
                         (f" ({self.taggings_failed:,} failed)" if self.taggings_failed else ""))]
                  if self.taggings or self.taggings_failed else []),
                *([_line("Drift corrected", f"{plural(self.drift_corrected, 'value')} changed in Kit since the "
                                            "last run, set again to the file's")] if self.drift_corrected else []),
                *self._state_lines(),
            ]
        if self.diff_path:
            lines.append(_line("Diff", f"{plural(self.diff_changes, 'change')} -> {self.diff_path}"))
        lines.append(_line("Rejected rows", f"{self.rows_refused:,}"))
        for reason, count in self.rejected_by_reason.most_common():
            if reason not in UNFINISHED:
                lines.append(f"  {reason}: {count:,}")
        if self.rows_not_sent:
            lines.append(_line("Not sent rows", f"{self.rows_not_sent:,} (the run stopped before sending them)"))
        if self.rows_not_confirmed:
            lines.append(_line("Not confirmed", f"{_rows(self.rows_not_confirmed)} sent, no answer before the run "
                                                "stopped: they may have been applied"))
        lines += self._email_lines()
        if self.rows_skipped:
            lines.append(_line("Skipped rows", f"{self.rows_skipped:,} ({self.skipped_because})"))
        if self.fields_created:
            lines.append(_line("Fields to create" if self.dry_run else "Fields created",
                               ", ".join(self.fields_created)))
        if self.tags_created:
            lines.append(_line("Tags to create" if self.dry_run else "Tags created", ", ".join(self.tags_created)))
        if self.columns:
            lines.append(_line("Columns", "; ".join(self.columns)))
        if self.consent_left_out:
            decided = f"state from {', '.join(self.consent_from)}" if self.consent_from else "no consent column"
            lines.append(_line("Consent", f"{decided}; left out: {'; '.join(self.consent_left_out)}"))
        ignored = [f"{h}: {self.ignored_because[h]}" if self.ignored_because.get(h) else h
                   for h in self.columns_ignored] or ["none"]
        lines.append(_line("Columns ignored", ignored[0]))
        lines += [_line("", more) for more in ignored[1:]]
        for note in self.notes:
            lines.append(_line("Note", note))
        if self.undo_file:
            lines.append(_line("Undo file", f"{self.undo_file}: {self.undo_holds}"))
        sent = ", ".join(f"{ep} {n:,}" for ep, n in sorted(self.requests.items())) or "none"
        lines.append(_line("Requests sent", f"{self.requests_sent:,} ({sent})"))
        if self.retries:
            lines.append(_line("Retries", f"{self.retries:,} ({self.throttled:,} after 429 rate limiting)"))
        lines.append(_line("Elapsed", _duration(self.elapsed_seconds)))
        if self.failures_removed:
            lines.append(_line("Failures file", f"removed the earlier failures file {self.failures_removed}: "
                                                "no row failed this time"))
        if self.stopped:
            lines.append(_line("Stopped", self.stopped))
        return "\n".join(lines)

    def _email_lines(self) -> list[str]:
        """Addresses imported with a word: from the second email column, and likely domain typos."""
        lines = []
        if self.emails_from_second_column:
            invalid = self.second_for_invalid
            lines.append(_line("Second emails", f"{_rows(self.emails_from_second_column)} imported with the second "
                                                "email column's address" + (f" ({invalid:,} because the email was "
                                                "invalid)" if invalid else "") + ": listed in the report"))
        if self.email_typos:
            seen = Counter(f"{t['email'].rpartition('@')[2]} (for {t['suggested']})" for t in self.email_typo_list)
            domains = ", ".join(d for d, _ in seen.most_common(3)) + (", ..." if len(seen) > 3 else "")
            lines.append(_line("Email typos", f"{plural(self.email_typos, 'address', 'addresses')} with a likely "
                                              f"domain typo, imported as written: {domains}; listed in the report, "
                                              "to fix at the source"))
        return lines

    @property
    def rows_refused(self) -> int:
        """Rows rejected for what they hold or for Kit's answer: not those a stopped run left unfinished."""
        return self.rows_rejected - self.rows_not_sent - self.rows_not_confirmed

    def _unfinished(self) -> list[str]:
        """`18,324 not sent`, `40 not confirmed (may have been applied)`: rows a stopped run left."""
        return [f"{n:,} {what}" for n, what in ((self.rows_not_sent, REASON_NOT_SENT),
                                                 (self.rows_not_confirmed, REASON_NOT_CONFIRMED)) if n]
    def _plan_lines(self) -> list[str]:
        """A dry run's plan against what Kit holds: subscribers, then each column's values, then tags."""
        if not self.kit_read or self.kit_read.startswith("not read"):
            return []
        lines = [_line("Subscribers", f"{self.new_subscribers:,} new, {self.existing_subscribers:,} existing")]
        for what, kinds in self.plan_columns.items():
            if what in ("tag", "state"):
                continue
            parts = [f"{kinds.get('new', 0):,} new", f"{kinds.get('changed', 0):,} changed",
                     f"{kinds.get('equal', 0):,} equal to Kit's"]
            if kinds.get("cleared"):
                parts.append(f"{kinds['cleared']:,} cleared")
            lines.append(f"  {what}: {', '.join(parts)}")
        if self.tags_to_add:
            tags = ", ".join(f"{name} {n:,}" for name, n in self.tags_to_add.items())
            lines.append(_line("Tags to add", f"{sum(self.tags_to_add.values()):,} ({tags})"))
        if self.drift_corrected:
            lines.append(_line("Drift", f"{plural(self.drift_corrected, 'value')} changed in Kit since the last "
                                        "run would be set again to the file's"))
        return lines

    def _state_lines(self) -> list[str]:
        """What the run did to subscribers' states and forms: each line only when it has something to say."""
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
            lines.append(_line("States set", ", ".join(parts)))
        if self.unsubscribed:
            lines.append(_line("Unsubscribed", f"{plural(self.unsubscribed, 'subscriber')} active in Kit whom the "
                                               f"file says opted out{_unsubscribed_as(self.unsubscribed_as)}"))
        lines += self._kept_lines()
        if self.form:
            lines.append(_line("Form additions", f"{self.form_additions:,} to {self.form}"))
        return lines

    def _planned_state_lines(self) -> list[str]:
        """A dry run's consent outcome: new subscribers per state, unsubscribes to send, who stays active."""
        read = bool(self.kit_read) and not self.kit_read.startswith("not read")
        lines = []
        if self.planned_states:
            states = ", ".join(f"{n:,} {state}" + (f" ({self.state_words[state]})" if self.state_words.get(state)
                                                    else "") for state, n in self.planned_states.items())
            lines.append(_line("States", f"new subscribers: {states}" if read else
                               f"{states} (each created so if Kit does not hold it yet)"))
        if self.planned_unsubscribes:
            lines.append(_line("Unsubscribes", f"{self.planned_unsubscribes:,} (active in Kit, opted out in the file)"
                               if read else f"up to {self.planned_unsubscribes:,} (those Kit holds active)"))
        return lines + self._kept_lines()

    def _kept_lines(self) -> list[str]:
        """`Left active: 2 subscribers the file says opted out (1 created in Kit after ...; listed in the report)`."""
        if not self.kept_active:
            return []
        why = Counter(self.kept_active.values())
        verb = "stay" if self.dry_run else "left"
        parts = "; ".join(f"{n:,} {reason}" for reason, n in why.most_common())
        return [_line("Left active", f"{plural(len(self.kept_active), 'subscriber')} the file says opted out, "
                                     f"{verb} active in Kit ({parts}; listed in the report as kept_active)")]

    @property
    def wrote(self) -> bool:
        """Whether any contact reached Kit: imported, refused, or sent and never answered."""
        return bool(self.imported or self.failed_contacts or self.rows_not_confirmed)

    def rows_accounting(self) -> str:
        """Every row read in one line: `62: 57 imported, 5 rejected`.

        A run stopped before its first write imported nothing: the rows it counts in
        `rows_imported` are those Kit held as the file says already, so they are called unchanged.
        """
        if self.stopped and not self.wrote:
            done = [f"{self.rows_imported:,} unchanged"] if self.rows_imported else []
        else:
            done = [f"{self.rows_imported:,} {'to import' if self.dry_run else 'imported'}"]
        parts = [*done, f"{self.rows_refused:,} rejected", *self._unfinished()]
        if self.rows_skipped:
            parts.append(f"{self.rows_skipped:,} skipped")
        return f"{self.rows_read:,}: {', '.join(parts)}"

    def closing_line(self) -> str:
        """The one-line verdict: what was imported, what was refused and where to find it."""
        removed = (f"; removed the earlier failures file {self.failures_removed}: no row failed this time"
                   if self.failures_removed else "")
        if self.source_unchanged_since and not self.stopped:
            return f"Source unchanged since {self.source_unchanged_since}: nothing to import, no request to Kit"
        if not self.rows_read and not self.stopped:
            return "0 data rows: nothing to import" + removed
        if self.dry_run:
            unchanged = f" ({self.unchanged:,} unchanged)" if self.unchanged else ""
            return (f"Dry run: {plural(self.contacts_to_send, 'contact')} and {plural(self.values_to_write, 'value')} "
                    f"would be sent{unchanged}; {plural(self.rows_rejected, 'row')} would be rejected. "
                    "Nothing was written to Kit.")
        line = ", ".join([f"{self.imported:,} imported", f"{self.rows_refused:,} rejected", *self._unfinished()])
        if self.rows_skipped:
            line += f", {self.rows_skipped:,} skipped (not subscribed)"
        if self.kept_active:
            line += f", {len(self.kept_active):,} opted out in the file left active in Kit"
        if self.failures_path:
            return f"{line} -> {self.failures_path}"
        return f"{line}{removed or '; no failures file written'}"


LABEL_WIDTH = 19


def _unsubscribed_as(said: Counter) -> str:
    """` (2 unsubscribed, 1 bounced: Kit's API cannot set bounced or complained, so they were unsubscribed)`."""
    if set(said) <= {"cancelled"}:
        return ""
    order = ("cancelled", "bounced", "complained")  # ties in a steady order, whatever order Kit answered in
    ranked = sorted(said.items(), key=lambda sc: (-sc[1], order.index(sc[0]) if sc[0] in order else len(order)))
    parts = ", ".join(f"{n:,} {'unsubscribed' if state == 'cancelled' else state}" for state, n in ranked)
    return f" ({parts}: Kit's API cannot set bounced or complained, so they were unsubscribed)"


def _line(label: str, text: str) -> str:
    """One summary line, `Label:` padded so that every value starts in the same column."""
    return (f"{label}:" if label else "").ljust(LABEL_WIDTH) + text


UNFINISHED = (REASON_NOT_SENT, REASON_NOT_CONFIRMED)  # reasons counted apart from rejections


def _rows(n: int) -> str:
    return plural(n, "row")


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes = seconds / 60
    if minutes < 60:
        return f"{minutes:.1f} min"
    hours = math.floor(minutes / 60)
    return f"{hours} h {round(minutes - hours * 60)} min"
