"""What Kit's bulk endpoints answer, parsed: the items done, the per-item failures, and whether Kit queued it."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from importer.records import KitState

T = TypeVar("T")

# Kit answers a bulk request at once, with per-item failures, only up to 100 items; above that
# it answers `202 {}` and reports to a callback, so kit-import never sends more than this.
BULK_LIMIT = 100


def batched(items: Sequence[T], size: int = BULK_LIMIT) -> Iterator[list[T]]:
    """`items` in lists of `size` (Kit's bulk limit): the one way every bulk request is filled."""
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def batches(count: int, size: int = BULK_LIMIT) -> int:
    """How many bulk requests `count` items fill: what `batched` yields, counted."""
    return math.ceil(count / size)


@dataclass(frozen=True)
class Failure(Generic[T]):
    """One item Kit refused: the item as Kit echoed it (a refused subscriber comes back
    without its email) and Kit's messages."""

    item: T
    messages: tuple[str, ...]

    @property
    def text(self) -> str:
        """Kit's messages as one line, or a plain statement that it gave none."""
        return "; ".join(self.messages) or "no reason given"


@dataclass(frozen=True)
class BulkResult(Generic[T]):
    """A bulk answer: the items Kit confirmed, those it refused, and `queued` when Kit answered
    202 (it will process the request later and confirms nothing now)."""

    items: list[T]
    failures: list[Failure[T]]
    queued: bool = False


def parse_bulk(status: int, body: Any, items_key: str, failure_key: str,
               parse: Callable[[dict], T]) -> BulkResult[T]:
    """A bulk answer's `items_key` list and `failures` list (each failure's item under `failure_key`)."""
    if status == 202:
        return BulkResult([], [], queued=True)
    body = body if isinstance(body, dict) else {}
    failures = [Failure(parse(obj(f.get(failure_key))),
                        messages(f.get("errors")))
                for f in dicts(body.get("failures"))]
    return BulkResult([parse(i) for i in dicts(body.get(items_key))], failures)


def obj(value: Any) -> dict[str, Any]:
    """A JSON object from Kit's answer, or an empty one when it is anything else (not trusted)."""
    return value if isinstance(value, dict) else {}


def dicts(items: Any) -> list[dict]:
    """The dict entries of a list from Kit's answer (anything else is ignored, not trusted)."""
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def messages(errors: Any) -> tuple[str, ...]:
    """Kit's `errors` (a list, or now and then one string) as a tuple of strings."""
    if isinstance(errors, list):
        return tuple(str(e) for e in errors)
    return (str(errors),) if errors else ()


def integer(value: Any) -> int | None:
    """An id from Kit's JSON, or None when it is not an integer."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def timestamp(value: Any) -> dt.datetime | None:
    """Kit's ISO 8601 time (with a Z) as an aware datetime; None if it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def state(value: Any) -> KitState | None:
    """A subscriber's state as Kit answered it; None for one Kit's documents do not name."""
    try:
        return KitState(value)
    except ValueError:
        return None


K = TypeVar("K", bound=Hashable)
A = TypeVar("A")
F = TypeVar("F")


@dataclass
class Matched(Generic[A, F]):
    """A bulk answer matched back to the request's items: `done` (item index, Kit's confirmation),
    `failed` (item index, Kit's failure), the failures that named no pending item (`unnamed`: Kit
    nulled the side it did not know), and the items neither confirmed nor failed by name (`left`)."""

    done: list[tuple[int, A]]
    failed: list[tuple[int, F]]
    unnamed: list[F]
    left: list[int]


def match(keys: Sequence[K], answered: Iterable[tuple[K, A]], failures: Iterable[tuple[K, F]]) -> Matched[A, F]:
    """Kit's bulk answer matched to the request's items by key, since Kit answers in any order: each
    confirmation takes one pending item with its key, then each failure that names one fails it. What
    is left (unnamed failures, unconfirmed items) the caller settles by its own rule: by elimination,
    or as not confirmed. The one matcher every bulk stage and undo use (taggings add Kit's count of
    confirmations per subscriber, since Kit confirms a tagging without its tag)."""
    pending: dict[K, list[int]] = {}
    for index, key in enumerate(keys):
        pending.setdefault(key, []).append(index)
    result: Matched[A, F] = Matched([], [], [], [])
    for key, item in answered:
        if pending.get(key):
            result.done.append((pending[key].pop(0), item))
    for key, failure in failures:
        if pending.get(key):
            result.failed.append((pending[key].pop(0), failure))
        else:
            result.unnamed.append(failure)
    result.left = sorted(i for indices in pending.values() for i in indices)
    return result
