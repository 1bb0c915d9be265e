"""Consent in more exports a new user brought (Dynamics 365, Constant Contact, MailerLite, AWeber,
Marketing Cloud): nobody who opted out ends active, nobody who allows email is unsubscribed, end to end
against the sandbox."""

from __future__ import annotations

import pytest

from conftest import write
from helpers import env_for, invoke
from importer.read.consent_find import detect
from importer.read.consent_vocab import consent_header
from importer.read.status_column import Kind


def states(sandbox, *emails: str) -> dict[str, str | None]:
    return {e: sandbox.store.state_of(e) for e in emails}


# --- Dynamics 365: (Do Not Modify) columns are the system's; Do not allow Emails holds Allow / Do Not Allow --

DYNAMICS = ("(Do Not Modify) Contact,(Do Not Modify) Row Checksum,(Do Not Modify) Modified On,Full Name,"
            "Email,First Name,Last Name,Company Name,Do not allow Emails,Do not allow Bulk Emails\n"
            "a1b2-1,QWxh=,2026-12-01 10:00:00,Ann Allow,ann@example.com,Ann,Allow,Acme,Allow,Allow\n"
            "a1b2-2,QWxi=,2026-12-02 10:00:00,Bo Bulk,bo@example.com,Bo,Bulk,,Allow,Do Not Allow\n"
            "a1b2-3,QWxj=,2026-12-03 10:00:00,Cy Cut,cy@example.com,Cy,Cut,,Do Not Allow,Allow\n")


@pytest.mark.parametrize("header", ["(Do Not Modify) Modified On", "(Do Not Modify) Contact", "Do Not Modify"])
def test_do_not_modify_is_no_opt_out(header):
    assert not consent_header(header)
    found = detect(["Email", header], [("a@example.com", "2026-12-01 10:00:00")], exclude={0})
    assert found.columns == [] and found.unreadable == {}


@pytest.mark.parametrize("header", ["Do Not Email", "DoNotEmail", "Do not allow Emails", "Do Not Contact",
                                    "Do Not Mail", "do_not_email"])
def test_do_not_with_an_email_object_is_an_opt_out(header):
    assert consent_header(header)


def test_dynamics_allow_is_in_and_do_not_allow_is_out_end_to_end(sandbox, tmp_path):
    env = env_for(sandbox)
    seed = write(tmp_path / "seed.csv", "Email,First Name\nann@example.com,Ann\nbo@example.com,Bo\n")
    assert invoke(["run", seed], env, cwd=tmp_path).exit_code == 0
    result = invoke(["run", write(tmp_path / "dynamics.csv", DYNAMICS)], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "ann@example.com", "bo@example.com", "cy@example.com") == {
        "ann@example.com": "active", "bo@example.com": "cancelled", "cy@example.com": "cancelled"}
    assert "Modified On set" not in result.output and "Modified On -> subscription" not in result.output
    assert "Do not allow Bulk Emails -> subscription status" in result.output


def test_allow_means_nothing_under_another_header():
    found = detect(["Email", "Status"], [("a@example.com", "Allow"), ("b@example.com", "unsubscribed")],
                   exclude={0})
    assert found.columns == [] and list(found.unreadable) == [1]
    found = detect(["Email", "Do not allow Emails"], [("a@example.com", "Allow"), ("b@example.com", "Do Not Allow")],
                   exclude={0})
    assert [(c.header, c.kind) for c in found.columns] == [("Do not allow Emails", Kind.WORDS)]


# --- Constant Contact: an Opt-out source filled in says the person left -----------------------------

CONSTANT_CONTACT = (
    "Email address,First name,Email permission status,Email update source,Confirmed Opt-Out Date,Opt-out source\n"
    "cc1@example.com,Alice,Explicit,Contact,,\n"
    "cc3@example.com,Cara,Unsubscribed,Contact,2099-03-01 10:00:00,Unsubscribe link\n"
    "cc4@example.com,Dan,Pending Confirmation,Contact,,\n")


@pytest.mark.parametrize("header", ["Opt-out source", "Unsubscribe reason", "Opt-out reason", "Unsub reason"])
def test_how_or_why_someone_left_means_out_when_filled(header):
    rows = [("a@example.com", ""), ("b@example.com", "Unsubscribe link"), ("c@example.com", "Too many emails")]
    found = detect(["Email", header], rows, exclude={0})
    assert found.unreadable == {} and [(c.header, c.kind) for c in found.columns] == [(header, Kind.SET_WHEN_OUT)]
    assert [found.columns[0].read(cells[1]) for cells in rows] == [None, "cancelled", "cancelled"]


def test_constant_contact_opt_out_source_is_read_and_nobody_who_left_is_active(sandbox, tmp_path):
    env = env_for(sandbox)
    seed = write(tmp_path / "seed.csv", "Email,First Name\ncc1@example.com,Alice\ncc3@example.com,Cara\n")
    assert invoke(["run", seed], env, cwd=tmp_path).exit_code == 0
    result = invoke(["run", write(tmp_path / "cc.csv", CONSTANT_CONTACT)], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Opt-out source -> subscription status" in result.output
    assert states(sandbox, "cc1@example.com", "cc3@example.com", "cc4@example.com") == {
        "cc1@example.com": "active", "cc3@example.com": "cancelled", "cc4@example.com": "inactive"}


def test_the_stop_lists_unknown_words_apart_and_never_advises_dropping_readable_opt_outs(sandbox, tmp_path):
    path = write(tmp_path / "cc.csv", CONSTANT_CONTACT + "cc5@example.com,Eve,Implicit,Account,,\n")
    result = invoke(["run", path], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1
    assert ("'Email permission status' (unknown: 'Implicit' 1; read: 'Explicit' 1, 'Unsubscribed' 1, "
            "'Pending Confirmation' 1)") in result.output
    assert "--state-word \"Implicit=STATE\"" in result.output
    assert "--ignore-status is no way on" in result.output and "or say it is not consent" not in result.output


def test_a_readable_word_column_beside_a_stopping_one_is_advised_first(sandbox, tmp_path):
    path = write(tmp_path / "two.csv", "Email,Status,Newsletter\n"
                                       "a@x.de,subscribed,oui\nb@x.de,unsubscribed,peut-être\n")
    result = invoke(["run", path], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1
    assert "If 'Status' alone gives the state, name it with --state-column Status." in result.output
    assert "--ignore-status" not in result.output


def test_ignore_status_beside_state_words_that_read_a_column_stops(sandbox, tmp_path):
    env = env_for(sandbox)
    path = write(tmp_path / "cc.csv", CONSTANT_CONTACT + "cc5@example.com,Eve,Implicit,Account,,\n")
    result = invoke(["run", path, "--state-word", "Implicit=active", "--ignore-status"], env, cwd=tmp_path)
    assert result.exit_code == 1 and "makes 'Email permission status' readable" in result.output
    assert states(sandbox, "cc3@example.com") == {"cc3@example.com": None}
    result = invoke(["run", path, "--state-word", "Implicit=active"], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "cc3@example.com", "cc5@example.com") == {"cc3@example.com": "cancelled",
                                                                     "cc5@example.com": "active"}


# --- headers holding "subscri" that are no state: ids, keys, methods ---------------------------------

@pytest.mark.parametrize("header, cells, why", [
    ("Subscriber", ["1001", "1002", "1003", "1004"], "ids, not subscription states"),
    ("Subscriber Key", ["0035g00000XyZabAAB", "0035g00000XyZabAAC", "a@example.com"],
     "a key, not a subscription state"),
    ("Subscribe Method", ["Webform", "Webform", "Import"], "a method, not a subscription state"),
    ("Newsletter Form", ["Footer", "Popup", "Footer"], "a form, not a subscription state"),
    ("Newsletter Group", ["Weekly", "Monthly", "Weekly"], "a group, not a subscription state")])
def test_a_subscriber_id_key_or_method_is_no_status_column(header, cells, why):
    rows = [(f"p{i}@example.com", cell) for i, cell in enumerate(cells)]
    found = detect(["Email", header], rows, exclude={0})
    assert found.unreadable == {} and found.columns == [] and found.set_aside == {1: (header, why)}


@pytest.mark.parametrize("header", ["Status", "Subscriber Status", "Subscription"])
def test_a_real_status_header_still_stops_on_unknown_words(header):
    rows = [("a@example.com", "optin-1"), ("b@example.com", "opt-out-2"), ("c@example.com", "optin-3")]
    assert list(detect(["Email", header], rows, exclude={0}).unreadable) == [1]


def test_a_subscriber_list_of_status_words_is_still_read():
    rows = [("a@example.com", "subscribed"), ("b@example.com", "unsubscribed"), ("c@example.com", "subscribed")]
    found = detect(["Email", "Mailing list"], rows, exclude={0})
    assert [c.header for c in found.columns] == ["Mailing list"]


MAILERLITE = ("Subscriber,Email,Name,Status,Subscribed at,Unsubscribed at,Groups\n"
              "1001,ml1@example.com,Mara,active,2024-01-02 10:11:12,,Newsletter\n"
              "1002,ml2@example.com,Milo,unsubscribed,2023-01-02 10:11:12,2099-05-06 07:08:09,Newsletter\n"
              "1003,ml3@example.com,Mina,unconfirmed,2024-06-02 10:11:12,,\n")


def test_mailerlite_subscriber_ids_stop_nothing_end_to_end(sandbox, tmp_path):
    env = env_for(sandbox)
    seed = write(tmp_path / "seed.csv", "Email,First Name\nml1@example.com,Mara\nml2@example.com,Milo\n")
    assert invoke(["run", seed], env, cwd=tmp_path).exit_code == 0
    result = invoke(["run", write(tmp_path / "ml.csv", MAILERLITE)], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Subscriber: ids, not subscription states" in result.output
    assert states(sandbox, "ml1@example.com", "ml2@example.com", "ml3@example.com") == {
        "ml1@example.com": "active", "ml2@example.com": "cancelled", "ml3@example.com": "inactive"}


# --- Pipedrive: an entity prefix is dropped before a header is matched --------------------------------

PIPEDRIVE = ("Person - ID,Person - Name,Person - First name,Person - Last name,Person - Email - Work,"
             "Person - Email - Home,Person - Marketing status\n"
             "1,Paula Pipe,Paula,Pipe,paula@work.example.com,,Subscribed\n"
             "2,Peter Drive,Peter,Drive,peter@work.example.com,peter@home.example.com,Unsubscribed\n")


@pytest.mark.parametrize("header, bare", [("Person - First name", "First name"), ("Person - Email - Work", "Email"),
                                          ("Contact - City", "City"), ("Lead - Email", "Email"),
                                          ("Contact", "Contact"), ("Deal - Value", "Deal - Value")])
def test_an_entity_prefix_is_dropped(header, bare):
    from importer.read.columns import unprefixed
    assert unprefixed(header) == bare


def test_pipedrive_people_are_read_by_header_end_to_end(sandbox, tmp_path):
    result = invoke(["run", write(tmp_path / "pd.csv", PIPEDRIVE)], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Person - Email - Work -> email; Person - First name -> first name;" in result.output
    assert "Person - Last name -> Last name (last_name)" in result.output
    snapshot = sandbox.store.snapshot()
    assert snapshot["paula@work.example.com"]["first_name"] == "Paula"
    assert snapshot["paula@work.example.com"]["fields"]["Last name"] == "Pipe"
    assert states(sandbox, "paula@work.example.com", "peter@work.example.com") == {
        "paula@work.example.com": "active", "peter@work.example.com": "cancelled"}


# --- MailerLite's Unsubscribed at is an opt-out time, whatever names the status; an address's State ------

@pytest.mark.parametrize("flags", [[], ["--state-column", "Status"], ["--ignore-status"]])
def test_unsubscribed_at_is_read_as_an_opt_out_end_to_end(sandbox, tmp_path, flags):
    env = env_for(sandbox)
    seed = write(tmp_path / "seed.csv", "Email,First Name\nml1@example.com,Mara\nml2@example.com,Milo\n")
    assert invoke(["run", seed], env, cwd=tmp_path).exit_code == 0
    text = MAILERLITE.replace("ml2@example.com,Milo,unsubscribed", "ml2@example.com,Milo,active")  # the time alone
    result = invoke(["run", write(tmp_path / "ml.csv", text), *flags], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Unsubscribed at -> subscription status" in result.output and "Unsubscribed at: export" not in result.output
    assert states(sandbox, "ml1@example.com", "ml2@example.com") == {"ml1@example.com": "active",
                                                                     "ml2@example.com": "cancelled"}


def test_an_address_state_is_said_to_be_one(sandbox, tmp_path):
    path = write(tmp_path / "a.csv", "Email,City,State,Zip\na@example.com,Austin,TX,73301\n")
    result = invoke(["run", path, "--dry-run"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "State: an address's state: map it with --field" in result.output
    assert "State: export metadata" not in result.output


# --- a dry run's --diff lists the unsubscribe of a row --skip-unsubscribed left out -------------------------

WIX = ("First Name,Last Name,Email 1,Email subscriber status\nWes,Wix,wx1@example.com,Subscribed\n"
       "Wil,Wix,wx2@example.com,Unsubscribed\nWin,Wix,wx3@example.com,Never subscribed\n")


def test_the_diff_lists_the_unsubscribe_of_a_skipped_row(sandbox, tmp_path):
    import csv

    env = env_for(sandbox)
    seed = write(tmp_path / "seed.csv", "Email,First Name\nwx2@example.com,Wil\n")
    assert invoke(["run", seed], env, cwd=tmp_path).exit_code == 0
    path = write(tmp_path / "wix.csv", WIX)
    result = invoke(["run", path, "--skip-unsubscribed", "--dry-run", "--diff", "wix.diff.csv"], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    with open(tmp_path / "wix.diff.csv", encoding="utf-8-sig", newline="") as f:
        lines = [row for row in csv.DictReader(f) if row["email"] == "wx2@example.com"]
    assert lines == [{"email": "wx2@example.com", "what": "state", "change": "changed", "kit_value": "active",
                      "file_value": "cancelled", "why": "a row --skip-unsubscribed left out"}]
    assert states(sandbox, "wx2@example.com") == {"wx2@example.com": "active"}  # a dry run writes nothing
    result = invoke(["run", path, "--skip-unsubscribed"], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "wx1@example.com", "wx2@example.com", "wx3@example.com") == {
        "wx1@example.com": "active", "wx2@example.com": "cancelled", "wx3@example.com": None}


@pytest.mark.parametrize("csv, expected", [
    ("Email,First Name,Bulk Email,Email Allowed\n"  # Dynamics 365's display names
     "a@example.com,A,Allow,Allow\nb@example.com,B,Do Not Allow,Allow\nc@example.com,C,Allow,Do Not Allow\n",
     {"a@example.com": "active", "b@example.com": "cancelled", "c@example.com": "cancelled"}),
    ("Purchase ID,Purchase Email,Buyer Name,Can Contact,Refunded?\n"  # Gumroad's sales export
     "p1,a@example.com,A,true,false\np2,b@example.com,B,false,false\n",
     {"a@example.com": "active", "b@example.com": "inactive"}),
    ("Email,Name,Is Excluded From Campaigns\n"  # Mailjet's contacts export
     "a@example.com,A,false\nb@example.com,B,true\n",
     {"a@example.com": "active", "b@example.com": "cancelled"}),
    ("Email,Name,Subscription Status\n"  # Mailjet's list export
     "a@example.com,A,subscribed\nb@example.com,B,excluded\nc@example.com,C,unsubscribed\n",
     {"a@example.com": "active", "b@example.com": "cancelled", "c@example.com": "cancelled"}),
], ids=["dynamics-display-names", "gumroad-can-contact", "mailjet-excluded", "mailjet-status"])
def test_opt_out_columns_a_final_smoke_test_found_imported_active(sandbox, tmp_path, csv, expected):
    """These columns were taken for fields nobody maps, and their opted-out people were created active."""
    write(tmp_path / "export.csv", csv)
    result = invoke(["run", "export.csv"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, *expected) == expected
