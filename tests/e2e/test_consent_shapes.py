"""Exports a new user brought (tests/data/consent_shapes): whatever the language or the exporting tool,
nobody the file marks opted out ends active in Kit, and nobody is unsubscribed by a column that is not
email consent. A status or consent header over words no table reads stops the run before it writes anything."""

from __future__ import annotations

import pytest

from conftest import DATA
from helpers import env_for, invoke

SHAPES = DATA / "consent_shapes"

# file -> (people the file says opted out or never opted in, people it says opted in)
MARKED = {
    "pl_status_header_status.csv": ({"pl2.wypisany@example.pl"},
                                    {"pl2.aktywny@example.pl", "pl2.aktywny2@example.pl", "pl2.aktywny3@example.pl"}),
    "pl_status.csv": ({"pl.wypisany@example.pl", "pl.odbity@example.pl"},
                      {"pl.aktywny@example.pl", "pl.aktywny2@example.pl"}),
    "tr_status.csv": ({"tr.cikti@example.com.tr"}, {"tr.aktif@example.com.tr", "tr.aktif2@example.com.tr"}),
    "ja_status.csv": ({"ja.unsub@example.jp"}, {"ja.active@example.jp", "ja.active2@example.jp"}),
    "ja_optout.csv": ({"ja2.yes@example.jp"}, {"ja2.no@example.jp", "ja2.no2@example.jp"}),
    "google_forms_pl.csv": ({"gf.pl.nie@example.pl", "gf.pl.nie2@example.pl"},
                            {"gf.pl.tak@example.pl", "gf.pl.tak2@example.pl"}),
    "tr_izin.csv": ({"tr2.hayir@example.com.tr"}, {"tr2.evet@example.com.tr", "tr2.evet2@example.com.tr"}),
    "sv_prenumererar.csv": ({"sv2.nej@example.se"}, {"sv2.ja@example.se", "sv2.ja2@example.se"}),
    "sv_status.csv": ({"sv.avreg@example.se"}, {"sv.aktiv@example.se", "sv.aktiv2@example.se",
                                                "sv.aktiv3@example.se"}),
}
def writes(sandbox) -> list[str]:
    return [f"{m} {p}" for m, p, _, _ in sandbox.requests if m in ("POST", "PUT", "DELETE")]


def run(sandbox, tmp_path, name: str, *args: str):
    return invoke(["run", str(SHAPES / name), *args], env_for(sandbox), cwd=tmp_path)


@pytest.mark.parametrize("name", sorted(MARKED))
def test_nobody_a_localized_file_marks_out_ends_active(sandbox, tmp_path, name):
    out, opted_in = MARKED[name]
    result = run(sandbox, tmp_path, name)
    assert result.exit_code == 0, result.output
    assert {e: sandbox.store.state_of(e) for e in out if sandbox.store.state_of(e) in (None, "active")} == {}
    assert {e: sandbox.store.state_of(e) for e in opted_in} == dict.fromkeys(opted_in, "active")


@pytest.mark.parametrize("header", ["Status", "Durum", "Status subskrypcji", "購読状態", "Newsletter", "GDPR",
                                    "Stan", "Статус"])
def test_words_no_table_reads_under_a_status_or_consent_header_stop_the_run(sandbox, tmp_path, header):
    (tmp_path / "s.csv").write_text(f"Email,{header}\na@example.com,zorbly\nb@example.com,quaxed\n"
                                    "c@example.com,zorbly\n", encoding="utf-8")
    result = invoke(["run", "s.csv"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1 and writes(sandbox) == [], result.output
    assert f"Column '{header}' ('zorbly' 2, 'quaxed' 1) looks like subscription status" in result.output
    assert '--state-word "zorbly=STATE"' in result.output and "--ignore-status" in result.output


def test_the_run_goes_on_when_the_user_says_what_the_words_mean(sandbox, tmp_path):
    result = run(sandbox, tmp_path, "pl_status_header_status.csv", "--state-word", "aktywny=active",
                 "--state-word", "wypisany=cancelled")
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("pl2.wypisany@example.pl") == "cancelled"
    assert sandbox.store.state_of("pl2.aktywny@example.pl") == "active"


def test_a_status_header_over_words_plainly_not_consent_is_set_aside(sandbox, tmp_path):
    result = run(sandbox, tmp_path, "salesforce_leads_dataloader.csv")
    assert result.exit_code == 0, result.output
    assert "Status: not consent: its cells ('Open - Not Contacted'" in result.output


def test_a_business_s_own_status_stops_nothing_and_unsubscribes_nobody(sandbox, tmp_path):
    result = run(sandbox, tmp_path, "eventbrite_attendees.csv")  # Attendee Status: Attending, Refunded...
    assert result.exit_code == 0, result.output
    assert "unsubscribe" not in " ".join(writes(sandbox))


PATRONS = ("pat.active@example.com", "pat.former@example.com", "pat.declined@example.com")


@pytest.mark.parametrize("name", ["patreon_members.csv", "patreon_members_with_address.csv"])
def test_patrons_are_created_active_whatever_their_membership_and_billing(sandbox, tmp_path, name):
    result = run(sandbox, tmp_path, name)
    assert result.exit_code == 0, result.output
    emails = [p.replace("pat.", "pat2.") if "address" in name else p for p in PATRONS]
    assert {e: sandbox.store.state_of(e) for e in emails} == dict.fromkeys(emails, "active")
    assert "Free Member: a membership, not email consent" in result.output
    assert "-> subscription status" not in result.output  # neither Free Member, nor the address's State


def test_a_former_or_declined_patron_kit_holds_active_stays_active(sandbox, tmp_path):
    (tmp_path / "prior.csv").write_text("email\n" + "".join(f"{e}\n" for e in PATRONS), encoding="utf-8")
    assert invoke(["run", "prior.csv"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    result = run(sandbox, tmp_path, "patreon_members.csv")
    assert result.exit_code == 0, result.output
    assert {e: sandbox.store.state_of(e) for e in PATRONS} == dict.fromkeys(PATRONS, "active")
    assert "unsubscribe" not in " ".join(writes(sandbox))


def test_a_billing_status_never_unsubscribes_a_newsletter_reader(sandbox, tmp_path):
    assert run(sandbox, tmp_path, "stripe_prior_newsletter.csv").exit_code == 0
    before = writes(sandbox)
    result = run(sandbox, tmp_path, "stripe_customers_active_canceled.csv")
    assert result.exit_code == 1 and writes(sandbox) == before, result.output
    said = ("Column 'Status' ('active' 1, 'canceled' 1) looks like a customer's billing status, not email consent: "
            "the file also has Card ID, Card Last4, Card Brand, Delinquent and more; nothing was written.")
    assert said in result.output
    assert result.output.index("--ignore-status") < result.output.index('--state-word "canceled=STATE"')
    assert sandbox.store.state_of("stripe.canceled@example.com") == "active"
    ignored = run(sandbox, tmp_path, "stripe_customers_active_canceled.csv", "--ignore-status")
    assert ignored.exit_code == 0, ignored.output
    assert {e: sandbox.store.state_of(e) for e in ("stripe.canceled@example.com", "stripe.active@example.com")} == \
        {"stripe.canceled@example.com": "active", "stripe.active@example.com": "active"}


def test_a_billing_status_with_words_no_table_reads_leads_with_ignore_status(sandbox, tmp_path):
    result = run(sandbox, tmp_path, "stripe_customers.csv")
    assert result.exit_code == 1 and writes(sandbox) == [], result.output
    assert "looks like a customer's billing status, not email consent" in result.output
    assert "If it is not email consent, say so with --ignore-status." in result.output


def test_a_user_who_names_the_billing_status_gets_it_read(sandbox, tmp_path):
    result = run(sandbox, tmp_path, "stripe_customers_active_canceled.csv", "--state-column", "Status")
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("stripe.canceled@example.com") == "cancelled"


def test_a_plain_status_of_email_words_in_a_billing_file_is_read(sandbox, tmp_path):
    (tmp_path / "b.csv").write_text("email,Plan,Currency,status\na@example.com,Pro,usd,active\n"
                                    "b@example.com,Free,usd,unsubscribed\n", encoding="utf-8")
    result = invoke(["run", "b.csv"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("b@example.com") == "cancelled"


def test_init_does_not_propose_a_billing_status_as_the_state_column(tmp_path):
    result = invoke(["init", str(SHAPES / "stripe_customers.csv"), "--output", "n.toml"], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Status looks like a customer's billing status, so it is not proposed as state_column" in result.output
    assert '\nstate_column = "Status"' not in (tmp_path / "n.toml").read_text()


@pytest.mark.parametrize("name, header, ticked, blank", [
    ("google_forms_en_checkbox.csv", "Newsletter", ("gf.en.yes@example.com", "gf.en.yes2@example.com"),
     "gf.en.blank@example.com"),
    ("google_forms_de.csv", "Möchten Sie unseren Newsletter erhalten?",
     ("gf.de.ja@example.de", "gf.de.ja2@example.de"), "gf.de.leer@example.de"),
    ("airtable_grid.csv", "Subscribed", ("air.yes@example.com", "air.yes2@example.com"), "air.no@example.com"),
])
def test_a_tick_box_is_ticked_in_and_blank_not_opted_in(sandbox, tmp_path, name, header, ticked, blank):
    result = run(sandbox, tmp_path, name)
    assert result.exit_code == 0, result.output
    assert {e: sandbox.store.state_of(e) for e in (*ticked, blank)} == {**dict.fromkeys(ticked, "active"),
                                                                          blank: "inactive"}
    assert f"{header} -> subscription status (a tick box: ticked means in)" in result.output
    assert f"1 created as inactive ({header} not ticked in the file)" in result.output


def test_a_blank_tick_box_never_unsubscribes_someone_kit_holds(sandbox, tmp_path):
    (tmp_path / "prior.csv").write_text("email\nair.no@example.com\n", encoding="utf-8")
    assert invoke(["run", "prior.csv"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    result = run(sandbox, tmp_path, "airtable_grid.csv")
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("air.no@example.com") == "active"
    assert "unsubscribe" not in " ".join(writes(sandbox))


@pytest.mark.parametrize("value", ["checked", "x", "✓", "✔", "☑", "true", "Yes, please"])
def test_every_tick_mark_reads_as_ticked(sandbox, tmp_path, value):
    (tmp_path / "t.csv").write_text(f'Email,Newsletter\na@example.com,"{value}"\nb@example.com,\n', encoding="utf-8")
    result = invoke(["run", "t.csv"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (sandbox.store.state_of("a@example.com"), sandbox.store.state_of("b@example.com")) == ("active", "inactive")


@pytest.mark.parametrize("value", ["No, thanks", "Nein", "I don't want the newsletter", "0"])
def test_a_tick_box_whose_one_value_reads_as_no_stops_the_run(sandbox, tmp_path, value):
    (tmp_path / "t.csv").write_text(f'Email,Newsletter\na@example.com,"{value}"\nb@example.com,\n', encoding="utf-8")
    result = invoke(["run", "t.csv"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1 and writes(sandbox) == [], result.output
    assert f"Column 'Newsletter' ({value!r} 1) looks like subscription status" in result.output


def test_init_proposes_a_tick_box_as_the_state_column_and_the_run_reads_it(sandbox, tmp_path):
    proposed = invoke(["init", str(SHAPES / "airtable_grid.csv"), "--output", "a.toml"], cwd=tmp_path)
    assert proposed.exit_code == 0, proposed.output
    assert '\nstate_column = "Subscribed"' in (tmp_path / "a.toml").read_text()
    result = invoke(["run", "--config", "a.toml"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Subscribed -> subscription status (a tick box: ticked means in)" in result.output
    assert sandbox.store.state_of("air.no@example.com") == "inactive"
