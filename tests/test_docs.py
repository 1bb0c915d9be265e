"""The manual (the README and docs/) cannot drift from the CLI: every command, option and exit status it
names exists, and every command, option, config key, report field and exit status is documented in the
pages people write (docs/reference/ is generated from the code, so it does not count)."""

from __future__ import annotations

import re
import shutil

import click
import pytest

import sandbox_blocks

from conftest import ROOT
from importer.cli import cli
from importer.outputs.report import ExitStatus
from transcripts import Ran, commands_of, console_blocks, differences, run_block

README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = sorted(p for p in (ROOT / "docs").rglob("*.md") if "reference" not in p.relative_to(ROOT / "docs").parts)
MANUAL = "\n".join([README] + [p.read_text(encoding="utf-8") for p in PAGES])
CODE = "\n".join(re.findall(r"`([^`\n]+)`", MANUAL) +
                 [line[2:] for line in MANUAL.splitlines() if line.startswith("$ ")])


def options_of(command: click.Command) -> set[str]:
    return {opt for p in command.params if isinstance(p, click.Option) for opt in p.opts + p.secondary_opts}


def documented_statuses() -> dict[int, str]:
    section = MANUAL.split("## Exit status", 1)[1].split("\n## ", 1)[0]
    return {int(n): meaning for n, meaning in re.findall(r"^\| (\d+) \| (.+) \|$", section, re.M)}


def test_every_command_the_readme_names_exists_and_every_command_is_named():
    named = set(re.findall(r"(?:^|\$ |&& |\| )kit-import ([a-z]+)\b", CODE, re.M))  # a command, not prose
    assert named, "no `kit-import <command>` found in the README"
    assert named <= set(cli.commands), f"the README names commands the CLI lacks: {named - set(cli.commands)}"
    assert set(cli.commands) <= named, f"commands the README never shows: {set(cli.commands) - named}"


def test_every_option_the_readme_names_exists():
    every = set().union(*(options_of(c) for c in cli.commands.values())) | options_of(cli) | {"--help"}
    ours = re.sub(r"mkdocs [^&`\n]*", "", MANUAL)  # the docs build's own options are mkdocs's, not ours
    named = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", ours))
    assert named, "no --option found in the README"
    assert named <= every, f"the README names options the CLI lacks: {sorted(named - every)}"


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_option_of_every_command_is_in_the_manual(command):
    missing = {p.opts[-1] for p in cli.commands[command].params
               if isinstance(p, click.Option) and not p.hidden and not re.search(
                   rf"(?<![\w-]){re.escape(max(p.opts, key=len))}(?![\w-])", MANUAL)}
    assert not missing, f"options of {command} the manual does not mention: {sorted(missing)}"


def test_every_config_key_is_in_the_manual():
    from importer.settings.declaration import declarations

    missing = {name for name, declared in declarations() if declared.config and not any(
        re.search(rf"(?<![\w-]){spelled}(?![\w-])", MANUAL) for spelled in (name, "--" + name.replace("_", "-")))}
    assert not missing, f"config keys the manual does not mention: {sorted(missing)}"


def test_every_report_field_is_in_the_manual(tmp_path):
    from importer.outputs.report import RunReport

    fields = set(RunReport(source=str(tmp_path / "x.csv")).to_dict())
    missing = {f for f in fields if not re.search(rf"`{f}`", MANUAL)}
    assert not missing, f"report fields the manual does not name: {sorted(missing)}"


def test_every_exit_status_the_readme_lists_exists_and_the_help_says_them():
    documented = documented_statuses()
    assert set(documented) >= {0, 1, 2, 3, 130}
    assert set(documented) <= {int(s) for s in ExitStatus}
    # SIGTERM's 143 is declared for issue 10, which documents it when a run stops on it.
    assert {s for s in ExitStatus if s not in documented} <= {ExitStatus.TERMINATED}
    help_text = cli.commands["run"].help or ""
    for status in documented:
        assert re.search(rf"\b{status}\b", help_text), f"run --help does not mention exit status {status}"


@pytest.mark.parametrize("block", sandbox_blocks.blocks(), ids=lambda b: b.id)
def test_every_console_block_against_the_sandbox_prints_what_it_shows(block, tmp_path):
    """Each console block that runs kit-import against the sandbox, replayed in a fresh folder holding
    sample_data/, prints what the page shows (ports, clocks, progress, elapsed times and rates aside)."""
    for step, printed in sandbox_blocks.replay(block, tmp_path):
        assert sandbox_blocks.matches(printed, step.shown), (
            f"{block.id}: `$ {step.command}` printed:\n" + "\n".join(printed) +
            "\n\nthe page shows:\n" + "\n".join(step.shown))


def test_the_quick_start_is_replayed():
    """The quick start's run is one of the replayed blocks (the harness did not lose it)."""
    commands = [s.command for b in sandbox_blocks.blocks() if b.page == "README.md" for s in b.steps]
    assert any("kit-import run sample_data/subscribers.csv --sandbox" in c for c in commands)


def test_the_comparison_sees_a_wrong_line_and_allows_what_varies():
    shown = ["HH:MM:SS Reading rows", "...", "Rows read:         3: 3 imported", "Elapsed:           0.1 s"]
    printed = ["21:04:05 Reading rows", "21:04:05 Reading Kit", "21:04:05 Importing: 1 of 3 (33%)",
               "Rows read:         3: 3 imported", "Elapsed:           2.4 s"]
    assert sandbox_blocks.matches(printed, shown)
    assert not sandbox_blocks.matches(printed[:-1] + ["Elapsed:           2.4 s", "extra"], shown)
    assert not sandbox_blocks.matches([p.replace("3 imported", "2 imported") for p in printed], shown)
    assert sandbox_blocks.matches(["Sandbox at http://127.0.0.1:51234 is up"],
                                  ["Sandbox at http://127.0.0.1:PORT is..."])


def test_the_quick_start_shows_what_a_real_run_prints(tmp_path):
    """The README's quick start is what `kit-import run sample_data/subscribers.csv --sandbox` prints,
    line for line, progress lines included, but for what varies between runs (see transcripts.py)."""
    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    quick_start = console_blocks(README.split("## Quick start", 1)[1])[0]
    ran = run_block(quick_start, tmp_path)
    assert [(r.command, r.exit_code) for r in ran] == [("kit-import run sample_data/subscribers.csv --sandbox", 3)]
    assert differences(ran) == []


def whole_suite(request: pytest.FixtureRequest) -> bool:
    """True when this session runs every test file, unfiltered: only then is its count a fresh clone's."""
    option = request.config.option
    if option.keyword or option.markexpr or getattr(option, "deselect", None) or getattr(option, "lf", False):
        return False
    ran = {item.path for item in request.session.items}
    return set((ROOT / "tests").rglob("test_*.py")) <= ran


def test_the_quick_start_shows_the_test_count_a_fresh_clone_gets(request):
    """The Quick start's test command shows `N passed`: N is this suite's size, so a new test updates it."""
    shown = re.search(r"^=+ (\d+) passed in [\d.]+s", README, re.M)
    assert shown, "the README's test command shows no `N passed in ...s` line"
    if not whole_suite(request):
        pytest.skip("only a run of the whole suite knows its count")
    assert int(shown.group(1)) == len(request.session.items), (
        f"the README shows {shown.group(1)} passed; the suite holds {len(request.session.items)} tests: "
        "update the Quick start's test line from a fresh clone's run")


def test_a_transcript_differs_in_what_a_run_decides_not_in_what_varies_between_runs():
    shown = ["12:00:01 Importing contacts: 56", "12:00:01 Importing contacts: 36 of 56 (64%), 5 requests, "
             "rate not known yet, about 1 s left", "12:00:02 Importing contacts: 56 of 56 (100%), 5 requests, "
             "185.2 req/s, done", "Sandbox: at http://127.0.0.1:PORT", "Elapsed:           0.1 s", "Rows read: 62"]
    printed = ["21:07:13 Importing contacts: 56", "21:07:14 Importing contacts: 56 of 56 (100%), 4 requests, "
               "9.5 req/s, done", "Sandbox: at http://127.0.0.1:40123", "Elapsed:           2.3 s", "Rows read: 62"]
    assert differences([Ran("kit-import run x.csv", 0, shown, printed)]) == []
    wrong = differences([Ran("kit-import run x.csv", 0, shown, [*printed[:-1], "Rows read: 61"])])
    assert "-Rows read: 62" in wrong and "+Rows read: 61" in wrong


def test_a_console_block_names_its_kit_import_commands_after_their_setup():
    block = ("$ pip install . && kit-import run a.csv --sandbox\nline 1\n$ KIT_API_URL=http://x kit-import fields\n"
             "id  key  label\n$ ls\nnot ours\n")
    assert commands_of(block) == [("kit-import run a.csv --sandbox", ["line 1"]),
                                  ("KIT_API_URL=http://x kit-import fields", ["id  key  label"])]


def test_the_readme_python_recipes_run_against_the_sandbox(sandbox, tmp_path, monkeypatch, capsys):
    """The README's Python recipe runs as shown (with KIT_API_URL and KIT_ACCESS_TOKEN set, as the
    recipes say) and prints the counts its comments promise."""
    import shutil

    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    monkeypatch.setenv("KIT_API_URL", sandbox.url)
    monkeypatch.setenv("KIT_ACCESS_TOKEN", sandbox.access_token)
    monkeypatch.delenv("KIT_API_KEY", raising=False)
    recipes = re.findall(r"^```python\n(.*?)^```", README, re.S | re.M)
    assert recipes, "the README shows no Python recipe"
    for recipe in recipes:
        exec(compile(recipe, "README.md", "exec"), {})
        promised = re.findall(r"print\(.*\)\s+# (.+)", recipe)
        printed = capsys.readouterr().out.splitlines()
        assert printed == promised
    assert len(sandbox.store.subscribers) == 7


def test_every_failure_reason_is_in_the_manual():
    """The reasons a row can land in the failures CSV with, each named where the manual explains that file."""
    from importer.records import (
        REASON_KIT_REFUSED, REASON_KIT_UNAVAILABLE, REASON_NOT_CONFIRMED, REASON_NOT_SENT, REASON_VALUES_REFUSED,
    )
    from importer.send.actions import forms, sequences, tags, unsubscribes

    section = MANUAL.split("## The failures CSV", 1)[1].split("\n## ", 1)[0]
    reasons = {REASON_NOT_SENT, REASON_NOT_CONFIRMED, forms.NOT_ADDED, sequences.NOT_ADDED, tags.NOT_APPLIED,
               unsubscribes.NOT_UNSUBSCRIBED, "invalid email", "missing email", "ragged row", "unknown state",
               "Kit rejected the subscriber", "field not written", REASON_KIT_UNAVAILABLE, REASON_KIT_REFUSED,
               REASON_VALUES_REFUSED}
    missing = {reason for reason in reasons if reason not in section}
    assert not missing, f"failure reasons the manual's failures CSV section does not name: {sorted(missing)}"


def test_the_library_page_python_examples_run_against_the_sandbox(sandbox, tmp_path, monkeypatch, capsys):
    """docs/library.md's examples run as shown, in order, against one sandbox (Airflow stood in for by
    a decorator that changes nothing), print what their comments promise, and its task sketch runs."""
    import sys
    import types

    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    monkeypatch.setenv("KIT_API_URL", sandbox.url)
    monkeypatch.setenv("KIT_ACCESS_TOKEN", sandbox.access_token)
    monkeypatch.delenv("KIT_API_KEY", raising=False)
    decorators = types.ModuleType("airflow.decorators")
    decorators.task = lambda f: f  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "airflow", types.ModuleType("airflow"))
    monkeypatch.setitem(sys.modules, "airflow.decorators", decorators)
    page = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    examples = re.findall(r"^```python\n(.*?)^```", page, re.S | re.M)
    assert len(examples) >= 4, "the library page lost its examples"
    names: dict = {}
    for example in examples:
        exec(compile(example, "docs/library.md", "exec"), names)
        promised = re.findall(r"print\(.*\)\s+# (.+)", example)
        assert capsys.readouterr().out.splitlines() == promised
    assert names["import_members_to_kit"]()["exit_status"] == 0
