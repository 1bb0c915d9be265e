"""Signs, beside the language tables, of what a column is: a header that names a status or consent in
any language, cells that are plainly not consent, a file that is a billing export, an address's state.

Data first, in one place; consent_find.py reads these. The per-language words of consent (the states,
yes and no, the headers each language writes) are in consent_words.py, not here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from importer.read.consent_vocab import FALSE, consent_header, status_like, tokens
from importer.read.names import normalize
from importer.records import KitState

# Words meaning "status" or "state", in many languages: a header that is or holds one names a status, and
# cells under it that no table reads stop the run (unless they are plainly not consent, below).
STATUS_WORDS = frozenset(("status", "state", "statut", "etat", "estado", "stato", "situacao", "zustand", "stan",
                          "durum", "tila", "tilstand", "stav", "stavu", "allapot", "stare", "katastasi"))
STATUS_SCRIPTS = ("状態", "状态", "상태", "статус", "состояние", "стан", "κατάσταση")  # matched inside a header
# Words that speak of email consent whatever the language: newsletter, opt-in, the data protection laws.
CONSENT_TOKENS = frozenset(("newsletter", "optin", "optout", "gdpr", "rgpd", "dsgvo", "rodo", "consent"))
CONSENT_SCRIPTS = ("購読", "配信", "同意", "订阅", "訂閱", "подписк", "рассылк", "согласие")
CONSENT_WHOLE = frozenset(("avg",))  # the Dutch GDPR only as the whole header: "Avg Open Rate" is an average

# Header parts of a business's own statuses (an order's, a plan's, an account's, a patron's, an event
# attendee's): their words (active, cancelled, confirmed, declined) are not consent, so such columns are
# never taken by their cells, and a word no table reads there stops nothing. Finnish `tilaus` is left out: it
# is an order and a newsletter subscription alike.
BUSINESS_PARTS = tuple(normalize(part) for part in (  # normalized as headers are: Hangul decomposes
    "order", "payment", "billing", "invoice", "plan", "lead", "deal", "account", "booking",
    "ticket", "shipping", "delivery", "trial", "paid", "premium", "product", "source", "customer",
    "patron", "pledge", "tier", "charge", "attendee", "attendance", "registration", "shipment",
    "task", "project", "application", "marital", "employment", "verification",
    "bestell", "zahlung", "rechnung", "tarif", "kunde", "commande", "paiement", "facture", "pedido",
    "pago", "factura", "ordine", "pagamento", "fattura", "bestelling", "betaling", "factuur",
    "zamowien", "płatnos", "platnos", "faktur", "objednav", "platb", "bestallning", "betalning",
    "bestilling", "maksu", "lasku", "siparis", "odeme", "fatura", "iade",
    "注文", "支払", "請求", "決済", "発送", "配送",
    "заказ", "оплат", "клиент", "замовлен", "клієнт", "주문", "결제", "고객", "订单", "支付", "客户",
    "訂單", "客戶", "pesanan", "pembayaran", "rendeles", "fizetes", "comanda", "plata", "παραγγελ",
    "πληρωμ"))

# Cells plainly not consent: member levels, a CRM's lifecycle stages and lead statuses, US state codes.
# A column of only these under a status header is set aside with its reason, never stops the run.
NOT_CONSENT_CELLS = frozenset(normalize(w) for w in (
    "gold", "silver", "bronze", "platinum", "diamond", "vip", "basic", "standard", "premium", "free", "pro",
    "plus", "starter", "business", "enterprise", "trial", "member", "guest", "admin", "staff", "owner",
    "customer", "lead", "prospect", "contact", "opportunity", "client", "partner", "vendor", "supplier",
    "marketing qualified lead", "sales qualified lead", "marketingqualifiedlead", "salesqualifiedlead",
    "evangelist", "other", "new", "open", "in progress", "qualified", "unqualified", "nurturing", "contacted",
    "open - not contacted", "working - contacted", "closed - converted", "closed - not converted",
    "won", "lost", "closed won", "closed lost",
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
    "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR"))

# Header parts of a billing or commerce export (Stripe, Patreon, a shop). Two of them in a file make a
# plain `Status` there a customer's standing, not email consent, unless its words are email words.
BILLING_HEADERS = ("plan", "cancelatperiodend", "currency", "card", "totalspen", "delinquent", "mrr",
                   "subscriptionsource", "pledge", "amount", "price", "invoice", "charge", "billing", "payment",
                   "balance", "coupon", "refund", "revenue", "discount", "trialend", "periodend")
BILLING_SIGNS = 2
# Words a billing or membership status shares with an email status: under a plain `Status` of a billing
# export they say nothing of email (Stripe's active, past_due, canceled), where `unsubscribed` would.
BILLING_WORDS = frozenset(normalize(w) for w in (
    "active", "canceled", "cancelled", "inactive", "pending", "deleted", "expired", "paused", "trialing",
    "trial", "past_due", "unpaid", "incomplete", "incomplete_expired", "suspended", "declined", "paid",
    "refunded", "disabled", "archived", "ended", "former", "aktiv", "inaktiv", "gekündigt", "actif", "inactif",
    "résilié", "activo", "inactivo", "cancelado", "attivo", "annullato", "actief", "opgezegd", "ativo",
    "cancelada"))

# Header parts of a membership, a plan or a tier: a business relationship. Its true/false (Patreon's
# Free Member) is never email consent, nor are words it shares with billing (Active, Cancelled).
MEMBERSHIP_PARTS = ("member", "patron", "tier", "pledge", "plan")

# A `State` or `Region` beside these is the address's (CA, NY), not a subscriber's.
ADDRESS_HEADERS = ("city", "zip", "postal", "postcode", "street", "address", "country", "addressee")
ADDRESS_STATES = frozenset(("state", "region", "province", "county", "stateprovince", "stateregion"))

# Words after an opt-out that say how or why someone left (Constant Contact's `Opt-out source` of
# "Unsubscribe link", an `Unsubscribe reason`): a filled cell under such a header says the person left.
LEAVING_HOW = frozenset(("source", "reason", "reasons", "method", "comment", "comments", "feedback", "cause",
                         "why", "grund", "raison", "motif", "motivo", "motivazione", "reden"))

# Last words of a header that say its column is not a state, though it speaks of subscribers or consent:
# MailerLite's `Subscriber` ids, Marketing Cloud's `Subscriber Key`, AWeber's `Subscribe Method` (Webform,
# Import), a `Consent source`, a `Newsletter group`, `Subscribed since`. Only for a header that does not
# speak of leaving, and only when no cell looks like a status word.
NOT_A_STATE = {"key": "a key", "id": "an id", "ids": "ids", "uid": "an id", "uuid": "an id", "method": "a method",
               "source": "a source", "type": "a type", "form": "a form", "forms": "forms", "list": "a list",
               "lists": "lists", "group": "a group", "groups": "groups", "count": "a count", "score": "a score",
               "date": "a date", "since": "a date", "at": "a time", "on": "a date", "ip": "an IP address",
               "url": "an address", "number": "a number", "segment": "a segment", "segments": "segments"}

_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.:-]{3,}")  # 1001, 0035g00000XyZabAAB, a1b2c3d4-0003

# Words that are states only under one header: Dynamics 365's `Do not allow Emails` and `Do not allow Bulk
# Emails`, and its display names `Email`'s `Bulk Email` and `Email Allowed`, hold Allow (in) or Do Not Allow
# (out). Elsewhere `Allow` means nothing of consent.
_DYNAMICS = {"allow": KitState.ACTIVE, "donotallow": KitState.CANCELLED}
HEADER_STATES: dict[str, dict[str, KitState]] = {
    "donotallowemails": _DYNAMICS, "donotallowbulkemails": _DYNAMICS, "donotallowemail": _DYNAMICS,
    "donotallowbulkemail": _DYNAMICS, "bulkemail": _DYNAMICS, "bulkemails": _DYNAMICS, "emailallowed": _DYNAMICS,
    "allowbulkemail": _DYNAMICS, "allowbulkemails": _DYNAMICS, "allowemail": _DYNAMICS, "allowemails": _DYNAMICS}

# A tick box's one value reads as a NO when it starts with one of these, or holds one of the rest.
NEGATIONS = frozenset(("not", "dont", "never", "nicht", "kein", "keine", "keinen", "pas", "jamais", "nunca",
                       "ne", "nie", "nej", "nee", "ikke", "ei", "hayir"))

def names_status(header: str) -> bool:
    """Whether a header is, or holds, a word for status in some language (Status, Durum, Status subskrypcji,
    購読状態), or speaks of consent in words every language uses (Newsletter, GDPR, opt-in)."""
    words = tokens(header)
    name = normalize(header)
    return (any(w in STATUS_WORDS or w in CONSENT_TOKENS for w in words) or name in CONSENT_WHOLE
            or any(part in name for part in ("optin", "optout", "newsletter", "consent"))
            or any(part in header.casefold() for part in (*STATUS_SCRIPTS, *CONSENT_SCRIPTS)))


def generic_status(header: str) -> bool:
    """Whether a header is only a word for status (Status, State, Statut, Estado), naming nothing else."""
    words = tokens(header)
    return bool(words) and all(w in STATUS_WORDS for w in words)


def plainly_not_consent(cell: str) -> bool:
    """Whether a cell is plainly no subscription state (Gold, Customer, Lead, CA)."""
    return normalize(cell) in NOT_CONSENT_CELLS


def billing_headers(headers: Sequence[str]) -> list[str]:
    """The headers that show a billing or commerce export; empty unless there are enough of them to say so."""
    found = [h for h in headers if any(part in normalize(h) for part in BILLING_HEADERS)]
    return found if len(found) >= BILLING_SIGNS else []


def membership(header: str) -> bool:
    """Whether a header names a membership, plan or tier (Free Member, Membership) rather than a status of
    email consent (Member status is one)."""
    name = normalize(header)
    return any(part in name for part in MEMBERSHIP_PARTS) and not consent_header(header)


def address_file(headers: Iterable[str]) -> bool:
    """Whether the file holds a postal address (City, Zip...), so that its `State` is the address's."""
    return sum(1 for h in headers if any(part in normalize(h) for part in ADDRESS_HEADERS)) >= 2


def not_a_state(header: str, cells: Sequence[str]) -> str | None:
    """Why a consent-speaking column is no state column, or None: its header's last word says what it holds
    instead (Subscriber Key, Subscribe Method), or its cells are ids, mostly distinct (MailerLite's Subscriber
    of 1001, 1002...). A header that is a status word (Status) never: its unknown words stop the run."""
    if generic_status(header) or any(status_like(cell) for cell in cells):
        return None
    words = tokens(header)
    if words and words[-1] in NOT_A_STATE:
        return f"{NOT_A_STATE[words[-1]]}, not a subscription state"
    ids = [cell for cell in cells if _ID.fullmatch(cell.strip()) and any(c.isdigit() for c in cell)]
    if len(cells) >= 3 and len(ids) >= 0.9 * len(cells) and not names_status(header):
        return "ids, not subscription states"
    return None


def says_no(cell: str) -> bool:
    """Whether a tick box's one value reads as a NO: "No, thanks", "Nein", "I do not want the newsletter"."""
    words = tokens(cell)
    return bool(words) and (words[0] in FALSE or any(w in NEGATIONS for w in words)
                            or any(part in normalize(cell) for part in ("dont", "donot", "doesnt")))
