"""Issue 15, reading consent: per channel, in seven languages, failing safe. End to end against the
sandbox on files in the shapes Shopify, Brevo and Klaviyo export, and on localized status exports
(cp1252 with `;`, and UTF-8 with a BOM), plus the word tables' own checks."""

from __future__ import annotations

import json

import pytest

from conftest import write
from importer.read.consent_vocab import FALSE, TRUE, WORDS, channel_of
from importer.read.consent_words import LANGUAGES
from importer.read.names import normalize
from helpers import env_for, invoke

KINDS = ["oauth", "api_key"]


def states(sandbox, *emails: str) -> dict[str, str | None]:
    return {e: sandbox.store.state_of(e) for e in emails}


def writes(sandbox) -> list[str]:
    return [f"{m} {p}" for m, p, _, _ in sandbox.requests if m in ("POST", "PUT", "DELETE")]


# --- the tables ---------------------------------------------------------------------------

def test_no_word_means_two_things_in_two_languages():
    meaning: dict[str, set[str]] = {}
    for language in LANGUAGES:
        for state, words in language.states.items():
            for word in words:
                meaning.setdefault(normalize(word), set()).add(state.value)
        for word in language.yes:
            meaning.setdefault(normalize(word), set()).add("yes")
        for word in language.no:
            meaning.setdefault(normalize(word), set()).add("no")
    assert {w: m for w, m in meaning.items() if len(m) > 1} == {}


@pytest.mark.parametrize("word, state", [
    ("abgemeldet", "cancelled"), ("Désabonné", "cancelled"), ("desabonne", "cancelled"), ("dado de baja", "cancelled"),
    ("disiscritto", "cancelled"), ("afgemeld", "cancelled"), ("descadastrado", "cancelled"), ("bereinigt", "bounced"),
    ("rebondi", "bounced"), ("rebotado", "bounced"), ("rimbalzato", "bounced"), ("geblokkeerd", "bounced"),
    ("bloqueado", "bounced"), ("aktiv", "active"), ("abonné", "active"), ("ausstehend", "inactive"),
    ("NEVER_SUBSCRIBED", "inactive"), ("withdrawn", "cancelled"), ("granted", "active"),
])
def test_status_words_fold_accents_and_case(word, state):
    assert WORDS[normalize(word)].value == state


@pytest.mark.parametrize("yes, no", [("ja", "nein"), ("oui", "non"), ("sí", "no"), ("sì", "no"), ("ja", "nee"),
                                     ("sim", "não"), ("wahr", "falsch"), ("vrai", "faux"), ("verdadero", "falso"),
                                     ("vero", "falso"), ("waar", "onwaar"), ("verdadeiro", "falso")])
def test_yes_and_no_in_every_language(yes, no):
    assert normalize(yes) in TRUE and normalize(no) in FALSE


@pytest.mark.parametrize("header, channel", [
    ("Accepts SMS Marketing", "SMS"), ("SMS_BLACKLISTED", "SMS"), ("smsConsent", "SMS"), ("Text opt-in", "SMS"),
    ("Phone opt-in", "phone"), ("Telefon-Einwilligung", "phone"), ("Consentimiento llamadas", "phone"),
    ("WhatsApp Opt-in", "WhatsApp"), ("Direct mail consent", "postal mail"), ("courrier postal", "postal mail"),
    ("Consenso posta", "postal mail"), ("Toestemming per post", "postal mail"), ("Mobile push consent", "push"),
    ("Consentement SMS", "SMS"), ("Consentimento SMS", "SMS"), ("SMS Subscription Status", "SMS"),
    ("Opted out of SMS: Marketing texts", "SMS"), ("Voicemail opt-out", "phone"),
    ("Accepts Email Marketing", None), ("EMAIL_BLACKLISTED", None), ("Newsletter", None), ("Status", None),
    ("E-Mail Einwilligung", None), ("Consenso posta elettronica", None), ("Nieuwsbrief", None),
    ("Newsletter per Post", None), ("Email Marketing Consent", None),
])
def test_the_channel_a_header_is_about(header, channel):
    assert channel_of(header) == channel


# --- other channels -----------------------------------------------------------------------

SHOPIFY = ("Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,"
           "Default Address Address1,Default Address City,Default Address Province Code,Default Address Country Code,"
           "Default Address Zip,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags\n"
           "7001,Ann,Lee,ann@example.com,yes,,1 Main St,Austin,TX,US,'78701,+15125550101,no,120.00,3,,no,vip\n"
           "7002,Bo,Chen,bo@example.com,no,,,,,,,+15125550102,yes,0.00,0,,no,\n"
           "7003,Cy,Diaz,cy@example.com,yes,,,,,,,+15125550103,yes,10.00,1,,no,\n"
           "7004,Di,Eve,di@example.com,yes,,,,,,,,,0.00,0,,no,\n")


@pytest.mark.parametrize("kind", KINDS)
def test_shopify_sms_marketing_never_sets_the_email_state(sandbox, tmp_path, kind):
    source = write(tmp_path / "customers_export.csv", SHOPIFY)
    result = invoke(["run", source, "--report", "r.json"], env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "ann@example.com", "bo@example.com", "cy@example.com", "di@example.com") == {
        "ann@example.com": "active", "bo@example.com": "inactive", "cy@example.com": "active",
        "di@example.com": "active"}
    assert "Consent:           state from Accepts Email Marketing; left out: Accepts SMS Marketing: another " \
           "channel (SMS)" in result.output
    assert 'States set:        1 created as inactive (Accepts Email Marketing "no" in the file)' in result.output
    assert "Accepts SMS Marketing: another channel (SMS)" in json.loads((tmp_path / "r.json").read_text())[
        "consent_left_out"]


BREVO = ("CONTACT ID;EMAIL;FIRSTNAME;LASTNAME;SMS;EMAIL_BLACKLISTED;SMS_BLACKLISTED;ADDED_TIME;MODIFIED_TIME\n"
         "1;an@example.com;An;Aa;;0;1;2024-01-02 10:00:00;2024-02-01 10:00:00\n"
         "2;bo@example.com;Bo;Bb;33612345678;1;0;2024-01-02 10:00:00;2024-02-01 10:00:00\n"
         "3;cy@example.com;Cy;Cc;;0;0;2024-01-02 10:00:00;2024-02-01 10:00:00\n")


@pytest.mark.parametrize("kind", KINDS)
def test_brevo_sms_blacklisted_is_another_channel_and_email_blacklisted_is_honoured(sandbox, tmp_path, kind):
    source = write(tmp_path / "brevo.csv", BREVO)
    result = invoke(["run", source], env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "an@example.com", "bo@example.com", "cy@example.com") == {
        "an@example.com": "active", "bo@example.com": "cancelled", "cy@example.com": "active"}
    assert "left out: SMS_BLACKLISTED: another channel (SMS)" in result.output
    assert "EMAIL_BLACKLISTED -> subscription status" in result.output


KLAVIYO = ("Email,First Name,Last Name,Phone Number,Email Marketing Consent,Email Marketing Consent Timestamp,"
           "SMS Marketing Consent,SMS Consent Timestamp,Created\n"
           "kay@example.com,Kay,K,+15550001,SUBSCRIBED,2023-01-01 10:00:00,UNSUBSCRIBED,2024-03-01 10:00:00,"
           "2023-01-01 10:00:00\n"
           "lou@example.com,Lou,L,+15550002,UNSUBSCRIBED,2024-02-01 10:00:00,SUBSCRIBED,2024-03-01 10:00:00,"
           "2023-01-01 10:00:00\n"
           "max@example.com,Max,M,,NEVER_SUBSCRIBED,,,,2023-01-01 10:00:00\n")


def test_a_klaviyo_sms_consent_column_never_sets_the_email_state(sandbox, tmp_path):
    source = write(tmp_path / "klaviyo.csv", KLAVIYO)
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "kay@example.com", "lou@example.com", "max@example.com") == {
        "kay@example.com": "active", "lou@example.com": "cancelled", "max@example.com": "inactive"}
    assert "SMS Marketing Consent: another channel (SMS)" in result.output
    assert "Email Marketing Consent Timestamp: a time, not a subscription state" in result.output


HUBSPOT_SMS = ("Record ID,First Name,Last Name,Email,Unsubscribed from all email,SMS Subscription Status,"
               "Opted out of SMS: Marketing texts\n"
               "11,Gus,G,gus@example.com,false,Unsubscribed,true\n"
               "12,Hal,H,hal@example.com,true,Subscribed,false\n")


def test_hubspot_sms_properties_never_set_the_email_state(sandbox, tmp_path):
    source = write(tmp_path / "hubspot.csv", HUBSPOT_SMS)
    result = invoke(["run", source], env_for(sandbox, "api_key"), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "gus@example.com", "hal@example.com") == {"gus@example.com": "active",
                                                                     "hal@example.com": "cancelled"}
    assert ("left out: SMS Subscription Status: another channel (SMS); Opted out of SMS: Marketing texts: another "
            "channel (SMS)") in result.output


def test_two_email_consent_columns_that_disagree_merge_to_not_active_quoting_each(sandbox, tmp_path):
    source = write(tmp_path / "two.csv", "Email,Status,Newsletter\nann@example.com,subscribed,nein\n"
                                         "bo@example.com,subscribed,ja\nce@example.com,unsubscribed,nein\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "ann@example.com", "bo@example.com", "ce@example.com") == {
        "ann@example.com": "inactive", "bo@example.com": "active", "ce@example.com": "cancelled"}
    assert 'as inactive (Status "subscribed", Newsletter "nein")' in result.output


# --- languages ----------------------------------------------------------------------------

LOCALIZED = {  # language: header row, and rows (email, first name, status) of an active, an unsubscribed, a bounced
    "German": (("E-Mail", "Vorname", "Status"), ("aktiv", "abgemeldet", "bereinigt")),
    "French": (("Adresse e-mail", "Prénom", "Statut"), ("abonné", "désabonné", "rebondi")),
    "Spanish": (("Correo electrónico", "Nombre", "Estado"), ("suscrito", "dado de baja", "rebotado")),
    "Italian": (("Email", "Nome", "Stato"), ("iscritto", "disiscritto", "rimbalzato")),
    "Dutch": (("E-mailadres", "Voornaam", "Status"), ("actief", "afgemeld", "geblokkeerd")),
    "Portuguese": (("E-mail", "Nome", "Situação"), ("ativo", "descadastrado", "devolvido")),
}
ENCODINGS = {"cp1252-semicolon": ("cp1252", ";"), "utf8-bom-comma": ("utf-8-sig", ",")}


def localized(language: str, encoding: str, delimiter: str, words: tuple[str, ...] | None = None) -> bytes:
    header, said = LOCALIZED[language]
    names = ("Zoë", "Jürgen", "Françoise")
    lines = [delimiter.join(header)] + [delimiter.join((f"p{i}@example.com", names[i], word))
                                        for i, word in enumerate(words or said)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("language", list(LOCALIZED))
def test_a_localized_status_export_keeps_its_unsubscribed_person_out(sandbox, tmp_path, language, encoding):
    codec, delimiter = ENCODINGS[encoding]
    source = tmp_path / f"{language}.csv"
    source.write_bytes(localized(language, codec, delimiter))
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "p0@example.com", "p1@example.com", "p2@example.com") == {
        "p0@example.com": "active", "p1@example.com": "cancelled", "p2@example.com": "bounced"}
    status = LOCALIZED[language][0][2]
    assert f"{status} -> subscription status" in result.output
    assert "export metadata" not in result.output


@pytest.mark.parametrize("header, yes, no", [
    ("Newsletter", "ja", "nein"), ("Einwilligung", "Ja", "Nein"), ("Consentement", "oui", "non"),
    ("Consentimiento", "sí", "no"), ("Consenso", "sì", "no"), ("Toestemming", "ja", "nee"),
    ("Consentimento", "sim", "não"), ("Iscritto", "vero", "falso"),
])
def test_a_localized_yes_no_consent_column_creates_the_no_as_inactive(sandbox, tmp_path, header, yes, no):
    source = tmp_path / "c.csv"
    source.write_bytes(f"Email;{header}\r\nyes@example.com;{yes}\r\nno@example.com;{no}\r\n".encode("cp1252"))
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "yes@example.com", "no@example.com") == {"yes@example.com": "active",
                                                                    "no@example.com": "inactive"}


# --- fail safe ----------------------------------------------------------------------------

CODES = "Email,First Name,Status\na@example.com,Ann,1\nb@example.com,Bo,0\nc@example.com,Cy,4\nd@example.com,Di,1\n"


@pytest.mark.parametrize("kind", KINDS)
def test_a_numeric_status_column_stops_then_imports_with_state_words(sandbox, tmp_path, kind):
    source = write(tmp_path / "codes.csv", CODES)
    stopped = invoke(["run", source], env_for(sandbox, kind), cwd=tmp_path)
    assert stopped.exit_code == 1, stopped.output
    assert writes(sandbox) == [] and sandbox.store.snapshot() == {}
    assert "Column 'Status' ('1' 2, '0' 1, '4' 1) looks like subscription status" in stopped.output
    assert '--state-word "1=STATE"' in stopped.output and "--state-column Status" in stopped.output
    assert "--ignore-status" in stopped.output
    result = invoke(["run", source, "--state-word", "1=active", "--state-word", "0=unsubscribed", "--state-word",
                     "4=bounced"], env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "a@example.com", "b@example.com", "c@example.com", "d@example.com") == {
        "a@example.com": "active", "b@example.com": "cancelled", "c@example.com": "bounced",
        "d@example.com": "active"}


def test_state_words_from_a_config_table_and_init_writing_them_to_fill_in(sandbox, tmp_path):
    write(tmp_path / "codes.csv", CODES)
    made = invoke(["init", "codes.csv", "-o", "n.toml"], cwd=tmp_path)
    assert made.exit_code == 0, made.output
    text = (tmp_path / "n.toml").read_text()
    assert 'state_column = "Status"' in text and '[state_words]' in text and '# "4" = "STATE"' in text
    stopped = invoke(["run", "--config", "n.toml"], env_for(sandbox), cwd=tmp_path)
    assert stopped.exit_code == 1 and writes(sandbox) == []
    assert '"1" = "STATE" under [state_words]' in stopped.output
    filled = text.replace('# "1" = "STATE"', '"1" = "active"').replace('# "0" = "STATE"', '"0" = "cancelled"') \
        .replace('# "4" = "STATE"', '"4" = "bounced"')
    (tmp_path / "n.toml").write_text(filled)
    result = invoke(["run", "--config", "n.toml"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("b@example.com") == "cancelled" and sandbox.store.state_of("c@example.com") == \
        "bounced"


def test_a_bad_state_word_is_refused_naming_it(tmp_path):
    write(tmp_path / "codes.csv", CODES)
    result = invoke(["run", "codes.csv", "--state-word", "4=gone", "--dry-run"], cwd=tmp_path)
    assert result.exit_code != 0
    assert "'--state-word': must be WORD=state with a Kit state" in result.output and "'4=gone'" in result.output


def test_opt_in_codes_in_a_column_no_header_names_stop_the_run(sandbox, tmp_path):
    source = write(tmp_path / "o.csv", "email,x\na@example.com,optin-1\nb@example.com,opt-out-2\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1 and writes(sandbox) == []
    assert "Column 'x' ('optin-1' 1, 'opt-out-2' 1) looks like subscription status" in result.output


def test_yes_and_no_under_a_plain_status_header_stop_the_run(sandbox, tmp_path):
    source = write(tmp_path / "s.csv", "Email,Status\na@example.com,yes\nb@example.com,no\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1 and writes(sandbox) == []
    assert "Column 'Status' ('yes' 1, 'no' 1) looks like subscription status" in result.output


@pytest.mark.parametrize("header, cells", [("Trabajo", "1,2"), ("Opt-in date", "2024-01-01,2024-02-03")])
def test_columns_that_only_sound_like_consent_do_not_stop_the_run(sandbox, tmp_path, header, cells):
    one, two = cells.split(",")
    source = write(tmp_path / "t.csv", f"Email,{header}\na@example.com,{one}\nb@example.com,{two}\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "a@example.com", "b@example.com") == {"a@example.com": "active",
                                                                 "b@example.com": "active"}


def test_a_member_level_column_is_set_aside_with_its_reason(sandbox, tmp_path):
    source = write(tmp_path / "m.csv", "Email,First Name,Member Level,Status\na@example.com,Ann,Gold,Customer\n"
                                       "b@example.com,Bo,Silver,Lead\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "a@example.com", "b@example.com") == {"a@example.com": "active",
                                                                 "b@example.com": "active"}
    assert "Member Level: not consent: its cells ('Gold', 'Silver') are no subscription states" in result.output
    assert "Status: not consent: its cells ('Customer', 'Lead')" in result.output
    assert "export metadata" not in result.output
