"""The run memory: what was last sent to Kit for each email, so a nightly run sends only changes.

SQLite through the stdlib, one file per import (beside its config by default). Per email
it keeps the subscriber id and a hash of the first name and of each field value Kit
confirmed, of each tag name Kit confirmed on it, and the key of each action Kit confirmed (an
addition to form 12 is `form:12`); raw emails, values and tags are not stored, only SHA-256 digests of
them, so the file holds no readable personal data. Every acknowledged response is
journaled in its own transaction: a run killed at any point (SIGKILL included) and started
again re-sends only what was in flight. The file is tied to one Kit account.

It is also a cache of what a read of Kit saw (`cache`, `read_at`): after a run has read the
account, every subscriber it saw is stored the same way (digests of Kit's first name, values
and tags), with the time of the read, so the next run reads only the subscribers updated since
then and takes the others from here: drift made in Kit's web app is seen, not believed away.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from importer.decide.unsubscribes import CREATED_HERE, HONOURED, opted_out
from importer.errors import ConfigError
from importer.kit.reads import HeldSubscriber
from importer.records import Contact, CustomField, KitState, Outcome, Status

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contacts (
    email TEXT PRIMARY KEY,          -- digest of the lowercased email
    subscriber_id INTEGER,
    first_name TEXT,                 -- digest of the first name last confirmed, NULL if never sent
    fields TEXT NOT NULL DEFAULT '{}' -- {field id: digest of the value last confirmed}
);
CREATE TABLE IF NOT EXISTS taggings (
    email TEXT NOT NULL,             -- digest of the lowercased email
    tag TEXT NOT NULL,               -- digest of the lowercased tag name
    PRIMARY KEY (email, tag)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS states (email TEXT PRIMARY KEY, state TEXT NOT NULL);  -- digests: the file's last state
CREATE TABLE IF NOT EXISTS done (email TEXT NOT NULL, action TEXT NOT NULL,
                                 PRIMARY KEY (email, action)) WITHOUT ROWID;  -- actions Kit confirmed, by key
CREATE TABLE IF NOT EXISTS not_active (email TEXT PRIMARY KEY);  -- Kit answered them not active (or unsubscribed them)
-- Kit held them not active while the file said they opted out (the opt-out was honoured), and the file has said
-- so ever since: Kit holding them active again means they re-subscribed in Kit (decide/unsubscribes.py).
CREATE TABLE IF NOT EXISTS honoured (email TEXT PRIMARY KEY);
-- Subscribers a run created: their created_at is that import's time, not a newer opt-in (decide/unsubscribes.py).
CREATE TABLE IF NOT EXISTS created_here (email TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS downloads (key TEXT PRIMARY KEY, validators TEXT NOT NULL);  -- a URL source's ETag...
-- The contacts a run that has not finished set out to send (digests), from just before its first write until
-- it finishes without a stop: the run after it finishes its work, which the change brake does not count again.
CREATE TABLE IF NOT EXISTS unfinished (email TEXT PRIMARY KEY);
"""
UNFINISHED_RUN = "unfinished_run"


class Needs(Protocol):
    """What the comparison asks of an action (send/actions/base.py): must this contact be upserted for it?"""

    def needs(self, contact: Contact, kit_state: KitState | None, confirmed: frozenset[str]) -> bool: ...


def digest(text: str) -> str:
    """A short, stable fingerprint of a value (never the value itself)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


@dataclass
class Known:
    """What the state says Kit has for one email."""

    subscriber_id: int | None
    first_name: str | None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Unfinished:
    """A run that began writing and did not finish (interrupted, killed, stopped): whether the change brake
    was exempt for it (Kit held none of its contacts, or the state file was new), and the digests of the
    contacts it set out to send."""

    exempt: bool
    emails: frozenset[str]

    def holds(self, email: str) -> bool:
        return digest(email.casefold()) in self.emails


class RunMemory:
    """One import's memory of what Kit has. Used from one thread (the pipeline's)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise ConfigError(f"The state file {self.path} cannot be used: {e}.",
                              "Move it aside (the next run then sends everything once) or fix --state.") from None

    def _migrate(self) -> None:
        """A file from before actions kept form additions in their own table: they become `form:<id>` keys."""
        if self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'form_additions'").fetchone():
            with self.db:
                self.db.execute("INSERT OR IGNORE INTO done SELECT email, 'form:' || form_id FROM form_additions")
                self.db.execute("DROP TABLE form_additions")

    def close(self) -> None:
        self.db.close()

    def __len__(self) -> int:
        return self.db.execute("SELECT count(*) FROM contacts").fetchone()[0]

    # --- account ---------------------------------------------------------------------

    def bind_account(self, account_id: int, name: str = "") -> None:
        """Tie the file to a Kit account; refuse a file made for another one."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'account_id'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('account_id', ?), ('account_name', ?)", (str(account_id), name))
        elif row[0] != str(account_id):
            raise ConfigError(f"The state file {self.path} belongs to another Kit account (id {row[0]}, "
                              f"this credential's is {account_id}).",
                              "Use a separate --state file per account, or check the credential.")

    # --- a cache of what Kit holds -------------------------------------------------------

    def read_at(self) -> dt.datetime | None:
        """When the read this cache holds began (UTC), or None: no run has read Kit into it."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'read_at'").fetchone()
        if row is None:
            return None
        try:
            return dt.datetime.fromisoformat(row[0])
        except ValueError:
            return None

    def cache(self, subscribers: Iterable[HeldSubscriber], fields: dict[str, CustomField],
              read_at: dt.datetime | None) -> None:
        """Store what a read saw of these subscribers, replacing what the file said of them, and
        the read's time (the next run's `updated_after`); `fields` maps Kit's field keys to fields."""
        with self.db:
            for sub in subscribers:
                key = digest(sub.email.casefold())
                values = {str(fields[k].id): digest(v.strip()) for k, v in sub.fields.items()
                          if k in fields and v is not None and v.strip()}
                first = digest(sub.first_name.strip()) if sub.first_name and sub.first_name.strip() else None
                self.db.execute("INSERT OR REPLACE INTO contacts VALUES (?, ?, ?, ?)",
                                (key, sub.id, first, json.dumps(values, separators=(",", ":"))))
                if sub.tags is not None:
                    self.db.execute("DELETE FROM taggings WHERE email = ?", (key,))
                    self.db.executemany("INSERT OR IGNORE INTO taggings VALUES (?, ?)",
                                        [(key, digest(t.name.casefold())) for t in sub.tags])
                if sub.state is not None and sub.state is not KitState.ACTIVE:
                    self.db.execute("INSERT OR IGNORE INTO not_active VALUES (?)", (key,))
                elif sub.state is KitState.ACTIVE:
                    self.db.execute("DELETE FROM not_active WHERE email = ?", (key,))
            if read_at is not None:
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('read_at', ?)", (read_at.isoformat(),))

    def remember_states(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Keep the file's state of contacts a read showed need nothing, so no later run upserts
        them only to learn the state Kit holds."""
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO states VALUES (?, ?)",
                                [(digest(email.casefold()), digest(state)) for email, state in pairs])

    def remember_consent(self, seen: Iterable[tuple[str, KitState, KitState | None]]) -> None:
        """Keep, per (email, the file's state, Kit's state) a read saw, whether the file's opt-out is
        honoured in Kit (Kit holds them not active); a file state that is no opt-out forgets it."""
        with self.db:
            for email, said, kit in seen:
                self._honoured(digest(email.casefold()), said, kit)

    def _honoured(self, key: str, said: KitState | None, kit: KitState | None) -> None:
        if said is None:
            return
        if not opted_out(said):
            self.db.execute("DELETE FROM honoured WHERE email = ?", (key,))
        elif kit is not None and kit is not KitState.ACTIVE:
            self.db.execute("INSERT OR IGNORE INTO honoured VALUES (?)", (key,))

    def tagged(self, email: str) -> set[str]:
        """Digests of the tag names Kit holds (or was confirmed to hold) on this email."""
        return {row[0] for row in self.db.execute("SELECT tag FROM taggings WHERE email = ?",
                                                  (digest(email.casefold()),))}

    # --- a URL source's last complete download ---------------------------------------------

    def download_validators(self, key: str) -> dict[str, str] | None:
        """The ETag, Last-Modified and time of the last download of a URL source a run imported
        completely (`key`: its address and settings, see importer/read/remote.py), or None."""
        row = self.db.execute("SELECT validators FROM downloads WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def remember_download(self, key: str, validators: dict[str, str | None]) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO downloads VALUES (?, ?)", (key, json.dumps(validators)))

    def forget_downloads(self) -> None:
        """Forget every remembered download: the next run downloads the sheet whole, changed or not."""
        with self.db:
            self.db.execute("DELETE FROM downloads")

    # --- a run that did not finish ---------------------------------------------------------

    def unfinished_run(self) -> Unfinished | None:
        """The run before this one, if it began writing and never finished; else None."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (UNFINISHED_RUN,)).fetchone()
        if row is None:
            return None
        emails = frozenset(e for (e,) in self.db.execute("SELECT email FROM unfinished"))
        return Unfinished(bool(json.loads(row[0]).get("exempt")), emails)

    def begin_run(self, emails: Iterable[str], exempt: bool) -> None:
        """Just before a run's first write: what it sets out to send. A run that finishes one that did not
        adds its own work to that run's, and stays exempt from the change brake if that run was."""
        before = self.unfinished_run()
        with self.db:
            if before is None:
                self.db.execute("DELETE FROM unfinished")
            exempt = exempt or (before is not None and before.exempt)
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (UNFINISHED_RUN,
                                                                          json.dumps({"exempt": exempt})))
            self.db.executemany("INSERT OR IGNORE INTO unfinished VALUES (?)",
                                ((digest(email.casefold()),) for email in emails))

    def end_run(self) -> None:
        """The run finished without a stop: the next one has nothing of it to finish."""
        with self.db:
            self.db.execute("DELETE FROM meta WHERE key = ?", (UNFINISHED_RUN,))
            self.db.execute("DELETE FROM unfinished")

    # --- what changed --------------------------------------------------------------------

    def known(self, email: str) -> Known | None:
        row = self.db.execute("SELECT subscriber_id, first_name, fields FROM contacts WHERE email = ?",
                              (digest(email.casefold()),)).fetchone()
        return None if row is None else Known(row[0], row[1], json.loads(row[2]))

    def changes(self, contact: Contact, actions: Iterable[Needs] = ()) -> Contact | None:
        """The part of `contact` Kit does not have yet, or None if Kit has it all.

        A contact Kit already has (with its id known) and whose first name is unchanged gets
        `subscriber_id` set, so the bulk path can write its changed values without an upsert.
        One whose state in the file changed, or that an action still needs (a form addition, an
        unsubscribe the consent policy may send), is upserted, since only the upsert's answer says
        which state Kit holds; what Kit confirmed in an earlier run is in its `confirmed` and not sent again.
        """
        known = self.known(contact.email)
        tags = self._untagged(contact)
        if known is None or known.subscriber_id is None:
            return replace(contact, tags=tags)
        key = digest(contact.email.casefold())
        confirmed = self.confirmed(contact.email)
        pending = any(action.needs(contact, None, confirmed) for action in actions)
        name_changed = contact.first_name is not None and digest(contact.first_name) != known.first_name
        changed = {f: v for f, v in contact.fields.items() if known.fields.get(str(f.id)) != digest(v)}
        state_changed = contact.state is not None and self._state(key) != digest(contact.state)
        if not name_changed and not changed and not state_changed and not pending and not tags:
            return None
        upsert = name_changed or state_changed or pending
        return replace(contact, first_name=contact.first_name if name_changed else None, fields=changed,
                       subscriber_id=None if upsert else known.subscriber_id, tags=tags, confirmed=confirmed)

    def _untagged(self, contact: Contact) -> tuple[str, ...]:
        """The contact's tags that Kit has not confirmed on it yet."""
        if not contact.tags:
            return ()
        done = self.tagged(contact.email)
        return tuple(t for t in contact.tags if digest(t.casefold()) not in done)

    def confirmed(self, email: str) -> frozenset[str]:
        """What earlier runs learnt of this email: the key of each action Kit confirmed, "left" when Kit
        holds them not active, and "honoured" when an earlier run saw the file's opt-out honoured."""
        key = digest(email.casefold())
        done = {row[0] for row in self.db.execute("SELECT action FROM done WHERE email = ?", (key,))}
        if self.db.execute("SELECT 1 FROM not_active WHERE email = ?", (key,)).fetchone():
            done.add("left")
        if self.db.execute("SELECT 1 FROM honoured WHERE email = ?", (key,)).fetchone():
            done.add(HONOURED)
        if self.db.execute("SELECT 1 FROM created_here WHERE email = ?", (key,)).fetchone():
            done.add(CREATED_HERE)
        return frozenset(done)

    def _state(self, key: str) -> str | None:
        row = self.db.execute("SELECT state FROM states WHERE email = ?", (key,)).fetchone()
        return row[0] if row else None

    # --- journal -------------------------------------------------------------------------

    def upserted(self, outcomes: Iterable[Outcome]) -> None:
        """Journal the subscribers Kit confirmed (id and first name), in one transaction."""
        with self.db:
            for outcome in outcomes:
                if outcome.subscriber_id is not None and outcome.status in (Status.CREATED, Status.UPDATED):
                    self._merge(outcome.contact, outcome.subscriber_id, {})
                if outcome.subscriber_id is not None and outcome.status is Status.CREATED:
                    self._created(outcome)

    def settled(self, outcomes: Iterable[Outcome]) -> None:
        """Journal the values and taggings Kit confirmed for settled contacts, in one transaction."""
        with self.db:
            for outcome in outcomes:
                if outcome.subscriber_id is None:
                    continue
                written = {str(f.id): digest(v) for f, v in outcome.contact.fields.items()
                           if f not in outcome.unwritten}
                self._merge(outcome.contact, outcome.subscriber_id, written)
                key = digest(outcome.contact.email.casefold())
                self.db.executemany("INSERT OR IGNORE INTO taggings VALUES (?, ?)",
                                    [(key, digest(name.casefold())) for name in outcome.tagged])
                self._journal_consent(outcome)

    def _journal_consent(self, outcome: Outcome) -> None:
        """Keep the actions Kit confirmed, that Kit holds the person as not active (so no later
        run adds them to a form or unsubscribes them) or active again, whether the file's opt-out is
        honoured, and the file's state once the contact went through without a problem (so a refused
        unsubscribe is tried again)."""
        key = digest(outcome.contact.email.casefold())
        self.db.executemany("INSERT OR IGNORE INTO done VALUES (?, ?)", [(key, action) for action in outcome.done])
        if outcome.kit_state not in (None, KitState.ACTIVE):
            self.db.execute("INSERT OR IGNORE INTO not_active VALUES (?)", (key,))
        elif outcome.kit_state is KitState.ACTIVE:
            self.db.execute("DELETE FROM not_active WHERE email = ?", (key,))
        self._honoured(key, outcome.contact.state, outcome.kit_state)
        if outcome.status is Status.CREATED:
            self._created(outcome)
        if outcome.contact.state is not None and not outcome.problems and outcome.kit_state is not None:
            self.db.execute("INSERT OR REPLACE INTO states VALUES (?, ?)", (key, digest(outcome.contact.state)))

    def _created(self, outcome: Outcome) -> None:
        """Keep that a run created this subscriber: its created_at says nothing of a newer opt-in."""
        self.db.execute("INSERT OR IGNORE INTO created_here VALUES (?)", (digest(outcome.contact.email.casefold()),))

    def _merge(self, contact: Contact, subscriber_id: int, fields: dict[str, str]) -> None:
        key = digest(contact.email.casefold())
        row = self.db.execute("SELECT first_name, fields FROM contacts WHERE email = ?", (key,)).fetchone()
        first = digest(contact.first_name) if contact.first_name is not None else (row[0] if row else None)
        merged = {**(json.loads(row[1]) if row else {}), **fields}
        self.db.execute("INSERT OR REPLACE INTO contacts VALUES (?, ?, ?, ?)",
                        (key, subscriber_id, first, json.dumps(merged, separators=(",", ":"))))
