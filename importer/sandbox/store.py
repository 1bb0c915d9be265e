"""The emulator's state: one Kit account's custom fields and subscribers, as Kit's pages describe them.

It follows Kit's reference pages, not kit-import's client: emails match case-insensitively,
custom field keys are generated from labels, and how `fields` in POST /v4/subscribers is
keyed (and what an unknown key does) is a setting, because Kit's pages disagree:
- "key-error": keyed by key, an unknown key is a 422 (the OpenAPI document, May 2026);
- "key-warn": keyed by key, an unknown key is a `warnings` entry (Kit's later version);
- "label-ignore": keyed by label, unknown names silently ignored (the older reference page).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

FIELD_MODES = ("key-error", "key-warn", "label-ignore")
ACCOUNT_IDS = (10_000, 99_999_999)  # the range a new account's id is drawn from
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


@dataclass
class StoredField:
    id: int
    key: str
    label: str

    @property
    def name(self) -> str:
        return f"ck_field_{self.id}_{self.key}"

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "key": self.key, "label": self.label}


@dataclass
class StoredSubscriber:
    id: int
    email_address: str
    first_name: str | None
    created_at: str
    state: str = "active"
    values: dict[int, str] = field(default_factory=dict)


def key_for(label: str) -> str:
    """Kit's key: an ASCII-only, lowercased, underscored form of the label."""
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_label.lower()).strip("_") or "field"


def new_account_id() -> int:
    """A random account id, so that two sandboxes are never the same account by accident."""
    low, high = ACCOUNT_IDS
    return low + secrets.randbelow(high - low + 1)


class KitStore:
    """A thread-safe, in-memory Kit account."""

    def __init__(self, *, field_mode: str = "key-error", account_id: int | None = None,
                 rejected_emails: set[str] | None = None, subscriber_limit: int | None = None,
                 max_value_length: int | None = None, clock: Callable[[], float] = time.time) -> None:
        if field_mode not in FIELD_MODES:
            raise ValueError(f"field_mode must be one of {FIELD_MODES}")
        self.field_mode = field_mode
        # Each store is a new account, as a fresh Kit account would be: a state file made against
        # another sandbox is then refused like one made for another account. Pass an id to reproduce.
        self.account_id = account_id if account_id is not None else new_account_id()
        self.rejected_emails = {e.casefold() for e in (rejected_emails or set())}
        self.subscriber_limit = subscriber_limit
        # Kit's pages state no length limit for a custom field value; this switch lets tests see
        # how the client handles a Kit that refuses long values (None: every length is kept).
        self.max_value_length = max_value_length
        self.clock = clock
        self.fields: dict[int, StoredField] = {}
        self.subscribers: dict[int, StoredSubscriber] = {}
        self._by_email: dict[str, int] = {}
        self._next_field = 1
        self._next_subscriber = 1
        self.lock = threading.RLock()

    def now_iso(self) -> str:
        """The account's clock as Kit writes timestamps (whole seconds, UTC)."""
        return dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    # --- custom fields -------------------------------------------------------------

    def add_field(self, label: str) -> tuple[StoredField, bool]:
        """Create a field (label trimmed, unique); returns it and whether it is new."""
        label = label.strip()
        with self.lock:
            for existing in self.fields.values():
                if existing.label.casefold() == label.casefold():
                    return existing, False
            key, n = key_for(label), 2
            base = key
            while any(f.key == key for f in self.fields.values()):
                key, n = f"{base}_{n}", n + 1
            created = StoredField(self._next_field, key, label)
            self.fields[created.id] = created
            self._next_field += 1
            return created, True

    def field_by_key(self, key: str) -> StoredField | None:
        return next((f for f in self.fields.values() if f.key == key), None)

    def field_by_label(self, label: str) -> StoredField | None:
        return next((f for f in self.fields.values() if f.label == label), None)

    # --- subscribers ---------------------------------------------------------------

    def email_is_valid(self, email: str | None) -> bool:
        """Kit's own check (looser than kit-import's), plus addresses a test asks it to refuse."""
        return bool(email) and bool(_EMAIL.match(email)) and email.casefold() not in self.rejected_emails

    def value_too_long(self, value: str | None) -> str | None:
        """Kit's refusal of a value over `max_value_length`, or None when the value is kept."""
        if self.max_value_length is None or value is None or len(value) <= self.max_value_length:
            return None
        return f"Value is too long (maximum is {self.max_value_length:,} characters)"

    def find(self, email: str) -> StoredSubscriber | None:
        with self.lock:
            sid = self._by_email.get(email.strip().casefold())
            return self.subscribers.get(sid) if sid is not None else None

    def would_exceed_limit(self, emails: list[str]) -> bool:
        """Whether creating the new ones among `emails` would pass the plan's subscriber limit."""
        if self.subscriber_limit is None:
            return False
        with self.lock:
            new = {e.strip().casefold() for e in emails} - set(self._by_email)
            return len(self.subscribers) + len(new) > self.subscriber_limit

    def upsert(self, email: str, first_name: str | None, *, set_first_name: bool) -> tuple[StoredSubscriber, bool]:
        """Create the subscriber, or update the first name of the one with this email."""
        email = email.strip()
        with self.lock:
            existing = self.find(email)
            if existing is not None:
                if set_first_name:
                    existing.first_name = first_name
                return existing, False
            sub = StoredSubscriber(self._next_subscriber, email, first_name, self.now_iso())
            self.subscribers[sub.id] = sub
            self._by_email[email.casefold()] = sub.id
            self._next_subscriber += 1
            return sub, True

    def to_json(self, sub: StoredSubscriber, *, with_fields: bool = True) -> dict:
        body = {"id": sub.id, "first_name": sub.first_name, "email_address": sub.email_address,
                "state": sub.state, "created_at": sub.created_at}
        if with_fields:
            body["fields"] = {f.key: sub.values.get(f.id) for f in self.fields.values()}
        return body

    def snapshot(self) -> dict[str, dict]:
        """Every subscriber by lowercased email: first name and values by field label (tests compare these)."""
        with self.lock:
            return {sub.email_address.casefold(): {
                "first_name": sub.first_name,
                "fields": {self.fields[fid].label: v for fid, v in sorted(sub.values.items()) if fid in self.fields},
            } for sub in self.subscribers.values()}
