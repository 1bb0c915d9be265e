"""Credentials: which kind, which header, and never shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

API_KEY = "api_key"
OAUTH = "oauth"
# Kit's documented limits per credential: requests per rolling 60 seconds.
RATE_LIMITS = {API_KEY: 120, OAUTH: 600}


@dataclass(frozen=True)
class Credential:
    """A Kit credential. The secret is kept out of repr() so it never reaches a log or traceback."""

    kind: Literal["api_key", "oauth"]
    secret: str = field(repr=False)
    origin: str = ""

    def headers(self) -> dict[str, str]:
        """The auth header Kit expects for this kind of credential."""
        if self.kind == OAUTH:
            return {"Authorization": f"Bearer {self.secret}"}
        return {"X-Kit-Api-Key": self.secret}

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
