"""Verify never cries wolf: Kit's lists (the subscriber list, a subscriber's tags) lag writes by 30 s here,
on a clock that verify's pauses move, so no test waits for real."""

from __future__ import annotations

import pytest

from conftest import write
from importer.kit import Credential, KitClient
from importer.run import import_file
from importer.sandbox import KitStore, Sandbox
from importer.settings.declaration import Settings
from importer.verify import verify
from helpers import env_for, invoke

FILE = ("Email,First Name,Company,Tags,Status\n"
        "ann@example.com,Ann,Acme,Customer,subscribed\n"
        "bob@example.com,Bob,Beta,Customer,subscribed\n"
        "cy@example.com,Cy,Gamma,Customer,subscribed\n"
        "dee@example.com,Dee,Delta,,unsubscribed\n")


class Clock:
    """The account's clock, moved by verify's pauses instead of waiting."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def lagging(tmp_path):
    """A sandbox whose lists lag 30 s, holding Ann and Bob (listed), and the file to import."""
    clock = Clock()
    with Sandbox(KitStore(list_lag=30, clock=clock)) as sb:
        sb.seed_fields(("Company",))
        sb.seed_forms()
        for email, name in (("ann@example.com", "Ann"), ("bob@example.com", "Bob")):
            sb.store.upsert(email, name, set_first_name=True)
        clock.sleep(60)
        write(tmp_path / "people.csv", FILE)
        yield sb, clock


def _client(sb: Sandbox) -> KitClient:
    return KitClient(Credential("oauth", sb.access_token), sb.url)


def test_verify_right_after_an_import_waits_for_the_lists_then_names_exactly_what_changed(lagging, tmp_path):
    sb, clock = lagging
    run = invoke(["run", "people.csv", "--form", "Newsletter"], env_for(sb), cwd=tmp_path)
    assert run.exit_code == 0, run.output
    store = sb.store
    assert store.tags_of("ann@example.com") == {"Customer"}  # tagged existing subscribers, now
    assert store.form_members(1) == {"ann@example.com", "bob@example.com", "cy@example.com"}
    settings = Settings(tmp_path / "people.csv", differences=tmp_path / "d.csv")
    assert settings.settle == 300  # Kit's p99

    report = verify(settings, client=_client(sb), sleep=clock.sleep, clock=clock)
    assert report.exit_status == 0, report.summary()
    assert report.differences == []
    assert 30 <= report.waited_seconds < 300  # until the lists caught up, not the whole bound
    summary = report.summary()
    assert f"waited {report.waited_seconds:.0f} s (of --settle 300) for Kit's lists" in summary
    assert "lag writes by up to 5 minutes" in summary

    company = next(f for f in store.fields.values() if f.label == "Company")
    ann = store.find("ann@example.com")
    ann.values[company.id] = "Hacked"
    store.changed(ann)
    customer = next(t for t in store.tags.values() if t.name == "Customer")
    store.untag(store.find("cy@example.com"), customer.id)
    dee = store.find("dee@example.com")
    dee.state = "active"  # the file says she left
    store.changed(dee)
    clock.sleep(60)  # changed in Kit's web app a minute ago

    report = verify(settings, client=_client(sb), sleep=clock.sleep, clock=clock)
    assert report.exit_status == 3
    assert sorted(d.describe() for d in report.failing) == [
        "ann@example.com: Company: Kit holds 'Hacked', the file says 'Acme'",
        "cy@example.com: tag 'Customer' missing",
        "dee@example.com: state: Kit holds 'active', the file says 'cancelled'"]
    assert report.differences == report.failing
    assert report.waited_seconds == pytest.approx(300)  # a tag is called missing only when --settle ran out
    differing = next(line for line in report.summary().splitlines() if line.startswith("Differing:"))
    assert differing.startswith("Differing:         3 contacts (3 differences: ")
    assert sorted(differing.rstrip(")").split(": ", 2)[2].split(", ")) == ["1 state", "1 tag", "1 value"]


def test_a_write_the_run_confirmed_is_not_visible_yet_when_settle_runs_out_before_the_lists(lagging, tmp_path):
    sb, clock = lagging
    settings = Settings(tmp_path / "people.csv", credential=Credential("oauth", sb.access_token), base_url=sb.url,
                        differences=tmp_path / "d.csv", settle=10, no_undo=True)
    ran = import_file(settings)
    assert ran.exit_status == 0

    alone = verify(settings, client=_client(sb), sleep=clock.sleep, clock=clock)  # knows nothing of the run
    assert alone.exit_status == 3 and "cy@example.com: not in Kit" in [d.describe() for d in alone.failing]

    report = verify(settings, client=_client(sb), sleep=clock.sleep, clock=clock, confirmed=ran.confirmed_writes)
    assert report.exit_status == 0, report.summary()
    assert report.failing == []
    assert sorted(d.describe() for d in report.differences) == [
        "ann@example.com: tag 'Customer' tagged, not listed yet",
        "bob@example.com: tag 'Customer' tagged, not listed yet",
        "cy@example.com: created, not listed yet",
        "dee@example.com: created, not listed yet"]
    assert all(d.kind == "not visible yet" for d in report.differences)
    assert report.matching == 0 and report.not_visible_contacts == 4
    assert "Not visible yet:   4 contacts written by this run" in report.summary()
    assert report.closing_line() == "Kit matches the file: 4 contacts checked; 4 not visible yet, listed in " \
                                    f"{tmp_path / 'd.csv'}"
