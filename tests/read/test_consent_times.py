"""Issue 15: the states read keep explicit opt-outs apart from the absence of consent, and a
contact carries the time the file gives for its opt-out (for the decide phase to compare with
the time Kit created the subscriber). Every guess about a time leans later: it honours the opt-out."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import write
from importer.read.consent import plan_guard
from importer.read.columns import plan_columns
from importer.read.contacts import map_rows
from importer.read.files import open_source
from importer.read.merge import ContactMerger
from importer.read.times import parse_time
from importer.records import Contact, KitState

UTC = dt.timezone.utc


def at(*args: int, hours: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.timezone(dt.timedelta(hours=hours)))


@pytest.mark.parametrize("cell, when", [
    ("2024-03-01T09:00:00Z", at(2024, 3, 1, 9)),
    ("2024-03-01T09:00:00.000+02:00", at(2024, 3, 1, 9, hours=2)),
    ("2024-03-01 09:00:00", at(2024, 3, 1, 9, hours=-12)),  # Mailchimp's: no zone, read as late as it can be
    ("1709283600", at(2024, 3, 1, 9)),  # Unix seconds (Sendy)
    ("31.01.2024 09:30", at(2024, 1, 31, 9, 30, hours=-12)),
    ("01/31/2024 9:30 PM", at(2024, 1, 31, 21, 30, hours=-12)),
    ("03/04/2024 10:00", at(2024, 4, 3, 10, hours=-12)),  # 3 April or 4 March: the later
    ("2024-03-01", dt.datetime.combine(dt.date(2024, 3, 1), dt.time.max, dt.timezone(dt.timedelta(hours=-12)))),
])
def test_an_opt_out_time_is_read_the_latest_way_it_can_mean(cell, when):
    assert parse_time(cell) == when


@pytest.mark.parametrize("cell", ["", "yes", "unsubscribed", "31.13.2024", "2024-02-30"])
def test_a_cell_that_is_no_time_gives_none(cell):
    assert parse_time(cell) is None


def test_explicit_opt_outs_are_told_apart_from_absence_of_consent():
    assert [s.value for s in KitState if s.opted_out] == ["cancelled", "bounced", "complained"]
    assert not KitState.INACTIVE.opted_out and not KitState.ACTIVE.opted_out


def test_merging_keeps_the_latest_opt_out_time():
    merger = ContactMerger()
    early, late = at(2024, 1, 1), at(2024, 6, 1)
    merger.add(Contact("a@example.com", None, {}, [2], state=KitState.CANCELLED, unsubscribed_at=late))
    merger.add(Contact("A@example.com", None, {}, [3], state=KitState.ACTIVE, unsubscribed_at=None))
    merger.add(Contact("a@example.com", None, {}, [4], state=KitState.BOUNCED, unsubscribed_at=early))
    merger.add(Contact("b@example.com", None, {}, [5], state=KitState.INACTIVE))
    got = {c.email: (c.state, c.unsubscribed_at) for c in merger.contacts()}
    assert got == {"a@example.com": (KitState.BOUNCED, late), "b@example.com": (KitState.INACTIVE, None)}


def contacts(path) -> dict[str, Contact]:
    source = open_source(path)
    plan = plan_columns(source.headers, [])
    guard = plan_guard(source.headers, source.rows, plan.email, claimed=plan.in_use())
    assert guard is not None
    return {c.email: c for c in map_rows(source.rows(), plan, guard.state, guard.opted_out_at)}


def test_a_mailchimp_unsubscribed_export_gives_each_contact_its_unsubscribe_time(tmp_path):
    path = write(tmp_path / "u.csv", '"Email Address","First Name","UNSUB_TIME","LEID"\n'
                                     '"una@example.com","Una","2024-03-01 09:00:00","1"\n')
    una = contacts(path)["una@example.com"]
    assert (una.state, una.unsubscribed_at) == (KitState.CANCELLED, at(2024, 3, 1, 9, hours=-12))


@pytest.mark.parametrize("header", ["Abmeldedatum", "date de désinscription", "fecha de baja", "data di disiscrizione",
                                    "afmelddatum", "data de descadastro", "deactivated"])
def test_a_localized_opt_out_time_column_gives_the_time(tmp_path, header):
    path = write(tmp_path / "t.csv", f"email;Vorname;{header}\na@example.com;Anna;2024-05-01T10:00:00Z\n"
                                     "b@example.com;Bernd;\nc@example.com;Carla;0\n")
    got = {e: (c.state, c.unsubscribed_at) for e, c in contacts(path).items()}
    assert got == {"a@example.com": (KitState.CANCELLED, at(2024, 5, 1, 10)), "b@example.com": (None, None),
                   "c@example.com": (None, None)}  # 0: no time (CleverReach's and Sendy's "never")


def test_a_status_column_with_a_time_column_beside_it_gives_both(tmp_path):
    path = write(tmp_path / "s.csv", "email,status,unsubscribed_at\na@example.com,unsubscribed,2024-05-01T10:00:00Z\n"
                                     "b@example.com,subscribed,\nc@example.com,pending,\n")
    got = {e: (c.state, c.unsubscribed_at) for e, c in contacts(path).items()}
    assert got == {"a@example.com": (KitState.CANCELLED, at(2024, 5, 1, 10)),
                   "b@example.com": (KitState.ACTIVE, None), "c@example.com": (KitState.INACTIVE, None)}
