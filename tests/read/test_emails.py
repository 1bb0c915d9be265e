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
