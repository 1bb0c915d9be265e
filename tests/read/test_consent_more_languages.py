"""Consent in Polish, Swedish, Danish, Norwegian, Finnish, Turkish, Czech and Japanese: the word tables'
own checks, and end to end against the sandbox on status exports in each language's encodings (UTF-8 with
a BOM; cp1250, cp1252 or cp1254 with `;`; Japanese UTF-8 and cp932), on yes/no consent columns, and on SMS
consent columns, which are never email consent."""

from __future__ import annotations

import pytest

from helpers import env_for, invoke
from importer.read.consent_vocab import FALSE, TRUE, WORDS, channel_of
from importer.read.names import normalize

NEW = ("Polish", "Swedish", "Danish", "Norwegian", "Finnish", "Turkish", "Czech", "Japanese")


def states(sandbox, *emails: str) -> dict[str, str | None]:
    return {e: sandbox.store.state_of(e) for e in emails}


# --- the tables ---------------------------------------------------------------------------

@pytest.mark.parametrize("word, state", [
    ("aktywny", "active"), ("wypisany", "cancelled"), ("Wypisał się", "cancelled"), ("odrzucony", "bounced"),
    ("niepotwierdzony", "inactive"), ("Aktiv", "active"), ("Avregistrerad", "cancelled"), ("studsad", "bounced"),
    ("obekräftad", "inactive"), ("tilmeldt", "active"), ("afmeldt", "cancelled"), ("påmeldt", "active"),
    ("Avmeldt", "cancelled"), ("returnert", "bounced"), ("aktiivinen", "active"), ("peruttu", "cancelled"),
    ("palautunut", "bounced"), ("vahvistamatta", "inactive"), ("Aktif", "active"), ("Abonelikten çıktı", "cancelled"),
    ("ABONELIKTEN ÇIKTI", "cancelled"), ("geri döndü", "bounced"), ("şikayet", "complained"), ("beklemede", "inactive"),
    ("aktivní", "active"), ("Odhlášen", "cancelled"), ("nedoručitelný", "bounced"), ("nepotvrzený", "inactive"),
    ("購読中", "active"), ("購読解除", "cancelled"), ("配信停止", "cancelled"), ("エラー停止", "bounced"),
    ("仮登録", "inactive"),
])
def test_status_words_in_the_new_languages(word, state):
    assert WORDS[normalize(word)].value == state


@pytest.mark.parametrize("yes, no", [("tak", "nie"), ("ja", "nej"), ("ja", "nei"), ("kyllä", "ei"), ("evet", "hayır"),
                                     ("EVET", "HAYIR"), ("ano", "ne"), ("はい", "いいえ"), ("sant", "falskt")])
def test_yes_and_no_in_the_new_languages(yes, no):
    assert normalize(yes) in TRUE and normalize(no) in FALSE


@pytest.mark.parametrize("header, channel", [
    ("Zgoda SMS", "SMS"), ("Zgoda na kontakt telefoniczny", "phone"), ("SMS-samtycke", "SMS"),
    ("Samtykke SMS", "SMS"), ("Tekstiviestilupa", "SMS"), ("Puhelinmarkkinointilupa", "phone"), ("SMS İzni", "SMS"),
    ("Telefon izni", "phone"), ("Souhlas SMS", "SMS"), ("SMS配信停止", "SMS"), ("ショートメール配信", "SMS"),
    ("電話連絡", "phone"), ("DM送付希望", "postal mail"), ("Werbepost Einwilligung", "postal mail"),
    ("Reklamepost samtykke", "postal mail"), ("Samtykke per post", "postal mail"),
    ("Zgoda na otrzymywanie newslettera", None), ("E-post samtycke", None), ("E-postsamtycke", None),
    ("Samtycke via e-post", None), ("Nyhetsbrev per post", None), ("E-posta İzni", None), ("Sähköpostilupa", None),
    ("Souhlas se zasíláním newsletteru", None), ("メール配信停止", None), ("メルマガ購読", None),
])
def test_the_channel_a_header_is_about_in_the_new_languages(header, channel):
    assert channel_of(header) == channel


# --- status exports, end to end -----------------------------------------------------------

LOCALIZED = {  # language: header row, names, and the status of an active, an unsubscribed and a bounced person
    "Polish": (("E-mail", "Imię", "Status subskrypcji"), ("Łukasz", "Wiśniewska", "Żaneta"),
               ("aktywny", "wypisany", "odrzucony")),
    "Swedish": (("E-post", "Förnamn", "Status"), ("Åsa", "Björn", "Märta"), ("Aktiv", "Avregistrerad", "Studsad")),
    "Danish": (("E-mail", "Fornavn", "Status"), ("Søren", "Æbelø", "Åse"), ("Tilmeldt", "Afmeldt", "Afvist")),
    "Norwegian": (("E-post", "Fornavn", "Status"), ("Øystein", "Kåre", "Æsa"), ("Påmeldt", "Avmeldt", "Returnert")),
    "Finnish": (("Sähköposti", "Etunimi", "Tila"), ("Väinö", "Äijö", "Öljy"),
                ("Aktiivinen", "Peruttu", "Palautunut")),
    "Turkish": (("E-posta", "Ad", "Abonelik durumu"), ("Ayşe", "Çağrı", "Işıl"),
                ("Aktif", "Abonelikten çıktı", "Geri döndü")),
    "Czech": (("E-mail", "Křestní jméno", "Stav odběru"), ("Jiří", "Tomáš", "Kateřina"),
              ("aktivní", "odhlášen", "nedoručitelný")),
    "Japanese": (("メールアドレス", "名", "購読状態"), ("太郎", "花子", "一郎"), ("購読中", "購読解除", "エラー停止")),
}
# Each language's encodings: UTF-8 with a BOM, and the legacy code page its Excel saves in, detected from the
# file (see test_each_code_page_is_detected_from_a_small_file) or named with --encoding (True).
ENCODINGS = {
    "Polish": [("utf-8-sig", ",", False), ("cp1250", ";", False), ("cp1250", ";", True)],
    "Czech": [("utf-8-sig", ",", False), ("cp1250", ";", False)],
    "Turkish": [("utf-8-sig", ",", False), ("cp1254", ";", False), ("cp1254", ";", True)],
    "Japanese": [("utf-8-sig", ",", False), ("utf-8", ",", False), ("cp932", ",", False)],
    **{language: [("utf-8-sig", ",", False), ("cp1252", ";", False)]
       for language in ("Swedish", "Danish", "Norwegian", "Finnish")},
}
CASES = [(language, *encoding) for language, encodings in ENCODINGS.items() for encoding in encodings]


def localized(language: str, encoding: str, delimiter: str) -> bytes:
    header, names, said = LOCALIZED[language]
    lines = [delimiter.join(header)] + [delimiter.join((f"p{i}@example.com", names[i], word))
                                        for i, word in enumerate(said)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.mark.parametrize("language, encoding, delimiter, told", CASES)
def test_a_status_export_keeps_its_unsubscribed_and_bounced_people_out(sandbox, tmp_path, language, encoding,
                                                                       delimiter, told):
    source = tmp_path / f"{language}.csv"
    source.write_bytes(localized(language, encoding, delimiter))
    result = invoke(["run", source, *(["--encoding", encoding] if told else [])], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "p0@example.com", "p1@example.com", "p2@example.com") == {
        "p0@example.com": "active", "p1@example.com": "cancelled", "p2@example.com": "bounced"}
    header, names, said = LOCALIZED[language]
    assert f"{header[1]} -> first name; {header[2]} -> subscription status" in result.output
    assert f"1 created as cancelled ({said[1]} in the file), 1 as bounced ({said[2]})" in result.output
    held = sandbox.store.snapshot()
    assert [held[f"p{i}@example.com"]["first_name"] for i in range(3)] == list(names)  # no mojibake


@pytest.mark.parametrize("language, encoding", [("Polish", "cp1250"), ("Czech", "cp1250"), ("Turkish", "cp1254"),
                                                ("Japanese", "cp932")])
def test_each_code_page_is_detected_from_a_small_file(sandbox, tmp_path, language, encoding):
    source = tmp_path / f"{language}.csv"
    source.write_bytes(localized(language, encoding, ";"))
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert f"({encoding}, semicolon-separated" in result.output
    assert f"read as {encoding} ({language} headers)" in result.output


@pytest.mark.parametrize("language, encoding", [("Polish", "cp1250"), ("Turkish", "cp1254")])
def test_a_named_encoding_needs_no_note(sandbox, tmp_path, language, encoding):
    source = tmp_path / f"{language}.csv"
    source.write_bytes(localized(language, encoding, ";"))
    result = invoke(["run", source, "--encoding", encoding], env_for(sandbox), cwd=tmp_path)
    assert f"({encoding}, semicolon-separated" in result.output and "read as" not in result.output


# --- the files of a new user's session ---------------------------------------------------

SHAPES = {
    "pl_status.csv": ("E-mail,Imię,Nazwisko,Status subskrypcji\npl.aktywny@example.pl,Anna,Nowak,aktywny\n"
                      "pl.wypisany@example.pl,Jan,Kowalski,wypisany\npl.aktywny2@example.pl,Ewa,Wiśniewska,aktywny\n"
                      "pl.odbity@example.pl,Piotr,Wójcik,odrzucony\n",
                      {"pl.aktywny@example.pl": "active", "pl.wypisany@example.pl": "cancelled",
                       "pl.odbity@example.pl": "bounced"},
                      "Imię -> first name; Status subskrypcji -> subscription status; Nazwisko -> Last name"),
    "pl_status_header_status.csv": ("E-mail,Imię,Status\npl2.aktywny@example.pl,Anna,aktywny\n"
                                    "pl2.wypisany@example.pl,Jan,wypisany\npl2.aktywny2@example.pl,Ewa,aktywny\n",
                                    {"pl2.aktywny@example.pl": "active", "pl2.wypisany@example.pl": "cancelled"},
                                    "Imię -> first name; Status -> subscription status"),
    "sv_status.csv": ("E-post,Förnamn,Efternamn,Status\nsv.aktiv@example.se,Anna,Andersson,Aktiv\n"
                      "sv.avreg@example.se,Erik,Johansson,Avregistrerad\n",
                      {"sv.aktiv@example.se": "active", "sv.avreg@example.se": "cancelled"},
                      "E-post -> email; Förnamn -> first name; Status -> subscription status"),
    "sv_prenumererar.csv": ("E-postadress,Förnamn,Prenumererar\nsv2.ja@example.se,Anna,Ja\n"
                            "sv2.nej@example.se,Erik,Nej\n",
                            {"sv2.ja@example.se": "active", "sv2.nej@example.se": "inactive"},
                            "Prenumererar -> subscription status (its cells are true/false, true means in)"),
    "tr_status.csv": ("E-posta,Ad,Soyad,Durum\ntr.aktif@example.com.tr,Ayşe,Yılmaz,Aktif\n"
                      "tr.cikti@example.com.tr,Mehmet,Kaya,Abonelikten çıktı\n",
                      {"tr.aktif@example.com.tr": "active", "tr.cikti@example.com.tr": "cancelled"},
                      "E-posta -> email; Ad -> first name; Durum -> subscription status; Soyad -> Last name"),
    "tr_izin.csv": ("E-posta,Ad,E-posta İzni\ntr2.evet@example.com.tr,Ayşe,Evet\n"
                    "tr2.hayir@example.com.tr,Mehmet,Hayır\n",
                    {"tr2.evet@example.com.tr": "active", "tr2.hayir@example.com.tr": "inactive"},
                    "E-posta İzni -> subscription status"),
    "ja_status.csv": ("メールアドレス,姓,名,購読状態\nja.active@example.jp,山田,太郎,購読中\n"
                      "ja.unsub@example.jp,佐藤,花子,購読解除\n",
                      {"ja.active@example.jp": "active", "ja.unsub@example.jp": "cancelled"},
                      "メールアドレス -> email; 名 -> first name; 購読状態 -> subscription status; 姓 -> Last name"),
    "ja_optout.csv": ("メールアドレス,氏名,メール配信停止\nja2.no@example.jp,山田 太郎,いいえ\n"
                      "ja2.yes@example.jp,佐藤 花子,はい\n",
                      {"ja2.no@example.jp": "active", "ja2.yes@example.jp": "cancelled"},
                      "氏名 -> first name and Last name (split); メール配信停止 -> subscription status"),
    "google_forms_pl.csv": ("Sygnatura czasowa,Adres e-mail,Imię,Zgoda na otrzymywanie newslettera\n"
                            "06.12.2024 10:15:22,gf.pl.tak@example.pl,Anna,Tak\n"
                            "06.12.2024 10:16:01,gf.pl.nie@example.pl,Bartek,Nie\n",
                            {"gf.pl.tak@example.pl": "active", "gf.pl.nie@example.pl": "inactive"},
                            "Adres e-mail -> email; Imię -> first name; Zgoda na otrzymywanie newslettera -> "
                            "subscription status (its cells are true/false, true means in)"),
}


@pytest.mark.parametrize("name", list(SHAPES))
def test_the_files_of_a_new_users_session_are_read_end_to_end(sandbox, tmp_path, name):
    text, expected, columns = SHAPES[name]
    source = tmp_path / name
    source.write_bytes(text.encode("utf-8"))
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, *expected) == expected
    assert columns in result.output
    assert "0 rejected" in result.output and "not consent" not in result.output
