"""Consent read from exports as a new user brings them: the shapes found wanting by trying the tool
(opt-out dates under headers no table names, a business's Status, Mailchimp's unsubscribe reasons,
CleverReach's activation time), end to end against the sandbox where Kit's state is at stake."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import write
from helpers import env_for, invoke
from importer.read.columns import plan_columns
from importer.read.consent import plan_guard
from importer.read.consent_find import detect
from importer.read.contacts import map_rows
from importer.read.files import open_source
from importer.records import Contact, KitState


def at(*args: int, hours: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.timezone(dt.timedelta(hours=hours)))


def contacts(path) -> dict[str, Contact]:
    source = open_source(path)
    plan = plan_columns(source.headers, [])
    guard = plan_guard(source.headers, source.rows, plan.email, claimed=plan.in_use())
    assert guard is not None
    return {c.email: c for c in map_rows(source.rows(), plan, guard.state, guard.opted_out_at)}


def states(sandbox, *emails: str) -> dict[str, str | None]:
    return {e: sandbox.store.state_of(e) for e in emails}


# --- an opt-out date under a header no table names ---------------------------------------------

@pytest.mark.parametrize("header, state", [
    ("Date Unsubscribed", KitState.CANCELLED), ("Unsubscribe Timestamp", KitState.CANCELLED),
    ("Email Opt Out Date", KitState.CANCELLED), ("Confirmed Opt-Out Date", KitState.CANCELLED),
    ("Abmeldung am", KitState.CANCELLED), ("Hard Bounce Date", KitState.BOUNCED),
    ("Spam Complaint Date", KitState.COMPLAINED)])
def test_a_date_under_a_header_that_speaks_of_leaving_means_out(tmp_path, header, state):
    path = write(tmp_path / "t.csv", f"email,name,{header}\na@example.com,Ann,2024-05-01T10:00:00Z\n"
                                     "b@example.com,Bo,\nc@example.com,Cy,0\n")
    got = {e: (c.state, c.unsubscribed_at) for e, c in contacts(path).items()}
    assert got == {"a@example.com": (state, at(2024, 5, 1, 10)), "b@example.com": (None, None),
                   "c@example.com": (None, None)}


def test_a_consent_time_or_another_channels_opt_out_date_is_still_no_opt_out():
    rows = [("a@example.com", "2024-05-01", "2024-05-01"), ("b@example.com", "", "")]
    found = detect(["Email", "Email Marketing Consent Timestamp", "SMS Opt-Out Date"], rows, exclude={0})
    assert found.columns == [] and found.set_aside == {
        1: ("Email Marketing Consent Timestamp", "a time, not a subscription state"),
        2: ("SMS Opt-Out Date", "another channel (SMS)")}


def test_an_opt_out_date_unsubscribes_a_subscriber_kit_holds_active(sandbox, tmp_path):
    env = env_for(sandbox)
    first = write(tmp_path / "list.csv", "Email,First Name\nann@example.com,Ann\nbo@example.com,Bo\n")
    assert invoke(["run", first], env, cwd=tmp_path).exit_code == 0
    later = write(tmp_path / "optouts.csv", "Email,First Name,Date Unsubscribed\n"
                                            "ann@example.com,Ann,2099-01-01 10:00\nbo@example.com,Bo,\n")
    result = invoke(["run", later], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "ann@example.com", "bo@example.com") == {"ann@example.com": "cancelled",
                                                                   "bo@example.com": "active"}
    assert "Date Unsubscribed -> subscription status" in result.output


# --- a business's Status: its Cancelled must not unsubscribe anyone ------------------------------

ORDERS = ("Email,First Name,Order ID,Status,Total\nann@example.com,Ann,1001,Shipped,10.00\n"
          "bo@example.com,Bo,1002,Cancelled,5.00\ncy@example.com,Cy,1003,Refunded,7.00\n"
          "di@example.com,Di,1004,Delivered,7.00\n")


def test_an_order_status_with_a_cancelled_among_unknown_words_stops_the_run(sandbox, tmp_path):
    env = env_for(sandbox)
    assert invoke(["run", write(tmp_path / "list.csv", "Email\nbo@example.com\n")], env, cwd=tmp_path).exit_code == 0
    result = invoke(["run", write(tmp_path / "orders.csv", ORDERS)], env, cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert "Column 'Status' (" in result.output and "'Shipped' 1" in result.output
    assert "nothing was written" in result.output and "--ignore-status" in result.output
    assert states(sandbox, "bo@example.com", "ann@example.com") == {"bo@example.com": "active",
                                                                   "ann@example.com": None}
    result = invoke(["run", tmp_path / "orders.csv", "--ignore-status"], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "bo@example.com", "ann@example.com") == {"bo@example.com": "active",
                                                                   "ann@example.com": "active"}


def test_a_status_of_known_words_and_the_odd_typo_is_still_read():
    rows = [(f"p{i}@example.com", "unsubscribed" if i % 2 else "subscribed") for i in range(60)]
    rows.append(("typo@example.com", "subscribd"))
    found = detect(["Email", "Status"], rows, exclude={0})
    assert [c.header for c in found.columns] == ["Status"] and not found.unreadable


def test_a_column_of_email_addresses_is_no_status_even_when_one_holds_a_status_word():
    found = detect(["Email", "Other"], [("a@example.com", "nativo@example.com"), ("b@example.com", ",x@y.com,ATIVO")],
                   exclude={0})
    assert not found.columns and not found.unreadable


# --- Mailchimp's unsubscribed and cleaned exports: a row without its time is still out ----------

def test_a_mailchimp_unsubscribed_row_without_unsub_time_but_with_its_reason_is_out(tmp_path):
    path = write(tmp_path / "unsubscribed_members_export_1.csv",
                 "Email Address,First Name,UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON\n"
                 "carol@example.com,Carol,2024-05-06 11:22:33,Spring sale,abc,NORMAL\n"
                 "dave@example.com,Dave,,,,I no longer want to receive these emails\n"
                 "erin@example.com,Erin,,Spring sale,abc,\n")
    got = {e: (c.state, c.unsubscribed_at) for e, c in contacts(path).items()}
    assert got == {"carol@example.com": (KitState.CANCELLED, at(2024, 5, 6, 11, 22, 33, hours=-12)),
                   "dave@example.com": (KitState.CANCELLED, None), "erin@example.com": (KitState.CANCELLED, None)}


def test_a_mailchimp_cleaned_row_without_clean_time_is_still_bounced(tmp_path):
    path = write(tmp_path / "cleaned_members_export_1.csv",
                 "Email Address,CLEAN_TIME,CLEAN_CAMPAIGN_TITLE,CLEAN_CAMPAIGN_ID\n"
                 "erin@example.com,2024-01-01 12:00:00,Jan news,c1\nfrank@example.com,,Jan news,c1\n")
    assert {e: c.state for e, c in contacts(path).items()} == {"erin@example.com": KitState.BOUNCED,
                                                               "frank@example.com": KitState.BOUNCED}


# --- status words of real exports that stopped or rejected rows ----------------------------------

@pytest.mark.parametrize("word, state", [
    ("junk", KitState.BOUNCED),           # MailerLite
    ("Deleted", KitState.CANCELLED),      # Campaign Monitor, AWeber
    ("gelöscht", KitState.CANCELLED), ("neu", KitState.INACTIVE),  # rapidmail
    ("Explicit", KitState.ACTIVE), ("Pending Confirmation", KitState.INACTIVE),  # Constant Contact
    ("Not set", KitState.INACTIVE)])
def test_status_words_of_real_exports_are_read(tmp_path, word, state):
    path = write(tmp_path / "s.csv", f"Email;Status\na@example.com;{word}\nb@example.com;Unsubscribed\n")
    assert contacts(path)["a@example.com"].state is state


def test_cleverreach_activated_zero_is_no_consent_and_its_time_is(tmp_path):
    path = write(tmp_path / "cr.csv", "email;activated;registered;deactivated;bounced;vorname\n"
                                      "a@example.de;1672531200;1672531200;0;0;Jürgen\n"
                                      "b@example.de;0;1672531200;0;0;Eva\n"
                                      "c@example.de;1672531200;1672531200;1704067200;0;Anna\n")
    assert {e: c.state for e, c in contacts(path).items()} == {
        "a@example.de": KitState.ACTIVE, "b@example.de": KitState.INACTIVE, "c@example.de": KitState.CANCELLED}


def test_the_states_line_quotes_only_cells_that_say_something(sandbox, tmp_path):
    """When email consent columns disagree, the summary quotes each column that said something: a `0` in
    a time column is no time, so it is not quoted as if it were set."""
    path = write(tmp_path / "cr.csv", "email;activated;deactivated;Newsletter\n"
                                      "a@example.de;1672531200;0;nein\n")
    result = invoke(["run", str(path)], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    states_line = next(line for line in result.output.splitlines() if line.startswith("States"))
    assert "deactivated" not in states_line and 'Newsletter "nein"' in states_line, states_line


def test_the_stop_for_unreadable_words_asks_about_a_word_it_cannot_read(sandbox, tmp_path):
    path = write(tmp_path / "de.csv", "Email;Status\na@x.de;aktiv\nb@x.de;aktiv\nc@x.de;aktiv\n"
                                      "d@x.de;abgemeldet\ne@x.de;VIP-4\nf@x.de;VIP-7\n")
    result = invoke(["run", str(path)], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert '--state-word "VIP-4=STATE"' in result.output or '--state-word "VIP-7=STATE"' in result.output
    assert '"aktiv=STATE"' not in result.output and not sandbox.store.snapshot()


def test_the_stop_for_a_named_columns_unreadable_words_does_not_advise_naming_it(sandbox, tmp_path):
    path = write(tmp_path / "nl.csv", "Email,Newsletter\na@x.de,ja bitte\nb@x.de,nein danke\nc@x.de,\n")
    result = invoke(["run", str(path), "--state-column", "Newsletter"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert "--state-column Newsletter" not in result.output and "--ignore-status" not in result.output
    assert "or, if 'Newsletter' is not consent, leave out --state-column." in result.output
    unnamed = invoke(["run", str(write(tmp_path / "codes.csv", "Email,Status\na@x.de,1\nb@x.de,4\n"))],
                     env_for(sandbox), cwd=tmp_path)
    assert unnamed.exit_code == 1 and "or name the status column with --state-column Status" in unnamed.output


@pytest.mark.parametrize("dry_run", [True, False])
def test_blank_status_cells_are_said_to_take_the_default_state(sandbox, tmp_path, dry_run):
    import json

    path = write(tmp_path / "nl.csv", "Email,Newsletter\na@x.de,ja bitte\nb@x.de,nein danke\nc@x.de,\n"
                                      "c@x.de,\nd@x.de,\nd@x.de,ja bitte\n")
    words = ["--state-column", "Newsletter", "--state-word", "ja bitte=active", "--state-word", "nein danke=cancelled"]
    result = invoke(["run", str(path), *words, "--report", "r.json", *(["--dry-run"] if dry_run else [])],
                    env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert ("Consent:           state from Newsletter; blank for 1 person: created active if new, the default; "
            "--subscriber-state changes it") in result.output
    assert json.loads((tmp_path / "r.json").read_text())["blank_states"] == 1
    chosen = invoke(["run", str(path), *words, "--subscriber-state", "inactive", "--dry-run"], env_for(sandbox),
                    cwd=tmp_path)
    assert "blank for 1 person: created inactive if new, as --subscriber-state says" in chosen.output


def test_a_time_column_s_blank_cells_are_the_people_still_in_and_not_said(sandbox, tmp_path):
    path = write(tmp_path / "mc.csv", "Email Address,UNSUB_TIME\na@x.de,\nb@x.de,2024-01-02 10:00:00\n")
    result = invoke(["run", str(path), "--dry-run"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "blank for" not in result.output
