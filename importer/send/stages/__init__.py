"""The stages kit-import runs on the scheduler, and which ones a credential gets.

With an OAuth token: bulk upserts, then bulk values as soon as the upserts give ids. With
an API key (no bulk access): one upsert per contact, its values in the same request. Then,
when asked: the taggings (100 a request with OAuth, one by email with an API key) and form
additions (bulk, or one by email); and, unless --keep-kit-state, unsubscribes (one each).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from importer.decide.unsubscribes import Mode
from importer.kit import Form, KitClient, Tag
from importer.records import KitState
from importer.send.scheduler import Stage
from importer.send.stages.base import CHUNK
from importer.send.stages.forms import BulkFormAdditions, SingleFormAdditions
from importer.send.stages.single import SingleUpserts
from importer.send.stages.taggings import BulkTaggings, SingleTaggings
from importer.send.stages.upserts import BulkUpserts
from importer.send.stages.unsubscribes import Unsubscribes
from importer.send.stages.values import BulkValues

__all__ = ["CHUNK", "BulkFormAdditions", "BulkTaggings", "BulkUpserts", "BulkValues", "SingleFormAdditions",
           "SingleTaggings", "SingleUpserts", "Unsubscribes", "stages_for"]


def stages_for(client: KitClient, *, started: dt.datetime | None = None, new_state: KitState | None = None,
               tags: Mapping[str, Tag] | None = None, form: Form | None = None, referrer: str | None = None,
               consent: Mode = Mode.HONOUR) -> list[Stage]:
    """The stages this client's credential can run, in order: new subscribers are created in
    `new_state` when their row gives none; taggings when `tags` (folded name -> Kit's tag) is
    given; `form` adds its stage; unsubscribes unless `consent` keeps Kit's states."""
    bulk = client.credential.can_bulk
    stages: list[Stage] = [BulkUpserts(client, started=started, new_state=new_state), BulkValues(client)] if bulk \
        else [SingleUpserts(client, started=started, new_state=new_state)]
    if tags:
        stages.append((BulkTaggings if bulk else SingleTaggings)(client, tags))
    if form is not None:
        stages.append((BulkFormAdditions if bulk else SingleFormAdditions)(client, form, referrer))
    if consent is not Mode.KEEP:
        stages.append(Unsubscribes(client, consent))
    return stages
