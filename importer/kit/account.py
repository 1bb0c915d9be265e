"""The account endpoint: which Kit account a credential belongs to."""

from __future__ import annotations

from dataclasses import dataclass

from importer.kit.client import KitClient
from importer.kit.results import integer


@dataclass(frozen=True)
class Account:
    """A Kit account: its id (0 when Kit gives none) and its name."""

    id: int
    name: str


def get_account(client: KitClient) -> Account:
    """GET /v4/account: the account the credential opens."""
    body = client.get("/v4/account")
    account = body.get("account") if isinstance(body, dict) else None
    account = account if isinstance(account, dict) else {}
    raw = account.get("id")
    number = integer(raw)
    if number is None:
        number = int(raw) if isinstance(raw, str) and raw.isdigit() else 0
    return Account(number, str(account.get("name") or ""))
