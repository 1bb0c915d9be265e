"""Tags: the Tags column's tags and --tag's, added to each imported subscriber (never removed).

The action reads Kit's tags once the run knows every tag name it applies, creates the missing
ones after every check that can stop the run, and runs one of two stages once the subscriber
exists. With OAuth, `BulkTaggings` packs 100 taggings a request across subscribers and needs their
ids. With an API key, `SingleTaggings` tags one subscriber by email a request. A tagging Kit
refuses is a problem of that contact (`tag not applied: NAME: <Kit's message>`); the contact
and its other taggings stand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from importer.decide.compare import TAG, Comparison
from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import BULK_LIMIT, BulkResult, KitClient, Tag, Tagged, Tagging, bulk_tag_subscribers, tag_subscriber
from importer.outputs.undo import UndoLine
from importer.read.tags import TagBook, counted_once, listed, unique
from importer.records import REASON_KIT_UNAVAILABLE, STOPPED_BEFORE_SENDING, Contact, Outcome, Status
from importer.send.actions.base import Action, Count, Figures, per_request
from importer.send.stages.base import Stage

if TYPE_CHECKING:
    from importer.decide.tally import Tally
    from importer.read.columns import ColumnPlan
    from importer.settings.declaration import Settings

TagItem = tuple[Outcome, Tag]
NOT_APPLIED = "tag not applied"


class _Taggings(Stage):
    """What both taggings stages share: a tagging per tag name a contact carries, and how a result is told."""

    needs_id = True

    def __init__(self, client: KitClient, tags: Mapping[str, Tag]) -> None:
        self.client = client
        self.tags = tags  # tag name folded (casefold) -> Kit's tag

    def items(self, outcome: Outcome) -> list[TagItem]:
        return [(outcome, self.tags[name.casefold()]) for name in outcome.contact.tags]

    def abandon(self, outcome: Outcome, why: str) -> None:
        done = {n.casefold() for n in outcome.tagged}
        for name in outcome.contact.tags:
            if name.casefold() not in done:
                outcome.problems.append((NOT_APPLIED, f"{self.tags[name.casefold()].name}: "
                                                      f"{STOPPED_BEFORE_SENDING}: {why}"))


def _tell(outcome: Outcome, tag: Tag, error: str | None) -> None:
    """Record one tagging's fate: confirmed, or refused with Kit's words."""
    if error is None:
        outcome.tagged.append(tag.name)
    else:
        outcome.problems.append((NOT_APPLIED, f"{tag.name}: {error}"))


def _refusal(error: KitRequestError | KitUnavailableError) -> str:
    if isinstance(error, KitUnavailableError):
        return f"{REASON_KIT_UNAVAILABLE}: {error}"
    return "; ".join(error.errors) or str(error)


class BulkTaggings(_Taggings):
    """OAuth: Kit's bulk tagging, 100 taggings a request packed across subscribers."""

    size = BULK_LIMIT  # Kit's bulk limit: requests are filled to it, never past it

    def send(self, batch: list[TagItem]) -> BulkResult[Tagging]:
        return bulk_tag_subscribers(self.client, [Tagging(tag.id, o.subscriber_id) for o, tag in batch])

    def settle(self, batch: list[TagItem], answer: BulkResult[Tagging] | KitRequestError | KitUnavailableError) -> None:
        results = _results(batch, answer)
        for index, ((outcome, tag), result) in enumerate(zip(batch, results)):
            if isinstance(result, _Unsure):
                if result.group[0] == index:  # one problem for the group: Kit did not say which of them
                    names = " or ".join(batch[i][1].name for i in result.group)
                    outcome.problems.append((NOT_APPLIED, f"{names}: {result.text} (Kit did not say which)"))
            else:
                _tell(outcome, tag, result)


class _Unsure:
    """One refusal that Kit gave without the tag, for a subscriber with several taggings it cannot be told between."""

    def __init__(self, group: list[int], text: str) -> None:
        self.group, self.text = group, text


def _results(batch: list[TagItem], answer: BulkResult[Tagging] | KitRequestError | KitUnavailableError
             ) -> list[str | _Unsure | None]:
    """Per tagging: None when Kit confirmed it, else why not.

    Kit names a refused tagging by tag and subscriber, with the part it does not know as null;
    it confirms a tagging by listing the subscriber, once per tagging, without the tag. So
    failures are matched exactly first, then by the part they name: a failure without the
    subscriber goes to a subscriber Kit did not list; one without the tag goes to a tag that
    no other subscriber of the request was confirmed with, and when several of the subscriber's
    tags still fit, the refusal is told of them together (`_Unsure`), none counted as applied.
    A tagging is confirmed while its subscriber has listings left.
    """
    if isinstance(answer, (KitRequestError, KitUnavailableError)):
        return [_refusal(answer)] * len(batch)
    if answer.queued:
        return ["Kit queued the request instead of answering it; nothing was confirmed"] * len(batch)
    results: list[str | _Unsure | None] = [None] * len(batch)
    pending = dict.fromkeys(range(len(batch)))
    listed = Counter(t.subscriber_id for t in answer.items)
    key = [(tag.id, o.subscriber_id) for o, tag in batch]
    per_subscriber = Counter(sub for _, sub in key)
    # A tag is known good when a subscriber with it was listed once per tagging it has here.
    good = {tag for tag, sub in key if listed[sub] >= per_subscriber[sub]}
    bad: set[int] = set()  # tags a failure was pinned on: a tag Kit lacks fails for everyone
    failures = sorted(answer.failures, key=lambda f: (f.item.tag_id is None) + (f.item.subscriber_id is None))
    for attempt in ("sure", "last"):
        for failure in list(failures):
            tag_id, sub_id = failure.item.tag_id, failure.item.subscriber_id
            fits = [i for i in pending if (tag_id is None or key[i][0] == tag_id)
                    and (sub_id is None or key[i][1] == sub_id)]
            if sub_id is None:
                fits = [i for i in fits if not listed[key[i][1]]] or fits
            elif tag_id is None:
                fits = [i for i in fits if key[i][0] in bad] or [i for i in fits if key[i][0] not in good] or fits
            if len(fits) > 1 and tag_id is None and sub_id is not None and attempt == "sure":
                continue  # perhaps a later failure pins the tag down
            failures.remove(failure)
            if not fits:
                continue
            if len(fits) > 1 and tag_id is None and sub_id is not None:
                unsure = _Unsure(fits, failure.text)
                for i in fits:
                    del pending[i]
                    results[i] = unsure
                listed[sub_id] -= len(fits) - 1  # the others of the group were listed
                continue
            del pending[fits[0]]
            results[fits[0]] = failure.text
            bad.add(key[fits[0]][0])
    for i in pending:
        if listed[key[i][1]] > 0:
            listed[key[i][1]] -= 1
        else:
            results[i] = "Kit did not confirm the tagging"
    return results


class SingleTaggings(_Taggings):
    """API key: Kit's tag-one-subscriber call by email, one tagging a request."""

    size = 1

    def send(self, batch: list[TagItem]) -> Tagged:
        outcome, tag = batch[0]
        return tag_subscriber(self.client, tag.id, outcome.contact.email)

    def settle(self, batch: list[TagItem], answer: Tagged | KitRequestError | KitUnavailableError) -> None:
        outcome, tag = batch[0]
        _tell(outcome, tag, _refusal(answer) if isinstance(answer, (KitRequestError, KitUnavailableError)) else None)


@dataclass
class TagFigures(Figures):
    """The report's tag figures."""

    tags_created: list[str] = field(default_factory=list)  # in a dry run: the tags a real run would create
    taggings: int = 0  # tags Kit confirmed on subscribers (new, or one they had)
    taggings_failed: int = 0  # refused by Kit
    taggings_not_sent: int = 0  # never sent: the run stopped first
    taggings_to_send: int = 0  # a dry run's

    def tally(self, outcome: Outcome) -> None:
        """Taggings Kit confirmed, refused ("failed"), and never sent because the run stopped."""
        self.taggings += len(outcome.tagged)
        if outcome.status is Status.NOT_SENT:
            self.taggings_not_sent += len(outcome.contact.tags)
            return
        for reason, detail in outcome.problems:
            if reason == NOT_APPLIED:
                stopped = STOPPED_BEFORE_SENDING in detail
                self.taggings_not_sent += stopped
                self.taggings_failed += not stopped

    def plan_lines(self) -> list[tuple[str, str]]:
        return [("Taggings to send", f"{self.taggings_to_send:,}")] if self.taggings_to_send else []

    def result_lines(self) -> list[tuple[str, str]]:
        if not self.taggings and not self.taggings_failed and not self.taggings_not_sent:
            return []
        shown = [f"{n:,} {what}" for n, what in ((self.taggings_failed, "refused by Kit"),
                                                 (self.taggings_not_sent, "not sent")) if n]
        return [("Taggings", f"{self.taggings:,}" + (f" ({', '.join(shown)})" if shown else ""))]

    def created_lines(self, dry_run: bool) -> list[tuple[str, str]]:
        if not self.tags_created:
            return []
        return [("Tags to create" if dry_run else "Tags created", listed(self.tags_created))]


class TagCount(Count):
    """The taggings a run's contacts carry, and every tag name among them (one per name ignoring case)."""

    def __init__(self, action: Action) -> None:
        super().__init__(action)
        self.names: dict[str, str] = {}  # folded name -> the first spelling met

    @property
    def include_tags(self) -> bool:
        return bool(self.names)

    def add(self, contact: Contact) -> None:
        self.items += len(contact.tags)
        for name in contact.tags:
            self.names.setdefault(name.casefold(), name)


class Tags(Action):
    """Adds each contact's tags (its Tags cell and every --tag) to its subscriber."""

    name = "tags"
    figures_type = TagFigures
    verified = True
    figures: TagFigures

    def __init__(self, extra: Iterable[str] = ()) -> None:
        super().__init__()
        self.extra = unique(extra)
        self.book: TagBook | None = None

    @classmethod
    def wanted(cls, settings: Settings, columns: ColumnPlan) -> Tags | None:
        return cls(settings.tags) if columns.tags is not None or settings.tags else None

    def amend(self, contact: Contact) -> Contact:
        if self.extra:
            contact.tags = unique(contact.tags + self.extra)
        return contact

    def counter(self) -> TagCount:
        return TagCount(self)

    def prepare(self, client: KitClient, count: Count) -> None:
        """Kit's tags are read only when the run applies some; the missing ones are created later (`create`),
        so `tags_created` names them only once created, or in a dry run's plan (a braked run created none)."""
        names = count.names if isinstance(count, TagCount) else {}
        self.book = TagBook.read(client, list(names.values())) if names else None

    def spelling(self, name: str) -> str:
        """A tag's name as Kit spells it, once its tags are read (`prepare`); else as given."""
        return self.book.spelling(name) if self.book is not None else name

    def reword(self, report: Any) -> None:
        """The plan's tags to add, each once ignoring case, spelt as Kit spells the tags it has."""
        report.tags_to_add = counted_once(report.tags_to_add, self.spelling)

    def create(self, client: KitClient) -> None:
        if self.book is None:
            return
        try:
            self.book.create_missing(client)
        finally:  # what Kit created, even when the run is interrupted before it created them all
            self.figures.tags_created = list(self.book.created)

    def stages(self, client: KitClient) -> list[Stage]:
        if self.book is None or not self.book.tags:
            return []
        return [(BulkTaggings if client.credential.can_bulk else SingleTaggings)(client, self.book.tags)]

    def requests(self, count: Count, bulk: bool) -> int:
        return per_request(count.items, bulk)

    def creations(self, bulk: bool) -> int:
        return per_request(len(self.book.missing) if self.book is not None else 0, bulk)

    def read_saves(self, count: Count, bulk: bool) -> int:
        return self.requests(count, bulk)  # a read shows the tags subscribers hold already

    def plan(self, count: Count, tally: Tally | None = None) -> None:
        self.figures.taggings_to_send = count.items
        self.figures.tags_created = list(self.book.missing) if self.book is not None else []  # would create

    def undo_lines(self, comparison: Comparison) -> Iterable[UndoLine]:
        held = comparison.held
        for change in comparison.changes:
            if held is not None and change.sent and change.what == TAG:
                yield UndoLine(comparison.contact.email, held.id, TAG, change.file_value or "")
