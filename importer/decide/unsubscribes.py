"""Who the file's opt-outs unsubscribe in Kit, and who is kept active and why: decided here only.

Pure: the state the file gives a contact (with its unsubscribe time, and what the run memory
learnt of it), the state and creation time Kit holds, and the run's choice -> a `Verdict`.
The comparison asks it with what a read of Kit showed (dry run, --diff, the brake, the undo
file); the unsubscribe stage asks it again with Kit's answer to the upsert, which is current.

- Only an explicit opt-out (cancelled, bounced, complained) unsubscribes. Absence of consent
  (inactive: pending, not opted in) never does: the person may have opted in through Kit.
- Only a subscriber Kit holds active is unsubscribed; nobody is ever made active. Kit's API
  cannot set bounced or complained, so those are unsubscribed (cancelled) too.
- By default every opt-out is honoured, unless Kit shows a newer opt-in: Kit created the
  subscriber after the file's unsubscribe time (and the run memory does not say a run of
  kit-import created it, from an older export), or an earlier run saw the opt-out honoured
  (Kit held them not active while the file said they left) and Kit holds them active again.
- KEEP (--keep-kit-state) leaves every existing subscriber's state as Kit has it; FORCE
  (--unsubscribe) honours every opt-out, newer opt-in or not.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from importer.records import Contact, KitState

# The run memory's words, in a contact's `confirmed`: an earlier run saw this opt-out honoured; a run created
# this subscriber (so Kit's created_at is that import's time, which says nothing of a newer opt-in).
HONOURED, CREATED_HERE = "honoured", "created here"


class Mode(StrEnum):
    """What the run does with the file's opt-outs for subscribers Kit holds active."""

    HONOUR = "honour"  # the default: unsubscribe, unless Kit shows a newer opt-in
    KEEP = "keep"      # --keep-kit-state: leave every existing subscriber's state as Kit has it
    FORCE = "force"    # --unsubscribe: unsubscribe even where Kit shows a newer opt-in


class Kept(StrEnum):
    """Why a person the file says opted out stays active in Kit (the report's `kept_active` reasons)."""

    NEWER_IN_KIT = "created in Kit after the file's unsubscribe time"
    RESUBSCRIBED = "re-subscribed in Kit since an earlier run saw the opt-out"
    KEEP_KIT_STATE = "kept as Kit has it by --keep-kit-state"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the run does to one subscriber's state: unsubscribe it, keep it active (and why), or nothing."""

    unsubscribe: bool = False
    kept: Kept | None = None


NOTHING = Verdict()
UNSUBSCRIBE = Verdict(unsubscribe=True)


def opted_out(state: KitState | None) -> bool:
    """Whether the file's state is an explicit opt-out (not mere absence of consent)."""
    return state is not None and state.opted_out


def decide(contact: Contact, kit_state: KitState | None, kit_created_at: dt.datetime | None,
           mode: Mode = Mode.HONOUR) -> Verdict:
    """The verdict for a subscriber Kit holds in `kit_state`, created at `kit_created_at` (None: not known)."""
    if kit_state is not KitState.ACTIVE or not opted_out(contact.state):
        return NOTHING
    if mode is Mode.FORCE:
        return UNSUBSCRIBE
    if mode is Mode.KEEP:
        return Verdict(kept=Kept.KEEP_KIT_STATE)
    if HONOURED in contact.confirmed:
        return Verdict(kept=Kept.RESUBSCRIBED)
    left = contact.unsubscribed_at  # read the later way when unsure (read/times.py): a guess honours the opt-out
    if left is not None and kit_created_at is not None and _utc(kit_created_at) > _utc(left) \
            and CREATED_HERE not in contact.confirmed:
        return Verdict(kept=Kept.NEWER_IN_KIT)
    return UNSUBSCRIBE


def may_unsubscribe(contact: Contact, mode: Mode) -> bool:
    """Whether the run may have to unsubscribe this contact, before Kit's state is known (an upsert's
    answer decides): an opt-out, in a run that sends them, that no earlier run saw honoured."""
    if mode is Mode.KEEP or not opted_out(contact.state):
        return False
    return mode is Mode.FORCE or HONOURED not in contact.confirmed


def owed(contact: Contact, mode: Mode) -> bool:
    """Whether a run that does not read Kit must still learn Kit's state for this opt-out (by the upsert's
    answer): every one but those the run memory saw honoured while Kit held them not active, for whom
    the policy keeps a re-subscription in Kit anyway (--unsubscribe, which would not, reads them with
    --compare always). An opt-out the memory never saw honoured is checked, whatever else it knows."""
    if not may_unsubscribe(contact, mode):
        return False
    return HONOURED not in contact.confirmed or "left" not in contact.confirmed


def _utc(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def outlook(contacts: Iterable[Contact], mode: Mode) -> tuple[Counter, int]:
    """Before Kit is read: the states the contacts would be created in (the file's; None: none given)
    and how many of them the run may unsubscribe (those Kit turns out to hold active)."""
    states: Counter = Counter()
    candidates = 0
    for contact in contacts:
        states[contact.state] += 1
        candidates += owed(contact, mode)
    return states, candidates
