"""Real-world-shaped exports (tests/data, made by make_data.py): each gives exactly these
contacts and rejections, is read with the encoding and delimiter a person would expect, and
round-trips through its own failures CSV."""

from __future__ import annotations

import csv
import json
import string
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, EXAMPLES, SAMPLES
from importer import Settings, import_file
from importer.errors import ConfigError, ImporterError, InputError
from importer.outputs.failures import write_failures
from importer.kit import Credential
from importer.read.files import LoadOptions, open_source
from importer.read.contacts import map_rows
from importer.read.columns import plan_columns
from importer.read.merge import ContactMerger
from importer.records import CustomField, Rejection

FIELDS = [CustomField(i + 1, key, label) for i, (key, label) in enumerate([
    ("last_name", "Last name"), ("company", "Company"), ("phone_number", "Phone Number"),
    ("postal_code", "Postal code"), ("city", "City"), ("lead_score", "Lead Score"), ("joined", "Joined"),
    ("active", "Active")])]


@dataclass
class Read:
    """What one file gives: how it was read, its contacts (email, first name, values by label,
    rows) and its rejections (row, message)."""

    read_as: str
    contacts: list[tuple] = field(default_factory=list)
    rejections: list[tuple[int, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    blank_rows: int = 0
    merged: int = 0


def read(name: str, **options) -> Read:
    source = open_source(DATA / name, LoadOptions(**options))
    plan = plan_columns(source.headers, FIELDS)
    merger, rejections = ContactMerger(), []
    for item in map_rows(source.rows(), plan):
        if isinstance(item, Rejection):
            rejections.append((item.row, item.message))
        else:
            merger.add(item)
    contacts = [(c.email, c.first_name, {f.label: v for f, v in c.fields.items()}, c.rows)
                for c in merger.contacts()]
    return Read(source.describe(), contacts, rejections, [h for h, _ in plan.ignored], source.blank_rows,
                merger.merged)


CASES = {
    "mailchimp_members.csv": Read(
        "UTF-8, comma-separated, header on row 1",
        [("ann.lee@example.com", "Ann", {"Last name": "Lee", "Phone Number": "555-0100"}, [2]),
         ("bo.chen@example.com", "Bo", {"Last name": "Chen", "Phone Number": "+1 555 0101"}, [3])],
        [(4, "invalid email: 'not-an-email' is missing an @")],
        ["Address", "MEMBER_RATING", "OPTIN_TIME", "OPTIN_IP", "CONFIRM_TIME", "CONFIRM_IP", "LATITUDE",
         "LONGITUDE", "GMTOFF", "DSTOFF", "TIMEZONE", "CC", "REGION", "LAST_CHANGED", "LEID", "EUID", "NOTES"]),
    "kit_subscribers_export.csv": Read(
        "UTF-8, comma-separated, header on row 1",
        [("dana@example.com", "Dana", {"Last name": "Scully", "Company": "FBI"}, [2]),
         ("fox@example.com", None, {"Last name": "Mulder"}, [3])],
        [], ["state", "created_at"]),
    "substack_subscribers.csv": Read(
        "UTF-8, comma-separated, header on row 1",
        [("reader1@example.com", "Ida", {"Last name": "B. Wells"}, [2, 4]), ("reader2@example.org", None, {}, [3])],
        [], ["subscription_type", "created_at", "active_subscription", "country"], merged=1),
    "hubspot_contacts.csv": Read(
        "UTF-8, comma-separated, header on row 1",
        [("grace@example.com", "Grace", {"Last name": "Hopper", "Phone Number": "+1 212 555 0199",
                                         "Company": "Navy", "City": "Arlington"}, [2]),  # Company Name: a synonym
         ("ada@example.com", "Ada", {"Last name": "Lovelace"}, [4])],
        [(3, "missing email")],
        ["Record ID", "Contact owner", "Lead Status", "Create Date"]),
    "google_contacts.csv": Read(
        "UTF-8, comma-separated, header on row 1",
        [("marie@example.com", "Marie", {"Last name": "Curie", "Phone Number": "+33 1 23 45 67 89"}, [2]),
         ("lise@example.at", "Lise", {"Last name": "Meitner"}, [4])],  # Family Name, Phone 1 - Value: synonyms
        [(3, "missing email")],
        ["Name", "Additional Name", "Nickname", "Birthday", "Notes", "Group Membership",
         "E-mail 1 - Type", "Phone 1 - Type", "Organization 1 - Name"]),
    "excel_windows_cp1252.csv": Read(
        "cp1252, comma-separated, header on row 1",
        [("jose@example.com", "José", {"Last name": "Muñoz", "City": "Sevilla"}, [2]),
         ("zoe@example.com", "Zoë", {"Last name": "Brontë", "City": "Haworth"}, [3]),
         ("francois@example.fr", "François", {"Last name": "Lefèvre", "City": "Besançon"}, [4]),
         ("oyvind@example.no", "Øyvind", {"Last name": "Sæther", "City": "Tromsø"}, [5])]),
    "excel_european_semicolon.csv": Read(
        "UTF-8 with BOM, semicolon-separated, header on row 1",
        [("jurgen@example.de", "Jürgen", {"Last name": "Groß", "City": "Köln"}, [2]),  # Nachname: a synonym
         ("anais@example.fr", "Anaïs", {"Last name": "Dupré", "City": "Orléans"}, [3])],
        [], ["Betrag"]),
    "excel_unicode_text.txt": Read(
        "UTF-16, tab-separated, header on row 1",
        [("lukasz@example.pl", "Łukasz", {"Company": "Żabka Sp. z o.o."}, [2]),
         ("aero@example.dk", "Æbbe", {"Company": "Ærøskøbing Øl"}, [3])]),
    "utf16_be_bom.csv": Read(
        "UTF-16, comma-separated, header on row 1",
        [("kenji@example.jp", "健二", {"City": "東京"}, [2]), ("mei@example.cn", "美", {"City": "上海"}, [3])]),
    "pipe_delimited.txt": Read(
        "UTF-8, pipe-separated, header on row 1",
        [("pat@example.com", "Pat", {"Company": "Pipe & Co", "City": "Leeds"}, [2]),
         ("sam@example.com", "Sam", {"City": "York"}, [3])]),
    "libreoffice_tab.tsv": Read(
        "UTF-8, tab-separated, header on row 1",
        [("li@example.com", "Li", {"Postal code": "02134"}, [2]),
         ("mo@example.com", "Mo", {"Postal code": "00501"}, [3])]),
    "quoted_cells.csv": Read(
        "UTF-8, comma-separated, header on row 1",
        [("quinn@example.com", 'Quinn "Q" Ray', {"Company": "Smith, Jones & Co"}, [2]),
         ("rae@example.com", "Rae", {"Company": "Comma, Inc"}, [3]),
         ("sol@example.com", "Sol", {"Company": "Plain"}, [4])],
        [], ["Notes"]),
    "ragged_rows.csv": Read(
        "UTF-8, comma-separated, header on row 1",
        [("ok@example.com", "Ok", {"Company": "Acme", "City": "Paris"}, [2]),
         ("short@example.com", "Short", {"Company": "Acme"}, [4]),  # short rows import: City is absent
         ("trailing@example.com", "Trail", {"Company": "Acme", "City": "Rome"}, [5]),
         ("bare@example.com", None, {}, [6])],
        [(3, "ragged row: 1 cell more than the header")]),
    "title_and_blank_rows.csv": Read(
        "UTF-8, comma-separated, header on row 4",
        [("uma@example.com", "Uma", {"Company": "Acme"}, [5]), ("vic@example.com", "Vic", {}, [7]),
         ("wes@example.com", "Wes", {"Company": "Beta"}, [9])], blank_rows=2),
    "messy_headers.csv": Read(
        "UTF-8, comma-separated, header on row 1",
        [("xia@example.com", "Xia", {"Company": "Acme", "Postal code": "00123"}, [2]),
         ("yan@example.com", "Yan", {}, [3])],
        [], ["Company (2)"]),
    "messy_emails.csv": Read(
        "UTF-8, comma-separated, header on row 1",
        [("Mixed.Case@example.com", "Mia", {}, [2]), ("nick@example.com", "Nick", {}, [3]),
         ("olive@example.com", "Olive", {}, [4]), ("pele@xn--bcher-kva.example", "Pelé", {}, [5])],
        [(6, "invalid email: 'tom at example.com' is missing an @"),
         (7, "invalid email: 'una@example': the domain has no dot"),
         (8, "invalid email: 'van der@example.com' contains spaces"),
         (9, "invalid email: 'two@at@example.com' has more than one @"),
         (10, "missing email")]),
    "long_cell.csv": Read(
        "UTF-8, comma-separated, header on row 1",
        [("long@example.com", "Lo", {"Company": "x" * 20_000}, [2]),  # sent as it is: Kit states no limit
         ("fine@example.com", "Fi", {"Company": "Ok"}, [3])]),
    "macro_enabled.xlsm": Read(
        "sheet 'Leads', header on row 1",
        [("mac@example.com", "Mac", {"Company": "Macro Corp"}, [2])]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_export_gives_exactly_its_contacts_and_rejections(name):
    assert read(name) == CASES[name]


def test_mailchimps_tags_column_gives_each_contact_its_tags():
    source = open_source(DATA / "mailchimp_members.csv", LoadOptions())
    plan = plan_columns(source.headers, FIELDS)
    assert "TAGS -> tags" in plan.describe()
    tags = {c.email: c.tags for c in map_rows(source.rows(), plan) if not isinstance(c, Rejection)}
    assert tags == {"ann.lee@example.com": (), "bo.chen@example.com": ("VIP",)}


def test_workbook_cells_read_as_shown_with_merged_hidden_and_formula_cells():
    got = read("workbook_types.xlsx", sheet="Contacts")
    assert got.read_as == "sheet 'Contacts', header on row 3"
    assert got.contacts == [
        ("ray@example.com", "Ray", {"Phone Number": "15551234567", "Postal code": "02134", "Joined": "2024-02-17",
                                    "Active": "TRUE", "Lead Score": "42", "Company": "Acme"}, [4]),
        ("sue@example.com", "Sue", {"Phone Number": "447700900123", "Postal code": "00501",
                                    "Joined": "2024-03-01 09:30:00", "Active": "FALSE", "Lead Score": "42",
                                    "Company": "Acme"}, [5]),  # Company merged down from row 4
        ("hid@example.com", "Hid", {"Postal code": "90210", "Joined": "2023-12-31", "Active": "TRUE",
                                    "Lead Score": "7", "Company": "Hidden Ltd"}, [6]),  # a hidden row
    ]
    assert read("workbook_types.xlsx", sheet="2") == got


@pytest.mark.parametrize("name, error, message", [
    ("empty.csv", InputError, "is empty (0 bytes)"),
    ("no_email_column.csv", ConfigError, "No email column found among the file's columns: 'Name', 'Phone'."),
], ids=["zero-bytes", "no-email-column"])
def test_files_that_cannot_be_imported_say_so(name, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        read(name)


def test_header_only_file_has_no_rows():
    assert list(open_source(DATA / "header_only.csv").rows()) == []


@pytest.mark.parametrize("name", [n for n, case in CASES.items() if case.rejections])
def test_a_failures_csv_fed_back_gives_the_same_rejections(tmp_path, name):
    source = open_source(DATA / name)
    first = read(name)
    rows = list(source.rows())
    path = tmp_path / "failures.csv"
    write_failures(path, source.headers, rows, {row: [message] for row, message in first.rejections},
                   extra_column=source.long_rows > 0)
    again = open_source(path)
    plan = plan_columns(again.headers, FIELDS)
    rejections = [r for r in map_rows(again.rows(), plan) if isinstance(r, Rejection)]
    assert [r.message for r in rejections] == [message for _, message in first.rejections]
    with path.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.DictReader(f))
    assert [(int(r["row"]), r["error"]) for r in lines] == first.rejections
    assert all(None not in r for r in lines)  # no cell beyond the header's columns


# --- properties ----------------------------------------------------------------------------

def account(sandbox, path) -> dict:
    """Import a file into the sandbox; return the report JSON the run wrote, whatever its exit."""
    report_path = path.with_suffix(".report.json")
    report_path.unlink(missing_ok=True)
    settings = Settings(source=path, credential=Credential("oauth", sandbox.access_token), base_url=sandbox.url,
                        email_column="1", failures=path.with_suffix(".failures.csv"), report=report_path,
                        rate_limit=100_000)
    try:
        import_file(settings)
    except ImporterError:
        pass
    return json.loads(report_path.read_text())


def accounted(report: dict) -> bool:
    return report["rows_read"] == report["rows_imported"] + report["rows_rejected"] + report["rows_skipped"]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash_and_every_row_is_accounted_for(sandbox, tmp_path, data):
    path = tmp_path / "random.csv"
    path.write_bytes(data)
    report = account(sandbox, path)
    assert accounted(report), report
    assert report["exit_status"] in (0, 1, 3)


cell = st.one_of(st.sampled_from(["", " ", "a@example.com", "A@EXAMPLE.com", "b@example.org", "x@", "Zoë",
                                  '"', ",", ";", "\n", "=1+1", "mailto:c@example.com"]),
                 st.text(alphabet=string.printable + "éß€\u2028", max_size=12))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cell, min_size=0, max_size=5), min_size=1, max_size=25),
       st.sampled_from([",", ";", "\t", "|"]), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_random_csv_structures_are_read_and_every_row_accounted_for(sandbox, tmp_path, rows, delimiter, encoding):
    path = tmp_path / "structured.csv"
    with path.open("w", encoding=encoding, errors="replace", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(["Email", "First Name", "Company"])
        writer.writerows(rows)
    report = account(sandbox, path)
    assert accounted(report), report
    assert report["exit_status"] in (0, 3)  # short and long rows alike: never a failed run
    if open_source(path).delimiter == delimiter:  # (random cells can make another delimiter fit better)
        # each written record is one row: read, blank, or a footer line below the data
        assert report["rows_read"] + report["blank_rows"] + report["footer_rows"] == len(rows)
    if report["failures_path"]:
        with open(report["failures_path"], encoding="utf-8-sig", newline="") as f:
            lines = list(csv.DictReader(f, delimiter=";" if open_source(path).delimiter == ";" else ","))
        assert len(lines) == report["rows_rejected"]
        assert all(None not in line and line["row"].isdigit() and line["error"] for line in lines)


ACCOUNTED_FILES = sorted(p for p in [*DATA.iterdir(), *SAMPLES.iterdir()] if p.suffix in (".csv", ".tsv", ".txt",
                                                                                          ".xlsx", ".xlsm"))


@pytest.mark.parametrize("path", ACCOUNTED_FILES, ids=[p.name for p in ACCOUNTED_FILES])
def test_every_row_of_every_sample_file_is_accounted_for(sandbox, tmp_path, path):
    report_path = tmp_path / "report.json"
    settings = Settings(source=path, credential=Credential("oauth", sandbox.access_token), base_url=sandbox.url,
                        failures=tmp_path / "failures.csv", report=report_path,
                        sheet="Contacts" if path.name == "workbook_types.xlsx" else None)
    try:
        import_file(settings)
    except ImporterError:
        pass
    report = json.loads(report_path.read_text())
    assert accounted(report), report
    assert (report["exit_status"] == 1) == (path.name in ("empty.csv", "no_email_column.csv"))
    assert report["rows_imported"] >= report["imported"]  # merged duplicate rows make one contact
