"""The sandbox's sequences, as Kit's OpenAPI document describes them: the account's sequences (tests
seed them; kit-import never creates one), their subscribers, and the three routes kit-import uses:
list the sequences, list one's subscribers, add a subscriber by email (201 added, 200 there already,
422 when the sequence is inactive, 404 when the sequence or the subscriber does not exist).

A subscriber added again to a sequence set to `repeat` starts it over (`restarts` counts them), as
Kit's page warns: tests see that kit-import never does it on purpose.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from importer.sandbox.calls import NOT_FOUND, Call, Reply, member_page, paginate

if TYPE_CHECKING:
    from importer.sandbox.store import KitStore, StoredSubscriber

INACTIVE = {"errors": ["Sequence is inactive"]}


@dataclass
class StoredSequence:
    id: int
    name: str
    active: bool = True
    repeat: bool = False
    created_at: str = "2023-02-17T11:43:55Z"
    members: dict[int, str] = field(default_factory=dict)  # subscriber id -> added_at
    joined: dict[int, float] = field(default_factory=dict)  # subscriber id -> the account's clock when added

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "hold": False, "repeat": self.repeat, "created_at": self.created_at,
                "updated_at": self.created_at, "email_address": None, "email_template_id": None,
                "send_days": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
                "send_hour": 11, "time_zone": "Etc/UTC", "active": self.active, "exclude_subscriber_sources": []}


class Sequences:
    """The account's sequences and who is in each; `restarts` counts (sequence id, email) re-added to a
    repeating sequence, which Kit starts over from its first email."""

    def __init__(self) -> None:
        self.by_id: dict[int, StoredSequence] = {}
        self.restarts: Counter = Counter()
        self._next = 1
        self._lock = threading.RLock()

    def add(self, name: str, *, active: bool = True, repeat: bool = False) -> StoredSequence:
        """Create a sequence (tests seed them; Kit's API is not asked to)."""
        with self._lock:
            made = StoredSequence(self._next, name, active, repeat)
            self.by_id[made.id] = made
            self._next += 1
            return made

    def join(self, sequence: StoredSequence, sub: StoredSubscriber, when: str, at: float = 0.0) -> bool:
        """Add a subscriber (`when` as Kit writes it, `at` on the account's clock); False if it was in the
        sequence already (a repeating one then starts over)."""
        with self._lock:
            if sub.id in sequence.members:
                if sequence.repeat:
                    self.restarts[(sequence.id, sub.email_address.casefold())] += 1
                return False
            sequence.members[sub.id] = when
            sequence.joined[sub.id] = at
            return True

    def members(self, sequence_id: int, store: KitStore) -> set[str]:
        """The lowercased emails of a sequence's subscribers (tests compare these)."""
        with self._lock:
            sequence = self.by_id[sequence_id]
            return {store.subscribers[s].email_address.casefold() for s in sequence.members if s in store.subscribers}


def list_sequences(call: Call) -> tuple[int, Any]:
    """GET /v4/sequences: every sequence, newest first, paginated."""
    book = call.store.sequences
    page, pagination = paginate([s.to_json() for s in sorted(book.by_id.values(), key=lambda s: -s.id)],
                                 call.query)
    return 200, {"sequences": page, "pagination": pagination}


def sequence_members(call: Call) -> tuple[int, Any]:
    """GET /v4/sequences/{id}/subscribers: its subscribers, newest added first (`status` filters them;
    Kit's default: active), lagging additions as the other lists do."""
    sequence = call.store.sequences.by_id.get(call.ids[0])
    if sequence is None:
        raise Reply(404, NOT_FOUND)
    return 200, member_page(call, list(sequence.members), sequence.joined)


def add_to_sequence(call: Call) -> tuple[int, Any]:
    """POST /v4/sequences/{id}/subscribers: an existing subscriber by email; 201 added, 200 there already."""
    store, body = call.store, call.body
    email = body.get("email_address") if isinstance(body, dict) else None
    if not isinstance(email, str) or not email.strip():
        raise Reply(422, {"errors": ["Email address is required"]})
    sequence = store.sequences.by_id.get(call.ids[0])
    sub = store.find(email)
    if sequence is None or sub is None:
        raise Reply(404, NOT_FOUND)
    if not sequence.active:
        raise Reply(422, INACTIVE)
    when = store.now_iso()
    added = store.sequences.join(sequence, sub, when, store.clock())
    return (201 if added else 200), {"subscriber": {**store.to_json(sub), "added_at": sequence.members[sub.id]}}


ROUTES = [
    ("GET", "/v4/sequences", list_sequences),
    ("GET", "/v4/sequences/{id}/subscribers", sequence_members),
    ("POST", "/v4/sequences/{id}/subscribers", add_to_sequence),
]
