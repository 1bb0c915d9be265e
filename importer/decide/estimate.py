"""How long a planned import takes: requests at Kit's latency, the concurrency and the rate limit.

A dry run's time estimate. At low volumes the rate limit is not the bound (a rolling window
lets the first `limit` requests go at once): the requests in flight and Kit's answer time are;
past one window's worth, each further window's worth waits for the window to roll.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# Kit's answers take 0.3 to 1.5 s; this is the mean a run meets (see the README's calibration).
MEAN_LATENCY = 0.9


def estimate_seconds(*, reads: int, creations: int, writes: Sequence[int], concurrency: int, limit: int,
                     window: float, latency: float = MEAN_LATENCY) -> float:
    """Seconds a run takes for these requests.

    `reads` (custom fields, account) and `creations` (fields to create) go one after the
    other; `writes` are the stages' request counts (upserts, then values, which wait for the
    upserts that give their ids: one answer's time more), sent `concurrency` at a time, at
    most `limit` per rolling `window` seconds.
    """
    concurrency = max(1, concurrency)
    sequential = (reads + creations) * latency
    total = sum(writes)
    if not total:
        return sequential
    stages = sum(1 for n in writes if n)
    # The first window's budget is shared with the reads and creations sent in the window before
    # the writes (one after the other, so at most a window's worth of answers: a long read of
    # Kit's subscribers has rolled out of the window by the time the writes start).
    recent = min(reads + creations, math.ceil(window / latency))
    first = max(1, limit - recent)
    full = 1 + (total - first - 1) // limit if total > first else 0
    per_window = max(window, limit * latency / concurrency) if full else 0.0
    rest = total - first - (full - 1) * limit if full else total
    return sequential + full * per_window + math.ceil(rest / concurrency) * latency + (stages - 1) * latency
