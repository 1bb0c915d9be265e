"""One-time OAuth authorization for unattended runs: the authorization-code flow with PKCE and a
loopback redirect on 127.0.0.1, ending with the token pair saved to a token file."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import requests

from importer.errors import ConfigError, KitFatalError, KitUnavailableError
from importer.kit.auth import TokenFile

PAGE = ("<!doctype html><meta charset=utf-8><title>kit-import</title>"
        "<p style='font:16px sans-serif'>{}</p>")


@dataclass(frozen=True)
class Pkce:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""

    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(64)[:96]  # 43-128 characters of [A-Za-z0-9-._~]
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


def authorize(client_id: str, base_url: str, token_file: Path, *, open_url: Callable[[str], None],
              client_secret: str | None = None, port: int = 8765, timeout: float = 300.0) -> dict:
    """Ask the user to approve the app in a browser, catch Kit's redirect on 127.0.0.1, trade
    the code for a token pair, and save the pair (0600) to `token_file`. Returns the pair."""
    pkce, state = Pkce.new(), secrets.token_urlsafe(16)
    redirect_uri = f"http://127.0.0.1:{port}/callback"
    caught: dict[str, str] = {}
    arrived = threading.Event()

    class Callback(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            query = {k: v[-1] for k, v in parse_qs(urlparse(self.path).query).items()}
            if urlparse(self.path).path != "/callback" or query.get("state") != state:
                self._answer(400, "This is not the answer kit-import is waiting for.")
                return
            caught.update(query)
            self._answer(200, "kit-import is authorized. You can close this tab." if "code" in query
                         else f"Kit did not authorize kit-import: {query.get('error', 'no code')}.")
            arrived.set()

        def _answer(self, status: int, text: str) -> None:
            body = PAGE.format(text).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    try:
        server = HTTPServer(("127.0.0.1", port), Callback)
    except OSError as e:
        raise ConfigError(f"Cannot listen on 127.0.0.1:{port} for Kit's redirect: {e.strerror}.",
                          "Choose another --port (and add its redirect URI to the app in Kit).") from None
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        query = {"client_id": client_id, "response_type": "code", "redirect_uri": redirect_uri, "state": state,
                 "code_challenge": pkce.challenge, "code_challenge_method": "S256"}
        open_url(f"{base_url.rstrip('/')}/v4/oauth/authorize?{urlencode(query)}")
        if not arrived.wait(timeout):
            raise ConfigError(f"No answer from Kit within {timeout:.0f} s.",
                              "Run `kit-import auth` again and approve the app in the browser.")
    finally:
        server.shutdown()
        server.server_close()
    if "code" not in caught:
        why = caught.get("error_description") or caught.get("error")
        raise KitFatalError(f"Kit did not authorize kit-import: {why}.",
                            "Run `kit-import auth` again and approve the app.")
    body = {"client_id": client_id, "grant_type": "authorization_code", "code": caught["code"],
            "redirect_uri": redirect_uri, "code_verifier": pkce.verifier}
    if client_secret:
        body["client_secret"] = client_secret
    pair = exchange_token(base_url, body)
    TokenFile(token_file).save(pair.access_token, pair.refresh_token, pair.expires_in)
    return {"access_token": pair.access_token, "refresh_token": pair.refresh_token, "expires_in": pair.expires_in}


@dataclass(frozen=True)
class TokenPair:
    """A new OAuth pair from Kit: the access token, the (single-use) refresh token, and its lifetime."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: float | None = None


# What each grant is for, in the user's words: the errors name it and say what to do next.
_GRANTS = {
    "authorization_code": ("finish the authorization", "Check the network and run `kit-import auth` again.",
                           "Run `kit-import auth` again; codes are single-use and expire within minutes."),
    "refresh_token": ("refresh the OAuth access token", "Run the import again later.",
                      "Authorize the app again and set KIT_ACCESS_TOKEN and KIT_REFRESH_TOKEN "
                      "(and delete the saved token file)."),
}


def exchange_token(base_url: str, body: dict[str, str], *, session: requests.Session | None = None,
                   timeout: tuple[float, float] = (10.0, 60.0)) -> TokenPair:
    """POST /v4/oauth/token: trade an authorization code (with its PKCE verifier) or a refresh
    token for a new pair. The one token exchange: `kit-import auth` and the client's refresh."""
    purpose, unreachable_hint, refused_hint = _GRANTS[body["grant_type"]]
    try:
        # No credential header: the client's session carries the expired bearer token.
        reply = (session or requests).post(f"{base_url.rstrip('/')}/v4/oauth/token", json=body, timeout=timeout,
                                           headers={"Authorization": None})  # type: ignore[dict-item]
    except (requests.ConnectionError, requests.Timeout):
        raise KitUnavailableError(f"Kit could not be reached to {purpose}.", unreachable_hint) from None
    try:
        data = reply.json()
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    if reply.status_code != 200 or not data.get("access_token") or not data.get("refresh_token"):
        said = data.get("error_description") or data.get("error") or data.get("errors") or reply.reason
        said = "; ".join(map(str, said)) if isinstance(said, list) else said
        raise KitFatalError(f"Kit refused to {purpose} (HTTP {reply.status_code}: {said}).", refused_hint,
                            status=reply.status_code)
    expires = data.get("expires_in")
    return TokenPair(str(data["access_token"]), str(data["refresh_token"]),
                     float(expires) if isinstance(expires, (int, float)) else None)
