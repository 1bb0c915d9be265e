"""Counted nouns in good English: `plural(1, "row")` is "1 row", `plural(3, "row")` "3 rows"."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """`n word` with the noun in the singular for exactly one, else the plural (`many`, or word + s)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"
