"""The Kit client: auth headers, pagination, retries, and errors typed by what happens next."""

from __future__ import annotations

import socket
import time

import pytest
import requests
import responses

from conftest import BASE, make_client
from helpers import Clock
from importer.errors import ConfigError, KitFatalError, KitRequestError, KitUnavailableError, KitUnreachableError
from importer.kit import Credential, KitClient, RateLimiter, credential_from_env


def page(items, cursor, has_next):
    return {"custom_fields": items, "pagination": {"has_previous_page": False, "has_next_page": has_next,
                                                   "start_cursor": "WzFd", "end_cursor": cursor, "per_page": 1000}}


@pytest.mark.parametrize("kind, header, value", [
    ("oauth", "Authorization", "Bearer tok"),
    ("api_key", "X-Kit-Api-Key", "tok"),
], ids=["oauth-bearer", "api-key-header"])
def test_auth_header_follows_the_credential(kit, kind, header, value):
    kit.get(f"{BASE}/v4/account", json={"account": {}})
    make_client(kind, "tok").get("/v4/account")
    assert kit.calls[0].request.headers[header] == value


def test_pagination_follows_end_cursor_with_1000_per_page(kit):
    kit.get(f"{BASE}/v4/custom_fields", match=[responses.matchers.query_param_matcher({"per_page": "1000"})],
            json=page([{"id": 1}], "c1", True))
    kit.get(f"{BASE}/v4/custom_fields",
            match=[responses.matchers.query_param_matcher({"per_page": "1000", "after": "c1"})],
            json=page([{"id": 2}, {"id": 3}], "c2", False))
    assert [f["id"] for f in make_client().paginate("/v4/custom_fields", "custom_fields")] == [1, 2, 3]


def test_pagination_stops_on_a_repeated_cursor(kit):
    kit.get(f"{BASE}/v4/custom_fields", json=page([{"id": 1}], "same", True))
    kit.get(f"{BASE}/v4/custom_fields", json=page([{"id": 2}], "same", True))
    with pytest.raises(KitUnavailableError, match="same page cursor twice"):
        list(make_client().paginate("/v4/custom_fields", "custom_fields"))


@pytest.mark.parametrize("first", [
    {"status": 429, "body": "Retry later", "content_type": "text/plain"},
    {"status": 500, "json": {"errors": ["Internal error"]}},
    {"status": 503, "body": "<html>down</html>", "content_type": "text/html"},
    {"status": 413, "json": {"errors": ["This request exceeds your queued bulk requests limit."]}},
    {"body": requests.ConnectionError("reset by peer")},
    {"body": requests.Timeout("read timed out")},
], ids=["429-plain-text", "500", "503-html", "413-queue-full", "connection-reset", "timeout"])
def test_retriable_failures_are_retried_then_succeed(kit, first):
    kit.post(f"{BASE}/v4/bulk/subscribers", **first)
    kit.post(f"{BASE}/v4/bulk/subscribers", json={"subscribers": [], "failures": []})
    client = make_client()
    reply = client.post("/v4/bulk/subscribers", {"subscribers": [{"email_address": "a@example.com"}]})
    assert reply.status == 200
    assert client.stats.retries == 1
    assert client.stats.throttled == (1 if first.get("status") == 429 else 0)
    assert client.stats.by_endpoint["POST /v4/bulk/subscribers"] == 2


def test_a_429_pauses_the_whole_credential():
    throttled = []

    class Limiter(RateLimiter):
        def throttled(self, base=1.0, cap=60.0):
            throttled.append(base)
            return 0.0

    with responses.RequestsMock() as kit:
        kit.get(f"{BASE}/v4/account", status=429, body="Retry later")
        kit.get(f"{BASE}/v4/account", json={})
        make_client(limiter=Limiter(100, 60, sleep=lambda s: None)).get("/v4/account")
    assert len(throttled) == 1


def test_a_run_of_429s_gives_up_after_its_own_budget(kit):
    kit.get(f"{BASE}/v4/account", status=429, body="Retry later")
    client = make_client(max_throttled=4)
    with pytest.raises(KitUnavailableError, match="after 4 attempts"):
        client.get("/v4/account")
    assert client.stats.throttled == 3 and client.stats.by_endpoint["GET /v4/account"] == 4


def test_retries_are_bounded(kit):
    kit.get(f"{BASE}/v4/account", status=502, json={"errors": ["Bad gateway"]})
    client = make_client(max_attempts=3)
    with pytest.raises(KitUnavailableError, match="after 3 attempts") as caught:
        client.get("/v4/account")
    assert caught.value.errors == ["Bad gateway"]
    assert client.stats.by_endpoint["GET /v4/account"] == 3


@pytest.mark.parametrize("status, message, error", [
    (401, "The access token is invalid", KitFatalError),
    (403, "This request would exceed your subscriber limit", KitFatalError),
    (422, "Email address is invalid", KitRequestError),
    (404, "Not Found", KitRequestError),
], ids=["401-fatal", "403-fatal", "422-row-error", "404-row-error"])
def test_errors_are_typed_by_what_happens_next(kit, status, message, error):
    kit.get(f"{BASE}/v4/account", json={"account": {}})  # Kit has answered once: the address is right
    kit.post(f"{BASE}/v4/subscribers", status=status, json={"errors": [message]})
    client = make_client("api_key", "k")
    client.get("/v4/account")
    with pytest.raises(error) as caught:
        client.post("/v4/subscribers", {"email_address": "a@example.com"})
    assert caught.value.errors == [message]
    assert caught.value.status == status
    assert client.stats.retries == 0


def test_the_credential_never_appears_in_errors_or_repr(kit):
    kit.get(f"{BASE}/v4/account", status=401, json={"errors": ["The access token is invalid"]})
    client = make_client("oauth", "TOPSECRET-123")
    with pytest.raises(KitFatalError) as caught:
        client.get("/v4/account")
    assert "TOPSECRET" not in str(caught.value) + caught.value.hint
    assert "TOPSECRET" not in repr(client.credential)


def test_credential_from_env_prefers_oauth():
    assert (credential_from_env({"KIT_API_KEY": "k", "KIT_ACCESS_TOKEN": "t"})
            == Credential("oauth", "t", "KIT_ACCESS_TOKEN"))
    assert credential_from_env({"KIT_API_KEY": " k "}).kind == "api_key"
    assert credential_from_env({"KIT_API_KEY": "  "}) is None


def test_a_base_url_that_is_not_http_is_a_config_error():
    with pytest.raises(ConfigError, match="KIT_API_URL"):
        make_client().__class__(Credential("oauth", "t"), "api.kit.com")


def closed_port() -> int:
    """A local port nothing listens on: bound, then closed."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_refused_connection_on_the_first_request_names_the_url_at_once():
    url = f"http://127.0.0.1:{closed_port()}"
    client = KitClient(Credential("oauth", "t"), url)
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        client.get("/v4/account")
    assert time.monotonic() - started < 5
    assert str(caught.value) == f"Cannot reach Kit at {url} (connection refused): check KIT_API_URL."
    assert client.stats.retries == 0


@pytest.mark.parametrize("error, why", [
    (requests.ConnectionError("HTTPSConnectionPool(host='kit.test', port=443): Max retries exceeded (Caused by "
                              "NameResolutionError(\"Failed to resolve 'kit.test' ([Errno -2] Name or service not "
                              "known)\"))"), "unknown host"),
    (requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed "
                                  "certificate (_ssl.c:1006)"), "TLS failed: certificate verify failed: self-signed "
                                                                 "certificate"),
], ids=["unknown-host", "tls"])
def test_a_wrong_address_fails_on_the_first_request_without_retries(kit, error, why):
    kit.get(f"{BASE}/v4/account", body=error)
    with pytest.raises(ConfigError) as caught:
        make_client().get("/v4/account")
    assert str(caught.value) == f"Cannot reach Kit at {BASE} ({why}): check KIT_API_URL."


def test_after_the_first_answer_a_lost_connection_is_retried(kit):
    kit.get(f"{BASE}/v4/account", json={"account": {}})
    kit.get(f"{BASE}/v4/custom_fields", body=requests.ConnectionError("Connection refused"))
    kit.get(f"{BASE}/v4/custom_fields", json=page([], None, False))
    client = make_client()
    client.get("/v4/account")
    assert client.get("/v4/custom_fields")["custom_fields"] == []
    assert client.stats.retries == 1


def test_a_404_on_the_first_request_says_the_base_url_is_not_the_root():
    client = KitClient(Credential("oauth", "t"), BASE + "/v4")
    with responses.RequestsMock() as server, pytest.raises(ConfigError) as caught:  # not Kit: no contract check
        server.get(f"{BASE}/v4/v4/account", status=404, body="<html><head><title>404 Not Found</title></head>"
                                                           "<body><h1>Not Found</h1>" + "x" * 5000 + "</body></html>")
        client.get("/v4/account")
    assert str(caught.value) == (f"{BASE}/v4 answered 404 Not Found for /v4/account: KIT_API_URL should be the "
                                 "API's root, like https://api.kit.com (no /v4).")


def test_an_html_error_page_is_summarised_in_a_line(kit):
    page_html = ("<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>body{}</style></head><body>"
                 + "<p>nginx</p>" * 2000 + "</body></html>")
    kit.get(f"{BASE}/v4/account", json={"account": {}})
    kit.post(f"{BASE}/v4/subscribers", status=400, body=page_html)
    client = make_client()
    client.get("/v4/account")
    with pytest.raises(KitRequestError) as caught:
        client.post("/v4/subscribers", {"email_address": "a@example.com"})
    assert caught.value.errors == ["an HTML page: 502 Bad Gateway"]
    assert len(str(caught.value)) < 200



def test_a_kit_out_of_reach_for_minutes_is_given_up_on(kit):
    """Every attempt refused for 3 minutes: the client stops trying, with an error that stops the run
    (fatal), instead of failing this request after 8 attempts and going on with the next."""
    kit.get(f"{BASE}/v4/account", json={"account": {}})
    kit.post(f"{BASE}/v4/bulk/subscribers", body=requests.ConnectionError("[Errno 111] Connection refused"))
    clock = Clock(0.0)
    told: list[tuple[float, str]] = []
    client = make_client(clock=clock, sleep=clock.sleep, backoff_base=1.0)
    client.on_wait = lambda seconds, why: told.append((seconds, why))
    client.get("/v4/account")
    with pytest.raises(KitUnreachableError) as caught:
        client.post("/v4/bulk/subscribers", {"subscribers": [{"email_address": "a@example.com"}]})
    assert isinstance(caught.value, KitFatalError) and not caught.value.maybe_applied  # refused: never sent
    assert str(caught.value).startswith("Kit could not be reached for 3 min: every request failed "
                                        "(POST /v4/bulk/subscribers: connection failed); running again is safe")
    assert 180 <= clock.now <= 180 + 60  # given up at most one backoff after 3 minutes
    attempts = client.stats.by_endpoint["POST /v4/bulk/subscribers"]
    assert 8 < attempts < 15  # past its own 8 attempts: it waited for the client to give up on Kit
    assert told[0][1] == "connection failed, attempt 2 of 8"
    assert told[7][1] == "connection failed, attempt 9"
    # The next request does not try again: Kit is given up on until it answers.
    with pytest.raises(KitUnreachableError):
        client.get("/v4/account")
    assert client.stats.by_endpoint["GET /v4/account"] == 1


def test_a_timed_out_request_given_up_on_may_have_been_applied(kit):
    kit.get(f"{BASE}/v4/account", json={"account": {}})
    kit.post(f"{BASE}/v4/bulk/subscribers", body=requests.ReadTimeout("read timed out"))
    clock = Clock(0.0)
    client = make_client(clock=clock, sleep=clock.sleep, unreachable_after=60)
    client.get("/v4/account")
    with pytest.raises(KitUnreachableError, match="could not be reached for") as caught:
        client.post("/v4/bulk/subscribers", {"subscribers": [{"email_address": "a@example.com"}]})
    assert caught.value.maybe_applied


def test_a_kit_back_within_the_outage_window_is_no_reason_to_stop(kit):
    """Ten refusals over a minute or two, then Kit answers: the request succeeds, though it failed more
    often than its own 8 attempts, since no request reached Kit meanwhile."""
    kit.get(f"{BASE}/v4/account", json={"account": {}})
    for _ in range(10):
        kit.post(f"{BASE}/v4/bulk/subscribers", body=requests.ConnectionError("Connection refused"))
    kit.post(f"{BASE}/v4/bulk/subscribers", json={"subscribers": [], "failures": []})
    clock = Clock(0.0)
    client = make_client(clock=clock, sleep=clock.sleep, backoff_base=0.1)
    client.get("/v4/account")
    assert client.post("/v4/bulk/subscribers", {"subscribers": [{"email_address": "a@example.com"}]}).status == 200
    assert clock.now < 180 and client.stats.retries == 10
    assert client.outage.since is None  # the answer ended the outage


def test_5xx_answers_are_not_an_outage(kit):
    """Kit answering 502 is reachable: the request gives up after its own attempts, as before."""
    kit.get(f"{BASE}/v4/account", status=502, json={"errors": ["Bad gateway"]})
    clock = Clock(0.0)
    client = make_client(clock=clock, sleep=clock.sleep, max_attempts=8, unreachable_after=0)
    with pytest.raises(KitUnavailableError) as caught:
        client.get("/v4/account")
    assert not isinstance(caught.value, KitUnreachableError)
