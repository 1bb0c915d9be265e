"""A whole name cell -> its first name and the rest, losing nothing but a leading title.

`Ben Jones` gives `Ben` and `Jones`, `Jones, Ben` gives `Ben` and `Jones`, `Herr Dr. Hans Müller`
gives `Hans` and `Müller`. Everything after the first name stays in the rest, so particles
(`van der Berg`, `de la Cruz`), second given names and suffixes (`Jr.`, `III`) are kept. The
words are data: one table of titles per language, and the suffixes that may follow a comma.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# Titles a name may start with, per language, compared without case or a final dot. Words that
# are also given names (`Don`, `Lady`) are left out: dropping a first name would lose it.
TITLES = {
    "en": ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Sir", "Dame", "Rev", "Revd", "Fr"),
    "de": ("Herr", "Frau", "Fräulein", "Dr", "Prof", "Dipl.-Ing", "Mag"),
    "fr": ("M", "Mme", "Mlle", "Me", "Pr", "Dr"),
    "es": ("Sr", "Sra", "Srta", "Dr", "Dra", "Lic"),
    "it": ("Sig", "Sig.ra", "Sigra", "Sig.na", "Dott", "Dott.ssa", "Dottssa", "Ing", "Avv", "Prof", "Prof.ssa"),
    "nl": ("Dhr", "Mevr", "Mw", "Mr", "Ir", "Drs", "Ing", "Dr", "Prof"),
    "pt": ("Sr", "Sra", "Srta", "Dr", "Dra", "Exmo", "Exma", "Prof", "Profa"),
}
# What may follow a comma without being a given name: `Ben Jones, Jr.` is not `Jr. Ben Jones`.
SUFFIXES = ("Jr", "Sr", "Jnr", "Snr", "II", "III", "IV", "PhD", "MD", "Esq", "MBA", "DDS", "jun", "sen")
# Words joining two given names: `Ben & Anna Jones` is `Ben & Anna` and `Jones`.
JOINERS = ("&", "+", "and", "und", "et", "y", "e", "en")

_TITLES = frozenset(t.casefold().rstrip(".") for titles in TITLES.values() for t in titles)
# The title-cased spellings of the titles ("Dr", "Dr."): a title-cased word not among them is no title,
# found with one lookup (most names are title-cased: this is the per-row path of a split).
_TITLE_CASED = frozenset(t.title() + end for t in _TITLES for end in ("", ".", ","))
_SUFFIXES = frozenset(s.casefold() for s in SUFFIXES)
_JOINERS = frozenset(JOINERS)
_BRACKETED = re.compile(r"<[^<>]*>")


class Name(NamedTuple):
    """A name cell's first name ("" for none) and the rest of the name (None: nothing to say)."""

    first: str
    last: str | None


def _word(token: str) -> str:
    return token.casefold().rstrip(".,")


def _is_title(token: str) -> bool:
    if token.istitle():
        return token in _TITLE_CASED
    return token.casefold().rstrip(".,") in _TITLES


def _drop_titles(tokens: list[str]) -> list[str]:
    """`Herr Dr. Hans Müller` -> `Hans Müller`; a title alone is kept (it is then all the cell says)."""
    if not _is_title(tokens[0]):
        return tokens
    start = 1
    while start < len(tokens) - 1 and _is_title(tokens[start]):
        start += 1
    return tokens[start:] if start < len(tokens) else tokens[-1:]


def _words(cell: str) -> list[str]:
    """A cell's words, less any email address in it (`Ben Jones <ben@example.com>`)."""
    if "@" not in cell:
        return cell.split()
    text = _BRACKETED.sub(" ", cell) if "<" in cell else cell
    return [t for t in text.split() if "@" not in t]


def split_name(cell: str) -> Name:
    """The first name and the rest of a whole name, as written; no name in a blank or email-only cell."""
    tokens = _words(cell)
    if not tokens:
        return Name("", None)
    if "," in cell:
        return _inverted(" ".join(tokens))
    named = _drop_titles(tokens)
    if len(named) == 1:
        if _is_title(named[0]):
            return Name("", None)
        return Name(named[0], None) if len(named) == len(tokens) else Name("", named[0])  # `Mr Smith`
    given = 3 if len(named) > 3 and named[1].casefold() in _JOINERS else 1
    return Name(" ".join(named[:given]), " ".join(named[given:]))


def _inverted(text: str) -> Name:
    """`Jones, Ben` -> Ben, Jones; `Ben Jones, Jr.` is not inverted: its comma only sets off a suffix."""
    parts = [p.strip() for p in text.split(",")]
    suffix: list[str] = []
    while len(parts) > 1 and parts[-1] and all(_word(w) in _SUFFIXES for w in parts[-1].split()):
        suffix.insert(0, parts.pop())
    parts = [p for p in parts if p]
    if len(parts) == 1:  # `Ben Jones, Jr.`: a suffix after the whole name
        first, last = split_name(parts[0])
        return Name(first, ", ".join(p for p in (last, *suffix) if p) or None)
    family, given = parts[0], " ".join(parts[1:])
    given_words = _drop_titles(given.split())
    if len(given_words) == 1 and _is_title(given_words[0]):
        given_words = []
    tail = [w for w in given_words if _word(w) in _SUFFIXES]
    given_words = [w for w in given_words if _word(w) not in _SUFFIXES]
    last = " ".join([family, *tail]) + "".join(f", {s}" for s in suffix)
    return Name(" ".join(given_words), last)


def first_name_beside(cell: str, last_name: str) -> str:
    """The first name in a whole-name cell when another column holds the last name: never split into it.

    `Ben Jones` beside `Jones` is `Ben`, and so is `Jones, Ben`; a cell that does not end with
    that last name is kept whole but for a title (which part is the first name is not known,
    and nothing is lost).
    """
    name = split_name(cell)
    if name.last is None or name.last.casefold() == " ".join(last_name.split()).casefold():
        return name.first
    tokens = _words(cell)
    if "," in cell:
        return " ".join(tokens)
    tokens = _drop_titles(tokens)
    known = [w.casefold() for w in last_name.split()]
    if known and len(tokens) > len(known) and [t.casefold() for t in tokens[-len(known):]] == known:
        tokens = tokens[:-len(known)]
    return " ".join(tokens)
