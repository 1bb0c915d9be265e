"""verify(settings) -> VerifyReport: does Kit hold what the file says? Every contact, value, tag and state,
and who is in the --form and each --sequence.

The file is read, mapped and merged as a run does it; Kit is read at the cheaper of a whole
account read and one lookup per contact (`account.read_for`), with tags when the file has some.
Kit's lists lag writes by seconds to minutes (5 minutes at its p99), and only a read of the
subscriber by id is current: what differs there (a value, a first name, a state) is a
difference at once. What only a list shows (a subscriber found by email, a subscriber's tags)
is read again with doubling pauses until `settings.settle` seconds have passed before it is
called a difference; a write the run itself confirmed that a list still does not show then is
"not visible yet", not a difference. At most `CONFIRM_LIMIT` contacts are confirmed one by one;
past that, verify waits once (within the same bound) and reads Kit again, then confirms what
still differs up to the limit, and reports the rest as differences it could not confirm.

With a form or sequences, each list of members is read once, page by page until every contact the
run adds to it is found (the action's own rule: active in Kit and in the file), after the contacts
are confirmed; a contact not on it is read again with the same doubling pauses within the same bound.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from importer.decide.held import read_for
from importer.decide.compare import NO_OPT_OUT, STATE, SUBSCRIBER, TAG, Change, Comparison, Kind, compare
from importer.decide.run_memory import RunMemory
from importer.decide.unsubscribes import Kept, Mode, opted_out
from importer.outputs.failures import output_delimiter, write_csv
from importer.kit import KitClient, find_subscriber, get_subscriber, get_subscriber_tags
from importer.kit.reads import HeldSubscriber
from importer.records import Contact
from importer.read.remote import open_any
from importer.read.url import redact
from importer.run import build_client, file_contacts, settings_of
from importer.outputs.report import RunReport
from importer.outputs.summary import ExitStatus, elapsed_line, line, listing, requests_line
from importer.settings.declaration import Settings
from importer.outputs.words import kept_words, plural
from importer.progress import NoProgress, Progress
from importer.errors import Terminated
from importer.send.submit import why_stopped
from importer.send.actions import MemberList

CONFIRM_LIMIT = 1000  # contacts confirmed one by one (1 or 2 requests each) in one verification
FIRST_PAUSE = 2.0  # seconds before a list is read again; doubled each time, within --settle
TELL_EVERY = 30.0  # seconds at most between two lines saying what verify waits for
NOT_VISIBLE = "not visible yet"
COLUMNS = ("email", "what", "kit_value", "file_value", "difference", "confirmed")
MISSING = "missing"
# Kit holds them active and the file says otherwise, as the run leaves them on firm ground: expected, not a
# difference. --keep-kit-state asked for it; the run memory saw the opt-out honoured and then the person
# subscribe again in Kit, so the file is stale about them (a nightly verify would fail every night after);
# the file gives no opt-out. Kit's creation time alone is weaker evidence of a new opt-in (an earlier import
# may have created them): that stays a difference, with what to do.
EXPECTED_ACTIVE = (Kept.KEEP_KIT_STATE.value, Kept.RESUBSCRIBED.value, NO_OPT_OUT)
WHAT_TO_DO = {Kept.NEWER_IN_KIT.value: "run with --unsubscribe if an earlier import created them"}


@dataclass(frozen=True, slots=True)
class Difference:
    """One item Kit holds otherwise than the file says; `confirmed` says how it was checked."""

    change: Change
    confirmed: str
    lagging: bool = False  # a write this run confirmed that Kit's list did not show within --settle
    member: bool = False  # a place on a form or sequence (`what`) named by `file_value`, not on its list

    @property
    def kind(self) -> str:
        if self.lagging:
            return NOT_VISIBLE
        return MISSING if self.change.what == SUBSCRIBER or self.member else str(self.change.kind)

    @property
    def counts(self) -> bool:
        """Whether it makes Kit differ from the file. A state Kit holds as not active where the file says
        another is reported, but kit-import never re-activates anyone, so it does not fail verify; nor
        does a write Kit confirmed to this run that its lists do not show yet; nor someone Kit holds active
        as the run leaves them: by --keep-kit-state, or with no opt-out in the file. Someone the file says
        not to email whom Kit holds active is a difference, even when the consent policy left them so
        (decide/unsubscribes.py says why): Kit will email them."""
        if self.lagging or self.change.kind is Kind.DIFFERS:
            return False
        return not self.left_active

    @property
    def left_active(self) -> bool:
        """Whether Kit holds them active as the run leaves them: listed, not a difference."""
        return self.change.kind is Kind.KEPT and self.change.why in EXPECTED_ACTIVE

    def describe(self, why: bool = True) -> str:
        """`ann@example.com: Company: Kit holds 'Beta', the file says 'Acme'`; `why` adds why a state
        difference that does not count is not sent (left out where a heading says it already)."""
        c = self.change
        if c.what == SUBSCRIBER:
            return f"{c.email}: {'created, not listed yet' if self.lagging else 'not in Kit'}"
        if c.what == TAG:
            return f"{c.email}: tag {c.file_value!r} {'tagged, not listed yet' if self.lagging else 'missing'}"
        if self.member:
            return f"{c.email}: {'added to' if self.lagging else 'not in'} {c.what} {c.file_value}" + \
                (", not listed yet" if self.lagging else "")
        kit = "nothing" if c.kit_value is None else repr(c.kit_value)
        says = "a blank" if c.file_value is None else repr(c.file_value)
        return f"{c.email}: {c.what}: Kit holds {kit}, the file says {says}{self._why(why)}"

    def _why(self, why: bool) -> str:
        """Why Kit holds a state the file does not: the policy's reason for one left active (with what to do
        when it is a difference), or that nobody is re-activated; `why` False leaves out what a heading says."""
        c = self.change
        if c.what != STATE or c.kind not in (Kind.KEPT, Kind.DIFFERS):
            return ""
        if c.kind is Kind.DIFFERS:
            return " (kit-import never re-activates anyone)" if why else ""
        reason = kept_words(c.why or "", c.file_value or "")
        if self.left_active:
            return f" ({reason})" if why and reason else ""
        todo = f"; {WHAT_TO_DO[c.why]}" if c.why in WHAT_TO_DO else ""
        return f" (left active: {reason}{todo})"


@dataclass
class VerifyReport:
    """What verify found: contacts checked and differing, each difference, what it cost."""

    source: str = ""
    contacts: int = 0
    rows_rejected: int = 0
    read_how: str = ""
    members_checked: dict[str, int] = field(default_factory=dict)  # "form Newsletter (id 3)" -> contacts it should hold
    differences: list[Difference] = field(default_factory=list)
    differing_contacts: int = 0  # contacts with a difference that counts
    kept_contacts: int = 0  # contacts whose only differences are states Kit holds not active (never re-activated)
    left_active_contacts: int = 0  # contacts Kit holds active as the run leaves them (--keep-kit-state, no opt-out)
    not_visible_contacts: int = 0  # contacts whose only differences are this run's writes a list does not show yet
    settle: float = 0.0  # the --settle bound the waits kept within
    confirmed_by_id: int = 0
    lag_cleared: int = 0  # of those read again by id, contacts with no difference left
    list_cleared: int = 0  # contacts with no difference left when the list was read again
    waited_seconds: float = 0.0
    unconfirmed: int = 0
    stopped: str | None = None  # Ctrl-C or SIGTERM ended it early: what it found so far is reported
    terminated: bool = False  # the interrupt was SIGTERM
    interrupted_unconfirmed: int = 0  # contacts the list showed differing, not confirmed before the interrupt
    differences_path: str | None = None
    differences_removed: str | None = None
    requests: Counter = field(default_factory=Counter)
    elapsed_seconds: float = 0.0

    @property
    def failing(self) -> list[Difference]:
        return [d for d in self.differences if d.counts]

    @property
    def matching(self) -> int:
        """Contacts Kit holds as the file says: neither differing, nor not visible yet, nor with a state Kit keeps."""
        return (self.contacts - self.differing_contacts - self.kept_contacts - self.left_active_contacts
                - self.not_visible_contacts)

    @property
    def exit_status(self) -> int:
        """OK (0) when Kit holds what the file says, REJECTED (3) otherwise; INTERRUPTED (130) or TERMINATED
        (143) when Ctrl-C or SIGTERM stopped it first."""
        if self.stopped:
            return ExitStatus.TERMINATED if self.terminated else ExitStatus.INTERRUPTED
        return ExitStatus.REJECTED if self.failing else ExitStatus.OK

    def summary(self, listed: int = 20) -> str:
        """The lines `kit-import verify` prints."""
        kinds = Counter(_bucket(d) for d in self.failing)
        differing = {d.change.email for d in self.failing}
        listed_differing = [d for d in self.differences if d.change.email in differing]
        lagging = [d for d in self.differences if d.change.email not in differing and d.lagging]
        kept = [d for d in self.differences if d.change.email not in differing and not d.lagging
                and d.change.kind is Kind.DIFFERS]
        left_active = [d for d in self.differences if d.change.email not in differing and d.left_active]
        lines = [line("Source", self.source),
                 line("Contacts checked", f"{self.contacts:,}" + (f" ({plural(self.rows_rejected, 'row')} rejected "
                                                                    "in the file, not checked)" if self.rows_rejected
                                                                   else "")),
                 line("Kit read", self.read_how),
                 *([line("Members checked", ", ".join(f"{n:,} in {name}" for name, n in self.members_checked.items())
                         + ": the contacts active in Kit and in the file")]
                   if self.members_checked else []),
                 line("Matching", f"{self.matching:,}"),
                 line("Differing", plural(self.differing_contacts, "contact") + (
                     f" ({plural(len(self.failing), 'difference')}: " + ", ".join(
                         plural(n, what) for what, n in kinds.items()) + ")" if kinds else ""))]
        lines += self._listing(listed_differing, listed)
        if self.not_visible_contacts:
            lines.append(line("Not visible yet", f"{plural(self.not_visible_contacts, 'contact')} written by this "
                                                  "run (Kit confirmed it) whom Kit's lists did not show within "
                                                  f"--settle {self.settle:g} s: lag, not a difference"))
            lines += self._listing(lagging, listed)
        if self.kept_contacts:
            lines.append(line("Not re-activated", f"{plural(self.kept_contacts, 'contact')} not active in Kit whom "
                                                   "the file gives another state: listed, not a difference, since "
                                                   "kit-import never re-activates anyone"))
            lines += self._listing(kept, listed, why=False)
        if self.left_active_contacts:
            lines.append(line("Left active", f"{plural(self.left_active_contacts, 'contact')} active in Kit whom "
                                              "the file gives another state, as the run leaves them: listed, not a "
                                              "difference"))
            lines += self._listing(left_active, listed)
        if confirmed := self._confirmed():
            lines.append(line("Confirmed", confirmed))
        lines.append(requests_line(self.requests))
        lines.append(elapsed_line(self.elapsed_seconds))
        if self.stopped:
            lines.append(line("Stopped", f"{self.stopped}: what was checked so far is above"))
        return "\n".join(lines)

    def _confirmed(self) -> str:
        """What was read again and how long verify waited for Kit's lists, or nothing when nothing was."""
        parts = []
        if self.confirmed_by_id:
            parts.append(f"{plural(self.confirmed_by_id, 'contact')} read again by id, since Kit's list lags writes "
                         f"({self.lag_cleared:,} matching after all)")
        again = f"read it again ({self.list_cleared:,} matching after all)" if self.list_cleared else ""
        if self.waited_seconds:
            parts.append(f"waited {self.waited_seconds:.0f} s (of --settle {self.settle:g}) for Kit's lists "
                         "(a subscriber not found by email, a subscriber's tags"
                         + (", a form's or a sequence's subscribers" if self.members_checked else "")
                         + "), which lag writes by up to 5 minutes" + (f" and {again}" if again else ""))
        elif self.list_cleared:
            parts.append(f"read Kit again ({self.list_cleared:,} matching after all)")
        if self.unconfirmed:
            parts.append(f"{plural(self.unconfirmed, 'contact')} over the bound of {CONFIRM_LIMIT:,} not confirmed")
        if self.interrupted_unconfirmed:
            parts.append(f"{plural(self.interrupted_unconfirmed, 'contact')} not confirmed: {self.stopped} first")
        return "; ".join(parts)

    def _listing(self, differences: list[Difference], listed: int, why: bool = True) -> list[str]:
        """The first `listed` differences, one a line, and how many more the CSV holds."""
        return listing((d.describe(why) for d in differences), str(self.differences_path), listed)

    def closing_line(self) -> str:
        """The one-line verdict: whether Kit holds what the file says, and where the differences are."""
        if self.stopped:
            found = (f"{plural(len(self.failing), 'difference')} in {plural(self.differing_contacts, 'contact')}"
                     f" so far -> {self.differences_path}" if self.failing else "no difference so far")
            return f"Verify stopped before it finished ({self.stopped}): {found}"
        if not self.failing:
            listed = [f"{n:,} {what}" for n, what in ((self.not_visible_contacts, NOT_VISIBLE),
                                                      (self.kept_contacts, "not re-activated"),
                                                      (self.left_active_contacts, "left active")) if n]
            kept = f"; {', '.join(listed)}, listed in {self.differences_path}" if listed else ""
            members = sum(self.members_checked.values())
            places = f", and {plural(members, 'form or sequence membership')}" if self.members_checked else ""
            return f"Kit matches the file: {plural(self.contacts, 'contact')} checked{places}{kept}"
        return (f"Kit differs from the file: {plural(len(self.failing), 'difference')} in "
                f"{plural(self.differing_contacts, 'contact')} -> {self.differences_path}")


def verify(settings: Settings | str | Path, *, client: KitClient | None = None,
           sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
           confirmed: Collection[tuple[str, str]] = (), progress: Progress | None = None,
           **options: Any) -> VerifyReport:
    """Read the file as a run would, read what Kit holds, and report every difference (confirmed).
    Give Settings, or the source and Settings fields as keyword arguments, as `import_file` takes
    them (without a credential, the environment's). `confirmed` holds the writes the run before it
    saw Kit confirm (`RunReport.confirmed_writes`): those a list still does not show when --settle
    runs out are "not visible yet", not differences. While it waits for Kit's lists, `progress` is
    told what for, how many, and for how long (its `status`, else its `log`), at least every
    TELL_EVERY seconds."""
    settings = settings_of(settings, options, "verify")
    waits = Waits(report=None, deadline=0.0, sleep=sleep, clock=clock, progress=progress or NoProgress())
    started = time.monotonic()
    deadline = clock() + settings.settle
    report = VerifyReport(source=redact(settings.source), settle=settings.settle)
    waits.report, waits.deadline = report, deadline
    client = client or build_client(settings)
    before = Counter(client.stats.by_endpoint)
    source = open_any(settings.source, settings.load, max_mb=settings.max_download_mb,
                      timeout=settings.download_timeout)
    try:
        run = RunReport()
        work = file_contacts(source, settings, client, run)
    finally:
        source.close()
    report.rows_rejected = run.rows_rejected
    try:
        _check(client, settings, work, report, waits, deadline, sleep, clock, confirmed)
    except KeyboardInterrupt as interrupt:  # what was checked so far is reported, its differences written
        report.stopped = why_stopped(interrupt)
        report.terminated = isinstance(interrupt, Terminated)
    _count_contacts(report)
    _write(settings.differences_file, report, output_delimiter(source))
    report.requests = Counter({ep: n - before[ep] for ep, n in client.stats.by_endpoint.items() if n - before[ep]})
    report.elapsed_seconds = time.monotonic() - started
    return report


def _check(client: KitClient, settings: Settings, work: Any, report: VerifyReport, waits: Waits, deadline: float,
           sleep: Callable[[float], None], clock: Callable[[], float], confirmed: Collection[tuple[str, str]]) -> None:
    """Compare the file's contacts with what Kit holds, confirm what differs, check the forms and sequences."""
    if work is not None and work.count:
        tags = work.include_tags
        account, report.read_how = read_for(client, work.count, lambda: (c.email for c in work), include_tags=tags)
        report.contacts = work.count  # compared with Kit's list from here
        judged = _as_the_run_judged(settings, work)
        consent = settings.consent
        candidates = [cmp for c in work if _differs(cmp := compare(judged(c), account.get(c.email), consent))]
        if len(candidates) > CONFIRM_LIMIT:
            try:
                candidates = _read_again(client, candidates, min(30.0, max(0.0, deadline - clock())), sleep, report,
                                         tags, consent)
            except KeyboardInterrupt:
                _interrupted(report, candidates, "before it was confirmed")
                raise
        seen: dict[str, HeldSubscriber] = {}
        _confirm(client, candidates, report, waits, tags=tags, confirmed=confirmed, consent=consent, seen=seen)
        lists = [member_list for action in work.actions for member_list in action.member_lists()]
        if lists:
            _check_members(client, lists, work, lambda email: seen.get(email) or account.get(email), report,
                           waits, confirmed=confirmed)


def _as_the_run_judged(settings: Settings, contacts: Iterable[Contact]) -> Callable[[Contact], Contact]:
    """Each opt-out with what the run memory learnt of it (re-subscribed in Kit, created by a run), so that a
    person the run kept active for a newer opt-in is judged as the run judged them, not called a difference."""
    if settings.state is None or not Path(settings.state).is_file():
        return lambda contact: contact
    memory = RunMemory(Path(settings.state))
    try:
        learnt = {c.email: memory.confirmed(c.email) for c in contacts if opted_out(c.state)}
    finally:
        memory.close()
    return lambda c: dataclasses.replace(c, confirmed=c.confirmed | learnt[c.email]) if c.email in learnt else c


def differences_of(comparison: Comparison) -> list[Change]:
    """The changes that make Kit differ from the file: a missing subscriber is one (its values with it)."""
    if comparison.held is None:
        return [comparison.changes[0]]
    return [c for c in comparison.changes if c.kind is not Kind.EQUAL]


def _differs(comparison: Comparison) -> bool:
    return bool(differences_of(comparison))


def _read_again(client: KitClient, candidates: list[Comparison], settle: float, sleep: Callable[[float], None],
                report: VerifyReport, tags: bool, consent: Mode = Mode.HONOUR) -> list[Comparison]:
    """Too many differences to confirm one by one: wait once (`settle` seconds at most) and read Kit again."""
    pause = settle
    if pause:
        sleep(pause)
        report.waited_seconds += pause
    account, _ = read_for(client, len(candidates), lambda: (c.contact.email for c in candidates), include_tags=tags)
    again = [compare(c.contact, account.get(c.contact.email), consent) for c in candidates]
    report.list_cleared += sum(1 for c in again if not _differs(c))
    return [c for c in again if _differs(c)]


def _confirm(client: KitClient, candidates: list[Comparison], report: VerifyReport, waits: Waits, *, tags: bool,
             confirmed: Collection[tuple[str, str]], consent: Mode = Mode.HONOUR,
             seen: dict[str, HeldSubscriber] | None = None) -> None:
    """Read each candidate again by id (current: what differs there is a difference at once); what
    only a list can show (a subscriber not found by email, a tag missing from its tag list) is read
    again with doubling pauses until the waits' deadline before it is called a difference. `seen`
    keeps each subscriber read, by the file's email."""
    seen = {} if seen is None else seen
    pending: list[Comparison] = []
    progress = waits.progress
    if candidates:  # up to 2 requests each: worth a progress line, as a run's sending is
        progress.phase("Confirming differences by id", min(len(candidates), CONFIRM_LIMIT))
    try:
        done = 0  # candidates settled, or pending a list
        try:
            for number, cmp in enumerate(candidates):
                if number >= CONFIRM_LIMIT:
                    _report(report, cmp, f"not confirmed: over the bound of {CONFIRM_LIMIT:,} confirmations")
                    report.unconfirmed += 1
                    done += 1
                    continue
                now = _settled_or_pending(report, cmp, _current(client, cmp, tags), consent, "by id", seen)
                if now is not None:
                    pending.append(now)
                done += 1
                progress.advance(1, client.stats.total)
        except KeyboardInterrupt:
            _interrupted(report, candidates[done:] + pending, "before it was confirmed")
            raise
    finally:
        getattr(progress, "close", lambda: None)()  # the waiting below says what it waits for instead

    def again() -> bool:
        nonlocal pending
        still = []
        for cmp in pending:
            fresh = _tags_again(client, cmp) if cmp.held is not None else _current(client, cmp, tags)
            now = _settled_or_pending(report, cmp, fresh, consent, "by id, after waiting for Kit's lists", seen)
            if now is not None:
                still.append(now)
        pending = still
        return bool(pending)

    def waiting_for() -> str:
        unlisted = sum(cmp.held is None for cmp in pending)
        tagged = [cmp for cmp in pending if cmp.held is not None]
        tags = sum(c.what == TAG for cmp in tagged for c in differences_of(cmp))
        return ", ".join(part for part in (
            f"{plural(unlisted, 'subscriber')} looked up by email" if unlisted else "",
            f"{plural(tags, 'tag')} on {plural(len(tagged), 'subscriber')}" if tags else "") if part)

    if pending:
        try:
            waits.wait(again, waiting_for)
        except KeyboardInterrupt:
            _interrupted(report, pending, "while waiting for Kit's lists")
            raise
    for cmp in pending:
        _ran_out(report, cmp, confirmed)


def _interrupted(report: VerifyReport, left: list[Comparison], when: str) -> None:
    """Contacts an interrupt left unconfirmed: the differences Kit's list showed, said to be unconfirmed."""
    for cmp in left:
        _report(report, cmp, f"not confirmed: verify was stopped {when}")
    report.interrupted_unconfirmed += len(left)


@dataclass
class Waits:
    """How verify waits for Kit's lists, which lag writes: pauses of FIRST_PAUSE seconds, doubled each
    time, until `deadline` (--settle from the start), saying what it waits for as it goes."""

    report: VerifyReport | None
    deadline: float
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    progress: Progress

    def wait(self, again: Callable[[], bool], waiting_for: Callable[[], str]) -> None:
        """Pause and read what is still pending `again` (True while something still is), until nothing
        is or time runs out; `waiting_for` says what is pending, for the progress lines."""
        assert self.report is not None
        pause = FIRST_PAUSE
        while self.clock() < self.deadline:
            wait = min(pause, max(0.0, self.deadline - self.clock()))
            while wait > 0:  # a line at least every TELL_EVERY seconds, even in a long pause
                self._tell(waiting_for())
                piece = min(wait, TELL_EVERY)
                self.sleep(piece)
                self.report.waited_seconds += piece
                wait -= piece
            pause *= 2
            if not again():
                return

    def _tell(self, what: str) -> None:
        report = self.report
        assert report is not None
        message = (f"Waiting for Kit's lists to show {what}: {report.waited_seconds:.0f} s so far, at most "
                   f"--settle {report.settle:g} s (--settle SECONDS changes it)")
        getattr(self.progress, "status", self.progress.log)(message)


def _check_members(client: KitClient, lists: list[MemberList], contacts: Iterable[Contact],
                   held_of: Callable[[str], HeldSubscriber | None], report: VerifyReport, waits: Waits, *,
                   confirmed: Collection[tuple[str, str]]) -> None:
    """Whether each contact a run adds to a form or sequence is on its list: each list read once, page by
    page until all of them are found; those still missing are read again with doubling pauses until
    `deadline` (its list lags writes), then reported, as "not visible yet" when this run's addition was
    confirmed by Kit. Only contacts Kit holds are checked: one Kit lacks is a difference already."""
    wanted: dict[str, dict[str, Contact]] = {m.key: {} for m in lists}
    for contact in contacts:
        held = held_of(contact.email)
        if held is None or held.state is None:
            continue
        for member_list in lists:
            if member_list.wants(contact, held.state):
                wanted[member_list.key][contact.email.casefold()] = contact
    report.members_checked = {f"{m.what} {m.label}": len(wanted[m.key]) for m in lists}
    missing = {m.key: left for m in lists if (left := _not_listed(client, m, set(wanted[m.key])))}

    def again() -> bool:
        nonlocal missing
        missing = {m.key: left for m in lists if m.key in missing and (left := _not_listed(client, m, missing[m.key]))}
        return bool(missing)

    def waiting_for() -> str:
        return ", ".join(f"{plural(len(missing[m.key]), 'subscriber')} on {m.what} {m.label}"
                         for m in lists if m.key in missing)

    if missing:
        waits.wait(again, waiting_for)
    waited = f" again after waiting {report.waited_seconds:.0f} s for Kit's lists" if report.waited_seconds else ""
    for member_list in lists:
        for email in sorted(missing.get(member_list.key, ())):
            contact = wanted[member_list.key][email]
            change = Change(contact.email, member_list.what, Kind.NEW, None, member_list.label)
            if (email, member_list.key) in confirmed:
                how = f"{NOT_VISIBLE}: Kit confirmed this run's addition; the {member_list.what}'s subscribers, " \
                      f"read{waited}, do not show it"
                report.differences.append(Difference(change, how, lagging=True, member=True))
                continue
            closed = f"; {member_list.closed}" if member_list.closed else ""
            how = f"not among the {member_list.what}'s subscribers, read in full{waited}: a run adds each " \
                  f"subscriber active in Kit and in the file{closed}"
            report.differences.append(Difference(change, how, member=True))


def _not_listed(client: KitClient, member_list: MemberList, emails: set[str]) -> set[str]:
    """Of these lowercased emails, those not on the list: its pages are read until all are found."""
    left = set(emails)
    if left:
        for email in member_list.emails(client):
            left.discard(email.casefold())
            if not left:
                break
    return left


def _settled_or_pending(report: VerifyReport, cmp: Comparison, fresh: HeldSubscriber | None, consent: Mode,
                        how: str, seen: dict[str, HeldSubscriber]) -> Comparison | None:
    """Compare a fresh read and settle it; the comparison to read again when only a lagging list can
    tell (nothing read, or a tag that differs), else None."""
    if fresh is not None:
        seen[cmp.contact.email] = fresh
    now = cmp if fresh is None else compare(cmp.contact, fresh, consent)
    if fresh is None or _list_only(now):
        return now
    _settle(report, now, how)
    return None


def _list_only(cmp: Comparison) -> bool:
    """Whether a contact read by id differs in a tag: its tags come from a list, which lags writes."""
    return any(c.what == TAG for c in differences_of(cmp))


def _ran_out(report: VerifyReport, cmp: Comparison, confirmed: Collection[tuple[str, str]]) -> None:
    """--settle ran out with a list still not showing what the file says: a difference, unless this
    run's own write of it was confirmed by Kit (then the list has not caught up: "not visible yet")."""
    waited = f"after waiting {report.waited_seconds:.0f} s for Kit's lists"
    if cmp.held is None:
        if (cmp.contact.email.casefold(), SUBSCRIBER) in confirmed:
            _report(report, compare(cmp.contact, None), f"{NOT_VISIBLE}: Kit confirmed this run's write; not "
                                                          f"found by email {waited}", lagging=True)
        else:
            _report(report, compare(cmp.contact, None), f"not found by email {waited}")
        return
    report.confirmed_by_id += 1
    found = []
    for change in differences_of(cmp):
        written = change.what == TAG and (change.email.casefold(), f"tag:{(change.file_value or '').casefold()}") \
            in confirmed
        how = (f"{NOT_VISIBLE}: Kit confirmed this run's tagging; its tag list {waited} does not show it"
               if written else f"confirmed by its tag list {waited}" if change.what == TAG
               else "confirmed by id")
        found.append(Difference(change, how, lagging=written))
    report.differences += found


def _current(client: KitClient, cmp: Comparison, tags: bool) -> HeldSubscriber | None:
    """The subscriber as Kit holds it now (by id: consistent), with its tags when the file has some;
    None when Kit's list does not show one for the email yet."""
    held = cmp.held
    if held is None:
        held = find_subscriber(client, cmp.contact.email, include_tags=False)
        if held is None:
            return None
    fresh = get_subscriber(client, held.id)
    if fresh is None:
        return None
    if tags and cmp.contact.tags:
        fresh = dataclasses.replace(fresh, tags=get_subscriber_tags(client, held.id) or ())
    return fresh


def _tags_again(client: KitClient, cmp: Comparison) -> HeldSubscriber | None:
    """A subscriber already read by id, with its tag list read again: only the list can lag."""
    assert cmp.held is not None
    tags = get_subscriber_tags(client, cmp.held.id)
    return None if tags is None else dataclasses.replace(cmp.held, tags=tags)


def _settle(report: VerifyReport, cmp: Comparison, how: str) -> None:
    report.confirmed_by_id += 1
    if _differs(cmp):
        _report(report, cmp, f"confirmed {how}")
    else:
        report.lag_cleared += 1


def _report(report: VerifyReport, cmp: Comparison, confirmed: str, lagging: bool = False) -> None:
    report.differences += [Difference(c, confirmed, lagging) for c in differences_of(cmp)]


def _count_contacts(report: VerifyReport) -> None:
    """Each contact with a difference counts once: as differing when one of them counts, else as not
    visible yet when one is a write Kit confirmed, else as not re-activated (Kit holds them not active),
    else as left active (as the run leaves them)."""
    by_contact: dict[str, list[Difference]] = {}
    for difference in report.differences:
        by_contact.setdefault(difference.change.email, []).append(difference)
    for found in by_contact.values():
        counts = any(d.counts for d in found)
        lagging = not counts and any(d.lagging for d in found)
        report.differing_contacts += counts
        report.not_visible_contacts += lagging
        reactivate = not counts and not lagging and any(d.change.kind is Kind.DIFFERS for d in found)
        report.kept_contacts += reactivate
        report.left_active_contacts += not counts and not lagging and not reactivate


def _write(path: Path, report: VerifyReport, delimiter: str = ",") -> None:
    """The differences CSV (formula-safe, replaced whole); an earlier one is removed when Kit matches."""
    if not report.differences:
        if path.is_file():
            path.unlink(missing_ok=True)
            report.differences_removed = str(path)
        return
    write_csv(path, COLUMNS, ((d.change.email, d.change.what, d.change.kit_value or "", d.change.file_value or "",
                               d.kind, d.confirmed) for d in report.differences), delimiter=delimiter)
    report.differences_path = str(path)


def _bucket(d: Difference) -> str:
    c = d.change
    if c.what == SUBSCRIBER:
        return "missing subscriber"
    if d.member:
        return f"{c.what} membership"
    return {"first name": "first name", TAG: "tag", "state": "state"}.get(c.what, "value")

