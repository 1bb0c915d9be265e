"""The stages kit-import runs on the scheduler, and which ones a credential gets.

With an OAuth token: bulk upserts, then bulk values as soon as the upserts give ids. With
an API key (no bulk access): one upsert per contact, its values in the same request.
"""

from __future__ import annotations

import datetime as dt

from importer.kit import KitClient
from importer.scheduler import Stage
from importer.stages.base import CHUNK
from importer.stages.single import SingleUpserts
from importer.stages.upserts import BulkUpserts
from importer.stages.values import BulkValues

__all__ = ["CHUNK", "BulkUpserts", "BulkValues", "SingleUpserts", "stages_for"]


def stages_for(client: KitClient, *, started: dt.datetime | None = None) -> list[Stage]:
    """The stages this client's credential can run, in order."""
    if client.credential.can_bulk:
        return [BulkUpserts(client, started=started), BulkValues(client)]
    return [SingleUpserts(client, started=started)]
