"""A dry run's figures: the plan against Kit, the consent outcome, the requests and the time a real run needs."""

from __future__ import annotations

import math
from collections import Counter

from importer.decide.estimate import estimate_seconds
from importer.decide.tally import Tally
from importer.decide.unsubscribes import outlook
from importer.kit import KitClient, batches
from importer.outputs.report import RunReport
from importer.outputs.words import plural
from importer.settings.declaration import Settings
from importer.decide.work import Work


def report_plan(report: RunReport, plan: Tally, settings: Settings) -> None:
    """The plan's figures in the report: per column, new and existing subscribers, tags, drift."""
    report.plan_columns = plan.columns()
    report.new_subscribers = len(plan.created)
    report.existing_subscribers = plan.existing
    report.tags_to_add = dict(plan.tags.most_common())
    report.drift_corrected = plan.drift
    for email, why in plan.kept_active:
        report.keep_active(email, why, plan.kept_as.get(email, "cancelled"))
    report.not_reactivated = dict(plan.not_reactivated.most_common())
    if plan.not_opted_in:
        are = "is" if plan.not_opted_in == 1 else "are"
        report.notes.append(f"{plural(plan.not_opted_in, 'subscriber')} active in Kit {are} not opted in in the file "
                            "(pending, no consent): left active, since absence of consent never unsubscribes")


def plan_consent(report: RunReport, settings: Settings, work: Work, kit_plan: Tally | None) -> None:
    """A dry run's consent outcome: new subscribers per state, and who stays active and why (after a read);
    the unsubscribe action counts the unsubscribes to send."""
    states = kit_plan.new_states if kit_plan is not None else outlook(work, settings.consent)[0]
    counted: Counter = Counter()
    for state, n in states.items():  # a blank cell (None) takes the default state: counted with it
        counted[str(state or settings.subscriber_state)] += n
    report.planned_states = dict(counted.most_common())


def planned_requests(client: KitClient, work: Work, creations: int) -> int:
    """Requests a real run needs: what the dry run already read, creations, then the writes."""
    return client.stats.total + creations + sum(_writes(client, work))


def _writes(client: KitClient, work: Work) -> list[int]:
    """The write requests of each stage: upserts and values (OAuth, 100 a request; with an API key one
    upsert per contact carries its values), then each action's."""
    bulk = client.credential.can_bulk
    core = [batches(work.upserts), batches(work.values)] if bulk else [work.single_upserts]
    return core + [action.requests(work.counts[action.name], bulk) for action in work.actions]


def planned_seconds(client: KitClient, work: Work, creations: int, concurrency: int | None) -> float:
    """How long a real run of this plan takes: the requests at Kit's latency, concurrency and rate limit."""
    limiter = client.limiter
    return estimate_seconds(reads=client.stats.total, creations=creations, writes=_writes(client, work),
                            concurrency=concurrency or default_concurrency(client),
                            limit=limiter.limit, window=limiter.window + limiter.pad)


def default_concurrency(client: KitClient, slowest_reply: float = 1.5) -> int:
    """Enough requests in flight to keep the rate limit busy while each takes up to
    `slowest_reply` seconds (Kit's replies take 0.3 to 1.5 s), with a quarter to spare."""
    per_second = client.limiter.requests_per_second
    return max(2, min(256, math.ceil(per_second * slowest_reply * 1.25)))
