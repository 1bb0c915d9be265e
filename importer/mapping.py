"""Rows -> contacts or rejections: find the columns, validate emails, merge duplicates.

Column names are compared case-, space- and punctuation-insensitively, so "E-mail",
"email_address" and " Email Address " all match; the email and first-name columns are
found from the headers that common exports use unless the user names them.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from importer.errors import ConfigError
from importer.failures import carried_columns, extra_cells_column, is_failures_csv, restore, split_extra
from importer.loader import longer_row_problem
from importer.records import Contact, CustomField, Rejection, Row

# Normalised header names (see `normalize`) of the email and first-name columns in the
# exports people bring: Mailchimp, Kit, Substack, HubSpot, Google Contacts, Outlook, and
# European locales. Order matters: the first match wins when several columns fit.
EMAIL_HEADERS = (
    "email", "emailaddress", "email1value", "emailaddress1", "email1", "primaryemail",
    "subscriberemail", "emailadresse", "adresseemail", "adressemail", "correoelectronico",
    "courriel", "mail", "emailaddr", "useremail", "contactemail",
)
FIRST_NAME_HEADERS = (
    "firstname", "givenname", "fname", "first", "vorname", "prenom", "nombre", "voornaam",
)
# A single name column (Substack's `name`, a form's "Full name") is the first name when a file
# has no first-name column: Kit has only the one name field.
LONE_NAME_HEADERS = frozenset(("name", "fullname", "subscribername", "contactname", "membername", "yourname"))
# Columns that exporting systems add about their own records (ratings, timestamps, IPs, ids,
# owners, states). They are never mapped to a Kit field by name alone, only by --field.
METADATA_HEADERS = frozenset((
    "memberrating", "optintime", "optinip", "confirmtime", "confirmip", "latitude", "longitude", "gmtoff",
    "dstoff", "timezone", "cc", "region", "lastchanged", "leid", "euid", "tags",  # Mailchimp
    "state", "status", "createdat", "updatedat", "id", "subscriberid",  # Kit
    "subscriptiontype", "activesubscription", "expiry", "plan", "emaildisabled",  # Substack
    "recordid", "contactowner", "leadstatus", "createdate", "lastactivitydate", "lifecyclestage",  # HubSpot
    "groupmembership", "email1type", "phone1type",  # Google Contacts
    "ipaddress", "signupdate", "signupip", "unsubscribedat", "bouncedat",
))
# Headers people write for the same thing, grouped: a column whose header is in a group maps to
# an existing Kit field whose label or key is in the same group ("Zip" to "Postal code").
SYNONYMS = tuple(frozenset(group.split()) for group in (
    "postalcode postcode zip zipcode zippostalcode plz postleitzahl codepostal cp cap codigopostal postcodezip",
    "lastname surname familyname nachname lname nom apellido apellidos achternaam cognome",
    "company companyname organization organisation org employer firma unternehmen entreprise societe empresa",
    "phone phonenumber telephone tel telefon mobile mobilephone cell cellphone phone1value telefono",
    "city town ort stadt ville ciudad citta",
    "country countryregion land pays pais",
    "website url homepage web site websiteurl webseite",
    "birthday birthdate dateofbirth dob geburtstag geburtsdatum",
    "address streetaddress street address1 addressline1 strasse adresse",
    "jobtitle position role titel",
    "gender sex geschlecht",
))
# A mostly-email column found by its cells when no header names it: this share of its
# non-blank cells among the first `CONTENT_SAMPLE` non-blank rows must be valid addresses.
CONTENT_SAMPLE = 50
CONTENT_SHARE = 0.8
# How many rows below the header are searched for the real header when the one found is a title.
HEADER_LOOKAHEAD = 10

def normalize(name: str) -> str:
    """Fold a header or label for matching: no case, accents, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return re.sub(r"[\W_]+", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


@dataclass
class ColumnPlan:
    """Which column feeds what: email, first name, Kit custom fields; the rest is ignored."""

    headers: tuple[str, ...]
    email: int
    first_name: int | None
    fields: list[tuple[int, CustomField]] = field(default_factory=list)
    missing: list[tuple[int, str]] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    reimport: bool = False
    lone_name: bool = False
    claimed: dict[int, str] = field(default_factory=dict)
    synonyms: set[int] = field(default_factory=set)
    email_by_content: str = ""

    def describe(self) -> list[str]:
        """Lines saying how each column is used, for the summary and --dry-run."""
        lines = [f"{self.headers[self.email]} -> email" +
                 (f" ({self.email_by_content})" if self.email_by_content else "")]
        if self.first_name is not None:
            lines.append(f"{self.headers[self.first_name]} -> first name" +
                         (" (no first-name column)" if self.lone_name else ""))
        lines += [f"{self.headers[i]} -> {what}" for i, what in sorted(self.claimed.items())]
        lines += [f"{self.headers[i]} -> {f.label} ({f.key})" + (", a synonym" if i in self.synonyms else "")
                  if f.id >= 0 else f"{self.headers[i]} -> {f.label} (to be created)" for i, f in self.fields]
        lines += [f"{self.headers[i]} -> {label} (to be created)" for i, label in self.missing]
        return lines


def find_column(headers: Sequence[str], wanted: str, flag: str) -> int:
    """Find a column by its name (loosely matched) or its 1-based number; say which exist if none."""
    target = normalize(wanted)
    for i, name in enumerate(headers):
        if name == wanted:
            return i
    for i, name in enumerate(headers):
        if normalize(name) == target and target:
            return i
    if wanted.strip().isdigit() and 1 <= int(wanted) <= len(headers):
        return int(wanted) - 1
    listed = ", ".join(repr(h) for h in headers)
    raise ConfigError(f"{flag} names a column {wanted!r} that the file does not have.",
                      f"Columns in the file: {listed}.")


def match_field(label: str, kit_fields: Iterable[CustomField]) -> CustomField | None:
    """The Kit custom field whose label or key matches `label`, ignoring case and spaces."""
    target = normalize(label)
    fields = list(kit_fields)
    for f in fields:
        if normalize(f.label) == target:
            return f
    for f in fields:
        if normalize(f.key) == target:
            return f
    return None


def match_synonym(header: str, kit_fields: Iterable[CustomField]) -> CustomField | None:
    """The Kit field whose label or key means what `header` means (Zip: Postal code), if one exists."""
    name = normalize(header)
    group = next((g for g in SYNONYMS if name in g), None)
    if group is None:
        return None
    return next((f for f in kit_fields if normalize(f.label) in group or normalize(f.key) in group), None)


def closest_labels(label: str, kit_fields: Iterable[CustomField], n: int = 3) -> list[str]:
    """Existing labels that look like `label`, for "did you mean" hints."""
    labels = {normalize(f.label): f.label for f in kit_fields}
    return [labels[m] for m in difflib.get_close_matches(normalize(label), list(labels), n=n, cutoff=0.5)]


def plan_columns(headers: Sequence[str], kit_fields: Sequence[CustomField], *,
                 email_column: str | None = None, first_name_column: str | None = None,
                 field_specs: Sequence[tuple[str, str]] = (), claimed: Mapping[int, str] | None = None,
                 samples: Sequence[Row] = ()) -> ColumnPlan:
    """Decide what each column feeds; explicit choices first, then known export headers.

    With no header naming the email, `samples` (the first data rows) decide it: a row below
    headed like an email column means the header row is wrong, and a column of mostly
    email addresses is the email column. Every ignored column comes with its reason.

    A `--field` whose label has no Kit field lands in `missing`: the resolver creates it or
    stops the run, before anything is written. `claimed` columns are read by another part of
    the run (a status column, say): described as `what` and never mapped to a field.
    `first_name_column="none"` means no first name at all.
    """
    headers = tuple(headers)
    usable = carried_columns(headers)
    by_content = ""
    if email_column:
        email = find_column(headers, email_column, "--email-column")
    else:
        email = _find_known(headers, usable, EMAIL_HEADERS, exclude=())
        if email is None:
            email, by_content = _email_by_content(headers, usable, samples)
    claimed = {i: what for i, what in (claimed or {}).items() if i != email}
    lone_name = False
    if first_name_column and first_name_column.strip().casefold() == "none":
        first_name: int | None = None
    elif first_name_column:
        first_name = find_column(headers, first_name_column, "--first-name-column")
    else:
        first_name = _find_known(headers, usable, FIRST_NAME_HEADERS, exclude=(email,))
        if first_name is None:
            first_name = _lone_name(headers, usable, kit_fields, exclude={
                email, *claimed, *(find_column(headers, column, "--field") for column, _ in field_specs)})
            lone_name = first_name is not None
    plan = ColumnPlan(headers, email, first_name, reimport=is_failures_csv(headers), lone_name=lone_name,
                      claimed={i: what for i, what in claimed.items() if i != first_name},
                      email_by_content=by_content)
    taken = {email} | ({first_name} if first_name is not None else set())
    used_fields: dict[int, int] = {}
    for column, label in field_specs:
        index = find_column(headers, column, "--field")
        if index in taken:
            raise ConfigError(f"--field maps column {headers[index]!r}, which is already used as "
                              f"{'the email' if index == email else 'the first-name'} column.",
                              "Map a different column, or choose another email/first-name column.")
        taken.add(index)
        kit_field = match_field(label or headers[index], kit_fields)
        if kit_field is None:
            plan.missing.append((index, (label or headers[index]).strip()))
            continue
        if kit_field.id in used_fields:
            raise ConfigError(f"Columns {headers[used_fields[kit_field.id]]!r} and {headers[index]!r} "
                              f"both map to the Kit field {kit_field.label!r}.",
                              "Map each Kit field from one column only.")
        used_fields[kit_field.id] = index
        plan.fields.append((index, kit_field))
    synonyms: list[tuple[int, CustomField]] = []
    for index in usable:
        if index in taken or index in plan.claimed:
            continue
        header = headers[index]
        kit_field = match_field(header, kit_fields)
        if normalize(header) in METADATA_HEADERS:
            plan.ignored.append((header, _metadata_reason(header, kit_field)))
        elif kit_field is not None and kit_field.id not in used_fields:
            used_fields[kit_field.id] = index
            plan.fields.append((index, kit_field))
        elif kit_field is not None:
            plan.ignored.append((header, f"Kit field {kit_field.label} is fed by "
                                         f"{headers[used_fields[kit_field.id]]}"))
        elif (synonym := match_synonym(header, kit_fields)) is not None:
            synonyms.append((index, synonym))
        elif (twin := match_field(_DUPLICATE.sub("", header), kit_fields)) is not None and twin.id in used_fields:
            plan.ignored.append((header, f"a second column named like Kit field {twin.label}, which is fed by "
                                         f"{headers[used_fields[twin.id]]}"))
        else:
            plan.ignored.append((header, f"no Kit field matches: map it with --field \"{header}=Label\""))
    for index, kit_field in synonyms:  # a column named exactly like a field wins over a synonym
        if kit_field.id in used_fields:
            plan.ignored.append((headers[index], f"Kit field {kit_field.label} is fed by "
                                                 f"{headers[used_fields[kit_field.id]]}"))
            continue
        used_fields[kit_field.id] = index
        plan.fields.append((index, kit_field))
        plan.synonyms.add(index)
    plan.fields.sort(key=lambda pair: pair[0])
    order = {h: i for i, h in enumerate(headers)}
    plan.ignored.sort(key=lambda pair: order.get(pair[0], 0))
    return plan


_DUPLICATE = re.compile(r"\s*\(\d+\)$")  # how the loader renames a repeated header: "Company (2)"


def _metadata_reason(header: str, kit_field: CustomField | None) -> str:
    """Why an export's metadata column is held back, naming the Kit field it is named like."""
    if kit_field is None:
        return f"export metadata: map it with --field \"{header}=Label\""
    return (f"export metadata, though named like the Kit field {kit_field.label}: "
            f"map it with --field \"{header}={kit_field.label}\"")


def _email_by_content(headers: Sequence[str], usable: Sequence[int], samples: Sequence[Row]) -> tuple[int, str]:
    """The email column found from the cells when no header names it, and how it was found.

    A sample row headed like an email column means the header row is a title: the hint
    says which --header-row to pass. Otherwise the column whose non-blank cells are mostly
    valid addresses is taken; failing both, the run stops, listing the columns.
    """
    rows = [r for r in samples if r.problem is None][:CONTENT_SAMPLE]
    for row in samples[:HEADER_LOOKAHEAD]:  # the real header is wider than a title: a "ragged" row
        if any(normalize(c) in EMAIL_HEADERS for c in row.cells):
            named = next(c.strip() for c in row.cells if normalize(c) in EMAIL_HEADERS)
            raise ConfigError(f"No email column found among the columns read as the header: "
                              f"{', '.join(repr(h) for h in headers)}. Row {row.number} holds {named!r}: "
                              "the row read as the header looks like a title.",
                              f"Pass --header-row {row.number} to read the header from row {row.number}.")
    best, best_share, best_counts = None, 0.0, (0, 0)
    for index in usable:
        cells = [r.cells[index] for r in rows if index < len(r.cells) and r.cells[index].strip()]
        if not cells:
            continue
        good = sum(1 for c in cells if "@" in c and check_email(c).email is not None)
        share = good / len(cells)
        if share >= CONTENT_SHARE and share > best_share:
            best, best_share, best_counts = index, share, (good, len(cells))
    if best is None:
        listed = ", ".join(repr(h) for h in headers)
        raise ConfigError(f"No email column found among the file's columns: {listed}.",
                          "Name it with --email-column COLUMN.")
    good, total = best_counts
    return best, f"no header says email; {good} of {total} cells sampled are email addresses"


def _lone_name(headers: Sequence[str], usable: Sequence[int], kit_fields: Sequence[CustomField],
               exclude: set[int]) -> int | None:
    """The one column headed like a whole name (not two: which would it be?), unless a Kit field claims it."""
    found = [i for i in usable if i not in exclude and normalize(headers[i]) in LONE_NAME_HEADERS
             and match_field(headers[i], kit_fields) is None]
    return found[0] if len(found) == 1 else None


def _find_known(headers: Sequence[str], usable: Sequence[int], known: Sequence[str],
                exclude: Sequence[int]) -> int | None:
    normalized = {i: normalize(headers[i]) for i in usable if i not in exclude}
    for alias in known:
        for i, name in normalized.items():
            if name == alias:
                return i
    return None


@dataclass(frozen=True, slots=True)
class EmailCheck:
    """The result of checking one email cell: a normalized address, or why it was refused."""

    email: str | None
    reason: str = ""
    detail: str = ""


_ANGLE = re.compile(r"<([^<>]*)>\s*$")


# The shape of nearly every real address: an ASCII dot-atom local part. For those, only the
# domain needs email-validator's full rules, and a file has few distinct domains.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
_SPACE = re.compile(r"\s")
_DOMAINS: dict[str, tuple[str | None, str]] = {}


def check_email(raw: str) -> EmailCheck:
    """Trim and normalise what can be fixed, validate the rest with email-validator.

    Fixed: surrounding whitespace, a `mailto:` prefix, `Name <a@b.com>`, Google Contacts'
    `a@x.com ::: b@y.com` (the first), a unicode domain (sent in its ASCII form).
    Deliverability (DNS) is not checked: that would be a network request per row and is Kit's
    job. The verdict is email-validator's; it is only reached faster for plain addresses.
    """
    text = raw.strip()
    if not text:
        return EmailCheck(None, "missing email")
    if "<" in text and (m := _ANGLE.search(text)):
        text = m.group(1).strip()
    if " ::: " in text:  # Google Contacts joins a contact's several addresses this way: take the first
        text = text.split(" ::: ", 1)[0].strip()
    if text[:7].casefold() == "mailto:":
        text = text[7:].split("?", 1)[0].strip()
    if len(text) > 320:
        return EmailCheck(None, "invalid email", "longer than 320 characters")
    if "@" not in text:
        return EmailCheck(None, "invalid email", f"{raw.strip()!r} is missing an @")
    if _SPACE.search(text):
        return EmailCheck(None, "invalid email", f"{raw.strip()!r} contains spaces")
    if text.count("@") > 1 and not text.startswith('"'):
        return EmailCheck(None, "invalid email", f"{raw.strip()!r} has more than one @")
    local, _, domain = text.rpartition("@")
    if len(local) <= 64 and _LOCAL.match(local):
        ascii_domain, error = _check_domain(domain)
        if ascii_domain is None:
            return EmailCheck(None, "invalid email", f"{raw.strip()!r}: {_plain_reason(error)}")
        if len(local) + 1 + len(ascii_domain) <= 254:
            return EmailCheck(f"{local}@{ascii_domain}")
    return validated(text, raw)


def validated(text: str, raw: str) -> EmailCheck:
    """email-validator's full verdict on `text` (`raw` is what the user wrote, for the reason)."""
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as e:
        return EmailCheck(None, "invalid email", f"{raw.strip()!r}: {_plain_reason(str(e))}")
    local, _, _ = result.normalized.rpartition("@")
    return EmailCheck(f"{local}@{result.ascii_domain}")


def _check_domain(domain: str) -> tuple[str | None, str]:
    """A domain's ASCII form, or email-validator's reason to refuse it; remembered per domain."""
    known = _DOMAINS.get(domain)
    if known is None:
        try:
            known = (validate_email("a@" + domain, check_deliverability=False).ascii_domain, "")
        except EmailNotValidError as e:
            known = (None, str(e))
        if len(_DOMAINS) >= 100_000:
            _DOMAINS.clear()
        _DOMAINS[domain] = known
    return known


# email-validator's wording for the commonest mistakes, said the way a person would say it.
_PLAIN_REASONS = {
    "It should have a period": "the domain has no dot",
    "two periods in a row": "it has two dots in a row",
    "special-use or reserved name": "the domain is a reserved name that cannot receive email",
    "There must be something before the @-sign": "nothing before the @",
    "There must be something after the @-sign": "nothing after the @",
    "cannot end with a period": "it ends with a dot",
    "cannot start with a period": "it starts with a dot",
}


def _plain_reason(message: str) -> str:
    return next((plain for fragment, plain in _PLAIN_REASONS.items() if fragment in message), message)


# A mapped cell absent from a short row, as the merger stores it. No cell can hold it: the
# mapper strips every value, and stripping removes this control character.
ABSENT = "\x1e"


class ContactMerger:
    """Merges contacts that share an email (case-insensitively), and decides what a blank means.

    The blank-cell policy lives here, and only here:
    - a blank cell never overwrites: in a merge, a later non-blank cell wins over an earlier
      one, a blank never does; in Kit, a blank clears the value only with `clear_blanks`
      (`--blanks clear`), and is otherwise not sent;
    - an absent cell (missing from a row shorter than its header) is not in the file at all:
      it is never sent, even with `clear_blanks`, and never overrides an earlier duplicate's
      value, blank or not;
    - a blank first name is never sent.

    Holds one record per distinct email, packed into a single string (row, email, first
    name, then one value per mapped field), because a 1,000,000-row file must fit in a few
    hundred MB: a dict of strings per contact would take several times that. Contacts are
    rebuilt on demand, in the order their emails first appeared.
    """

    _SEP = "\x1f"  # ASCII unit separator; a record whose cells contain it is kept as a tuple

    def __init__(self, fields: Sequence[CustomField] = (), *, clear_blanks: bool = False) -> None:
        self.fields: list[CustomField] = []
        self._known: dict[CustomField, int] = {}
        self._learn(fields)
        self.clear_blanks = clear_blanks
        self._records: dict[str, str | tuple[str, ...]] = {}
        self._more_rows: dict[str, list[int]] = {}
        self.merged = 0
        self.rows = 0

    def _learn(self, fields: Iterable[CustomField]) -> None:
        for kit_field in fields:
            if kit_field not in self._known:
                self._known[kit_field] = len(self.fields)
                self.fields.append(kit_field)

    def add(self, contact: Contact) -> None:
        """Add a contact, merging it into an earlier one with the same email."""
        values = contact.fields
        if not self._known.keys() >= values.keys():
            self._learn(values)
        self.rows += len(contact.rows)
        key = contact.email.casefold()
        get = values.get
        parts = [str(contact.rows[0]), contact.email, contact.first_name or "",
                 *[get(f, ABSENT) for f in self.fields]]
        earlier = self._records.get(key)
        if earlier is not None:
            self.merged += 1
            self._more_rows.setdefault(key, []).extend(contact.rows)
            old = self._unpack(earlier)
            old += [ABSENT] * (len(parts) - len(old))  # fields first met after the earlier row
            parts = old[:2] + [new if new.strip() or (was == ABSENT and new != ABSENT) else was
                               for was, new in zip(old[2:], parts[2:])]
        packed = self._SEP.join(parts)
        self._records[key] = packed if packed.count(self._SEP) == len(parts) - 1 else tuple(parts)

    def _unpack(self, record: str | tuple[str, ...]) -> list[str]:
        return list(record) if isinstance(record, tuple) else record.split(self._SEP)

    def _sent(self, value: str) -> bool:
        return value != ABSENT and (bool(value.strip()) or self.clear_blanks)

    def _contact(self, key: str, record: str | tuple[str, ...]) -> Contact:
        row, email, first_name, *values = self._unpack(record)
        fields = {f: v if v.strip() else "" for f, v in zip(self.fields, values) if self._sent(v)}
        return Contact(email, first_name.strip() or None, fields, [int(row), *self._more_rows.get(key, ())])

    def contacts(self) -> Iterator[Contact]:
        """The merged contacts, in the order their emails first appeared (built lazily)."""
        for key, record in self._records.items():
            yield self._contact(key, record)

    def rebind(self, real: Mapping[CustomField, CustomField]) -> None:
        """Swap placeholder fields for the fields Kit created (values stay where they are)."""
        self.fields = [real.get(f, f) for f in self.fields]
        self._known = {f: i for i, f in enumerate(self.fields)}

    def discard(self, email: str) -> Contact | None:
        """Take a contact out (a person the run must leave out), returning it if it was there."""
        key = email.casefold()
        record = self._records.get(key)
        if record is None:
            return None
        contact = self._contact(key, record)
        del self._records[key]
        self._more_rows.pop(key, None)
        self.merged -= len(contact.rows) - 1
        self.rows -= len(contact.rows)
        return contact

    def value_count(self) -> int:
        """How many custom field values the contacts will send."""
        sent = self._sent
        return sum(sum(1 for v in self._unpack(record)[3:] if sent(v)) for record in self._records.values())

    def __len__(self) -> int:
        return len(self._records)


def map_rows(rows: Iterable[Row], plan: ColumnPlan) -> Iterator[Contact | Rejection]:
    """Turn each row into a contact or a rejection, one for one and in file order.

    A contact's `fields` hold every mapped cell the row has, stripped, blank ones as "";
    a cell absent from a short row is left out. What a blank means (sent or not, merged or
    not) is `ContactMerger`'s decision alone. Values are sent as they are, however long:
    if Kit refuses one, only that value fails. From a failures CSV fed back in, formula
    prefixes are removed and a row's `extra cells` put back, so it meets the same reason.
    """
    email_at, first_at, fields_at = plan.email, plan.first_name, plan.fields
    width = len(plan.headers)
    extra_at = extra_cells_column(plan.headers) if plan.reimport else None
    for row in rows:  # the hot loop: one pass per row of the file
        if row.problem:
            reason, _, detail = row.problem.partition(": ")
            yield Rejection(row.number, reason, detail)
            continue
        cells = tuple(map(restore, row.cells)) if plan.reimport else row.cells
        if extra_at is not None and extra_at < len(cells) and cells[extra_at]:
            extra = split_extra(cells[extra_at])
            if any(c.strip() for c in extra):
                reason, _, detail = longer_row_problem(len(extra)).partition(": ")
                yield Rejection(row.number, reason, detail)
                continue
        have = len(cells)
        check = check_email(cells[email_at] if email_at < have else "")
        if check.email is None:
            yield Rejection(row.number, check.reason, check.detail)
            continue
        first_name = cells[first_at].strip() if first_at is not None and first_at < have else ""
        if have >= width:
            fields = {kit_field: cells[index].strip() for index, kit_field in fields_at}
        else:  # a short row: the cells it lacks are absent, not blank
            fields = {kit_field: cells[index].strip() for index, kit_field in fields_at if index < have}
        yield Contact(check.email, first_name or None, fields, [row.number])
