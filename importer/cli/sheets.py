"""`kit-import sheets`: list a workbook's sheets, numbered for --sheet."""

from __future__ import annotations

from pathlib import Path

import click

from importer.cli.output import friendly_errors
from importer.read.files import list_sheets


@click.command("sheets")
@click.argument("source", type=click.Path(path_type=Path))
@friendly_errors
def sheets_command(source: Path) -> None:
    """List the sheets of a workbook (.xlsx, .xlsm), numbered for --sheet.

    Examples:

    \b
        kit-import sheets contacts.xlsx
        kit-import run contacts.xlsx --sheet 2
    """
    for number, name in enumerate(list_sheets(source), start=1):
        click.echo(f"{number}  {name}")
