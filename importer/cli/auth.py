"""`kit-import auth`: authorize kit-import once in a browser (OAuth with PKCE)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from importer.cli.output import friendly_errors
from importer.errors import ConfigError
from importer.kit.oauth import authorize
from importer.settings.declaration import base_url_from_env


def refuse_credential_flag(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """`auth --client-id/--client-secret` were dropped: say to use the environment instead."""
    if value is not None:
        raise click.UsageError("kit-import auth takes the app's client id and secret only from the environment, "
                               "which shell history and `ps` do not show: set KIT_CLIENT_ID (and KIT_CLIENT_SECRET "
                               "if the app has one) instead of passing --client-id or --client-secret.", ctx)


@click.command("auth")
@click.option("--port", type=click.IntRange(1024, 65535), default=8765, show_default=True,
              help="Loopback port for Kit's redirect: add http://127.0.0.1:PORT/callback to the app's redirect URIs.")
@click.option("--token-file", type=click.Path(path_type=Path, dir_okay=False), default=Path("kit-import.tokens.json"),
              show_default=True, help="Where to save the token pair (a config's token_file, or beside its state).")
@click.option("--no-browser", is_flag=True, help="Only print the address to open.")
@click.option("--client-id", "--client-secret", "dropped", hidden=True, expose_value=False, is_eager=True,
              callback=refuse_credential_flag)
@friendly_errors
def auth_command(port: int, token_file: Path, no_browser: bool) -> None:
    """Authorize kit-import once in a browser (OAuth with PKCE) and save the token pair.

    The app's client id comes from KIT_CLIENT_ID and its secret, if it has one, from
    KIT_CLIENT_SECRET: only the environment, never a flag, which shell history and `ps`
    would show. Scheduled runs then read the pair from the token file and, with
    KIT_CLIENT_ID set, renew it themselves.

    Examples:

    \b
        KIT_CLIENT_ID=abc123 kit-import auth
        kit-import auth --no-browser --token-file /var/lib/kit-import/tokens.json
    """
    import webbrowser

    client_id = os.environ.get("KIT_CLIENT_ID", "").strip()
    if not client_id:
        raise ConfigError("KIT_CLIENT_ID is not set.",
                          "Set it to your Kit app's client id (Settings, Developer), and KIT_CLIENT_SECRET if the app "
                          "has a secret; against `kit-import sandbox`, use the client id it prints.")
    client_secret = os.environ.get("KIT_CLIENT_SECRET", "").strip() or None

    def show(url: str) -> None:
        click.echo(f"Open this address and approve kit-import (waiting for Kit's answer on 127.0.0.1:{port}):\n{url}")
        if not no_browser:
            webbrowser.open(url)

    authorize(client_id, base_url_from_env(), token_file, open_url=show, client_secret=client_secret, port=port)
    click.echo(f"Saved the token pair to {token_file} (mode 0600). Scheduled runs read it from there; keep "
               "KIT_CLIENT_ID set so they can renew it.")
