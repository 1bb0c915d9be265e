"""Consent: status columns found in real export shapes, each cell read as a Kit state, and
the guard end to end: a file with unsubscribed people creates them in their state (cancelled,
bounced...), --skip-unsubscribed leaves exactly them out, --ignore-status imports them as new
active subscribers, and an unknown word rejects its row."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import write
from importer import Settings, import_file
from importer.read.consent import ConsentGuard, Kind, StatusColumn, UnknownStatus, find_status_columns
from importer.errors import ConfigError
from importer.records import KitState, Row
from helpers import env_for, invoke

MC_HEAD = ('"Email Address","First Name","Last Name","Address","Phone Number","MEMBER_RATING","OPTIN_TIME",'
           '"OPTIN_IP","CONFIRM_TIME","CONFIRM_IP","LATITUDE","LONGITUDE","GMTOFF","DSTOFF","TIMEZONE","CC","REGION"')
MAILCHIMP_SUBSCRIBED = (MC_HEAD + ',"LAST_CHANGED","LEID","EUID","NOTES","TAGS"\n'
                        '"ann@example.com","Ann","Lee","","","2","2023-01-05 10:00:00","","2023-01-05 10:01:00",'
                        '"","","","","","","","","2023-06-01 08:00:00","1","a1","",""\n')
MAILCHIMP_UNSUBSCRIBED = (MC_HEAD + ',"UNSUB_TIME","UNSUB_CAMPAIGN_TITLE","UNSUB_CAMPAIGN_ID","UNSUB_REASON",'
                          '"UNSUB_REASON_OTHER","LEID","EUID","NOTES","TAGS"\n'
                          '"una@example.com","Una","Sub","","","2","2023-01-05 10:00:00","","","","","","","","","",'
                          '"","2024-03-01 09:00:00","Spring sale","abc123","NORMAL","","11","b1","",""\n'
                          '"vic@example.com","Vic","Sub","","","1","2022-01-05 10:00:00","","","","","","","","","",'
                          '"","2024-04-02 10:00:00","","","","","12","b2","",""\n')
MAILCHIMP_CLEANED = (MC_HEAD + ',"CLEAN_TIME","CLEAN_CAMPAIGN_TITLE","CLEAN_CAMPAIGN_ID","LEID","EUID","NOTES","TAGS"\n'
                     '"gone@example.com","Gone","Away","","","1","2021-01-05 10:00:00","","","","","","","","","",'
                     '"","2024-02-01 00:00:00","Newsletter 12","c1","21","d1","",""\n')
KIT_EXPORT = ("email_address,first_name,state,created_at,Company\n"
              "dana@example.com,Dana,active,2023-02-17T11:43:55Z,FBI\n"
              "fox@example.com,Fox,cancelled,2023-02-18T09:00:00Z,FBI\n"
              "walt@example.com,Walter,bounced,2023-02-19T09:00:00Z,\n"
              "spam@example.com,Spammy,complained,2023-02-20T09:00:00Z,\n"
              "new@example.com,New,,2023-02-21T09:00:00Z,\n")
SUBSTACK = ("email,name,created_at,active_subscription,email_disabled,country\n"
            "ida@example.com,Ida Wells,2024-01-02T03:04:05.000Z,false,false,US\n"
            "off@example.com,Off Person,2024-01-03T03:04:05.000Z,true,true,US\n")
HUBSPOT = ("Record ID,Email,First Name,Last Name,Marketing contact status,Unsubscribed from all email,Lead Status\n"
           "501,grace@example.com,Grace,Hopper,Marketing contact,false,NEW\n"
           "502,alan@example.com,Alan,Turing,Non-marketing contact,true,OPEN\n"
           "503,ada@example.com,Ada,Lovelace,Non-marketing contact,,\n")


def headers_of(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)))


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))[1:]


def found(text: str) -> list[tuple[str, Kind, KitState]]:
    return [(c.header, c.kind, c.meaning) for c in find_status_columns(headers_of(text), rows_of(text))]


# --- detection ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, columns", [
    (MAILCHIMP_SUBSCRIBED, []),
    (MAILCHIMP_UNSUBSCRIBED, [("UNSUB_TIME", Kind.SET_WHEN_OUT, KitState.CANCELLED),  # and what a row lacking it has:
                              ("UNSUB_CAMPAIGN_TITLE", Kind.SET_WHEN_OUT, KitState.CANCELLED),
                              ("UNSUB_REASON", Kind.SET_WHEN_OUT, KitState.CANCELLED),
                              ("UNSUB_REASON_OTHER", Kind.SET_WHEN_OUT, KitState.CANCELLED)]),  # why they left
    (MAILCHIMP_CLEANED, [("CLEAN_TIME", Kind.SET_WHEN_OUT, KitState.BOUNCED),
                         ("CLEAN_CAMPAIGN_TITLE", Kind.SET_WHEN_OUT, KitState.BOUNCED)]),
    (KIT_EXPORT, [("state", Kind.WORDS, KitState.ACTIVE)]),
    (SUBSTACK, [("email_disabled", Kind.OUT_WHEN_TRUE, KitState.CANCELLED)]),
    (HUBSPOT, [("Unsubscribed from all email", Kind.OUT_WHEN_TRUE, KitState.CANCELLED)]),
    ("Email,Accepts Email Marketing\na@example.com,no\n", [("Accepts Email Marketing", Kind.IN_WHEN_TRUE,
                                                           KitState.INACTIVE)]),
    ("Email,Status\na@example.com,Customer\nb@example.com,Lead\n", []),  # a CRM's status, not consent
    ("Email,Member status\na@example.com,Subscribed\nb@example.com,Prospect\n",
     [("Member status", Kind.WORDS, KitState.ACTIVE)]),
], ids=["mailchimp-subscribed", "mailchimp-unsubscribed", "mailchimp-cleaned", "kit", "substack", "hubspot",
        "shopify", "crm-status-not-consent", "mixed-words"])
def test_status_columns_are_found_by_header_and_values(text, columns):
    assert found(text) == columns


BY_CELLS = "subscription status (its cells are status words)"


@pytest.mark.parametrize("text, columns", [
    ("email,Subscribed\nq1@example.com,unsubscribed\nq2@example.com,subscribed\n",
     [("Subscribed", Kind.WORDS, KitState.ACTIVE, BY_CELLS)]),
    *[(f"email,{header}\nq1@example.com,Active\nq2@example.com,Unsubscribed\nq3@example.com,\n",
       [(header, Kind.WORDS, KitState.ACTIVE, BY_CELLS)])
      for header in ("Email Subscription", "Newsletter", "Consent", "Membership")],
    ("email,Newsletter\nq1@example.com,yes\nq2@example.com,no\n",
     [("Newsletter", Kind.IN_WHEN_TRUE, KitState.INACTIVE, "subscription status (its cells are true/false, "
                                                             "true means in)")]),
    ("email,Newsletter opt-out\nq1@example.com,TRUE\nq2@example.com,FALSE\n",
     [("Newsletter opt-out", Kind.OUT_WHEN_TRUE, KitState.CANCELLED, "subscription status (its cells are "
                                                                     "true/false, true means out)")]),
    ("email,Status\nq1@example.com,unsubscribed\n", [("Status", Kind.WORDS, KitState.ACTIVE, "subscription status")]),
], ids=["subscribed", "email-subscription", "newsletter", "consent", "membership", "newsletter-yes-no",
        "opt-out-true-false", "by-header"])
def test_a_status_column_no_header_rule_knows_is_found_by_its_cells(text, columns):
    assert [(c.header, c.kind, c.meaning, c.role) for c in find_status_columns(
        headers_of(text), rows_of(text), exclude={0})] == columns


@pytest.mark.parametrize("text", [
    "email,Plan\na@example.com,Free\nb@example.com,Pro\n",
    "email,Plan\na@example.com,Active\nb@example.com,Cancelled\n",  # a paid plan's state, not consent
    "email,Source\na@example.com,Import\nb@example.com,Form\nc@example.com,API\n",
    "email,Source\na@example.com,confirmed\nb@example.com,removed\n",
    SUBSTACK.replace(",email_disabled", ",notes").replace("false,false", "false,").replace("true,true", "true,"),
    "email,active_subscription\na@example.com,active\nb@example.com,cancelled\n",
    "email,Newsletter\na@example.com,active\nb@example.com,subscribed\n",  # nobody out: nothing to say
    "email,Newsletter\na@example.com,yes\nb@example.com,yes\n",
    "email,VIP\na@example.com,true\nb@example.com,false\n",  # true/false, but not about email
    "email,Interests\n" + "".join(f"p{i}@example.com,{'unsubscribed' if i < 10 else 'Cats'}\n" for i in range(20)),
    "email,MEMBER_RATING\na@example.com,1\nb@example.com,0\n",
], ids=["plan-free-pro", "plan-active-cancelled", "source", "source-of-status-words", "substack",
        "active-subscription", "all-active", "all-yes", "true-false-not-consent", "mostly-other-words",
        "mailchimp-rating"])
def test_ordinary_columns_are_not_taken_for_status_columns_by_their_cells(text):
    assert found(text) == []


def test_columns_another_part_of_the_run_reads_are_not_taken_by_their_cells():
    text = "email,First Name,Labels,Interests\na@example.com,Cleaned,unsubscribed,removed\n"
    assert [c.header for c in find_status_columns(headers_of(text), rows_of(text), exclude={0})] == \
        ["First Name", "Labels", "Interests"]
    assert find_status_columns(headers_of(text), rows_of(text), exclude={0}, claimed=(1, 2, 3, None)) == []


@pytest.mark.parametrize("header", ["Subscribed", "Email Subscription", "Newsletter", "Consent", "Membership"])
def test_unsubscribed_people_under_any_status_header_are_not_created_active(sandbox, tmp_path, header):
    source = write(tmp_path / "s.csv", f"email,{header}\nq1@example.com,unsubscribed\nq2@example.com,subscribed\n"
                                       "q3@example.com,Cleaned\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert {e: sandbox.store.state_of(e) for e in ("q1@example.com", "q2@example.com", "q3@example.com")} == {
        "q1@example.com": "cancelled", "q2@example.com": "active", "q3@example.com": "bounced"}
    assert f"{header} -> subscription status (its cells are status words)" in result.output
    skipped = invoke(["run", source, "--skip-unsubscribed", "--dry-run"], env_for(sandbox), cwd=tmp_path)
    assert "Skipped rows:      2 (not subscribed" in skipped.output, skipped.output


def test_a_column_found_by_its_cells_reads_the_same_once_init_names_it(sandbox, tmp_path):
    write(tmp_path / "n.csv", "email,Newsletter\nq1@example.com,yes\nq2@example.com,no\n")
    made = invoke(["init", "n.csv", "-o", "n.toml"], env_for(sandbox), cwd=tmp_path)
    assert made.exit_code == 0, made.output
    assert 'state_column = "Newsletter"' in (tmp_path / "n.toml").read_text()
    result = invoke(["run", "--config", "n.toml"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert [sandbox.store.state_of(e) for e in ("q1@example.com", "q2@example.com")] == ["active", "inactive"]
    assert "Newsletter -> subscription status (its cells are true/false, true means in)" in result.output


def test_a_mapped_field_or_the_tags_column_is_never_taken_for_a_status_column(sandbox, tmp_path):
    source = write(tmp_path / "s.csv", "email,Tags,Notes\nq1@example.com,unsubscribed,removed\n"
                                       "q2@example.com,active,active\n")
    result = invoke(["run", source, "--field", "Notes=Company"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("q1@example.com") == "active"
    assert sandbox.store.snapshot()["q1@example.com"]["fields"] == {"Company": "removed"}
    assert sandbox.store.tags_of("q1@example.com") == {"unsubscribed"}
    assert "subscription status" not in result.output


@pytest.mark.parametrize("kind, meaning, cells", [
    (Kind.WORDS, KitState.ACTIVE, {
        "subscribed": KitState.ACTIVE, " Active ": KitState.ACTIVE, "Unsubscribed": KitState.CANCELLED,
        "cleaned": KitState.BOUNCED, "Bounced": KitState.BOUNCED, "complained": KitState.COMPLAINED,
        "cancelled": KitState.CANCELLED, "Opted out": KitState.CANCELLED, "pending": KitState.INACTIVE,
        "transactional": KitState.INACTIVE, "Non-subscribed": KitState.INACTIVE, "inactive": KitState.INACTIVE,
        "": None, "  ": None}),
    (Kind.OUT_WHEN_TRUE, KitState.CANCELLED, {
        "true": KitState.CANCELLED, "TRUE": KitState.CANCELLED, "Yes": KitState.CANCELLED, "1": KitState.CANCELLED,
        "2024-03-01 09:00": KitState.CANCELLED, "false": KitState.ACTIVE, "No": KitState.ACTIVE,
        "0": KitState.ACTIVE, "": None}),
    (Kind.IN_WHEN_TRUE, KitState.INACTIVE, {"yes": KitState.ACTIVE, "no": KitState.INACTIVE, "": None}),
    (Kind.SET_WHEN_OUT, KitState.BOUNCED, {"2024-02-01 00:00:00": KitState.BOUNCED, "": None}),
], ids=["words", "true-means-out", "true-means-in", "a-time-means-out"])
def test_each_cell_reads_as_a_kit_state(kind, meaning, cells):
    column = StatusColumn(0, "x", kind, meaning)
    assert {cell: column.read(cell) for cell in cells} == cells


@pytest.mark.parametrize("kind, cell", [(Kind.WORDS, "maybe"), (Kind.WORDS, "VIP"), (Kind.OUT_WHEN_TRUE, "perhaps")])
def test_an_unknown_word_is_never_read_as_active(kind, cell):
    with pytest.raises(UnknownStatus) as caught:
        StatusColumn(0, "x", kind).read(cell)
    assert caught.value.word == cell


def test_the_guard_counts_by_column_and_word_and_skips_the_same_person_everywhere():
    guard = ConsentGuard([StatusColumn(1, "Status", Kind.WORDS)], email=0, skip=True)
    rows = [Row(2, ("a@example.com", "subscribed")), Row(3, ("B@example.com", "unsubscribed")),
            Row(4, ("c@example.com", "maybe")), Row(5, ("d@example.com", "")), Row(6, ("x", "bad"), "ragged row")]
    # a ragged row, and a row with an unknown word, are the mapper's to reject
    assert [r.number for r in guard.screen(rows)] == [2, 4, 5, 6]
    assert guard.skipped_rows == 1 and guard.left_out == {"b@example.com"}
    assert guard.tally() == "'Status': unsubscribed 1"


def test_the_guard_gives_each_row_its_state_and_names_an_unknown_word():
    guard = ConsentGuard([StatusColumn(1, "Status", Kind.WORDS), StatusColumn(2, "UNSUB_TIME", Kind.SET_WHEN_OUT)],
                         email=0)
    assert guard.state(("a@example.com", "subscribed", "")) is KitState.ACTIVE
    assert guard.state(("a@example.com", "", "")) is None
    assert guard.state(("a@example.com", "subscribed", "2024-01-01")) is KitState.CANCELLED  # any column leaving wins
    assert guard.state(("a@example.com", "cleaned", "")) is KitState.BOUNCED
    with pytest.raises(UnknownStatus) as caught:
        guard.state(("a@example.com", "VIP", ""))
    assert caught.value.detail.startswith("Status: 'VIP' is not a state kit-import knows; accepted: subscribed")
    # issue 15: columns that disagree are quoted, each with what it said
    assert guard.words(KitState.CANCELLED) == 'Status "subscribed", UNSUB_TIME set'
    assert guard.words(KitState.BOUNCED) == "cleaned"


# --- end to end -------------------------------------------------------------------------

WRITES = ("POST", "PUT", "DELETE")


def writes(sandbox) -> list[str]:
    return [f"{m} {p}" for m, p, _, _ in sandbox.requests if m in WRITES]


SHAPES = {  # file, rows not subscribed, what the summary says of them, emails that stay when skipped
    "mailchimp": (MAILCHIMP_SUBSCRIBED.split("\n", 1)[0].replace('"LAST_CHANGED",', '"UNSUB_TIME",') + "\n" +
                  '"ann@example.com","Ann","Lee","","","2","","","","","","","","","","","","","1","a1","",""\n'
                  '"una@example.com","Una","Sub","","","2","","","","","","","","","","","","2024-03-01 09:00:00",'
                  '"2","a2","",""\n',
                  1, "'UNSUB_TIME': has a time 1", {"ann@example.com"}),
    "kit": (KIT_EXPORT, 3, "'state': cancelled 1, bounced 1, complained 1",
            {"dana@example.com", "new@example.com"}),
    "crm": (HUBSPOT, 1, "'Unsubscribed from all email': true 1", {"grace@example.com", "ada@example.com"}),
}


STATES = {  # the state each person of a shape is created in (issue 11: the guard became this mapping)
    "mailchimp": {"ann@example.com": "active", "una@example.com": "cancelled"},
    "kit": {"dana@example.com": "active", "fox@example.com": "cancelled", "walt@example.com": "bounced",
            "spam@example.com": "complained", "new@example.com": "active"},
    "crm": {"grace@example.com": "active", "alan@example.com": "cancelled", "ada@example.com": "active"},
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_file_with_unsubscribed_people_creates_them_in_their_state(sandbox, tmp_path, shape):
    text, out, _said, _ = SHAPES[shape]
    source = write(tmp_path / f"{shape}.csv", text)
    result = invoke(["run", source, "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert {e: sandbox.store.state_of(e) for e in STATES[shape]} == STATES[shape]
    report = json.loads((tmp_path / "r.json").read_text())
    assert sum(report["states_set"].values()) == out
    assert "States set:        " in result.output and "created as " in result.output
    assert "-> subscription status" in result.output


@pytest.mark.parametrize("shape", list(SHAPES))
def test_skip_unsubscribed_leaves_exactly_those_rows_out(sandbox, tmp_path, shape):
    text, out, said, stay = SHAPES[shape]
    source = write(tmp_path / f"{shape}.csv", text)
    result = invoke(["run", source, "--skip-unsubscribed", "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert set(sandbox.store.snapshot()) == stay
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["rows_skipped"], report["rows_rejected"]) == (out, 0)
    assert report["rows_read"] == report["contacts"] + report["rows_skipped"]
    assert report["rows_read"] == report["rows_imported"] + report["rows_rejected"] + report["rows_skipped"]
    assert f"Skipped rows:      {out} (not subscribed ({said}), left out by --skip-unsubscribed)" in result.output
    assert f"{len(stay)} imported, 0 rejected, {out} skipped (not subscribed)" in result.output
    assert not (tmp_path / f"{shape}.csv.failures.csv").exists()  # skipped rows are not errors


@pytest.mark.parametrize("shape", list(SHAPES))
def test_ignore_status_imports_everyone(sandbox, tmp_path, shape):
    text, out, _, stay = SHAPES[shape]
    source = write(tmp_path / f"{shape}.csv", text)
    result = invoke(["run", source, "--ignore-status"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert len(sandbox.store.snapshot()) == len(stay) + out
    # every status column is dropped; an opt-out time (Mailchimp's UNSUB_TIME) still says who left
    left = {"una@example.com"} if shape == "mailchimp" else set()
    assert {sub.email_address: sub.state for sub in sandbox.store.subscribers.values() if sub.state != "active"} \
        == dict.fromkeys(left, "cancelled")


def test_a_skipped_person_is_not_brought_in_by_another_row(sandbox, tmp_path):
    source = write(tmp_path / "dup.csv", "Email,First Name,Status\nann@example.com,Ann,subscribed\n"
                                         "bo@example.com,Bo,subscribed\nANN@example.com,Ann,unsubscribed\n")
    result = invoke(["run", source, "--skip-unsubscribed", "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert set(sandbox.store.snapshot()) == {"bo@example.com"}
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["rows_read"], report["contacts"], report["rows_skipped"], report["duplicates_merged"]) == \
        (3, 1, 2, 0)
    assert report["rows_imported"] == 1


@pytest.mark.parametrize("extra, said", [
    ("", "and 1 other row of the same person"),
    ("dee@example.com,Dee,subscribed\nDEE@example.com,Dee,unsubscribed\ndee@example.com,Dee,\n",
     "and 3 other rows of the same people"),
], ids=["one-person", "two-people"])
def test_the_skipped_rows_line_adds_up_with_the_other_rows_of_the_same_people(sandbox, tmp_path, extra, said):
    source = write(tmp_path / "d.csv", "Email,First Name,Status\nann@example.com,Ann,subscribed\n"
                                       "bo@example.com,Bo,unsubscribed\ncy@example.com,Cy,cleaned\n"
                                       "ANN@example.com,Ann,unsubscribed\neve@example.com,Eve,subscribed\n" + extra)
    result = invoke(["run", source, "--skip-unsubscribed", "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert set(sandbox.store.snapshot()) == {"eve@example.com"}
    out = 4 if not extra else 7
    unsubscribed = 2 if not extra else 3
    line = (f"Skipped rows:      {out} (not subscribed ('Status': unsubscribed {unsubscribed}, cleaned 1), "
            f"left out by --skip-unsubscribed, {said})")
    assert line in result.output.splitlines()
    assert json.loads((tmp_path / "r.json").read_text())["rows_skipped"] == out


def test_an_unknown_word_rejects_its_row_naming_the_word_and_the_accepted_ones(sandbox, tmp_path):
    source = write(tmp_path / "w.csv", "Email,Status\nann@example.com,subscribed\nbo@example.com,VIP\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 3, result.output
    assert set(sandbox.store.snapshot()) == {"ann@example.com"}
    failed = list(csv.DictReader((tmp_path / "w.csv.failures.csv").open(encoding="utf-8")))
    assert [(f["row"], f["error"]) for f in failed] == [
        ("3", "unknown state: Status: 'VIP' is not a state kit-import knows; accepted: subscribed or active; "
              "unsubscribed or cancelled; cleaned or bounced; complained; pending, transactional or inactive")]


def test_status_column_names_the_column_when_detection_cannot(sandbox, tmp_path):
    # An account's words are a business's, not consent: never detected (a `Newsletter` would be, by its cells).
    source = write(tmp_path / "s.csv", "Email,Account\nann@example.com,subscribed\nbo@example.com,unsubscribed\n")
    assert invoke(["run", source], env_for(sandbox), cwd=tmp_path).exit_code == 0
    assert sandbox.store.state_of("bo@example.com") == "active"
    sandbox.store.subscribers.clear()
    result = invoke(["run", source, "--status-column", "Account", "--skip-unsubscribed"], env_for(sandbox),
                    cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert set(sandbox.store.snapshot()) == {"ann@example.com"}


def test_a_stopped_run_creates_no_field(sandbox, tmp_path):
    source = write(tmp_path / "f.csv", "Email,Likes,Status\nann@example.com,Cats,subscribed\n"
                                       "bad-email,Dogs,subscribed\nbo@example.com,Owls,subscribed\n")
    result = invoke(["run", source, "--field", "Likes=Interests", "--create-missing-fields", "--max-rejects", "10"],
                    env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert writes(sandbox) == []
    assert "Likes -> Interests (to be created)" in result.output
    assert "Fields created" not in result.output  # the brake stopped the run first


def test_fields_are_created_after_the_checks_and_their_values_written(sandbox, tmp_path):
    source = write(tmp_path / "f.csv", "Email,Likes,Status\nann@example.com,Cats,subscribed\n"
                                       "bo@example.com,Owls,unsubscribed\n")
    result = invoke(["run", source, "--field", "Likes=Interests", "--create-missing-fields", "--skip-unsubscribed"],
                    env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.snapshot() == {"ann@example.com": {"first_name": None, "fields": {"Interests": "Cats"}}}
    assert "Fields created:    Interests\n" in result.output


def test_config_keys_skip_and_ignore(sandbox, tmp_path):
    write(tmp_path / "k.csv", KIT_EXPORT)
    config = write(tmp_path / "n.toml", 'source = "k.csv"\nskip_unsubscribed = true\n')
    result = invoke(["run", "--config", config], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert set(sandbox.store.snapshot()) == {"dana@example.com", "new@example.com"}
    both = write(tmp_path / "b.toml", 'source = "k.csv"\nskip_unsubscribed = true\nignore_status = true\n')
    assert "cannot go with" in invoke(["run", "--config", both], env_for(sandbox), cwd=tmp_path).output


# --- a lone name column -----------------------------------------------------------------------

def test_a_lone_name_column_is_the_first_name(sandbox, tmp_path):
    source = write(tmp_path / "n.csv", "Email,Name,Company\nann@example.com,Ann Lee,Acme\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Name -> first name and Last name (split)" in result.output
    assert sandbox.store.snapshot()["ann@example.com"] == {"first_name": "Ann",
                                                           "fields": {"Last name": "Lee", "Company": "Acme"}}
    sandbox.store.subscribers.clear()
    whole = invoke(["run", source, "--no-split-names"], env_for(sandbox), cwd=tmp_path)
    assert "Name -> first name (no first-name column; sent whole: --no-split-names says so)" in whole.output
    assert sandbox.store.snapshot()["ann@example.com"] == {"first_name": "Ann Lee", "fields": {"Company": "Acme"}}
    sandbox.store.subscribers.clear()
    off = invoke(["run", source, "--first-name-column", "none"], env_for(sandbox), cwd=tmp_path)
    assert off.exit_code == 0, off.output
    assert sandbox.store.snapshot()["ann@example.com"]["first_name"] is None
    assert "Column ignored:    Name: " in off.output


@pytest.mark.parametrize("header", ["Name", "Full name", "Subscriber name", "name"])
def test_single_name_headers(sandbox, tmp_path, header):
    source = write(tmp_path / "n.csv", f"Email,{header}\nann@example.com,Ann\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert f"{header} -> first name and Last name (split)" in result.output


def test_two_name_columns_or_a_first_name_column_leave_the_name_alone(sandbox, tmp_path):
    both = write(tmp_path / "b.csv", "Email,Name,Full name\nann@example.com,Ann,Ann Lee\n")
    assert "-> first name" not in invoke(["run", both], env_for(sandbox), cwd=tmp_path).output
    first = write(tmp_path / "f.csv", "Email,Name,First Name\nbo@example.com,Bo Chen,Bo\n")
    result = invoke(["run", first], env_for(sandbox), cwd=tmp_path)
    assert "First Name -> first name" in result.output and "(no first-name column)" not in result.output


# --- the status column named ------------------------------------------------------------------

@pytest.mark.parametrize("args, config, named", [
    (["--state-column", "Nope"], None, "--state-column"),
    (["--status-column", "Nope"], None, "--status-column"),
    ([], 'source = "s.csv"\n\nstate_column = "Nope"\n', "state_column in n.toml (line 3)"),
    ([], 'source = "s.csv"\nstatus_column = "Nope"\n', "status_column in n.toml (line 2)"),
    (["--state-column", "Nope"], 'source = "s.csv"\nstatus_column = "Nope"\n', "--state-column"),
], ids=["state-flag", "status-flag", "state-config", "status-config", "flag-over-config"])
def test_a_missing_status_column_is_named_as_the_user_gave_it(sandbox, tmp_path, args, config, named):
    write(tmp_path / "s.csv", "email,Status\nann@example.com,subscribed\n")
    if config:
        write(tmp_path / "n.toml", config)
    result = invoke(["run", *(["--config", "n.toml"] if config else ["s.csv"]), *args], env_for(sandbox),
                    cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert f"Error: {named} names a column 'Nope' that the file does not have." in result.output
    assert "Columns in the file: 'email', 'Status'." in result.output


@pytest.mark.parametrize("setting", ["state_column", "status_column"])
def test_a_status_column_naming_the_email_is_named_as_given(tmp_path, setting):
    write(tmp_path / "s.csv", "email,Status\nann@example.com,subscribed\n")
    with pytest.raises(ConfigError, match=f"^{setting} names the email column"):
        import_file(Settings(source=tmp_path / "s.csv", dry_run=True, **{setting: "email"}))
    with pytest.raises(ConfigError, match=f"^{setting} names a column 'Nope'"):
        import_file(Settings(source=tmp_path / "s.csv", dry_run=True, **{setting: "Nope"}))


def test_init_proposes_a_status_column_once_and_never_as_a_field(tmp_path):
    write(tmp_path / "st.csv", "Email,First Name,Status\na@example.com,Ann,subscribed\nb@example.com,Bo,unsubscribed\n")
    made = invoke(["init", "st.csv", "-o", "n.toml"], cwd=tmp_path)
    assert made.exit_code == 0, made.output
    text = (tmp_path / "n.toml").read_text()
    assert 'state_column = "Status"' in text and '# "Status" = "Status"' not in text
    assert "1 status column, 0 left commented out" in made.output


def test_a_failures_csv_fed_back_in_is_not_stopped_by_its_own_error_column(sandbox, tmp_path):
    """A failures CSV's `error` column of short reasons looks like a column of status words; it is the
    tool's own column, never consent, so the fixed rows import and the real status column still counts."""
    source = write(tmp_path / "c.csv.failures.csv",
                   "Email,Name,row,error\n"
                   "ann@example.com,Ann,2,invalid email\n"
                   "bo@example.com,Bo,3,invalid email\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert set(sandbox.store.snapshot()) == {"ann@example.com", "bo@example.com"}
    with_status = write(tmp_path / "d.csv.failures.csv",
                        "Email,Status,row,error\n"
                        "cy@example.com,subscribed,2,invalid email\n"
                        "di@example.com,unsubscribed,3,invalid email\n")
    result = invoke(["run", with_status], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("di@example.com") == "cancelled"


def test_a_consent_column_left_out_is_said_once(sandbox, tmp_path):
    """Mailchimp's UNSUB_CAMPAIGN_ID is left out of consent, and why, on the Consent line; it is not named
    again as an ignored column (the report's ignored_columns still lists it, with the --field to map it)."""
    source = write(tmp_path / "unsubscribed.csv", MAILCHIMP_UNSUBSCRIBED)
    result = invoke(["run", source, "--dry-run", "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "left out: UNSUB_CAMPAIGN_ID: not consent: its cells ('abc123') are no subscription states" \
        in result.output
    assert [line for line in result.output.splitlines() if "UNSUB_CAMPAIGN_ID" in line] == [
        line for line in result.output.splitlines() if line.startswith("Consent:")]
    ignored = json.loads((tmp_path / "r.json").read_text())["ignored_columns"]
    assert "UNSUB_CAMPAIGN_ID" in [c["column"] for c in ignored]
