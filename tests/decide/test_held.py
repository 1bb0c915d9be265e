"""account.py against the sandbox: reading an account in pages of 1,000, refreshing it, its lag; and the cost rule."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from importer.decide.held import count_subscribers, read_account, read_cost, read_for, read_pays, write_cost
from importer.decide.compare import Kind, compare
from importer.kit import Credential, KitClient, RateLimiter, get_subscriber, get_subscriber_tags
from importer.records import Contact, CustomField, KitState
from importer.sandbox import KitStore

START = 1_700_000_000.0


def client_for(sandbox, kind: str = "oauth") -> KitClient:
    secret = sandbox.access_token if kind == "oauth" else sandbox.api_key
    return KitClient(Credential(kind, secret), sandbox.url, backoff_base=0.001, max_attempts=3,
                     limiter=RateLimiter(10_000, 60))


def seed(store: KitStore, n: int, *, tag_every: int = 0) -> None:
    company = store.field_by_key("company")
    vip, _ = store.add_tag("VIP")
    for i in range(n):
        sub, _ = store.upsert(f"Person{i}@Example.com", f"P{i}" if i % 2 else None, set_first_name=True)
        sub.values[company.id] = f"Co{i}"
        if tag_every and i % tag_every == 0:
            store.tag(sub, vip.id)
    store.find("person1@example.com").state = "cancelled"


def test_an_account_of_2500_is_read_in_3_requests_with_states_values_and_tags(sandbox):
    seed(sandbox.store, 2500, tag_every=10)
    client, seen = client_for(sandbox), []
    account = read_account(client, include_tags=True, progress=lambda done, total: seen.append((done, total)))
    assert (len(account), account.total, account.requests) == (2500, 2500, 3)
    assert client.stats.by_endpoint == {"GET /v4/subscribers": 3}
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]
    ann = account.get("PERSON10@example.com")  # any case finds it
    assert (ann.email, ann.first_name, ann.fields["company"], ann.fields["last_name"]) == (
        "Person10@Example.com", None, "Co10", None)
    assert [t.name for t in ann.tags] == ["VIP"] and account.get("person11@example.com").tags == ()
    assert account.get("person1@example.com").state is KitState.CANCELLED  # status=all: every state is read
    queries = [q for m, p, q, b in sandbox.requests if p == "/v4/subscribers"]
    assert [q.get("include_total_count") for q in queries] == ["true", None, None]
    assert all(q["include"] == "tags" and q["per_page"] == "1000" for q in queries)


def test_the_counting_page_is_the_reads_first_page(sandbox):
    seed(sandbox.store, 1500)
    client = client_for(sandbox, "api_key")
    first = count_subscribers(client, include_tags=False)
    assert first.total_count == 1500 and len(first.subscribers) == 1000
    account = read_account(client, include_tags=False, first=first)
    assert (len(account), account.total, account.requests) == (1500, 1500, 2)
    assert client.stats.total == 2 and account.get("person0@example.com").tags is None


def test_read_for_decides_on_a_counting_page_already_asked_unless_it_lacks_the_tags(sandbox):
    seed(sandbox.store, 2500)
    client = client_for(sandbox)
    first = count_subscribers(client, include_tags=False)
    emails = lambda: ["person3@example.com", "nobody@example.com"]  # noqa: E731
    account, how = read_for(client, 2, emails, include_tags=False, first=first)
    assert how.startswith("looked up 2 subscribers by email") and len(account) == 1
    assert client.stats.by_endpoint == {"GET /v4/subscribers": 3}  # the page given, then one lookup each
    read_for(client, 2, emails, include_tags=True, first=first)  # a page without tags cannot stand for one with
    assert [q.get("include_total_count") for m, p, q, b in sandbox.requests].count("true") == 2


def test_an_empty_account_costs_one_request(sandbox):
    account = read_account(client_for(sandbox), include_tags=True)
    assert (len(account), account.total, account.requests) == (0, 0, 1)


@pytest.fixture
def clock() -> list[float]:
    return [START]


@pytest.fixture
def store(clock) -> KitStore:
    return KitStore(clock=lambda: clock[0])


def test_a_refresh_reads_only_subscribers_updated_after_a_time(sandbox, clock):
    seed(sandbox.store, 5)
    clock[0] += 600
    sandbox.store.upsert("person3@example.com", "Renamed", set_first_name=True)
    since = dt.datetime.fromtimestamp(START + 300, dt.timezone.utc)
    account = read_account(client_for(sandbox), include_tags=False, updated_after=since)
    assert list(account.subscribers) == ["person3@example.com"] and account.total == 1
    assert account.get("person3@example.com").first_name == "Renamed"
    assert [q["updated_after"] for m, p, q, b in sandbox.requests if p == "/v4/subscribers"] == ["2023-11-14T22:18:20Z"]


def test_a_lagging_list_is_confirmed_by_a_read_by_id_and_a_tag_list_read_again(sandbox, clock):
    store = sandbox.store
    store.list_lag = 60  # Kit's list shows the account as it was a minute ago
    company = store.field_by_key("company")
    old, _ = store.upsert("old@example.com", "Old", set_first_name=True)
    clock[0] += 120
    old.values[company.id] = "Acme"
    store.changed(old)
    vip, _ = store.add_tag("VIP")
    store.tag(old, vip.id)
    store.upsert("new@example.com", "New", set_first_name=True)
    client = client_for(sandbox)
    account = read_account(client, include_tags=True)
    assert list(account.subscribers) == ["old@example.com"]  # the newcomer is not listed yet
    listed = account.get("old@example.com")
    assert (listed.fields["company"], listed.tags) == (None, ())  # the list shows Old before the write
    contact = Contact("old@example.com", None, {CustomField(company.id, "company", "Company"): "Acme"}, [2],
                      tags=("vip",))
    assert [c.kind for c in compare(contact, listed).changes[1:]] == [Kind.NEW, Kind.NEW]
    now = get_subscriber(client, listed.id)
    assert now.fields["company"] == "Acme"  # a read by id is current
    lagging = compare(contact, dataclasses.replace(now, tags=get_subscriber_tags(client, listed.id)))
    assert [c.what for c in lagging.changes if c.kind is Kind.NEW] == ["tag"]  # tags: a list, lagging
    clock[0] += 60
    confirmed = compare(contact, dataclasses.replace(now, tags=get_subscriber_tags(client, listed.id)))
    assert confirmed.difference is None  # once the lag has passed, the tag list shows it
    assert get_subscriber(client, 999) is None and get_subscriber_tags(client, 999) is None


@pytest.mark.parametrize("total, reads", [(0, 1), (1, 1), (1000, 1), (1001, 2), (2_000_000, 2000)])
def test_read_cost_is_a_request_per_1000_and_at_least_one(total, reads):
    assert read_cost(total) == reads


@pytest.mark.parametrize("contacts, values, taggings, kind, writes", [
    (250, 1000, 0, "oauth", 3 + 10),
    (250, 1000, 101, "oauth", 3 + 10 + 2),
    (0, 0, 0, "oauth", 0),
    (250, 1000, 30, "api_key", 280),
])
def test_write_cost_is_what_a_blind_run_sends(contacts, values, taggings, kind, writes):
    assert write_cost(contacts, values, taggings, kind) == writes
    assert write_cost(contacts, values, taggings, Credential(kind, "x")) == writes


@pytest.mark.parametrize("total, writes, pays, why", [
    (2_000_000, 600, False, "the account holds 2,000,000 subscribers: reading it (2,000 requests) costs more than "
                            "the 600 writes it could save"),
    (2500, 600, True, "the account holds 2,500 subscribers: reading it (3 requests) costs less than the 600 writes "
                      "it could save"),
    (1, 1, False, "the account holds 1 subscriber: reading it (1 request) costs as much as the 1 write it could save"),
])
def test_read_pays_only_when_it_costs_fewer_requests_than_the_writes(total, writes, pays, why):
    assert read_pays(total, writes) == (pays, why)
