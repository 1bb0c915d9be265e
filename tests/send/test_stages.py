"""Stages: every Kit answer, success or failure, traced back to the contact and its rows."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from responses import matchers

from conftest import BASE, COMPANY, LAST_NAME, POSTAL
from importer.records import Contact, Status
from importer.send.scheduler import Scheduler
from importer.send.stages import SingleUpserts, stages_for

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.timezone.utc)
NEW = "2026-11-22T12:00:01Z"
OLD = "2023-02-17T11:43:55Z"


def contact(email, first=None, row=2, **fields):
    by_key = {"last_name": LAST_NAME, "company": COMPANY, "postal_code": POSTAL}
    return Contact(email, first, {by_key[k]: v for k, v in fields.items()}, [row])


def sub(id_, email, created=NEW, first=None):
    return {"id": id_, "first_name": first, "email_address": email, "state": "active", "created_at": created}


def bulk(kit, subscribers, failures=()):
    kit.post(f"{BASE}/v4/bulk/subscribers", json={"subscribers": subscribers, "failures": list(failures)})


def values(kit, written, failures=()):
    kit.post(f"{BASE}/v4/bulk/custom_fields/subscribers",
             json={"custom_field_values": written, "failures": list(failures)})


def run_bulk(client, contacts):
    return {o.contact.email: o for batch in Scheduler(stages_for(client, started=NOW)).submit(contacts) for o in batch}


# --- OAuth: bulk ------------------------------------------------------------------------

def test_ids_are_taken_by_email_whatever_the_response_order(kit, oauth_client):
    bulk(kit, [sub(9, "b@example.com", OLD), sub(8, "A@Example.com")])
    values(kit, [{"subscriber_id": 8, "subscriber_custom_field_id": 2, "value": "Acme"},
                 {"subscriber_id": 9, "subscriber_custom_field_id": 2, "value": "Beta"}])
    out = run_bulk(oauth_client, [contact("a@example.com", "Ann", company="Acme"),
                                  contact("b@example.com", company="Beta", row=3)])
    assert (out["a@example.com"].subscriber_id, out["a@example.com"].status) == (8, Status.CREATED)
    assert (out["b@example.com"].subscriber_id, out["b@example.com"].status) == (9, Status.UPDATED)
    assert all(o.values_written == 1 and not o.problems for o in out.values())
    sent = json.loads(kit.calls[0].request.body)
    assert sent == {"subscribers": [{"email_address": "a@example.com", "first_name": "Ann"},
                                    {"email_address": "b@example.com"}], "callback_url": None}


def test_a_failure_without_an_email_is_matched_by_elimination(kit, oauth_client):
    bulk(kit, [sub(1, "a@example.com")],
         [{"subscriber": {"first_name": "Bea", "email_address": None, "state": "active", "created_at": None},
           "errors": ["Email address is invalid"]}])
    out = run_bulk(oauth_client, [contact("a@example.com"), contact("bea@example.com", "Bea", row=7)])
    failed = out["bea@example.com"]
    assert failed.status is Status.FAILED
    assert [(r.row, r.message) for r in failed.rejections()] == [
        (7, "Kit rejected the subscriber: Email address is invalid")]
    assert out["a@example.com"].status is Status.CREATED


def test_two_unnamed_failures_are_told_apart_by_first_name(kit, oauth_client):
    bulk(kit, [], [
        {"subscriber": {"first_name": "Cy", "email_address": None, "state": "active", "created_at": None},
         "errors": ["Email address is invalid"]},
        {"subscriber": {"first_name": "Di", "email_address": None, "state": "active", "created_at": None},
         "errors": ["Email domain is blocked"]}])
    out = run_bulk(oauth_client, [contact("d@example.com", "Di"), contact("c@example.com", "Cy")])
    assert out["c@example.com"].problems == [("Kit rejected the subscriber", "Email address is invalid")]
    assert out["d@example.com"].problems == [("Kit rejected the subscriber", "Email domain is blocked")]


def test_a_contact_kit_neither_confirms_nor_fails_is_a_failure(kit, oauth_client):
    bulk(kit, [sub(1, "a@example.com")])
    out = run_bulk(oauth_client, [contact("a@example.com"), contact("ghost@example.com")])
    assert out["ghost@example.com"].status is Status.FAILED
    assert out["ghost@example.com"].problems[0][0] == "Kit did not confirm the subscriber"


def test_a_refused_chunk_rejects_every_contact_in_it(kit, oauth_client):
    kit.post(f"{BASE}/v4/bulk/subscribers", status=422, json={"errors": ["No subscribers included for processing"]})
    out = run_bulk(oauth_client, [contact("a@example.com", row=2), contact("b@example.com", row=3)])
    assert {o.status for o in out.values()} == {Status.FAILED}
    assert out["b@example.com"].rejections()[0].message == \
        "Kit refused the request: No subscribers included for processing"


def test_a_chunk_kit_keeps_failing_rejects_every_contact_in_it_as_kit_unavailable(kit, oauth_client):
    kit.post(f"{BASE}/v4/bulk/subscribers", status=503, json={"errors": ["Service Unavailable"]})
    out = run_bulk(oauth_client, [contact("a@example.com", row=2), contact("b@example.com", row=3)])
    assert {o.status for o in out.values()} == {Status.FAILED}
    assert [r.message.split(":")[0] for r in out["b@example.com"].rejections()] == ["Kit unavailable"]


def test_a_values_request_kit_keeps_failing_leaves_the_contact_imported_and_names_its_values(kit, oauth_client):
    bulk(kit, [sub(5, "a@example.com")])
    kit.post(f"{BASE}/v4/bulk/custom_fields/subscribers", status=503, json={"errors": ["Service Unavailable"]})
    out = run_bulk(oauth_client, [contact("a@example.com", last_name="Lamarr")])
    assert out["a@example.com"].status is not Status.FAILED
    assert any("Kit unavailable" in message for message in (r.message for r in out["a@example.com"].rejections()))


def test_value_failures_map_to_their_row_and_column(kit, oauth_client):
    bulk(kit, [sub(5, "a@example.com"), sub(6, "b@example.com")])
    values(kit, [{"subscriber_id": 5, "subscriber_custom_field_id": 1, "value": "Lamarr"}],
           [{"errors": ["Custom field does not exist"],
             "custom_field_value": {"subscriber_id": 5, "subscriber_custom_field_id": 2, "value": "Acme"}},
            {"errors": ["Subscriber does not exist"],
             "custom_field_value": {"subscriber_id": None, "subscriber_custom_field_id": 3, "value": "02134"}}])
    out = run_bulk(oauth_client, [contact("a@example.com", last_name="Lamarr", company="Acme"),
                                  contact("b@example.com", row=9, postal_code="02134")])
    a, b = out["a@example.com"], out["b@example.com"]
    assert a.values_written == 1
    assert a.problems == [("field not written", "Company: Custom field does not exist")]
    assert b.rejections()[0].row == 9
    assert b.problems == [("field not written", "Postal code: Subscriber does not exist")]


def test_values_kit_does_not_confirm_are_failures(kit, oauth_client):
    bulk(kit, [sub(5, "a@example.com")])
    values(kit, [])
    out = run_bulk(oauth_client, [contact("a@example.com", company="Acme")])
    assert out["a@example.com"].problems == [("field not written", "Company: Kit did not confirm the value")]


def test_chunks_are_filled_to_100_and_values_packed_across_subscribers(kit, oauth_client):
    contacts = [contact(f"p{i}@example.com", company=f"C{i}", last_name=f"L{i}") for i in range(150)]
    ids = {c.email: 1000 + i for i, c in enumerate(contacts)}

    def upsert(request):
        body = json.loads(request.body)
        return 200, {}, json.dumps({"subscribers": [sub(ids[s["email_address"]], s["email_address"])
                                                    for s in body["subscribers"]], "failures": []})

    def write(request):
        body = json.loads(request.body)
        return 200, {}, json.dumps({"custom_field_values": body["custom_field_values"], "failures": []})

    kit.add_callback("POST", f"{BASE}/v4/bulk/subscribers", callback=upsert)
    kit.add_callback("POST", f"{BASE}/v4/bulk/custom_fields/subscribers", callback=write)
    scheduler = Scheduler(stages_for(oauth_client, started=NOW), concurrency=1)
    out = [o for batch in scheduler.submit(contacts) for o in batch]
    sizes = [(c.request.url.rsplit("/v4/", 1)[1], len(next(iter(
        v for k, v in json.loads(c.request.body).items() if k != "callback_url")))) for c in kit.calls]
    assert sizes == [("bulk/subscribers", 100), ("bulk/custom_fields/subscribers", 100),
                     ("bulk/custom_fields/subscribers", 100), ("bulk/subscribers", 50),
                     ("bulk/custom_fields/subscribers", 100)]
    assert len(out) == 150 and sum(o.values_written for o in out) == 300


# --- API key: one request per contact ------------------------------------------------------

def single_reply(status, email, fields, warnings=None, created=NEW):
    body = {"subscriber": {**sub(1, email, created), "fields": fields}}
    if warnings:
        body["warnings"] = warnings
    return {"status": status, "json": body}


def test_api_key_sends_fields_by_key_and_reads_201_as_created(kit, key_client):
    kit.post(f"{BASE}/v4/subscribers",
             match=[matchers.json_params_matcher({"email_address": "a@example.com", "first_name": "Ann",
                                                  "fields": {"last_name": "Lamarr", "postal_code": "02134"}})],
             **single_reply(201, "a@example.com", {"last_name": "Lamarr", "postal_code": "02134", "company": None}))
    outcome = SingleUpserts(key_client).upsert(contact("a@example.com", "Ann", last_name="Lamarr",
                                                         postal_code="02134"))
    assert (outcome.status, outcome.values_written, outcome.problems) == (Status.CREATED, 2, [])


@pytest.mark.parametrize("created, status", [(OLD, Status.UPDATED), (NEW, Status.CREATED)],
                         ids=["existing-subscriber", "created-by-our-own-lost-attempt"])
def test_api_key_200_is_an_update_unless_kit_created_it_during_this_run(kit, key_client, created, status):
    kit.post(f"{BASE}/v4/subscribers", **single_reply(200, "a@example.com", {}, created=created))
    assert SingleUpserts(key_client, started=NOW).upsert(contact("a@example.com")).status is status


def test_api_key_422_rejects_the_row_with_kits_message(kit, key_client):
    kit.post(f"{BASE}/v4/subscribers", status=422, json={"errors": ["Email address is invalid"]})
    outcome = SingleUpserts(key_client).upsert(contact("bad@example.com", row=4, company="X"))
    assert [r.message for r in outcome.rejections()] == ["Kit rejected the subscriber: Email address is invalid"]
    assert len(kit.calls) == 1  # an email error is not retried keyed by label


def test_a_warning_is_a_failure_of_that_value_never_a_success(kit, key_client):
    kit.post(f"{BASE}/v4/subscribers", **single_reply(
        201, "a@example.com", {"last_name": "Lamarr", "company": None},
        warnings=["Custom field key 'company' does not exist and was ignored"]))
    submitter = SingleUpserts(key_client)
    submitter.keyed_by = "key"
    outcome = submitter.upsert(contact("a@example.com", last_name="Lamarr", company="Acme"))
    assert outcome.values_written == 1
    assert outcome.problems == [("field not written",
                                 "Company: Custom field key 'company' does not exist and was ignored")]


def test_a_value_the_echo_does_not_show_is_not_written(kit, key_client):
    kit.post(f"{BASE}/v4/subscribers", **single_reply(201, "a@example.com", {"last_name": "Lamarr",
                                                                               "company": None}))
    submitter = SingleUpserts(key_client)
    submitter.keyed_by = "key"
    outcome = submitter.upsert(contact("a@example.com", last_name="Lamarr", company="Acme"))
    assert outcome.problems == [("field not written", "Company: Kit did not keep the value")]


def test_a_kit_that_reads_labels_is_detected_once_and_remembered(kit, key_client):
    # The older page's reading: `fields` by label, unknown names silently ignored.
    kit.post(f"{BASE}/v4/subscribers", match=[matchers.json_params_matcher(
        {"email_address": "a@example.com", "fields": {"company": "Acme"}})],
        **single_reply(201, "a@example.com", {"company": None}))
    kit.post(f"{BASE}/v4/subscribers", match=[matchers.json_params_matcher(
        {"email_address": "a@example.com", "fields": {"Company": "Acme"}})],
        **single_reply(200, "a@example.com", {"company": "Acme"}))
    kit.post(f"{BASE}/v4/subscribers", match=[matchers.json_params_matcher(
        {"email_address": "b@example.com", "fields": {"Company": "Beta"}})],
        **single_reply(201, "b@example.com", {"company": "Beta"}))
    submitter = SingleUpserts(key_client)
    first = submitter.upsert(contact("a@example.com", company="Acme"))
    second = submitter.upsert(contact("b@example.com", company="Beta"))
    assert submitter.keyed_by == "label"
    assert (first.values_written, first.problems, second.values_written) == (1, [], 1)
    assert len(kit.calls) == 3


def test_a_422_for_an_unknown_key_tries_labels_once(kit, key_client):
    kit.post(f"{BASE}/v4/subscribers", status=422, json={"errors": ["Custom field key 'company' does not exist"]})
    kit.post(f"{BASE}/v4/subscribers", status=422, json={"errors": ["Custom field key 'Company' does not exist"]})
    outcome = SingleUpserts(key_client).upsert(contact("a@example.com", company="Acme"))
    assert outcome.status is Status.FAILED
    assert outcome.problems == [("Kit rejected the subscriber", "Custom field key 'company' does not exist")]


def test_an_empty_echo_leaves_values_unconfirmed_not_failed(kit, key_client):
    kit.post(f"{BASE}/v4/subscribers", **single_reply(202, "a@example.com", {}))
    outcome = SingleUpserts(key_client).upsert(contact("a@example.com", company="Acme"))
    assert (outcome.values_written, outcome.values_unconfirmed, outcome.problems) == (0, 1, [])


@pytest.mark.parametrize("first_name, expected", [(None, {"email_address": "a@example.com"}),
                                                 ("Ann", {"email_address": "a@example.com", "first_name": "Ann"})],
                         ids=["blank-first-name-not-sent", "first-name-sent"])
def test_a_blank_first_name_is_never_sent(kit, key_client, first_name, expected):
    kit.post(f"{BASE}/v4/subscribers", match=[matchers.json_params_matcher(expected)],
             **single_reply(200, "a@example.com", {}))
    SingleUpserts(key_client).upsert(contact("a@example.com", first_name))


def test_a_reading_proved_by_another_request_in_flight_is_used_for_the_retry(kit, key_client):
    submitter = SingleUpserts(key_client)

    def key_mode_answer(request):
        submitter.keyed_by = "label"  # meanwhile, another thread found that Kit reads labels
        return 201, {}, json.dumps({"subscriber": {**sub(1, "a@example.com"), "fields": {"company": None}}})

    kit.add_callback("POST", f"{BASE}/v4/subscribers", callback=key_mode_answer,
                     match=[matchers.json_params_matcher({"email_address": "a@example.com",
                                                          "fields": {"company": "Acme"}})])
    kit.post(f"{BASE}/v4/subscribers", match=[matchers.json_params_matcher(
        {"email_address": "a@example.com", "fields": {"Company": "Acme"}})],
        **single_reply(200, "a@example.com", {"company": "Acme"}))
    outcome = submitter.upsert(contact("a@example.com", company="Acme"))
    assert (outcome.values_written, outcome.problems) == (1, [])


# --- API key: a value Kit refuses fails alone ------------------------------------------------

def expect(kit, body, **reply):
    kit.post(f"{BASE}/v4/subscribers", match=[matchers.json_params_matcher(body)], **reply)


def refused(*errors):
    return {"status": 422, "json": {"errors": list(errors)}}


@pytest.mark.parametrize("error, message", [
    ("company: Value is too long (maximum is 4 characters)", "Value is too long (maximum is 4 characters)"),
    ("Company: Value is too long (maximum is 4 characters)", "Value is too long (maximum is 4 characters)"),
    ("The value of 'company' is too long", "The value of 'company' is too long"),
], ids=["named-by-key", "named-by-label", "quoted-in-the-message"])
def test_a_value_kit_refuses_is_left_out_and_the_contact_and_its_other_values_go_in(kit, key_client, error,
                                                                                    message):
    expect(kit, {"email_address": "a@example.com", "fields": {"last_name": "Lamarr", "company": "Acme Corp"}},
           **refused(error))
    expect(kit, {"email_address": "a@example.com", "fields": {"last_name": "Lamarr"}},
           **single_reply(201, "a@example.com", {"last_name": "Lamarr", "company": None}))
    stage = SingleUpserts(key_client)
    stage.keyed_by = "key"
    outcome = stage.upsert(contact("a@example.com", row=5, last_name="Lamarr", company="Acme Corp"))
    assert (outcome.status, outcome.subscriber_id, outcome.values_written) == (Status.CREATED, 1, 1)
    assert [r.message for r in outcome.rejections()] == [f"field not written: Company: {message}"]
    assert outcome.unwritten == {COMPANY}


def test_a_422_naming_no_field_sends_the_contact_again_without_values(kit, key_client):
    expect(kit, {"email_address": "a@example.com", "fields": {"last_name": "Lamarr", "company": "Acme"}},
           **refused("Fields could not be saved"))
    expect(kit, {"email_address": "a@example.com"}, **single_reply(200, "a@example.com", {}, created=OLD))
    stage = SingleUpserts(key_client, started=NOW)
    stage.keyed_by = "key"
    outcome = stage.upsert(contact("a@example.com", last_name="Lamarr", company="Acme"))
    assert (outcome.status, outcome.values_written) == (Status.UPDATED, 0)
    assert outcome.problems == [("field not written", "Last name: Fields could not be saved"),
                                ("field not written", "Company: Fields could not be saved")]
    assert outcome.unwritten == {LAST_NAME, COMPANY}


def test_refusals_one_value_at_a_time_each_leave_that_value_out(kit, key_client):
    fields = {"last_name": "L" * 20, "company": "C" * 20, "postal_code": "02134"}
    expect(kit, {"email_address": "a@example.com", "fields": fields}, **refused("last_name: Value is too long"))
    expect(kit, {"email_address": "a@example.com", "fields": {"company": "C" * 20, "postal_code": "02134"}},
           **refused("company: Value is too long"))
    expect(kit, {"email_address": "a@example.com", "fields": {"postal_code": "02134"}},
           **single_reply(201, "a@example.com", {"postal_code": "02134"}))
    stage = SingleUpserts(key_client)
    stage.keyed_by = "key"
    outcome = stage.upsert(contact("a@example.com", **fields))
    assert outcome.values_written == 1 and outcome.status is Status.CREATED
    assert [d for _, d in outcome.problems] == ["Last name: Value is too long", "Company: Value is too long"]


def test_before_the_reading_is_proven_labels_are_tried_then_the_refused_value_left_out(kit, key_client):
    expect(kit, {"email_address": "a@example.com", "fields": {"last_name": "Lamarr", "company": "Acme Corp"}},
           **refused("company: Value is too long (maximum is 4 characters)"))
    expect(kit, {"email_address": "a@example.com", "fields": {"Last name": "Lamarr", "Company": "Acme Corp"}},
           **refused("Custom field key 'Last name' does not exist", "Custom field key 'Company' does not exist"))
    expect(kit, {"email_address": "a@example.com", "fields": {"last_name": "Lamarr"}},
           **single_reply(201, "a@example.com", {"last_name": "Lamarr", "company": None}))
    stage = SingleUpserts(key_client)
    outcome = stage.upsert(contact("a@example.com", last_name="Lamarr", company="Acme Corp"))
    assert outcome.problems == [("field not written", "Company: Value is too long (maximum is 4 characters)")]
    assert outcome.values_written == 1 and stage.keyed_by == "key"
    assert len(kit.calls) == 3


def test_an_email_refusal_after_values_were_left_out_rejects_the_contact_with_it(kit, key_client):
    expect(kit, {"email_address": "a@example.com", "fields": {"company": "Acme Corp"}},
           **refused("company: Value is too long"))
    expect(kit, {"email_address": "a@example.com"}, **refused("Email address is on a suppression list"))
    stage = SingleUpserts(key_client)
    stage.keyed_by = "key"
    outcome = stage.upsert(contact("a@example.com", company="Acme Corp"))
    assert outcome.status is Status.FAILED
    assert outcome.problems == [("Kit rejected the subscriber", "Email address is on a suppression list")]
