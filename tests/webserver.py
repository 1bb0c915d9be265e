"""A local HTTP server on 127.0.0.1 for tests: it serves what a test sets per path (a spreadsheet,
a redirect, a sign-in page, a webhook's answer) and records every request it received."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    method: str
    path: str  # with its query
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[Seen], Answer]


class WebServer:
    """`server.route(path, answer)`; `server.url + path`; `server.seen` lists the requests."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(self.command, self.path, dict(self.headers), self.rfile.read(length) if length else b"")
                owner.seen.append(seen)
                route = owner.routes.get(self.path.split("?")[0])
                answer = route(seen) if route else Answer(404, b"not found")
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in answer.headers:
                    self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if answer.status != 304 and self.command != "HEAD":
                    self.wfile.write(answer.body)

            do_GET = do_POST = do_HEAD = _handle

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def route(self, path: str, answer: Answer | Route) -> None:
        self.routes[path] = answer if callable(answer) else (lambda seen, a=answer: a)

    def __enter__(self) -> WebServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def sheet(text: str, etag: str = '"v1"', modified: str = "Sun, 06 Dec 2026 03:00:00 GMT") -> Route:
    """A CSV answered with validators, and 304 to a request that holds them."""

    def answer(seen: Seen) -> Answer:
        if seen.headers.get("If-None-Match") == etag:
            return Answer(304, headers={"ETag": etag})
        return Answer(200, text.encode("utf-8"), {"Content-Type": "text/csv; charset=utf-8", "ETag": etag,
                                                  "Last-Modified": modified})

    return answer
