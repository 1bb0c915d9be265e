"""Contacts -> Kit requests -> one outcome per contact, every failure traced to its rows.

With an OAuth token: bulk upserts of up to 100 subscribers, then bulk custom field values
of up to 100 values (packed across subscribers). Kit answers synchronously, with per-item
failures, only at 100 or fewer; above that it answers `202 {}` and reports to a callback,
so chunks never exceed 100. With an API key (no bulk access): one upsert per contact, its
values in the `fields` object.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import KitClient
from importer.mapping import normalize
from importer.records import Contact, CustomField, Outcome, Status

CHUNK = 100
Progress = Callable[[int], None]


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _refused(outcomes: Iterable[Outcome], error: Exception) -> None:
    """A whole request failed: every contact in it gets the reason."""
    reason = "Kit unavailable" if isinstance(error, KitUnavailableError) else "Kit refused the request"
    detail = "; ".join(error.errors) if isinstance(error, KitRequestError) and error.errors else str(error)
    for outcome in outcomes:
        outcome.fail(reason, detail)


class BulkSubmitter:
    """OAuth path: bulk upserts, then bulk values, each chunk filled to 100."""

    def __init__(self, client: KitClient, *, started: dt.datetime | None = None) -> None:
        self.client = client
        # Kit's bulk response does not say created or updated: a subscriber whose created_at is
        # not before the run started, by Kit's own clock (its first Date header), was created.
        self.created_after = started or client.server_time or dt.datetime.now(dt.timezone.utc)

    def submit(self, contacts: Sequence[Contact], progress: Progress | None = None) -> Iterator[Outcome]:
        """Upsert every contact and write its values; yield each outcome once it is settled."""
        queue: list[tuple[Outcome, CustomField, str]] = []
        waiting: dict[int, int] = {}
        for chunk in chunks(contacts):
            outcomes = self._upsert(chunk)
            settled = []
            for outcome in outcomes:
                if outcome.status is Status.FAILED or not outcome.contact.fields:
                    settled.append(outcome)
                    continue
                waiting[id(outcome)] = len(outcome.contact.fields)
                queue.extend((outcome, f, v) for f, v in outcome.contact.fields.items())
            while len(queue) >= CHUNK:
                settled += self._flush(queue[:CHUNK], waiting)
                del queue[:CHUNK]
            yield from self._report(settled, progress)
        while queue:
            settled = self._flush(queue[:CHUNK], waiting)
            del queue[:CHUNK]
            yield from self._report(settled, progress)

    @staticmethod
    def _report(settled: list[Outcome], progress: Progress | None) -> Iterator[Outcome]:
        if progress and settled:
            progress(len(settled))
        yield from settled

    def _flush(self, items: list[tuple[Outcome, CustomField, str]], waiting: dict[int, int]) -> list[Outcome]:
        self._write_values(items)
        done = []
        for outcome, _, _ in items:
            waiting[id(outcome)] -= 1
            if waiting[id(outcome)] == 0:
                del waiting[id(outcome)]
                done.append(outcome)
        return done

    def _upsert(self, chunk: Sequence[Contact]) -> list[Outcome]:
        outcomes = [Outcome(c, Status.FAILED) for c in chunk]
        body = {"subscribers": [_subscriber(c) for c in chunk], "callback_url": None}
        try:
            reply = self.client.post("/v4/bulk/subscribers", body)
        except (KitRequestError, KitUnavailableError) as e:
            _refused(outcomes, e)
            return outcomes
        if reply.status == 202 or not isinstance(reply.body, dict):
            _refused(outcomes, KitUnavailableError("Kit queued the request instead of answering it; "
                                                   "nothing was confirmed"))
            return outcomes
        pending = {o.contact.email.casefold(): o for o in outcomes}
        for sub in reply.body.get("subscribers") or []:
            outcome = pending.pop(str(sub.get("email_address") or "").casefold(), None)
            if outcome is None:
                continue
            outcome.subscriber_id = int(sub["id"])
            outcome.status = Status.CREATED if self._is_new(sub.get("created_at")) else Status.UPDATED
        unnamed = []
        for failure in reply.body.get("failures") or []:
            sub = failure.get("subscriber") or {}
            errors = "; ".join(failure.get("errors") or ["no reason given"])
            outcome = pending.pop(str(sub.get("email_address") or "").casefold(), None)
            if outcome is not None:
                outcome.fail("Kit rejected the subscriber", errors)
            else:
                unnamed.append((sub.get("first_name"), errors))
        _match_by_elimination(list(pending.values()), unnamed)
        return outcomes

    def _is_new(self, created_at: Any) -> bool:
        try:
            when = dt.datetime.fromisoformat(str(created_at).replace("Z", "+00:00"))
        except ValueError:
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        return when >= self.created_after

    def _write_values(self, items: list[tuple[Outcome, CustomField, str]]) -> None:
        body = {"custom_field_values": [{"subscriber_id": o.subscriber_id, "subscriber_custom_field_id": f.id,
                                         "value": v} for o, f, v in items],
                "callback_url": None}
        try:
            reply = self.client.post("/v4/bulk/custom_fields/subscribers", body)
        except (KitRequestError, KitUnavailableError) as e:
            reason = "Kit unavailable" if isinstance(e, KitUnavailableError) else "Kit refused the values"
            for outcome, kit_field, _ in items:
                outcome.problems.append(("field not written", f"{kit_field.label}: {reason}: {e}"))
            return
        if reply.status == 202:
            for outcome, _, _ in items:
                outcome.values_unconfirmed += 1
            return
        pending: dict[tuple[int | None, int], tuple[Outcome, CustomField, str]] = {
            (o.subscriber_id, f.id): (o, f, v) for o, f, v in items}
        for value in reply.body.get("custom_field_values") or []:
            item = pending.pop((value.get("subscriber_id"), value.get("subscriber_custom_field_id")), None)
            if item is not None:
                item[0].values_written += 1
        unnamed: list[tuple[dict, str]] = []
        for failure in reply.body.get("failures") or []:
            value = failure.get("custom_field_value") or {}
            errors = "; ".join(failure.get("errors") or ["no reason given"])
            item = pending.pop((value.get("subscriber_id"), value.get("subscriber_custom_field_id")), None)
            if item is None:
                unnamed.append((value, errors))
            else:
                item[0].problems.append(("field not written", f"{item[1].label}: {errors}"))
        # A failure whose subscriber_id is null is matched by field and value among the values
        # that neither succeeded nor failed by name; what is still unmatched was not confirmed.
        for value, errors in unnamed:
            candidates = [key for key, (_, f, v) in pending.items()
                          if f.id == value.get("subscriber_custom_field_id") and v == value.get("value")]
            if len(candidates) != 1:
                candidates = [key for key, (_, f, _) in pending.items()
                              if f.id == value.get("subscriber_custom_field_id")] or list(pending)
            if candidates:
                outcome, kit_field, _ = pending.pop(candidates[0])
                outcome.problems.append(("field not written", f"{kit_field.label}: {errors}"))
        for outcome, kit_field, _ in pending.values():
            outcome.problems.append(("field not written", f"{kit_field.label}: Kit did not confirm the value"))


def _subscriber(contact: Contact) -> dict[str, str]:
    body = {"email_address": contact.email}
    if contact.first_name:
        body["first_name"] = contact.first_name
    return body


def _match_by_elimination(unmatched: list[Outcome], unnamed: list[tuple[str | None, str]]) -> None:
    """Give failures that Kit returned without an email to the contacts it did not name.

    A first name settles a match when it is unique; if every leftover failure says the same
    thing, who got which does not matter; otherwise each contact is told all the reasons.
    A contact that Kit neither confirmed nor failed is a failure too, never a success.
    """
    for first_name, errors in list(unnamed):
        same = [o for o in unmatched if first_name and o.contact.first_name == first_name]
        if len(same) == 1:
            same[0].fail("Kit rejected the subscriber", errors)
            unmatched.remove(same[0])
            unnamed.remove((first_name, errors))
    reasons = sorted({errors for _, errors in unnamed})
    for outcome in unmatched:
        if not unnamed:
            outcome.fail("Kit did not confirm the subscriber", "it is neither in the response's subscribers "
                                                                 "nor its failures")
        elif len(reasons) == 1:
            outcome.fail("Kit rejected the subscriber", reasons[0])
        else:
            outcome.fail("Kit rejected the subscriber",
                         f"one of {len(unnamed)} failures Kit returned without an email: " + " | ".join(reasons))


class SingleSubmitter:
    """API-key path: one `POST /v4/subscribers` per contact, values in its `fields` object.

    Kit's pages disagree on how `fields` is keyed: the OpenAPI document says by custom field
    key (an unknown key is a 422, or a `warnings` entry in a later version); the older page
    shows labels and silently ignores what it does not know. Keys are sent first; until a
    response proves which reading this Kit follows, a contact whose values were refused or not
    kept is retried once keyed by label, and the reading that worked is kept for the run.
    """

    def __init__(self, client: KitClient) -> None:
        self.client = client
        self.keyed_by: str | None = None

    def submit(self, contacts: Sequence[Contact], progress: Progress | None = None) -> Iterator[Outcome]:
        """Upsert contacts one by one; yield each outcome as it is settled."""
        for contact in contacts:
            outcome = self.upsert(contact)
            if progress:
                progress(1)
            yield outcome

    def upsert(self, contact: Contact) -> Outcome:
        """Upsert one contact and check what Kit kept of its values."""
        outcome = Outcome(contact, Status.FAILED)
        keyed_by = self.keyed_by or "key"
        try:
            reply = self.client.post("/v4/subscribers", _single_body(contact, keyed_by))
        except KitUnavailableError as e:
            _refused([outcome], e)
            return outcome
        except KitRequestError as e:
            if self._may_try_labels(contact, e):
                return self._by_label(contact) or self._rejected(outcome, e)
            return self._rejected(outcome, e)
        kept, missed = _kept(contact.fields, reply)
        if self._may_try_labels(contact) and contact.fields and not kept and reply.status != 202 and \
                _has_echo(reply):
            retried = self._by_label(contact)
            if retried is not None:
                return retried
        if kept:
            self.keyed_by = self.keyed_by or keyed_by
        return _settle(outcome, contact, reply, kept, missed)

    def _may_try_labels(self, contact: Contact, error: KitRequestError | None = None) -> bool:
        if self.keyed_by is not None or not contact.fields:
            return False
        return error is None or "email" not in " ".join(error.errors).casefold()

    def _by_label(self, contact: Contact) -> Outcome | None:
        """Retry keyed by label; an outcome if Kit kept the values that way, else None."""
        try:
            reply = self.client.post("/v4/subscribers", _single_body(contact, "label"))
        except (KitRequestError, KitUnavailableError):
            return None
        kept, missed = _kept(contact.fields, reply)
        if not kept:
            return None
        self.keyed_by = "label"
        return _settle(Outcome(contact, Status.FAILED), contact, reply, kept, missed)

    @staticmethod
    def _rejected(outcome: Outcome, error: KitRequestError) -> Outcome:
        outcome.fail("Kit rejected the subscriber", "; ".join(error.errors) or str(error))
        return outcome


def _single_body(contact: Contact, keyed_by: str) -> dict[str, Any]:
    body: dict[str, Any] = _subscriber(contact)
    if contact.fields:
        body["fields"] = {(f.key if keyed_by == "key" else f.label): v for f, v in contact.fields.items()}
    return body


def _has_echo(reply: Any) -> bool:
    sub = reply.body.get("subscriber") if isinstance(reply.body, dict) else None
    return isinstance(sub, dict) and isinstance(sub.get("fields"), dict) and bool(sub["fields"])


def _kept(sent: dict[CustomField, str], reply: Any) -> tuple[list[CustomField], list[CustomField]]:
    """Which sent values the response's `fields` echo shows as kept, and which not.

    An absent or empty echo proves nothing either way: both lists are then empty.
    """
    if not sent or not _has_echo(reply):
        return [], []
    echo = reply.body["subscriber"]["fields"]
    loose = {normalize(str(k)): v for k, v in echo.items()}
    kept, missed = [], []
    for kit_field, value in sent.items():
        got = echo.get(kit_field.key, echo.get(kit_field.label, loose.get(normalize(kit_field.key),
                                                                             loose.get(normalize(kit_field.label)))))
        (kept if str(got if got is not None else "").strip() == value.strip() else missed).append(kit_field)
    return kept, missed


def _settle(outcome: Outcome, contact: Contact, reply: Any, kept: list[CustomField],
            missed: list[CustomField]) -> Outcome:
    body = reply.body if isinstance(reply.body, dict) else {}
    sub = body.get("subscriber") or {}
    outcome.subscriber_id = int(sub["id"]) if sub.get("id") is not None else None
    outcome.status = Status.UPDATED if reply.status == 200 else Status.CREATED
    warned = _warnings(body, contact.fields)
    for kit_field in missed:
        if kit_field not in warned:
            outcome.problems.append(("field not written", f"{kit_field.label}: Kit did not keep the value"))
    for kit_field, text in warned.items():
        outcome.problems.append(("field not written", f"{kit_field.label}: {text}" if kit_field else text))
    confirmed = [f for f in kept if f not in warned]
    outcome.values_written = len(confirmed)
    if not kept and not missed:
        outcome.values_unconfirmed = len([f for f in contact.fields if f not in warned])
    return outcome


def _warnings(body: dict, sent: dict[CustomField, str]) -> dict[Any, str]:
    """Kit's `warnings` (a later API version's answer to an unknown field key), by field."""
    out: dict[Any, str] = {}
    raw = body.get("warnings") or []
    items = raw if isinstance(raw, list) else [raw]
    grouped: dict[Any, list[str]] = defaultdict(list)
    for warning in items:
        text = warning if isinstance(warning, str) else str(warning.get("message") or warning) \
            if isinstance(warning, dict) else str(warning)
        target = next((f for f in sent if f.key in text or f.label in text), None)
        grouped[target].append(text)
    for target, texts in grouped.items():
        out[target] = "; ".join(texts)
    return out
