"""Real mail servers on loopback for the e-mail channel and the forwarding tests: dovecot (IMAP), aiosmtpd (SMTP).

Each test gets its own dovecot instance with a generated configuration in a temporary folder,
listening on 127.0.0.1 on a free port, users from a passwd-file, maildirs in the folder.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from email import message_from_bytes, policy

import pytest

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "buergerpost", "imap-geheim"


def _free_port() -> int:
    # dovecot needs a concrete port; the kernel picks a free ephemeral one.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accounts() -> tuple[pwd.struct_passwd, str, str]:
    """The owner of the maildirs and dovecot's service users; root may not own mail."""
    if os.getuid() == 0:
        return pwd.getpwnam("dovecot"), "dovecot", "dovenull"
    me = pwd.getpwuid(os.getuid())
    return me, me.pw_name, me.pw_name


CONFIG = """
base_dir = {root}/run
state_dir = {root}/run
log_path = {root}/dovecot.log
instance_name = mitreden-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
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
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
"""


class Dovecot:
    def __init__(self, user: str = USER, password: str = PASSWORD):
        self.user, self.password = user, password
        self.root = tempfile.mkdtemp(prefix="mitreden-dovecot-")
        os.chmod(self.root, 0o755)
        self.port = _free_port()
        owner, internal, login = _accounts()
        os.makedirs(f"{self.root}/run")
        os.makedirs(f"{self.root}/mail")
        os.chown(f"{self.root}/mail", owner.pw_uid, owner.pw_gid)
        with open(f"{self.root}/passwd", "w") as fh:
            fh.write(f"{user}:{{PLAIN}}{password}::::::\n")
        with open(f"{self.root}/dovecot.conf", "w") as fh:
            fh.write(CONFIG.format(root=self.root, port=self.port, internal=internal, login=login,
                                   uid=owner.pw_uid, gid=owner.pw_gid))
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", f"{self.root}/dovecot.conf"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self) -> None:
        for _ in range(100):
            try:
                self.connect().logout()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("dovecot did not start: " + self.log())

    def log(self) -> str:
        try:
            with open(f"{self.root}/dovecot.log") as fh:
                return fh.read()[-3000:]
        except FileNotFoundError:
            return "(no log)"

    def connect(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, mailbox: str = "INBOX") -> None:
        client = self.connect()
        status, data = client.append(mailbox, None, None, raw)
        client.logout()
        assert status == "OK", data

    def unseen(self, mailbox: str = "INBOX") -> int:
        client = self.connect()
        client.select(mailbox)
        count = len(client.search(None, "UNSEEN")[1][0].split())
        client.logout()
        return count

    def recreate(self, mailbox: str) -> None:
        """Delete and create the folder again: the server hands out a new UIDVALIDITY."""
        client = self.connect()
        client.delete(mailbox)
        assert client.create(mailbox)[0] == "OK"
        client.logout()

    def uidvalidity(self, mailbox: str = "INBOX") -> int:
        client = self.connect()
        client.select(mailbox, readonly=True)
        value = int(client.response("UIDVALIDITY")[1][0])
        client.logout()
        return value

    def settings(self, mailbox: str = "INBOX") -> dict:
        return {"imap_host": "127.0.0.1", "imap_port": str(self.port), "imap_security": "none", "mailbox": mailbox}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


class SMTPCapture:
    """aiosmtpd on 127.0.0.1 (port chosen by the kernel) keeping every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.envelopes: list = []
        # The controller checks its own port after starting, so it needs a concrete (kernel-chosen) one.
        self.port = _free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    @property
    def deliveries(self) -> list[tuple[list[str], object]]:
        """(recipients, message) pairs in the order they arrived."""
        return [(list(e.rcpt_tos), m) for e, m in zip(self.envelopes, self.messages, strict=True)]

    def settings(self) -> dict:
        return {"smtp_host": "127.0.0.1", "smtp_port": str(self.port), "smtp_from": "buergerpost@stadt.example"}

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def dovecot():
    server = Dovecot()
    yield server
    server.stop()


@pytest.fixture
def smtp_server():
    server = SMTPCapture()
    yield server
    server.stop()
