"""One resolver for "a name or a 1-based number": columns and sheets alike."""

from __future__ import annotations

import pytest

from importer.errors import ConfigError
from importer.read.names import normalize, resolve

SHEETS = ["Notes", "People", "people (old)"]


def pick(wanted: str) -> int:
    return resolve(SHEETS, wanted, option="--sheet", kind="sheet", container="workbook", listing="Choose one of: {}.")


@pytest.mark.parametrize("wanted, index", [
    ("People", 1), ("  PEOPLE ", 1), ("people_old", 2), ("3", 2), ("1", 0),
], ids=["exact", "case-and-spaces", "loosely", "number", "first"])
def test_a_name_loosely_or_a_number_from_1(wanted, index):
    assert pick(wanted) == index


def test_an_exact_name_wins_over_a_number_and_a_loose_match():
    assert resolve(["2", "x", "E-mail", "email"], "2", option="--field", kind="column", container="file",
                   listing="{}") == 0
    assert resolve(["E-mail", "email"], "email", option="--field", kind="column", container="file",
                   listing="{}") == 1


@pytest.mark.parametrize("wanted", ["Leads", "0", "4", ""])
def test_an_unknown_name_or_number_names_the_option_and_lists_the_valid_ones(wanted):
    with pytest.raises(ConfigError) as caught:
        pick(wanted)
    assert str(caught.value) == f"--sheet names a sheet {wanted!r} that the workbook does not have."
    assert caught.value.hint == "Choose one of: 'Notes', 'People', 'people (old)'."


def test_normalize_folds_case_accents_spaces_and_punctuation():
    assert normalize(" Prénom_E-Mail ") == "prenomemail"
