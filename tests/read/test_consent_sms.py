"""An SMS consent column is never email consent, in any language: beside each language's email consent
column, its SMS column's yes and no set nobody's email state, end to end against the sandbox."""

from __future__ import annotations

import pytest

from helpers import env_for, invoke
from importer.read.consent_vocab import consent_header

SMS = [  # an email consent header, an SMS consent header, and the language's yes and no
    ("Zgoda na newsletter", "Zgoda SMS", "Tak", "Nie"),
    ("E-postsamtycke", "SMS-samtycke", "Ja", "Nej"),
    ("Samtykke nyhedsbrev", "Samtykke SMS", "Ja", "Nej"),
    ("Samtykke e-post", "Samtykke SMS", "Ja", "Nei"),
    ("Sähköpostilupa", "Tekstiviestilupa", "Kyllä", "Ei"),
    ("E-posta İzni", "SMS İzni", "Evet", "Hayır"),
    ("Souhlas s newsletterem", "Souhlas SMS", "Ano", "Ne"),
    ("メルマガ購読", "SMS配信停止", "はい", "いいえ"),
    ("Hírlevél", "SMS hozzájárulás", "Igen", "Nem"),
    ("Abonare newsletter", "Consimțământ SMS", "Da", "Nu"),
    ("Συγκατάθεση email", "Συγκατάθεση SMS", "Ναι", "Όχι"),
    ("Согласие на рассылку", "Согласие на СМС", "Да", "Нет"),
    ("Згода на розсилку", "Згода на SMS", "Так", "Ні"),
    ("이메일 수신 동의", "SMS 수신 동의", "예", "아니오"),
    ("메일 수신 동의", "문자 수신 동의", "예", "아니오"),
    ("是否订阅", "短信订阅", "是", "否"),
    ("Berlangganan newsletter", "Persetujuan SMS", "Ya", "Tidak"),
]


@pytest.mark.parametrize("email_header, sms_header, yes, no", SMS)
def test_an_sms_consent_column_never_sets_the_email_state(sandbox, tmp_path, email_header, sms_header, yes, no):
    rows = [("in@example.com", yes, no), ("out@example.com", no, yes)]
    lines = [f"Email;{email_header};{sms_header}"] + [";".join(row) for row in rows]
    source = tmp_path / "sms.csv"
    source.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert {e: sandbox.store.state_of(e) for e in ("in@example.com", "out@example.com")} == {
        "in@example.com": "active", "out@example.com": "inactive"}
    assert f"{email_header} -> subscription status" in result.output
    assert f"{sms_header} -> subscription status" not in result.output
    if consent_header(sms_header):  # a header that speaks of consent is named, with why it is left out
        assert f"Consent:           state from {email_header}; left out: {sms_header}: another channel (SMS)" \
            in result.output
