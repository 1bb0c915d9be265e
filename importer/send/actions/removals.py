"""The --when-removed action: what happens in Kit to the people who left the source
(importer/decide/leavers.py), the one action whose writes go to people not among the file's contacts.

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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importer.decide.run_memory import RunMemory
    from importer.decide.tally import Tally
    from importer.read.columns import ColumnPlan
    from importer.settings.declaration import Settings

from importer.decide.held import Account
from importer.decide.leavers import (NOTHING, UNSUBSCRIBE, UNTAG, Leaver, incomplete, leavers, parse_when_removed,
                                     present, rejected_reading, remember)
from importer.errors import KitRequestError
from importer.kit import (KitClient, Tagging, batched, batches, bulk_untag_subscribers, list_tags, match,
                          unsubscribe_subscriber, untag_subscriber)
from importer.kit.reads import get_subscriber, get_subscriber_tags
from importer.outputs.undo import REMOVED_TAG, STATE, UndoLine
from importer.outputs.words import plural
from importer.send.actions.base import Action, Count, Figures, Seen
from importer.records import KitState



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
    resolved: bool = False  # `resolve` read them: a braked run never does, so it knows nothing of them

    @property
    def what(self) -> str:
        return f"untag {self.tag!r}" if self.mode == UNTAG else "unsubscribe"

    def resolve(self, client: KitClient, account: Account | None = None) -> None:
        """Read-only: the tag's id and, for each leaver, its email, and whether the removal applies."""
        self.resolved = True
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
            return batches(len(self.due))
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
            for leavers in batched(self.due):
                self._bulk_untag(client, leavers)
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
        matched = match(sent, [(t, t) for t in result.items], [(f.item, f) for f in result.failures])
        confirmed = {index for index, _ in matched.done}
        for index, leaver in enumerate(batch):
            if result.queued or index in confirmed:
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
        if not self.resolved:  # the brake stopped the run before it read them
            return f"{left}: none {'untagged' if self.mode == UNTAG else 'unsubscribed'}, the run stopped first"
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



@dataclass
class RemovalFigures(Figures):
    """The report's --when-removed figures."""

    when_removed: str = "nothing"
    left_source: int = 0  # subscribers earlier runs imported from the source that are no longer in it
    planned_removals: int = 0  # of them, those the removal applies to (holding the tag, active)
    removed: int = 0  # removals Kit confirmed
    removals_refused: int = 0
    removals: str = ""  # the summary's line

    def plan_lines(self) -> list[tuple[str, str]]:
        return [("Left the source", self.removals)] if self.removals else []

    def result_lines(self) -> list[tuple[str, str]]:
        return self.plan_lines()

    def closing(self) -> str:
        """`2 who left the source untagged`: the closing line (and so each alert) tells of the removals too."""
        if not self.removed:
            return ""
        done = "unsubscribed" if self.when_removed == UNSUBSCRIBE else "untagged"
        return f"{plural(self.removed, 'subscriber')} who left the source {done}"


class WhenRemoved(Action):
    """Untags or unsubscribes the people an earlier run imported from this source who are no longer in it."""

    name = "when_removed"
    figures_type = RemovalFigures
    figures: RemovalFigures

    def __init__(self, mode: str, tag: str | None) -> None:
        super().__init__()
        self.mode, self.tag = mode, tag
        self.figures.when_removed = f"untag:{tag}" if tag else mode
        self.removals: Removals | None = None
        self.present: set[str] = set()
        self.state: RunMemory | None = None
        self.stop: str | None = None
        self.dry_run = False

    @classmethod
    def wanted(cls, settings: Settings, columns: ColumnPlan) -> WhenRemoved | None:
        mode, tag = parse_when_removed(settings.when_removed)
        return None if mode == NOTHING else cls(mode, tag)

    def gather(self, seen: Seen) -> None:
        """Who left (no request), the brake on it, then (unless braked) each leaver read from Kit."""
        named, report = seen.settings.named("when_removed"), seen.report
        self.dry_run = seen.settings.dry_run
        if seen.state is None:
            report.notes.append(f"{named} needs a state file (--state, or a config's): no one was removed")
            return
        why = incomplete(seen.source, report.rows_read)
        if why is not None:
            report.notes.append(f"{named} acts only on a complete source, and {why}: no one was removed")
            return
        if report.rows_refused:  # nothing is sent yet: every row refused so far was rejected while reading
            # Its email is unknown, so its person may still be in the source: nobody counts as gone
            # tonight, and the members stay as the last complete run left them.
            self.figures.removals = f"not acted on: {rejected_reading(report.rows_refused)}"
            return
        self.state, self.present = seen.state, present(seen.source, seen.email_column, seen.contacts)
        found, count = leavers(seen.state, self.present)
        if not count:
            report.notes.append(f"first run with {named} on this state file: it acts on those who leave from the "
                                "next run")
        self.removals = Removals(self.mode, self.tag, found, count)
        self.figures.left_source = len(found)
        self.stop = removal_brake(seen.settings, report.contacts, seen.changes, self.removals)
        if self.stop is None:
            self.removals.resolve(seen.client, seen.account)
        self._figures()

    def brake(self) -> str | None:
        return self.stop

    def requests(self, count: Count, bulk: bool) -> int:
        return self.removals.requests(bulk) if self.removals is not None else 0

    def plan(self, count: Count, tally: Tally | None = None) -> None:
        self._figures()

    def diff_lines(self) -> Iterator[tuple[str, ...]]:
        return self.removals.diff_lines() if self.removals is not None else iter(())

    def extra_undo_lines(self) -> Iterator[UndoLine]:
        return self.removals.undo_lines() if self.removals is not None else iter(())

    def finish(self, client: KitClient) -> None:
        """Send the removals, then keep the source's members for the next run."""
        if self.removals is None or self.state is None:
            return
        self.removals.send(client)
        remember(self.state, self.present, self.removals.still_members())
        self._figures()

    def _figures(self) -> None:
        if self.removals is None:
            return
        self.figures.removals = self.removals.summary(self.dry_run)
        self.figures.planned_removals = len(self.removals.due)
        self.figures.removed = len(self.removals.done)
        self.figures.removals_refused = len(self.removals.failed)


def removal_brake(settings: Settings, contacts: int, changes: int, removals: Removals) -> str | None:
    """Why the removals must stop the run before anything is written (a half-empty export), or None.
    Every removal is a change for --max-changes; without it, more than half the members leaving stops."""
    if not removals.leavers:
        return None
    left = len(removals.leavers)
    if settings.max_changes is not None:
        share = 100 * (changes + left) / max(1, contacts + left)
        if share > settings.max_changes:
            return (f"the brake stopped the run before writing: {plural(left, 'subscriber')} left the source and "
                    f"{plural(changes, 'contact')} would change, {share:.1f}% of {contacts + left:,}, over "
                    f"the {settings.max_changes:g}% that {settings.named('max_changes')} allows; if they did leave, "
                    "run once with --max-changes 100")
        return None
    if 2 * left > removals.members:
        return (f"the brake stopped the run before writing: {left:,} of the {removals.members:,} subscribers earlier "
                f"runs imported left the source, more than half; set {settings.named('max_changes')} to the share "
                f"of changes to allow")
    return None
