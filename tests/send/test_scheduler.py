"""The scheduler: stages fed in order, ids before the stages that need them, settling in the main thread."""

from __future__ import annotations

import json
import threading

import pytest

from conftest import BASE, COMPANY, LAST_NAME
from importer.errors import KitFatalError, KitRequestError
from importer.records import Contact, Outcome, Status
from importer.send.scheduler import Scheduler, Stage
from importer.send.stages import stages_for


def contacts(n, fields=None):
    return [Contact(f"p{i}@example.com", None, dict(fields or {}), [i + 2]) for i in range(n)]


class Ids(Stage):
    """A toy id-giving stage: subscriber id 1000 + row, `size` contacts a request."""

    def __init__(self, size=2, fail=()):
        self.size, self.fail, self.sent = size, set(fail), []

    def items(self, outcome):
        return [outcome]

    def send(self, batch):
        self.sent.append([o.contact.email for o in batch])
        return {o.contact.email: 1000 + o.contact.rows[0] for o in batch if o.contact.email not in self.fail}

    def settle(self, batch, answer):
        for outcome in batch:
            if outcome.contact.email in answer:
                outcome.subscriber_id, outcome.status = answer[outcome.contact.email], Status.CREATED
            else:
                outcome.fail("Kit rejected the subscriber", "toy refusal")


class Taggings(Stage):
    """A toy third stage such as taggings: it needs ids, packs `size` taggings across subscribers."""

    needs_id = True

    def __init__(self, tags=("vip", "news"), size=3, fatal_after=None):
        self.tags, self.size, self.fatal_after = tags, size, fatal_after
        self.batches, self.settled_in = [], set()

    def items(self, outcome):
        return [(outcome, tag) for tag in self.tags]

    def send(self, batch):
        if self.fatal_after is not None and len(self.batches) >= self.fatal_after:
            raise KitFatalError("Kit rejected the OAuth access token (HTTP 401: The access token is invalid).")
        self.batches.append([(o.subscriber_id, tag) for o, tag in batch])
        if any(tag == "refused" for _, tag in batch):
            raise KitRequestError("Kit refused POST /v4/bulk/tags/subscribers (HTTP 422)", errors=["Tag is invalid"])
        return len(batch)

    def settle(self, batch, answer):
        self.settled_in.add(threading.current_thread().name)
        for outcome, tag in batch:
            if isinstance(answer, KitRequestError):
                outcome.problems.append(("tag not applied", f"{tag}: {'; '.join(answer.errors)}"))

    def abandon(self, outcome, why):
        outcome.problems.append(("tag not applied", f"not sent: the run stopped: {why}"))


def run(stages, items, **kw):
    batches = list(Scheduler(stages, concurrency=kw.pop("concurrency", 1)).submit(items, **kw))
    return batches, [o for batch in batches for o in batch]


def test_a_stage_that_needs_ids_gets_them_and_packs_across_contacts():
    ids, tags = Ids(size=2), Taggings(size=3)
    _, out = run([ids, tags], contacts(5))
    assert ids.sent == [["p0@example.com", "p1@example.com"], ["p2@example.com", "p3@example.com"],
                        ["p4@example.com"]]
    assert [len(b) for b in tags.batches] == [3, 3, 3, 1]  # 10 taggings, the partial one last
    assert sorted(sid for b in tags.batches for sid, _ in b) == sorted([1002, 1003, 1004, 1005, 1006] * 2)
    assert sorted(o.contact.email for o in out) == [f"p{i}@example.com" for i in range(5)]  # each once
    assert tags.settled_in == {threading.current_thread().name}  # outcomes are written in the main thread


def test_a_contact_without_an_id_never_reaches_a_stage_that_needs_one():
    ids, tags = Ids(fail={"p1@example.com"}), Taggings()
    _, out = run([ids, tags], contacts(2))
    assert {sid for b in tags.batches for sid, _ in b} == {1002}
    failed = next(o for o in out if o.contact.email == "p1@example.com")
    assert failed.problems == [("Kit rejected the subscriber", "toy refusal")]


def test_a_known_id_skips_the_stages_that_give_ids():
    class Upserts(Ids):
        def items(self, outcome):
            return [outcome] if outcome.contact.subscriber_id is None else []

    ids, tags = Upserts(), Taggings(tags=("vip",))
    known = Contact("known@example.com", None, {}, [9], subscriber_id=77)
    _, out = run([ids, tags], [known])
    assert ids.sent == [] and tags.batches == [[(77, "vip")]]
    assert (out[0].status, out[0].subscriber_id) == (Status.UPDATED, 77)


def test_a_refused_request_is_settled_by_its_stage_and_the_run_goes_on():
    _, out = run([Ids(), Taggings(tags=("refused",), size=1)], contacts(2))
    assert [o.problems for o in out] == [[("tag not applied", "refused: Tag is invalid")]] * 2


def test_the_journal_hears_of_ids_before_the_work_that_needs_them():
    heard = []
    tags = Taggings()
    run([Ids(), tags], contacts(2), journal=lambda outcomes: heard.append(
        (sorted(o.subscriber_id for o in outcomes), len(tags.batches))))
    assert heard == [([1002, 1003], 0)]


def test_a_fatal_error_settles_what_is_in_flight_tells_each_waiting_contact_and_is_raised():
    tags = Taggings(tags=("vip",), size=1, fatal_after=1)
    scheduler = Scheduler([Ids(size=2), tags])
    seen: list[Outcome] = []
    with pytest.raises(KitFatalError):
        for batch in scheduler.submit(contacts(4)):
            seen.extend(batch)
    assert len(tags.batches) == 1
    told = [o for o in seen if o.problems]
    assert told and all(o.problems == [("tag not applied", "not sent: the run stopped: Kit rejected the OAuth "
                                        "access token (HTTP 401: The access token is invalid).")] for o in told)
    assert {o.contact.email for o in seen} <= {f"p{i}@example.com" for i in range(4)}


def test_progress_counts_every_contact_once():
    counted = []
    _, out = run([Ids(), Taggings()], contacts(7), progress=counted.append, concurrency=4)
    assert sum(counted) == len(out) == 7


def test_the_real_stages_take_a_toy_stage_that_needs_ids(kit, oauth_client):
    """Adding a stage touches neither the scheduler nor the other stages: the real upserts and
    values run with a toy taggings stage appended."""
    def upsert(request):
        subs = json.loads(request.body)["subscribers"]
        return 200, {}, json.dumps({"subscribers": [{"id": 500 + i, "email_address": s["email_address"],
                                                     "first_name": None, "state": "active",
                                                     "created_at": "2023-02-17T11:43:55Z"}
                                                    for i, s in enumerate(subs)], "failures": []})

    def write(request):
        return 200, {}, json.dumps({"custom_field_values": json.loads(request.body)["custom_field_values"],
                                    "failures": []})

    kit.add_callback("POST", f"{BASE}/v4/bulk/subscribers", callback=upsert)
    kit.add_callback("POST", f"{BASE}/v4/bulk/custom_fields/subscribers", callback=write)
    tags = Taggings(tags=("vip",), size=100)
    _, out = run([*stages_for(oauth_client), tags], contacts(3, {LAST_NAME: "L", COMPANY: "C"}))
    assert tags.batches == [[(500, "vip"), (501, "vip"), (502, "vip")]]
    assert [(o.values_written, o.problems) for o in out] == [(2, [])] * 3


class SlowIds(Ids):
    """Ids whose requests for the emails in `stuck` wait until `release` is set (an answer that never comes)."""

    def __init__(self, stuck=(), size=1):
        super().__init__(size=size)
        self.stuck, self.release, self.started = set(stuck), threading.Event(), threading.Event()

    def send(self, batch):
        if any(o.contact.email in self.stuck for o in batch):
            self.started.set()
            self.release.wait(10)
        return super().send(batch)


def test_an_interrupt_settles_quick_answers_and_leaves_the_unanswered_in_flight():
    ids = SlowIds(stuck={"p1@example.com"})
    scheduler = Scheduler([ids], concurrency=2, stop_grace=0.3)
    batches = scheduler.submit(contacts(10))
    first = next(batches)  # p0 answered at once; p1 is stuck in flight
    assert [o.contact.email for o in first] == ["p0@example.com"]
    assert ids.started.wait(2)
    scheduler.stop(KeyboardInterrupt())
    rest = []
    with pytest.raises(KeyboardInterrupt):
        for batch in batches:
            rest += batch
    try:
        answered = {o.contact.email for o in rest}
        assert "p1@example.com" not in answered
        assert [o.contact.email for o in scheduler.in_flight()] == ["p1@example.com"]
        sent = {e for batch in ids.sent for e in batch}
        assert len(sent) < 10  # nothing new started after the stop
    finally:
        ids.release.set()


def test_answers_within_the_grace_period_are_settled_not_left_unconfirmed():
    ids = SlowIds(stuck={"p1@example.com"})
    scheduler = Scheduler([ids], concurrency=2, stop_grace=5)
    batches = scheduler.submit(contacts(4))
    next(batches)
    assert ids.started.wait(2)
    scheduler.stop(KeyboardInterrupt())
    threading.Timer(0.2, ids.release.set).start()
    settled = []
    with pytest.raises(KeyboardInterrupt):
        for batch in batches:
            settled += batch
    assert "p1@example.com" in {o.contact.email for o in settled if o.status is Status.CREATED}
    assert scheduler.in_flight() == []


def test_an_interrupt_in_the_progress_callback_loses_no_answered_batch():
    """Ctrl-C lands while the progress bar moves: the batch Kit answered has been handed over first."""
    calls = []

    def progress(n):
        calls.append(n)
        raise KeyboardInterrupt

    got = []
    with pytest.raises(KeyboardInterrupt):
        for batch in Scheduler([Ids(size=2)], concurrency=1, stop_grace=0).submit(contacts(4), progress):
            got.append(batch)
    answered = [o for o in got[0] if o.status is Status.CREATED]
    assert calls == [2] and [o.contact.email for o in answered] == ["p0@example.com", "p1@example.com"]
