"""propose_config: what `kit-import init` writes, as a library call. It reads the source, plans its
columns against the account's custom fields (when a credential is at hand) and finds its status
columns, and returns the commented TOML config with what it found."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from importer.errors import ConfigError, ImporterError
from importer.kit import KitClient, list_custom_fields
from importer.records import CustomField
from importer.outputs.words import plural
from importer.read.columns import plan_columns
from importer.read.consent_find import detect, sample
from importer.read.remote import open_any
from importer.run import settings_of
from importer.settings.config import config_text
from importer.settings.declaration import Settings, base_url_from_env, credentials_from_env, token_file_for

NO_CREDENTIAL = "No Kit credential set: columns are listed but not matched to Kit's custom fields."


@dataclass
class Proposal:
    """A proposed config: its text, and what it maps (for a one-line summary)."""

    text: str
    output: Path
    email_header: str
    mapped: int  # columns mapped to Kit fields
    status_headers: list[str] = field(default_factory=list)
    left: int = 0  # columns left commented out
    notes: list[str] = field(default_factory=list)  # about reading the file, or Kit not being read

    def summary(self) -> str:
        """`Wrote nightly.toml: email <- 'Email', 3 columns mapped to Kit fields, ...`."""
        statuses = f"{plural(len(self.status_headers), 'status column')}, " if self.status_headers else ""
        return (f"Wrote {self.output}: email <- {self.email_header!r}, {plural(self.mapped, 'column')} mapped to "
                f"Kit fields, {statuses}{self.left} left commented out. Check it, then: "
                f"kit-import run --config {self.output}")


def propose_config(source: Settings | str | Path, *, output: Path | str = Path("nightly.toml"),
                   force: bool = True, client: KitClient | None = None, **options: Any) -> Proposal:
    """The config `kit-import init` writes for `source` (Settings, or a source and its reading and
    column settings as keyword arguments), written to `output` too.

    The account's custom fields are read with `client`, else with the environment's credential
    (at KIT_API_URL); with none set, the columns are listed unmatched and a note says so. An
    `output` that exists is an ImporterError unless `force`; the source is opened first, so that
    a missing source is the mistake named.
    """
    given = settings_of(source, options, "propose_config")
    output = Path(output)
    opened = open_any(given.source, given.load, max_mb=given.max_download_mb, timeout=given.download_timeout)
    try:
        if output.exists() and not force:
            raise ImporterError(f"{output} exists already.", "Pass --force to overwrite it, or --output another path.")
        notes = list(opened.notes)
        kit_fields, known = _kit_fields(client, notes)
        plan = plan_columns(opened.headers, kit_fields, email_column=given.email_column,
                            first_name_column=given.first_name_column, field_specs=given.fields,
                            origins=given.origins, tags_column=given.tags_column)
        found = detect(opened.headers, sample(opened.rows()), exclude={plan.email}, claimed=plan.in_use(),
                       own=given.own_state_words)
        asked = {i: column for i, column in found.unreadable.items() if i not in found.billing}  # billing: not proposed
        unread = [cell for _, _, cells in asked.values() for cell in cells]  # for [state_words] to fill
        statuses = [c.header for c in found.columns] + [header for header, _, _ in asked.values()]
        notes += [f"{found.unreadable[i][0]} looks like a customer's billing status, so it is not proposed as "
                  "state_column; runs stop on it until the config says ignore_status = true, or names it as "
                  "state_column if it is email consent" for i in found.billing]
        text = config_text(given.source, plan, opened.describe(), output,
                           sheet=opened.sheet if given.sheet else None, fields_known=known, given=given,
                           state_columns=statuses, unread_words=unread)
        email_header = opened.headers[plan.email]
    finally:
        opened.close()
    output.write_text(text, encoding="utf-8")
    left = sum(1 for header, _ in plan.ignored if header not in set(statuses))
    return Proposal(text, output, email_header, len(plan.fields), statuses, left, notes)


def _kit_fields(client: KitClient | None, notes: list[str]) -> tuple[list[CustomField], bool]:
    """The account's custom fields and True, or none and False (with a note) without a credential."""
    if client is None:
        try:
            credential, grant = credentials_from_env(token_file=token_file_for({}, None, None))
        except ConfigError:
            notes.append(NO_CREDENTIAL)
            return [], False
        client = KitClient(credential, base_url_from_env(), grant=grant)
    return list_custom_fields(client), True
