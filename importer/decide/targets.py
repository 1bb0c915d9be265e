"""Asks Kit what it knows: the account's custom fields (creating missing ones when asked) and its forms."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from importer.errors import ConfigError
from importer.kit import Form, KitClient, create_custom_field, list_forms
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


def resolve_form(client: KitClient, wanted: str) -> Form:
    """The account's form named `wanted` (its name, ignoring case, or its id), read with one GET
    before anything is written; a ConfigError naming the closest forms when there is none."""
    forms = list_forms(client)
    text = wanted.strip()
    for form in forms:
        if text.isdigit() and form.id == int(text):
            return form
    named = [f for f in forms if f.name.strip().casefold() == text.casefold()]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        ids = ", ".join(str(f.id) for f in named)
        raise ConfigError(f"Kit has {len(named)} forms named {text!r} (ids {ids}).", "Give the form's id in --form.")
    names = {f.name.casefold(): f for f in forms}
    near = [names[n] for n in difflib.get_close_matches(text.casefold(), list(names), n=3, cutoff=0.4)]
    if not forms:
        raise ConfigError(f"Kit has no form {text!r}: the account has no forms.",
                          "Create the form in Kit first, or leave out --form.")
    shown = near or forms[:5]
    which = "closest" if near else "some of the account's forms"
    listed = ", ".join(f"{f.name!r} (id {f.id})" for f in shown)
    raise ConfigError(f"Kit has no form {text!r} ({which}: {listed}).", "Fix the name in --form, or give its id.")
