"""`kit-import init`: inspect a file and write a commented config for a scheduled import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from importer.cli.options import SOURCE, given_on_command_line, setting_options, settings_from
from importer.cli.output import friendly_errors, say
from importer.cli.target import kit_target, sandbox_options, token_file_for
from importer.errors import ConfigError, ImporterError
from importer.kit import KitClient, list_custom_fields
from importer.outputs.words import plural
from importer.read.columns import plan_columns
from importer.read.consent_find import detect, sample
from importer.read.remote import open_any
from importer.settings.config import propose_config
from importer.settings.declaration import Group


@click.command("init")
@click.argument("source", type=SOURCE)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), default=Path("nightly.toml"),
              show_default=True, help="Where to write the config.")
@setting_options(Group.READ)
@setting_options(Group.COLUMNS)
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@sandbox_options
@friendly_errors
def init_command(source: Path, output: Path, force: bool, sandbox: bool, sandbox_auth: str, **options: Any) -> None:
    """Inspect SOURCE and write a commented TOML config for a scheduled import.

    It proposes the detected email and first-name columns, maps the columns that match
    the account's custom fields (read with the credential, if one is set), and lists the
    other columns commented out. The reading and column options given are written into it.

    Examples:

    \b
        kit-import init contacts.csv
        kit-import init contacts.xlsx --sheet Leads --output leads.toml
        kit-import init contacts.csv --sandbox --force
    """
    given = settings_from({}, given_on_command_line(options), source=source)
    opened = open_any(source, given.load, max_mb=given.max_download_mb,
                      timeout=given.download_timeout)  # first: a missing source is the mistake to name
    if output.exists() and not force:
        opened.close()
        raise ImporterError(f"{output} exists already.", "Pass --force to overwrite it, or --output another path.")
    for note in opened.notes:
        say(f"Note: {note}")
    kit_fields, known = [], False
    try:
        with kit_target(sandbox, sandbox_auth, token_file=token_file_for({}, None, None)) as (credential, grant,
                                                                                             base_url, _):
            try:
                kit_fields, known = list_custom_fields(KitClient(credential, base_url, grant=grant)), True
            except ConfigError as e:  # a wrong KIT_API_URL: not the missing credential below
                raise ImporterError(str(e), e.hint) from None
    except ConfigError:
        say("No Kit credential set: columns are listed but not matched to Kit's custom fields.")
    plan = plan_columns(opened.headers, kit_fields, email_column=given.email_column,
                        first_name_column=given.first_name_column, field_specs=given.fields, origins=given.origins,
                        tags_column=given.tags_column)
    found = detect(opened.headers, sample(opened.rows()), exclude={plan.email}, claimed=plan.in_use(),
                   own=given.own_state_words)
    unread = [cell for _, said in found.unreadable.values() for cell in said]  # for [state_words] to fill in
    statuses = [c.header for c in found.columns] + [header for header, _ in found.unreadable.values()]
    output.write_text(propose_config(source, plan, opened.describe(), output,
                                     sheet=opened.sheet if given.sheet else None, fields_known=known, given=given,
                                     state_columns=statuses, unread_words=unread),
                      encoding="utf-8")
    status_headers = set(statuses)
    left = sum(1 for header, _ in plan.ignored if header not in status_headers)
    click.echo(f"Wrote {output}: email <- {opened.headers[plan.email]!r}, "
               f"{plural(len(plan.fields), 'column')} mapped to "
               f"Kit fields, " + (f"{plural(len(status_headers), 'status column')}, " if status_headers else "") +
               f"{left} left commented out. Check it, then: "
               f"kit-import run --config {output}")
