"""A small HTTP/1.1 load generator on raw sockets, for benchmarks on the same machine as the server.

The platforms that send webhooks run elsewhere. On a 2-core machine, a load generator built on
http.client spends about as much CPU per request as the server does, and that CPU is taken from
the system under test. Requests here are built once as bytes and answers read by Content-Length,
so the generator's share stays small and the figures describe the server.
"""

from __future__ import annotations

import functools
import queue
import socket
import threading
import time

from bench._support import run_together


def build(path: str, body: bytes, headers: dict) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
    return (head + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode("latin-1") + body


class Connection:
    """One keep-alive connection; reconnects when the server closes it."""

    def __init__(self, port: int):
        self.port, self.sock, self.buf = port, None, bytearray()

    def connect(self) -> None:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buf.clear()

    def request(self, data: bytes) -> int:
        for attempt in (1, 2):
            self.connect()
            try:
                self.sock.sendall(data)
                return self._answer()
            except (ConnectionError, OSError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _answer(self) -> int:
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            self._fill()
        head = bytes(self.buf[:end]).lower()
        length = 0
        if (at := head.find(b"content-length:")) >= 0:
            line_end = head.find(b"\r\n", at)
            length = int(head[at + 15:line_end if line_end >= 0 else None])
        while len(self.buf) < end + 4 + length:
            self._fill()
        del self.buf[:end + 4 + length]
        if b"connection: close" in head:
            self.close()
        return int(head[9:12])

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


def closed_loop(port: int, requests: list[bytes], concurrency: int) -> tuple[float, list[float], int]:
    """Each of `concurrency` clients sends its share back to back; returns (seconds, latencies, errors)."""
    latencies, errors, lock = [], [0], threading.Lock()

    def client(share: list[bytes], ready) -> None:
        conn, mine, bad = Connection(port), [], 0
        conn.connect()
        ready.wait()
        for data in share:
            start = time.perf_counter()
            status = conn.request(data)
            mine.append(time.perf_counter() - start)
            bad += status != 200
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    seconds = run_together([functools.partial(client, requests[i::concurrency]) for i in range(concurrency)])
    return seconds, latencies, errors[0]


def fixed_rate(port: int, requests: list[bytes], rate: float, senders: int = 24) -> tuple[list[float], int]:
    """Open loop: request i is due at i/rate; latency counts from when it was due (no coordinated omission)."""
    due_queue: queue.SimpleQueue = queue.SimpleQueue()
    latencies, errors, lock = [], [0], threading.Lock()

    def sender() -> None:
        conn = Connection(port)
        while (item := due_queue.get()) is not None:
            due, data = item
            status = conn.request(data)
            with lock:
                latencies.append(time.perf_counter() - due)
                errors[0] += status != 200
        conn.close()

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for t in threads:
        t.start()
    begin = time.perf_counter()
    for i, data in enumerate(requests):
        due = begin + i / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        due_queue.put((due, data))
    for _ in threads:
        due_queue.put(None)
    for t in threads:
        t.join()
    return latencies, errors[0]
