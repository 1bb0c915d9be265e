"""Contacts -> Kit requests -> one outcome per contact, every failure traced to its rows.

With an OAuth token: bulk upserts of up to 100 subscribers, then bulk custom field values
of up to 100 values (packed across subscribers). Kit answers synchronously, with per-item
failures, only at 100 or fewer; above that it answers `202 {}` and reports to a callback,
so chunks never exceed 100. With an API key (no bulk access): one upsert per contact, its
values in the `fields` object.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from importer.errors import KitError, KitRequestError, KitUnavailableError
from importer.kit import KitClient
from importer.names import normalize
from importer.records import Contact, CustomField, Outcome, Status

CHUNK = 100
Progress = Callable[[int], None]
ValueItem = tuple[Outcome, CustomField, str]


def _run_start(client: KitClient, started: dt.datetime | None) -> dt.datetime:
    """When the run started by Kit's own clock (its first Date header), so that local clock
    skew cannot make a subscriber created by this run look older than it."""
    return started or client.server_time or dt.datetime.now(dt.timezone.utc)


def _created_since(created_at: Any, since: dt.datetime) -> bool:
    """Whether Kit created the subscriber during this run.

    Kit's bulk response does not say created or updated, and a 200 from POST /v4/subscribers
    after a retry may be our own lost first attempt: `created_at` settles both.
    """
    try:
        when = dt.datetime.fromisoformat(str(created_at).replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when >= since


def batched(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    """Consecutive lists of at most `size` items, from any iterable."""
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _refused(outcomes: Iterable[Outcome], error: Exception) -> None:
    """A whole request failed: every contact in it gets the reason."""
    reason = "Kit unavailable" if isinstance(error, KitUnavailableError) else "Kit refused the request"
    detail = "; ".join(error.errors) if isinstance(error, KitRequestError) and error.errors else str(error)
    for outcome in outcomes:
        outcome.fail(reason, detail)


class Workers:
    """At most `size` requests in flight on a thread pool; completed ones come back in any order.

    A fatal error (401/403) raised by a task is kept, not raised, so the caller can stop
    handing out work, settle what is still in flight, and then raise it.
    """

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self.fatal: KitError | None = None
        self._pool = ThreadPoolExecutor(self.size, thread_name_prefix="kit-request")
        self._running: dict[Future, tuple[str, Any]] = {}

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        # On Ctrl-C, requests already sent finish (bounded by their timeout); none start.
        self._pool.shutdown(wait=True, cancel_futures=kind is not None)

    @property
    def can_start(self) -> bool:
        return self.fatal is None and len(self._running) < self.size

    def running(self, tag: str) -> int:
        return sum(1 for t, _ in self._running.values() if t == tag)

    def start(self, tag: str, fn: Callable[[Any], Any], payload: Any) -> None:
        self._running[self._pool.submit(fn, payload)] = (tag, payload)

    def finished(self) -> Iterator[tuple[str, Any, Any]]:
        """Wait for at least one task; yield (tag, payload, result) for each that succeeded."""
        if not self._running:
            return
        done, _ = wait(self._running, return_when=FIRST_COMPLETED)
        for future in done:
            tag, payload = self._running.pop(future)
            try:
                result = future.result()
            except KitError as e:  # per-request failures are handled in the task: this one is fatal
                self.fatal = self.fatal or e
                continue
            yield tag, payload, result

    def __bool__(self) -> bool:
        return bool(self._running)


class BulkSubmitter:
    """OAuth path: bulk upserts, then bulk values, each request filled to 100, several in flight.

    Values go out as soon as the upserts that give their subscriber ids return (a pipeline),
    packed 100 to a request across subscribers; a last, partial request goes only when no
    upsert is left to fill it.
    """

    def __init__(self, client: KitClient, *, concurrency: int = 1, started: dt.datetime | None = None) -> None:
        self.client = client
        self.concurrency = concurrency
        self.created_after = _run_start(client, started)

    def submit(self, contacts: Iterable[Contact], progress: Progress | None = None,
               upserted: Callable[[list[Outcome]], None] | None = None) -> Iterator[list[Outcome]]:
        """Upsert every contact and write its values; yield the outcomes each answer settles.

        `upserted` hears of each acknowledged upsert at once (the state journal), before the
        values that follow. A contact with a known `subscriber_id` needs no upsert: only its
        values are written. If Kit stops the run (401/403), requests in flight are settled,
        contacts whose values were still to be written are yielded with that problem, and
        the error is raised.
        """
        known: list[Outcome] = []  # contacts Kit has already: straight to their values

        def needing_upsert() -> Iterator[Contact]:
            for contact in contacts:
                if contact.subscriber_id is None:
                    yield contact
                else:
                    known.append(Outcome(contact, Status.UPDATED, contact.subscriber_id))

        chunks = batched(needing_upsert())
        more = True
        queue: deque[ValueItem] = deque()
        waiting: dict[int, list] = {}  # id(outcome) -> [outcome, values not yet settled]
        with Workers(self.concurrency) as workers:
            while True:
                while workers.can_start:
                    if known:
                        if settled := self._upserted(known, queue, waiting):
                            yield settled
                        known.clear()
                    if len(queue) >= CHUNK or (queue and not more and not workers.running("upsert")):
                        batch = [queue.popleft() for _ in range(min(CHUNK, len(queue)))]
                        workers.start("values", self._write_values, batch)
                    elif more and (chunk := next(chunks, None)) is not None:
                        workers.start("upsert", self._upsert, chunk)
                    elif more:
                        more = False  # all upserts handed out: a partial values batch may go now
                    else:
                        break
                if not workers:
                    break
                for tag, payload, result in workers.finished():
                    if tag == "upsert" and upserted:
                        upserted(result)
                    settled = self._upserted(result, queue, waiting) if tag == "upsert" else \
                        self._settle_values(payload, result, waiting)
                    if settled:
                        if progress:
                            progress(len(settled))
                        yield settled
        if workers.fatal is not None:
            for outcome, _ in waiting.values():
                outcome.problems.append(("field not written", f"not sent: the run stopped: {workers.fatal}"))
                outcome.unwritten.update(outcome.contact.fields)
            if waiting:
                yield [outcome for outcome, _ in waiting.values()]
            raise workers.fatal

    @staticmethod
    def _upserted(outcomes: list[Outcome], queue: deque[ValueItem], waiting: dict[int, list]) -> list[Outcome]:
        settled = []
        for outcome in outcomes:
            if outcome.status is Status.FAILED or not outcome.contact.fields:
                settled.append(outcome)
                continue
            waiting[id(outcome)] = [outcome, len(outcome.contact.fields)]
            queue.extend((outcome, f, v) for f, v in outcome.contact.fields.items())
        return settled

    @staticmethod
    def _settle_values(items: list[ValueItem], results: list[tuple[str, str]],
                       waiting: dict[int, list]) -> list[Outcome]:
        """Apply a values request's per-item results (in the main thread: outcomes are not shared
        between threads) and return the outcomes that have no value left to settle."""
        done = []
        for (outcome, kit_field, _), (state, detail) in zip(items, results):
            if state == "written":
                outcome.values_written += 1
            elif state == "unconfirmed":
                outcome.values_unconfirmed += 1
            else:
                outcome.problems.append(("field not written", f"{kit_field.label}: {detail}"))
                outcome.unwritten.add(kit_field)
            entry = waiting[id(outcome)]
            entry[1] -= 1
            if entry[1] == 0:
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
        for sub in _dicts(reply.body.get("subscribers")):
            outcome = pending.get(str(sub.get("email_address") or "").casefold())
            if outcome is None or not isinstance(sub.get("id"), int):
                continue
            del pending[outcome.contact.email.casefold()]
            outcome.subscriber_id = sub["id"]
            outcome.status = Status.CREATED if _created_since(sub.get("created_at"), self.created_after) \
                else Status.UPDATED
        unnamed = []
        for failure in _dicts(reply.body.get("failures")):
            sub = failure.get("subscriber") if isinstance(failure.get("subscriber"), dict) else {}
            errors = _joined(failure.get("errors"))
            outcome = pending.pop(str(sub.get("email_address") or "").casefold(), None)
            if outcome is not None:
                outcome.fail("Kit rejected the subscriber", errors)
            else:
                unnamed.append((sub.get("first_name"), errors))
        _match_by_elimination(list(pending.values()), unnamed)
        return outcomes

    def _write_values(self, items: list[ValueItem]) -> list[tuple[str, str]]:
        """Send one bulk values request; return ("written" | "unconfirmed" | "failed", detail) per item."""
        body = {"custom_field_values": [{"subscriber_id": o.subscriber_id, "subscriber_custom_field_id": f.id,
                                         "value": v} for o, f, v in items],
                "callback_url": None}
        try:
            reply = self.client.post("/v4/bulk/custom_fields/subscribers", body)
        except (KitRequestError, KitUnavailableError) as e:
            reason = "Kit unavailable" if isinstance(e, KitUnavailableError) else "Kit refused the values"
            return [("failed", f"{reason}: {e}")] * len(items)
        if reply.status == 202:
            return [("unconfirmed", "")] * len(items)
        results: list[tuple[str, str] | None] = [None] * len(items)
        pending = {(o.subscriber_id, f.id): i for i, (o, f, _) in enumerate(items)}
        body = reply.body if isinstance(reply.body, dict) else {}
        for value in _dicts(body.get("custom_field_values")):
            index = pending.pop((value.get("subscriber_id"), value.get("subscriber_custom_field_id")), None)
            if index is not None:
                results[index] = ("written", "")
        unnamed: list[tuple[dict, str]] = []
        for failure in _dicts(body.get("failures")):
            value = failure.get("custom_field_value") if isinstance(failure.get("custom_field_value"), dict) else {}
            errors = _joined(failure.get("errors"))
            index = pending.pop((value.get("subscriber_id"), value.get("subscriber_custom_field_id")), None)
            if index is None:
                unnamed.append((value, errors))
            else:
                results[index] = ("failed", errors)
        # A failure whose subscriber_id is null is matched by field and value among the values
        # that neither succeeded nor failed by name; what is still unmatched was not confirmed.
        for value, errors in unnamed:
            field_id = value.get("subscriber_custom_field_id")
            candidates = [key for key, i in pending.items() if items[i][1].id == field_id
                          and items[i][2] == value.get("value")]
            if len(candidates) != 1:
                candidates = [key for key, i in pending.items() if items[i][1].id == field_id] or list(pending)
            if candidates:
                results[pending.pop(candidates[0])] = ("failed", errors)
        return [r or ("failed", "Kit did not confirm the value") for r in results]


def _dicts(items: Any) -> list[dict]:
    """The dict entries of a list from Kit's answer (anything else is ignored, not trusted)."""
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _joined(errors: Any) -> str:
    if isinstance(errors, list) and errors:
        return "; ".join(str(e) for e in errors)
    return str(errors) if errors else "no reason given"


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

    def __init__(self, client: KitClient, *, concurrency: int = 1, started: dt.datetime | None = None) -> None:
        self.client = client
        self.concurrency = concurrency
        self.created_after = _run_start(client, started)
        self.keyed_by: str | None = None

    def submit(self, contacts: Iterable[Contact], progress: Progress | None = None,
               upserted: Callable[[list[Outcome]], None] | None = None) -> Iterator[list[Outcome]]:
        """Upsert contacts, several in flight; yield each outcome (as a list of one) when settled.
        (`upserted` is for the bulk path's two-step writes; here one answer settles all.)"""
        pending = iter(contacts)
        with Workers(self.concurrency) as workers:
            while True:
                while workers.can_start and (contact := next(pending, None)) is not None:
                    workers.start("upsert", self.upsert, contact)
                if not workers:
                    break
                for _, _, outcome in workers.finished():
                    if progress:
                        progress(1)
                    yield [outcome]
        if workers.fatal is not None:
            raise workers.fatal

    def upsert(self, contact: Contact) -> Outcome:
        """Upsert one contact and check what Kit kept of its values."""
        outcome = Outcome(contact, Status.FAILED)
        used = self.keyed_by or "key"
        try:
            reply = self.client.post("/v4/subscribers", _single_body(contact, used))
        except KitUnavailableError as e:
            _refused([outcome], e)
            return outcome
        except KitRequestError as e:
            other = self._other_reading(contact, used, e)
            return (other and self._send_as(contact, other)) or self._rejected(outcome, e)
        kept, missed = _kept(contact.fields, reply)
        if contact.fields and not kept and reply.status != 202 and _has_echo(reply):
            other = self._other_reading(contact, used)
            if other and (retried := self._send_as(contact, other)):
                return retried
        if kept and self.keyed_by is None:
            self.keyed_by = used
        return _settle(outcome, contact, reply, kept, missed, self.created_after)

    def _other_reading(self, contact: Contact, used: str, error: KitRequestError | None = None) -> str | None:
        """The reading of `fields` to retry with, if any: labels while no reading is proven yet,
        or the reading another request proved while this one was in flight."""
        if not contact.fields or (error is not None and "email" in " ".join(error.errors).casefold()):
            return None
        if self.keyed_by is None:
            return "label" if used == "key" else None
        return self.keyed_by if self.keyed_by != used else None

    def _send_as(self, contact: Contact, keyed_by: str) -> Outcome | None:
        """Send again with `fields` keyed this way; an outcome if Kit kept the values, else None."""
        try:
            reply = self.client.post("/v4/subscribers", _single_body(contact, keyed_by))
        except (KitRequestError, KitUnavailableError):
            return None
        kept, missed = _kept(contact.fields, reply)
        if not kept:
            return None
        self.keyed_by = self.keyed_by or keyed_by
        return _settle(Outcome(contact, Status.FAILED), contact, reply, kept, missed, self.created_after)

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
            missed: list[CustomField], created_after: dt.datetime) -> Outcome:
    body = reply.body if isinstance(reply.body, dict) else {}
    sub = body.get("subscriber") if isinstance(body.get("subscriber"), dict) else {}
    outcome.subscriber_id = sub["id"] if isinstance(sub.get("id"), int) else None
    new = reply.status != 200 or _created_since(sub.get("created_at"), created_after)
    outcome.status = Status.CREATED if new else Status.UPDATED
    warned = _warnings(body, contact.fields)
    for kit_field in missed:
        if kit_field not in warned:
            outcome.problems.append(("field not written", f"{kit_field.label}: Kit did not keep the value"))
    for kit_field, text in warned.items():
        outcome.problems.append(("field not written", f"{kit_field.label}: {text}" if kit_field else text))
    outcome.unwritten.update(missed, (f for f in warned if f is not None))
    if None in warned:  # a warning naming no field: no value of this contact can be trusted as kept
        outcome.unwritten.update(contact.fields)
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
