"""Names as people type them: loose matching, and one resolver for "a name or a 1-based number".

Columns (`--email-column`, `--field`, `--status-column`) and workbook sheets (`--sheet`) are
chosen the same way, like csvkit's column identifiers: the exact name, then the name loosely
(no case, accents, spaces or punctuation), then its number counted from 1; an unknown one
lists the valid names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from importer.errors import ConfigError


def normalize(name: str) -> str:
    """Fold a header or label for matching: no case, accents, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return re.sub(r"[\W_]+", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


def resolve(names: Sequence[str], wanted: str, *, option: str, kind: str, container: str, listing: str) -> int:
    """The index of the name `wanted` means (exactly, loosely, or by 1-based number), or a ConfigError.

    The error names the option and the missing `kind` in its `container`; its hint is
    `listing` filled with the valid names, quoted, in order.
    """
    for i, name in enumerate(names):
        if name == wanted:
            return i
    folded = wanted.strip().casefold()
    for i, name in enumerate(names):
        if name.strip().casefold() == folded:
            return i
    target = normalize(wanted)
    for i, name in enumerate(names):
        if target and normalize(name) == target:
            return i
    if wanted.strip().isdigit() and 1 <= int(wanted) <= len(names):
        return int(wanted) - 1
    listed = ", ".join(repr(n) for n in names)
    raise ConfigError(f"{option} names a {kind} {wanted!r} that the {container} does not have.",
                      listing.format(listed))
