"""What an action is: one optional Kit write of a run (tags, a form, unsubscribes...), told in one place.

The run, the comparison with Kit, the run memory, the dry run, the report and the undo file
call these hooks on each action of the run and know none of them by name. An action says:
- which settings ask for it (`wanted`) and what to warn of first (`notes`);
- its target in Kit, read before anything is written (`resolve`), then, once the run knows its
  contacts, the rest of it (`prepare`), and what it creates after every check has passed (`create`);
- which contacts it applies to (`needs`: the contact must be upserted, since only Kit's answer
  says whether it applies; `count`: at most how many of its writes a contact takes);
- its stages (`stages`) and their requests (`requests`), for the dry run's estimate;
- its figures and summary lines (`Figures`), its undo lines (`undo_lines`), and its key in the
  run memory (`key`), which marks what Kit confirmed so that a nightly run does not repeat it;
- for `verify`, how it shapes the contacts compared (`amend`) and the lists in Kit it puts people
  on (`member_lists`: a form's, a sequence's subscribers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar

from importer.kit import KitClient, batches
from importer.records import Contact, KitState, Outcome

if TYPE_CHECKING:
    from importer.decide.held import Account
    from importer.decide.run_memory import RunMemory
    from importer.read.files import RowSource
    from importer.read.merge import ContactMerger
    from importer.decide.compare import Comparison
    from importer.decide.tally import Tally
    from importer.outputs.undo import UndoLine
    from importer.read.columns import ColumnPlan
    from importer.send.stages.base import Stage
    from importer.settings.declaration import Settings

LEFT = "left"  # in a contact's `confirmed`: Kit holds them not active (the run memory's knowledge)


def kit_active(kit_state: KitState | None, confirmed: frozenset[str]) -> bool:
    """Whether Kit holds the subscriber active, or may: its state when known, else what the run memory says."""
    return kit_state is KitState.ACTIVE if kit_state is not None else LEFT not in confirmed


def file_active(contact: Contact) -> bool:
    """Whether the file has the person subscribed (or says nothing of it)."""
    return contact.state in (None, KitState.ACTIVE)


def per_request(count: int, bulk: bool) -> int:
    """Requests for `count` writes: filled to Kit's bulk limit with OAuth, one each otherwise."""
    return batches(count) if bulk else count


@dataclass(frozen=True)
class MemberList:
    """A list in Kit that an action puts people on (a form's or a sequence's subscribers), as `verify`
    checks it: whom the action adds, by the action's own rule, and the list's members as Kit lists them."""

    what: str  # "form" or "sequence": the `what` of its differences
    label: str  # "Newsletter (id 3)"
    key: str  # the run memory's mark of an addition Kit confirmed ("form:3")
    wants: Callable[[Contact, KitState], bool]  # whether a run adds this contact, Kit holding it in this state
    emails: Callable[[KitClient], Iterator[str]]  # its members' emails as Kit lists them, page by page
    closed: str | None = None  # why Kit refuses every addition to it (an inactive sequence), when known


@dataclass
class Figures:
    """An action's figures in the run's report: each field is one key of the report's JSON.

    Every registered action's figures are in the report, zero when the run did not ask for it,
    so that the JSON keeps one shape. The summary lines say what the figures mean.
    """

    with_states: ClassVar[bool] = False  # its lines go with the consent lines, right after the counts

    def tally(self, outcome: Outcome) -> None:
        """Count what Kit confirmed (or refused) for one contact."""

    def plan_lines(self) -> list[tuple[str, str]]:
        """A dry run's (label, text) lines: what a real run would send."""
        return []

    def result_lines(self) -> list[tuple[str, str]]:
        """A run's (label, text) lines: what Kit confirmed."""
        return []

    def created_lines(self, dry_run: bool) -> list[tuple[str, str]]:
        """(label, text) lines for what the run creates in Kit for the action (tags, say)."""
        return []

    def closing(self) -> str:
        """What the run's closing line says of it (`2 subscribers unsubscribed`), or nothing."""
        return ""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class Count:
    """At most how many writes an action takes for a run's contacts, counted in the pass over them."""

    def __init__(self, action: Action) -> None:
        self.action = action
        self.items = 0

    @property
    def include_tags(self) -> bool:
        """Whether a read of Kit for this run must include each subscriber's tags."""
        return False

    def add(self, contact: Contact) -> None:
        self.items += self.action.count(contact)


class Action:
    """One optional Kit write. Subclasses set `name` and `figures_type`, and override the hooks they need."""

    name: ClassVar[str] = ""
    figures_type: ClassVar[type[Figures]] = Figures
    # `verify` checks what it wrote: it is resolved first, its `amend` shapes the contacts compared, and
    # who is on its `member_lists` is read
    verified: ClassVar[bool] = False
    taken_back: ClassVar[bool] = True  # `undo` can take back what it writes (not a form addition)

    def __init__(self) -> None:
        self.figures = self.figures_type()

    @classmethod
    def wanted(cls, settings: Settings, columns: ColumnPlan) -> Action | None:
        """The action, if these settings and this file ask for it."""
        return None

    @staticmethod
    def notes(settings: Settings) -> list[str]:
        """What the user should know before the run starts (a form's incentive email, say)."""
        return []

    @property
    def key(self) -> str:
        """Its mark in the run memory and in `Outcome.done` for what Kit confirmed (`form:12`)."""
        return self.name

    def resolve(self, client: KitClient) -> None:
        """Read its target in Kit, before anything is written; a ConfigError when Kit lacks it."""

    def amend(self, contact: Contact) -> Contact:
        """The contact as this action wants it sent (--tag adds its tags)."""
        return contact

    def needs(self, contact: Contact, kit_state: KitState | None, confirmed: frozenset[str]) -> bool:
        """Whether the contact must go through the upsert for this action: only Kit's answer says
        whether it applies. `kit_state` is what a read of Kit holds (None: not read), `confirmed`
        what the run memory knows: it may only ever take a need away (the comparison reads it only
        for the contacts some action needs without it)."""
        return False

    def count(self, contact: Contact) -> int:
        """At most how many of its writes this contact takes."""
        return int(self.needs(contact, None, contact.confirmed))

    def counter(self) -> Count:
        return Count(self)

    def prepare(self, client: KitClient, count: Count) -> None:
        """Once the run knows its contacts: read what else it needs of Kit (read-only)."""

    def reword(self, report: Any) -> None:
        """After `prepare`: put the plan's figures in Kit's words (a tag as Kit spells it)."""

    def create(self, client: KitClient) -> None:
        """After every check that can stop the run: create what it needs in Kit."""

    def stages(self, client: KitClient) -> list[Stage]:
        """Its stages for this client's credential, run after the upserts."""
        return []

    def requests(self, count: Count, bulk: bool) -> int:
        """Write requests its stages send for `count`."""
        return 0

    def creations(self, bulk: bool) -> int:
        """Requests `create` sends."""
        return 0

    def read_saves(self, count: Count, bulk: bool) -> int:
        """Of its writes, the requests a read of Kit could save (what Kit holds already)."""
        return 0

    def plan(self, count: Count, tally: Tally | None = None) -> None:
        """Put a dry run's figures in `self.figures`; `tally` is the comparison with Kit, when the run read it."""

    def undo_lines(self, comparison: Comparison) -> Iterable[UndoLine]:
        """The undo lines of what it changes for one contact Kit holds."""
        return ()

    def member_lists(self) -> list[MemberList]:
        """After `resolve`: the lists in Kit it puts people on, for `verify` to check who is on them."""
        return []

    # Hooks for writes to people who are not among the file's contacts (--when-removed's leavers).

    def gather(self, seen: Seen) -> None:
        """Once the file is read and the run knows what it sends: what the action acts on beyond the
        file's contacts, with read-only requests at most (and none when its own brake stops the run)."""

    def brake(self) -> str | None:
        """Why its writes must stop the run before anything is written (`gather` decided), or None."""
        return None

    def diff_lines(self) -> Iterable[tuple[str, ...]]:
        """--diff lines for what it changes beyond the file's contacts."""
        return ()

    def extra_undo_lines(self) -> Iterable[UndoLine]:
        """Undo lines for what it changes beyond the file's contacts, saved before anything is written."""
        return ()

    def finish(self, client: KitClient) -> None:
        """After the stages of a run that was not stopped: its writes beyond the file's contacts, and
        what the run memory keeps of them."""


@dataclass
class Seen:
    """What the run knows when the actions `gather`: the source and its contacts, the run memory,
    the report, how many contacts the run changes, and what it read of Kit (if it did)."""

    client: KitClient
    settings: Settings
    source: RowSource
    email_column: int
    contacts: ContactMerger
    state: RunMemory | None
    report: Any
    changes: int
    account: Account | None
