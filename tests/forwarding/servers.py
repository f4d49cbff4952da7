"""Real mail servers on loopback for the forwarding tests: aiosmtpd for SMTP, Debian's dovecot for IMAP."""

from __future__ import annotations

import grp
import imaplib
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller

DOVECOT = "/usr/sbin/dovecot"


class _Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"


class SMTPServer(Controller):
    """aiosmtpd on 127.0.0.1 and an ephemeral port; `.messages` holds (recipients, message) pairs."""

    def __init__(self):
        self.collector = _Collect()
        super().__init__(self.collector, hostname="127.0.0.1", port=0)

    def _trigger_server(self):
        # Port 0 lets the OS choose; learn the real port before aiosmtpd connects to itself.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()

    @property
    def messages(self):
        return self.collector.messages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


class IMAPServer:
    """A private dovecot instance: one mailbox user, maildir in a temporary folder, plaintext on loopback."""

    def __init__(self, user: str = "presse", password: str = "imap-secret"):
        self.user, self.password = user, password
        self.root = Path(tempfile.mkdtemp(prefix="mitreden-dovecot-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> IMAPServer:
        self.root.chmod(0o755)
        uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
        for sub in ("mail", "home"):
            (self.root / sub).mkdir()
            shutil.chown(self.root / sub, uid, gid)
        (self.root / "users").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        (self.root / "dovecot.conf").write_text(CONFIG.format(root=self.root, uid=uid, gid=gid, port=self.port))
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._wait()
        return self

    def _wait(self) -> None:
        for _ in range(100):
            if self.process.poll() is not None:
                raise RuntimeError("dovecot exited: " + self.process.stdout.read().decode(errors="replace"))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("dovecot did not start listening")

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def deliver(self, raw: bytes) -> None:
        """Put a mail into the inbox as the mail server would."""
        client = self.client()
        try:
            client.append("INBOX", None, None, raw)
        finally:
            client.logout()

    def unseen(self) -> int:
        client = self.client()
        try:
            client.select("INBOX")
            return len(client.search(None, "UNSEEN")[1][0].split())
        finally:
            client.logout()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)
