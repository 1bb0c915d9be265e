"""What the stages share: the run's start by Kit's clock, and a refused request's reason (the chunk size is
Kit's bulk limit, `importer.kit.BULK_LIMIT`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import KitClient
from importer.records import Outcome



def run_start(client: KitClient, started: dt.datetime | None) -> dt.datetime:
    """When the run started by Kit's own clock (its first Date header), so that local clock
    skew cannot make a subscriber created by this run look older than it."""
    return started or client.server_time or dt.datetime.now(dt.timezone.utc)


def created_since(created_at: dt.datetime | None, since: dt.datetime) -> bool:
    """Whether Kit created the subscriber during this run.

    Kit's bulk response does not say created or updated, and a 200 from an upsert after a
    retry may be our own lost first attempt: `created_at` settles both.
    """
    return created_at is not None and created_at >= since


def refuse(outcomes: Iterable[Outcome], error: KitRequestError | KitUnavailableError) -> None:
    """A whole request failed: every contact in it gets the reason."""
    reason = "Kit unavailable" if isinstance(error, KitUnavailableError) else "Kit refused the request"
    detail = "; ".join(error.errors) if isinstance(error, KitRequestError) and error.errors else str(error)
    for outcome in outcomes:
        outcome.fail(reason, detail)
