"""Email cells: what is fixed, what is refused and why, and the fast path held to email-validator."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from importer.read.emails import check_email, validated


@pytest.mark.parametrize("raw, email", [
    ("  Ann@Example.COM ", "Ann@example.com"),
    ("mailto:bo@example.com", "bo@example.com"),
    ("Cy Young <cy@example.com>", "cy@example.com"),
    ("dee@bücher.example", "dee@xn--bcher-kva.example"),
], ids=["trim-and-domain-case", "mailto", "display-name", "unicode-domain"])
def test_fixable_emails_are_normalised(raw, email):
    assert check_email(raw).email == email


@pytest.mark.parametrize("raw, reason, detail", [
    ("", "missing email", ""),
    ("   ", "missing email", ""),
    ("tom at example.com", "invalid email", "'tom at example.com' is missing an @"),
    ("a b@example.com", "invalid email", "'a b@example.com' contains spaces"),
    ("sam@example", "invalid email", "'sam@example': the domain has no dot"),
    ("lee..park@example.com", "invalid email", "it has two dots in a row"),
    ("a@b@example.com", "invalid email", "'a@b@example.com' has more than one @"),
    ("@example.com", "invalid email", "nothing before the @"),
    ("x@mail.test", "invalid email", "reserved name"),
    ("ab(c)@example.com", "invalid email", "invalid characters before the @-sign"),
], ids=["empty", "blank", "no-at", "spaces", "no-dot-in-domain", "double-dot", "two-ats", "no-local-part",
        "reserved-domain", "bad-characters"])
def test_invalid_emails_say_why(raw, reason, detail):
    check = check_email(raw)
    assert check.email is None and check.reason == reason and detail in check.detail


local_chars = st.sampled_from(list("abcXYZ019.!#$%&'*+/=?^_`{|}~-\"(),:;<>[\\]é "))
domain_chars = st.sampled_from(list("abcxyz019.-_éü") + ["test", "com", "local", "example", "xn--"])


@settings(max_examples=EXAMPLES * 3, deadline=None)
@given(st.lists(local_chars, min_size=0, max_size=70).map("".join),
       st.lists(domain_chars, min_size=0, max_size=30).map("".join))
def test_the_fast_path_agrees_with_email_validator(local, domain):
    text = f"{local}@{domain}".strip()
    fast = check_email(text)
    own_checks = ("contains spaces", "more than one @", "missing an @")  # said before email-validator is asked
    if "<" not in text and not any(check in fast.detail for check in own_checks):
        assert fast == validated(text, text)


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f",
                                  "\u202a", "\u202c", "\u202e", "\u2066", "\u2069", "\u00a0", "\u202f", "\u2007"])
def test_invisible_characters_at_either_end_are_trimmed(char):
    assert check_email(f"{char}ann@example.com{char}") == check_email("ann@example.com")
    assert check_email(f" {char}\t{char}ann@example.com {char}").email == "ann@example.com"


@pytest.mark.parametrize("raw, named", [
    ("ann\u200b@example.com", "U+200B zero width space"),
    ("ann@exa\u00admple.com", "U+00AD soft hyphen"),
    ("ann@example.com\u200e.evil", "U+200E left-to-right mark"),
    ("a\ufeffnn@example.com", "U+FEFF zero width no-break space"),
])
def test_an_invisible_character_inside_the_address_refuses_it_and_names_it(raw, named):
    check = check_email(raw)
    assert check.email is None and check.reason == "invalid email"
    assert f"contains an invisible character inside it ({named})" in check.detail


def test_a_cell_of_only_invisible_characters_is_a_missing_email():
    assert check_email("\u200b\ufeff\u00a0").reason == "missing email"


@pytest.mark.parametrize("raw, meant", [
    ("a@gmial.com", "gmail.com"), ("a@gmal.com", "gmail.com"), ("a@hotmial.com", "hotmail.com"),
    ("a@yaho.com", "yahoo.com"), ("a@outlok.com", "outlook.com"), ("a@gmail.co", "gmail.com"),
    ("a@GMIAL.COM", "gmail.com"), ("Ann <a@gamil.com>", "gmail.com"), ("a@yahooo.com", "yahoo.com"),
    ("a@gmail.con", "gmail.com"), ("a@hotmail.co", "hotmail.com"), ("a@icloud.cm", "icloud.com"),
    ("a@gmail.com", ""), ("a@mail.com", ""), ("a@ymail.com", ""), ("a@gmx.de", ""), ("a@live.com", ""),
    ("a@example.com", ""), ("a@proton.me", ""), ("a@hotmail.fr", ""),
])
def test_a_likely_domain_typo_is_kept_and_named(raw, meant):
    check = check_email(raw)
    assert check.email is not None and check.email.endswith(check.email.rpartition("@")[2])
    assert check.typo == meant


def test_the_typo_table_never_names_a_real_domain():
    from importer.read.typos import PROVIDERS, REAL, TYPOS

    assert not (set(TYPOS) & (set(PROVIDERS) | REAL))
    assert set(TYPOS.values()) <= set(PROVIDERS)
