"""Answers by e-mail: read the mailbox over IMAP, find the forward, keep only the new text.

The token that finds the forward is in every notification e-mail, and a From line is easily forged:
a reply is taken as the department's answer only when our receiving server vouched for its sender
(inbox/core/mailauth.py); otherwise it is held for a press officer to confirm in the portal.
"""

from __future__ import annotations

import email
import imaplib
import logging
import os
import re
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses

import nh3
from sqlalchemy import func, select

from inbox.accounts.models import Membership, User
from inbox.audit.operations import record
from inbox.core import mailauth, mailer
from inbox.extensions import db
from inbox.forwarding.models import ACTIVE, Forward, ForwardEntry
from inbox.forwarding.operations import answer, hold_mail_answer

log = logging.getLogger(__name__)
TOKEN = re.compile(r"fw-([0-9a-f]{32})")
QUOTE_HEADERS = (
    re.compile(r"^\s*Am .+schrieb.*:\s*$"),
    re.compile(r"^\s*On .+wrote:\s*$"),
    re.compile(r"^\s*-{2,}\s*(Original Message|Ursprüngliche Nachricht|Originalnachricht)\s*-{2,}\s*$", re.I),
    re.compile(r"^\s*(Von|From):\s.+$"),
    re.compile(r"^-- $"),
)


def strip_quoted(text: str) -> str:
    """The new part of a reply: no '>' lines, nothing from "Am ... schrieb ...:" or an Outlook header on."""
    kept: list[str] = []
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        joined = line + " " + (lines[index + 1] if index + 1 < len(lines) else "")
        if any(p.match(line) for p in QUOTE_HEADERS) or (line.startswith("Am ") and QUOTE_HEADERS[0].match(joined)):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept).strip()


def token_of(msg: EmailMessage) -> str | None:
    """The forward's token from our header, the reply address, or the notification's Message-ID."""
    header = str(msg.get("X-Mitreden-Forward", "")).strip().lower()
    if re.fullmatch(r"[0-9a-f]{32}", header):
        return header
    addresses = getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []) + msg.get_all("Delivered-To", []))
    for value in [addr for _name, addr in addresses] + [msg.get("In-Reply-To", ""), msg.get("References", "")]:
        match = TOKEN.search(str(value or "").lower())
        if match:
            return match.group(1)
    return None


def body_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_type() == "text/html":
        content = nh3.clean(re.sub(r"<br\s*/?>|</p>", "\n", content, flags=re.I), tags=set())
    return content


def sender_of(msg: EmailMessage) -> str:
    """The one address in the one From header; '' for anything else (which of several would be checked?)."""
    values = msg.get_all("From", [])
    addresses = getaddresses([str(v) for v in values])
    if len(values) != 1 or len(addresses) != 1 or "@" not in addresses[0][1]:
        return ""
    return addresses[0][1]


def _allowed_sender(forward: Forward, sender: str) -> bool:
    """Only the press office's address or an active press officer of the department may answer by e-mail."""
    sender = sender.lower()
    if not sender:
        return False
    if sender == (forward.department.press_email or "").lower():
        return True
    return bool(db.session.scalar(select(User.id).join(Membership, Membership.user_id == User.id).where(
        func.lower(User.email) == sender, Membership.department_id == forward.department_id,
        Membership.role == "press_officer", User.active.is_(True))))


def mail_check(msg: EmailMessage, sender: str) -> str:
    """'dkim', 'dmarc' or 'spf' when our receiving server vouched for the sender's domain, else ''."""
    serv_ids = mailauth.serv_ids(mailer.settings().get("auth_serv_id", ""))
    return mailauth.verified_by(msg, serv_ids, sender) or ""


def handle(raw: bytes) -> str:
    """Attach one e-mail to its forward; returns what became of it (for logs and tests)."""
    msg = email.message_from_bytes(raw, policy=policy.default)
    message_id = str(msg.get("Message-ID", "")).strip()[:255] or None
    token = token_of(msg)
    forward = db.session.scalar(select(Forward).where(Forward.token == token)) if token else None
    if forward is None:
        return "no-forward"
    if message_id and db.session.scalar(select(ForwardEntry.id).where(
            ForwardEntry.organization_id == forward.organization_id, ForwardEntry.mail_message_id == message_id)):
        return "duplicate"
    sender = sender_of(msg)
    text = strip_quoted(body_text(msg))
    if not _allowed_sender(forward, sender) or not text or forward.state not in ACTIVE:
        record(forward.organization_id, "forward.mail_ignored", forward, conversation_id=forward.conversation_id,
               label="Antwort per E-Mail nicht übernommen", sender=sender or str(msg.get("From", ""))[:254],
               state=forward.state, forward_id=forward.id)
        return "ignored"
    user = db.session.scalar(select(User).where(func.lower(User.email) == sender.lower()))
    author = {"author_id": user.id if user else None, "author_label": sender, "mail_message_id": message_id}
    check = mail_check(msg, sender)
    if not check:
        hold_mail_answer(forward, text, **author)
        return "held"
    answer(forward, text, via="email", mail_check=check, **author)
    return "answered"


def _connect() -> imaplib.IMAP4:
    conf = mailer.settings()
    cls = imaplib.IMAP4_SSL if conf.get("imap_ssl") else imaplib.IMAP4
    client = cls(conf["imap_host"], int(conf.get("imap_port", 143)), timeout=30)
    client.login(conf.get("imap_user", ""), os.environ.get("MITREDEN_IMAP_PASSWORD", conf.get("imap_password", "")))
    client.select(conf.get("imap_folder", "INBOX"))
    return client


def fetch() -> dict[str, int]:
    """Read unseen mails; each is flagged seen only after its answer is committed."""
    if not mailer.settings().get("imap_host"):
        return {}
    outcome: dict[str, int] = {}
    client = _connect()
    try:
        _status, data = client.uid("SEARCH", None, "UNSEEN")
        for uid in data[0].split():
            _status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            result = _process(parts[0][1])
            outcome[result] = outcome.get(result, 0) + 1
            if result != "error":  # a failed one stays unseen and is tried again next time
                client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    finally:
        client.logout()
    return outcome


def _process(raw: bytes) -> str:
    try:
        result = handle(raw)
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        log.exception("could not attach a reply e-mail to its forward")
        return "error"
