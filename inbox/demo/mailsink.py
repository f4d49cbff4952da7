"""The demo's mail servers on 127.0.0.1: an SMTP sink that keeps every mail, an IMAP mailbox that stays empty.

The SMTP sink is aiosmtpd (the same server the tests use): replies of the e-mail and web-form
channels and the notifications to press offices really go out over SMTP and land here. The IMAP
stand-in answers the few commands the e-mail channel's poll sends (LOGIN, SELECT, UID SEARCH,
UID FETCH, LOGOUT) for an empty, read-only INBOX, so polling succeeds instead of backing off.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy

from inbox.core import clock


@dataclass
class Mail:
    at: datetime
    sender: str
    recipients: list[str]
    subject: str
    text: str


class SMTPSink:
    """aiosmtpd on a kernel-chosen port of 127.0.0.1, keeping each mail's headers and plain text."""

    def __init__(self):
        self.mails: list[Mail] = []
        self._lock = threading.Lock()
        self.port = free_port()
        self._controller = None

    def start(self) -> SMTPSink:
        from aiosmtpd.controller import Controller

        # The controller checks its own port after starting, so it needs a concrete one.
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        body = msg.get_body(preferencelist=("plain", "html"))
        mail = Mail(clock.now(), str(msg.get("From", envelope.mail_from)), list(envelope.rcpt_tos),
                    str(msg.get("Subject", "")), body.get_content() if body is not None else "")
        with self._lock:
            self.mails.append(mail)
        return "250 Message accepted for delivery"

    def received(self) -> list[Mail]:
        with self._lock:
            return list(self.mails)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _IMAPHandler(socketserver.StreamRequestHandler):
    """One IMAP4rev1 session on an empty folder; anything else is answered BAD."""

    def handle(self):
        self._send(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Mitreden-Demo-Postfach bereit")
        for line in self.rfile:
            tag, *words = line.decode(errors="replace").split()
            command = " ".join(words[:2] if words[:1] == ["UID"] else words[:1]).upper()
            if not self._answer(tag, command):
                return

    def _answer(self, tag: str, command: str) -> bool:
        if command == "CAPABILITY":
            self._send(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN")
        elif command in ("SELECT", "EXAMINE"):
            self._send(b"* 0 EXISTS", b"* 0 RECENT", f"* OK [UIDVALIDITY {self.server.uidvalidity}]".encode(),
                       b"* OK [UIDNEXT 1]", b"* FLAGS (\\Seen)")
            self._send(f"{tag} OK [READ-ONLY] SELECT completed".encode())
            return True
        elif command == "UID SEARCH":
            self._send(b"* SEARCH")
        elif command == "LOGOUT":
            self._send(b"* BYE", f"{tag} OK LOGOUT completed".encode())
            return False
        elif command not in ("LOGIN", "NOOP", "UID FETCH", "CLOSE"):
            self._send(f"{tag} BAD unknown command".encode())
            return True
        self._send(f"{tag} OK {command} completed".encode())
        return True

    def _send(self, *lines: bytes) -> None:
        self.wfile.write(b"".join(line + b"\r\n" for line in lines))


class IMAPStandIn(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _IMAPHandler)
        self.uidvalidity = 1  # the folder never changes, so the poll's cursor stays valid across restarts
        self.port = self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="mitreden-demo-imap")

    def start(self) -> IMAPStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
