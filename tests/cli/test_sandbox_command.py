"""`kit-import sandbox` and `kit-import auth` through the real CLI: what the sandbox prints and
serves, how its options are checked, and the one-time authorization against it."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from conftest import ROOT
from importer.sandbox import SAMPLE_FIELDS
from helpers import generated, invoke


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any Kit setting, plus `extra`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("KIT_")}, **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kit_import(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """The installed CLI in a child process, its output readable line by line as it comes."""
    return subprocess.Popen([sys.executable, "-m", "importer", *args], cwd=ROOT, env=env or clean_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture
def served():
    """`kit-import sandbox --account-id 4242 --subscriber-limit 3` running; its first five lines."""
    child = kit_import("sandbox", "--account-id", "4242", "--subscriber-limit", "3")
    lines = [child.stdout.readline().rstrip("\n") for _ in range(5)]
    yield lines
    child.send_signal(signal.SIGINT)
    assert child.wait(10) == 0
    assert child.stdout.read().strip() == "Stopped; it held 3 subscribers."


def test_the_sandbox_command_prints_its_account_credentials_and_oauth_client(served):
    url = re.fullmatch(r"Kit sandbox serving on (http://127\.0\.0\.1:\d+): account 4242, fields Last name, "
                       r"Company, Postal code, the single opt-in form Newsletter and the sequence Welcome "
                       r"\(Ctrl-C stops it\)\. "
                       r"In another shell:", served[0]).group(1)
    assert served[1] == f"  export KIT_API_URL={url}"
    token, key = re.fullmatch(r"  export KIT_ACCESS_TOKEN=(\S+)   # or: KIT_API_KEY=(\S+)", served[2]).groups()
    client_id = re.fullmatch(r"OAuth client id: (sandbox-client-\w+); to rehearse the one-time authorization:",
                             served[3]).group(1)
    assert served[4] == f"  KIT_CLIENT_ID={client_id} KIT_API_URL={url} kit-import auth --no-browser"

    bearer = {"Authorization": f"Bearer {token}"}
    assert requests.get(url + "/v4/account", headers={"X-Kit-Api-Key": key}, timeout=5).json()["account"]["id"] == 4242
    fields = requests.get(url + "/v4/custom_fields", headers=bearer, timeout=5).json()["custom_fields"]
    assert tuple(f["label"] for f in fields) == SAMPLE_FIELDS
    forms = requests.get(url + "/v4/forms", headers=bearer, timeout=5).json()["forms"]
    assert [(f["name"], f["type"]) for f in forms] == [("Newsletter", "embed")]
    sequences = requests.get(url + "/v4/sequences", headers=bearer, timeout=5).json()["sequences"]
    assert [(s["name"], s["active"], s["repeat"]) for s in sequences] == [("Welcome", True, False)]

    # --subscriber-limit 3: the fourth subscriber is refused with Kit's 403, and nothing is applied.
    def bulk(*emails):
        return requests.post(url + "/v4/bulk/subscribers", headers=bearer, timeout=5,
                             json={"subscribers": [{"email_address": e} for e in emails]})
    assert bulk("a@example.com", "b@example.com").status_code == 200
    over = bulk("c@example.com", "d@example.com")
    assert (over.status_code, over.json()) == (403, {"errors": ["This request would exceed your subscriber limit"]})
    assert bulk("a@example.com", "c@example.com").status_code == 200  # an existing one does not count


def test_run_sandbox_seeds_the_same_fields_and_form(tmp_path):
    result = invoke(["run", generated(tmp_path / "list.csv", 2), "--sandbox"], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (f"fields {', '.join(SAMPLE_FIELDS)}, the single opt-in form Newsletter and the sequence Welcome; it stops "
            "when this run ends." in result.output)
    listed = invoke(["fields", "--sandbox"]).output.splitlines()[1:]
    assert [line.split(None, 2)[2] for line in listed] == list(SAMPLE_FIELDS)


@pytest.mark.parametrize("auth", ["oauth", "api-key"])
def test_form_can_be_rehearsed_in_the_sandbox(tmp_path, auth):
    result = invoke(["run", generated(tmp_path / "list.csv", 3), "--sandbox", "--sandbox-auth", auth,
                     "--form", "Newsletter"], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Form additions:    3 to Newsletter (id 1)" in result.output


@pytest.mark.parametrize("auth", ["oauth", "api-key"])
def test_sequence_can_be_rehearsed_in_the_sandbox(tmp_path, auth):
    result = invoke(["run", generated(tmp_path / "list.csv", 3), "--sandbox", "--sandbox-auth", auth,
                     "--sequence", "Welcome"], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Sequences:         3 additions to Welcome (id 1)" in result.output


USAGE_LATENCY = "give SECONDS or MIN-MAX with 0 <= MIN <= MAX <= 60, e.g. 0.3-1.5."
USAGE_FAULTS = "give KIND=SHARE,... with KIND 5xx, drop or 413 and shares from 0 to 1, e.g. 5xx=0.05,drop=0.02."


@pytest.mark.parametrize("args, message", [
    (["--latency", "2-1"], f"Invalid value for '--latency': '2-1' has MIN above MAX; {USAGE_LATENCY}"),
    (["--latency", "fast"], f"Invalid value for '--latency': 'fast' is not a number of seconds; {USAGE_LATENCY}"),
    (["--latency", "-1"], f"Invalid value for '--latency': '-1' is negative; {USAGE_LATENCY}"),
    (["--latency", "0.5-90"], f"Invalid value for '--latency': '0.5-90' is out of range; {USAGE_LATENCY}"),
    (["--latency", "nan"], f"Invalid value for '--latency': 'nan' is out of range; {USAGE_LATENCY}"),
    (["--faults", "5xx=2"], f"Invalid value for '--faults': '5xx=2' is not a share from 0 to 1; {USAGE_FAULTS}"),
    (["--faults", "5xx=-0.1"], f"Invalid value for '--faults': '5xx=-0.1' is not a share from 0 to 1; {USAGE_FAULTS}"),
    (["--faults", "timeout=0.1"], f"Invalid value for '--faults': 'timeout=0.1' is not a fault; {USAGE_FAULTS}"),
    (["--faults", "drop"], f"Invalid value for '--faults': 'drop' is not a fault; {USAGE_FAULTS}"),
    (["--faults", "drop=often"], f"Invalid value for '--faults': 'drop=often' has no share; {USAGE_FAULTS}"),
    (["--faults", "5xx=0.1,5xx=0.2"], f"Invalid value for '--faults': 5xx is given twice; {USAGE_FAULTS}"),
    (["--faults", "5xx=0.6,drop=0.5"], "Invalid value for '--faults': the shares of '5xx=0.6,drop=0.5' add up to "
                                       "1.1, more than every request; make them add up to 1 at most."),
    (["--rate-limit", "0/60"], "Invalid value for '--rate-limit': '0/60' is not REQUESTS or REQUESTS/SECONDS with "
                               "at least 1 request in more than 0 seconds; give e.g. 600 or 600/60."),
    (["--rate-limit", "lots"], "Invalid value for '--rate-limit': 'lots' is not REQUESTS or REQUESTS/SECONDS with "
                               "at least 1 request in more than 0 seconds; give e.g. 600 or 600/60."),
    (["--account-id", "0"], "Invalid value for '--account-id': 0 is not in the range x>=1."),
    (["--subscriber-limit", "-1"], "Invalid value for '--subscriber-limit': -1 is not in the range x>=0."),
])
def test_bad_sandbox_options_are_usage_errors(args, message):
    result = invoke(["sandbox", *args])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"Error: {message}"


def test_good_sandbox_options_become_its_behaviour():
    from importer.cli.sandbox import parse_faults, parse_latency, parse_sandbox_rate_limit

    assert parse_latency(None, None, "0.3-1.5") == (0.3, 1.5) and parse_latency(None, None, "2") == (2.0, 2.0)
    assert parse_faults(None, None, "5xx=0.05, drop=0.02,413=0.01") == {"errors": 0.05, "drops": 0.02,
                                                                        "queue_full": 0.01}
    assert parse_faults(None, None, "") == {} and parse_faults(None, None, "5xx=1") == {"errors": 1.0}
    assert parse_sandbox_rate_limit(None, None, "600/60") == (600, 60.0)


def test_auth_reads_the_client_id_from_the_environment_only(tmp_path):
    missing = invoke(["auth", "--no-browser"], cwd=tmp_path)
    assert (missing.exit_code, missing.output) == (1, (
        "Error: KIT_CLIENT_ID is not set.\n"
        "Set it to your Kit app's client id (Settings, Developer), and KIT_CLIENT_SECRET if the app has a secret; "
        "against `kit-import sandbox`, use the client id it prints.\n"))
    for flag in ("--client-id", "--client-secret"):
        flagged = invoke(["auth", flag, "s3cret-VALUE"], {"KIT_CLIENT_ID": "app"}, cwd=tmp_path)
        assert flagged.exit_code == 2 and "s3cret-VALUE" not in flagged.output
        assert flagged.output.splitlines()[-1] == (
            "Error: kit-import auth takes the app's client id and secret only from the environment, which shell "
            "history and `ps` do not show: set KIT_CLIENT_ID (and KIT_CLIENT_SECRET if the app has one) instead "
            "of passing --client-id or --client-secret.")
    assert not (tmp_path / "kit-import.tokens.json").exists()


def test_auth_no_browser_authorizes_against_the_sandbox_end_to_end(sandbox, tmp_path):
    token_file = tmp_path / "nightly.tokens.json"
    port = free_port()
    child = kit_import("auth", "--no-browser", "--port", str(port), "--token-file", str(token_file),
                       env=clean_env(KIT_CLIENT_ID=sandbox.client_id, KIT_CLIENT_SECRET="app-secret",
                                     KIT_API_URL=sandbox.url))
    try:
        assert child.stdout.readline() == ("Open this address and approve kit-import (waiting for Kit's answer on "
                                           f"127.0.0.1:{port}):\n")
        address = child.stdout.readline().strip()
        assert address.startswith(f"{sandbox.url}/v4/oauth/authorize?client_id={sandbox.client_id}&")
        approved = requests.get(address, timeout=10)  # the user approves; the sandbox redirects to the callback
        assert (approved.status_code, "kit-import is authorized" in approved.text) == (200, True)
        assert child.wait(10) == 0
    finally:
        child.kill()
    assert child.stdout.read() == (f"Saved the token pair to {token_file} (mode 0600). Scheduled runs read it from "
                                   "there; keep KIT_CLIENT_ID set so they can renew it.\n")
    saved = json.loads(Path(token_file).read_text())
    assert (saved["access_token"], saved["refresh_token"]) == (sandbox.access_token, sandbox.refresh_token)
    token_body = next(b for m, p, _, b in sandbox.requests if p == "/v4/oauth/token")
    assert token_body["client_secret"] == "app-secret"


def test_the_list_lag_is_a_documented_switch_and_a_bad_one_is_refused():
    from click.testing import CliRunner

    from importer.cli import cli

    assert "--list-lag" in CliRunner().invoke(cli, ["sandbox", "--help"]).output
    refused = CliRunner().invoke(cli, ["sandbox", "--list-lag", "-1"])
    assert refused.exit_code == 2 and "--list-lag" in refused.output
