"""Helpers the end-to-end tests share: the real CLI invoked in-process, the environment that points
it at a sandbox, a failures CSV read back, a generated export. Beside conftest.py, so that a test
module in any folder imports them by name (test modules have unique names; no __init__.py)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from click.testing import CliRunner

from importer.cli import cli


def env_for(sandbox, kind: str = "oauth") -> dict[str, str]:
    secret = {"oauth": ("KIT_ACCESS_TOKEN", sandbox.access_token), "api_key": ("KIT_API_KEY", sandbox.api_key)}[kind]
    other = "KIT_ACCESS_TOKEN" if kind == "api_key" else "KIT_API_KEY"
    return {"KIT_API_URL": sandbox.url, secret[0]: secret[1], other: ""}


def invoke(args, env=None, cwd: Path | None = None):
    runner = CliRunner()
    old = Path.cwd()
    if cwd:
        os.chdir(cwd)
    try:
        return runner.invoke(cli, [str(a) for a in args],
                             env={"KIT_API_KEY": "", "KIT_ACCESS_TOKEN": "", **(env or {})})
    finally:
        os.chdir(old)


def failures_of(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def generated(path: Path, count: int) -> Path:
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["Email", "First Name", "Last name", "Company", "Postal code"])
        out.writerows([f"p{i}@example.com", f"P{i}", f"L{i}", f"C{i % 7}", f"{i:05d}"] for i in range(count))
    return path
