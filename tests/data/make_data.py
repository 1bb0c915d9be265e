"""Writes the real-world-shaped sample files in this folder (run it to regenerate them).

Each file copies the shape of an export people bring to kit-import: the header sets of
Mailchimp, Kit, Substack, HubSpot and Google Contacts; Excel's encodings and delimiters on
Windows, Mac and European locales; titles above headers, ragged and multi-line rows; and
workbooks with typed, merged, hidden and formula cells. test_real_exports.py states, for
each, the exact contacts and rejections it must give.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent


def text(name: str, content: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(content.encode(encoding))


def main() -> None:
    text("mailchimp_members.csv",
         '"Email Address","First Name","Last Name","Address","Phone Number","MEMBER_RATING","OPTIN_TIME",'
         '"OPTIN_IP","CONFIRM_TIME","CONFIRM_IP","LATITUDE","LONGITUDE","GMTOFF","DSTOFF","TIMEZONE","CC",'
         '"REGION","LAST_CHANGED","LEID","EUID","NOTES","TAGS"\n'
         '"ann.lee@example.com","Ann","Lee","12 Main St  Springfield IL 62701 US","555-0100","2",'
         '"2023-01-05 10:00:00","203.0.113.5","2023-01-05 10:01:00","203.0.113.5","39.78","-89.65","-6","-5",'
         '"America/Chicago","US","IL","2023-06-01 08:00:00","123456789","a1b2c3","",""\n'
         '"bo.chen@example.com","Bo","Chen","","+1 555 0101","4","2022-11-30 21:15:09","198.51.100.7","","",'
         '"","","","","","","","2023-02-11 09:30:00","223456789","d4e5f6","met at conf","""VIP"""\n'
         '"not-an-email","Cy","Young","","","1","","","","","","","","","","","","","323456789","g7h8i9","",""\n')
    text("kit_subscribers_export.csv",
         "email_address,first_name,state,created_at,last_name,company\n"
         "dana@example.com,Dana,active,2023-02-17T11:43:55Z,Scully,FBI\n"
         "fox@example.com,,active,2023-02-18T09:00:00Z,Mulder,\n")
    text("substack_subscribers.csv",
         "email,name,subscription_type,created_at,active_subscription,country\n"
         "reader1@example.com,Ida Wells,free,2024-01-02T03:04:05.000Z,false,US\n"
         "reader2@example.org,,paid,2024-02-03T04:05:06.000Z,true,GB\n"
         "reader1@EXAMPLE.com,Ida B. Wells,paid,2024-03-01T00:00:00.000Z,true,US\n")
    text("hubspot_contacts.csv",
         "Record ID,First Name,Last Name,Email,Phone Number,Company Name,Contact owner,Lead Status,Create Date,City\n"
         "501,Grace,Hopper,grace@example.com,+1 212 555 0199,Navy,Ann Owner,NEW,2024-05-01 10:00,Arlington\n"
         "502,Alan,Turing,,+44 20 7946 0000,Bletchley,Ann Owner,OPEN,2024-05-02 11:00,London\n"
         "503,Ada,Lovelace,ada@example.com,,,Bo Owner,,2024-05-03 12:00,\n")
    text("google_contacts.csv",
         "Name,Given Name,Additional Name,Family Name,Nickname,Birthday,Notes,Group Membership,"
         "E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,Organization 1 - Name\n"
         "Marie Curie,Marie,,Curie,,1867-11-07,,* myContacts,* Home,marie@example.com ::: marie.work@example.org,"
         "Mobile,+33 1 23 45 67 89,Sorbonne\n"
         "Niels Bohr,Niels,,Bohr,,,,* myContacts,,,Mobile,+45 12 34 56 78,\n"
         "Lise Meitner,Lise,,Meitner,,,,* myContacts,* Work,lise@example.at,,,\n")
    text("excel_windows_cp1252.csv",
         "Email,First Name,Last Name,City\n"
         "jose@example.com,José,Muñoz,Sevilla\n"
         "zoe@example.com,Zoë,Brontë,Haworth\n"
         "francois@example.fr,François,Lefèvre,Besançon\n"
         "oyvind@example.no,Øyvind,Sæther,Tromsø\n", "cp1252")
    text("excel_european_semicolon.csv",
         "\ufeffE-Mail;Vorname;Nachname;Betrag;City\n"
         "jurgen@example.de;Jürgen;Groß;12,50;Köln\n"
         "anais@example.fr;Anaïs;Dupré;1.234,00;Orléans\n")
    text("excel_unicode_text.txt",
         "\ufeffEmail Address\tFirst Name\tCompany\n"
         "lukasz@example.pl\tŁukasz\tŻabka Sp. z o.o.\n"
         "aero@example.dk\tÆbbe\tÆrøskøbing Øl\n", "utf-16-le")
    text("utf16_be_bom.csv",
         "\ufeffemail,first_name,city\nkenji@example.jp,健二,東京\nmei@example.cn,美,上海\n", "utf-16-be")
    text("pipe_delimited.txt",
         "email|first_name|company|city\n"
         "pat@example.com|Pat|Pipe & Co|Leeds\n"
         "sam@example.com|Sam||York\n")
    text("libreoffice_tab.tsv",
         "Email\tFirst name\tPostal code\n"
         "li@example.com\tLi\t02134\n"
         "mo@example.com\tMo\t00501\n")
    text("quoted_cells.csv",
         'Email,First Name,Company,Notes\n'
         'quinn@example.com,"Quinn ""Q"" Ray","Smith, Jones & Co","line one\nline two"\n'
         'rae@example.com,Rae,"Comma, Inc","said ""hi""\n\nthen left"\n'
         'sol@example.com,Sol,Plain,\n')
    text("ragged_rows.csv",
         "Email,First Name,Company,City\n"
         "ok@example.com,Ok,Acme,Paris\n"
         "long@example.com,Long,Acme,Paris,EXTRA\n"
         "short@example.com,Short,Acme\n"
         "trailing@example.com,Trail,Acme,Rome,,\n"
         "bare@example.com\n")
    text("title_and_blank_rows.csv",
         "Subscriber export,,,,\n"
         "Generated 2024-06-01 by Example CRM,,,,\n"
         ",,,,\n"
         "Email,First Name,Company,,\n"
         "uma@example.com,Uma,Acme,,\n"
         ",,,,\n"
         "vic@example.com,Vic,,,\n"
         "\n"
         "wes@example.com,Wes,Beta,,\n")
    text("messy_headers.csv",
         "ï»¿ EMAIL ,  first   NAME ,COMPANY,Company,Postal Code \n"
         "xia@example.com,Xia,Acme,Acme Holdings,00123\n"
         "yan@example.com,Yan,,Second,\n")
    text("messy_emails.csv",
         "Email,First Name\n"
         "  Mixed.Case@EXAMPLE.com ,Mia\n"
         "mailto:nick@example.com,Nick\n"
         "Olive Oyl <olive@example.com>,Olive\n"
         "pele@bücher.example,Pelé\n"
         "tom at example.com,Tom\n"
         "una@example,Una\n"
         "van der@example.com,Van\n"
         "two@at@example.com,Two\n"
         ",Nobody\n")
    text("long_cell.csv",
         "Email,First Name,Company\nlong@example.com,Lo," + "x" * 20_000 + "\nfine@example.com,Fi,Ok\n")
    text("empty.csv", "")
    text("header_only.csv", "Email,First Name,Company\n")
    header_only_workbook()
    text("no_email_column.csv", "Name,Phone\nAnn,555-0100\n")

    workbook()
    macro_workbook()


def header_only_workbook() -> None:
    """A nightly "today's sign-ups" workbook on a quiet day: the header row and nothing under it."""
    wb = openpyxl.Workbook()
    wb.active.title = "Sign-ups"
    wb.active.append(["Email", "First Name", "Company"])
    wb.save(HERE / "header_only.xlsx")


def workbook() -> None:
    """Typed cells, a merged title, a vertically merged company, a hidden row, a formula."""
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Read me"
    notes.append(["This workbook lists contacts on the next sheet."])
    ws = wb.create_sheet("Contacts")
    ws.append(["Contact list, June 2024"])
    ws.merge_cells("A1:H1")
    ws.append([])
    ws.append(["Email", "First Name", "Phone Number", "Postal code", "Joined", "Active", "Lead Score", "Company"])
    ws.append(["ray@example.com", "Ray", 15551234567.0, 2134, dt.datetime(2024, 2, 17), True, "=40+2", "Acme"])
    ws.append(["sue@example.com", "Sue", 447700900123, 501, dt.datetime(2024, 3, 1, 9, 30), False, "=7*6", None])
    ws.append(["hid@example.com", "Hid", None, 90210, dt.date(2023, 12, 31), True, 7, "Hidden Ltd"])
    ws.merge_cells("H4:H5")
    for row in (4, 5, 6):
        ws.cell(row, 4).number_format = "00000"
    ws.row_dimensions[6].hidden = True
    path = HERE / "workbook_types.xlsx"
    wb.save(path)
    _cache_formula_values(path, {"40+2": "42", "7*6": "42"})


def _cache_formula_values(path: Path, values: dict[str, str]) -> None:
    """openpyxl writes formulas without the value Excel caches beside them; add it, as Excel would."""
    with zipfile.ZipFile(path) as zin:
        items = {name: zin.read(name) for name in zin.namelist()}
    for name, data in items.items():
        if name.startswith("xl/worksheets/sheet"):
            xml = data.decode()
            for formula, cached in values.items():
                xml = re.sub(rf"<f>{re.escape(formula)}</f>(<v\s*/>|<v></v>)?", f"<f>{formula}</f><v>{cached}</v>", xml)
            items[name] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items.items():
            zout.writestr(name, data)


def macro_workbook() -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Leads"
    wb.active.append(["email_address", "first_name", "company"])
    wb.active.append(["mac@example.com", "Mac", "Macro Corp"])
    wb.save(HERE / "macro_enabled.xlsm")


if __name__ == "__main__":
    main()
