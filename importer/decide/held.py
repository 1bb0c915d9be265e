"""What a Kit account holds, read in pages of 1,000, and whether reading it pays for itself.

Reading costs one request per 1,000 subscribers; writing blind costs one per 100 contacts,
values or taggings (OAuth's bulk endpoints) or one per contact and tagging (an API key). A
run reads the account when the read costs fewer requests than the writes it could save.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from importer.kit.auth import OAUTH, Credential, CredentialKind
from importer.kit.client import KitClient
from importer.kit.reads import (PAGE_MAX, HeldSubscriber, SubscriberPage, find_subscriber, iter_pages,
                                list_subscribers)
from importer.kit.results import batches
from importer.outputs.words import plural


@dataclass
class Account:
    """The subscribers a read found, by casefolded email; `total` is Kit's count at the start
    (None if Kit gave none), `requests` what the read cost, `started_at` when it began (this
    machine's clock, UTC: the next refresh's `updated_after`, less Kit's list lag)."""

    subscribers: dict[str, HeldSubscriber] = field(default_factory=dict)
    total: int | None = None
    requests: int = 0
    include_tags: bool = False
    started_at: dt.datetime | None = None

    def get(self, email: str) -> HeldSubscriber | None:
        """The subscriber with this email, matched case-insensitively, or None."""
        return self.subscribers.get(email.strip().casefold())

    def __len__(self) -> int:
        return len(self.subscribers)


def count_subscribers(client: KitClient, *, include_tags: bool,
                      updated_after: dt.datetime | None = None) -> SubscriberPage:
    """The read's first page, asking Kit's total with it: a run decides on `total_count` whether
    to go on (`read_account(first=...)`), so counting costs no request a read would not send."""
    return list_subscribers(client, include_tags=include_tags, updated_after=updated_after, total_count=True)


def read_account(client: KitClient, *, include_tags: bool, updated_after: dt.datetime | None = None,
                 progress: Callable[[int, int | None], None] | None = None,
                 first: SubscriberPage | None = None) -> Account:
    """Every subscriber in the account (all states), with tags when asked, or only those updated
    after `updated_after`. `first` is the counting page already read; `progress(read, total)` is
    told after each page."""
    account = Account(include_tags=include_tags, started_at=dt.datetime.now(dt.timezone.utc))
    if first is None:
        first = count_subscribers(client, include_tags=include_tags, updated_after=updated_after)
    account.requests = 1
    account.total = first.total_count
    held = account.subscribers
    for number, page in enumerate(iter_pages(client, first=first, include_tags=include_tags,
                                             updated_after=updated_after), start=1):
        account.requests = number
        for sub in page.subscribers:
            key = sub.email.casefold()
            held[sub.email if key == sub.email else key] = sub  # one string, not two, for most emails
        if progress is not None:
            progress(len(held), account.total)
    return account


def read_cost(total: int) -> int:
    """Requests a whole read costs: one per 1,000 subscribers, and one even for an empty account."""
    return max(1, math.ceil(total / PAGE_MAX))


def write_cost(contacts: int, values: int, taggings: int, credential: Credential | CredentialKind | str) -> int:
    """Requests a blind run sends: OAuth batches contacts, values and taggings 100 a request; an
    API key sends one upsert per contact (its values ride along) and one request per tagging."""
    kind = credential.kind if isinstance(credential, Credential) else CredentialKind(credential)
    if kind == OAUTH:
        return sum(batches(n) for n in (contacts, values, taggings))
    return contacts + taggings


class ReadDecision(NamedTuple):
    """Whether reading the account pays, and a sentence saying why (for the run's summary)."""

    pays: bool
    why: str


def read_pays(total: int, blind_writes: int) -> ReadDecision:
    """Read when the read costs fewer requests than the blind writes it could save."""
    reads = read_cost(total)
    pays = reads < blind_writes
    than = "less than" if pays else "as much as" if reads == blind_writes else "more than"
    return ReadDecision(pays, f"the account holds {plural(total, 'subscriber')}: reading it "
                              f"({plural(reads, 'request')}) costs {than} the {plural(blind_writes, 'write')} "
                              "it could save")


def read_for(client: KitClient, count: int, emails: Callable[[], Iterable[str]], *, include_tags: bool,
             first: SubscriberPage | None = None) -> tuple[Account, str]:
    """What Kit holds for `count` emails, at the cheaper of two reads: the whole account (one request
    per 1,000 subscribers), or one list request per email (`email_address=`). The first page, which
    asks Kit's total, decides; a sentence says which read was made and why (for a summary). `first`
    is that page when the run already asked it (and chose not to read on): Kit is not asked twice."""
    if first is None or (include_tags and not first.tags):
        first = count_subscribers(client, include_tags=include_tags)
    total = first.total_count
    if total is None or read_cost(total) <= count:
        account = read_account(client, include_tags=include_tags, first=first)
        return account, f"read the whole account ({plural(len(account), 'subscriber')}, " \
                        f"{plural(account.requests, 'request')})"
    account = Account(total=total, requests=1, include_tags=include_tags,
                      started_at=dt.datetime.now(dt.timezone.utc))
    for email in emails():
        account.requests += 1
        held = find_subscriber(client, email, include_tags=include_tags)
        if held is not None:
            account.subscribers[held.email.casefold()] = held
    return account, (f"looked up {plural(count, 'subscriber')} by email, one request each: cheaper than "
                     f"reading the account's {plural(total, 'subscriber')} ({plural(read_cost(total), 'request')})")
