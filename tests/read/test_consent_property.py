"""Issue 15's property: for any generated file whose status column marks a person not subscribed, in
any supported language (each in UTF-8 and in its own legacy code page), that person never ends active in
the sandbox, with either credential."""

from __future__ import annotations

import itertools
import time
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from importer import Settings, import_file
from importer.kit import Credential
from importer.read.consent_words import LANGUAGES, Language
from importer.records import KitState

_serial = itertools.count()


def _plain(word: str) -> str:
    """A word as a keyboard without accents types it (Desabonne for Désabonné); Hangul stays whole syllables."""
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFKD", word)
                                                if not unicodedata.combining(c)))


@st.composite
def status_files(draw):
    """A language, a status header of it, and people each given one of its status words, typed any way."""
    language: Language = draw(st.sampled_from(LANGUAGES))
    header = draw(st.sampled_from(language.word_headers))
    people = draw(st.lists(st.tuples(st.sampled_from(list(language.states)), st.booleans()), min_size=1, max_size=8))
    rows = []
    for state, in_kit in people:
        word = draw(st.sampled_from(language.states[state]))
        typed = draw(st.sampled_from([word, word.upper(), word.title(), _plain(word), f" {word} "]))
        rows.append((state, typed, in_kit))
    legacy = LEGACY.get(language.name, "cp1252")
    encoding, delimiter = draw(st.sampled_from([("utf-8-sig", ","), (legacy, ";"), ("utf-8", "\t")]))
    kind = draw(st.sampled_from(["oauth", "api_key"]))
    return language.name, header, rows, encoding, delimiter, kind


# The legacy code page each language's Excel saves in, where it is not cp1252. Detection finds each, unnamed,
# except Korean cp949 and Chinese GBK in a small file, so the run is told (--encoding) as a user would.
LEGACY = {"Polish": "cp1250", "Czech": "cp1250", "Turkish": "cp1254", "Japanese": "cp932", "Hungarian": "cp1250",
          "Romanian": "cp1250", "Greek": "cp1253", "Russian": "cp1251", "Ukrainian": "cp1251", "Korean": "cp949",
          "Chinese": "gbk"}
TOLD = {"cp949", "gbk"}
# cp1250 has Romanian ș and ț only with a cedilla (ş, ţ), as Windows wrote them.
CEDILLA = str.maketrans("șȘțȚ", "şŞţŢ")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status_files())
def test_nobody_a_status_column_marks_not_subscribed_ends_active(sandbox, tmp_path, drawn):
    language, header, rows, encoding, delimiter, kind = drawn
    run = next(_serial)
    emails = [f"p{run}-{i}@example.com" for i in range(len(rows))]
    clock, sandbox.store.clock = sandbox.store.clock, lambda: time.time() - 3600
    for email, (state, _, in_kit) in zip(emails, rows):
        if in_kit and state.opted_out:  # active in Kit already: the file's opt-out must still hold
            sandbox.store.upsert(email, None, set_first_name=False)
    sandbox.store.clock = clock
    lines = [delimiter.join(("Email", header))] + [delimiter.join((e, typed)) for e, (_, typed, _) in zip(emails, rows)]
    path = tmp_path / f"{language}-{run}.csv"
    text = "\r\n".join(lines) + "\r\n"
    path.write_bytes((text.translate(CEDILLA) if encoding == "cp1250" else text).encode(encoding))  # every word fits
    token = sandbox.access_token if kind == "oauth" else sandbox.api_key
    import_file(Settings(source=path, credential=Credential(kind, token), base_url=sandbox.url, rate_limit=100_000,
                         failures=tmp_path / "f.csv", undo=tmp_path / "u.csv",
                         encoding=encoding if encoding in TOLD else None))
    for email, (state, typed, _) in zip(emails, rows):
        if state is not KitState.ACTIVE:
            assert sandbox.store.state_of(email) != "active", (language, header, typed, email)
