"""Tag names: from a cell or --tag to clean names, and from names to Kit's tags (created when missing).

A cell holds names split by commas; Mailchimp exports its TAGS column as a quoted list
(`"VIP","Spring 2024"`), whose quotes protect a comma inside a name. Names are trimmed, and
one name is kept per spelling ignoring case (the first spelling met). Kit's tags are matched
by name ignoring case too, and Kit's spelling is the one used for an existing tag.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence

from importer.kit import KitClient, Tag, batched, bulk_create_tags, create_tag, list_tags


def split_tags(cell: str) -> tuple[str, ...]:
    """The tag names in one cell: split on commas (quotes keep a comma inside a name), trimmed,
    blanks dropped, one per name ignoring case."""
    if not cell or not cell.strip():
        return ()
    if '"' not in cell:
        return unique(cell.split(","))
    if cell.count('"') % 2:  # an unbalanced quote protects nothing: plain commas
        return unique(cell.replace('"', "").split(","))
    return unique(next(csv.reader([cell.strip()], skipinitialspace=True), []))


def unique(names: Iterable[str]) -> tuple[str, ...]:
    """Names trimmed (inner runs of spaces kept), blanks dropped, each once ignoring case, in first-seen order."""
    kept: dict[str, str] = {}
    for name in names:
        name = name.strip()
        if name:
            kept.setdefault(name.casefold(), name)
    return tuple(kept.values())


def counted_once(counts: Mapping[str, int], spelling: Callable[[str], str] = str) -> dict[str, int]:
    """Tag counts with each name once ignoring case (`vip` and `VIP` are one tag in Kit), spelt as
    `spelling` says (Kit's, for a tag it has), most counted first."""
    merged: dict[str, int] = {}
    spelt: dict[str, str] = {}
    for name, n in counts.items():
        key = name.strip().casefold()
        spelt.setdefault(key, spelling(name.strip()))
        merged[key] = merged.get(key, 0) + n
    return {spelt[key]: n for key, n in sorted(merged.items(), key=lambda item: -item[1])}


def listed(names: Iterable[str]) -> str:
    """Tag names joined with commas, a name that holds a comma in quotes so that the list reads back."""
    return ", ".join(f'"{name}"' if "," in name else name for name in names)


class TagBook:
    """The tags this run applies: each name (ignoring case) to Kit's tag, or to a placeholder
    until it is created. Creation waits for `create_missing`, after every check that could stop
    the run has passed, so a stopped run creates nothing."""

    def __init__(self, kit_tags: Iterable[Tag], wanted: Iterable[str]) -> None:
        known = {t.name.casefold(): t for t in kit_tags}
        self.tags: dict[str, Tag] = {}
        self.missing: list[str] = []
        self.created: list[str] = []  # the tags Kit confirmed creating, as it spells them, so far
        for name in unique(wanted):
            key = name.casefold()
            if key in known:
                self.tags[key] = known[key]
            else:
                self.missing.append(name)

    @classmethod
    def read(cls, client: KitClient, wanted: Sequence[str]) -> TagBook:
        """Kit's tags, read once (only when the run applies any)."""
        return cls(list_tags(client) if wanted else [], wanted)

    def __getitem__(self, name: str) -> Tag:
        return self.tags[name.casefold()]

    def spelling(self, name: str) -> str:
        """The name as Kit spells it (an existing tag), or as the file first spelt it."""
        tag = self.tags.get(name.casefold())
        return tag.name if tag is not None else name

    def create_missing(self, client: KitClient) -> list[str]:
        """Create the tags Kit lacks: 100 a request with OAuth (Kit's bulk tag creation), else one
        by one; returns their names as Kit spells them."""
        made: dict[str, Tag] = {}

        def confirmed(tag: Tag) -> None:  # counted as Kit answers, so an interrupt loses none Kit created
            if tag.name.casefold() not in made:
                made[tag.name.casefold()] = self.tags[tag.name.casefold()] = tag
                self.created.append(tag.name)

        if client.credential.can_bulk:
            for names in batched(self.missing):
                for tag in bulk_create_tags(client, names).items:
                    confirmed(tag)
        for name in self.missing:
            # Whatever a bulk answer did not confirm (queued, or refused) is created on its own.
            if name.casefold() not in made:
                confirmed(create_tag(client, name))
        created, self.missing = [made[n.casefold()].name for n in self.missing], []
        return created
