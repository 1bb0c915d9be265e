"""Credentials: which kind, which header, and never shown."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from filelock import FileLock

from importer.errors import ConfigError
from importer.outputs.atomic import atomic_write


class CredentialKind(StrEnum):
    """The two kinds of Kit credential; each has its own header and rate limit."""

    OAUTH = "oauth"
    API_KEY = "api_key"


API_KEY, OAUTH = CredentialKind.API_KEY, CredentialKind.OAUTH  # short names the client uses
# Kit's documented limits per credential: requests per rolling 60 seconds.
RATE_LIMITS = {API_KEY: 120, OAUTH: 600}


@dataclass(frozen=True)
class Credential:
    """A Kit credential. The secret is kept out of repr() so it never reaches a log or traceback."""

    kind: CredentialKind
    secret: str = field(repr=False)
    origin: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", CredentialKind(self.kind))  # "oauth" from a Python caller

    def headers(self) -> dict[str, str]:
        """The auth header Kit expects for this kind of credential."""
        if self.kind == OAUTH:
            return {"Authorization": f"Bearer {self.secret}"}
        return {"X-Kit-Api-Key": self.secret}

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, token_var: str = "KIT_ACCESS_TOKEN",
                 key_var: str = "KIT_API_KEY") -> Credential:
        """The credential the environment holds: the OAuth access token in KIT_ACCESS_TOKEN if set
        (it unlocks bulk requests), else the API key in KIT_API_KEY; a ConfigError saying how to
        set one when neither is. `env` defaults to os.environ."""
        credential = credential_from_env(os.environ if env is None else env, token_var, key_var)
        if credential is None:
            raise ConfigError(f"No Kit credential: set {token_var} (OAuth, fast bulk import) or {key_var}.",
                              "Or pass --sandbox to rehearse against the local Kit emulator.")
        return credential

    @property
    def name(self) -> str:
        """How to name the credential to a user (never its value), with where it came from."""
        kind = "OAuth access token" if self.kind == OAUTH else "API key"
        return f"{kind} ({self.origin})" if self.origin else kind

    @property
    def can_bulk(self) -> bool:
        """Kit's /v4/bulk/* endpoints accept only OAuth tokens."""
        return self.kind == OAUTH

    @property
    def rate_limit(self) -> int:
        """Kit's requests per rolling 60 s for this kind of credential."""
        return RATE_LIMITS[self.kind]


def credential_from_env(env: Mapping[str, str], token_var: str = "KIT_ACCESS_TOKEN",
                        key_var: str = "KIT_API_KEY") -> Credential | None:
    """The OAuth token if set (it unlocks bulk requests), else the API key, else None."""
    token = env.get(token_var, "").strip()
    if token:
        return Credential(OAUTH, token, token_var)
    key = env.get(key_var, "").strip()
    if key:
        return Credential(API_KEY, key, key_var)
    return None


@dataclass
class RefreshGrant:
    """What it takes to renew an OAuth access token: the app's client id (and secret, where the
    app has one) and the current refresh token. Kit's refresh tokens are single-use: each
    refresh returns a new pair, which `TokenFile` saves before it is used."""

    client_id: str
    refresh_token: str = field(repr=False)
    client_secret: str | None = field(default=None, repr=False)
    token_file: TokenFile | None = None


class TokenFile:
    """The latest OAuth token pair on disk: JSON, mode 0600, replaced atomically under a lock.

    A scheduled run starts from it when it exists (it is newer than the environment's pair,
    whose refresh token was used up by an earlier refresh).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> dict | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise ConfigError(f"The token file {self.path} cannot be read ({type(e).__name__}).",
                              "Delete it and set KIT_ACCESS_TOKEN and KIT_REFRESH_TOKEN again.") from None
        return data if isinstance(data, dict) and data.get("access_token") else None

    def save(self, access_token: str, refresh_token: str, expires_in: float | None) -> None:
        """Write the new pair to a 0600 temporary file, fsync it, and move it into place."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"access_token": access_token, "refresh_token": refresh_token,
                "expires_at": time.time() + expires_in if expires_in else None}
        with FileLock(str(self.path) + ".lock"), \
                atomic_write(self.path, encoding="utf-8", permissions=0o600, durable=True) as f:
            json.dump(data, f)


def oauth_from_env(env: Mapping[str, str], names: Mapping[str, str] | None = None,
                   token_file: Path | None = None) -> tuple[Credential, RefreshGrant | None] | None:
    """The OAuth credential and, when a refresh token and client id are set, how to renew it.

    A token file, when it holds a pair, wins over the environment's (see TokenFile).
    """
    names = names or {}
    token_var = names.get("access_token_env", "KIT_ACCESS_TOKEN")
    refresh = env.get(names.get("refresh_token_env", "KIT_REFRESH_TOKEN"), "").strip()
    client_id = env.get(names.get("client_id_env", "KIT_CLIENT_ID"), "").strip()
    secret = env.get(names.get("client_secret_env", "KIT_CLIENT_SECRET"), "").strip() or None
    saved = TokenFile(token_file).load() if token_file else None
    access = (saved or {}).get("access_token") or env.get(token_var, "").strip()
    refresh = (saved or {}).get("refresh_token") or refresh
    if not access and not refresh:
        return None
    origin = token_file.name if saved and token_file else token_var
    grant = RefreshGrant(client_id, refresh, secret, TokenFile(token_file) if token_file else None) \
        if refresh and client_id else None
    return Credential(OAUTH, access or "expired", origin), grant
