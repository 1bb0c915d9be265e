"""A run interrupted before it sent any contact (Ctrl-C while it creates its tags): its undo file
holds only what it wrote, the tag Kit created is counted, and undo says it cannot delete it."""

from __future__ import annotations

import json

import pytest

from helpers import env_for, generated, invoke
from importer.read import tags as tags_module


@pytest.fixture
def ctrl_c_at_tag(monkeypatch):
    """Ctrl-C as the run asks Kit for its tag number `at` (one request a tag with an API key)."""
    calls = []

    def arm(at: int) -> None:
        real = tags_module.create_tag

        def create_tag(client, name):
            calls.append(name)
            if len(calls) == at:
                raise KeyboardInterrupt
            return real(client, name)

        monkeypatch.setattr(tags_module, "create_tag", create_tag)

    return arm


def test_ctrl_c_during_tag_creation_keeps_only_the_created_tag(sandbox, tmp_path, ctrl_c_at_tag):
    generated(tmp_path / "list.csv", 500)
    ctrl_c_at_tag(2)  # the first tag is created, the interrupt comes with the second
    args = ["run", "list.csv", "--tag", "Spring", "--tag", "Summer", "--undo", "u.csv", "--report", "r.json"]
    stopped = invoke(args, env_for(sandbox, "api_key"), cwd=tmp_path)
    assert stopped.exit_code == 130, stopped.output[-3000:]
    assert not sandbox.store.subscribers  # no contact was sent
    assert {t.name for t in sandbox.store.tags.values()} == {"Spring"}
    assert "Tags created:      Spring\n" in stopped.output
    assert json.loads((tmp_path / "r.json").read_text())["tags_created"] == ["Spring"]
    assert "Undo file:         u.csv: nothing to take back; 1 created tag, which Kit's API cannot delete" \
        in stopped.output
    assert "created subscriber" not in (tmp_path / "u.csv").read_text()
    listed = invoke(["undo", "u.csv", "--dry-run"], env_for(sandbox, "api_key"), cwd=tmp_path)
    assert listed.exit_code == 0, listed.output
    assert "Created by run" not in listed.output
    assert "Tags created:      Spring (Kit's API cannot delete a tag: delete it in Kit if it is not wanted)" \
        in listed.output
    # the rerun finishes the first night, and its undo file keeps the interrupted run's line
    again = invoke(args, env_for(sandbox), cwd=tmp_path)  # OAuth: the 500 go in bulk
    assert again.exit_code == 0, again.output[-3000:]
    assert len(sandbox.store.subscribers) == 500
    text = (tmp_path / "u.csv").read_text()
    assert text.count("created tag") == 2 and text.count("created subscriber") == 500


def test_ctrl_c_before_anything_was_written_leaves_no_undo_file(sandbox, tmp_path, ctrl_c_at_tag):
    generated(tmp_path / "list.csv", 300)
    ctrl_c_at_tag(1)
    stopped = invoke(["run", "list.csv", "--tag", "Spring", "--undo", "u.csv", "--report", "r.json"],
                     env_for(sandbox, "api_key"), cwd=tmp_path)
    assert stopped.exit_code == 130, stopped.output[-3000:]
    assert "Undo file:         none kept: the run stopped before it sent any contact, so there is nothing to take " \
        "back" in stopped.output
    assert not (tmp_path / "u.csv").exists() and not (tmp_path / "u.csv.incomplete").exists()
    assert "Tags created" not in stopped.output
