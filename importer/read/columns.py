"""Column planning: which column of a file feeds the email, the first name and each Kit field.

Column names are compared case-, space- and punctuation-insensitively, so "E-mail",
"email_address" and " Email Address " all match; the email and first-name columns are
found from the headers that common exports use unless the user names them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from importer.errors import ConfigError
from importer.outputs.failures import carried_columns, is_failures_csv
from importer.read.fullnames import Name, first_name_beside, split_name
from importer.read.consent_signs import ADDRESS_STATES, address_file
from importer.read.header_words import headers_for, synonym_groups, unasked
from importer.read.names import normalize, resolve
from importer.settings.origins import Origins, capitalized
from importer.read.emails import check_email
from importer.records import CustomField, Row

# Normalised header names (see `normalize`) of the email and first-name columns in the
# exports people bring: Mailchimp, Kit, Substack, HubSpot, Google Contacts, Outlook, and
# European locales (importer/read/header_words.py). Order matters: the first match wins.
EMAIL_HEADERS = headers_for("email")
FIRST_NAME_HEADERS = headers_for("first name")
LAST_NAME_HEADERS = frozenset(headers_for("last name"))
# A second address of the same person (Google's `E-mail 2 - Value`): used when the email is blank.
SECOND_EMAIL_HEADERS = headers_for("second email")
# A single name column (Substack's `name`, a form's "Full name") gives the first name when a file
# has no first-name column; the rest of the name goes to Kit's last-name field (see `NameSplit`).
LONE_NAME_HEADERS = frozenset(headers_for("whole name"))
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
# Metadata held back even when the account has a field of that name: what a subscriber's consent
# or tags are read from must never be written as a custom field's value by its name alone.
HELD_BACK_EVEN_IF_NAMED = frozenset((
    "state", "status", "tags", "optintime", "optinip", "confirmtime", "confirmip", "unsubscribedat", "bouncedat",
    "emaildisabled", "activesubscription", "subscriptiontype",
))
# Headers people write for the same thing, grouped: a column whose header is in a group maps to
# an existing Kit field whose label or key is in the same group ("Zip" to "Postal code").
SYNONYMS = synonym_groups()
# A mostly-email column found by its cells when no header names it: this share of its
# non-blank cells among the first `CONTENT_SAMPLE` non-blank rows must be valid addresses.
CONTENT_SAMPLE = 50
CONTENT_SHARE = 0.8
# How many rows below the header are searched for the real header when the one found is a title.
HEADER_LOOKAHEAD = 10
# A column headed like this holds each row's tags (Kit's own importer, Mailchimp's TAGS, Ghost's labels).
TAGS_HEADERS = frozenset(headers_for("tags"))
# Google Contacts' `Labels` are its contact groups, `* myContacts ::: Friends`: not tags.
GOOGLE_GROUPS = re.compile(r"^\* |:::")

# The label of the Kit field created for the rest of a split name (--create-missing-fields).
LAST_NAME_LABEL = "Last name"


@dataclass
class NameSplit:
    """How a lone whole-name column is read: its first name, and where the rest of the name goes.

    `to`: Kit's last-name field, fed the rest (a placeholder while it is to be created);
    `beside`: the file's own last-name column, never split into; neither: the name is sent
    whole, `why` says why (`wanted`: only because Kit lacks the field).
    """

    to: CustomField | None = None
    beside: int | None = None
    why: str = ""
    wanted: bool = False

    def read(self, cells: Sequence[str], at: int) -> Name:
        """The first name and the rest (None: send nothing) of one row's name cell."""
        cell = cells[at] if at < len(cells) else ""
        if self.beside is not None:
            return Name(first_name_beside(cell, cells[self.beside] if self.beside < len(cells) else ""), None)
        if self.to is not None:
            return split_name(cell)
        return Name(cell.strip(), None)


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
    # Columns named like export metadata (Substack's Plan) and like one of the account's fields: mapped.
    metadata_named: set[int] = field(default_factory=set)
    email_by_content: str = ""
    tags: int | None = None  # the column holding each row's tag names
    second_email: int | None = None  # another address of the same person, used when the email is blank
    name_split: NameSplit | None = None  # how the lone name column is read, if there is one

    def in_use(self) -> tuple[int, ...]:
        """The columns the run reads for something other than the email: first name, tags, fields."""
        used = (self.first_name, self.tags, self.second_email, *(i for i, _ in [*self.fields, *self.missing]))
        return tuple(i for i in used if i is not None)

    def describe(self) -> list[str]:
        """Lines saying how each column is used, for the summary and --dry-run."""
        lines = [f"{self.headers[self.email]} -> email" +
                 (f" ({self.email_by_content})" if self.email_by_content else "")]
        if self.second_email is not None:
            lines.append(f"{self.headers[self.second_email]} -> email when {self.headers[self.email]} is blank")
        if self.first_name is not None:
            lines.append(self._first_name_line())
        lines += [f"{self.headers[i]} -> {what}" for i, what in sorted(self.claimed.items())]
        if self.tags is not None:
            lines.append(f"{self.headers[self.tags]} -> tags")
        lines += [f"{self.headers[i]} -> {f.label} ({f.key})" + (", a synonym" if i in self.synonyms else "")
                  + (", named like the account's field (exports also use the name for their own data)"
                     if i in self.metadata_named else "")
                  if f.id >= 0 else f"{self.headers[i]} -> {f.label} (to be created)" for i, f in self.fields]
        lines += [f"{self.headers[i]} -> {label} (to be created)" for i, label in self.missing]
        return lines


    def _first_name_line(self) -> str:
        """How the first-name column is read: `Name -> first name and Last name (split)`."""
        header, split = self.headers[self.first_name], self.name_split  # type: ignore[index]
        if not self.lone_name:
            return f"{header} -> first name"
        if split is None:
            return f"{header} -> first name (no first-name column)"
        if split.beside is not None:
            return f"{header} -> first name (no first-name column; the last name is in {self.headers[split.beside]})"
        if split.to is not None:
            created = f"; {split.to.label} to be created" if split.to.id < 0 else ""
            return f"{header} -> first name and {split.to.label} (split{created})"
        return f"{header} -> first name (no first-name column; sent whole: {split.why})"

    def kit_fields(self) -> list[CustomField]:
        """Every Kit field the run may write: the mapped columns', and the one a split name feeds."""
        split = self.name_split.to if self.name_split is not None else None
        return [f for _, f in self.fields] + ([split] if split is not None else [])


def find_column(headers: Sequence[str], wanted: str, flag: str) -> int:
    """Find a column by its name (loosely matched) or its 1-based number; say which exist if none."""
    return resolve(headers, wanted, option=flag, kind="column", container="file",
                   listing="Columns in the file: {}.")


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
    if (bare := unprefixed(label)) != label:  # Pipedrive's "Person - Last name"
        return match_field(bare, fields)
    return None


def match_synonym(header: str, kit_fields: Iterable[CustomField]) -> CustomField | None:
    """The Kit field whose label or key means what `header` means (Zip: Postal code), if one exists."""
    name, asked = normalize(header), unasked(header)
    group = next((g for g in SYNONYMS if name in g), None) or next((g for g in SYNONYMS if asked in g), None)
    if group is None:
        return match_synonym(bare, kit_fields) if (bare := unprefixed(header)) != header else None
    return next((f for f in kit_fields if normalize(f.label) in group or normalize(f.key) in group), None)


def closest_labels(label: str, kit_fields: Iterable[CustomField], n: int = 3) -> list[str]:
    """Existing labels that look like `label`, for "did you mean" hints."""
    labels = {normalize(f.label): f.label for f in kit_fields}
    return [labels[m] for m in difflib.get_close_matches(normalize(label), list(labels), n=n, cutoff=0.5)]


def plan_columns(headers: Sequence[str], kit_fields: Sequence[CustomField], *,
                 email_column: str | None = None, first_name_column: str | None = None,
                 field_specs: Sequence[tuple[str, str]] = (), claimed: Mapping[int, str] | None = None,
                 samples: Sequence[Row] = (), origins: Origins = Origins(),
                 tags_column: str | None = None, pinned: str | None = None,
                 split_names: bool | None = None) -> ColumnPlan:
    """Decide what each column feeds; explicit choices first, then known export headers.

    With no header naming the email, `samples` (the first data rows) decide it: a row below
    headed like an email column means the header row is wrong, and a column of mostly
    email addresses is the email column. Every ignored column comes with its reason.

    A `--field` whose label has no Kit field lands in `missing`: the resolver creates it or
    stops the run, before anything is written. With `pinned` (the words for a config's [fields]
    table), only the columns it lists are mapped: a scheduled run must not start writing a
    column because Kit gained a field of that name. `claimed` columns are read by another part of
    the run (a status column, say): described as `what` and never mapped to a field.
    `first_name_column="none"` means no first name at all. The tags column is `tags_column`,
    else a column headed `Tags` unless a `--field` maps it. Errors and hints name each
    setting as `origins` says it was given. A lone name column is split (see `NameSplit`)
    unless `split_names` is False, or is None (not given) in a `pinned` run: a scheduled run
    keeps sending it whole until its config says otherwise.
    """
    headers = tuple(headers)
    usable = carried_columns(headers)
    email, by_content = _email_column(headers, usable, email_column, samples, origins)
    claimed = {i: what for i, what in (claimed or {}).items() if i != email}
    first_name, lone_name = _first_name_column(headers, usable, kit_fields, first_name_column, email, claimed,
                                               field_specs, origins)
    plan = ColumnPlan(headers, email, first_name, reimport=is_failures_csv(headers), lone_name=lone_name,
                      claimed={i: what for i, what in claimed.items() if i != first_name},
                      email_by_content=by_content)
    taken = {email} | ({first_name} if first_name is not None else set())
    used_fields: dict[int, int] = {}  # Kit field id -> the column feeding it
    _map_given_fields(plan, kit_fields, field_specs, taken, used_fields, origins)
    plan.tags = _tags_column(headers, usable, tags_column, taken | set(plan.claimed), samples)
    if plan.tags is not None:
        taken.add(plan.tags)
    plan.second_email = _find_known(headers, [i for i in usable if i not in taken and i not in plan.claimed
                                              and match_field(headers[i], kit_fields) is None],
                                    SECOND_EMAIL_HEADERS, exclude=())
    if plan.second_email is not None:
        taken.add(plan.second_email)
    rest = [i for i in usable if i not in taken and i not in plan.claimed]
    synonyms = _map_named_columns(plan, kit_fields, rest, used_fields, pinned, origins)
    _map_synonyms(plan, synonyms, used_fields)
    plan.fields.sort(key=lambda pair: pair[0])
    if lone_name:
        plan.name_split = _name_split(plan, kit_fields, split_names, pinned, origins)
    order = {h: i for i, h in enumerate(headers)}
    plan.ignored.sort(key=lambda pair: order.get(pair[0], 0))
    return plan


def _email_column(headers: tuple[str, ...], usable: Sequence[int], email_column: str | None,
                  samples: Sequence[Row], origins: Origins) -> tuple[int, str]:
    """The email column, as named, by its header, or by its content; and how content decided it."""
    if email_column:
        return find_column(headers, email_column, origins.named("email_column")), ""
    email = _find_known(headers, usable, EMAIL_HEADERS, exclude=())
    if email is not None:
        return email, ""
    return _email_by_content(headers, usable, samples, origins)


def _first_name_column(headers: tuple[str, ...], usable: Sequence[int], kit_fields: Sequence[CustomField],
                       first_name_column: str | None, email: int, claimed: Mapping[int, str],
                       field_specs: Sequence[tuple[str, str]], origins: Origins) -> tuple[int | None, bool]:
    """The first-name column, if any, and whether it holds whole names (to be split)."""
    if first_name_column and first_name_column.strip().casefold() == "none":
        return None, False
    if first_name_column:  # a column headed like a whole name is split as the detected one would be
        named = find_column(headers, first_name_column, origins.named("first_name_column"))
        return named, unasked(headers[named]) in LONE_NAME_HEADERS
    known = _find_known(headers, usable, FIRST_NAME_HEADERS, exclude=(email,))
    if known is not None:
        return known, False
    mapped = {find_column(headers, column, origins.named("fields")) for column, _ in field_specs}
    lone = _lone_name(headers, usable, kit_fields, exclude={email, *claimed, *mapped})
    return lone, lone is not None


def _map_given_fields(plan: ColumnPlan, kit_fields: Sequence[CustomField], field_specs: Sequence[tuple[str, str]],
                      taken: set[int], used_fields: dict[int, int], origins: Origins) -> None:
    """Map each `--field COLUMN=LABEL` into `plan`; a label Kit lacks goes to `plan.missing`."""
    headers = plan.headers
    for column, label in field_specs:
        index = find_column(headers, column, origins.named("fields"))
        if index in taken:
            raise ConfigError(f"{origins.named('fields')} maps column {headers[index]!r}, which is already used as "
                              f"{'the email' if index == plan.email else 'the first-name'} column.",
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


def _map_named_columns(plan: ColumnPlan, kit_fields: Sequence[CustomField], columns: Sequence[int],
                       used_fields: dict[int, int], pinned: str | None,
                       origins: Origins) -> list[tuple[int, CustomField]]:
    """Map each remaining column named like a Kit field, or say why it is ignored; return the
    columns that only a synonym names, to be mapped after every exact name."""
    headers = plan.headers
    synonyms: list[tuple[int, CustomField]] = []
    for index in columns:
        header = headers[index]
        kit_field = match_field(header, kit_fields)
        if normalize(header) in METADATA_HEADERS and (
                kit_field is None or pinned or normalize(header) in HELD_BACK_EVEN_IF_NAMED):
            plan.ignored.append((header, _metadata_reason(header, kit_field, origins, headers)))
        elif pinned and (kit_field is not None or match_synonym(header, kit_fields) is not None):
            plan.ignored.append((header, f"not listed in {pinned}, which says what a scheduled run writes: "
                                         "add it there to import it"))
        elif kit_field is not None and kit_field.id not in used_fields:
            used_fields[kit_field.id] = index
            plan.fields.append((index, kit_field))
            if normalize(header) in METADATA_HEADERS:  # the account's own field of that name: the user's data
                plan.metadata_named.add(index)
        elif kit_field is not None:
            plan.ignored.append((header, f"Kit field {kit_field.label} is fed by "
                                         f"{headers[used_fields[kit_field.id]]}"))
        elif (synonym := match_synonym(header, kit_fields)) is not None:
            synonyms.append((index, synonym))
        elif (twin := match_field(_DUPLICATE.sub("", header), kit_fields)) is not None and twin.id in used_fields:
            plan.ignored.append((header, f"a second column named like Kit field {twin.label}, which is fed by "
                                         f"{headers[used_fields[twin.id]]}"))
        else:
            how = origins.spelled("fields", (header, "Label"))
            plan.ignored.append((header, f"no Kit field matches: map it with {how}"))
    return synonyms


def _map_synonyms(plan: ColumnPlan, synonyms: Sequence[tuple[int, CustomField]], used_fields: dict[int, int]) -> None:
    """Map the columns a synonym names, unless a column named exactly like the field feeds it."""
    for index, kit_field in synonyms:
        if kit_field.id in used_fields:
            plan.ignored.append((plan.headers[index], f"Kit field {kit_field.label} is fed by "
                                                      f"{plan.headers[used_fields[kit_field.id]]}"))
            continue
        used_fields[kit_field.id] = index
        plan.fields.append((index, kit_field))
        plan.synonyms.add(index)


def _is_last_name(label: str) -> bool:
    return normalize(label) in LAST_NAME_HEADERS


def _name_split(plan: ColumnPlan, kit_fields: Sequence[CustomField], split_names: bool | None,
                pinned: str | None, origins: Origins) -> NameSplit:
    """Where the rest of a lone whole name goes: Kit's last-name field, unless the file has its own
    last-name column (then never into it) or splitting is off; the reason when it is sent whole."""
    if split_names is False:
        return NameSplit(why=f"{origins.named('no_split_names')} says so")
    headers, first = plan.headers, plan.first_name
    beside = next((i for i, f in plan.fields if _is_last_name(f.label) or _is_last_name(f.key)), None)
    beside = beside if beside is not None else next((i for i, label in plan.missing if _is_last_name(label)), None)
    if beside is None:
        beside = next((i for i, h in enumerate(headers) if i != first and _is_last_name(h)), None)
    if beside is not None:
        return NameSplit(beside=beside)
    if split_names is None and pinned:
        return NameSplit(why=f"{pinned} says what a scheduled run writes; "
                             f"{origins.advise('no_split_names', False)} to split it into {LAST_NAME_LABEL}")
    lasts = sorted((f for f in kit_fields if _is_last_name(f.label) or _is_last_name(f.key)),
                   key=lambda f: normalize(f.label) != "lastname")
    if lasts:
        return NameSplit(to=lasts[0])
    return NameSplit(why=f"Kit has no {LAST_NAME_LABEL} field for the rest of the name "
                         f"({origins.advise('create_missing_fields', True)} to create one)", wanted=True)


def _tags_column(headers: tuple[str, ...], usable: Sequence[int], tags_column: str | None,
                 taken: set[int], samples: Sequence[Row] = ()) -> int | None:
    """The column of per-row tags: the one named, else the first headed `Tags` or `Labels` that nothing
    else uses, unless its cells are Google Contacts' groups."""
    if tags_column:
        index = find_column(headers, tags_column, "--tags-column")
        if index in taken:
            raise ConfigError(f"--tags-column names column {headers[index]!r}, which is already used "
                              "(as the email, the first name, a --field or the status).",
                              "Name another column, or drop the other use of this one.")
        return index
    return next((i for i in usable if i not in taken and normalize(headers[i]) in TAGS_HEADERS
                 and not any(i < len(row.cells) and GOOGLE_GROUPS.search(row.cells[i]) for row in samples)), None)


# A CRM's entity prefix (Pipedrive's "Person - First name") and the label after an email or phone kind
# ("Person - Email - Work"): dropped before a header is matched, never from the header shown.
_ENTITY = re.compile(r"^\s*(?:person|contact|lead)\s+[-\u2013:]\s+(.+?)\s*$", re.IGNORECASE)
_LABEL = re.compile(r"^(.+?)\s+[-\u2013]\s+(?:work|home|other|main|mobile|personal|primary|private)$", re.IGNORECASE)


def unprefixed(header: str) -> str:
    """The header without a CRM's entity prefix: "Person - Email - Work" gives "Email", "Contact - City"
    gives "City"; a header without one is given back as it is."""
    if not (entity := _ENTITY.match(header)):
        return header
    rest = entity.group(1)
    return label.group(1) if (label := _LABEL.match(rest)) else rest


_DUPLICATE = re.compile(r"\s*\(\d+\)$")  # how the loader renames a repeated header: "Company (2)"


def _metadata_reason(header: str, kit_field: CustomField | None, origins: Origins,
                     headers: Sequence[str] = ()) -> str:
    """Why an export's metadata column is held back, naming the Kit field it is named like. A `State` or
    `Region` beside City and Zip is an address's (TX), and is said so."""
    what = "export metadata"
    if normalize(header) in ADDRESS_STATES and address_file(headers):
        what = "an address's state"
    if kit_field is None:
        return f"{what}: map it with {origins.spelled('fields', (header, 'Label'))}"
    return (f"{what}, though named like the Kit field {kit_field.label}: "
            f"map it with {origins.spelled('fields', (header, kit_field.label))}")


def _email_by_content(headers: Sequence[str], usable: Sequence[int], samples: Sequence[Row],
                      origins: Origins) -> tuple[int, str]:
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
                              f"{capitalized(origins.advise('header_row', row.number))} to read the header from "
                              f"row {row.number}.")
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
                          f"Name it with {origins.written('email_column', 'COLUMN')}.")
    good, total = best_counts
    return best, f"no email header kit-import knows, so its cells decided: {good} of {total} sampled are addresses"


def _lone_name(headers: Sequence[str], usable: Sequence[int], kit_fields: Sequence[CustomField],
               exclude: set[int]) -> int | None:
    """The one column headed like a whole name (not two: which would it be?), unless a Kit field claims it."""
    found = [i for i in usable if i not in exclude and unasked(headers[i]) in LONE_NAME_HEADERS
             and match_field(headers[i], kit_fields) is None]
    return found[0] if len(found) == 1 else None


def _find_known(headers: Sequence[str], usable: Sequence[int], known: Sequence[str],
                exclude: Sequence[int]) -> int | None:
    """The first column headed as `known` says, as written, else put as a form's question."""
    for key in (normalize, unasked, lambda h: normalize(unprefixed(h)), lambda h: unasked(unprefixed(h))):
        keyed = {i: key(headers[i]) for i in usable if i not in exclude}
        for alias in known:
            for i, name in keyed.items():
                if name == alias:
                    return i
    return None
