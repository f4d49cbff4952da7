"""A small HTTP server on 127.0.0.1 that plays a platform's API in tests.

Routes answer with queued or fixed responses and every request is recorded, so a test can
assert what the platform received (path, headers, JSON or form body).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body or b"null")

    @property
    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    status: int = 200
    body: object = field(default_factory=dict)
    headers: dict = field(default_factory=dict)


class FakeAPI:
    def __init__(self):
        self.requests: list[Received] = []
        self._routes: dict[tuple[str, str], list] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, path: str, *replies: Reply | dict | object) -> None:
        """Answer method+path with these replies in turn; the last one repeats. A callable gets the request."""
        self._routes[(method.upper(), path)] = [r if isinstance(r, Reply) or callable(r) else Reply(body=r)
                                                for r in replies]

    def received(self, method: str | None = None, path: str | None = None) -> list[Received]:
        return [r for r in self.requests if (method is None or r.method == method) and (path is None or r.path == path)]

    def _answer(self, req: Received) -> Reply:
        replies = self._routes.get((req.method, req.path))
        if not replies:
            return Reply(404, {"error": f"no route {req.method} {req.path}"})
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        return reply(req) if callable(reply) and not isinstance(reply, Reply) else reply

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                req = Received(self.command, parts.path, parse_qs(parts.query), dict(self.headers),
                               self.rfile.read(length) if length else b"")
                api.requests.append(req)
                reply = api._answer(req)
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.headers.get("Content-Type", "application/json"))
                for key, value in reply.headers.items():
                    if key != "Content-Type":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                try:
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped waiting (its read timeout, or it was killed)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
