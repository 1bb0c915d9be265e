"""Verify never cries wolf: Kit's lists (the subscriber list, a subscriber's tags) lag writes by 30 s here,
on a clock that verify's pauses move, so no test waits for real."""

from __future__ import annotations

import itertools

import pytest

from conftest import write
from importer.kit import Credential, KitClient
from importer.run import import_file
from importer.sandbox import KitStore, Sandbox
from importer.settings.declaration import Settings
from importer.verify import verify
from helpers import Clock, env_for, invoke

FILE = ("Email,First Name,Company,Tags,Status\n"
        "ann@example.com,Ann,Acme,Customer,subscribed\n"
        "bob@example.com,Bob,Beta,Customer,subscribed\n"
        "cy@example.com,Cy,Gamma,Customer,subscribed\n"
        "dee@example.com,Dee,Delta,,unsubscribed\n")



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


class Told:
    """A progress that keeps what verify tells it, with the clock's time."""

    def __init__(self, clock: Clock) -> None:
        self.clock, self.lines = clock, []

    def phase(self, name: str, total: int | None) -> None: ...

    def advance(self, n: int = 1, requests: int | None = None) -> None: ...

    def log(self, message: str) -> None: ...

    def status(self, message: str) -> None:
        self.lines.append((self.clock.now, message))


def test_verify_says_what_it_waits_for_how_long_and_that_settle_changes_it_at_least_every_30_s(lagging, tmp_path):
    """A tag missing for good: verify waits the whole --settle (300 s), never silent for more than 30 s."""
    sb, clock = lagging
    settings = Settings(tmp_path / "people.csv", credential=Credential("oauth", sb.access_token), base_url=sb.url,
                        differences=tmp_path / "d.csv", no_undo=True)
    assert import_file(settings).exit_status == 0
    clock.sleep(60)
    customer = next(t for t in sb.store.tags.values() if t.name == "Customer")
    sb.store.untag(sb.store.find("cy@example.com"), customer.id)
    clock.sleep(60)  # untagged in Kit's web app a minute ago
    told = Told(clock)
    started = clock.now
    report = verify(settings, client=_client(sb), sleep=clock.sleep, clock=clock, progress=told)
    assert report.exit_status == 3 and report.waited_seconds == pytest.approx(300)
    assert told.lines[0] == (started, "Waiting for Kit's lists to show 1 tag on 1 subscriber: 0 s so far, at most "
                                      "--settle 300 s (--settle SECONDS changes it)")
    times = [started] + [when for when, _ in told.lines] + [clock.now]
    assert max(b - a for a, b in itertools.pairwise(times)) <= 30
    assert told.lines[-1][1].startswith("Waiting for Kit's lists to show 1 tag on 1 subscriber: 2")


def test_verify_without_a_terminal_says_it_waits_in_timestamped_lines(sandbox, tmp_path):
    write(tmp_path / "c.csv", "Email,First Name\nann@example.com,Ann\n")
    assert invoke(["run", "c.csv"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    result = invoke(["verify", "c.csv", "--tag", "Never", "--settle", "1"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 3, result.output
    first = next(line for line in result.output.splitlines() if "Waiting for" in line)  # after its confirming
    assert first[:9].count(":") == 2 and first[8] == " "  # HH:MM:SS
    assert first[9:] == ("Waiting for Kit's lists to show 1 tag on 1 subscriber: 0 s so far, at most --settle 1 s "
                         "(--settle SECONDS changes it)")
