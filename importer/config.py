"""Settings: everything one import needs, built from flags and the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from importer.errors import ConfigError
from importer.kit import Credential, credential_from_env
from importer.kit.client import DEFAULT_BASE_URL
from importer.loader import LoadOptions

BLANK_POLICIES = ("skip", "clear")


@dataclass
class Settings:
    """One import's settings. The CLI builds one from flags; a Python caller builds it directly."""

    source: Path
    credential: Credential | None = None
    base_url: str = DEFAULT_BASE_URL
    load: LoadOptions = field(default_factory=LoadOptions)
    email_column: str | None = None
    first_name_column: str | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)
    create_missing_fields: bool = False
    blanks: str = "skip"
    failures_path: Path | None = None
    report_path: Path | None = None
    dry_run: bool = False
    rate_limit: int | None = None
    rate_window: float = 60.0
    concurrency: int | None = None

    def __post_init__(self) -> None:
        self.source = Path(self.source)
        if self.blanks not in BLANK_POLICIES:
            raise ConfigError(f"Unknown blanks policy {self.blanks!r}.", "Use 'skip' or 'clear'.")

    @property
    def failures_file(self) -> Path:
        """Where the failures CSV goes: the flag's path, or `<source stem>.failures.csv` here."""
        return self.failures_path or Path(f"{self.source.stem}.failures.csv")


def parse_field_spec(spec: str) -> tuple[str, str]:
    """`COLUMN=Label` -> (column, label); a bare `COLUMN` maps to a field labelled like it."""
    column, sep, label = spec.partition("=")
    column, label = column.strip(), label.strip()
    if not column or (sep and not label):
        raise ConfigError(f"--field {spec!r} is not COLUMN=Label.",
                          'Write it as --field "Postal code=Zip" (or just --field "Postal code").')
    return column, label or column


def parse_rate_limit(text: str) -> tuple[int, float]:
    """`600` (per 60 s) or `600/60` or `100/10s` -> (requests, window seconds)."""
    count, _, window = text.strip().partition("/")
    try:
        requests, seconds = int(count), float(window.rstrip("s") or 60)
    except ValueError:
        requests, seconds = 0, 0.0
    if requests < 1 or seconds <= 0:
        raise ConfigError(f"--rate-limit {text!r} is not REQUESTS or REQUESTS/SECONDS.",
                          "For example --rate-limit 120 or --rate-limit 600/60.")
    return requests, seconds


def require_credential(env: Mapping[str, str] | None = None) -> Credential:
    """The credential from the environment, or a ConfigError saying how to provide one."""
    credential = credential_from_env(os.environ if env is None else env)
    if credential is None:
        raise ConfigError("No Kit credential: set KIT_ACCESS_TOKEN (OAuth, fast bulk import) or KIT_API_KEY.",
                          "Or pass --sandbox to rehearse against the local Kit emulator.")
    return credential


def base_url_from_env(env: Mapping[str, str] | None = None) -> str:
    """KIT_API_URL, or Kit's own API."""
    return ((os.environ if env is None else env).get("KIT_API_URL") or DEFAULT_BASE_URL).strip()
