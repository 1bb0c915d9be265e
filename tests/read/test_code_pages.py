"""Legacy code pages told apart by evidence: Excel's CSV from Polish, Czech, Turkish, Baltic, Russian and Japanese
Windows, small and large, read right without --encoding; Western files with a few accents stay cp1252."""

from __future__ import annotations

import pytest

from conftest import write
from helpers import env_for, invoke
from importer.read.code_pages import read_all, tied
from importer.read.files import LoadOptions, open_source
from importer.read.text_files import detect

NAMES = {  # code page: names as its Excel users write them
    "cp1250-pl": ("cp1250", ["Łukasz Wiśniewski", "Małgorzata Dąbrowska", "Paweł Woźniak", "Żaneta Kościuszko",
                             "Jędrzej Zieliński", "Bożena Stępień"]),
    "cp1250-cs": ("cp1250", ["Jiří Dvořák", "Kateřina Novotná", "Tomáš Černý", "Ondřej Procházka",
                             "Vojtěch Růžička", "Lukáš Šťastný"]),
    "cp1254-tr": ("cp1254", ["Ayşe Yılmaz", "Çağrı Doğan", "Işıl Şahin", "Mehmet Öztürk", "Gökhan Yıldırım",
                             "Emine Kılıç"]),
    "cp1257-lt": ("cp1257", ["Žemaitė Jonaitienė", "Rūta Šimkutė", "Jonas Kazlauskas", "Aušra Petrauskienė"]),
    "cp1251-ru": ("cp1251", ["Иван Петров", "Ольга Смирнова", "Дмитрий Соколов", "Наталья Лебедева"]),
    "cp932-kana": ("cp932", ["やまだ たろう", "スズキ ハナコ", "さとう いちろう", "タナカ ジロウ"]),
}


def export(names: list[str], rows: int, header: str = "E-mail;Name") -> str:
    """An Excel CSV as Windows saves it: semicolons, CRLF, `rows` rows cycling through `names`."""
    lines = [header] + [f"p{i}@example.com;{names[i % len(names)]}" for i in range(rows)]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("rows", [2, 5000], ids=["small", "large"])
@pytest.mark.parametrize("case", list(NAMES))
def test_each_code_page_is_read_right_without_being_named(tmp_path, case, rows):
    encoding, names = NAMES[case]
    text = export(names, rows)
    source = open_source(write(tmp_path / f"{case}.csv", text, encoding))
    assert source.encoding == encoding and source.delimiter == ";"
    assert [r.cells for r in source.rows()][:2] == [("p0@example.com", names[0]), ("p1@example.com", names[1])]
    assert len(source.notes) == 1 and source.notes[0].startswith(f"read as {encoding} (")


@pytest.mark.parametrize("encoding, header, reason", [
    ("cp1250", "E-mail;Imię;Nazwisko", "Polish headers"), ("cp1250", "E-mail;Křestní jméno;Příjmení", "Czech headers"),
    ("cp1254", "E-posta;Ad;Soyadı", "Turkish headers"), ("cp932", "メールアドレス;名前", "Japanese headers"),
])
def test_known_headers_decide_and_say_so(tmp_path, encoding, header, reason):
    source = open_source(write(tmp_path / "h.csv", f"{header}\r\np@example.com;Anna;Nowak\r\n", encoding))
    assert source.encoding == encoding and source.notes == [f"read as {encoding} ({reason})"]


@pytest.mark.parametrize("text", [
    "Email;Vorname\r\njuergen@example.de;Jürgen\r\n", "Email;Prénom\r\nrene@example.fr;René\r\n",
    "Email;Nombre\r\nnino@example.es;Íñigo Muñoz\r\n", "Email;Nome\r\nnico@example.it;Niccolò\r\n",
    "Email;Name\r\nzoe@example.nl;Zoë\r\n", "Email;Navn\r\nsoren@example.dk;Søren Æbelø\r\n",
    "Email;Name\r\nsig@example.is;Sigurður Jónsson\r\n", "Email;Nom\r\nanne@example.fr;Anne Dubœuf\r\n",
    "Email;Nombre;¿Acepta?\r\nana@example.es;Ana;Sí\r\n",
], ids=["de", "fr", "es", "it", "nl", "da", "is", "fr-oe", "es-question"])
def test_western_files_with_a_few_accents_stay_cp1252(tmp_path, text):
    source = open_source(write(tmp_path / "w.csv", text, "cp1252"))
    assert source.encoding == "cp1252" and source.notes == []
    assert [source.headers, *(r.cells for r in source.rows())] == [tuple(line.split(";")) for line in
                                                                   text.splitlines()]


def test_what_gives_each_reading_away():
    readings = {r.page.name: r for r in read_all("Imię;Łukasz;Wiśniewska;çıktı".encode("cp1250", "replace"))}
    assert "imię" in readings["cp1250"].known and not readings["cp1252"].known
    assert readings["cp1252"].cost >= 1  # £ukasz: a symbol inside a word
    turkish = {r.page.name: r for r in read_all("Abonelikten çıktı;Ayşe".encode("cp1254"))}
    assert turkish["cp1252"].cost > turkish["cp1254"].cost == 0  # çýktý: ç and ý are in no one language


def test_a_tie_keeps_cp1252_and_a_name_read_alike_needs_no_note(tmp_path):
    # Polish Wiśniewska reads in cp1252 as Wiœniewska, a French-looking word: nothing tells them apart.
    assert tied(read_all("Email;Name\r\np@example.com;Anna Wiśniewska\r\n".encode("cp1250")))[0].page.name == "cp1252"
    source = open_source(write(tmp_path / "cz.csv", "Email;Name\r\np@example.com;Jürgen Müller\r\n", "cp1250"))
    assert source.encoding == "cp1252" and source.notes == []  # the same bytes in both
    # Tomáš is the same in both too, but á beside š is Czech, in no language of cp1252: the file says cp1250,
    # and as it reads the same, no note.
    source = open_source(write(tmp_path / "cz.csv", "Email;Name\r\np@example.com;Tomáš\r\n", "cp1250"))
    assert source.encoding == "cp1250" and source.notes == []


def test_the_named_encoding_overrides_the_evidence(tmp_path):
    path = write(tmp_path / "pl.csv", export(NAMES["cp1250-pl"][1], 3), "cp1250")
    source = open_source(path, LoadOptions(encoding="cp1252"))
    assert source.encoding == "cp1252" and source.notes == []
    assert next(source.rows()).cells == ("p0@example.com", "£ukasz Wiœniewski")


def test_a_byte_past_the_sample_that_the_choice_cannot_read_falls_back(tmp_path):
    # cp1250 wins on the first megabyte; a byte cp1250 lacks (0x98) further on leaves the next reading.
    head = export(NAMES["cp1250-pl"][1], 3).encode("cp1250")
    path = tmp_path / "late.csv"
    path.write_bytes(head + b"p@example.com;" + b"x" * (1024 * 1024) + b"\x98\r\n")
    decision = detect(path)
    assert decision.encoding != "cp1250"
    open_source(path, LoadOptions())  # and it reads


def test_polish_names_reach_kit_intact(sandbox, tmp_path):
    names = NAMES["cp1250-pl"][1]
    source = write(tmp_path / "klienci.csv", export(names, len(names), "E-mail;Imię i nazwisko"), "cp1250")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "klienci.csv (cp1250, semicolon-separated, header on row 1)" in result.output
    assert "Note:              read as cp1250 (Polish headers)" in result.output
    held = sandbox.store.snapshot()
    assert [held[f"p{i}@example.com"]["first_name"] for i in range(len(names))] == [n.split()[0] for n in names]


@pytest.mark.parametrize("encoding, detected, header, row", [
    ("cp949", "cp949", "이메일;이름;수신 동의", "{i}@example.kr;김민준{i};동의"),
    ("gbk", "gb18030", "电子邮件;姓名;订阅状态", "{i}@example.cn;王伟{i};已订阅"),
    ("big5", "big5", "電子郵件;姓名;訂閱狀態", "{i}@example.tw;陳怡君{i};已退訂"),  # charset-normalizer's second guess
])
def test_korean_and_chinese_code_pages_are_found_on_plenty_of_characters(tmp_path, encoding, detected, header, row):
    text = "\r\n".join([header] + [row.format(i=i) for i in range(20)]) + "\r\n"
    source = open_source(write(tmp_path / "cjk.csv", text, encoding))
    assert source.encoding == detected and source.headers == tuple(header.split(";"))
