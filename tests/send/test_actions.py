"""The Action abstraction: a run goes through whatever actions are registered, knowing none by name.

A made-up action registered beside the real ones is resolved, counted by the dry run, sent after
the upserts, tallied in the report (JSON and summary) and remembered by the run memory, so that a
nightly run does not repeat it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import pytest

from importer import Settings, import_file
from importer.decide.run_memory import RunMemory, digest
from importer.kit import Credential
from importer.records import Contact, KitState, Outcome
from importer.send import actions as registry
from importer.send.actions.base import Action, Count, Figures, file_active, kit_active
from importer.send.scheduler import Stage
from conftest import write

SENT: list[str] = []


@dataclass
class MarkFigures(Figures):
    marks: int = 0
    planned_marks: int = 0

    def tally(self, outcome: Outcome) -> None:
        self.marks += "mark" in outcome.done

    def plan_lines(self) -> list[tuple[str, str]]:
        return [("Marks", f"up to {self.planned_marks}")]

    def result_lines(self) -> list[tuple[str, str]]:
        return [("Marks", str(self.marks))]


class MarkStage(Stage):
    needs_id = True

    def items(self, outcome: Outcome) -> list[Outcome]:
        return [outcome] if outcome.kit_state is KitState.ACTIVE and "mark" not in outcome.contact.confirmed else []

    def send(self, batch: list[Outcome]) -> None:
        SENT.append(batch[0].contact.email)

    def settle(self, batch: list[Outcome], answer: object) -> None:
        batch[0].done.append("mark")


class Mark(Action):
    name = "mark"
    figures_type = MarkFigures
    resolved = False

    @classmethod
    def wanted(cls, settings, columns):
        return cls()

    def resolve(self, client) -> None:
        Mark.resolved = True

    def needs(self, contact: Contact, kit_state, confirmed) -> bool:
        return file_active(contact) and kit_active(kit_state, confirmed) and self.key not in confirmed

    def stages(self, client) -> list[Stage]:
        return [MarkStage()]

    def requests(self, count: Count, bulk: bool) -> int:
        return count.items

    def plan(self, count: Count, tally=None) -> None:
        self.figures.planned_marks = count.items


@pytest.fixture
def with_mark(monkeypatch):
    SENT.clear()
    monkeypatch.setattr(registry, "ACTIONS", (*registry.ACTIONS, Mark))


def test_a_registered_action_is_resolved_sent_tallied_and_not_repeated_by_a_nightly_run(with_mark, sandbox, tmp_path):
    source = write(tmp_path / "list.csv", "Email,First Name\na@example.com,Ann\nb@example.com,Bo\n")
    settings = dict(source=source, credential=Credential("oauth", sandbox.access_token), base_url=sandbox.url,
                    state=tmp_path / "s.db")
    planned = import_file(Settings(**settings, dry_run=True))
    assert Mark.resolved and planned.to_dict()["planned_marks"] == 2
    assert "Marks:             up to 2" in planned.summary()
    assert planned.planned_requests == planned.planned_reads + 1 + 2  # one bulk upsert, then one mark each
    first = import_file(Settings(**settings))
    assert sorted(SENT) == ["a@example.com", "b@example.com"]
    assert first.to_dict()["marks"] == 2 and first.marks == 2 and "Marks:             2" in first.summary()
    again = import_file(Settings(**settings))
    assert sorted(SENT) == ["a@example.com", "b@example.com"] and again.to_dict()["marks"] == 0


def test_every_registered_action_has_its_keys_in_the_report_asked_for_or_not(with_mark, sandbox, tmp_path):
    source = write(tmp_path / "list.csv", "Email\na@example.com\n")
    report = import_file(Settings(source=source, credential=Credential("oauth", sandbox.access_token),
                                  base_url=sandbox.url)).to_dict()
    assert {"marks", "form_additions", "unsubscribed", "taggings"} <= set(report) and report["form"] is None


def test_a_run_memory_from_before_actions_keeps_its_form_additions(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE form_additions (email TEXT NOT NULL, form_id INTEGER NOT NULL, "
               "PRIMARY KEY (email, form_id))")
    db.execute("INSERT INTO form_additions VALUES (?, 12)", (digest("ann@example.com"),))
    db.commit()
    db.close()
    memory = RunMemory(path)
    assert memory.confirmed("Ann@example.com") == {"form:12"}
    memory.close()
