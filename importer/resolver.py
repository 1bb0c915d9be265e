"""Asks Kit what it knows: the account's custom fields, and creates missing ones when asked."""

from __future__ import annotations

from collections.abc import Sequence

from importer.errors import ConfigError
from importer.kit import KitClient, create_custom_field, list_custom_fields
from importer.mapping import ColumnPlan, closest_labels
from importer.records import CustomField


fetch_fields = list_custom_fields  # every custom field of the account, read once per run


def resolve_missing(client: KitClient, plan: ColumnPlan, kit_fields: Sequence[CustomField], *,
                    create: bool, dry_run: bool = False) -> list[str]:
    """Settle the plan's columns whose label has no Kit field; returns the labels created.

    Without `create`, stop before anything is written, naming the column and the closest
    existing labels. With `dry_run`, only say what would be created.
    """
    if not plan.missing:
        return []
    if not create:
        lines = []
        for index, label in plan.missing:
            near = closest_labels(label, kit_fields)
            hint = f" (closest: {', '.join(repr(n) for n in near)})" if near else ""
            lines.append(f"column {plan.headers[index]!r} -> {label!r}{hint}")
        raise ConfigError(f"Kit has no custom field for {'; '.join(lines)}.",
                          "Fix the label in --field, or pass --create-missing-fields to create it.")
    labels = [label for _, label in plan.missing]
    if dry_run:
        return labels
    for index, label in plan.missing:
        plan.fields.append((index, create_custom_field(client, label)))
    plan.fields.sort(key=lambda pair: pair[0])
    plan.missing = []
    return labels
