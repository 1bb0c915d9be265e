"""Contacts -> stages of Kit requests -> one outcome per contact, several requests in flight.

A stage is one kind of request (bulk upserts, bulk values, one upsert per contact...). The
scheduler knows no Kit endpoint: it fills each stage's batches, runs their `send` on a
worker pool, hands every answer back to the stage's `settle` in the main thread, feeds the
stages that need a subscriber id as soon as one is known (a pipeline), and yields each
contact when no stage has anything left to do for it. A fatal error (401/403, or Kit out of
reach for minutes) stops new requests; what is in flight is settled (once Kit is out of reach,
only what answers within `stop_grace`, as for an interrupt), every acknowledged contact with work left is told
why by each unfinished stage, and the error is raised. An interrupt (Ctrl-C, SIGTERM) does
the same, except that requests still unanswered after `stop_grace` seconds are abandoned:
their contacts are `in_flight()`, sent but not confirmed.
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from importer.errors import KitError, KitRequestError, KitUnavailableError, KitUnreachableError
from importer.records import HELD_ACTIVE, Contact, KitState, Outcome, Status
from importer.send.stages.base import Stage

__all__ = ["STOP_GRACE", "Scheduler", "Stage", "stop_grace_default"]

STOP_GRACE = 5.0  # seconds an interrupted run waits for answers to requests already sent
_FINISHED_ON_READING = 100  # contacts finished as they are read (nothing to send) are yielded this many at a time
Progress = Callable[[int], None]
Journal = Callable[[list[Outcome]], None]


class _Entry:
    """A contact on its way through the stages: its outcome and its items still unsettled, per stage."""

    __slots__ = ("outcome", "pending", "acknowledged", "flying")

    def __init__(self, outcome: Outcome, stages: int) -> None:
        self.outcome = outcome
        self.pending = [0] * stages
        self.acknowledged = False  # every id-giving stage has settled it
        self.flying = 0  # batches holding it that were sent and are not settled yet


class Scheduler:
    """Runs stages over a stream of contacts with at most `concurrency` requests in flight.

    Stages are tried last first, so that work whose ids are known goes before more contacts
    are read; a batch goes when full, or partial when nothing upstream can add to it.
    """

    def __init__(self, stages: Sequence[Stage], *, concurrency: int = 1, stop_grace: float | None = None) -> None:
        self.stages = list(stages)
        self.concurrency = concurrency
        self.stop_grace = stop_grace_default() if stop_grace is None else stop_grace
        self._run: _Run | None = None
        self._stop: KeyboardInterrupt | None = None

    def stop(self, interrupt: KeyboardInterrupt) -> None:
        """Ask a running submit to wind down, for an interrupt that reached its caller instead of it."""
        self._stop = interrupt

    def in_flight(self) -> list[Outcome]:
        """The outcomes of contacts sent in a request whose answer was never settled: the run stopped
        first. One that an id-giving stage settled already is CREATED or UPDATED, as Kit confirmed."""
        if self._run is None:
            return []
        return [entry.outcome for entry in self._run.open if entry.flying]

    def submit(self, contacts: Iterable[Contact], progress: Progress | None = None,
               journal: Journal | None = None) -> Iterator[list[Outcome]]:
        """Send every contact through the stages; yield the outcomes each answer finishes.

        `journal` hears of contacts that an id-giving stage acknowledged and that have work
        still to come (the state file keeps their ids before their values are written). A
        contact with a known `subscriber_id` that no id-giving stage takes goes straight to
        the stages that need it. An interrupt starts nothing more, settles the answers that
        come within `stop_grace`, yields what they finish, and is raised again.
        """
        run = self._run = _Run(self.stages, iter(contacts))
        self._stop = None
        with _Workers(self.concurrency) as workers:
            try:
                while True:
                    if self._stop is not None:
                        raise self._stop
                    while workers.can_start and (ready := run.next_batch()) is not None:
                        index, entries, batch = ready
                        workers.start((index, entries, batch), self.stages[index].send, batch)
                    if done := run.take_done():
                        yield done
                        self._tell(done, progress)
                        continue  # contacts finished on reading: there may be more to start
                    if not workers:
                        break  # nothing in flight and nothing ready: every contact is through
                    if isinstance(workers.fatal, KitUnreachableError):
                        yield from self._wind_down(run, workers, progress, journal)  # no answer is coming
                        break
                    yield from self._settle(run, workers, None, progress, journal)
            except KeyboardInterrupt as interrupt:
                yield from self._wind_down(run, workers, progress, journal)
                if stopped := run.abandon(str(interrupt) or "interrupted", skip_flying=True):
                    yield stopped
                raise
        if workers.fatal is not None:
            # Kit out of reach: a request that may have reached it before failing stays in flight (not confirmed).
            if stopped := run.abandon(str(workers.fatal), skip_flying=isinstance(workers.fatal, KitUnreachableError)):
                yield stopped
            raise workers.fatal

    def _settle(self, run: _Run, workers: _Workers, timeout: float | None, progress: Progress | None,
                journal: Journal | None) -> Iterator[list[Outcome]]:
        """Hand each answer to its stage; yield the outcomes it finishes."""
        for (index, entries, batch), answer in workers.finished(timeout):
            self.stages[index].settle(batch, answer)
            acknowledged = run.settled(index, entries)
            if journal and acknowledged:
                journal(acknowledged)
            if done := run.take_done():
                yield done
                self._tell(done, progress)
        for _, entries, _ in workers.refused:  # answered, with a refusal that stops the run
            for entry in set(entries):
                entry.flying -= 1
        workers.refused.clear()

    def _wind_down(self, run: _Run, workers: _Workers, progress: Progress | None,
                   journal: Journal | None) -> Iterator[list[Outcome]]:
        """After an interrupt: start nothing, settle the answers that come within the grace
        period, then abandon the requests still out (their contacts stay `in_flight`)."""
        deadline = time.monotonic() + self.stop_grace
        while workers and (left := deadline - time.monotonic()) > 0:
            yield from self._settle(run, workers, left, progress, journal)
        workers.abandon()

    @staticmethod
    def _tell(done: list[Outcome], progress: Progress | None) -> None:
        """Move the progress on, only once the caller has the outcomes: an interrupt that lands in the
        progress bar must not lose a batch Kit has answered."""
        if progress:
            progress(len(done))


def stop_grace_default() -> float:
    """STOP_GRACE, or KIT_IMPORT_STOP_GRACE seconds: tests shorten it to rehearse answers that never come."""
    try:
        return max(0.0, float(os.environ.get("KIT_IMPORT_STOP_GRACE", STOP_GRACE)))
    except ValueError:
        return STOP_GRACE


class _Run:
    """One submit's bookkeeping, touched only by the main thread: the queue of each stage, the
    batches in flight per stage, and the contacts not yet finished."""

    def __init__(self, stages: list[Stage], contacts: Iterator[Contact]) -> None:
        self.stages = stages
        self.contacts = contacts
        self.exhausted = False
        self.queues: list[deque[tuple[_Entry, Any]]] = [deque() for _ in stages]
        self.in_flight = [0] * len(stages)
        self.open: dict[_Entry, None] = {}  # unfinished entries, in arrival order
        self.done: list[Outcome] = []
        self.givers = [i for i, s in enumerate(stages) if not s.needs_id]
        self.takers = [i for i, s in enumerate(stages) if s.needs_id]

    def next_batch(self) -> tuple[int, list[_Entry], list[Any]] | None:
        """The next batch to send (reading more contacts as needed), or None for now."""
        while True:
            for index in reversed(range(len(self.stages))):
                queue, size = self.queues[index], self.stages[index].size
                if len(queue) >= size or (queue and self._upstream_done(index)):
                    pairs = [queue.popleft() for _ in range(min(size, len(queue)))]
                    self.in_flight[index] += 1
                    entries = [e for e, _ in pairs]
                    for entry in set(entries):
                        entry.flying += 1
                    return index, entries, [item for _, item in pairs]
            if self.exhausted or len(self.done) >= _FINISHED_ON_READING:
                return None  # wait for answers, or yield what reading finished first
            self._read()

    def _upstream_done(self, index: int) -> bool:
        """Whether nothing more can join this stage's queue: every contact is read and, for a
        stage that needs ids, every id-giving stage is idle."""
        if not self.exhausted:
            return False
        return not self.stages[index].needs_id or \
            all(not self.queues[i] and not self.in_flight[i] for i in self.givers)

    def _read(self) -> None:
        """Read one contact into the stages that take it, or learn that there are no more."""
        contact = next(self.contacts, None)
        if contact is None:
            self.exhausted = True
            return
        entry = _Entry(Outcome(contact, Status.FAILED), len(self.stages))
        self.open[entry] = None
        for index in self.givers:
            self._enqueue(entry, index)
        if not any(entry.pending):  # no stage gives it an id: Kit has it already
            if contact.subscriber_id is not None:
                entry.outcome.status, entry.outcome.subscriber_id = Status.UPDATED, contact.subscriber_id
                if HELD_ACTIVE in contact.confirmed:
                    entry.outcome.kit_state = KitState.ACTIVE
            self._acknowledge(entry)

    def _enqueue(self, entry: _Entry, index: int) -> None:
        items = self.stages[index].items(entry.outcome)
        entry.pending[index] += len(items)
        self.queues[index].extend((entry, item) for item in items)

    def _acknowledge(self, entry: _Entry) -> bool:
        """Every id-giving stage is done with the entry: feed the stages that need its id.
        True if some did take work."""
        entry.acknowledged = True
        outcome = entry.outcome
        if outcome.status is not Status.FAILED and outcome.subscriber_id is not None:
            for index in self.takers:
                self._enqueue(entry, index)
        self._finish_if_done(entry)
        return entry in self.open

    def settled(self, index: int, entries: list[_Entry]) -> list[Outcome]:
        """Count a batch of stage `index` as settled; return the outcomes it acknowledged that
        still have work to come."""
        self.in_flight[index] -= 1
        acknowledged = []
        for entry, settled in Counter(entries).items():
            entry.flying -= 1
            entry.pending[index] -= settled
            if not entry.acknowledged and not any(entry.pending[i] for i in self.givers):
                if self._acknowledge(entry):
                    acknowledged.append(entry.outcome)
            else:
                self._finish_if_done(entry)
        return acknowledged

    def _finish_if_done(self, entry: _Entry) -> None:
        if entry.acknowledged and not any(entry.pending) and entry in self.open:
            del self.open[entry]
            self.done.append(entry.outcome)

    def take_done(self) -> list[Outcome]:
        done, self.done = self.done, []
        return done

    def abandon(self, why: str, skip_flying: bool = False) -> list[Outcome]:
        """The run stopped: each stage with work left for an acknowledged contact says so; those
        outcomes are returned. Contacts no id-giving stage settled are not: they were not sent.
        With `skip_flying`, neither are contacts in a request still unanswered."""
        stopped = []
        for entry in list(self.open):
            if entry.acknowledged and not (skip_flying and entry.flying):
                for index, left in enumerate(entry.pending):
                    if left:
                        self.stages[index].abandon(entry.outcome, why)
                stopped.append(entry.outcome)
                del self.open[entry]
        return stopped


class _Workers:
    """At most `size` requests in flight, each on its own daemon thread; completed ones come
    back in any order.

    A per-request failure (KitRequestError, KitUnavailableError) becomes the task's answer; a
    fatal one (401/403) is kept, not raised, so the caller can stop handing out work, settle
    what is still in flight, and then raise it. Daemon threads let a stopped run abandon
    requests still waiting for an answer instead of waiting out their timeout at exit.
    """

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self.fatal: KitError | None = None
        self.refused: list[Any] = []  # tags of the tasks that failed fatally
        self._running: dict[int, Any] = {}
        self._answers: queue.SimpleQueue[tuple[int, bool, Any]] = queue.SimpleQueue()
        self._keys = itertools.count()

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        # A bug raised in the main thread: requests already sent finish on their own threads.
        self._running.clear()

    @property
    def can_start(self) -> bool:
        return self.fatal is None and len(self._running) < self.size

    def start(self, tag: Any, send: Callable[[Any], Any], batch: Any) -> None:
        key = next(self._keys)
        self._running[key] = tag
        threading.Thread(target=self._work, args=(key, send, batch), name="kit-request", daemon=True).start()

    def _work(self, key: int, send: Callable[[Any], Any], batch: Any) -> None:
        try:
            self._answers.put((key, True, _answer(send, batch)))
        except BaseException as e:  # a fatal KitError, or a bug: the main thread decides
            self._answers.put((key, False, e))

    def finished(self, timeout: float | None = None) -> Iterator[tuple[Any, Any]]:
        """Wait (up to `timeout`) for at least one task; yield (tag, answer) for each that did
        not fail fatally. A bug in a task is raised here."""
        if not self._running:
            return
        try:
            answers = [self._answers.get(timeout=timeout)]
        except queue.Empty:
            return
        while True:
            try:
                answers.append(self._answers.get_nowait())
            except queue.Empty:
                break
        for key, ok, answer in answers:
            tag = self._running.pop(key, None)
            if tag is None:
                continue  # abandoned
            if ok:
                yield tag, answer
            elif isinstance(answer, KitError):
                self.fatal = self.fatal or answer
                if not getattr(answer, "maybe_applied", False):  # else Kit may have applied it: still in flight
                    self.refused.append(tag)
            else:
                raise answer

    def abandon(self) -> None:
        """Stop waiting for the requests still out; their answers, if any come, are dropped."""
        self._running.clear()

    def __bool__(self) -> bool:
        return bool(self._running)


def _answer(send: Callable[[Any], Any], batch: Any) -> Any:
    """Run a stage's send; a failure of this request alone is its answer, for `settle` to attribute."""
    try:
        return send(batch)
    except (KitRequestError, KitUnavailableError) as e:
        return e
