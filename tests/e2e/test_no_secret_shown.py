"""No credential or URL secret appears in any output, log, report, history or alert of a nightly
run: a source URL with a token, a webhook and a healthcheck with secret paths, an OAuth token."""

from __future__ import annotations

import pytest

from importer.outputs import alerts as alerts_module
from helpers import env_for, invoke
from webserver import Answer, WebServer, sheet

CSV = "Email,First Name\na@example.com,Ann\nnot-an-email,Bob\n"
SOURCE_TOKEN = "srcT0kenQ5x8Zr2Lm9"
HOOK_SECRET = "hookS3cretW7p4Kd1Yq"
PING_SECRET = "5f1c2a9e-8b7d-4c3e-9a1f-0d2e3c4b5a69"
PASSWORD = "pa55w0rdUser77"


@pytest.mark.parametrize("kind", ["oauth", "api_key"])
def test_no_secret_in_any_output_log_report_history_or_alert(sandbox, tmp_path, monkeypatch, kind):
    monkeypatch.setattr(alerts_module, "RETRY_PAUSE", 0.0)
    with WebServer() as web:
        web.route("/exports/list.csv", sheet(CSV))
        web.route(f"/services/T0/B0/{HOOK_SECRET}", Answer(200))
        web.route(f"/{PING_SECRET}", Answer(200))
        web.route(f"/{PING_SECRET}/start", Answer(200))
        web.route(f"/{PING_SECRET}/fail", Answer(500))
        host = web.url.split("//")[1]
        source = f"http://user:{PASSWORD}@{host}/exports/list.csv?token={SOURCE_TOKEN}&gid=0"
        env = env_for(sandbox, kind)
        credential = env["KIT_ACCESS_TOKEN" if kind == "oauth" else "KIT_API_KEY"]
        outputs = []
        for extra in ([], ["--max-rejects", "10"], []):  # finished with a reject, braked, then unchanged
            result = invoke(["run", source, "--state", "k.state", "--report", "r.json", "--log", "run.log",
                             "--notify", f"{web.url}/services/T0/B0/{HOOK_SECRET}", "--notify-on", "always",
                             "--healthcheck", f"{web.url}/{PING_SECRET}", *extra], env, cwd=tmp_path)
            outputs.append(result.output)
        history = invoke(["history", "--state", "k.state", "--json"], cwd=tmp_path).output
        history += invoke(["history", "2", "--state", "k.state"], cwd=tmp_path).output
        alerts = b"".join(s.body for s in web.seen).decode()
        headers = "".join(str(s.headers) for s in web.seen if "services" in s.path or PING_SECRET in s.path)
    assert "exit 1" in alerts or '"exit_status": 1' in alerts  # the braked run alerted
    written = "".join(p.read_bytes().decode("utf-8", "replace") for p in tmp_path.rglob("*") if p.is_file())
    state = (tmp_path / "k.state").read_bytes().decode("latin-1")
    for place, text in {"output": "".join(outputs), "files": written, "state": state, "history": history,
                        "alerts": alerts + headers}.items():
        for secret in (SOURCE_TOKEN, HOOK_SECRET, PING_SECRET, PASSWORD, credential):
            assert secret not in text, f"a secret is in the {place}"
    assert "token=***" in "".join(outputs)
