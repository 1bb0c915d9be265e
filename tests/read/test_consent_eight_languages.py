"""Consent in Hungarian, Romanian, Greek, Russian, Ukrainian, Korean, Chinese and Indonesian (with Malay): the
word tables' own checks, and end to end against the sandbox on status exports in UTF-8 with a BOM and in each
language's code page (cp1250, cp1253 and cp1251 with `;` and cp1252, detected; cp949, GBK and Big5, named with
--encoding), on the files of a new user's session (opt-out headers that imported everyone active), and on SMS
consent columns, which are never email consent."""

from __future__ import annotations

import pytest

from helpers import env_for, invoke
from importer.read.consent_vocab import FALSE, TRUE, WORDS, channel_of
from importer.read.header_words import headers_for
from importer.read.names import normalize

NEW = ("Hungarian", "Romanian", "Greek", "Russian", "Ukrainian", "Korean", "Chinese", "Indonesian and Malay")


def states(sandbox, *emails: str) -> dict[str, str | None]:
    return {e: sandbox.store.state_of(e) for e in emails}


# --- the tables ---------------------------------------------------------------------------

@pytest.mark.parametrize("word, state", [
    ("feliratkozott", "active"), ("Leiratkozott", "cancelled"), ("tiltólistán", "cancelled"),
    ("visszapattant", "bounced"), ("nem megerősített", "inactive"), ("Abonat", "active"), ("dezabonat", "cancelled"),
    ("DEZABONATĂ", "cancelled"), ("şters", "cancelled"), ("ștearsă", "cancelled"), ("neconfirmat", "inactive"),
    ("εγγεγραμμένος", "active"), ("ΔΙΑΓΡΑΜΜΈΝΟΣ", "cancelled"), ("διαγραμμενος", "cancelled"),
    ("μη παραδοτέο", "bounced"), ("ανεπιβεβαίωτο", "inactive"), ("подписан", "active"), ("Отписан", "cancelled"),
    ("отписался", "cancelled"), ("в чёрном списке", "cancelled"), ("в черном списке", "cancelled"),
    ("недоставлен", "bounced"), ("жалоба", "complained"), ("не подтверждён", "inactive"), ("підписаний", "active"),
    ("відписаний", "cancelled"), ("недійсний", "bounced"), ("скарга", "complained"), ("непідтверджений", "inactive"),
    ("구독중", "active"), ("구독 중", "active"), ("동의", "active"), ("수신거부", "cancelled"),
    ("구독취소", "cancelled"), ("반송", "bounced"), ("스팸 신고", "complained"), ("미동의", "inactive"),
    ("已订阅", "active"), ("已退订", "cancelled"),
    ("已退訂", "cancelled"), ("取消訂閱", "cancelled"), ("退信", "bounced"), ("投诉", "complained"),
    ("未确认", "inactive"), ("aktif", "active"), ("Berlangganan", "active"), ("berhenti berlangganan", "cancelled"),
    ("Batal berlangganan", "cancelled"), ("nyahlanggan", "cancelled"), ("terpental", "bounced"),
    ("tidak aktif", "inactive"),
])
def test_status_words_in_the_new_languages(word, state):
    assert WORDS[normalize(word)].value == state


@pytest.mark.parametrize("yes, no", [("igen", "nem"), ("IGAZ", "HAMIS"), ("da", "nu"), ("ναι", "όχι"), ("ΝΑΙ", "ΟΧΙ"),
                                     ("да", "нет"), ("ИСТИНА", "ЛОЖЬ"), ("так", "ні"), ("예", "아니오"), ("是", "否"),
                                     ("ya", "tidak"), ("BENAR", "SALAH")])
def test_yes_and_no_in_the_new_languages(yes, no):
    assert normalize(yes) in TRUE and normalize(no) in FALSE


@pytest.mark.parametrize("header, channel", [
    ("SMS hozzájárulás", "SMS"), ("Telefonos megkeresés hozzájárulás", "phone"), ("Consimțământ SMS", "SMS"),
    ("Acord apeluri telefonice", "phone"), ("Συγκατάθεση SMS", "SMS"), ("Согласие на СМС", "SMS"),
    ("Согласие на звонки", "phone"), ("Telegram-рассылка", "Telegram"), ("Згода на SMS", "SMS"),
    ("Viber розсилка", "Viber"), ("SMS 수신 동의", "SMS"), ("문자 수신 동의", "SMS"), ("전화 수신 동의", "phone"),
    ("카카오톡 수신 동의", "KakaoTalk"), ("短信订阅", "SMS"), ("是否接收短信", "SMS"), ("簡訊訂閱", "SMS"),
    ("微信通知", "WeChat"), ("Persetujuan SMS", "SMS"), ("Persetujuan WhatsApp", "WhatsApp"),
    ("Hírlevél", None), ("Abonare newsletter", None), ("Ενημερωτικό δελτίο", None), ("Рассылка", None),
    ("Согласие на рассылку по электронной почте", None), ("Згода на розсилку", None), ("이메일 수신 동의", None),
    ("메일 수신 동의", None), ("是否订阅", None), ("邮件订阅", None), ("Berlangganan", None),
    ("Persetujuan e-mel", None),
])
def test_the_channel_a_header_is_about_in_the_new_languages(header, channel):
    assert channel_of(header) == channel


@pytest.mark.parametrize("header, meaning", [
    ("Keresztnév", "first name"), ("Vezetéknév", "last name"), ("E-mail cím", "email"), ("Prenume", "first name"),
    ("Nume de familie", "last name"), ("Επώνυμο", "last name"), ("Όνομα", "whole name"), ("Имя", "first name"),
    ("Фамилия", "last name"), ("ФИО", "whole name"), ("Электронная почта", "email"), ("Ім'я", "first name"),
    ("Прізвище", "last name"), ("ПІБ", "whole name"), ("이메일", "email"), ("이름", "first name"), ("성", "last name"),
    ("성명", "whole name"), ("邮箱", "email"), ("電子郵件", "email"), ("姓名", "whole name"),
    ("Nama depan", "first name"), ("Nama belakang", "last name"), ("Nama", "whole name"), ("Alamat e-mel", "email"),
])
def test_name_and_email_headers_in_the_new_languages(header, meaning):
    assert normalize(header) in headers_for(meaning)


# --- status exports, end to end -----------------------------------------------------------

LOCALIZED = {  # language: header row, names, and the status of an active, an unsubscribed and a bounced person
    "Hungarian": (("E-mail cím", "Keresztnév", "Állapot"), ("Zsófia", "Ödön", "Gőzön"),
                  ("feliratkozott", "leiratkozott", "visszapattant")),
    "Romanian": (("E-mail", "Prenume", "Stare"), ("Ştefan", "Mădălina", "Răzvan"),
                 ("abonat", "dezabonat", "nelivrabil")),
    "Greek": (("Email", "Όνομα", "Κατάσταση"), ("Νίκος", "Μαρία", "Ελένη"),
              ("εγγεγραμμένος", "διαγραμμένος", "μη παραδοτέο")),
    "Russian": (("Email", "Имя", "Статус"), ("Иван", "Ольга", "Пётр"), ("подписан", "отписан", "недоставлен")),
    "Ukrainian": (("Електронна пошта", "Ім'я", "Статус підписки"), ("Тарас", "Олена", "Ґанна"),
                  ("підписаний", "відписаний", "недійсний")),
    "Korean": (("이메일", "이름", "구독 상태"), ("민준", "서연", "지우"), ("구독중", "수신거부", "반송")),
    "Chinese": (("邮箱", "姓名", "订阅状态"), ("王伟", "李娜", "张敏"), ("已订阅", "已退订", "退信")),
    "Chinese (traditional)": (("電子郵件", "姓名", "訂閱狀態"), ("陳志明", "林美玲", "黃建國"),
                              ("已訂閱", "已退訂", "強制退回")),
    "Indonesian": (("Email", "Nama depan", "Status langganan"), ("Budi", "Siti", "Agus"),
                   ("aktif", "berhenti berlangganan", "terpental")),
}
# Each language's encodings: UTF-8 with a BOM, and the legacy code page its Excel saves in, detected from a small
# file, or named with --encoding (True): detection finds cp949, GBK and Big5 only on many such characters. The
# Romanian names hold Ş: with only ă (ã in cp1252, as Portuguese writes) a small file stays cp1252.
ENCODINGS = {
    "Hungarian": [("utf-8-sig", ",", False), ("cp1250", ";", False)],
    "Romanian": [("utf-8-sig", ",", False), ("cp1250", ";", False)],
    "Greek": [("utf-8-sig", ",", False), ("cp1253", ";", False)],
    "Russian": [("utf-8-sig", ",", False), ("cp1251", ";", False), ("cp1251", ";", True)],
    "Ukrainian": [("utf-8-sig", ",", False), ("cp1251", ";", False)],
    "Korean": [("utf-8-sig", ",", False), ("utf-8", ",", False), ("cp949", ",", True)],
    "Chinese": [("utf-8-sig", ",", False), ("utf-8", ",", False), ("gbk", ",", True)],
    "Chinese (traditional)": [("utf-8-sig", ",", False), ("big5", ",", True)],
    "Indonesian": [("utf-8-sig", ",", False), ("cp1252", ";", False)],
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
    source = tmp_path / "export.csv"
    source.write_bytes(localized(language, encoding, delimiter))
    result = invoke(["run", source, *(["--encoding", encoding] if told else [])], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    if encoding.startswith("cp") and encoding != "cp1252":  # the Indonesian file is plain ASCII
        assert f"({encoding}, semicolon-separated" in result.output or f"({encoding}, comma-separated" in result.output
    assert states(sandbox, "p0@example.com", "p1@example.com", "p2@example.com") == {
        "p0@example.com": "active", "p1@example.com": "cancelled", "p2@example.com": "bounced"}
    header, names, said = LOCALIZED[language]
    assert f"{header[1]} -> first name" in result.output and f"{header[2]} -> subscription status" in result.output
    assert f"1 created as cancelled ({said[1]} in the file), 1 as bounced ({said[2]})" in result.output
    held = sandbox.store.snapshot()
    assert [held[f"p{i}@example.com"]["first_name"] for i in range(3)] == list(names)  # no mojibake


# --- the files of a new user's session ---------------------------------------------------

SHAPES = {  # the first four imported everyone active before: their opt-out headers were unknown
    "ko_consent.csv": ("이메일,이름,수신 동의\nko1@example.kr,민준,동의\nko2@example.kr,서연,수신거부\n",
                       {"ko1@example.kr": "active", "ko2@example.kr": "cancelled"},
                       "이메일 -> email; 이름 -> first name; 수신 동의 -> subscription status"),
    "id_berlangganan.csv": ("Email,Nama,Berlangganan\nid1@example.id,Budi,ya\nid2@example.id,Siti,tidak\n"
                            "id3@example.id,Agus,ya\n",
                            {"id1@example.id": "active", "id2@example.id": "inactive", "id3@example.id": "active"},
                            "Berlangganan -> subscription status (its cells are true/false, true means in)"),
    "hu_hirlevel.csv": ("Email,Név,Hírlevél\nhu4@example.hu,Dóra,igen\nhu5@example.hu,Gábor,nem\n",
                        {"hu4@example.hu": "active", "hu5@example.hu": "inactive"},
                        "Hírlevél -> subscription status (its cells are true/false, true means in)"),
    "ru_otpisan.csv": ("Email,Имя,Отписан\nru4@example.ru,Анна,нет\nru5@example.ru,Борис,да\n",
                       {"ru4@example.ru": "active", "ru5@example.ru": "cancelled"},
                       "Имя -> first name; Отписан -> subscription status"),
    "ko_status.csv": ("email,name,상태\nko3@example.kr,지우,구독중\nko4@example.kr,하은,구독취소\n",
                      {"ko3@example.kr": "active", "ko4@example.kr": "cancelled"}, "상태 -> subscription status"),
    "id_status.csv": ("Email,Nama,Status Langganan\nid4@example.id,Dewi,aktif\n"
                      "id5@example.id,Eko,berhenti berlangganan\n",
                      {"id4@example.id": "active", "id5@example.id": "cancelled"},
                      "Status Langganan -> subscription status"),
    "hu_allapot.csv": ("E-mail cím,Vezetéknév,Keresztnév,Állapot\nhu1@example.hu,Kovács,Anna,feliratkozott\n"
                       "hu2@example.hu,Nagy,Béla,leiratkozott\nhu3@example.hu,Tóth,Csaba,feliratkozott\n",
                       {"hu1@example.hu": "active", "hu2@example.hu": "cancelled", "hu3@example.hu": "active"},
                       "E-mail cím -> email; Keresztnév -> first name; Állapot -> subscription status; "
                       "Vezetéknév -> Last name"),
    "el_katastasi.csv": ("Email,Όνομα,Κατάσταση\ngr1@example.gr,Νίκος,εγγεγραμμένος\n"
                         "gr2@example.gr,Μαρία,διαγραμμένος\n",
                         {"gr1@example.gr": "active", "gr2@example.gr": "cancelled"},
                         "Κατάσταση -> subscription status"),
    "el_newsletter.csv": ("Email,Ονομα,Newsletter\ngr3@example.gr,Ελένη,Ναι\ngr4@example.gr,Γιώργος,Όχι\n",
                          {"gr3@example.gr": "active", "gr4@example.gr": "inactive"},
                          "Newsletter -> subscription status (its cells are true/false, true means in)"),
    "ro_abonat.csv": ("Email,Nume,Abonat la newsletter\nro1@example.ro,Ana,da\nro2@example.ro,Ion,nu\n",
                      {"ro1@example.ro": "active", "ro2@example.ro": "inactive"},
                      "Abonat la newsletter -> subscription status (its cells are true/false, true means in)"),
    "ru_rassylka.csv": ("Email,Имя,Рассылка\nru1@example.ru,Иван,да\nru2@example.ru,Ольга,нет\n"
                        "ru3@example.ru,Пётр,да\n",
                        {"ru1@example.ru": "active", "ru2@example.ru": "inactive", "ru3@example.ru": "active"},
                        "Рассылка -> subscription status (its cells are true/false, true means in)"),
    "zh_shifou.csv": ("Email,名字,是否订阅\nzh3@example.cn,张伟,是\nzh4@example.cn,刘洋,否\n",
                      {"zh3@example.cn": "active", "zh4@example.cn": "inactive"},
                      "是否订阅 -> subscription status (its cells are true/false, true means in)"),
    "zh_status.csv": ("邮箱,姓名,订阅状态\nzh1@example.cn,王伟,已订阅\nzh2@example.cn,李娜,已退订\n",
                      {"zh1@example.cn": "active", "zh2@example.cn": "cancelled"},
                      "邮箱 -> email; 姓名 -> first name and Last name (split); 订阅状态 -> subscription status"),
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


def test_a_small_russian_excel_export_in_cp1251_is_read_unnamed(sandbox, tmp_path):
    """The shape of the new user's ru_excel_cp1251.csv: Excel's `;`, cp1251, a first and a last name, two rows.
    Read as cp1252, its headers were unknown and the person who left was imported active."""
    text = ("Email;Имя;Фамилия;Статус\r\nru6@example.ru;Иван;Петров;подписан\r\n"
            "ru7@example.ru;Ольга;Смирнова;отписан\r\n")
    source = tmp_path / "ru_excel_cp1251.csv"
    source.write_bytes(text.encode("cp1251"))
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert states(sandbox, "ru6@example.ru", "ru7@example.ru") == {"ru6@example.ru": "active",
                                                                   "ru7@example.ru": "cancelled"}
    assert "Имя -> first name; Статус -> subscription status; Фамилия -> Last name" in result.output
    assert sandbox.store.snapshot()["ru7@example.ru"]["first_name"] == "Ольга"
