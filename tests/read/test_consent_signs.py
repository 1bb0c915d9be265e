"""The signs beside the language tables: which headers name a status or consent in any language, which cells
are plainly not consent; and the detector's use of them on a file's columns."""

from __future__ import annotations

import pytest

from importer.read.consent_find import detect
from importer.read.consent_signs import names_status, plainly_not_consent


@pytest.mark.parametrize("header", ["Status", "status", "State", "Statut", "Estado", "Stato", "Stan", "Durum", "Tila",
                                    "Tilstand", "Stav", "Status subskrypcji", "購読状態", "订阅状态", "Статус",
                                    "Newsletter", "newsletter_optin", "Opt out", "GDPR consent", "RGPD",
                                    "DSGVO-Einwilligung", "Zgoda RODO", "AVG", "メール配信"])
def test_headers_naming_a_status_or_consent_in_any_language(header):
    assert names_status(header)


@pytest.mark.parametrize("header", ["Email", "First Name", "Avg Open Rate", "Standort", "Distance", "Estate",
                                    "Statement", "Trabajo", "Member Level", "Tags"])
def test_headers_that_name_neither(header):
    assert not names_status(header)


@pytest.mark.parametrize("cell, plain", [("Gold", True), ("silver", True), ("VIP", True), ("Customer", True),
                                         ("Lead", True), ("Open - Not Contacted", True), ("CA", True),
                                         ("zorbly", False), ("unsubscribed", False), ("yes", False), ("", False)])
def test_cells_plainly_not_consent(cell, plain):
    assert plainly_not_consent(cell) is plain


def judged(headers: list[str], rows: list[list[str]]):
    found = detect(headers, rows, exclude={0})
    return ([c.header for c in found.columns], dict(found.set_aside.values()),
            [h for h, _, _ in found.unreadable.values()])


def test_unknown_words_under_a_status_header_are_unreadable_not_set_aside():
    rows = [["a@example.com", "zorbly"], ["b@example.com", "quaxed"]]  # a language without a table
    assert judged(["Email", "Status"], rows) == ([], {}, ["Status"])
    assert judged(["Email", "Durum"], rows) == ([], {}, ["Durum"])


def test_unknown_words_beside_a_status_word_are_unreadable_past_the_odd_typo():
    rows = [["a@example.com", "Aktiv"]] * 3 + [["b@example.com", "Quaxed"]]
    assert judged(["Email", "Status"], rows) == ([], {}, ["Status"])
    typo = [["a@example.com", "active"]] * 60 + [["b@example.com", "actve"]]
    assert judged(["Email", "Status"], typo) == (["Status"], {}, [])


@pytest.mark.parametrize("cells", [("Gold", "Silver"), ("Customer", "Lead"), ("CA", "NY")])
def test_words_plainly_not_consent_under_a_status_header_are_set_aside(cells):
    rows = [["a@example.com", cells[0]], ["b@example.com", cells[1]]]
    columns, aside, unread = judged(["Email", "Status"], rows)
    assert (columns, unread) == ([], []) and aside["Status"].startswith("not consent: its cells")


def test_a_business_s_own_status_is_no_status_column_and_stops_nothing():
    rows = [["a@example.com", "Active patron", "Attending"], ["b@example.com", "Former patron", "Refunded"]]
    assert judged(["Email", "Patron Status", "Attendee Status"], rows) == ([], {}, [])


@pytest.mark.parametrize("header, cells", [("Free Member", ("No", "Yes")), ("Free Member", ("false", "true")),
                                           ("Member", ("0", "1")), ("Membership", ("Active", "Cancelled")),
                                           ("Plan status", ("active", "canceled"))])
def test_a_membership_is_no_email_consent(header, cells):
    rows = [["a@example.com", cells[0]], ["b@example.com", cells[1]]]
    columns, _, unread = judged(["Email", header], rows)
    assert (columns, unread) == ([], [])


def test_a_membership_in_email_words_is_still_read():
    rows = [["a@example.com", "Active"], ["b@example.com", "Unsubscribed"]]
    assert judged(["Email", "Membership"], rows)[0] == ["Membership"]


def test_an_address_s_state_is_no_status_column():
    headers = ["Email", "Street", "City", "State", "Zip"]
    assert judged(headers, [["a@example.com", "1 Main St", "Town", "", "94103"]]) == ([], {}, [])
    assert judged(headers, [["a@example.com", "1 Main St", "Town", "Bavaria", "80331"]])[2] == []
    kit = [["a@example.com", "", "Town", "active", ""], ["b@example.com", "", "Town", "cancelled", ""]]
    assert judged(headers, kit)[0] == ["State"]  # Kit's own state beside a City field is still read


def test_a_billing_export_is_told_by_two_of_its_headers():
    from importer.read.consent_signs import billing_headers, generic_status
    assert billing_headers(["Email", "Plan", "Currency", "Status"]) == ["Plan", "Currency"]
    assert billing_headers(["Email", "Plan", "Status"]) == []  # a Kit custom field named Plan is no billing export
    assert generic_status("Status") and generic_status("STATE") and generic_status("Statut")
    assert not generic_status("Subscription status") and not generic_status("Email")


def test_a_plain_status_of_a_billing_export_is_asked_about_unless_its_words_are_email_s():
    headers = ["Email", "Plan", "Currency", "Status"]
    stripe = [["a@example.com", "Pro", "usd", "active"], ["b@example.com", "Pro", "usd", "canceled"]]
    found = detect(headers, stripe, exclude={0})
    assert (found.columns, list(found.billing), found.unreadable[3][2]) == ([], [3], ["canceled"])
    everyone_active = [["a@example.com", "Pro", "usd", "active"]]
    assert [c.header for c in detect(headers, everyone_active, exclude={0}).columns] == ["Status"]
    email = [*stripe, ["c@example.com", "Pro", "usd", "unsubscribed"]]
    assert [c.header for c in detect(headers, email, exclude={0}).columns] == ["Status"]


def test_a_tick_box_reads_its_one_value_as_in_and_blank_as_no_consent():
    from importer.read.status_column import Kind
    from importer.records import KitState
    rows = [["a@example.com", "Yes, send me the newsletter"], ["b@example.com", ""]]
    [column] = detect(["Email", "Newsletter"], rows, exclude={0}).columns
    assert column.kind is Kind.TICKED and column.role == "subscription status (a tick box: ticked means in)"
    assert (column.read("Yes, send me the newsletter"), column.read(""), column.read("yes")) == \
        (KitState.ACTIVE, KitState.INACTIVE, KitState.ACTIVE)
    assert not column.readable("No")


@pytest.mark.parametrize("headers, rows", [
    (["Email", "Newsletter"], [["a@example.com", "yes"], ["b@example.com", "yes"]]),  # no blank: nothing to say
    (["Email", "Status"], [["a@example.com", "active"], ["b@example.com", ""]]),  # a status word, read as one
    (["Email", "Unsubscribed"], [["a@example.com", "x"], ["b@example.com", ""]]),  # x there means out
    (["Email", "Newsletter"], [["a@example.com", "2024-05-01"], ["b@example.com", ""]]),  # a time
    (["Email", "Notes"], [["a@example.com", "checked"], ["b@example.com", ""]]),  # no consent header
])
def test_what_is_no_tick_box(headers, rows):
    from importer.read.status_column import Kind
    assert all(c.kind is not Kind.TICKED for c in detect(headers, rows, exclude={0}).columns)


@pytest.mark.parametrize("header, cells", [
    ("Status zamówienia", ("Wysłane", "Anulowane")), ("Status płatności", ("Opłacone", "Zwrócone")),
    ("Sipariş Durumu", ("Teslim edildi", "İptal edildi")), ("Ödeme Durumu", ("Ödendi", "İade edildi")),
    ("Stav objednávky", ("Odesláno", "Zrušeno")), ("Beställningsstatus", ("Skickad", "Avbruten")),
    ("Maksun tila", ("Maksettu", "Hyvitetty")), ("Betalingsstatus", ("Betalt", "Refunderet")),
    ("注文ステータス", ("発送済み", "キャンセル")), ("支払状況", ("支払済み", "返金"))])
def test_an_order_or_payment_status_in_the_new_languages_is_a_business_s_and_stops_nothing(header, cells):
    rows = [["a@example.com", cells[0]], ["b@example.com", cells[1]]]
    assert judged(["Email", header], rows) == ([], {}, [])


@pytest.mark.parametrize("header, cells", [
    ("Статус заказа", ("Доставлен", "Заблокирован")), ("Статус клиента", ("Новый", "Заблокирован")),
    ("주문 상태", ("배송 완료", "취소")), ("Status Pesanan", ("Dikirim", "Dibatalkan")),
    ("Rendelés állapota", ("Kiszállítva", "Törölve")), ("Stare comandă", ("Livrată", "Anulată")),
    ("Κατάσταση παραγγελίας", ("Παραδόθηκε", "Ακυρώθηκε")), ("订单状态", ("已发货", "已取消"))])
def test_an_order_or_customer_status_in_the_second_eight_languages_stops_nothing(header, cells):
    rows = [["a@example.com", cells[0]], ["b@example.com", cells[1]]]
    assert judged(["Email", header], rows) == ([], {}, [])
