"""Each contact's outcome counted once, and its rows' reasons in the failures CSV worded truly."""

from __future__ import annotations

from collections import defaultdict

from importer.outputs.report import RunReport
from importer.records import STOPPED_BEFORE_SENDING, Contact, CustomField, Outcome, Status
from importer.send.outcomes import not_sent, tally

COMPANY = CustomField(id=1, key="company", label="Company")


def test_rows_whose_contacts_were_created_before_the_stop_say_what_was_not_sent():
    report, errors = RunReport(), defaultdict(list)
    why = f"{STOPPED_BEFORE_SENDING}: terminated (SIGTERM)"
    for n in range(3):  # created, then the run stopped before their values went out
        outcome = Outcome(Contact(f"p{n}@example.com", None, {COMPANY: "Acme"}, [n + 2]), Status.CREATED)
        outcome.problems.append(("field not written", why))
        tally(outcome, report, errors)
    report.contacts = report.rows_read = 4
    not_sent([Contact("q@example.com", None, {COMPANY: "Beta"}, [5])], "the run stopped: terminated (SIGTERM)",
             report, errors)
    assert (report.created, report.not_sent, report.rows_not_sent) == (3, 1, 4)
    assert errors[2] == ["field not written: not sent: the run stopped: terminated (SIGTERM); the subscriber itself "
                         "was created in Kit"]
    assert errors[5] == ["not sent: the run stopped: terminated (SIGTERM)"]
    assert "Not sent rows:     4 (the run stopped before sending all of each: 3 of their contacts created, their " \
           "values not sent; the other 1 contact not sent at all)" in report.summary()


def test_rows_never_sent_keep_their_words():
    report, errors = RunReport(), defaultdict(list)
    not_sent([Contact("q@example.com", None, {}, [2])], "the run stopped: interrupted (Ctrl-C)", report, errors)
    assert "Not sent rows:     1 (the run stopped before sending them)" in report.summary()
