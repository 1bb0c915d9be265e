"""Headers in seven languages, and what a plan makes of a lone name column and a second email column."""

from __future__ import annotations

import pytest

from conftest import COMPANY, KIT_FIELDS, LAST_NAME, POSTAL
from importer.read.columns import SYNONYMS, plan_columns
from importer.read.contacts import map_rows
from importer.read.emails import EmailNotes
from importer.read.header_words import LANGUAGES, headers_for
from importer.records import Contact, CustomField, Rejection, Row

PHONE, CITY = CustomField(7, "phone", "Phone"), CustomField(8, "city", "City")


def test_each_header_means_one_thing_in_every_language():
    meaning_of: dict[str, str] = {}
    for table in LANGUAGES.values():
        for meaning in table:
            for header in headers_for(meaning):
                assert meaning_of.setdefault(header, meaning) == meaning, (header, meaning)


def test_every_language_has_the_name_and_email_meanings():
    for language, table in LANGUAGES.items():
        for meaning in ("email", "first name", "last name", "whole name", "postal code", "company", "phone"):
            assert table.get(meaning), (language, meaning)


@pytest.mark.parametrize("first, last", [
    ("Vorname", "Nachname"), ("Prénom", "Nom"), ("Prénom", "Nom de famille"), ("Nombre", "Apellidos"),
    ("Nome", "Cognome"), ("Voornaam", "Achternaam"), ("Primeiro nome", "Sobrenome"), ("First Name", "Surname"),
])
def test_first_and_last_name_headers_in_each_language(first, last):
    plan = plan_columns(["E-Mail", first, last], KIT_FIELDS)
    assert plan.headers[plan.first_name] == first
    assert plan.fields == [(2, LAST_NAME)]
    if plan.lone_name:  # Nome beside Cognome: read as a whole name, never split into Cognome
        assert plan.name_split.beside == 2 and plan.name_split.to is None


@pytest.mark.parametrize("header, kit_field", [
    ("PLZ", POSTAL), ("Code postal", POSTAL), ("Código postal", POSTAL), ("CAP", POSTAL), ("CEP", POSTAL),
    ("Postcode", POSTAL), ("Firma", COMPANY), ("Société", COMPANY), ("Azienda", COMPANY), ("Bedrijf", COMPANY),
    ("Empresa", COMPANY), ("Telefon", PHONE), ("Téléphone", PHONE), ("Telefoonnummer", PHONE),
    ("Telemóvel", PHONE), ("Ville", CITY), ("Città", CITY), ("Woonplaats", CITY), ("Cidade", CITY),
])
def test_localized_synonyms_map_to_the_field_of_that_meaning(header, kit_field):
    plan = plan_columns(["Email", header], [*KIT_FIELDS, PHONE, CITY])
    assert plan.fields == [(1, kit_field)] and plan.synonyms == {1}


def test_the_old_synonyms_are_all_still_read():
    before = {"zip", "zipcode", "zippostalcode", "plz", "cp", "cap", "codigopostal", "postcodezip", "surname",
              "nachname", "nom", "apellido", "cognome", "achternaam", "firma", "entreprise", "societe", "empresa",
              "phone1value", "telefono", "ort", "citta", "countryregion", "pays", "pais", "webseite", "dob",
              "geburtstag", "strasse", "adresse", "titel", "geschlecht"}
    assert before <= set().union(*SYNONYMS)


def test_email_headers_in_other_languages():
    for header in ("E-Mail-Adresse", "Adresse e-mail", "Correo electrónico", "Indirizzo email", "E-mailadres",
                   "Endereço de e-mail"):
        assert plan_columns(["Name", header], []).email == 1, header


def rows(*cells: tuple[str, ...]) -> list[Row]:
    return [Row(n, c) for n, c in enumerate(cells, start=2)]


def contacts(headers, kit_fields, *cells, **kw):
    plan = plan_columns(headers, kit_fields, **kw)
    notes = EmailNotes()
    return plan, list(map_rows(rows(*cells), plan, notes=notes)), notes


def test_a_lone_name_is_split_into_kits_last_name_field():
    plan, out, _ = contacts(["Email", "Name"], KIT_FIELDS, ("a@example.com", "Herr Dr. Hans Müller"),
                            ("b@example.com", "Ben"), ("c@example.com", ""))
    assert plan.describe()[1] == "Name -> first name and Last name (split)"
    assert [(c.first_name, c.fields) for c in out] == [("Hans", {LAST_NAME: "Müller"}), ("Ben", {}), (None, {})]


def test_without_a_last_name_field_the_name_is_sent_whole_and_said():
    plan, out, _ = contacts(["Email", "Nom complet"], [COMPANY], ("a@example.com", "Marie Curie"))
    assert out[0].first_name == "Marie Curie" and out[0].fields == {}
    assert "sent whole: Kit has no Last name field" in plan.describe()[1]
    assert plan.name_split.wanted


def test_no_split_names_sends_the_name_whole():
    _, out, _ = contacts(["Email", "Name"], KIT_FIELDS, ("a@example.com", "Ben Jones"), split_names=False)
    assert (out[0].first_name, out[0].fields) == ("Ben Jones", {})


def test_a_pinned_run_keeps_the_name_whole_unless_its_config_says_split():
    plan = plan_columns(["Email", "Name"], KIT_FIELDS, pinned="[fields] in n.toml")
    assert plan.name_split.to is None and "no_split_names" in plan.name_split.why
    assert plan_columns(["Email", "Name"], KIT_FIELDS, pinned="[fields]", split_names=True).name_split.to == LAST_NAME


def test_an_explicit_last_name_column_is_never_overwritten():
    plan, out, _ = contacts(["Email", "Name", "Surname"], KIT_FIELDS, ("a@example.com", "Ben Jones", "Jones"),
                            ("b@example.com", "Ann Lee", ""), ("c@example.com", "Cy Young", "Old"))
    assert "the last name is in Surname" in plan.describe()[1]
    assert [(c.first_name, c.fields) for c in out] == [
        ("Ben", {LAST_NAME: "Jones"}), ("Ann Lee", {LAST_NAME: ""}), ("Cy Young", {LAST_NAME: "Old"})]


def test_a_second_email_column_fills_a_blank_email_and_is_noted():
    headers = ["E-mail 1 - Value", "Name", "E-mail 2 - Value"]
    plan, out, notes = contacts(headers, KIT_FIELDS, ("", "Ann", "ann@work.example"),
                                ("bo@gmail", "Bo", "bo@other.example"), ("cy@example.com", "Cy", "cy@x.example"),
                                ("", "Di", ""), ("", "Ed", "not an address"))
    assert "E-mail 2 - Value -> email when E-mail 1 - Value is blank" in plan.describe()
    assert [c.email if isinstance(c, Contact) else c.reason for c in out] == [
        "ann@work.example", "invalid email", "cy@example.com", "missing email", "missing email"]
    assert isinstance(out[1], Rejection) and "E-mail 2 - Value holds bo@other.example, not used" in out[1].detail
    assert isinstance(out[4], Rejection) and "E-mail 2 - Value has no good address either" in out[4].detail
    assert notes.second_count == 1
    assert notes.seconds == [(2, "ann@work.example", "E-mail 1 - Value is blank")]


@pytest.mark.parametrize("header", ["Secondary email", "Other Email", "Email 2", "Additional email addresses",
                                    "E-Mail 2", "Correo electrónico 2"])
def test_second_email_headers(header):
    plan = plan_columns(["Email", header], [])
    assert plan.second_email == 1 and not plan.ignored


def test_hubspots_list_of_additional_addresses_gives_its_first_good_one():
    _, out, _ = contacts(["Email", "Additional email addresses"], [], ("", "nope; dee@example.com;e@example.com"))
    assert out[0].email == "dee@example.com"


def test_a_second_email_column_named_like_a_kit_field_is_that_fields():
    other = CustomField(9, "other_email", "Other Email")
    plan = plan_columns(["Email", "Other Email"], [other])
    assert plan.second_email is None and plan.fields == [(1, other)]


def test_likely_typos_are_imported_and_noted():
    _, out, notes = contacts(["Email"], [], ("ann@gmial.com",), ("bo@gmail.com",), ("cy@Hotmial.com",))
    assert [c.email for c in out] == ["ann@gmial.com", "bo@gmail.com", "cy@hotmial.com"]
    assert notes.typos == [(2, "ann@gmial.com", "gmail.com"), (4, "cy@hotmial.com", "hotmail.com")]


@pytest.mark.parametrize("headers, email, first, last", [
    (["#", "What's your first name?", "What's your email address?", "Start Date (UTC)"],  # Typeform
     "What's your email address?", "What's your first name?", None),
    (["What is your email address?", "What is your first name?", "What is your last name?"],
     "What is your email address?", "What is your first name?", "What is your last name?"),
    (["Timestamp", "Please enter your email:", "Your first name", "Your surname"],  # Google Forms
     "Please enter your email:", "Your first name", "Your surname"),
    (["Zeitstempel", "Ihre E-Mail-Adresse", "Ihr Vorname", "Ihr Nachname"],
     "Ihre E-Mail-Adresse", "Ihr Vorname", "Ihr Nachname"),
    (["Horodateur", "Votre adresse e-mail", "Votre prénom", "Votre nom de famille"],
     "Votre adresse e-mail", "Votre prénom", "Votre nom de famille"),
    (["¿Cuál es tu correo electrónico?", "¿Cuál es tu nombre?"], "¿Cuál es tu correo electrónico?",
     "¿Cuál es tu nombre?", None),
], ids=["typeform", "what-is", "google-forms", "german", "french", "spanish"])
def test_a_header_put_as_a_forms_question_is_read_for_its_meaning(headers, email, first, last):
    plan = plan_columns(headers, KIT_FIELDS)
    assert plan.headers[plan.email] == email and plan.email_by_content == ""
    assert plan.headers[plan.first_name] == first
    assert [plan.headers[i] for i, f in plan.fields if f == LAST_NAME] == ([last] if last else [])


def test_a_header_as_written_wins_over_one_put_as_a_question():
    plan = plan_columns(["Your email", "Email", "Your first name", "First Name"], KIT_FIELDS)
    assert (plan.headers[plan.email], plan.headers[plan.first_name]) == ("Email", "First Name")


def test_your_name_is_still_a_whole_name_and_a_question_about_something_else_is_no_name():
    plan = plan_columns(["Email", "Your name", "What's your favourite name for a cat?"], KIT_FIELDS)
    assert plan.headers[plan.first_name] == "Your name" and plan.lone_name
    assert "What's your favourite name for a cat?" in [h for h, _ in plan.ignored]


def test_every_language_with_headers_has_question_openings_but_those_that_say_your_in_the_word():
    from importer.read.header_words import QUESTION_OPENINGS
    assert set(QUESTION_OPENINGS) == set(LANGUAGES) - {"fi", "tr", "ja", "hu", "ro", "el", "ko", "zh", "id"}


@pytest.mark.parametrize("header, meaning", [
    ("Twój adres e-mail", "email"), ("Din e-postadress", "email"), ("Dit fornavn", "first name"),
    ("Hva er ditt fornavn?", "first name"), ("Váš e-mailová adresa", "email"), ("Vaše příjmení", "last name"),
])
def test_question_openings_in_the_newer_languages(header, meaning):
    from importer.read.header_words import unasked
    assert unasked(header) in headers_for(meaning)
