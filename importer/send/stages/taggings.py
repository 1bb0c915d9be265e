"""The taggings stages: tags are only ever added, once the subscriber exists.

With OAuth, `BulkTaggings` packs 100 taggings a request across subscribers and needs their
ids. With an API key, `SingleTaggings` tags one subscriber by email a request. A tagging Kit
refuses is a problem of that contact (`tag not applied: NAME: <Kit's message>`); the contact
and its other taggings stand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import BulkResult, KitClient, Tag, Tagged, Tagging, bulk_tag_subscribers, tag_subscriber
from importer.records import Outcome, STOPPED_BEFORE_SENDING
from importer.send.scheduler import Stage
from importer.send.stages.base import CHUNK

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
        return f"Kit unavailable: {error}"
    return "; ".join(error.errors) or str(error)


class BulkTaggings(_Taggings):
    """OAuth: Kit's bulk tagging, 100 taggings a request packed across subscribers."""

    size = CHUNK

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
