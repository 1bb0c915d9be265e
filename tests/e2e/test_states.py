"""Subscriber state, unsubscribes and forms (issue 11), end to end through the CLI against the
sandbox with both credentials, and the form and unsubscribe stages against mocked Kit."""

from __future__ import annotations

import json
import time

import pytest

from conftest import BASE, write
from importer.kit import Form
from importer.records import Contact, KitState, Outcome, Status
from importer.send.actions.forms import BulkFormAdditions
from importer.send.actions.unsubscribes import Unsubscribes
from helpers import env_for, invoke

KINDS = ["oauth", "api_key"]
PEOPLE = ("Email,First Name,Status\n"
          "ann@example.com,Ann,subscribed\n"
          "una@example.com,Una,unsubscribed\n"
          "gone@example.com,Gone,cleaned\n"
          "old@example.com,Old,unsubscribed\n"      # active in Kit already
          "fox@example.com,Fox,subscribed\n")       # cancelled in Kit already


def seed(store) -> None:
    """Kit holds old@ as active and fox@ as cancelled, created an hour before the import."""
    clock, store.clock = store.clock, lambda: time.time() - 3600
    store.upsert("old@example.com", "Old", set_first_name=True)
    store.upsert("fox@example.com", "Fox", set_first_name=True, state="cancelled")
    store.clock = clock


def states(store, *emails: str) -> dict[str, str | None]:
    return {e: store.state_of(e) for e in emails}


def writes(sandbox, since: int = 0) -> list[tuple[str, str, object]]:
    return [(m, p, b) for m, p, _, b in sandbox.requests[since:] if m == "POST"]


def sent_active(sandbox) -> bool:
    """Whether any request body anywhere asked Kit for the `active` state."""
    return any('"state": "active"' in json.dumps(b) for _, _, b in writes(sandbox))


@pytest.mark.parametrize("kind", KINDS)
def test_unsubscribed_and_cleaned_are_created_cancelled_and_bounced_and_keep_kit_state_keeps_existing_states(
        sandbox, tmp_path, kind):
    seed(sandbox.store)
    source = write(tmp_path / "people.csv", PEOPLE)
    result = invoke(["run", source, "--state-column", "Status", "--keep-kit-state", "--report", "r.json"],
                    env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox.store, "ann@example.com", "una@example.com", "gone@example.com", "old@example.com",
                  "fox@example.com") == {"ann@example.com": "active", "una@example.com": "cancelled",
                                         "gone@example.com": "bounced", "old@example.com": "active",
                                         "fox@example.com": "cancelled"}
    assert not any(p.endswith("/unsubscribe") for _, p, _ in writes(sandbox))
    assert not sent_active(sandbox)
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["states_set"] == {"cancelled": 1, "bounced": 1}
    assert (report["state_conflicts"], report["state_conflict_emails"], report["unsubscribed"]) == \
        (1, ["old@example.com"], 0)
    assert report["kept_active"] == [{"email": "old@example.com", "reason": "kept as Kit has it by --keep-kit-state"}]
    assert "States set:        1 created as cancelled (unsubscribed in the file), 1 as bounced (cleaned)" \
        in result.output
    assert ("Left active:       1 subscriber the file says opted out, left active in Kit (1 kept as Kit has it by "
            "--keep-kit-state; listed in the report as kept_active)") in result.output
    assert " imported (2 unchanged), 0 rejected; 1 opted out in the file left active in Kit" in result.output


@pytest.mark.parametrize("kind", KINDS)
def test_unsubscribe_unsubscribes_existing_active_subscribers_the_file_says_left(sandbox, tmp_path, kind):
    seed(sandbox.store)
    source = write(tmp_path / "people.csv", PEOPLE)
    result = invoke(["run", source, "--unsubscribe", "--report", "r.json"], env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    old = sandbox.store.find("old@example.com")
    assert old.state == "cancelled"
    assert [p for _, p, _ in writes(sandbox) if p.endswith("/unsubscribe")] == [f"/v4/subscribers/{old.id}/unsubscribe"]
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["unsubscribed"], report["state_conflicts"]) == (1, 0)
    assert report["requests"]["POST /v4/subscribers/{id}/unsubscribe"] == 1
    assert "Unsubscribed:      1 subscriber active in Kit" in result.output


@pytest.mark.parametrize("kind", KINDS)
def test_nobody_is_ever_made_active(sandbox, tmp_path, kind):
    """A cancelled subscriber in Kit, a file saying subscribed, with --form, --unsubscribe and tags:
    still cancelled, never added to the form, and no request asks for `active`."""
    seed(sandbox.store)
    form = sandbox.store.add_form("Newsletter", double_opt_in=True)
    source = write(tmp_path / "fox.csv", "Email,Status,Tags\nfox@example.com,subscribed,VIP\n"
                                         "ann@example.com,active,VIP\n")
    result = invoke(["run", source, "--form", "Newsletter", "--unsubscribe", "--tag", "Imported"],
                    env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("fox@example.com") == "cancelled"
    assert sandbox.store.tags_of("fox@example.com") == {"VIP", "Imported"}  # tagged, and still cancelled
    assert sandbox.store.form_members(form.id) == {"ann@example.com"}
    assert sandbox.store.incentive_emails == [(form.id, "ann@example.com")]
    assert not sent_active(sandbox)
    assert not any("fox@example.com" in json.dumps(b) for _, p, b in writes(sandbox) if "forms" in p)


@pytest.mark.parametrize("kind", KINDS)
def test_form_adds_only_subscribers_active_in_kit_and_in_the_file(sandbox, tmp_path, kind):
    seed(sandbox.store)
    sandbox.store.upsert("pend@example.com", None, set_first_name=False, state="inactive")
    form = sandbox.store.add_form("Newsletter")
    sandbox.store.add_form("Webinar")
    source = write(tmp_path / "people.csv", PEOPLE + "pend@example.com,Pen,\nnew@example.com,New,\n")
    result = invoke(["run", source, "--form", "newsletter", "--referrer", "https://example.com/migrated",
                     "--report", "r.json"], env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.form_members(form.id) == {"ann@example.com", "new@example.com"}
    assert set(form.members.values()) == {"https://example.com/migrated"}
    assert "double opt-in form makes Kit send each new one the form's incentive email" in result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["form_additions"] == 2 and report["form"] == f"Newsletter (id {form.id})"
    endpoint = "POST /v4/bulk/forms/subscribers" if kind == "oauth" else "POST /v4/forms/{id}/subscribers"
    assert report["requests"][endpoint] == (1 if kind == "oauth" else 2)
    assert f"Form additions:    2 to Newsletter (id {form.id})" in result.output


def test_an_unknown_form_stops_before_anything_is_written_naming_the_closest(sandbox, tmp_path):
    sandbox.store.add_form("Newsletter")
    sandbox.store.add_form("Webinar signup")
    source = write(tmp_path / "p.csv", "Email\nann@example.com\n")
    result = invoke(["run", source, "--form", "Newsleter"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert "Error: Kit has no form 'Newsleter' (closest: 'Newsletter' (id 1))." in result.output
    assert writes(sandbox) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_rerun_with_a_state_file_sends_no_form_addition_and_no_unsubscribe(sandbox, tmp_path, kind):
    seed(sandbox.store)
    form = sandbox.store.add_form("Newsletter")
    source = write(tmp_path / "people.csv", PEOPLE)
    args = ["run", source, "--form", str(form.id), "--unsubscribe", "--state", tmp_path / "s.db"]
    first = invoke(args, env_for(sandbox, kind), cwd=tmp_path)
    assert first.exit_code == 0, first.output
    assert sandbox.store.form_members(form.id) == {"ann@example.com"}
    before = len(sandbox.requests)
    again = invoke(args + ["--report", "r.json"], env_for(sandbox, kind), cwd=tmp_path)
    assert again.exit_code == 0, again.output
    assert writes(sandbox, before) == []
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["form_additions"], report["unsubscribed"], report["unchanged"]) == (0, 0, 5)


def test_a_state_file_remembers_a_conflict_until_unsubscribe_is_asked(sandbox, tmp_path):
    """A quiet night: the conflict is reported once; a later run with --unsubscribe still acts on it."""
    seed(sandbox.store)
    source = write(tmp_path / "people.csv", PEOPLE)
    args = ["run", source, "--state", tmp_path / "s.db"]
    assert invoke(args, env_for(sandbox), cwd=tmp_path).exit_code == 0
    before = len(sandbox.requests)
    assert invoke(args, env_for(sandbox), cwd=tmp_path).exit_code == 0
    assert writes(sandbox, before) == []
    assert invoke(args + ["--unsubscribe"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    assert sandbox.store.state_of("old@example.com") == "cancelled"


def test_subscriber_state_sets_only_new_subscribers(sandbox, tmp_path):
    seed(sandbox.store)
    source = write(tmp_path / "p.csv", "Email\nnew@example.com\nold@example.com\n")
    result = invoke(["run", source, "--subscriber-state", "inactive", "--report", "r.json"], env_for(sandbox),
                    cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox.store, "new@example.com", "old@example.com") == {"new@example.com": "inactive",
                                                                          "old@example.com": "active"}
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["states_set"], report["state_conflicts"]) == ({"inactive": 1}, 0)


@pytest.mark.parametrize("default", [None, "inactive"])
def test_a_dry_run_counts_blank_status_cells_in_the_default_state_as_the_run_creates_them(sandbox, tmp_path,
                                                                                           default):
    source = write(tmp_path / "p.csv", "Email,Status\na@example.com,subscribed\nb@example.com,subscribed\n"
                                       "c@example.com,\nd@example.com,\ne@example.com,unsubscribed\n")
    chosen = ["--subscriber-state", default] if default else []
    dry = invoke(["run", source, "--dry-run", "--report", "d.json", *chosen], env_for(sandbox), cwd=tmp_path)
    assert dry.exit_code == 0, dry.output
    planned = json.loads((tmp_path / "d.json").read_text())["planned_states"]
    real = invoke(["run", source, "--report", "r.json", *chosen], env_for(sandbox), cwd=tmp_path)
    assert real.exit_code == 0, real.output
    made = [sandbox.store.state_of(f"{x}@example.com") for x in "abcde"]
    assert planned == {state: made.count(state) for state in set(made)}
    if default:
        assert planned == {"active": 2, "inactive": 2, "cancelled": 1}
    else:
        assert planned == {"active": 4, "cancelled": 1}
        assert "States:            if new (Kit not read): 4 active, 1 cancelled (unsubscribed)" in dry.output


def test_a_dry_run_counts_form_additions_and_unsubscribes(sandbox, tmp_path):
    seed(sandbox.store)
    sandbox.store.add_form("Newsletter")
    source = write(tmp_path / "people.csv", PEOPLE)
    result = invoke(["run", source, "--form", "Newsletter", "--unsubscribe", "--dry-run", "--report", "r.json"],
                    env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["planned_form_additions"], report["planned_unsubscribes"]) == (2, 3)
    # reads (fields, forms, the account for the undo file) + 1 upsert request + 1 form request + 3 unsubscribes
    assert report["planned_requests"] == 3 + 1 + 1 + 3
    assert "Form additions:    up to 2" in result.output and "Unsubscribes:      up to 3" in result.output
    assert writes(sandbox) == []


def test_config_keys_for_states_and_forms(sandbox, tmp_path):
    seed(sandbox.store)
    form = sandbox.store.add_form("Newsletter")
    write(tmp_path / "people.csv", PEOPLE)
    config = write(tmp_path / "n.toml", f'source = "people.csv"\nstate_column = "Status"\nunsubscribe = true\n'
                                        f'form = {form.id}\nreferrer = "https://example.com/r"\n'
                                        'subscriber_state = "active"\n')
    result = invoke(["run", "--config", config], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("old@example.com") == "cancelled"
    assert form.members == {sandbox.store.find("ann@example.com").id: "https://example.com/r"}


@pytest.mark.parametrize("args, said", [
    (["--referrer", "https://x.example"], "--referrer goes with --form"),
    (["--ignore-status", "--state-column", "Status"], "cannot go with"),
    (["--subscriber-state", "sleepy"], "'sleepy' is not one of"),
])
def test_settings_that_do_not_go_together(sandbox, tmp_path, args, said):
    source = write(tmp_path / "p.csv", "Email,Status\nann@example.com,subscribed\n")
    result = invoke(["run", source, *args], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 2 and said in result.output, result.output  # typed together: bad usage


def test_settings_that_clash_across_the_config_and_the_command_line_name_both(sandbox, tmp_path):
    write(tmp_path / "p.csv", "Email,Status\nann@example.com,subscribed\n")
    config = write(tmp_path / "n.toml", 'source = "p.csv"\nignore_status = true\n')
    result = invoke(["run", "--config", config, "--skip-unsubscribed"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert "ignore_status in " in result.output and "--skip-unsubscribed" in result.output


def test_init_proposes_the_state_column(tmp_path):
    source = write(tmp_path / "people.csv", PEOPLE)
    result = invoke(["init", source], {}, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "nightly.toml").read_text()
    assert 'state_column = "Status"' in text and '# form = "Newsletter"' in text
    # It points at the manual's table of the words each state is read from, which is where it says.
    assert "(docs/consent.md, How cells read, lists the words)" in text and "README" not in text
    from pathlib import Path
    assert "\n## How cells read\n" in (Path(__file__).resolve().parents[2] / "docs" / "consent.md").read_text()


def test_help_warns_of_the_incentive_email():
    result = invoke(["run", "--help"])
    said = " ".join(result.output.split())
    assert "double opt-in form makes Kit send each new one the form's incentive email" in said


def test_the_bulk_form_endpoint_refuses_an_api_key(sandbox):
    import requests

    reply = requests.post(f"{sandbox.url}/v4/bulk/forms/subscribers", headers={"X-Kit-Api-Key": sandbox.api_key},
                          json={"additions": [{"form_id": 1, "subscriber_id": 1}], "callback_url": None}, timeout=5)
    assert reply.status_code == 401


# --- the stages against mocked Kit -----------------------------------------------------------

def outcome(sid: int, said: KitState | None = None, kit: KitState | None = KitState.ACTIVE) -> Outcome:
    return Outcome(Contact(f"p{sid}@example.com", None, {}, [sid + 1], state=said), Status.UPDATED, sid,
                   kit_state=kit)


def test_bulk_form_additions_match_kits_answer_by_id_and_give_unnamed_failures_to_the_rest(kit, oauth_client):
    stage = BulkFormAdditions(oauth_client, Form(5, "Newsletter"))
    batch = [outcome(1), outcome(2), outcome(3)]
    assert [stage.items(o) for o in (outcome(4, KitState.CANCELLED), outcome(5, None, KitState.INACTIVE))] == [[], []]
    kit.post(f"{BASE}/v4/bulk/forms/subscribers", json={
        "subscribers": [{"id": 1, "first_name": None, "email_address": "p1@example.com", "created_at": "",
                         "added_at": "", "referrer": "", "referrer_utm_parameters": {}}],
        "failures": [{"errors": ["Subscriber does not exist"],
                      "subscription": {"form_id": 5, "subscriber_id": None, "referrer": ""}}]})
    stage.settle(batch, stage.send(batch))
    assert [o.done for o in batch] == [["form:5"], [], []]
    assert [o.problems for o in batch[1:]] == [[("not added to form", "Newsletter: Subscriber does not exist")]] * 2


def test_unsubscribes_go_only_to_people_who_left_but_are_active_in_kit(kit, key_client):
    stage = Unsubscribes(key_client)
    left = outcome(7, KitState.CANCELLED)
    assert stage.items(left) == [left]
    assert stage.items(outcome(8, KitState.BOUNCED, KitState.BOUNCED)) == []
    assert stage.items(outcome(9, KitState.ACTIVE)) == []
    # (a 404 on a client's very first request means a wrong KIT_API_URL, so Kit refuses with a 422 here)
    kit.post(f"{BASE}/v4/subscribers/7/unsubscribe", status=422, json={"errors": ["Subscriber cannot be unsubscribed"]})
    try:
        answer = stage.send([left])
    except Exception as e:  # the scheduler hands a refused request to settle as its answer
        answer = e
    stage.settle([left], answer)
    assert left.problems == [("not unsubscribed", "Subscriber cannot be unsubscribed")] and left.state_conflict


# --- the file's opt-outs honoured by default (issue 15) ----------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_by_default_an_opt_out_active_in_kit_is_unsubscribed_and_absence_of_consent_is_not(sandbox, tmp_path, kind):
    """old@ (unsubscribed) and bo@ (cleaned) are active in Kit: both unsubscribed, bo@ as Kit's API allows;
    pen@ is pending in the file and active in Kit: absence of consent never unsubscribes."""
    seed(sandbox.store)
    clock, sandbox.store.clock = sandbox.store.clock, lambda: time.time() - 3600
    for email in ("bo@example.com", "pen@example.com"):
        sandbox.store.upsert(email, None, set_first_name=False)
    sandbox.store.clock = clock
    source = write(tmp_path / "people.csv", PEOPLE + "bo@example.com,Bo,cleaned\npen@example.com,Pen,pending\n")
    result = invoke(["run", source, "--report", "r.json"], env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox.store, "old@example.com", "bo@example.com", "pen@example.com", "fox@example.com") == {
        "old@example.com": "cancelled", "bo@example.com": "cancelled", "pen@example.com": "active",
        "fox@example.com": "cancelled"}
    ids = {sandbox.store.find(e).id for e in ("old@example.com", "bo@example.com")}
    assert {p for _, p, _ in writes(sandbox) if p.endswith("/unsubscribe")} == \
        {f"/v4/subscribers/{i}/unsubscribe" for i in ids}
    assert not sent_active(sandbox)
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["unsubscribed"], report["unsubscribed_as"], report["kept_active"]) == \
        (2, {"cancelled": 1, "bounced": 1}, [])
    assert ("Unsubscribed:      2 subscribers active in Kit whom the file says not to email (1 unsubscribed, 1 "
            "bounced: Kit's API cannot set bounced or complained, so they were unsubscribed)") in result.output
    assert "Left active" not in result.output


def test_unsubscribe_cannot_go_with_keep_kit_state(sandbox, tmp_path):
    source = write(tmp_path / "people.csv", PEOPLE)
    result = invoke(["run", source, "--unsubscribe", "--keep-kit-state"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "--unsubscribe cannot go with --keep-kit-state" in result.output
    assert writes(sandbox) == []
    config = write(tmp_path / "n.toml", 'source = "people.csv"\nkeep_kit_state = true\n')
    clash = invoke(["run", "--config", config, "--unsubscribe"], env_for(sandbox), cwd=tmp_path)
    assert clash.exit_code == 1 and "keep_kit_state in " in clash.output, clash.output
