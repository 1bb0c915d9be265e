"""`kit-import fields`: list the account's custom fields."""

from __future__ import annotations

import click

from importer.cli.output import friendly_errors
from importer.cli.target import kit_target, sandbox_options
from importer.settings.declaration import token_file_for
from importer.kit import KitClient, list_custom_fields


@click.command("fields")
@sandbox_options
@friendly_errors
def fields_command(sandbox: bool, sandbox_auth: str) -> None:
    """List the account's custom fields: id, key and label.

    Examples:

    \b
        kit-import fields
        kit-import fields --sandbox
    """
    with kit_target(sandbox, sandbox_auth, token_file=token_file_for({}, None, None)) as (credential, grant,
                                                                                         base_url, _):
        client = KitClient(credential, base_url, grant=grant)
        found = list_custom_fields(client)
    if not found:
        click.echo("The account has no custom fields.")
        return
    width = max(len(f.key) for f in found)
    click.echo(f"{'id':>8}  {'key':<{width}}  label")
    for f in found:
        click.echo(f"{f.id:>8}  {f.key:<{width}}  {f.label}")
