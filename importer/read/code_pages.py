"""Which legacy code page a file that is not Unicode was saved in, decided by evidence.

Excel saves a CSV in the Windows code page of the computer: cp1252 in Western Europe and the
Americas, cp1250 in Central Europe, cp1254 in Turkey, cp1257 in the Baltics, cp1251 where
Cyrillic is written, cp932 in Japan, cp1253 in Greece. The same bytes read differently in each,
so a sample of the file (never each row) is read once per candidate and each reading is judged:

1. its words that kit-import knows: a header or consent word with a letter beyond ASCII, from
   the header and consent word tables (`Imię` reads as `Imiê` in cp1252, which no table has);
2. how implausible its words are: a symbol inside a word (`£ukasz`, `Micha³`), a capital inside
   a lower-case word (`WoŸniak`), letters that no one language of the code page writes together
   (`Køestní`, `çýktý`), letters of two scripts in one word (`Wiњniewska`). Icelandic's ð, ý and
   þ count half, and cp1252 keeps a file unless another reading is better by more than that:
   one rare word is no evidence against it;
3. among equals, how many words the reading's main language leaves unexplained;
4. on a tie still between readings that differ, with plenty of bytes beyond ASCII,
   charset-normalizer's guess among the tied candidates (`text_files`).

Ties then keep the order of CODE_PAGES, cp1252 first, so a German, French or Spanish file with
a single `ü` or `é` stays cp1252. The tables here are data: a code page is one more entry, a
language one more alphabet.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

# Each language's letters beyond ASCII, in lower case; the weight is what a word in it costs.
ALPHABETS: dict[str, str] = {
    "German": "äöüß", "French": "àâæçéèêëîïôœùûüÿ", "Spanish": "áéíñóúüºª", "Catalan": "àçèéíïòóúü",
    "Italian": "àèéìíîòóùúºª", "Portuguese": "áâãàçéêíóôõúºª", "Dutch": "áàäéèëêíïóòöúüû", "Swedish": "åäöéü",
    "Danish": "æøåé", "Norwegian": "æøåéèóòô", "Finnish": "äöåšž", "Icelandic": "áðéíóúýþæö",
    "Polish": "ąćęłńóśźż", "Czech": "áčďéěíňóřšťúůýž", "Slovak": "áäčďéíĺľňóôŕšťúýž", "Hungarian": "áéíóöőúüű",
    "Slovenian": "čšž", "Croatian": "čćđšž", "Romanian": "ăâîşţșț", "Albanian": "çë",
    "Turkish": "çğıöşüâîûi̇",
    "Lithuanian": "ąčęėįšųūž", "Latvian": "āčēģīķļņšūž", "Estonian": "äõöüšž",
}
RARE = {"Icelandic": 0.5}
# ASCII letters a language writes only in loanwords: `Ayţe` is no Romanian word, so not cp1250 for Turkish `Ayşe`.
FOREIGN: dict[str, str] = {
    "Polish": "qvx", "Czech": "qw", "Slovak": "qw", "Hungarian": "qwx", "Slovenian": "qwxy", "Croatian": "qwxy",
    "Romanian": "qwy", "Albanian": "w", "Turkish": "qwx", "Lithuanian": "qwx", "Latvian": "qwxy", "Estonian": "qwxy",
    "Icelandic": "cqwz",
}
WESTERN = ("German", "French", "Spanish", "Catalan", "Italian", "Portuguese", "Dutch", "Swedish", "Danish",
           "Norwegian", "Finnish")


@dataclass(frozen=True)
class CodePage:
    """A candidate: its languages written in Latin letters, its other scripts, and what a note calls it."""

    name: str
    languages: tuple[str, ...] = ()
    scripts: frozenset[str] = frozenset()
    letters: str = "its letters"
    margin: float = 0.0  # how much more implausible than another reading this one may be and still win


# In order of preference: a tie goes to the first.
CODE_PAGES = (
    CodePage("cp1252", (*WESTERN, "Icelandic"), margin=0.5),
    CodePage("cp1250", ("Polish", "Czech", "Slovak", "Hungarian", "Slovenian", "Croatian", "Romanian", "Albanian",
                        "German"), letters="Central European letters"),
    CodePage("cp1254", ("Turkish", *WESTERN), letters="Turkish letters"),
    CodePage("cp1257", ("Lithuanian", "Latvian", "Estonian", "German", "Swedish", "Finnish", "Danish"),
             letters="Baltic letters"),
    CodePage("cp1251", (), frozenset({"CYRILLIC"}), "Cyrillic letters"),
    CodePage("cp932", (), frozenset({"JAPANESE"}), "Japanese text"),
    CodePage("cp1253", (), frozenset({"GREEK"}), "Greek letters"),
)
# Any other code page charset-normalizer proposes: any one script, any language.
OTHER = CodePage("", tuple(ALPHABETS), frozenset({"*"}))

# A run of anything but spaces and ASCII punctuation or digits, holding a character beyond ASCII. A run starts
# only after such a separator, and the ASCII letters it starts with are taken once (possessive): linear time,
# also on a megabyte of ASCII letters, which would make a plain pattern retry from every letter.
_RUN = re.compile(r"(?<![^\s!-@\[-`{-~])[A-Za-z]*+[^\x00-\x7f\s][^\s!-@\[-`{-~]*+")
_KEPT = "¿"  # punctuation that is a letter in another code page (Polish ż in cp1250)
_OPENERS = "¿¡"  # Spanish: before a capital they open a question, not a word
_CEDILLA = str.maketrans("șȘțȚ", "şŞţŢ")  # Romanian as cp1250 writes it, which lacks the comma below
_JAPANESE = ("CJK", "HIRAGANA", "KATAKANA", "HALFWIDTH", "FULLWIDTH", "IDEOGRAPHIC", "KATAKANA-HIRAGANA")


@dataclass(frozen=True)
class Decision:
    """The code page chosen, and why in a few words when evidence chose another than cp1252."""

    encoding: str
    reason: str | None = None


@dataclass
class Reading:
    """A sample read in one code page, and the evidence for it."""

    page: CodePage
    text: str
    known: dict[str, str]  # known word -> "Polish headers" / "Polish words"
    cost: float
    mixed: int  # words in Latin letters that the language most of them fit does not explain
    main: str | None  # that language

    @property
    def key(self) -> tuple[int, float]:
        return (-len(self.known), self.cost - self.page.margin)


def read_all(sample: bytes, proposed: Iterable[str] = ()) -> list[Reading]:
    """`sample` read in each code page that decodes it, and in those `proposed` (charset-normalizer's), best first.

    Best means the most known words, then the fewest implausible ones; the order of CODE_PAGES
    keeps the rest, so cp1252 comes first among equals.
    """
    pages = list(CODE_PAGES)
    for name in proposed:
        if not any(same_codec(name, p.name) for p in pages):
            pages.append(CodePage(name, OTHER.languages, OTHER.scripts))
    readings = [Reading(page, text, *_evidence(text, page)) for page in pages
                if (text := _decode(sample, page.name)) is not None]
    return sorted(readings, key=lambda r: r.key)  # stable


def tied(readings: list[Reading]) -> list[Reading]:
    """The best readings that are equally good and read differently, one per distinct text.

    Among equals, one language explaining more of the words is better: Turkish `Yılmaz Doğan`
    reads in cp1250 as Czech `Yýlmaz` beside Croatian `Dođan`, and Polish `Jędrzej Kamiński` in
    cp1252 as French `Jêdrzej` beside Spanish `Kamiñski`.
    """
    out: list[Reading] = []
    for r in readings:
        if r.key == readings[0].key and all(r.text != o.text for o in out):
            out.append(r)
    if len(out) > 1:
        fewest = min(r.mixed for r in out)
        out = [r for r in out if r.mixed == fewest]
    return out


def reason(chosen: Reading, readings: list[Reading]) -> str | None:
    """Why `chosen` beat cp1252, in a few words; None when it is cp1252 or reads the same."""
    default = next((r for r in readings if r.page.name == "cp1252"), None)
    if chosen.page.name == "cp1252" or (default is not None and default.text == chosen.text):
        return None
    kinds = [said for word, said in chosen.known.items() if default is None or word not in default.known]
    if kinds and (default is None or len(chosen.known) > len(default.known)):
        return max(kinds, key=kinds.count)
    return f"{chosen.main} letters" if chosen.main else chosen.page.letters


def _decode(sample: bytes, encoding: str) -> str | None:
    try:
        return codecs.getincrementaldecoder(encoding)().decode(sample)  # not final: a character may be cut
    except (UnicodeDecodeError, LookupError):
        return None


def same_codec(a: str, b: str) -> bool:
    """Whether two names are of one codec (cp932 and CP932, latin_1 and iso8859-1)."""
    return _codec(a) == _codec(b)


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


def _evidence(text: str, page: CodePage) -> tuple[dict[str, str], float, int, str | None]:
    known: dict[str, str] = {}
    cost = 0.0
    vocabulary = _vocabulary()
    fitting: list[list[str]] = []
    for word in _words(text):
        said = vocabulary.get(word.casefold())
        if said:
            known[word.casefold()] = said
        word_cost, languages = _cost(word, page)
        cost += word_cost
        if languages:
            fitting.append(languages)
    counts: dict[str, int] = {}
    for languages in fitting:
        for language in languages:
            counts[language] = counts.get(language, 0) + 1
    main = max(page.languages, key=lambda language: counts.get(language, 0), default=None)
    if main is None or not counts.get(main):
        return known, cost, len(fitting), None
    return known, cost, len(fitting) - counts[main], main


def _words(text: str) -> set[str]:
    """The distinct words of `text` that hold a character beyond ASCII, split at punctuation."""
    words: set[str] = set()
    for run in set(_RUN.findall(text)):
        words.update(w for w in _split(run) if any(ord(c) > 0x7F for c in w))
    return words


def _split(run: str) -> list[str]:
    parts, start = [], 0
    for i, c in enumerate(run):
        if ord(c) > 0x7F and c not in _KEPT and _category(c)[0] in "PZ":
            parts.append(run[start:i])
            start = i + 1
    parts.append(run[start:])
    out = []
    for part in parts:
        if len(part) > 1 and part[0] in _OPENERS and part[1].isupper():
            part = part[1:]
        if any(c.isalpha() for c in part):
            out.append(part)
    return out


def _cost(word: str, page: CodePage) -> tuple[float, list[str]]:
    """0 for a plausible word in `page`, up to 1 for an implausible one; and the languages it fits."""
    scripts: set[str] = set()
    latin: set[str] = set()
    for i, c in enumerate(word):
        if c.isascii():
            scripts.add("LATIN")
            latin.add(c.lower())
            continue
        if c in "ªº" and i < len(word) - 1:
            return 1.0, []  # an ordinal sign ends a word (Nº): cp1252's º for Romanian ş in `aºteptare`
        if c.isupper() and i and word[i - 1].islower():
            return 1.0, []  # a capital inside a lower-case word: cp1252's Ÿ for Polish ź in `WoŸniak`
        script = _script(c)
        if script is None:
            return 1.0, []  # a symbol, a control or a modifier inside a word
        scripts.add(script)
        if script == "INHERITED":
            continue
        if script == "LATIN":
            latin.update(low for low in c.lower() if not low.isascii())  # İ lowers to i and a dot above
    if len(scripts) > 1:
        return 1.0, []
    if scripts != {"LATIN"}:
        return (0.0 if (scripts & page.scripts or "*" in page.scripts) else 1.0), []
    fits = [language for language in page.languages if latin <= _alphabet(language)]
    return min((RARE.get(language, 0.0) for language in fits), default=1.0), fits


@cache
def _category(c: str) -> str:
    return unicodedata.category(c)


@cache
def _script(c: str) -> str | None:
    if _category(c)[0] == "M":
        return "INHERITED"  # a combining accent belongs to the letter before it
    if not c.isalpha():
        return None
    if c in "ªº":
        return "LATIN"
    if _category(c) == "Lm" and not unicodedata.name(c, "").startswith(_JAPANESE):
        return None  # ˆ ˇ ˘ ˝: accents standing alone
    first = unicodedata.name(c, "?").split()[0]
    return "JAPANESE" if first in _JAPANESE else first


@cache
def _alphabet(language: str) -> frozenset[str]:
    ascii_letters = (chr(c) for c in range(ord("a"), ord("z") + 1))
    return frozenset(ALPHABETS[language]) | {c for c in ascii_letters if c not in FOREIGN.get(language, "")}


@cache
def _vocabulary() -> dict[str, str]:
    """Every word with a letter beyond ASCII in the header and consent tables, folded, and what it is."""
    from importer.read.consent_words import LANGUAGES as CONSENT
    from importer.read.header_words import LANGUAGES as HEADERS

    names = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "nl": "Dutch",
             "pt": "Portuguese", "pl": "Polish", "sv": "Swedish", "da": "Danish", "nb": "Norwegian", "fi": "Finnish",
             "tr": "Turkish", "cs": "Czech", "ja": "Japanese", "hu": "Hungarian", "ro": "Romanian", "el": "Greek",
             "ru": "Russian", "uk": "Ukrainian", "ko": "Korean", "zh": "Chinese", "id": "Indonesian"}
    words: dict[str, str] = {}

    def add(phrases: Iterable[str], said: str) -> None:
        for phrase in phrases:
            for word in _words(phrase) | _words(phrase.translate(_CEDILLA)):
                if len(word) >= 3 or all(_script(c) in ("JAPANESE", "HANGUL") for c in word):
                    words.setdefault(word.casefold(), said)  # not Russian и, which cp1251 makes of è

    for code, table in HEADERS.items():
        for headers in table.values():
            add(headers, f"{names.get(code, code)} headers")
    for language in CONSENT:
        for headers in (language.word_headers, language.either_headers, language.in_headers,
                        *language.out_headers.values(), *language.time_headers.values()):
            add(headers, f"{language.name} headers")
    for language in CONSENT:
        for said in (*language.states.values(), language.yes, language.no):
            add(said, f"{language.name} words")
    return words
