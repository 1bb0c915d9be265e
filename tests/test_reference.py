"""The manual's generated reference pages are up to date with the commands and the settings declaration."""

from __future__ import annotations

from pathlib import Path

import pytest

try:
    import cogapp
except ImportError:  # the test extra installs it; a skip here would let the reference drift unseen
    raise ImportError("cogapp is missing: pip install -e '.[test]' (it checks the generated reference pages)") from None

ROOT = Path(__file__).resolve().parent.parent
# The reference pages, and any manual page with a generated part (consent.md's word tables).
PAGES = sorted(p for p in (ROOT / "docs").rglob("*.md") if "[[[cog" in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_generated_reference_is_current(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    status = cogapp.Cog().main(["cog", "--check", str(page.relative_to(ROOT))])
    assert status == 0, f"{page.name} is out of date: run `cog -r {page.relative_to(ROOT)}`"


def test_reference_pages_exist() -> None:
    assert {p.name for p in PAGES} >= {"cli.md", "config.md", "consent.md"}
