"""Console transcripts in the docs, checked against real runs.

`transcript_differences(block, cwd)` runs every `kit-import` command of a ```console block (in
process, in `cwd`, with `env`) and returns how what it printed differs from what the block shows,
as diff lines: empty when they agree. A docs page can check each block it runs against the
sandbox with it. What changes from run to run is ignored: the sandbox's port, clock times and
dates, elapsed times and request rates, time left, and the progress lines between the first and
the last (how many there are, and their percentages, depend on timing).
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from importer.cli import cli

# (pattern, replacement): what varies between two runs of the same command, made alike.
VARYING = [
    (re.compile(r"^\d\d:\d\d:\d\d "), "HH:MM:SS "),  # the clock before a progress line
    (re.compile(r"127\.0\.0\.1:\w+"), "127.0.0.1:PORT"),  # the sandbox's port (or PORT in the docs)
    (re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?"), "DATE TIME"),
    (re.compile(r"^Elapsed:( +).*$"), r"Elapsed:\1N"),
    (re.compile(r"([\d.]+ req/s|rate not known yet)"), "RATE"),
    (re.compile(r"about [\d.]+ (s|min|h)( \d+ min)? left|time left not known yet"), "TIME left"),
    (re.compile(r"(\(\d+%\), )[\d,]+ requests"), r"\1N requests"),  # sent so far when the bar moved
]
# An intermediate progress line: `Importing contacts: 36 of 56 (64%), ...` short of 100%.
BETWEEN = re.compile(r"^(HH:MM:SS )?[\w ]+: [\d,]+ of [\d,]+ \((\d|[1-9]\d)%\)")


@dataclass
class Ran:
    """One command of a transcript: what the docs show after it and what it printed."""

    command: str
    exit_code: int
    shown: list[str]
    printed: list[str]


def normalized(lines: list[str]) -> list[str]:
    """The lines with what varies between runs made alike, and intermediate progress lines left out."""
    out = []
    for line in lines:
        for pattern, replacement in VARYING:
            line = pattern.sub(replacement, line)
        if not BETWEEN.match(line):
            out.append(line.rstrip())
    return out


def console_blocks(markdown: str) -> list[str]:
    """The bodies of the page's ```console blocks, in order."""
    return re.findall(r"^```console\n(.*?)^```", markdown, re.M | re.S)


def commands_of(block: str) -> list[tuple[str, list[str]]]:
    """Each `$ ...` line's kit-import command (after any `&&`-joined setup such as pip install)
    and the lines the block shows after it."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            parts = [p.strip() for p in line[2:].split("&&")]
            runs = [p for p in parts if re.match(r"([A-Z_]+=\S*\s+)*kit-import\b", p)]
            steps.append((runs[-1] if runs else "", []))
        elif steps:
            steps[-1][1].append(line)
    return [(command, shown) for command, shown in steps if command]


def run_block(block: str, cwd: Path, env: Mapping[str, str] | None = None) -> list[Ran]:
    """Run each kit-import command of the block in `cwd`, in order, with `env` on top of an
    environment holding no Kit credential."""
    import os

    ran = []
    for command, shown in commands_of(block):
        words = shlex.split(command)
        extra = {}
        while "=" in words[0] and not words[0].startswith("kit-import"):
            name, _, value = words.pop(0).partition("=")
            extra[name] = value
        old = Path.cwd()
        os.chdir(cwd)
        try:
            result = CliRunner().invoke(cli, words[1:], prog_name="kit-import",
                                        env={"KIT_API_KEY": "", "KIT_ACCESS_TOKEN": "", "KIT_API_URL": "",
                                             **(env or {}), **extra})
        finally:
            os.chdir(old)
        ran.append(Ran(command, result.exit_code, shown, result.output.splitlines()))
    return ran


def differences(ran: list[Ran]) -> list[str]:
    """How what the commands printed differs from what the docs show (diff lines; empty: none)."""
    diff: list[str] = []
    for run in ran:
        diff += difflib.unified_diff(normalized(run.shown), normalized(run.printed), f"shown: $ {run.command}",
                                     "printed", lineterm="", n=1)
    return diff


def transcript_differences(block: str, cwd: Path, env: Mapping[str, str] | None = None) -> list[str]:
    """Run the block's kit-import commands and say how their output differs from the block's."""
    return differences(run_block(block, cwd, env))
