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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from importer.sandbox.sequences import Sequences

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
class StoredTag:
    id: int
    name: str
    created_at: str

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "created_at": self.created_at}


@dataclass
class StoredForm:
    id: int
    name: str
    double_opt_in: bool = False  # adding a subscriber sends the form's incentive email
    created_at: str = "2023-02-17T11:43:55Z"
    members: dict[int, str | None] = field(default_factory=dict)  # subscriber id -> referrer
    joined: dict[int, float] = field(default_factory=dict)  # subscriber id -> the account's clock when added

    def to_json(self) -> dict:
        uid = f"{self.id:010x}"
        return {"id": self.id, "name": self.name, "created_at": self.created_at, "type": "embed", "format": None,
                "embed_js": f"https://sandbox.kit.test/{uid}/index.js", "embed_url": f"https://sandbox.kit.test/{uid}",
                "archived": False, "uid": uid}


STATES = ("active", "cancelled", "bounced", "complained", "inactive")


@dataclass
class StoredSubscriber:
    id: int
    email_address: str
    first_name: str | None
    created_at: str
    state: str = "active"
    values: dict[int, str] = field(default_factory=dict)
    tags: set[int] = field(default_factory=set)
    updated_at: float = 0.0  # the account's clock at the last change (list filters use it)
    # (time, what a list read shows) per change, kept only while list reads lag (`list_lag`).
    history: list[tuple[float, dict]] = field(default_factory=list, repr=False)


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
                 max_value_length: int | None = None, list_lag: float = 0.0,
                 clock: Callable[[], float] = time.time) -> None:
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
        # Kit's list results lag writes by seconds to minutes (eventual consistency): with a lag,
        # GET /v4/subscribers and a subscriber's tags (GET /v4/subscribers/{id}/tags) show each
        # subscriber as it was `list_lag` seconds ago, and leave out those created since;
        # GET /v4/subscribers/{id} is always current. A form's or a sequence's subscribers are a list
        # too: each member shows `list_lag` seconds after it was added.
        self.list_lag = list_lag
        self.tags: dict[int, StoredTag] = {}
        self._next_tag = 1
        # Tag names (any case) whose taggings Kit refuses, as it does a tag deleted while a run uses
        # it: tests see how the client reports a refused tagging.
        self.refused_tags: set[str] = set()
        self.forms: dict[int, StoredForm] = {}
        self._next_form = 1
        # (form id, email) of every incentive email a double opt-in form addition made Kit send
        self.incentive_emails: list[tuple[int, str]] = []
        self.sequences = Sequences()
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
        return bool(email and _EMAIL.match(email) and email.casefold() not in self.rejected_emails)

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

    def upsert(self, email: str, first_name: str | None, *, set_first_name: bool,
               state: str | None = None) -> tuple[StoredSubscriber, bool]:
        """Create the subscriber (in `state`, default active), or update the first name of the one
        with this email: as Kit's upsert does, an existing subscriber's state is left alone."""
        email = email.strip()
        with self.lock:
            existing = self.find(email)
            if existing is not None:
                if set_first_name and existing.first_name != first_name:
                    existing.first_name = first_name
                    self.changed(existing)
                return existing, False
            sub = StoredSubscriber(self._next_subscriber, email, first_name, self.now_iso(), state or "active")
            self.subscribers[sub.id] = sub
            self._by_email[email.casefold()] = sub.id
            self._next_subscriber += 1
            self.changed(sub)
            return sub, True

    def changed(self, sub: StoredSubscriber) -> None:
        """Note a change to a subscriber: its update time, and what a lagging list read will show."""
        with self.lock:
            sub.updated_at = self.clock()
            if self.list_lag > 0:
                sub.history.append((sub.updated_at, self.to_json(sub, tags=True)))

    def as_listed(self, sub: StoredSubscriber, now: float) -> dict | None:
        """The subscriber as a list read shows it at `now`: `list_lag` seconds behind, None if not listed yet."""
        if self.list_lag <= 0:
            return self.to_json(sub, tags=True)
        seen = [shown for when, shown in sub.history if when <= now - self.list_lag]
        return seen[-1] if seen else None

    # --- tags ------------------------------------------------------------------------

    def add_tag(self, name: str) -> tuple[StoredTag, bool]:
        """Create a tag (name trimmed; an existing name, in any case, is returned instead)."""
        name = name.strip()
        with self.lock:
            for existing in self.tags.values():
                if existing.name.casefold() == name.casefold():
                    return existing, False
            tag = StoredTag(self._next_tag, name, self.now_iso())
            self.tags[tag.id] = tag
            self._next_tag += 1
            return tag, True

    def tag(self, sub: StoredSubscriber, tag_id: int) -> bool:
        """Tag a subscriber; False if it had the tag already."""
        with self.lock:
            if tag_id in sub.tags:
                return False
            sub.tags.add(tag_id)
            self.changed(sub)
            return True

    def tag_refused(self, tag_id: int) -> bool:
        """Whether taggings of this tag are refused (see `refused_tags`)."""
        tag = self.tags.get(tag_id)
        return tag is not None and tag.name.casefold() in {n.casefold() for n in self.refused_tags}

    def untag(self, sub: StoredSubscriber, tag_id: int) -> bool:
        """Remove a tag from a subscriber; False if it did not have it."""
        with self.lock:
            if tag_id not in sub.tags:
                return False
            sub.tags.discard(tag_id)
            self.changed(sub)
            return True

    def unsubscribe(self, sub: StoredSubscriber) -> None:
        """Make a subscriber cancelled (POST /v4/subscribers/{id}/unsubscribe, 204 with no body)."""
        with self.lock:
            if sub.state != "cancelled":
                sub.state = "cancelled"
                self.changed(sub)

    def resubscribe(self, email: str) -> StoredSubscriber:
        """The person signs up again through a Kit form (not the API, which cannot make anyone active):
        the same subscriber, its `created_at` unchanged, active again (tests only)."""
        with self.lock:
            sub = self.find(email)
            assert sub is not None, email
            sub.state = "active"
            self.changed(sub)
            return sub

    # --- forms -----------------------------------------------------------------------

    def add_form(self, name: str, *, double_opt_in: bool = False) -> StoredForm:
        """Create a form (tests seed them; Kit's API cannot create one)."""
        with self.lock:
            form = StoredForm(self._next_form, name, double_opt_in, self.now_iso())
            self.forms[form.id] = form
            self._next_form += 1
            return form

    def add_to_form(self, form: StoredForm, sub: StoredSubscriber, referrer: str | None) -> bool:
        """Add a subscriber to a form; False if it was there already. A double opt-in form sends its
        incentive email to each subscriber once, as Kit's page says. Kit's documents do not say what
        the addition does to a subscriber who is not active: the emulator leaves the state alone, and
        kit-import never sends such an addition."""
        with self.lock:
            if sub.id in form.members:
                return False
            form.members[sub.id] = referrer
            form.joined[sub.id] = self.clock()
            if form.double_opt_in:
                self.incentive_emails.append((form.id, sub.email_address))
            return True

    def listed_members(self, members: Iterable[int], joined: dict[int, float], query: dict[str, str]) -> list[dict]:
        """A form's or a sequence's members as its subscriber list shows them (GET /v4/forms/{id}/subscribers,
        GET /v4/sequences/{id}/subscribers): newest added first, as Kit's examples order them, each
        with its `added_at`; `status` filters them (Kit's default: active); with `list_lag`, only those
        added `list_lag` seconds ago or more."""
        status = query.get("status") or "active"
        if status not in ("all", *STATES):
            raise ValueError(status)
        with self.lock:
            shown_until = self.clock() - self.list_lag if self.list_lag > 0 else None
            added = {sid: joined.get(sid, 0.0) for sid in members}  # one not in `joined`: added long ago
            return [{**self.to_json(self.subscribers[sid]),
                     "added_at": dt.datetime.fromtimestamp(when, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
                    for sid, when in sorted(added.items(), key=lambda item: (item[1], item[0]), reverse=True)
                    if sid in self.subscribers and status in ("all", self.subscribers[sid].state)
                    and (shown_until is None or when <= shown_until)]

    def form_members(self, form_id: int) -> set[str]:
        """The lowercased emails of a form's subscribers (tests compare these)."""
        with self.lock:
            form = self.forms[form_id]
            return {self.subscribers[s].email_address.casefold() for s in form.members if s in self.subscribers}

    def state_of(self, email: str) -> str | None:
        """A subscriber's state (tests compare these)."""
        sub = self.find(email)
        return sub.state if sub else None

    def to_json(self, sub: StoredSubscriber, *, with_fields: bool = True, tags: bool = False) -> dict:
        body: dict[str, Any] = {"id": sub.id, "first_name": sub.first_name, "email_address": sub.email_address,
                "state": sub.state, "created_at": sub.created_at}
        if with_fields:
            body["fields"] = {f.key: sub.values.get(f.id) for f in self.fields.values()}
        if tags:
            body["tags"] = [{"id": t, "name": self.tags[t].name} for t in sorted(sub.tags) if t in self.tags]
        return body

    def snapshot(self) -> dict[str, dict]:
        """Every subscriber by lowercased email: first name and values by field label (tests compare these)."""
        with self.lock:
            return {sub.email_address.casefold(): {
                "first_name": sub.first_name,
                "fields": {self.fields[fid].label: v for fid, v in sorted(sub.values.items()) if fid in self.fields},
            } for sub in self.subscribers.values()}

    def tags_of(self, email: str) -> set[str]:
        """The names of a subscriber's tags (tests compare these)."""
        with self.lock:
            sub = self.find(email)
            return {self.tags[t].name for t in sub.tags if t in self.tags} if sub else set()
