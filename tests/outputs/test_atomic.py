"""atomic_write: a file is replaced whole or not at all, with its mode set from the start."""

from __future__ import annotations

import os
import stat

import pytest

from importer.outputs.atomic import atomic_write


def test_the_new_content_replaces_the_old_only_on_a_clean_exit(tmp_path):
    path = tmp_path / "deep" / "report.json"
    with atomic_write(path, encoding="utf-8") as f:
        f.write("first")
    assert path.read_text() == "first"
    with pytest.raises(RuntimeError), atomic_write(path, encoding="utf-8") as f:
        f.write("half")
        raise RuntimeError("crash while writing")
    assert path.read_text() == "first"
    assert os.listdir(path.parent) == ["report.json"]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_permissions_hold_from_the_start_even_over_a_leftover_partial_file(tmp_path):
    path = tmp_path / "tokens.json"
    (tmp_path / "tokens.json.partial").write_text("left by a crash")
    os.chmod(tmp_path / "tokens.json.partial", 0o644)
    with atomic_write(path, encoding="utf-8", permissions=0o600, durable=True) as f:
        assert stat.S_IMODE(os.fstat(f.fileno()).st_mode) == 0o600
        f.write("{}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == "{}"


def test_text_options_pass_through(tmp_path):
    path = tmp_path / "f.csv"
    with atomic_write(path, encoding="utf-8-sig", newline="") as f:
        f.write("a\r\nb\n")
    assert path.read_bytes() == b"\xef\xbb\xbfa\r\nb\n"
