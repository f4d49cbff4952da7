"""A small HTTP server on 127.0.0.1 that plays a platform's API: for the demo's stand-ins and for tests.

Routes answer with queued or fixed replies, or a callable that builds the reply from the request;
every request is recorded, so a test or the demo's outbox can show what the platform received
(path, headers, JSON or form body). A path may hold `{name}` segments that match any one segment;
the matched values are on the request's `params`.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass
class Received:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    params: dict = field(default_factory=dict)

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


def _pattern(path: str) -> re.Pattern:
    parts = PLACEHOLDER.split(path)
    # split() alternates literal text and placeholder names.
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts))
    return re.compile(regex + r"\Z")


class LoopbackAPI:
    def __init__(self):
        self.requests: list[Received] = []
        self._routes: dict[tuple[str, str], list] = {}
        self._patterns: list[tuple[str, re.Pattern, list]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="mitreden-loopback")

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, path: str, *replies: Reply | dict | object) -> None:
        """Answer method+path with these replies in turn; the last one repeats. A callable gets the request."""
        answers = [r if isinstance(r, Reply) or callable(r) else Reply(body=r) for r in replies]
        if PLACEHOLDER.search(path):
            self._patterns.append((method.upper(), _pattern(path), answers))
        else:
            self._routes[(method.upper(), path)] = answers

    def received(self, method: str | None = None, path: str | None = None) -> list[Received]:
        with self._lock:
            found = list(self.requests)
        return [r for r in found if (method is None or r.method == method) and (path is None or r.path == path)]

    def _replies_for(self, req: Received) -> list | None:
        exact = self._routes.get((req.method, req.path))
        if exact:
            return exact
        for method, pattern, answers in self._patterns:
            match = pattern.match(req.path)
            if method == req.method and match:
                req.params = match.groupdict()
                return answers
        return None

    def _answer(self, req: Received) -> Reply:
        with self._lock:
            replies = self._replies_for(req)
            if not replies:
                return Reply(404, {"error": f"no route {req.method} {req.path}"})
            reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if isinstance(reply, Reply):
            return reply
        built = reply(req)
        return built if isinstance(built, Reply) else Reply(body=built)

    def _record(self, req: Received) -> None:
        with self._lock:
            self.requests.append(req)

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                req = Received(self.command, parts.path, parse_qs(parts.query), dict(self.headers),
                               self.rfile.read(length) if length else b"")
                api._record(req)
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

    def start(self) -> LoopbackAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
