"""The core stages every run sends, and which ones a credential gets.

With an OAuth token: bulk upserts, then bulk values as soon as the upserts give ids. With
an API key (no bulk access): one upsert per contact, its values in the same request. Each
action (send/actions/) adds its own stages after these.
"""

from __future__ import annotations

import datetime as dt

from importer.kit import KitClient
from importer.records import KitState
from importer.send.stages.base import Stage
from importer.send.stages.single import SingleUpserts
from importer.send.stages.upserts import BulkUpserts
from importer.send.stages.values import BulkValues

__all__ = ["BulkUpserts", "BulkValues", "SingleUpserts", "stages_for"]


def stages_for(client: KitClient, *, started: dt.datetime | None = None,
               new_state: KitState | None = None) -> list[Stage]:
    """The upsert and value stages this client's credential can run, in order: new subscribers are
    created in `new_state` when their row gives none."""
    if client.credential.can_bulk:
        return [BulkUpserts(client, started=started, new_state=new_state), BulkValues(client)]
    return [SingleUpserts(client, started=started, new_state=new_state)]
