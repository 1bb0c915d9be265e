"""Which Kit a command talks to: the environment's credential and KIT_API_URL, or an
in-process sandbox (--sandbox), and where a refreshed OAuth pair is saved."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from importer.kit import Credential, CredentialKind, KitClient, RefreshGrant
from importer.sandbox import SAMPLE_FIELDS, SAMPLE_FORMS, SAMPLE_SEQUENCES, Sandbox
from importer.settings.declaration import base_url_from_env, credentials_from_env


SANDBOX_AUTH = {kind.value.replace("_", "-"): kind for kind in CredentialKind}  # --sandbox-auth word -> kind
SEEDED = (f"fields {', '.join(SAMPLE_FIELDS)}, the single opt-in form{'s' if len(SAMPLE_FORMS) > 1 else ''} "
          f"{', '.join(SAMPLE_FORMS)} and the sequence{'s' if len(SAMPLE_SEQUENCES) > 1 else ''} "
          f"{', '.join(SAMPLE_SEQUENCES)}")  # what every sandbox starts with


def sandbox_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--sandbox and --sandbox-auth, shared by the commands that talk to Kit; --sandbox-auth typed
    without --sandbox would do nothing, so it is bad usage (exit 2), as settings that cannot go together are."""

    @functools.wraps(command)
    def checked(*args: Any, sandbox: bool, sandbox_auth: str, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        if not sandbox and ctx.get_parameter_source("sandbox_auth") is ParameterSource.COMMANDLINE:
            raise click.UsageError("--sandbox-auth chooses the sandbox's credential, and this command does not use "
                                   "--sandbox. Add --sandbox to rehearse with that credential, or drop --sandbox-auth.")
        return inner(*args, sandbox=sandbox, sandbox_auth=sandbox_auth, **kwargs)

    inner = command
    command = click.option("--sandbox-auth", type=click.Choice(list(SANDBOX_AUTH)),
                           default=CredentialKind.OAUTH.value, show_default=True,
                           help="Which kind of credential to rehearse with in the sandbox (with --sandbox).")(checked)
    return click.option("--sandbox", is_flag=True,
                        help="Use a local Kit emulator (seeded with the sample fields and form) instead of "
                             "Kit.")(command)


@contextmanager
def kit_target(sandbox: bool, sandbox_auth: str, names: dict[str, str] | None = None,
               token_file: Path | None = None) -> Iterator[tuple[Credential, RefreshGrant | None, str, Sandbox | None]]:
    """The credential (and how to refresh it), and the base URL: the environment's, under the
    names a config may give, or an in-process sandbox's."""
    if not sandbox:
        credential, grant = credentials_from_env(names, token_file)
        yield credential, grant, base_url_from_env(), None
        return
    with Sandbox() as emulator:
        emulator.seed_fields(SAMPLE_FIELDS)
        emulator.seed_forms(SAMPLE_FORMS)
        emulator.seed_sequences(SAMPLE_SEQUENCES)
        kind = SANDBOX_AUTH[sandbox_auth]
        credential = Credential(kind, emulator.access_token if kind is CredentialKind.OAUTH else emulator.api_key,
                                "sandbox")
        yield credential, None, emulator.url, emulator


@contextmanager
def sandbox_client(sandbox: bool, sandbox_auth: str) -> Iterator[KitClient | None]:
    """With --sandbox, a client for an in-process sandbox (for as long as the block runs); else
    None, so that the library call reads the environment's credential and KIT_API_URL itself."""
    if not sandbox:
        yield None
        return
    with kit_target(sandbox, sandbox_auth) as (credential, grant, base_url, _):
        yield KitClient(credential, base_url, grant=grant)
