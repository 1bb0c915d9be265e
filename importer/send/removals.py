"""--when-removed: what happens in Kit to the people who left the source (importer/decide/leavers.py).

`untag:TAG` removes the tag from them (100 a request with OAuth, one each with an API key) and
`unsubscribe` unsubscribes them (one request each). Before anything is written, each leaver is
read from Kit by id: its email (for the undo file, the diff and the summary; the run memory
keeps none), its state, and for untag whether it holds the tag at all, so that an undo puts
back only a tag that was there. A leaver Kit no longer has, or who does not hold the tag or is
not active any more, needs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from importer.decide.held import Account
from importer.decide.leavers import (NOTHING, UNSUBSCRIBE, UNTAG, Leaver, incomplete, leavers, parse_when_removed,
                                     present, remember)
from importer.decide.run_memory import RunMemory
from importer.errors import KitRequestError
from importer.kit import KitClient, Tagging, bulk_untag_subscribers, list_tags, unsubscribe_subscriber, untag_subscriber
from importer.kit.reads import get_subscriber, get_subscriber_tags
from importer.outputs.undo import REMOVED_TAG, STATE, UndoLine
from importer.outputs.words import plural
from importer.read.files import RowSource
from importer.read.merge import ContactMerger
from importer.records import KitState

CHUNK = 100


@dataclass
class Removals:
    """The removals of one run: who left, what is done to them, and what Kit confirmed."""

    mode: str
    tag: str | None
    leavers: list[Leaver]
    members: int  # the source's members before this run
    tag_id: int | None = None
    due: list[Leaver] = field(default_factory=list)  # the leavers that need the removal (after `resolve`)
    done: list[Leaver] = field(default_factory=list)
    failed: list[tuple[Leaver, str]] = field(default_factory=list)
    gone: list[Leaver] = field(default_factory=list)  # Kit no longer has them: not members any more

    @property
    def what(self) -> str:
        return f"untag {self.tag!r}" if self.mode == UNTAG else "unsubscribe"

    def resolve(self, client: KitClient, account: Account | None = None) -> None:
        """Read-only: the tag's id and, for each leaver, its email, and whether the removal applies."""
        if self.mode == UNTAG:
            found = next((t for t in list_tags(client) if t.name.casefold() == (self.tag or "").casefold()), None)
            self.tag_id = found.id if found is not None else None
            if self.tag_id is None:
                return  # Kit has no such tag: nobody holds it
        held = {s.id: s for s in account.subscribers.values()} if account is not None else {}
        for leaver in self.leavers:
            sub = held.get(leaver.subscriber_id) or get_subscriber(client, leaver.subscriber_id)
            if sub is None:
                self.gone.append(leaver)
                continue
            leaver.email = sub.email
            if self.mode == UNSUBSCRIBE:
                if sub.state in (KitState.ACTIVE, None):
                    self.due.append(leaver)
                continue
            tags = sub.tags if sub.tags is not None else get_subscriber_tags(client, leaver.subscriber_id)
            if any(t.id == self.tag_id or t.name.casefold() == (self.tag or "").casefold() for t in tags or ()):
                self.due.append(leaver)

    def requests(self, bulk: bool) -> int:
        """Write requests the removals take."""
        if self.mode == UNTAG and bulk:
            return -(-len(self.due) // CHUNK)
        return len(self.due)

    def undo_lines(self) -> Iterator[UndoLine]:
        """A removed tag, which undo puts back; an unsubscribe, which undo lists and never reverses."""
        for leaver in self.due:
            if self.mode == UNTAG:
                yield UndoLine(leaver.email or "", leaver.subscriber_id, REMOVED_TAG, self.tag or "")
            else:
                yield UndoLine(leaver.email or "", leaver.subscriber_id, STATE, kit_value=KitState.ACTIVE.value)

    def diff_lines(self) -> Iterator[tuple[str, ...]]:
        """The --diff lines: email, what, change, Kit's value, the file's value, why."""
        for leaver in self.due:
            if self.mode == UNTAG:
                yield (leaver.email or "", "tag", "removed", self.tag or "", "", "left the source")
            else:
                yield (leaver.email or "", "state", "unsubscribed", KitState.ACTIVE.value, "", "left the source")

    def send(self, client: KitClient) -> None:
        """Remove: every leaver due ends in `done` or `failed` (a KitFatalError stops the run)."""
        if self.mode == UNTAG and client.credential.can_bulk:
            for start in range(0, len(self.due), CHUNK):
                self._bulk_untag(client, self.due[start:start + CHUNK])
            return
        for leaver in self.due:
            try:
                if self.mode == UNTAG:
                    assert self.tag_id is not None
                    untag_subscriber(client, self.tag_id, leaver.subscriber_id)
                else:
                    unsubscribe_subscriber(client, leaver.subscriber_id)
            except KitRequestError as e:
                self.failed.append((leaver, str(e)))
                continue
            self.done.append(leaver)

    def _bulk_untag(self, client: KitClient, batch: list[Leaver]) -> None:
        assert self.tag_id is not None
        sent = [Tagging(self.tag_id, leaver.subscriber_id) for leaver in batch]
        try:
            result = bulk_untag_subscribers(client, sent)
        except KitRequestError as e:
            self.failed += [(leaver, str(e)) for leaver in batch]
            return
        confirmed = set(result.items)
        for leaver, tagging in zip(batch, sent):
            if result.queued or tagging in confirmed:
                self.done.append(leaver)
            else:
                self.failed.append((leaver, "Kit did not remove the tag"))

    def still_members(self) -> list[Leaver]:
        """Leavers to keep as members: those whose removal was due and not confirmed, to try again."""
        done = {leaver.key for leaver in self.done}
        return [leaver for leaver in self.due if leaver.key not in done]

    def summary(self, dry_run: bool) -> str:
        """`3 subscribers left the source: 2 untagged (Customers), 1 did not hold the tag`; blank when none left."""
        if not self.leavers:
            return ""
        left = f"{plural(len(self.leavers), 'subscriber')} left the source"
        if self.mode == UNTAG and self.tag_id is None:
            return f"{left}; Kit has no tag {self.tag!r}, so there is nothing to remove"
        verb = ("would be untagged" if dry_run else "untagged") if self.mode == UNTAG else \
            ("would be unsubscribed" if dry_run else "unsubscribed")
        count = len(self.due) if dry_run else len(self.done)
        parts = [f"{count:,} {verb}" + (f" ({self.tag})" if self.mode == UNTAG else "")]
        if len(self.failed):
            parts.append(f"{len(self.failed):,} refused by Kit (tried again next run)")
        idle = len(self.leavers) - len(self.due) - len(self.gone)
        if idle:
            parts.append(f"{idle:,} " + ("did not hold the tag" if self.mode == UNTAG else "not active already"))
        if self.gone:
            parts.append(f"{len(self.gone):,} no longer in Kit")
        line = f"{left}: {', '.join(parts)}"
        if self.mode == UNSUBSCRIBE and self.due:
            line += "; an unsubscribe cannot be undone"
        return line


def find_removals(settings: Any, source: RowSource, email_column: int, contacts: ContactMerger,
                  state: RunMemory | None, report: Any) -> tuple[Removals | None, set[str]]:
    """The run's removals (no request to Kit), or None with a note saying why there are none; and
    the digests of the source's emails, for `remember_members`."""
    mode, tag = parse_when_removed(settings.when_removed)
    if mode == NOTHING:
        return None, set()
    named = settings.named("when_removed")
    if state is None:
        report.notes.append(f"{named} needs a state file (--state, or a config's): no one was removed")
        return None, set()
    why = incomplete(source, report.rows_read)
    if why is not None:
        report.notes.append(f"{named} acts only on a complete source, and {why}: no one was removed")
        return None, set()
    keys = present(source, email_column, contacts)
    found, count = leavers(state, keys)
    if not count:
        report.notes.append(f"first run with {named} on this state file: it acts on those who leave from the next run")
    report.left_source = len(found)
    return Removals(mode, tag, found, count), keys


def removal_brake(settings: Any, report: Any, changes: int, removals: Removals | None) -> str | None:
    """Why the removals must stop the run before anything is written (a half-empty export), or None.
    Every removal is a change for --max-changes; without it, more than half the members leaving stops."""
    if removals is None or not removals.leavers:
        return None
    left = len(removals.leavers)
    if settings.max_changes is not None:
        share = 100 * (changes + left) / max(1, report.contacts + left)
        if share > settings.max_changes:
            return (f"the brake stopped the run before writing: {plural(left, 'subscriber')} left the source and "
                    f"{plural(changes, 'contact')} would change, {share:.1f}% of {report.contacts + left:,}, over "
                    f"the {settings.max_changes:g}% that {settings.named('max_changes')} allows")
        return None
    if 2 * left > removals.members:
        return (f"the brake stopped the run before writing: {left:,} of the {removals.members:,} subscribers earlier "
                f"runs imported left the source, more than half; set {settings.named('max_changes')} to the share "
                f"of changes to allow")
    return None


def remember_members(state: RunMemory, keys: set[str], removals: Removals | None) -> None:
    """After a run that finished (not stopped, not a dry run): the source's members for the next run."""
    if removals is not None:
        remember(state, keys, removals.still_members())


def report_removals(report: Any, removals: Removals | None, dry_run: bool) -> None:
    """The removals' figures and summary line in the report."""
    if removals is None:
        return
    report.removals = removals.summary(dry_run)
    report.planned_removals = len(removals.due)
    report.removed = len(removals.done)
    report.removals_refused = len(removals.failed)
