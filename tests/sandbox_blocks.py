"""The `console` blocks of the README and the manual that run kit-import against the sandbox, and
how to replay one and compare what it printed with what the page shows.

The convention a page follows:
- a block is replayed when one of its `$ kit-import` commands has `--sandbox` (each such command
  starts its own emulator, as it does for a reader), or when the block starts one account with
  `$ export KIT_API_URL=http://127.0.0.1:PORT KIT_ACCESS_TOKEN=sandbox-token-...` (the lines
  `kit-import sandbox` prints): then one in-process sandbox serves every command of the block;
- the block's commands run in order in a fresh folder holding a copy of sample_data/;
- `$ cat FILE` of a file the folder lacks writes the lines shown under it to FILE, so a page can
  show a small file and then import it; `pip install` is skipped; any other command that is not
  kit-import runs in bash there;
- each command's printed lines are compared with the lines shown under it, ignoring ports, clock
  times, dates in file names, a CSV's byte order mark, progress lines, elapsed times and rates
  (see transcripts.py); a shown line `...` skips any number of printed lines, and a shown line
  ending in `...` matches a line that starts so.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from transcripts import normalized

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md"] + sorted(p for p in (ROOT / "docs").rglob("*.md")
                                      if "reference" not in p.relative_to(ROOT / "docs").parts)
CREDENTIAL_NAMES = ("KIT_API_KEY", "KIT_ACCESS_TOKEN", "KIT_API_URL", "KIT_REFRESH_TOKEN", "KIT_CLIENT_ID")


@dataclass
class Step:
    """One `$ command` of a block and the lines shown under it."""
    command: str
    shown: list[str] = field(default_factory=list)


@dataclass
class Block:
    """One console block: where it is (for the test id) and its steps."""
    page: str
    line: int
    steps: list[Step]

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def one_account(self) -> bool:
        """Whether the block exports a sandbox's URL, so one emulator serves all its commands."""
        return any(re.match(r"export .*KIT_API_URL=http://127\.0\.0\.1:PORT", s.command) for s in self.steps)

    @property
    def runs_against_the_sandbox(self) -> bool:
        kit = [s.command for s in self.steps if re.search(r"(^|&& )kit-import ", s.command)]
        return bool(kit) and (self.one_account or any(re.search(r"(?<![\w-])--sandbox(?![\w-])", c) for c in kit))


def steps_of(text: str) -> list[Step]:
    """The commands of a block (a trailing backslash continues one) with the lines shown under each."""
    steps: list[Step] = []
    lines = iter(text.splitlines())
    for line in lines:
        if line.startswith("$ "):
            command = line[2:]
            while command.endswith("\\"):
                command = command[:-1] + " " + next(lines, "").strip()
            steps.append(Step(command.strip()))
        elif steps:
            steps[-1].shown.append(line)
    return steps


def blocks() -> list[Block]:
    """Every console block of the README and the written manual pages that runs against the sandbox."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r"^```console\n(.*?)^```", text, re.S | re.M):
            line = text.count("\n", 0, match.start()) + 1
            block = Block(str(page.relative_to(ROOT)), line, steps_of(match.group(1)))
            if block.runs_against_the_sandbox:
                found.append(block)
    return found


def normal(lines: list[str]) -> list[str]:
    """The lines with what changes from run to run made alike (transcripts.normalized: ports, clocks,
    progress between the first and last line, elapsed times, rates), and also dated file names and
    the sandbox's secrets."""
    out = []
    for line in normalized(lines):
        line = line.removeprefix("\ufeff")  # the byte order mark a CSV kit-import writes starts with
        line = re.sub(r"\d{4}-\d\d-\d\dT\d{4}(\d\d)?Z?\b", "DATETIME", line)  # a timestamped undo file's name
        line = re.sub(r"(?<![\w.])\d+\.\d+ s\b", "N s", line)  # how long a run took (history's Took)
        out.append(re.sub(r"(sandbox-(?:token|key|client|refresh)-)[\w-]+", r"\1...", line))
    return out


def matches(printed: list[str], shown: list[str]) -> bool:
    """Whether the printed lines are the shown ones, `...` lines skipping any run of printed lines."""
    printed, shown = normal(printed), normal(shown)

    def fits(i: int, j: int) -> bool:
        if j == len(shown):
            return i == len(printed)
        if shown[j] == "...":
            return any(fits(k, j + 1) for k in range(i, len(printed) + 1))
        if i == len(printed):
            return False
        same = (printed[i].startswith(shown[j][:-3]) if shown[j].endswith("...") else printed[i] == shown[j])
        return same and fits(i + 1, j + 1)

    return fits(0, 0)


def run_step(step: Step, command: str, env: dict[str, str], folder: Path) -> list[str]:
    """Run one shown command (its `&&` parts in turn, `pip install` skipped) and return what it printed."""
    from importer.cli import cli

    shown_file = re.fullmatch(r"cat ([\w./-]+)", command)
    if shown_file and not (folder / shown_file.group(1)).exists():
        assert "..." not in step.shown, f"`$ {command}` shows a file to write, so it cannot skip lines"
        (folder / shown_file.group(1)).write_text("\n".join(step.shown) + "\n", encoding="utf-8")
    printed: list[str] = []
    for part in (p.strip() for p in command.split(" && ")):
        if part.startswith("pip install"):
            continue
        if part.startswith("export "):
            for assignment in shlex.split(part)[1:]:
                name, _, value = assignment.partition("=")
                env[name] = value
            continue
        if part.startswith("kit-import "):
            before = Path.cwd()
            os.chdir(folder)
            try:
                result = CliRunner().invoke(cli, shlex.split(part)[1:], env=env, catch_exceptions=False)
            finally:
                os.chdir(before)
            assert result.exit_code != 2, f"`$ {part}` is bad usage (a typo in the page?):\n{result.output}"
            printed += result.output.splitlines()
        else:
            shell = subprocess.run(["bash", "-c", part], cwd=folder, capture_output=True, text=True, timeout=60,
                                   env={**os.environ, **{k: v for k, v in env.items() if v}})
            printed += (shell.stdout + shell.stderr).splitlines()
    return printed


def replay(block: Block, folder: Path) -> list[tuple[Step, list[str]]]:
    """Run a block's commands in order in `folder` (holding a copy of sample_data/), against one
    in-process sandbox when the block exports one; return each step with what it printed."""
    from importer.sandbox import SAMPLE_FIELDS, SAMPLE_FORMS, SAMPLE_SEQUENCES, Sandbox

    shutil.copytree(ROOT / "sample_data", folder / "sample_data")
    env = dict.fromkeys(CREDENTIAL_NAMES, "")
    results = []
    emulator = Sandbox().start() if block.one_account else None
    try:
        if emulator:
            emulator.seed_fields(SAMPLE_FIELDS)
            emulator.seed_forms(SAMPLE_FORMS)
            emulator.seed_sequences(SAMPLE_SEQUENCES)  # as `kit-import sandbox` does
        for step in block.steps:
            command = step.command
            if emulator and command.startswith("export "):
                command = (command.replace("http://127.0.0.1:PORT", emulator.url)
                           .replace("sandbox-token-...", emulator.access_token)
                           .replace("sandbox-key-...", emulator.api_key))
            results.append((step, run_step(step, command, env, folder)))
    finally:
        if emulator:
            emulator.stop()
    return results
