"""The stages kit-import runs on the scheduler, and which ones a credential gets.

With an OAuth token: bulk upserts, then bulk values as soon as the upserts give ids. With
an API key (no bulk access): one upsert per contact, its values in the same request. Then,
for a run that applies tags, the taggings: 100 a request with OAuth, one by email with an API key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from importer.kit import KitClient, Tag
from importer.scheduler import Stage
from importer.stages.base import CHUNK
from importer.stages.single import SingleUpserts
from importer.stages.taggings import BulkTaggings, SingleTaggings
from importer.stages.upserts import BulkUpserts
from importer.stages.values import BulkValues

__all__ = ["CHUNK", "BulkTaggings", "BulkUpserts", "BulkValues", "SingleTaggings", "SingleUpserts", "stages_for"]


def stages_for(client: KitClient, *, started: dt.datetime | None = None,
               tags: Mapping[str, Tag] | None = None) -> list[Stage]:
    """The stages this client's credential can run, in order; taggings when `tags` (folded name ->
    Kit's tag) is given."""
    if client.credential.can_bulk:
        return [BulkUpserts(client, started=started), BulkValues(client)] + ([BulkTaggings(client, tags)] if tags else [])
    return [SingleUpserts(client, started=started)] + ([SingleTaggings(client, tags)] if tags else [])
