"""undo_run: `kit-import undo` as a library call. It reads an undo file, takes the run back in Kit
(outputs/undo.py applies the lines), writes the lines Kit refused to a failures CSV, and returns
the report."""

from __future__ import annotations

from pathlib import Path

from importer.errors import ConfigError
from importer.kit import Credential, KitClient, get_account
from importer.decide.freshness import forget_in, state_for, state_note
from importer.outputs.summary import ExitStatus
from importer.outputs.undo import (STATE, UndoReport, delimiter_of, other_account, read_undo, undo_account,
                                   write_undo_failures)
from importer.send.undo import undo
from importer.settings.declaration import FAILURES_SUFFIX, base_url_from_env, credentials_from_env, token_file_for


def undo_run(undo_file: Path | str, *, client: KitClient | None = None, credential: Credential | None = None,
             base_url: str | None = None, dry_run: bool = False, unsubscribe_created: bool = False,
             failures: Path | str | None = None, state: Path | str | None = None) -> UndoReport:
    """Take back the run that saved `undo_file`; with `dry_run`, only say what would be done.

    Kit is reached with `client`, else `credential` at `base_url`, else the environment's, as the
    CLI reads them (KIT_ACCESS_TOKEN or KIT_API_KEY, at KIT_API_URL). Lines Kit refuses go to
    `failures` (default: <undo file>.failures.csv), named in the report's `failures_path`.
    The run memory (`state`, else the state file the run named beside its undo file) forgets what
    it knew of the subscribers taken back, so that the next run compares them afresh and sets
    them again, even when it reads nothing of Kit. Once every line is undone, the note naming that
    state file (`<undo file>.state`) is removed: it has served. A partial undo keeps it, and
    resuming from its failures CSV finds it there and tells the memory again. An undo file that names
    its Kit account is applied only to that account: another credential's is refused (ConfigError)
    before anything is written.
    """
    undo_file = Path(undo_file)
    lines = read_undo(undo_file)
    account = undo_account(undo_file)
    if dry_run:
        report = undo(lines, None, path=str(undo_file), dry_run=True, unsubscribe_created=unsubscribe_created)
    else:
        client = client or _client(credential, base_url)
        if account is not None:  # one request, before anything is written: never undo into another account
            ours = get_account(client).id
            if (why := other_account(undo_file, account, ours)) is not None:
                raise ConfigError(f"{why}: nothing was undone; use the credential of account {account}.")
        report = undo(lines, client, path=str(undo_file), unsubscribe_created=unsubscribe_created)
    named = state_for(undo_file)
    memory = Path(state) if state is not None else named
    if not dry_run and memory is not None and memory.is_file():
        # An unsubscribe is never taken back: the memory keeps what it knows of those it unsubscribed.
        report.memory_forgot = forget_in(memory, {line.email for line in lines if line.what != STATE})
        report.memory = str(memory)
    note, complete = state_note(undo_file), not dry_run and report.exit_status == ExitStatus.OK
    told = named is None or (report.memory is not None and Path(report.memory).resolve() == named.resolve())
    if note is not None and complete and told:
        note.unlink(missing_ok=True)  # the memory it names was told (or is gone); nothing is left to resume
    if report.failed:
        target = Path(failures) if failures else undo_file.with_name(undo_file.name + FAILURES_SUFFIX)
        write_undo_failures(target, report.failed, delimiter_of(undo_file), account)
        report.failures_path = str(target)
    return report


def _client(credential: Credential | None, base_url: str | None) -> KitClient:
    grant = None
    if credential is None:
        credential, grant = credentials_from_env(token_file=token_file_for({}, None, None))
    return KitClient(credential, base_url or base_url_from_env(), grant=grant)
