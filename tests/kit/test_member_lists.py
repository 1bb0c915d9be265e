"""A form's and a sequence's subscribers: the sandbox answers GET /v4/forms/{id}/subscribers and
GET /v4/sequences/{id}/subscribers as Kit's OpenAPI document describes them (its response schema,
`status` defaulting to active, cursor pages of at most 1000, `include_total_count`), and the
client's readers ask only what the document declares and stop reading when the caller stops."""

from __future__ import annotations

import pytest

import kit_contract
from importer.errors import KitRequestError
from importer.kit import Credential, KitClient, form_member_emails, sequence_member_emails

PATHS = {"form": "/v4/forms/{}/subscribers", "sequence": "/v4/sequences/{}/subscribers"}


@pytest.fixture(autouse=True)
def _spec():
    kit_contract.require_spec()


@pytest.fixture
def lists(sandbox):
    """A form and a sequence of 1,200 subscribers, the last of them cancelled."""
    store = sandbox.store
    form = store.add_form("Newsletter")
    sequence = store.sequences.add("Welcome")
    for n in range(1200):
        sub, _ = store.upsert(f"p{n}@example.com", None, set_first_name=False)
        store.add_to_form(form, sub, "https://example.com/?utm_source=kit&utm_campaign=spring" if n == 1198 else None)
        store.sequences.join(sequence, sub, store.now_iso(), float(n))
    store.unsubscribe(store.find("p1199@example.com"))
    return {"form": form.id, "sequence": sequence.id}


def client_for(sandbox) -> KitClient:
    return KitClient(Credential("oauth", sandbox.access_token), sandbox.url)


@pytest.mark.parametrize("what", ["form", "sequence"])
def test_the_sandbox_answers_as_kits_document_says(sandbox, lists, what):
    client = client_for(sandbox)
    path = PATHS[what].format(lists[what])
    first = client.request("GET", path, params={"per_page": 1000, "status": "all", "include_total_count": "true"})
    assert kit_contract.response_problems("GET", path, first.status, first.body) == []
    assert len(first.body["subscribers"]) == 1000 and first.body["pagination"]["has_next_page"]
    assert first.body["pagination"]["total_count"] == 1200
    assert first.body["subscribers"][0]["email_address"] == "p1199@example.com"  # newest added first
    after = first.body["pagination"]["end_cursor"]
    second = client.request("GET", path, params={"per_page": 1000, "status": "all", "after": after})
    assert kit_contract.response_problems("GET", path, second.status, second.body) == []
    assert len(second.body["subscribers"]) == 200 and not second.body["pagination"]["has_next_page"]
    assert len(client.get(path, {"per_page": 5000})["subscribers"]) == 1000  # Kit's maximum page
    assert "p1199@example.com" not in {s["email_address"] for s in client.get(path, {"per_page": 1000})["subscribers"]}


def test_a_form_lists_each_members_referrer_and_its_utm_parameters(sandbox, lists):
    page = client_for(sandbox).get(PATHS["form"].format(lists["form"]))  # Kit's default: active ones
    first = page["subscribers"][0]
    assert first["email_address"] == "p1198@example.com"
    assert first["referrer"] == "https://example.com/?utm_source=kit&utm_campaign=spring"
    assert first["referrer_utm_parameters"] == {"source": "kit", "medium": "", "campaign": "spring", "term": "",
                                                "content": ""}


@pytest.mark.parametrize("what", ["form", "sequence"])
def test_an_unknown_list_is_kits_404(sandbox, what):
    client = client_for(sandbox)
    client.get("/v4/account")  # a first answer: a 404 then is Kit's, not a wrong KIT_API_URL
    with pytest.raises(KitRequestError) as refused:
        client.get(PATHS[what].format(999))
    assert refused.value.status == 404


@pytest.mark.parametrize("what, read", [("form", form_member_emails), ("sequence", sequence_member_emails)])
def test_the_readers_ask_what_the_document_declares_and_read_a_page_only_when_needed(sandbox, lists, what, read):
    client = client_for(sandbox)
    emails = read(client, lists[what])
    assert next(emails) == "p1199@example.com"  # every state: a cancelled member is still on the list
    endpoint = f"GET {PATHS[what].format('{id}')}"
    assert client.stats.by_endpoint[endpoint] == 1
    assert len(list(emails)) == 1199 and client.stats.by_endpoint[endpoint] == 2
    query = next(q for m, p, q, _ in sandbox.requests if p == PATHS[what].format(lists[what]))
    assert query == {"per_page": "1000", "status": "all"}
    assert kit_contract.problems("GET", PATHS[what].format(lists[what]), None, query) == []
