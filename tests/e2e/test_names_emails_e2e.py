"""End to end against the sandbox: lone full-name columns in German and French split into first
name and Last name, a second email column, likely domain typos listed, invisible characters."""

from __future__ import annotations

import csv
import json

from conftest import write
from helpers import env_for, invoke

GERMAN = ("E-Mail;Name;PLZ;Firma\r\n"
          "hans@example.de;Herr Dr. Hans Müller;10115;Müller GmbH\r\n"
          "grete@example.de;Frau Grete van der Berg;20095;\r\n"
          "solo@example.de;Cher;;\r\n")
FRENCH = ("Courriel,Nom complet,Code postal\n"
          "marie@example.fr,Mme Marie Curie,75005\n"
          "jean@example.fr,\"Dupont, Jean\",69001\n")


def people(sandbox) -> dict:
    return sandbox.store.snapshot()


def test_a_german_name_column_in_cp1252_is_split(sandbox, tmp_path):
    source = write(tmp_path / "kontakte.csv", GERMAN, encoding="cp1252")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Name -> first name and Last name (split)" in result.output
    assert "PLZ -> Postal code (postal_code), a synonym" in result.output
    assert "Firma -> Company (company), a synonym" in result.output
    got = people(sandbox)
    assert got["hans@example.de"] == {"first_name": "Hans", "fields": {
        "Last name": "Müller", "Company": "Müller GmbH", "Postal code": "10115"}}
    assert got["grete@example.de"] == {"first_name": "Grete", "fields": {"Last name": "van der Berg",
                                                                          "Postal code": "20095"}}
    assert got["solo@example.de"] == {"first_name": "Cher", "fields": {}}  # one word: no last name sent


def test_a_french_nom_complet_with_a_bom_is_split(sandbox, tmp_path):
    source = write(tmp_path / "contacts.csv", "\ufeff" + FRENCH)
    result = invoke(["run", source], env_for(sandbox, "api_key"), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Nom complet -> first name and Last name (split)" in result.output
    got = people(sandbox)
    assert got["marie@example.fr"] == {"first_name": "Marie", "fields": {"Last name": "Curie", "Postal code": "75005"}}
    assert got["jean@example.fr"] == {"first_name": "Jean", "fields": {"Last name": "Dupont", "Postal code": "69001"}}


def test_no_split_names_and_a_dry_run(sandbox, tmp_path):
    source = write(tmp_path / "contacts.csv", FRENCH)
    dry = invoke(["run", source, "--dry-run"], env_for(sandbox), cwd=tmp_path)
    assert "Nom complet -> first name and Last name (split)" in dry.output and not people(sandbox)
    whole = invoke(["run", source, "--no-split-names"], env_for(sandbox), cwd=tmp_path)
    assert whole.exit_code == 0, whole.output
    assert people(sandbox)["marie@example.fr"]["first_name"] == "Mme Marie Curie"
    assert "Last name" not in people(sandbox)["marie@example.fr"]["fields"]


def test_without_a_last_name_field_the_name_is_whole_until_the_field_is_created(sandbox, tmp_path):
    with sandbox.store.lock:
        sandbox.store.fields = {i: f for i, f in sandbox.store.fields.items() if f.label != "Last name"}
    source = write(tmp_path / "contacts.csv", "Email,Name\nben@example.com,Ben Jones\n")
    whole = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert whole.exit_code == 0, whole.output
    assert "sent whole: Kit has no Last name field for the rest of the name (pass --create-missing-fields" \
        in whole.output
    assert people(sandbox)["ben@example.com"] == {"first_name": "Ben Jones", "fields": {}}
    split = invoke(["run", source, "--create-missing-fields"], env_for(sandbox), cwd=tmp_path)
    assert split.exit_code == 0, split.output
    assert "Fields created:    Last name\n" in split.output
    assert people(sandbox)["ben@example.com"] == {"first_name": "Ben", "fields": {"Last name": "Jones"}}


def test_init_writes_the_split_and_a_config_run_keeps_it(sandbox, tmp_path):
    source = write(tmp_path / "export.csv", "Email,Full name,Company\nann@example.com,Ann Lee,Acme\n")
    made = invoke(["init", source, "-o", "n.toml"], env_for(sandbox), cwd=tmp_path)
    assert made.exit_code == 0, made.output
    config = (tmp_path / "n.toml").read_text(encoding="utf-8")
    assert "\nno_split_names = false" in config
    ran = invoke(["run", "--config", "n.toml"], env_for(sandbox), cwd=tmp_path)
    assert ran.exit_code == 0, ran.output
    assert people(sandbox)["ann@example.com"] == {"first_name": "Ann",
                                                  "fields": {"Last name": "Lee", "Company": "Acme"}}
    (tmp_path / "n.toml").write_text(config.replace("\nno_split_names = false", "\n"), encoding="utf-8")
    sandbox.store.subscribers.clear()
    kept = invoke(["run", "--config", "n.toml", "--full"], env_for(sandbox), cwd=tmp_path)
    assert "says what a scheduled run writes; set no_split_names = false in n.toml to split it" in kept.output
    assert people(sandbox)["ann@example.com"]["first_name"] == "Ann Lee"


GOOGLE = ("Name,Given Name,Family Name,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value\n"
          "Ann Lee,Ann,Lee,* Home,,Work,ann@work.example\n"
          "Bo Chen,Bo,Chen,* Home,bo@gmail,Work,bo@work.example\n"
          "Cy Young,Cy,Young,* Home,cy@example.com,Work,cy@work.example\n"
          "Di Ross,Di,Ross,* Home,,,\n")


def test_a_second_email_column_keeps_the_row_and_says_so(sandbox, tmp_path):
    source = write(tmp_path / "google.csv", GOOGLE)
    result = invoke(["run", source, "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 3, result.output  # Bo's email is invalid, Di has no address at all
    assert "E-mail 2 - Value -> email when E-mail 1 - Value is blank" in result.output
    assert ("Second emails:     1 row imported with the second email column's address: listed in the report"
            in result.output)
    assert set(people(sandbox)) == {"ann@work.example", "cy@example.com"}  # never Bo's other address
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["emails_from_second_column"] == 1
    assert report["second_emails"] == [{"row": 2, "email": "ann@work.example", "why": "E-mail 1 - Value is blank"}]
    failures = list(csv.DictReader((tmp_path / "google.csv.failures.csv").open(encoding="utf-8-sig")))
    assert [(f["row"], f["error"].split(":")[0]) for f in failures] == [("3", "invalid email"), ("5", "missing email")]
    assert "E-mail 2 - Value holds bo@work.example, not used in its place" in failures[0]["error"]


def test_typos_are_imported_counted_and_listed(sandbox, tmp_path):
    source = write(tmp_path / "list.csv", "Email,First Name\nann@gmial.com,Ann\nbo@hotmial.com,Bo\n"
                                          "cy@gmail.com,Cy\ndi@gmial.com,Di\n")
    result = invoke(["run", source, "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert ("Email typos:       3 addresses with a likely domain typo, imported as written: gmial.com (for "
            "gmail.com), hotmial.com (for hotmail.com); listed in the report, to fix at the source") in result.output
    assert set(people(sandbox)) == {"ann@gmial.com", "bo@hotmial.com", "cy@gmail.com", "di@gmial.com"}
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["email_typos"] == 3
    assert report["email_typo_list"] == [{"row": 2, "email": "ann@gmial.com", "suggested": "gmail.com"},
                                         {"row": 3, "email": "bo@hotmial.com", "suggested": "hotmail.com"},
                                         {"row": 5, "email": "di@gmial.com", "suggested": "gmail.com"}]


def test_invisible_characters_are_trimmed_at_the_ends_and_refused_inside(sandbox, tmp_path):
    source = write(tmp_path / "pasted.csv", "Email,First Name\n\u200bann@example.com\ufeff,Ann\n"
                                            "\u202abo@example.com\u202c\u00ad,Bo\ncy\u200b@example.com,Cy\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 3, result.output
    assert set(people(sandbox)) == {"ann@example.com", "bo@example.com"}
    failures = list(csv.DictReader((tmp_path / "pasted.csv.failures.csv").open(encoding="utf-8-sig")))
    assert [f["row"] for f in failures] == ["4"]
    assert "contains an invisible character inside it (U+200B zero width space)" in failures[0]["error"]


def test_skip_unsubscribed_leaves_out_a_person_known_by_the_second_email(sandbox, tmp_path):
    source = write(tmp_path / "g.csv", "E-mail 1 - Value,E-mail 2 - Value,Status\n"
                                       ",una@example.com,unsubscribed\n"
                                       "una@example.com,,subscribed\n"
                                       "ann@example.com,,subscribed\n")
    result = invoke(["run", source, "--skip-unsubscribed"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert set(people(sandbox)) == {"ann@example.com"}  # never brought in by her other row
