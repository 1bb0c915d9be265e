"""Whole names split into a first name and the rest, losing nothing but a leading title."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from importer.read.fullnames import TITLES, Name, first_name_beside, split_name


@pytest.mark.parametrize("cell, first, last", [
    ("Ben Jones", "Ben", "Jones"),
    ("  Ben   Jones ", "Ben", "Jones"),
    ("Jones, Ben", "Ben", "Jones"),
    ("Herr Dr. Hans Müller", "Hans", "Müller"),
    ("Mme Marie Curie", "Marie", "Curie"),
    ("M. Jean Dupont", "Jean", "Dupont"),
    ("Sra. Ana García López", "Ana", "García López"),
    ("Dott.ssa Maria Rossi", "Maria", "Rossi"),
    ("Dhr. Jan van der Berg", "Jan", "van der Berg"),
    ("Mevr. A. de Vries", "A.", "de Vries"),
    ("Exmo. Sr. João Silva", "João", "Silva"),
    ("María de la Cruz", "María", "de la Cruz"),
    ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
    ("van der Berg, Jan", "Jan", "van der Berg"),
    ("Ben Jones Jr.", "Ben", "Jones Jr."),
    ("Ben Jones III", "Ben", "Jones III"),
    ("Ben Jones, Jr.", "Ben", "Jones, Jr."),
    ("Jones, Ben, Jr.", "Ben", "Jones, Jr."),
    ("Jones, Dr. Ben", "Ben", "Jones"),
    ("Ben & Anna Jones", "Ben & Anna", "Jones"),
    ("Ben Jones <ben@example.com>", "Ben", "Jones"),
    ("Mr Smith", "", "Smith"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_a_whole_name_gives_its_first_name_and_the_rest(cell, first, last):
    assert split_name(cell) == Name(first, last)


@pytest.mark.parametrize("cell, first", [
    ("Ben", "Ben"), ("", ""), ("   ", ""), ("ben@example.com", ""), ("Dr.", ""), ("<ben@example.com>", ""),
])
def test_no_rest_means_nothing_to_say_of_the_last_name(cell, first):
    assert split_name(cell) == Name(first, None)


def test_titles_are_data_per_language():
    assert {"en", "de", "fr", "es", "it", "nl", "pt"} <= set(TITLES)
    assert "Don" not in TITLES["es"] and "Lady" not in TITLES["en"]  # also given names: never dropped


@pytest.mark.parametrize("cell, last, first", [
    ("Ben Jones", "Jones", "Ben"),
    ("Jones, Ben", "Jones", "Ben"),
    ("Herr Hans Müller", "müller", "Hans"),
    ("Anna Maria Rossi", "Rossi", "Anna Maria"),
    ("Marco", "Rossi", "Marco"),
    ("Ben Jones", "", "Ben Jones"),  # no last name beside it: whole, nothing lost
    ("Ben Jones", "Smith", "Ben Jones"),
    ("Jones, Ben", "Smith", "Jones, Ben"),
    ("Mr Smith", "Smith", ""),
])
def test_beside_a_last_name_column_the_name_is_never_split_into_it(cell, last, first):
    assert first_name_beside(cell, last) == first


words = st.text(st.characters(categories=("L",)), min_size=1, max_size=8)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(words, min_size=2, max_size=5))
def test_no_word_is_lost_but_a_title(parts):
    cell = " ".join(parts)
    name = split_name(cell)
    kept = f"{name.first} {name.last or ''}".split()
    titles = {t.casefold().rstrip(".") for ts in TITLES.values() for t in ts}
    assert [w for w in cell.split() if w not in kept] == [w for w in cell.split() if w not in kept
                                                          and w.casefold() in titles]
