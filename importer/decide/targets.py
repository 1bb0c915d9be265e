"""Kit's custom fields for the run's columns: missing ones held as placeholders, created once the run may write."""

from __future__ import annotations

from collections.abc import Sequence

from importer.errors import ConfigError
from importer.kit import KitClient, create_custom_field
from importer.read.columns import LAST_NAME_LABEL, ColumnPlan, closest_labels
from importer.settings.origins import Origins
from importer.records import CustomField


def hold_missing(plan: ColumnPlan, kit_fields: Sequence[CustomField], *, create: bool,
                 origins: Origins = Origins()) -> list[str]:
    """Settle the plan's columns whose label has no Kit field, without a request; returns their labels.

    Without `create`, stop, naming the column and the closest existing labels. With it, each
    column maps to a placeholder field (a negative id) that `create_held` turns into a real
    one once every check that can stop the run has passed: a stopped run writes nothing.
    So does the Last name field a lone name's split feeds, when Kit lacks it.
    """
    split = plan.name_split
    if not plan.missing and not (create and split is not None and split.wanted):
        return []
    if not create:
        lines = []
        for index, label in plan.missing:
            near = closest_labels(label, kit_fields)
            hint = f" (closest: {', '.join(repr(n) for n in near)})" if near else ""
            lines.append(f"column {plan.headers[index]!r} -> {label!r}{hint}")
        raise ConfigError(f"Kit has no custom field for {'; '.join(lines)}, named in {origins.named('fields')}.",
                          f"Fix the label in {origins.named('fields')}, or "
                          f"{origins.advise('create_missing_fields', True)} to create it.")
    labels = [label for _, label in plan.missing]
    plan.fields += [(index, CustomField(-n, "", label)) for n, (index, label) in enumerate(plan.missing, start=1)]
    plan.fields.sort(key=lambda pair: pair[0])
    plan.missing = []
    if split is not None and split.wanted:  # the rest of a lone name gets the field it lacked
        split.to, split.wanted, split.why = CustomField(-len(labels) - 1, "", LAST_NAME_LABEL), False, ""
        labels.append(LAST_NAME_LABEL)
    return labels


def create_held(client: KitClient, plan: ColumnPlan) -> dict[CustomField, CustomField]:
    """Create the fields the plan holds placeholders for; returns each placeholder's real field."""
    real = {f: create_custom_field(client, f.label) for f in plan.kit_fields() if f.id < 0}
    plan.fields = [(index, real.get(f, f)) for index, f in plan.fields]
    if plan.name_split is not None and plan.name_split.to is not None:
        plan.name_split.to = real.get(plan.name_split.to, plan.name_split.to)
    return real
