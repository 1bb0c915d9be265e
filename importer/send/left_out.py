"""The people --skip-unsubscribed left out whom Kit holds active: unsubscribed all the same.

Skipping means "do not create or update these people", not "ignore their opt-out" (the first
promise): their rows are still counted as skipped, nobody is created and no value is written,
but a person the file says opted out whom Kit holds active is unsubscribed, as the consent
policy (decide/unsubscribes.py) says. Kit's state comes from the run's read of the whole
account when it made one, else from one lookup by email each (a read of the subscriber list by email,
which never creates anyone); an unsubscribe is one request each, with either credential.
"""

from __future__ import annotations

from collections import Counter

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from importer.decide.compare import STATE, state_changes
from importer.decide.held import Account
from importer.decide.unsubscribes import Kept, Mode, decide, owed
from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import KitClient, unsubscribe_subscriber
from importer.kit.reads import HeldSubscriber, find_subscriber
from importer.outputs.words import plural
from importer.read.rows import reject
from importer.records import Contact, KitState, Rejection

if TYPE_CHECKING:
    from importer.decide.difference import Differ
    from importer.decide.run_memory import RunMemory
    from importer.decide.tally import Tally
    from importer.decide.work import Work
    from importer.outputs.report import RunReport
    from importer.read.consent import ConsentGuard
    from importer.settings.declaration import Settings

NOT_UNSUBSCRIBED = "not unsubscribed"
UNSUBSCRIBE = "unsubscribe"  # the unsubscribe action's name: its figures count these too


@dataclass
class LeftOut:
    """What became of the skipped opt-outs: unsubscribed, kept active (and why), planned, or not done (and why)."""

    unsubscribed: list[Contact] = field(default_factory=list)
    planned: int = 0  # a dry run's: those it would unsubscribe (exact after a whole read, else at most)
    planned_as: Counter = field(default_factory=Counter)  # of `planned`: the file's state -> how many
    kept: dict[str, Kept] = field(default_factory=dict)
    kept_as: dict[str, str] = field(default_factory=dict)  # of `kept`: email -> the file's state
    failed: list[tuple[Contact, str]] = field(default_factory=list)
    lookups: int = 0
    seen: list[tuple[str, KitState, KitState]] = field(default_factory=list)  # for the run memory: (email, file, Kit)


def whole(account: Account | None, refreshed: bool) -> Account | None:
    """The account, when the run's read holds every subscriber Kit has (not only the file's, nor a refresh)."""
    if account is None or refreshed:
        return None
    return account if account.total is None or len(account) >= account.total else None


def settle_left_out(client: KitClient, people: Iterable[Contact], mode: Mode, account: Account | None,
                    dry_run: bool = False) -> LeftOut:
    """Unsubscribe each skipped opt-out Kit holds active, as the policy says (a dry run only counts them)."""
    done = LeftOut()
    for contact in people:
        if dry_run and account is None:  # a rehearsal looks nobody up: at most this many
            done.planned += 1
            continue
        try:
            held = account.get(contact.email) if account is not None else _look_up(client, contact, done)
            _settle(client, contact, held, mode, done, dry_run)
        except (KitRequestError, KitUnavailableError) as e:
            detail = "; ".join(e.errors) if isinstance(e, KitRequestError) and e.errors else str(e)
            done.failed.append((contact, detail))
    return done


def _look_up(client: KitClient, contact: Contact, done: LeftOut) -> HeldSubscriber | None:
    done.lookups += 1
    return find_subscriber(client, contact.email)


def _settle(client: KitClient, contact: Contact, held: HeldSubscriber | None, mode: Mode, done: LeftOut,
            dry_run: bool) -> None:
    if held is None:  # not in Kit: nothing to unsubscribe, and skipping creates nobody
        return
    if contact.state is not None and held.state is not None:
        done.seen.append((contact.email, contact.state, held.state))
    verdict = decide(contact, held.state, held.created_at, mode)
    if verdict.kept is not None:
        done.kept[contact.email] = verdict.kept
        done.kept_as[contact.email] = str(contact.state)
    if not verdict.unsubscribe:
        return
    if dry_run:
        done.planned += 1
        done.planned_as[str(contact.state)] += 1
        return
    unsubscribe_subscriber(client, held.id)
    done.unsubscribed.append(contact)
    if contact.state is not None:
        done.seen.append((contact.email, contact.state, KitState.CANCELLED))


def left_out_diff(guard: ConsentGuard | None, differ: Differ | None, mode: Mode, skip: str) -> list[tuple[str, ...]]:
    """The --diff lines of the skipped opt-outs, which the run settles after the file's contacts: an unsubscribe
    of someone Kit holds active is a change like any other. `skip` names --skip-unsubscribed for the why."""
    if guard is None or not guard.opt_outs or differ is None or mode is Mode.KEEP:
        return []
    why = f"a row {skip} left out"
    held_all = whole(differ.account, differ.refreshed)
    lines: list[tuple[str, ...]] = []
    for contact in guard.opt_outs.values():
        held = (held_all or differ.account).get(contact.email)
        if held is None and held_all is None:  # not read: the run looks them up, and unsubscribes them if active
            lines.append((contact.email, STATE, "changed", "(not read: unsubscribed if Kit holds them active)",
                          str(contact.state), why))
            continue
        for change in state_changes(contact, held, mode):
            lines.append((change.email, change.what, str(change.kind), change.kit_value or "",
                          change.file_value or "", f"{change.why}; {why}" if change.why else why))
    return lines


def unsubscribe_left_out(client: KitClient, settings: Settings, report: RunReport, guard: ConsentGuard | None,
                         differ: Differ | None, errors: dict[int, list[str]] | None = None,
                         state: RunMemory | None = None) -> None:
    """The run's step: settle the skipped opt-outs (not with --keep-kit-state, which has no unsubscribe
    action) and put them in the report; an unsubscribe Kit refused rejects that person's skipped rows.
    With a run memory, an opt-out an earlier run saw honoured is not looked up again (as for the file's
    contacts), and what this run saw is remembered."""
    from importer.send.actions.unsubscribes import UnsubscribeFigures  # the action's figures count these too
    figures = report.actions.get(UNSUBSCRIBE)
    if guard is None or not guard.opt_outs or not isinstance(figures, UnsubscribeFigures):
        return
    held = whole(differ.account, differ.refreshed) if differ is not None else None
    people = list(guard.opt_outs.values())
    if state is not None and not settings.full:
        for contact in people:
            contact.confirmed = state.confirmed(contact.email)
        if held is None:
            spared = sum(not owed(contact, settings.consent) for contact in people)
            people = [contact for contact in people if owed(contact, settings.consent)]
            _note_spared(report, settings, spared)
    done = settle_left_out(client, people, settings.consent, held, settings.dry_run)
    if state is not None and not settings.dry_run and done.seen:
        state.remember_consent(done.seen)
    figures.left_out(done, exact=held is not None)
    for email, kept in done.kept.items():
        report.keep_active(email, kept.value, done.kept_as[email])
    for contact, detail in done.failed:
        for row in contact.rows:
            if errors is not None:
                reject(Rejection(row, NOT_UNSUBSCRIBED, detail), report, errors)
                report.rows_skipped -= 1


def brake_left_out(settings: Settings, report: RunReport, guard: ConsentGuard | None, differ: Differ | None,
                   work: Work, tally: Tally | None) -> str | None:
    """--max-changes over the unsubscribes of skipped people too (no undo takes one back): exact after a read
    of the whole account, else each skipped opt-out counted as one, so a broken export never slips past."""
    if settings.max_changes is None or guard is None or not guard.opt_outs or settings.consent is Mode.KEEP:
        return None
    held = whole(differ.account, differ.refreshed) if differ is not None else None
    if held is not None:
        found = [(c, h) for c in guard.opt_outs.values() if (h := held.get(c.email)) is not None]
        changed = sum(decide(c, h.state, h.created_at, settings.consent).unsubscribe for c, h in found)
        existing = len(found)
    else:
        changed = existing = len(guard.opt_outs)
    if not changed:
        return None
    before, of = (tally.changed_existing, tally.existing) if tally is not None else (work.count, report.contacts)
    share = 100 * (before + changed) / (of + existing)
    if share <= settings.max_changes:
        return None
    return (f"the brake stopped the run before writing: {share:.1f}% of the subscribers would change (with "
            f"{'' if held is not None else 'up to '}{changed:,} unsubscribes of people "
            f"{settings.named('skip_unsubscribed')} left out), over the {settings.max_changes:g}% that "
            f"{settings.named('max_changes')} allows")


def _note_spared(report: RunReport, settings: Settings, spared: int) -> None:
    if not spared:
        return
    report.opt_outs_unchecked += spared
    were = "was" if spared == 1 else "were"
    report.notes.append(f"{plural(spared, 'person', 'people')} {settings.named('skip_unsubscribed')} left out "
                        f"{were} not checked against Kit this run: an earlier run saw the opt-out honoured; "
                        f"{settings.named('compare')} always checks them")
