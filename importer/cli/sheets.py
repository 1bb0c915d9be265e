"""`kit-import sheets`: list a workbook's sheets, numbered for --sheet."""

from __future__ import annotations

from pathlib import Path

import click

from importer.cli.options import SOURCE
from importer.cli.output import friendly_errors
from importer.read.remote import sheets_at


@click.command("sheets")
@click.argument("source", type=SOURCE)
@friendly_errors
def sheets_command(source: Path | str) -> None:
    """List the sheets of a workbook (.xlsx, .xlsm, at a path or an https:// URL), numbered for --sheet.

    Examples:

    \b
        kit-import sheets contacts.xlsx
        kit-import run contacts.xlsx --sheet 2
    """
    for number, name in enumerate(sheets_at(source), start=1):
        click.echo(f"{number}  {name}")
