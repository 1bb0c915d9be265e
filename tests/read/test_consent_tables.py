"""Every language's consent table, whatever its age: a word for each state, yes and no, headers, opt-out
times and channels; a header whose cells may be words or yes/no reads yes/no by its parts; no name or field
header of a language looks like consent. The languages' own words are tested in their own files."""

from __future__ import annotations

import pytest

from importer.read.consent_vocab import IN_PARTS, OUT_PARTS, WORDS, consent_header
from importer.read.consent_words import LANGUAGES
from importer.read.header_words import LANGUAGES as HEADERS
from importer.read.names import normalize


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.name)
def test_every_language_has_a_table_of_each_kind(language):
    assert all(language.states.get(state) for state in WORDS.values())
    assert language.yes and language.no and language.word_headers and language.email
    assert language.out_headers and language.time_headers and language.in_parts and language.out_parts
    assert {"SMS", "phone", "postal mail"} <= set(language.channels)


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.name)
def test_every_consent_header_whose_cells_may_be_yes_or_no_reads_them(language):
    """A header whose cells may be words or yes/no is read as yes/no by its parts (consent_find._kinds_by_header):
    German `angemeldet` and French `lettre d'information` were not, and their yes/no stopped the run."""
    for header in language.either_headers:
        assert any(part in normalize(header) for part in (*IN_PARTS, *OUT_PARTS)), header


# English names the subscriber's own email and name so; the email column is found first.
SUBSCRIBER_HEADERS = {"Subscriber Email", "Subscriber Name"}


@pytest.mark.parametrize("code", sorted(HEADERS))
def test_no_name_or_field_header_looks_like_consent(code):
    for meaning, headers in HEADERS[code].items():
        for header in set(headers) - SUBSCRIBER_HEADERS:
            assert not consent_header(header), (meaning, header)
