"""The `Stage` base class (one kind of Kit request, run by the scheduler), and what the stages share: the
run's start by Kit's clock, and a refused request's reason. The chunk size is Kit's bulk limit,
`importer.kit.BULK_LIMIT`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import KitClient
from importer.records import REASON_KIT_REFUSED, REASON_KIT_UNAVAILABLE, Outcome




class Stage:
    """One kind of Kit request. Subclasses say what a contact needs sent (`items`), how many
    items go in one request (`size`), whether the items need the subscriber id first
    (`needs_id`), how to send a batch (`send`, in a worker thread: one kit/ call, no shared
    state written) and how an answer becomes outcomes (`settle`, in the main thread).

    A stage without `needs_id` gives ids: it settles a contact's `subscriber_id` and status.
    """

    size: int = 1
    needs_id: bool = False

    def items(self, outcome: Outcome) -> list[Any]:
        """What this stage sends for a contact (nothing by default)."""
        return []

    def send(self, batch: list[Any]) -> Any:
        """Send one request for `batch`; a KitRequestError or KitUnavailableError it raises is
        handed to `settle` as the answer, a KitFatalError stops the run."""
        raise NotImplementedError

    def settle(self, batch: list[Any], answer: Any) -> None:
        """Record the answer (a result, or the per-request error) in the batch's outcomes."""
        raise NotImplementedError

    def abandon(self, outcome: Outcome, why: str) -> None:
        """The run stopped before this stage finished `outcome`: record what was not done."""


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
    reason = REASON_KIT_UNAVAILABLE if isinstance(error, KitUnavailableError) else REASON_KIT_REFUSED
    detail = "; ".join(error.errors) if isinstance(error, KitRequestError) and error.errors else str(error)
    for outcome in outcomes:
        outcome.fail(reason, detail)
